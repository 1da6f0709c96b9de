# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""CycloneDX SBOMs of real artifacts (dpkg-deb, rpmbuild, a wheel), each validated against the CycloneDX schema."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import textwrap
import zipfile

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _sbom

pytestmark = pytest.mark.skipif(not _sbom.HAS_CYCLONEDX, reason="needs cyclonedx-python-lib (requirements.txt)")

EPOCH = "1795564800"
COPYRIGHT = textwrap.dedent("""\
    Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
    Upstream-Name: hello

    Files: *
    Copyright: 2026 Test
    License: GPL-3.0-or-later

    Files: debian/*
    License: MIT
    """)


def make_deb(folder, depends=""):
    tree = os.path.join(folder, "tree")
    os.makedirs(os.path.join(tree, "DEBIAN"))
    os.makedirs(os.path.join(tree, "usr", "share", "doc", "hello"))
    control = "Package: hello\nVersion: 1:1.0-1\nArchitecture: amd64\nMaintainer: T <t@example.com>\nDescription: t\n"
    with open(os.path.join(tree, "DEBIAN", "control"), "w", encoding="utf-8") as handle:
        handle.write(control + ("Depends: %s\n" % depends if depends else ""))
    with open(os.path.join(tree, "usr", "share", "doc", "hello", "copyright"), "w", encoding="utf-8") as handle:
        handle.write(COPYRIGHT)
    out = os.path.join(folder, "hello_1.0-1_amd64.deb")
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", tree, out], check=True, capture_output=True,
                   env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH))
    shutil.rmtree(tree)
    return out


SPEC = """Name: hello
Version: 2.0
Release: 3
Summary: Test package
License: Apache-2.0
BuildArch: noarch
Requires: bash >= 4
Requires: surely-not-installed-xyz

%description
A package for the SBOM tests.

%files
"""


def make_rpm(folder):
    top = os.path.join(folder, "top")
    os.makedirs(os.path.join(top, "SPECS"))
    spec = os.path.join(top, "SPECS", "p.spec")
    with open(spec, "w", encoding="utf-8") as handle:
        handle.write(SPEC)
    subprocess.run(["rpmbuild", "-bb", "--nodeps", "--define", "_topdir %s" % top, "--define",
                    "_dbpath %s/db" % top, spec], check=True, capture_output=True, env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH))
    return os.path.join(top, "RPMS", "noarch", "hello-2.0-3.noarch.rpm")


def make_wheel(folder, requires):
    path = os.path.join(folder, "fancy_lib-2.0.0-py3-none-any.whl")
    meta = "Metadata-Version: 2.4\nName: Fancy_Lib\nVersion: 2.0.0\nLicense-Expression: Apache-2.0\n"
    meta += "".join("Requires-Dist: %s\n" % r for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("fancy_lib/__init__.py", "VALUE = 1\n")
        archive.writestr("fancy_lib-2.0.0.dist-info/METADATA", meta)
        archive.writestr("fancy_lib-2.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr("fancy_lib-2.0.0.dist-info/RECORD", "")
    return path


def sbom(path, date="2026-12-06"):
    text = _sbom.sbom_text(path, date)
    assert _sbom.validate(text) is None
    return text, json.loads(text)


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def deps(data):
    return {c["name"]: c for c in data.get("components", [])}


def test_a_wheel_names_itself_and_its_installed_dependencies(tmp_path):
    from importlib import metadata

    path = make_wheel(str(tmp_path), ["packaging>=20", "surely-not-installed-xyz<2", "tomli; python_version < '3'",
                                      "rich>=13; extra == 'pretty'"])
    text, data = sbom(path)
    main = data["metadata"]["component"]
    assert main["name"] == "Fancy_Lib" and main["version"] == "2.0.0"
    assert main["purl"] == "pkg:pypi/fancy-lib@2.0.0"
    assert main["hashes"] == [{"alg": "SHA-256", "content": sha256(path)}]
    assert main["licenses"] == [{"expression": "Apache-2.0"}]
    found = deps(data)
    assert sorted(found) == ["packaging", "surely-not-installed-xyz"]
    version = metadata.version("packaging")
    assert found["packaging"]["version"] == version and found["packaging"]["purl"] == "pkg:pypi/packaging@" + version
    assert "version" not in found["surely-not-installed-xyz"]
    assert {"name": "pkgops:resolved", "value": "false"} in found["surely-not-installed-xyz"]["properties"]
    assert data["metadata"]["timestamp"].startswith("2026-12-06T00:00:00")
    assert _sbom.artifact_hashes(data) == [sha256(path)]
    assert _sbom.sbom_text(path, "2026-12-06") == text  # reproducible


@pytest.mark.skipif(not shutil.which("dpkg-query"), reason="needs dpkg")
def test_a_deb_names_its_license_and_resolves_depends_against_dpkg(tmp_path):
    path = make_deb(str(tmp_path), "dpkg (>= 1.0), surely-not-installed-xyz | coreutils, surely-not-installed-abc")
    data = sbom(path)[1]
    main = data["metadata"]["component"]
    assert main["purl"] == "pkg:deb/debian/hello@1:1.0-1?arch=amd64"
    assert main["licenses"] == [{"expression": "GPL-3.0-or-later"}]
    found = deps(data)
    assert sorted(found) == ["coreutils", "dpkg", "surely-not-installed-abc"]
    dpkg_version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "dpkg"], check=True,
                                  capture_output=True, text=True).stdout
    assert found["dpkg"]["version"] == dpkg_version and found["dpkg"]["purl"].startswith("pkg:deb/debian/dpkg@")
    assert {"name": "pkgops:requirement", "value": "dpkg (>= 1.0)"} in found["dpkg"]["properties"]
    assert "version" not in found["surely-not-installed-abc"]


@pytest.mark.skipif(not shutil.which("rpmbuild"), reason="needs rpmbuild")
def test_an_rpm_names_its_license_and_lists_its_requires(tmp_path):
    path = make_rpm(str(tmp_path))
    data = sbom(path)[1]
    main = data["metadata"]["component"]
    assert main["purl"] == "pkg:rpm/hello@2.0-3?arch=noarch" and main["licenses"] == [{"expression": "Apache-2.0"}]
    found = deps(data)
    assert "surely-not-installed-xyz" in found and "version" not in found["surely-not-installed-xyz"]
    assert not [n for n in found if n.startswith("rpmlib")]


def test_a_file_without_package_metadata_gets_a_file_component(tmp_path):
    path = tmp_path / "hello_1.0-1_amd64.changes"
    path.write_text("Format: 1.8\n")
    data = sbom(str(path))[1]
    assert data["metadata"]["component"]["type"] == "file" and "components" not in data


def test_the_schema_refuses_a_broken_bom(tmp_path):
    path = make_wheel(str(tmp_path), [])
    data = json.loads(_sbom.sbom_text(path))
    data["metadata"]["component"]["hashes"][0]["alg"] = "SHA-0"
    assert _sbom.validate(json.dumps(data)) is not None


def test_errors_name_the_file(tmp_path):
    bad = tmp_path / "broken-1.0-py3-none-any.whl"
    bad.write_bytes(b"not a zip")
    with pytest.raises(_sbom.SbomError, match="broken-1.0-py3-none-any.whl"):
        _sbom.sbom_text(str(bad))
    with pytest.raises(_sbom.SbomError, match=r"'yesterday' is not a date \(YYYY-MM-DD\)"):
        _sbom.sbom_text(make_wheel(str(tmp_path), []), "yesterday")
    deb = tmp_path / "x_1_all.deb"
    deb.write_bytes(b"!<arch>\ngarbage")
    with pytest.raises(_sbom.SbomError, match="Reading the package '.*x_1_all.deb' for its SBOM failed"):
        _sbom.sbom_text(str(deb))


def test_copyright_license_reads_the_files_star_paragraph():
    assert _sbom.copyright_license(COPYRIGHT) == "GPL-3.0-or-later"
    assert _sbom.copyright_license("This is not machine-readable.\n") == ""


def test_the_tarballs_of_a_debian_source_package_are_not_sdists(tmp_path):
    assert _sbom.kind_of("hello-world_1.1.0.orig.tar.gz") == ""
    assert _sbom.kind_of("hello-world_1.1.0.orig-docs.tar.xz") == ""
    assert _sbom.kind_of("hello-world_1.1.0-1.debian.tar.xz") == ""
    assert _sbom.kind_of("hello-world-1.1.0.tar.gz") == "python"
    assert _sbom.kind_of("hello_world-1.1.0-py3-none-any.whl") == "python"
    # the project's tree without PKG-INFO, as deb_build makes it: a file component, no failure
    path = tmp_path / "hello-world_1.1.0.orig.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("hello-world-1.1.0/pyproject.toml")
        info.size = 0
        archive.addfile(info)
    data = sbom(str(path))[1]
    assert data["metadata"]["component"]["type"] == "file" and "components" not in data
