# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build records: skip a build whose inputs are unchanged and whose outputs are still there.

A build module writes, next to its artifacts, a JSON record holding the fingerprint of its
inputs (every source file's path and bytes, plus the options that shape the output) and each
artifact's path, sha256 and size. The next run with the same fingerprint and intact
artifacts returns them without building.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils._files import sha256_of, source_files, tree_sha256


@dataclasses.dataclass
class Artifact:
    path: str
    sha256: str
    size: int

    @classmethod
    def of(cls, path):
        return cls(path, sha256_of(path), os.path.getsize(path))

    def as_dict(self):
        return dataclasses.asdict(self)


def fingerprint(root, inputs):
    """sha256 over ``inputs`` (JSON-able) and every source file's path and bytes."""
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode() + b"\0")
    digest.update(tree_sha256(root, list(source_files(root))).encode())
    return digest.hexdigest()


def recorded(outdir, name, print_):
    """The artifacts of a previous build with this fingerprint, if they are all still intact."""
    try:
        with open(os.path.join(outdir, name), encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != print_:
        return None
    arts = [Artifact(**a) for a in record.get("artifacts", [])]
    if not arts or any(not os.path.isfile(a.path) or sha256_of(a.path) != a.sha256 for a in arts):
        return None
    return arts, record.get("extra", {})


def write(outdir, name, print_, arts, extra=None):
    """Write the record atomically (a killed run leaves the old record or none)."""
    text = json.dumps({"fingerprint": print_, "artifacts": [a.as_dict() for a in arts], "extra": extra or {}}, indent=2)
    _put(outdir, name, lambda tmp: _write_text(tmp, text))


def _write_text(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _put(outdir, name, fill):
    """Make ``outdir``/``name`` appear whole: ``fill`` writes a new file of its own beside it (mode 0644), which is
    then renamed over it, or removed when anything fails. A build that outlived a killed run (a background job)
    and the next run's build can put the same names at once."""
    fd, tmp = tempfile.mkstemp(prefix=".%s." % name, suffix=".part", dir=outdir)
    os.close(fd)
    try:
        os.chmod(tmp, 0o644)
        fill(tmp)
        os.replace(tmp, os.path.join(outdir, name))
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def deliver(paths, outdir):
    """Copy a build's outputs into ``outdir``, each appearing whole (a .part, then a rename)."""
    os.makedirs(outdir, exist_ok=True)
    arts = []
    for path in paths:
        dest = os.path.join(outdir, os.path.basename(path))
        _put(outdir, os.path.basename(path), lambda tmp, src=path: shutil.copyfile(src, tmp))
        arts.append(Artifact.of(dest))
    return arts


@dataclasses.dataclass
class Outcome:
    changed: bool
    skipped: bool  # the record matched: nothing was built
    artifacts: t.List[Artifact]
    extra: dict
    fingerprint: str


def cached_build(root, outdir, name, inputs, build, force=False, check_mode=False):
    """What a build module does: the recorded artifacts when the inputs are unchanged, nothing in
    check mode, else ``build()`` -> (artifacts, extra), then recorded."""
    print_ = fingerprint(root, inputs)
    previous = None if force else recorded(outdir, name, print_)
    if previous is not None:
        return Outcome(False, True, previous[0], previous[1], print_)
    if check_mode:
        return Outcome(True, False, [], {}, print_)
    arts, extra = build()
    write(outdir, name, print_, arts, extra)
    return Outcome(True, False, arts, extra or {}, print_)


__all__: t.List[str] = ["Artifact", "Outcome", "fingerprint", "recorded", "write", "deliver", "cached_build"]
