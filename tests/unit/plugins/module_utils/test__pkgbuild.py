# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import ast
import datetime
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import (
    _changelog, _debian, _pkgbuild, _pkgspec, _project, _rpm)

from project_fixtures import application, example

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


@pytest.mark.parametrize("name", sorted(p.name for p in MODULE_UTILS.glob("_*.py")))
def test_no_function_in_module_utils_is_over_60_lines(name):
    long = [(f, n) for f, n in _functions(MODULE_UTILS / name) if n > 60]
    assert not long, long


def _meta(scripts):
    return types.SimpleNamespace(scripts=scripts)


@pytest.mark.parametrize("declared,kind,command,scripts,expected", [
    (None, "auto", [], {"greet": "greet.cli:main"}, "application"),  # a command-line tool is not a daemon
    (None, "auto", [], {"a": "x:a", "b": "x:b"}, "application"),
    (None, "auto", [], {}, "library"),
    (None, "auto", ["/usr/bin/serve", "--port", "8000"], {}, "service"),
    ("service", "auto", [], {"greet": "greet.cli:main"}, "service"),  # what the project says of itself
    ("library", "auto", [], {"greet": "greet.cli:main"}, "library"),
    ("service", "application", [], {"greet": "greet.cli:main"}, "application"),  # the user's word wins
])
def test_the_kind(tmp_path, declared, kind, command, scripts, expected):
    text = '[project]\nname = "p"\n' + ('\n[tool.pkgops-release]\nkind = "%s"\n' % declared if declared else "")
    (tmp_path / "pyproject.toml").write_text(text)
    assert _pkgspec.decide_kind(str(tmp_path), _meta(scripts), kind, command) == expected


def test_a_declared_kind_that_does_not_exist_names_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n\n[tool.pkgops-release]\nkind = "daemon"\n')
    with pytest.raises(_pkgspec.PackagingError) as exc:
        _pkgspec.decide_kind(str(tmp_path), _meta({}), "auto", [])
    assert str(exc.value) == ("File '%s' declares kind 'daemon' in [tool.pkgops-release]; use one of service, "
                              "application, library." % (tmp_path / "pyproject.toml"))


def _listing(argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not (shutil.which("dpkg-buildpackage") and shutil.which("rpmbuild")),
                    reason="needs dpkg-buildpackage and rpmbuild")
def test_an_application_gets_its_command_and_a_manual_page_but_no_unit_and_no_user(tmp_path):
    root = application(tmp_path)
    release = _changelog.Release(version="0.3.0", changes=["First release."],
                                 date=datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc),
                                 maintainer="Greet Dev <dev@example.org>")
    deb = _debian.build(root, str(tmp_path / "deb"), release, _debian.Options())  # lintian clean, or it raises
    rpm = _rpm.build(root, str(tmp_path / "rpm"), release, _rpm.Options())  # rpmlint clean, or it raises
    assert (deb.names.kind, deb.package, rpm.package) == ("application", "greet", "greet")
    deb_file = [a.path for a in deb.artifacts if a.path.endswith(".deb")][0]
    files = _listing(["dpkg-deb", "--contents", deb_file])
    assert "./usr/bin/greet" in files and "./usr/share/man/man1/greet.1.gz" in files
    assert ".service" not in files and "sysusers" not in files
    rpm_file = [a.path for a in rpm.artifacts if a.path.endswith(".noarch.rpm")][0]
    files = _listing(["rpm", "-qlp", rpm_file])
    assert "/usr/bin/greet" in files and "/usr/share/man/man1/greet.1.gz" in files and ".service" not in files
    assert _listing(["rpm", "-qp", "--scripts", rpm_file]).strip() == "", "no user made, no unit enabled"
    page = _pkgspec.written_man_pages(root, _project.metadata(root), deb.names)["greet.1"]
    (tmp_path / "greet.1").write_text(page)
    check = subprocess.run(["groff", "-man", "-ww", "-z", str(tmp_path / "greet.1")], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0 and check.stderr == ""
    text = _listing(["groff", "-man", "-Tutf8", "-P", "-c", str(tmp_path / "greet.1")])
    assert "greet - Print a friendly greeting" in text and "Greet prints a friendly greeting" in text


@pytest.mark.skipif(not shutil.which("dpkg-buildpackage"), reason="needs dpkg-buildpackage")
def test_tests_false_builds_a_project_whose_own_tests_fail(tmp_path):
    root = example(tmp_path)
    test = Path(root) / "tests" / "test_main.py"
    test.write_text(test.read_text() + "\n\ndef test_broken():\n    assert 1 == 2, 'deliberately broken'\n")
    release = _changelog.Release(version="1.1.0", changes=["Answer HEAD requests."],
                                 date=datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc),
                                 maintainer="Release Team <release@example.com>")
    with pytest.raises(_debian.DebianError):
        _debian.build(root, str(tmp_path / "out"), release, _debian.Options())
    built = _debian.build(root, str(tmp_path / "out"), release, _debian.Options(tests=False))
    assert any(a.path.endswith(".deb") for a in built.artifacts)


RPMBUILD_UNPACKAGED = """\
Processing files: tool-1.0-1.noarch
error: Installed (but unpackaged) file(s) found:
   /usr/bin/tool
   /usr/bin/tool-admin


RPM build errors:
    Installed (but unpackaged) file(s) found:
   /usr/bin/tool
   /usr/bin/tool-admin
"""


@pytest.mark.parametrize("log,cause,lines", [
    (RPMBUILD_UNPACKAGED, "files the package does not list",
     ["error: Installed (but unpackaged) file(s) found:", "/usr/bin/tool", "/usr/bin/tool-admin",
      "Installed (but unpackaged) file(s) found:"]),
    ("error: Failed build dependencies:\n\tpython3dist(hatchling) is needed by tool-1.0-1.noarch\n",
     "missing build dependencies",
     ["error: Failed build dependencies:", "python3dist(hatchling) is needed by tool-1.0-1.noarch"]),
    ("dpkg-checkbuilddeps: error: Unmet build dependencies: python3-hatchling\n", "missing build dependencies",
     ["dpkg-checkbuilddeps: error: Unmet build dependencies: python3-hatchling"]),
    ("== short test summary info ==\nFAILED tests/test_a.py::test_one - assert 1 == 2\n"
     "FAILED tests/test_a.py::test_two\n== 2 failed ==\n", "the project's tests failed (tests=false builds without them)",
     ["FAILED tests/test_a.py::test_one - assert 1 == 2", "FAILED tests/test_a.py::test_two"]),
    ("make: *** [debian/rules:7: binary] Error 2\n", None, None),
    ("INTERNALERROR> Traceback (most recent call last):\nINTERNALERROR>   File \"x.py\"\n"
     "INTERNALERROR> pytest.PytestUnknownMarkWarning: Unknown pytest.mark.no_cover - is this a typo?\n",
     "the project's tests could not run (tests=false builds without them)",
     ["INTERNALERROR> pytest.PytestUnknownMarkWarning: Unknown pytest.mark.no_cover - is this a typo?"]),
])
def test_a_failed_build_is_explained_by_its_first_cause(log, cause, lines):
    found = _pkgspec.build_cause(log)
    assert found == (None if cause is None else (cause, lines))


MARKDOWN_README = """\
[![Build](https://ci.example.org/badge.svg)](https://ci.example.org/) ![PyPI](https://img.shields.io/pypi/v/tool)

# tool

<p align="center"><img src="logo.png"></p>

- fast
- small

**Tool** turns [CSV files](https://example.org/csv) into *tidy* tables, see `tool --help` and
https://example.org/a/very/long/address/that/must/never/be/split/across/two/lines/of/the/description.
"""

RST_README = """\
=====
tool
=====

.. image:: https://ci.example.org/badge.svg
   :target: https://ci.example.org/

|build| |coverage|

Tool turns CSV files into tidy tables with :mod:`csv` and the `tidy rules <https://example.org/tidy>`_.

.. |build| image:: https://ci.example.org/badge.svg
"""


@pytest.mark.parametrize("readme,expected", [
    (MARKDOWN_README, "Tool turns CSV files into tidy tables, see tool --help and "
                      "https://example.org/a/very/long/address/that/must/never/be/split/across/two/lines/of/the/"
                      "description."),
    (RST_README, "Tool turns CSV files into tidy tables with csv and the tidy rules."),
    ("tool\n\n    code only\n\n```\nfence\n```\n", ""),
])
def test_the_description_is_the_readmes_first_prose_without_markup(readme, expected):
    meta = types.SimpleNamespace(name="tool", description=readme, scripts={"tool": "tool:main"})
    names = _pkgspec.Naming("application", "tool", None)
    lines = _pkgspec.description_paragraphs(meta, names, width=79, sep=" .")
    closing = "This package installs the command tool."
    if not expected:
        assert lines == [closing]
        return
    assert lines[-2:] == [" .", closing]
    assert " ".join(lines[:-2]) == expected
    assert all(len(line) <= 79 or " " not in line for line in lines), "wrapped at word boundaries only"
    assert any(line.startswith("https://example.org/a/very/long") for line in lines) or "https" not in expected


@pytest.mark.parametrize("expression,short,ids", [
    ("MIT", "Expat", ["MIT"]),
    ("MIT OR Apache-2.0", "Expat or Apache-2.0", ["MIT", "Apache-2.0"]),
    ("mit or apache-2.0", "Expat or Apache-2.0", ["MIT", "Apache-2.0"]),
    ("(MIT AND BSD-3-Clause) OR GPL-3.0-or-later", "(Expat and BSD-3-clause) or GPL-3+",
     ["MIT", "BSD-3-Clause", "GPL-3.0-or-later"]),
])
def test_spdx_expressions_map_to_dep5(expression, short, ids):
    assert _debian.debian_license("/src/p", expression) == (short, ids)


@pytest.mark.skipif(not (shutil.which("dpkg-buildpackage") and shutil.which("rpmbuild")),
                    reason="needs dpkg-buildpackage and rpmbuild")
def test_a_dual_licensed_project_given_its_license_builds_lintian_and_rpmlint_clean(tmp_path):
    root = Path(application(tmp_path))
    (root / "LICENSE").rename(root / "LICENSE-MIT")
    (root / "LICENSE-APACHE").write_text("Apache License\nVersion 2.0, January 2004\n")
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text().replace(
        'license = {text = "MIT"}', 'license = {text = "MIT or Apache 2"}'))  # words, not SPDX
    release = _changelog.Release(version="0.3.0", changes=["First release."],
                                 date=datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc),
                                 maintainer="Greet Dev <dev@example.org>")
    words = r"is not one SPDX expression: '.*/pyproject.toml' declares License 'MIT or Apache 2'; set the license option"
    with pytest.raises(_debian.DebianError, match=words):
        _debian.build(str(root), str(tmp_path / "deb"), release, _debian.Options())
    with pytest.raises(_rpm.RpmError, match=words):  # not put into the spec's License tag as it is
        _rpm.build(str(root), str(tmp_path / "rpm"), release, _rpm.Options())
    deb = _debian.build(str(root), str(tmp_path / "deb"), release, _debian.Options(license="MIT OR Apache-2.0"))
    rpm = _rpm.build(str(root), str(tmp_path / "rpm"), release, _rpm.Options(license="MIT OR Apache-2.0"))
    debian_tar = [a.path for a in deb.artifacts if a.path.endswith(".debian.tar.xz")][0]
    copyright_ = _listing(["tar", "-xOJf", debian_tar, "debian/copyright"])
    assert "Files: *\nCopyright: 2026 Greet Dev\nLicense: Expat or Apache-2.0\n" in copyright_
    assert "\nLicense: Expat\n Permission is hereby granted, free of charge.\n" in copyright_
    assert "\nLicense: Apache-2.0\n On Debian systems" in copyright_
    rpm_file = [a.path for a in rpm.artifacts if a.path.endswith(".noarch.rpm")][0]
    assert _listing(["rpm", "-qp", "--qf", "%{LICENSE}", rpm_file]) == "MIT OR Apache-2.0"


def test_import_names_find_packages_namespace_packages_and_single_modules(tmp_path):
    flat = tmp_path / "flat"
    for rel in ("six.py", "setup.py", "conftest.py", "test_six.py", "docs/conf.py", "jaraco/classes/__init__.py",
                "pkg/__init__.py", "notes.py"):
        (flat / rel).parent.mkdir(parents=True, exist_ok=True)
        (flat / rel).write_text("")
    (flat / "setup.py").write_text("from setuptools import setup\nsetup(name='six', py_modules=['six'])\n")
    assert _pkgspec.import_names(str(flat)) == ["jaraco.classes", "pkg", "six"]
    src = tmp_path / "srclayout"
    for rel in ("src/tool.py", "src/tool_pkg/__init__.py", "setup.py"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("")
    assert _pkgspec.import_names(str(src)) == ["tool", "tool_pkg"]


def test_check_paths_refuses_a_dest_that_cannot_be_a_directory_before_any_work(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "setup.py").write_text("")
    (tmp_path / "out.txt").write_text("x")
    _pkgbuild.check_paths(str(tmp_path / "src"), str(tmp_path / "new" / "deb"))  # made later: fine
    with pytest.raises(ValueError, match=r"^Path '.*/out.txt' \(dest\) is a file, not a directory: remove it or "):
        _pkgbuild.check_paths(str(tmp_path / "src"), str(tmp_path / "out.txt"))
    with pytest.raises(ValueError, match=r"^Directory '.*/out.txt/deb' \(dest\) cannot be created: '.*/out.txt' is"):
        _pkgbuild.check_paths(str(tmp_path / "src"), str(tmp_path / "out.txt" / "deb"))
    with pytest.raises(_project.ProjectError, match=r"^Project directory '.*/nope' does not exist\.$"):
        _pkgbuild.check_paths(str(tmp_path / "nope"), str(tmp_path / "deb"))
    assert sorted(os.listdir(tmp_path)) == ["out.txt", "src"]


@pytest.mark.parametrize("fields, message", [
    (dict(service_command=["hello"], kind="library"),
     "service_command applies to kind service only, not to kind library: remove it or set kind to service."),
    (dict(section="no such/section"), "section 'no such/section' is not a Debian archive section: use lowercase letters, "
     "digits and '+-.', with an optional area such as contrib/ (for example python or misc)."),
    (dict(revision=""), "revision is empty, which only a native package (debian/source/format '3.0 (native)') may "
     "have: set a Debian revision such as 1."),
])
def test_refuse_options_that_cannot_make_a_package(tmp_path, fields, message):
    params = dict(path=str(tmp_path), kind="auto", service_command=[], section=None, revision="1")
    assert _pkgbuild.refuse_options(_debian.BACKEND, params) == ""
    assert _pkgbuild.refuse_options(_debian.BACKEND, dict(params, section="contrib/python", kind="service",
                                                          service_command=["hello"])) == ""
    assert _pkgbuild.refuse_options(_debian.BACKEND, dict(params, **fields)) == message
    (tmp_path / "debian" / "source").mkdir(parents=True)
    (tmp_path / "debian" / "source" / "format").write_text("3.0 (native)\n")
    assert _pkgbuild.refuse_options(_debian.BACKEND, dict(params, revision="")) == ""


def _git(path, *args):
    subprocess.run(["git", "-C", str(path)] + list(args), check=True, capture_output=True)


def test_the_packages_maintainer_is_gits_user_never_the_upstream_author(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = application(tmp_path)  # its upstream author: Greet Dev <dev@example.org>
    unsigned = _changelog.Release(version="0.3.0", changes=["First release."],
                                  date=datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc))
    for build, opts, option in ((_debian.build, _debian.Options(), "maintainer"),
                                (_rpm.build, _rpm.Options(), "packager")):
        with pytest.raises((_debian.DebianError, _rpm.RpmError)) as exc:
            build(root, str(tmp_path / "out"), unsigned, opts)
        assert str(exc.value).startswith("No maintainer ('Name <email>') to sign the package changelog of '%s': set "
                                         "the %s option (the roles' build_maintainer or package_maintainer), or git's "
                                         "user.name and user.email" % (root, option))
    assert not (tmp_path / "out").exists(), "nothing built, nothing written"
    _git(root, "init", "-q")
    _git(root, "config", "user.name", "Rel Ease")
    _git(root, "config", "user.email", "release@example.net")
    meta = _project.metadata(root)
    names = _debian.naming(root, meta, _debian.Options(), "0.3.0")
    control = _debian.generate(root, meta, _debian.Options(), names, has_tests=False)["debian/control"][0]
    assert "\nMaintainer: Rel Ease <release@example.net>\n" in control
    job = _pkgbuild.Job(root=root, opts=_rpm.Options(), release=unsigned, meta=meta)
    _rpm.BACKEND.name(job)
    assert job.release.maintainer == "Rel Ease <release@example.net>"
    job = _pkgbuild.Job(root=root, opts=_rpm.Options(packager="Given Packager <given@example.net>"), release=unsigned,
                        meta=meta)
    _rpm.BACKEND.name(job)
    assert job.release.maintainer == "Given Packager <given@example.net>"
