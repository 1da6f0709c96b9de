# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""debian/ generation from metadata, and real builds with dpkg-buildpackage and lintian."""
from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _changelog, _debian, _pkgbuild, _project
from ansible_collections.pkgops.release.plugins.module_utils._files import source_files
from project_fixtures import example, library  # the tests' projects

DATE = datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc)
HAVE_TOOLS = all(shutil.which(t) for t in ("dpkg-buildpackage", "dh", "lintian"))


def generated(root, opts=None, version="1.1.0"):
    meta = _project.metadata(root)
    opts = opts or _debian.Options(maintainer="Release Team <release@example.com>")
    names = _debian.naming(root, meta, opts, version)
    return names, _debian.generate(root, meta, opts, names, has_tests=os.path.isdir(os.path.join(root, "tests")))


def test_a_service_gets_its_own_package_unit_and_user(tmp_path):
    names, files = generated(example(tmp_path))
    assert (names.kind, names.source, names.package, names.upstream) == ("service", "hello-world", "hello-world", "1.1.0")
    control = files["debian/control"][0]
    assert control.startswith("Source: hello-world\nSection: misc\n")
    for dep in ("debhelper-compat (= 13)", "dh-python", "pybuild-plugin-pyproject", "python3-all",
                "python3-setuptools", "dh-sequence-installsysusers", "python3-pytest <!nocheck>"):
        assert " %s,\n" % dep in control
    assert "\nPackage: hello-world\nArchitecture: all\nPre-Depends: ${misc:Pre-Depends}\n" in control
    assert "\nDepends: ${python3:Depends}, ${misc:Depends}\n" in control
    # lintian: no article, not duplicated in the long description
    assert "\nDescription: small long-running HTTP service that says hello\n A small long-running" in control
    assert "\n .\n This package runs hello-world as a systemd service" in control
    rules, mode = files["debian/rules"]
    assert mode == 0o755 and "\n%:\n\tdh $@ --with python3 --buildsystem=pybuild\n" in rules
    assert "export PYBUILD_TEST_PYTEST=1" in rules
    assert files["debian/source/format"][0] == "3.0 (quilt)\n"
    unit = files["debian/hello-world.service"][0]
    for line in ("ExecStart=/usr/bin/hello-world", "User=hello-world", "Documentation=man:hello-world(1) "
                 "https://example.com/hello-world", "After=network.target network-online.target",
                 "ProtectSystem=strict", "NoNewPrivileges=yes", "CapabilityBoundingSet=", "WorkingDirectory=/var/lib/hello-world",
                 "EnvironmentFile=-/etc/default/hello-world", "WantedBy=multi-user.target", "StandardOutput=journal"):
        assert "\n%s\n" % line in unit
    assert files["debian/hello-world.sysusers"][0].startswith("u hello-world - ")
    assert files["debian/hello-world.manpages"][0] == "man/hello-world.1\n"
    assert "initial-upload-closes-no-bugs" in files["debian/hello-world.lintian-overrides"][0]


def test_copyright_maps_mit_to_expat_with_the_projects_text(tmp_path):
    _names, files = generated(example(tmp_path))
    text = files["debian/copyright"][0]
    assert text.startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
                           "Upstream-Name: hello-world\nSource: https://example.com/hello-world\n")
    assert "\nFiles: *\nCopyright: 2026 pkgops.release example\nLicense: Expat\n" in text
    body = text.rsplit("\nLicense: Expat\n", maxsplit=1)[-1]
    assert body.startswith(" Permission is hereby granted")
    assert "Copyright" not in body and "\n\n" not in body.strip("\n")


def test_a_library_with_dependencies(tmp_path):
    root = library(tmp_path)
    names, files = generated(root, version="2.0.0")
    assert (names.kind, names.source, names.package) == ("library", "python-fancy-lib", "python3-fancy-lib")
    assert names.service is None and "debian/python3-fancy-lib.service" not in files
    control = files["debian/control"][0]
    assert " python3-requests (<< 3.0.0) <!nocheck>,\n python3-requests (>= 2.28.0) <!nocheck>,\n" in control
    assert "tomli" not in control, "tomli is for python_version < 3.11: not a dependency on the target"
    assert "rich" not in control, "extras are not dependencies"
    assert "Section: python\n" in control and "Pre-Depends" not in control
    assert "This package installs the library for Python 3." in control
    text = files["debian/copyright"][0]
    assert "License: Apache-2.0\n On Debian systems, the full text of this license is in\n" \
           " /usr/share/common-licenses/Apache-2.0.\n" in text
    assert "Copyright: Fancy Dev <dev@example.org>" in text


@pytest.mark.parametrize("requirement, relations", [
    ("Foo.Bar_baz", ["python3-foo-bar-baz"]),
    ("foo>=1.0rc1", ["python3-foo (>= 1.0.0~rc1)"]),
    ("foo==2.1", ["python3-foo (= 2.1.0)"]),
    ("foo!=1.5,>1", ["python3-foo (>> 1.0.0)"]),
    ("foo~=1.4", ["python3-foo (>= 1.4.0)"]),
    ("foo==1.*", ["python3-foo"]),
    # markers evaluated for the target: Linux, the build host's Python 3.11
    ("setuptools<40.0.0; python_version == '3.3'", []),
    ("tomli>=1.1; python_version < '3.11'", []),
    ("exceptiongroup; python_version >= '3.7'", ["python3-exceptiongroup"]),
    ("pywin32; sys_platform == 'win32'", []),
    ("rich; extra == 'pretty'", []),
])
def test_python_dependencies_map_to_python3_names(requirement, relations):
    assert _debian.python_dependency(requirement) == relations


def test_unknown_license_and_missing_summary_are_clear_errors(tmp_path):
    root = library(tmp_path / "afl", license_text="AFL-3.0")  # SPDX, but Debian's short names lack it here
    with pytest.raises(_debian.DebianError, match="license 'AFL-3.0' of '.*fancy' has no Debian mapping"):
        generated(root, version="2.0.0")
    root = library(tmp_path, license_text="Weird-1.0")  # not SPDX, and no classifier
    with pytest.raises(_debian.DebianError, match=r"^The license of '.*fancy' is not one SPDX expression: "
                       r"'.*fancy/pyproject.toml' declares License 'Weird-1.0'; set the license option"):
        generated(root, version="2.0.0")
    meta = _project.metadata(root)
    meta.summary = ""
    with pytest.raises(_debian.DebianError, match="has no summary"):
        _debian.naming(root, meta, _debian.Options(kind="service", service_command=["fancy"]), "2.0.0")


def test_lintian_output_and_allowed_tags():
    out = ("E: hello source: missing-build-dependency foo\n"
           "W: hello: initial-upload-closes-no-bugs [usr/share/doc/hello/changelog.Debian.gz:1]\n"
           "I: hello: package-supports-alternative-init-but-no-init.d-script [lib/systemd/system/hello.service]\n"
           "N: some note\n")
    found = _debian.findings_of(out)
    assert [(f.severity, f.package, f.tag) for f in found] == [
        ("E", "hello source", "missing-build-dependency"), ("W", "hello", "initial-upload-closes-no-bugs"),
        ("I", "hello", "package-supports-alternative-init-but-no-init.d-script")]
    assert [f.tag for f in _pkgbuild.blocking(found, {"initial-upload-closes-no-bugs": "no ITP"})] == [
        "missing-build-dependency"]


def release(version="1.1.0"):
    return _changelog.Release(version=version, changes=["Answer HEAD requests."], date=DATE,
                              maintainer="Release Team <release@example.com>")


def tree_digest(root):
    digest = hashlib.sha256()
    for rel in sorted(source_files(root)) + sorted(os.listdir(root)):
        digest.update(rel.encode())
        path = os.path.join(root, rel)
        if os.path.isfile(path):
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()


@pytest.mark.skipif(not HAVE_TOOLS, reason="needs dpkg-buildpackage, debhelper and lintian")
def test_the_example_builds_lintian_clean_and_reproducibly(tmp_path):
    root = example(tmp_path)
    before = tree_digest(root)
    first = _debian.build(root, str(tmp_path / "out1"), release(), _debian.Options())
    second = _debian.build(root, str(tmp_path / "out2"), release(), _debian.Options())
    assert tree_digest(root) == before, "the project's tree was changed"
    names = sorted(os.path.basename(a.path) for a in first.artifacts)
    assert names == ["hello-world_1.1.0-1.debian.tar.xz", "hello-world_1.1.0-1.dsc", "hello-world_1.1.0-1_all.deb",
                     "hello-world_1.1.0-1_amd64.buildinfo", "hello-world_1.1.0-1_amd64.changes",
                     "hello-world_1.1.0.orig.tar.gz"]
    assert [f for f in first.findings if f.severity in "EW"] == []
    same = {os.path.basename(a.path): a.sha256 for a in first.artifacts}
    again = {os.path.basename(a.path): a.sha256 for a in second.artifacts}
    for name in ("hello-world_1.1.0-1_all.deb", "hello-world_1.1.0-1.dsc", "hello-world_1.1.0.orig.tar.gz",
                 "hello-world_1.1.0-1.debian.tar.xz"):
        assert same[name] == again[name], name
    deb = str(tmp_path / "out1" / "hello-world_1.1.0-1_all.deb")
    listing = subprocess.run(["dpkg-deb", "--contents", deb], capture_output=True, text=True, check=True).stdout
    for path in ("./lib/systemd/system/hello-world.service", "./usr/lib/sysusers.d/hello-world.conf",
                 "./usr/bin/hello-world", "./usr/share/man/man1/hello-world.1.gz",
                 "./usr/lib/python3/dist-packages/hello_world/main.py"):
        assert path in listing
    fields = subprocess.run(["dpkg-deb", "--field", deb, "Version", "Depends"], capture_output=True, text=True,
                            check=True).stdout
    assert "Version: 1.1.0-1\n" in fields and "python3:any" in fields
    changelog = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], capture_output=True, check=True).stdout
    assert changelog  # the data member is readable


@pytest.mark.skipif(not HAVE_TOOLS, reason="needs dpkg-buildpackage, debhelper and lintian")
def test_a_failing_build_quotes_the_log_and_a_version_mismatch_is_refused(tmp_path):
    root = example(tmp_path)
    with pytest.raises(_debian.DebianError, match="declares version 1.1.0, not the release's 1.2.0"):
        _debian.build(root, str(tmp_path / "out"), release("1.2.0"), _debian.Options())
    test = Path(root) / "tests" / "test_main.py"
    test.write_text(test.read_text() + "\n\ndef test_broken():\n    assert 1 == 2, 'deliberately broken'\n")
    with pytest.raises(_debian.DebianError) as exc:
        _debian.build(root, str(tmp_path / "out"), release(), _debian.Options())
    assert "dpkg-buildpackage failed" in str(exc.value)
    assert "test_broken" in str(exc.value) or "failed" in str(exc.value).split("\n", 1)[1]
    assert str(exc.value).startswith("dpkg-buildpackage failed for '%s' (rc 2): the project's tests failed "
                                     "(tests=false builds without them):\nFAILED tests/test_main.py::test_broken"
                                     % root), str(exc.value)
    log = tmp_path / "out" / ".pkgops-deb.log"
    assert str(exc.value).endswith("\nThe whole log: %s" % log) and "test_broken" in log.read_text()
    assert os.listdir(tmp_path / "out") == [".pkgops-deb.log"], "no artifact of a failed build, only its log"


@pytest.mark.skipif(not HAVE_TOOLS, reason="needs dpkg-buildpackage, debhelper and lintian")
def test_a_project_that_ships_debian_is_built_with_it(tmp_path):
    root = example(tmp_path)
    names, files = generated(root, _debian.Options(maintainer="pkgops.release example <hello-world@example.com>"))
    for rel, (text, mode) in files.items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("Section: misc", "Section: web"))
        path.chmod(mode)
    (Path(root) / "debian" / "changelog").write_text(
        "hello-world (1.0.0-1) unstable; urgency=medium\n\n  * First release.\n\n"
        " -- pkgops.release example <hello-world@example.com>  Mon, 02 Nov 2026 10:00:00 +0000\n")
    before = tree_digest(root)
    result = _debian.build(root, str(tmp_path / "out"), release(), _debian.Options())
    assert result.generated == [] and tree_digest(root) == before
    deb = [a.path for a in result.artifacts if a.path.endswith(".deb")][0]
    fields = subprocess.run(["dpkg-deb", "--field", deb, "Section", "Version"], capture_output=True, text=True,
                            check=True).stdout
    assert "Section: web" in fields and "Version: 1.1.0-1" in fields, "its own control, the release's version"
    dsc = [a.path for a in result.artifacts if a.path.endswith(".debian.tar.xz")][0]
    changelog = subprocess.run(["tar", "-xOJf", dsc, "debian/changelog"], capture_output=True, text=True,
                               check=True).stdout
    assert changelog.startswith("hello-world (1.1.0-1) unstable; urgency=medium\n\n  * Answer HEAD requests.\n")
    assert " -- pkgops.release example <hello-world@example.com>  " in changelog.split("\n\n")[2], \
        "the trailer names debian/control's maintainer"
    assert "hello-world (1.0.0-1) unstable" in changelog, "the project's own entries stay"


HAVE_DH_PYTHON = os.path.isdir(os.path.join(_debian.DH_PYTHON, "dhpython")) and os.access(_project.SYSTEM_PYTHON, os.X_OK)


@pytest.mark.skipif(not HAVE_DH_PYTHON, reason="needs dh-python and the build host's /usr/bin/python3")
@pytest.mark.parametrize("requirement, relations", [
    ("PyYAML>=5.1", ["python3-yaml (>= 5.1.0)"]),
    ("Pillow", ["python3-pil"]),
    ("python-dateutil>=2.8,<3", ["python3-dateutil (<< 3.0.0)", "python3-dateutil (>= 2.8.0)"]),
    ("attrs~=23.1", ["python3-attr (>= 23.1.0)"]),
    ("beautifulsoup4; python_version >= '3.7'", ["python3-bs4"]),
    ("beautifulsoup4; sys_platform == 'win32'", []),
    ("pkgops-no-such-distribution>=1", ["python3-pkgops-no-such-distribution (>= 1.0.0)"]),  # the rule
])
def test_dependency_names_are_dh_pythons(requirement, relations):
    assert _debian.python_dependency(requirement) == relations


@pytest.mark.skipif(not HAVE_DH_PYTHON, reason="needs dh-python and the build host's /usr/bin/python3")
def test_dh_pythons_answer_and_the_rule_are_told_apart():
    # what dh-python's own cpython3_fallback says, read here as plain lines to check the query against it
    with open(os.path.join(_debian.DH_PYTHON, "dist", "cpython3_fallback"), encoding="utf-8") as handle:
        fallback = dict(line.split()[:2] for line in handle if len(line.split()) >= 2 and not line.startswith("#"))
    assert (fallback["PyYAML"], fallback["Pillow"], fallback["attrs"]) == ("python3-yaml", "python3-pil", "python3-attr")
    names = _debian.dh_python_names(["PyYAML", "Pillow", "attrs", "beautifulsoup4", "pkgops-no-such-distribution"])
    assert names == {"PyYAML": "python3-yaml", "Pillow": "python3-pil", "attrs": "python3-attr",
                     "beautifulsoup4": "python3-bs4", "pkgops-no-such-distribution": None}
    assert _debian.debian_package("PyYAML") == ("python3-yaml", "dh-python")
    assert _debian.debian_package("pkgops_no.such-distribution") == ("python3-pkgops-no-such-distribution", "rule")
    # a backend builds with its own package: dh-python names setuptools' run-time part, pkg_resources
    assert _debian.debian_package("setuptools") == ("python3-pkg-resources", "dh-python")
    backend = _debian.debian_package("setuptools", _debian.BACKEND_PACKAGES)
    assert backend == ("python3-setuptools", "build backend table")


@pytest.mark.skipif(not HAVE_DH_PYTHON, reason="needs dh-python and the build host's /usr/bin/python3")
def test_a_library_depending_on_renamed_distributions_gets_dh_pythons_names(tmp_path):
    root = library(tmp_path)
    toml = Path(root) / "pyproject.toml"
    toml.write_text(toml.read_text().replace('"requests>=2.28,<3"', '"PyYAML>=6", "beautifulsoup4", "attrs"'))
    _names, files = generated(root, version="2.0.0")
    control = files["debian/control"][0]
    for dep in ("python3-yaml (>= 6.0.0) <!nocheck>", "python3-bs4 <!nocheck>", "python3-attr <!nocheck>",
                "python3-setuptools"):
        assert " %s,\n" % dep in control
    assert "python3-pyyaml" not in control and "python3-beautifulsoup4" not in control
    assert _debian.dependency_names(root, _project.metadata(root)) == {
        "setuptools": {"package": "python3-setuptools", "source": "build backend table"},
        "PyYAML": {"package": "python3-yaml", "source": "dh-python"},
        "beautifulsoup4": {"package": "python3-bs4", "source": "dh-python"},
        "attrs": {"package": "python3-attr", "source": "dh-python"}}


def test_without_dh_python_the_rule_names_the_packages(tmp_path, monkeypatch):
    # a host without dh-python: its directory is empty, dhpython cannot be imported
    monkeypatch.setattr(_debian, "DH_PYTHON", str(tmp_path))
    monkeypatch.setattr(_debian, "_dh_python_names", {})
    assert _debian.dh_python_names(["PyYAML"]) == {"PyYAML": None}
    assert _debian.python_dependency("PyYAML>=6") == ["python3-pyyaml (>= 6.0.0)"]
    assert _debian.debian_package("PyYAML") == ("python3-pyyaml", "rule")
