# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Delivering a build's outputs: each file appears whole, also when two builds deliver the same names at once
(a background build that outlived a killed run, and the next run's build)."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat

from ansible_collections.pkgops.release.plugins.module_utils import _record


def _deliver_many(src_dir, outdir, rounds):
    paths = sorted(os.path.join(src_dir, n) for n in os.listdir(src_dir))
    for _round in range(rounds):
        arts = _record.deliver(paths, outdir)
        _record.write(outdir, ".record", "print", arts)


def test_a_failed_delivery_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    try:
        _record.deliver([str(tmp_path / "missing.deb")], str(out))
    except FileNotFoundError:
        pass
    else:
        raise AssertionError("a missing file was delivered")
    assert os.listdir(out) == []


def test_deliver_is_whole_and_readable(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.deb").write_bytes(b"x" * 100000)
    out = tmp_path / "out"
    arts = _record.deliver([str(src / "a.deb")], str(out))
    assert [a.sha256 for a in arts] == [hashlib.sha256(b"x" * 100000).hexdigest()]
    assert stat.S_IMODE(os.stat(out / "a.deb").st_mode) == 0o644
    assert sorted(os.listdir(out)) == ["a.deb"]


def test_two_builds_deliver_the_same_names_at_once(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    blobs = {"hello_1.0-1_all.deb": os.urandom(3 << 20), "hello_1.0.orig.tar.gz": os.urandom(1 << 20)}
    for name, data in blobs.items():
        (src / name).write_bytes(data)
    out = tmp_path / "out"
    out.mkdir()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_deliver_many, args=(str(src), str(out), 15)) for _writer in range(2)]
    for proc in procs:
        proc.start()
    digests = {n: hashlib.sha256(d).hexdigest() for n, d in blobs.items()}
    seen = torn = 0
    while any(proc.is_alive() for proc in procs):  # a reader meanwhile: every file it opens is whole
        for name, digest in digests.items():
            try:
                data = (out / name).read_bytes()
            except FileNotFoundError:
                continue
            seen += 1
            torn += hashlib.sha256(data).hexdigest() != digest
    for proc in procs:
        proc.join(120)
    assert seen > 0 and torn == 0, (seen, torn)
    assert [proc.exitcode for proc in procs] == [0, 0]
    for name, data in blobs.items():
        assert (out / name).read_bytes() == data
    record = _record.recorded(str(out), ".record", "print")
    assert record is not None
    assert {os.path.basename(a.path): a.sha256 for a in record[0]} == digests
    assert sorted(os.listdir(out)) == sorted(list(blobs) + [".record"])  # no .part left
