# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reproducible sdist and wheel builds with the real build, setuptools and twine."""
from __future__ import annotations

import gzip
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _pydist as d
from ansible_collections.pkgops.release.plugins.module_utils import _record as r

EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "hello-world"
EPOCH = 1764028800  # 2026-11-25


@pytest.fixture()
def project(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "hello-world", ignore=shutil.ignore_patterns("*.egg-info"))
    return str(tmp_path / "hello-world")


def test_two_builds_give_the_same_bytes_and_the_tree_stays_clean(project, tmp_path):
    first = d.build(project, str(tmp_path / "a"), EPOCH)
    os.utime(os.path.join(project, "pyproject.toml"))  # a new mtime must not matter
    second = d.build(project, str(tmp_path / "b"), EPOCH)
    names = [os.path.basename(a.path) for a in first]
    assert names == ["hello-world-1.0.0.tar.gz", "hello_world-1.0.0-py3-none-any.whl"]
    assert [a.sha256 for a in first] == [a.sha256 for a in second]
    assert not any(name.endswith(".egg-info") for _r, dirs, _f in os.walk(project) for name in dirs)


def test_sdist_is_normalized(project, tmp_path):
    sdist = d.build(project, str(tmp_path / "a"), EPOCH)[0].path
    with open(sdist, "rb") as handle:
        assert int.from_bytes(handle.read(8)[4:8], "little") == EPOCH  # gzip header time
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(EPOCH, 0, 0, "", "")}
    assert gzip.open(sdist).read()  # still a valid gzip stream


def test_fingerprint_follows_content_and_epoch(project):
    base = r.fingerprint(project, {"epoch": EPOCH})
    assert r.fingerprint(project, {"epoch": EPOCH}) == base
    assert r.fingerprint(project, {"epoch": EPOCH + 1}) != base
    with open(os.path.join(project, "README.rst"), "a", encoding="utf-8") as handle:
        handle.write("more\n")
    assert r.fingerprint(project, {"epoch": EPOCH}) != base


def test_record_is_trusted_only_while_the_artifacts_are_intact(project, tmp_path):
    out = str(tmp_path / "out")
    arts = d.build(project, out, EPOCH)
    r.write(out, d.RECORD, "fp", arts, {"note": 1})
    assert r.recorded(out, d.RECORD, "fp") == (arts, {"note": 1})
    assert r.recorded(out, d.RECORD, "other") is None
    with open(arts[1].path, "ab") as handle:
        handle.write(b"x")
    assert r.recorded(out, d.RECORD, "fp") is None


def test_a_failing_build_quotes_the_backend(project, tmp_path):
    with open(os.path.join(project, "pyproject.toml"), "w", encoding="utf-8") as handle:
        handle.write("[project\n")
    with pytest.raises(d.DistError) as exc:
        d.build(project, str(tmp_path / "out"), EPOCH)
    assert str(exc.value).startswith("Building the sdist and wheel of '%s' failed (rc 1)" % project)
    assert "Expected ']' at the end of a table declaration" in str(exc.value)
