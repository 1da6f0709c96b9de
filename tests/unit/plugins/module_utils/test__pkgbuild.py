# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _debian, _pkgbuild, _rpm

MODULE_UTILS = Path(__file__).resolve().parents[4] / "plugins" / "module_utils"


@pytest.mark.parametrize("backend", [_debian.BACKEND, _rpm.BACKEND], ids=["deb_build", "rpm_build"])
def test_every_library_check_can_fire(backend, monkeypatch):
    """Each library the module needs is named when it cannot be imported (and only then)."""
    assert _pkgbuild.missing_library(backend) is None
    for name, module in backend.libraries:
        top = module.split(".")[0]
        with monkeypatch.context() as patch:
            for loaded in [m for m in list(sys.modules) if m.split(".")[0] == top]:
                patch.delitem(sys.modules, loaded)
            patch.setitem(sys.modules, top, None)  # what a host without the library gives: ImportError
            missing = _pkgbuild.missing_library(backend)
        assert missing is not None and missing[0] == name, (name, missing)
        assert module in missing[1]  # the traceback says what could not be imported


def test_findings_print_as_their_tool_does():
    lintian = _pkgbuild.Finding("W", "hello", "initial-upload-closes-no-bugs", "", "lintian")
    rpmlint = _pkgbuild.Finding("E", "hello.noarch", "invalid-license", "Foo", "rpmlint")
    assert str(lintian) == "W: hello: initial-upload-closes-no-bugs"
    assert str(rpmlint) == "hello.noarch: E invalid-license Foo"
    assert lintian.as_dict() == {"severity": "W", "package": "hello", "tag": "initial-upload-closes-no-bugs",
                                 "detail": ""}


def test_blocking_findings_name_the_tool_the_option_and_every_tag():
    job = _pkgbuild.Job(root="/src/p", opts=_rpm.Options(rpmlint_allow={"no-documentation": "a library"}),
                        release=None)
    found = [_pkgbuild.Finding("W", "p.noarch", "no-documentation", "", "rpmlint"),
             _pkgbuild.Finding("I", "p.noarch", "some-info", "", "rpmlint"),
             _pkgbuild.Finding("E", "p.noarch", "invalid-license", "Foo", "rpmlint")]
    _pkgbuild.refuse_blocking(_rpm.BACKEND, job, found[:2])  # allowed and informational: no error
    with pytest.raises(_rpm.RpmError) as exc:
        _pkgbuild.refuse_blocking(_rpm.BACKEND, job, found)
    assert str(exc.value) == ("rpmlint reports 1 error(s)/warning(s) for '/src/p' (allow a tag with a reason in "
                              "rpmlint_allow only if it is justified):\np.noarch: E invalid-license Foo")


def test_write_files_writes_text_and_bytes_with_their_modes(tmp_path):
    files = {str(tmp_path / "a" / "rules"): ("#!/usr/bin/make -f\n", 0o755),
             str(tmp_path / "b" / "logo.bin"): (b"\x00\xff", 0o644)}
    _pkgbuild.write_files(files)
    assert (tmp_path / "a" / "rules").read_text() == "#!/usr/bin/make -f\n"
    assert os.stat(tmp_path / "a" / "rules").st_mode & 0o777 == 0o755
    assert (tmp_path / "b" / "logo.bin").read_bytes() == b"\x00\xff"


def test_the_rpm_backend_leaves_only_top_level_specs_out():
    assert _rpm.BACKEND.leave_out("hello.spec")
    assert not _rpm.BACKEND.leave_out("packaging/hello.spec")
    assert not _debian.BACKEND.leave_out("hello.spec")


def _functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("name", ["_pkgbuild.py", "_debian.py", "_rpm.py", "_pkgspec.py"])
def test_no_function_of_the_build_pipeline_is_over_60_lines(name):
    long = [(f, n) for f, n in _functions(MODULE_UTILS / name) if n > 60]
    assert not long, long
