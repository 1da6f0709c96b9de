# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and writing project versions, with the real setuptools backend."""
from __future__ import annotations

import os
import textwrap

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _project as p

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "Demo_Project"  # the name as written
version = "1.2.3"
"""


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(root)


def tree_state(root):
    return sorted((str(path.relative_to(root)), path.read_bytes()) for path in root.rglob("*") if path.is_file())


def test_static_pyproject_is_read_and_written_in_place(tmp_path):
    root = write(tmp_path, {"pyproject.toml": PYPROJECT})
    assert p.read(root) == ("Demo_Project", "1.2.3", "pyproject.toml")
    edit = p.plan_write(root, "1.3.0")
    assert edit.after == PYPROJECT.replace('version = "1.2.3"', 'version = "1.3.0"')
    p.verify_edit(root, edit, "1.3.0")


SETUP_PY = """\
from setuptools import setup

setup(
    name="legacy",
    version='0.9.1',  # keep the quotes
    py_modules=["legacy"],
)
"""


def test_setup_py_is_read_by_the_backend_and_its_literal_replaced(tmp_path):
    root = write(tmp_path, {"setup.py": SETUP_PY, "legacy.py": "X = 1\n"})
    before = tree_state(tmp_path)
    assert p.read(root) == ("legacy", "0.9.1", "build backend")
    assert tree_state(tmp_path) == before  # no egg-info left in the tree
    edit = p.plan_write(root, "1.0.0")
    assert edit.after == SETUP_PY.replace("version='0.9.1'", "version='1.0.0'")
    p.verify_edit(root, edit, "1.0.0")


def test_setup_cfg_attr_writes_the_module(tmp_path):
    root = write(tmp_path, {
        "setup.cfg": "[metadata]\nname = attrpkg\nversion = attr: attrpkg.__version__\n\n[options]\npackages = attrpkg\n",
        "setup.py": "from setuptools import setup\nsetup()\n",
        "attrpkg/__init__.py": '"""Doc."""\n__version__ = "2.0.0rc1"\n',
    })
    assert p.read(root)[1] == "2.0.0rc1"
    edit = p.plan_write(root, "2.0.0")
    assert edit.path == os.path.join(root, "attrpkg/__init__.py")
    assert edit.after == '"""Doc."""\n__version__ = "2.0.0"\n'
    p.verify_edit(root, edit, "2.0.0")


def test_setup_cfg_static_keeps_comments(tmp_path):
    cfg = "[metadata]\n# the name\nname = cfgpkg\nversion = 0.1\n\n[options]\npy_modules = cfgpkg\n"
    root = write(tmp_path, {"setup.cfg": cfg, "setup.py": "from setuptools import setup\nsetup()\n",
                            "cfgpkg.py": ""})
    edit = p.plan_write(root, "0.2")
    assert edit.after == cfg.replace("version = 0.1", "version = 0.2")
    p.verify_edit(root, edit, "0.2")


def test_a_version_the_backend_does_not_report_is_caught(tmp_path):
    # setup.py computes the version: the literal found is not what the backend uses.
    root = write(tmp_path, {"setup.py": "from setuptools import setup\nversion = '1.0'\nsetup(name='x', version='1.0' + '.1', py_modules=[])\n"})
    with pytest.raises(p.ProjectError) as exc:
        p.plan_write(root, "2.0")
    assert str(exc.value) == ("File '%s/setup.py': the version is not one string literal assigned to 'version'." % root)


@pytest.mark.parametrize("files,message", [
    ({}, "Directory '{root}' has no pyproject.toml, setup.cfg or setup.py."),
    ({"pyproject.toml": "[project\nname='x'"}, "File '{root}/pyproject.toml' is not valid TOML: "),
    ({"pyproject.toml": PYPROJECT.replace("1.2.3", "one")}, "File '{root}/pyproject.toml': Invalid version 'one': "
     "it is not a PEP 440 version. Set [project] version to a PEP 440 version."),
])
def test_read_errors(tmp_path, files, message):
    root = write(tmp_path, files)
    with pytest.raises((p.ProjectError, ValueError)) as exc:
        p.read(root)
    assert str(exc.value).startswith(message.format(root=root))


def test_missing_directory(tmp_path):
    with pytest.raises(p.ProjectError) as exc:
        p.read(str(tmp_path / "nope"))
    assert str(exc.value) == "Project directory '%s' does not exist." % (tmp_path / "nope")


def test_target_version():
    assert p.target_version("1.2.3") == "1.2.3"
    assert p.target_version("1.2.3", bump="minor") == "1.3.0"
    assert p.target_version("1.2.3", version="2.0") == "2.0"
    assert p.canonical_name("Demo_Project") == "demo-project"


def test_a_bump_in_git_starts_from_the_last_release(tmp_path, monkeypatch):
    import subprocess

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    for k in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv("GIT_%s_NAME" % k, "T")
        monkeypatch.setenv("GIT_%s_EMAIL" % k, "t@example.com")

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path)] + list(args), check=True, capture_output=True)

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0.0"\n')
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "start")
    # before the first tag: the version declared at HEAD, not the working tree's (a stopped bumped release)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.1.0"\n')
    assert p.bump_version(str(tmp_path), "1.1.0", "minor") == ("1.1.0", "the version declared at HEAD, 1.0.0")
    git("commit", "-q", "-am", "release")
    git("tag", "-a", "-m", "r", "v1.1.0")
    # HEAD is the release: run again, the same version
    assert p.bump_version(str(tmp_path), "1.1.0", "minor") == ("1.1.0", "the release at HEAD, 1.1.0")
    (tmp_path / "x.txt").write_text("x\n")
    git("add", "x.txt")
    git("commit", "-q", "-m", "work")
    assert p.bump_version(str(tmp_path), "1.1.0", "minor") == ("1.2.0", "the last release tag v1.1.0")
    with pytest.raises(p.ProjectError, match=r"gives 1\.2\.0, lower than the version 2\.0\.0 declared in"):
        p.bump_version(str(tmp_path), "2.0.0", "minor")
    plain = tmp_path.parent / (tmp_path.name + "-plain")  # outside git: the declared version is bumped
    plain.mkdir()
    assert p.bump_version(str(plain), "1.1.0", "minor") == ("1.2.0", "the declared version 1.1.0")


def test_scripts_declared_in_setup_py_entry_points_are_found(tmp_path):
    """The backend's entry points, not one way of declaring them: setup.py's console and gui scripts count."""
    (tmp_path / "tool").mkdir()
    (tmp_path / "tool" / "__init__.py").write_text("def main():\n    pass\n")
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\n"
        "setup(name='tool', version='1.0', description='A tool', packages=['tool'],\n"
        "      entry_points={'console_scripts': ['tool = tool:main', 'tool-admin = tool:main'],\n"
        "                    'gui_scripts': ['tool-gui = tool:main']})\n")
    meta = p.metadata(str(tmp_path))
    assert meta.scripts == {"tool": "tool:main", "tool-admin": "tool:main", "tool-gui": "tool:main"}


@pytest.mark.parametrize("backend,advice", [
    ("mesonpy", "install its Debian package python3-mesonpy on the build host."),
    ("no_such_backend.api", "install it on the build host."),
])
def test_a_backend_the_build_host_lacks_is_named_with_its_package(tmp_path, backend, advice):
    if backend == "mesonpy" and os.path.isdir("/usr/lib/python3/dist-packages/mesonpy"):
        pytest.skip("the build host has meson-python")
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = []\nbuild-backend = "%s"\n\n'
                                             '[project]\nname = "p"\nversion = "1.0"\n' % backend)
    with pytest.raises(p.ProjectError) as exc:
        p.metadata(str(tmp_path))
    assert str(exc.value) == "The build backend '%s' of '%s' is not installed for %s: %s" % (
        backend, tmp_path, p.build_python(), advice)


def test_a_backend_that_fails_is_quoted(tmp_path):
    (tmp_path / "setup.py").write_text("raise ValueError('Unknown classifier in field project.classifiers')\n")
    with pytest.raises(p.ProjectError) as exc:
        p.metadata(str(tmp_path))
    assert str(exc.value) == ("The build backend 'setuptools.build_meta:__legacy__' of '%s' could not prepare "
                              "metadata: ValueError: Unknown classifier in field project.classifiers (the build "
                              "host's backend is older than the project's trove classifiers: remove that classifier "
                              "from the project's metadata, or build on a host with a newer setuptools)" % tmp_path)


def test_a_classifier_the_hosts_hatchling_does_not_know_says_what_to_change(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n[project]\nname = "p"\n'
        'version = "1.0"\nclassifiers = ["Programming Language :: Python :: 9.99"]\n')
    (tmp_path / "p.py").write_text("")
    with pytest.raises(p.ProjectError) as exc:
        p.metadata(str(tmp_path))
    assert str(exc.value).startswith("The build backend 'hatchling.build' of '%s' could not prepare metadata: " % tmp_path)
    assert "Unknown classifier" in str(exc.value)
    assert str(exc.value).endswith("remove that classifier from the project's metadata, or build on a host with a "
                                   "newer hatchling)")


def test_a_backend_debian_does_not_package_says_so(tmp_path):
    if os.path.isdir("/usr/lib/python3/dist-packages/pdm"):
        pytest.skip("the build host has pdm-backend")
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = '
                                             '"pdm.backend"\n\n[project]\nname = "p"\nversion = "1.0"\n')
    with pytest.raises(p.ProjectError, match="is not installed for .*: Debian 12 has no package of it: build on a "
                                             "host that has it, or ship the packaging"):
        p.metadata(str(tmp_path))


def core_metadata(license_=None, classifiers=(), expression=None):
    """Core metadata as the build backend writes it (METADATA), parsed the way importlib.metadata parses it."""
    import email

    lines = ["Metadata-Version: 2.1", "Name: demo", "Version: 1.0"]
    if expression:
        lines.append("License-Expression: %s" % expression)
    if license_ is not None:
        lines.append("License: %s" % license_.replace("\n", "\n        "))
    lines += ["Classifier: %s" % c for c in classifiers]
    return email.message_from_string("\n".join(lines) + "\n\n")


MIT = "License :: OSI Approved :: MIT License"
BSD = "License :: OSI Approved :: BSD License"


@pytest.mark.parametrize("meta, expected", [
    (core_metadata(expression="MIT OR Apache-2.0", license_="whatever"), ("MIT OR Apache-2.0", "")),
    (core_metadata("Apache-2.0", [MIT]), ("Apache-2.0", "")),  # an SPDX License field is taken as it is
    (core_metadata("mit"), ("MIT", "")),
    (core_metadata("BSD License", [MIT]), ("MIT", "")),  # words: the classifier says which
    (core_metadata("Copyright (c) 2026 Dev\n\nPermission is hereby granted ...", [MIT, "License :: OSI Approved"]),
     ("MIT", "")),  # a license's whole text
    (core_metadata(None, ["License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"]),
     ("GPL-3.0-or-later", "")),
    (core_metadata("MIT License"), ("MIT", "")),  # words that are a classifier's own name
    (core_metadata("BSD", [BSD]), ("", "License 'BSD' and the classifier '%s'" % BSD)),  # 2 or 3 clauses?
    (core_metadata("Dual", [MIT, "License :: OSI Approved :: Apache Software License"]),
     ("", "License 'Dual' and the classifiers '%s', 'License :: OSI Approved :: Apache Software License'" % MIT)),
    (core_metadata("Line one\nline two", ["License :: Other/Proprietary License"]),
     ("", "License 'Line one ...' and the classifier 'License :: Other/Proprietary License'")),
    (core_metadata(), ("", "")),
])
def test_the_license_is_one_spdx_expression_or_what_was_found(meta, expected):
    assert p.license_of(meta) == expected


def test_spdx_expressions_without_packaging_licenses(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "packaging.licenses", None)  # as Debian 12's packaging 23.0: no such module
    assert p.spdx_expression("mit or (apache-2.0 and bsd-2-clause)") == "MIT OR (Apache-2.0 AND BSD-2-Clause)"
    assert p.spdx_expression("BSD-3-Clause") == "BSD-3-Clause"
    assert p.spdx_expression("LicenseRef-Corp") == "LicenseRef-Corp"
    for words in ("BSD License", "BSD", "Apache 2.0", "MIT Apache-2.0", "MIT OR", "Weird-1.0"):
        assert p.spdx_expression(words) is None, words
    assert p.license_of(core_metadata("BSD", [BSD]))[0] == "", "words still go to the classifiers"


def test_classifiers_give_the_license_of_a_setup_cfg_project(tmp_path):
    root = write(tmp_path, {
        "setup.cfg": """\
            [metadata]
            name = demo
            version = 1.0
            license = BSD License
            classifiers =
                License :: OSI Approved :: MIT License
                Programming Language :: Python :: 3
            [options]
            py_modules =
            """,
        "setup.py": "from setuptools import setup\nsetup()\n"})
    meta = p.metadata(root)
    assert (meta.license, meta.license_found) == ("MIT", "")
    assert p.license_file(root) == os.path.join(root, "setup.cfg")


def test_a_license_no_classifier_settles_names_the_file_and_the_option(tmp_path):
    from ansible_collections.pkgops.release.plugins.module_utils import _pkgspec

    root = write(tmp_path, {"pyproject.toml": PYPROJECT + 'license = {text = "BSD"}\nclassifiers = ["%s"]\n' % BSD})
    meta = p.metadata(root)
    assert (meta.license, meta.license_found) == ("", "License 'BSD' and the classifier '%s'" % BSD)
    with pytest.raises(_pkgspec.PackagingError) as exc:
        _pkgspec.license_expression(root, meta)
    assert str(exc.value) == (
        "The license of '%s' is not one SPDX expression: '%s/pyproject.toml' declares License 'BSD' and the classifier "
        "'%s'; set the license option to its SPDX expression, such as 'MIT' or 'BSD-3-Clause'." % (root, root, BSD))
    meta.license = "BSD-2-Clause"  # the option given
    assert _pkgspec.license_expression(root, meta) == "BSD-2-Clause"
    bare = write(tmp_path / "bare", {"pyproject.toml": PYPROJECT})
    with pytest.raises(_pkgspec.PackagingError, match=r"^Project '.*bare' declares no license \(no License-Expression, "
                       r"License or license classifier in '.*bare/pyproject.toml'\): set the license option"):
        _pkgspec.license_expression(bare, p.metadata(bare))
