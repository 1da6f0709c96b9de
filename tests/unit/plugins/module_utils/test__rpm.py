# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The spec generator, and real builds with rpmbuild and rpmlint."""
from __future__ import annotations

import datetime
import os
import shutil
import subprocess

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _changelog, _pkgspec, _project, _rpm, _unit

from project_fixtures import example, library  # the same two projects as the Debian tests

DATE = datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc)
HAVE_TOOLS = bool(shutil.which("rpmbuild"))


def release(version="1.1.0"):
    return _changelog.Release(version=version, changes=["Answer HEAD requests."], date=DATE,
                              maintainer="Release Team <release@example.com>")


def spec_of(root, version="1.1.0", kind="auto"):
    meta = _project.metadata(root)
    names = _pkgspec.naming(root, meta, kind, [], "/etc/sysconfig/")
    return names, _rpm.spec_text(root, meta, _rpm.Options(), names, release(version))


def test_a_service_spec(tmp_path):
    names, spec = spec_of(example(tmp_path))
    assert names.package == "hello-world" and names.service.environment_file == "/etc/sysconfig/hello-world"
    for line in ("Name:           hello-world", "Version:        1.1.0", "Release:        1%{?dist}",
                 "Summary:        Small long-running HTTP service that says hello", "License:        MIT",
                 "URL:            https://example.com/hello-world", "BuildArch:      noarch",
                 "BuildRequires:  python3dist(setuptools) >= 61.0.0", "BuildRequires:  systemd-rpm-macros",
                 "Requires:       python(abi) = %{python3_version}", "Requires(pre):  shadow-utils",
                 "%pyproject_wheel", "%pyproject_install", "%files -f %{pyproject_files}",
                 "%{_bindir}/hello-world", "%{_unitdir}/hello-world.service", "%license LICENSE",
                 "%systemd_post hello-world.service", "%systemd_preun hello-world.service",
                 "%systemd_postun_with_restart hello-world.service", "%pyproject_check_import hello_world",
                 "%{_mandir}/man1/hello-world.1*", "Source1:        hello-world.service"):
        assert "\n%s\n" % line in "\n" + spec, line
    assert "useradd -r -g hello-world -d /var/lib/hello-world -s /sbin/nologin" in spec
    assert spec.rstrip().endswith("%changelog")


def test_a_library_spec_with_dependencies_and_a_prerelease(tmp_path):
    root = library(tmp_path)
    _names, spec = spec_of(root, "2.0.0")
    assert spec.startswith("Name:           python3-fancy-lib\n")
    assert "\nRequires:       python3dist(requests) < 3.0.0\nRequires:       python3dist(requests) >= 2.28.0\n" in spec
    assert "tomli" not in spec, "tomli is for python_version < 3.11: not a dependency on the target"
    assert "rich" not in spec and "systemd" not in spec and "%pre\n" not in spec
    assert "\nLicense:        Apache-2.0\n" in spec
    toml = os.path.join(root, "pyproject.toml")
    with open(toml, encoding="utf-8") as handle:
        text = handle.read()
    with open(toml, "w", encoding="utf-8") as handle:
        handle.write(text.replace('version = "2.0.0"', 'version = "2.1.0rc1"'))
    _names, spec = spec_of(root, "2.1.0rc1")
    assert "\nVersion:        2.1.0~rc1\n" in spec


@pytest.mark.parametrize("requirement, deps", [
    ("Foo.Bar", ["python3dist(foo-bar)"]),
    ("foo>=1.0rc1", ["python3dist(foo) >= 1.0.0~rc1"]),
    ("foo==2.1.post1", ["python3dist(foo) = 2.1.0^post1"]),
    ("foo!=1.5", ["python3dist(foo)"]),
    ("setuptools<40.0.0; python_version == '3.3'", []),
    ("colorama; platform_system == 'Windows'", []),
    ("typing-extensions>=4; python_version >= '3.8'", ["python3dist(typing-extensions) >= 4.0.0"]),
])
def test_python_requirements_map_to_python3dist(requirement, deps):
    assert _rpm.python_requires(requirement) == deps


def test_rpmlint_output_is_parsed():
    out = ("hello.noarch: W: no-manual-page-for-binary hello\nhello.spec:33: E: use-of-RPM_SOURCE_DIR\n"
           "1 packages and 0 specfiles checked; 1 errors, 1 warnings\n")
    assert [(f.package, f.severity, f.tag) for f in _rpm.findings_of(out)] == [
        ("hello.noarch", "W", "no-manual-page-for-binary"), ("hello.spec:33", "E", "use-of-RPM_SOURCE_DIR")]


@pytest.mark.skipif(not HAVE_TOOLS, reason="needs rpmbuild")
def test_the_example_builds_rpmlint_clean_and_reproducibly(tmp_path):
    root = example(tmp_path)
    first = _rpm.build(root, str(tmp_path / "out1"), release(), _rpm.Options())
    second = _rpm.build(root, str(tmp_path / "out2"), release(), _rpm.Options())
    assert [os.path.basename(a.path) for a in first.artifacts] == ["hello-world-1.1.0-1.noarch.rpm",
                                                                   "hello-world-1.1.0-1.src.rpm"]
    assert [a.sha256 for a in first.artifacts] == [a.sha256 for a in second.artifacts]
    assert [f for f in first.findings if f.severity in "EW"] == []
    rpm_file = first.artifacts[0].path
    query = subprocess.run(["rpm", "-qp", "--dbpath", str(tmp_path / "db"), "--qf", "[%{FILENAMES}\n]", rpm_file],
                           capture_output=True, text=True, check=True).stdout.split()
    for path in ("/usr/bin/hello-world", "/usr/lib/systemd/system/hello-world.service",
                 "/usr/lib/python3.11/site-packages/hello_world/main.py", "/usr/share/man/man1/hello-world.1.gz"):
        assert path in query
    assert not any("__pycache__" in p for p in query)
    changelog = subprocess.run(["rpm", "-qp", "--dbpath", str(tmp_path / "db"), "--changelog", rpm_file],
                               capture_output=True, text=True, check=True).stdout
    assert changelog.startswith("* Wed Nov 25 2026 Release Team <release@example.com> - 1.1.0-1\n- Answer HEAD")


@pytest.mark.skipif(not HAVE_TOOLS, reason="needs rpmbuild")
def test_a_project_that_ships_a_spec_is_built_with_it(tmp_path):
    root = example(tmp_path)
    _names, spec = spec_of(root, "1.0.0")
    own = spec.replace("Version:        1.1.0", "Version:        1.0.0").replace(
        "%changelog\n", "%changelog\n* Mon Nov 02 2026 Release Team <release@example.com> - 1.0.0-1\n- First release.\n")
    own = own.replace("%description\n", "%description\nThe project's own spec.\n", 1)
    with open(os.path.join(root, "hello-world.spec"), "w", encoding="utf-8") as handle:
        handle.write(own)
    with open(os.path.join(root, "hello-world.service"), "w", encoding="utf-8") as handle:
        handle.write(_unit.unit(_names.service))  # the spec's Source1, shipped beside it
    result = _rpm.build(root, str(tmp_path / "out"), release(), _rpm.Options())
    assert result.spec == "" and result.name == "hello-world"
    with open(os.path.join(root, "hello-world.spec"), encoding="utf-8") as handle:
        assert handle.read() == own, "the project's spec is not changed"
    rpm_file = [a.path for a in result.artifacts if a.path.endswith(".noarch.rpm")][0]
    assert os.path.basename(rpm_file) == "hello-world-1.1.0-1.noarch.rpm"
    info = subprocess.run(["rpm", "-qp", "--dbpath", str(tmp_path / "db"), "--qf", "%{DESCRIPTION}", rpm_file],
                          capture_output=True, text=True, check=True).stdout
    assert info.startswith("The project's own spec.")
    changelog = subprocess.run(["rpm", "-qp", "--dbpath", str(tmp_path / "db"), "--changelog", rpm_file],
                               capture_output=True, text=True, check=True).stdout
    assert changelog.index("- 1.1.0-1") < changelog.index("- 1.0.0-1")
