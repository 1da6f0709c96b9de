# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build a project's sdist and wheel (PEP 517, ``build``), byte-reproducibly, and check them.

The build runs in a scratch copy of the project whose files all carry SOURCE_DATE_EPOCH as
their time, with SOURCE_DATE_EPOCH in the environment (the wheel's zip entries use it). The
sdist is then rewritten the way strip-nondeterminism would: members in name order, every
time SOURCE_DATE_EPOCH, owner root:root without names, and a gzip header without a changing
time - setuptools' own tarball carries the build's clock in files it generates. A record in
the output directory (``.pkgops-dist.json``) holds the fingerprint of the inputs (every
source file's path and bytes, and the epoch) and the artifacts' sha256, so an unchanged
project is not built again.
"""

from __future__ import annotations

import os
import sys
import tarfile
import tempfile
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils._files import copy_sources, write_tarball
from ansible_collections.pkgops.release.plugins.module_utils._record import deliver

RECORD = ".pkgops-dist.json"


class DistError(ValueError):
    """The build or the check failed; the message quotes the tool's output."""


class DistCommandError(_cmd.CommandError, DistError):
    """build or twine failed: the message quotes the command and the last lines of its output."""

    def describe(self):
        if self.rc is None:
            return super().describe()
        return "%s failed (rc %d): %s\n%s" % (self.what, self.rc, " ".join(self.cmd), self.tail(15))


def normalize_sdist(path, epoch):
    """Rewrite an sdist tarball deterministically (order, times, owners, gzip header)."""
    with tarfile.open(path, "r:gz") as src:
        members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
    write_tarball(path, members, epoch)


def build(root, outdir, epoch, python=None):
    """Build sdist and wheel of ``root`` into ``outdir``; returns the artifacts."""
    python = python or sys.executable
    env = {"SOURCE_DATE_EPOCH": str(epoch), "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="pkgops-dist-") as tmp:
        copy, out = os.path.join(tmp, "src"), os.path.join(tmp, "out")
        copy_sources(root, copy)
        for dirpath, dirs, files in os.walk(copy):
            for name in dirs + files:
                os.utime(os.path.join(dirpath, name), (epoch, epoch))
        _cmd.run([python, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", out, copy], env=env,
                 what="Building the sdist and wheel of '%s'" % root, error=DistCommandError)
        built = sorted(os.listdir(out))
        for name in built:
            if name.endswith(".tar.gz"):
                normalize_sdist(os.path.join(out, name), epoch)
        _cmd.run([python, "-m", "twine", "check", "--strict"] + [os.path.join(out, n) for n in built], env=env,
                 what="twine check of the distributions of '%s'" % root, error=DistCommandError)
        return deliver([os.path.join(out, n) for n in built], outdir)


__all__: t.List[str] = ["DistError", "DistCommandError", "RECORD", "build"]
