# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input to deb_build, rpm_build and python_dist: one exact error, every file byte-identical, and no
build started - each of these is refused before any process runs (see bad_input.Spawned)."""
from __future__ import annotations

import os

import pytest

from bad_input import Spawned, check, register

from ansible_collections.pkgops.release.plugins.module_utils import _debian, _pkgbuild, _rpm
from ansible_collections.pkgops.release.plugins.modules import deb_build, python_dist, rpm_build

# Imported once here: some of the libraries start a process the first time they are imported.
assert _pkgbuild.missing_library(_debian.BACKEND) is None and _pkgbuild.missing_library(_rpm.BACKEND) is None

PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "hello-world"
version = "1.0.0"
description = "Says hello"
authors = [{name = "Dev Eloper", email = "dev@example.com"}]
license = {text = "MIT"}

[tool.setuptools]
py-modules = ["hello"]
"""
PROJECT = {"src/pyproject.toml": PYPROJECT, "src/hello.py": "print('hello')\n", "src/LICENSE": "MIT License\n\nCopyright (c) 2026 Dev Eloper\n",
           "out/keep": "x\n"}


def deb(**args):
    base = dict(path="{root}/src", dest="{root}/out", version="1.0.0", changes=["First release"], date="2026-11-25")
    base.update(args)
    return base


rpm = deb
DEST_FILE = dict(PROJECT, **{"out.txt": "x\n"})
NOT_A_DIR = "Path '{root}/out.txt' (dest) is a file, not a directory: remove it or give another dest."
UNDER_A_FILE = "Directory '{root}/out.txt/%s' (dest) cannot be created: '{root}/out.txt' is a file, not a directory."
MISSING = "Project directory '{root}/nope' does not exist."
IS_A_FILE = ("Project path '{root}/src/hello.py' is a file, not a directory: give the directory that holds "
             "pyproject.toml, setup.cfg or setup.py.")
DATE = "Invalid date '%s': use YYYY-MM-DD or an ISO 8601 date and time."
NAME = "The %s name '%s' is not a valid package name."

# --- deb_build ---------------------------------------------------------------------------------

DEB_CASES = {
    # the destination and the project, before the project's metadata is read
    "dest-is-a-file": (DEST_FILE, deb(dest="{root}/out.txt"), NOT_A_DIR),
    "dest-is-a-file-check-mode": (DEST_FILE, deb(dest="{root}/out.txt", _ansible_check_mode=True), NOT_A_DIR),
    "dest-under-a-file": (DEST_FILE, deb(dest="{root}/out.txt/deb"), UNDER_A_FILE % "deb"),
    "path-missing": (PROJECT, deb(path="{root}/nope"), MISSING),
    "path-is-a-file": (PROJECT, deb(path="{root}/src/hello.py"), IS_A_FILE),
    "path-without-project-files": ({"src/README": "x\n"}, deb(),
                                   "Directory '{root}/src' has no pyproject.toml, setup.cfg or setup.py."),
    # the release's fields
    "date-not-a-day": (PROJECT, deb(date="2026-02-30"), DATE % "2026-02-30"),
    "date-words": (PROJECT, deb(date="tomorrow"), DATE % "tomorrow"),
    "version-not-pep440": (PROJECT, deb(version="1.0-final-really"),
                           "Invalid version '1.0-final-really': it is not a PEP 440 version."),
    "version-local-label": (PROJECT, deb(version="1.0.0+local.1"),
                            "Version '1.0.0+local.1' has a local label '+local.1': local versions are not for "
                            "distribution and have no Debian or RPM form."),
    "revision-hyphen": (PROJECT, deb(revision="1-1"),
                        "Invalid Debian revision '1-1': only letters, digits and '+.~' are allowed."),
    "revision-not-ascii": (PROJECT, deb(revision="é"),
                           "Deb_revision 'é' gives the Debian version '1.0.0-é', which dpkg refuses: use ASCII "
                           "letters, digits and '+.~'."),
    "revision-empty-for-quilt": (PROJECT, deb(revision=""),
                                 "revision is empty, which only a native package (debian/source/format '3.0 "
                                 "(native)') may have: set a Debian revision such as 1."),
    "changes-empty": (PROJECT, deb(changes=[]), "Changes must be a non-empty list of non-empty texts."),
    "changes-blank": (PROJECT, deb(changes=["ok", "  "]), "Changes must be a non-empty list of non-empty texts."),
    "change-escape-character": (PROJECT, deb(changes=["red \x1b[31m"]),
                                "Change 1 holds the control character U+001B; remove it."),
    "maintainer-no-email": (PROJECT, deb(maintainer="nobody"), "Maintainer 'nobody' is not 'Name <email>'."),
    "distribution-uppercase": (PROJECT, deb(distribution="Unstable"),
                               "Distribution 'Unstable' is not a Debian distribution name: use lowercase letters, "
                               "digits, '+', '-' and '.' (for example unstable)."),
    "urgency-unknown": (PROJECT, deb(urgency="urgent"),
                        "Urgency 'urgent' is not one of low, medium, high, emergency, critical."),
    # options
    "lintian-allow-without-reason": (PROJECT, deb(lintian_allow={"debian-watch-file-is-missing": ""}),
                                     "lintian_allow: tag 'debian-watch-file-is-missing' has no reason; say why it is "
                                     "acceptable."),
    "lintian-allow-blank-reason": (PROJECT, deb(lintian_allow={"x": "  "}),
                                   "lintian_allow: tag 'x' has no reason; say why it is acceptable."),
    "kind-unknown": (PROJECT, deb(kind="daemon"),
                     "value of kind must be one of: auto, service, application, library, got: daemon"),
    "section-with-space": (PROJECT, deb(section="no such/section x"),
                           "section 'no such/section x' is not a Debian archive section: use lowercase letters, "
                           "digits and '+-.', with an optional area such as contrib/ (for example python or misc)."),
    "service-command-for-a-library": (PROJECT, deb(service_command=["hello"], kind="library"),
                                      "service_command applies to kind service only, not to kind library: remove it "
                                      "or set kind to service."),
    "date-missing": (PROJECT, deb(date=None), "missing required arguments: date"),
    "rpm-option": (PROJECT, deb(release="1"),
                   "Unsupported parameters for (basic.py) module: release. Supported parameters include: changes, "
                   "copyright, date, dest, distribution, force, kind, license, lint, lintian_allow, maintainer, "
                   "package, path, revision, section, service_command, source, tests, urgency, version."),
    # names: known once the project's metadata is read, still before any build
    "source-name-with-space": (PROJECT, deb(source="Bad Name"), NAME % ("source package", "Bad Name")),
    "package-name-underscore": (PROJECT, deb(package="Bad_Name"), NAME % ("package package", "Bad_Name")),
}

# --- rpm_build ---------------------------------------------------------------------------------

RPM_CASES = {
    "dest-is-a-file": (DEST_FILE, rpm(dest="{root}/out.txt"), NOT_A_DIR),
    "dest-under-a-file": (DEST_FILE, rpm(dest="{root}/out.txt/rpm"), UNDER_A_FILE % "rpm"),
    "path-missing": (PROJECT, rpm(path="{root}/nope"), MISSING),
    "path-is-a-file": (PROJECT, rpm(path="{root}/src/hello.py"), IS_A_FILE),
    "date-month-13": (PROJECT, rpm(date="2026-13-01"), DATE % "2026-13-01"),
    "version-not-pep440": (PROJECT, rpm(version="one"), "Invalid version 'one': it is not a PEP 440 version."),
    "release-hyphen": (PROJECT, rpm(release="1-2"), "Invalid RPM release '1-2': use letters, digits and '._+~^' only."),
    "release-empty": (PROJECT, rpm(release=""), "Invalid RPM release '': use letters, digits and '._+~^' only."),
    "release-not-ascii": (PROJECT, rpm(release="1é"),
                          "Rpm_release '1é' is not an RPM release: use ASCII letters, digits and '._+~^'."),
    "packager-no-email": (PROJECT, rpm(packager="nobody"), "Maintainer 'nobody' is not 'Name <email>'."),
    "changes-empty": (PROJECT, rpm(changes=[]), "Changes must be a non-empty list of non-empty texts."),
    "rpmlint-allow-without-reason": (PROJECT, rpm(rpmlint_allow={"no-manual-page-for-binary": None}),
                                     "rpmlint_allow: tag 'no-manual-page-for-binary' has no reason; say why it is "
                                     "acceptable."),
    "service-command-for-an-application": (PROJECT, rpm(service_command=["hello"], kind="application"),
                                           "service_command applies to kind service only, not to kind application: "
                                           "remove it or set kind to service."),
    "kind-unknown": (PROJECT, rpm(kind="x"), "value of kind must be one of: auto, service, application, library, got: x"),
    "deb-option": (PROJECT, rpm(revision="1"),
                   "Unsupported parameters for (basic.py) module: revision. Supported parameters include: changes, "
                   "date, dest, force, kind, license, lint, name, packager, path, release, rpmlint_allow, "
                   "service_command, tests, version."),
    "name-with-space": (PROJECT, rpm(name="bad name"), NAME % ("package package", "bad name")),
}

# --- python_dist -------------------------------------------------------------------------------


def dist(**args):
    base = dict(path="{root}/src", dest="{root}/out", source_date_epoch=1795564800)
    base.update(args)
    return base


DIST_CASES = {
    "epoch-1970": (PROJECT, dist(source_date_epoch=0), "source_date_epoch 0 is before 1980: zip files cannot hold it."),
    "epoch-negative": (PROJECT, dist(source_date_epoch=-5),
                       "source_date_epoch -5 is before 1980: zip files cannot hold it."),
    "epoch-not-a-number": (PROJECT, dist(source_date_epoch="yesterday"),
                           "argument 'source_date_epoch' is of type str and we were unable to convert to int: "
                           "\"'yesterday'\" cannot be converted to an int"),
    "dest-is-a-file": (DEST_FILE, dist(dest="{root}/out.txt"), NOT_A_DIR),
    "dest-under-a-file": (DEST_FILE, dist(dest="{root}/out.txt/py"), UNDER_A_FILE % "py"),
    "path-missing": (PROJECT, dist(path="{root}/nope"), MISSING),
    "path-is-a-file": (PROJECT, dist(path="{root}/src/hello.py"), IS_A_FILE),
    "path-without-project-files": ({"src/README": "x\n"}, dist(),
                                   "Directory '{root}/src' has no pyproject.toml, setup.cfg or setup.py."),
}

# Cases refused once the project's metadata is read (its build backend runs): still no build.
AFTER_METADATA = {"source-name-with-space", "package-name-underscore", "name-with-space"}
BUILDERS = ("dpkg-buildpackage", "dpkg-source", "rpmbuild", "lintian", "rpmlint")


def refuses_before_any_process(tmp_path, capsys, monkeypatch, module, name, case):
    files, args, message = case
    spawned = Spawned(monkeypatch)
    check(tmp_path, capsys, module, files, args, message)
    if name in AFTER_METADATA:
        started = [a for a in spawned.argv if os.path.basename(a[0]) in BUILDERS or "build" in a[1:3]]
        assert started == [] and spawned.argv != []
    else:
        assert spawned.argv == []


@pytest.mark.parametrize("name", register("deb_build", DEB_CASES))
def test_deb_build_refuses(tmp_path, capsys, monkeypatch, name):
    refuses_before_any_process(tmp_path, capsys, monkeypatch, deb_build, name, DEB_CASES[name])


@pytest.mark.parametrize("name", register("rpm_build", RPM_CASES))
def test_rpm_build_refuses(tmp_path, capsys, monkeypatch, name):
    refuses_before_any_process(tmp_path, capsys, monkeypatch, rpm_build, name, RPM_CASES[name])


@pytest.mark.parametrize("name", register("python_dist", DIST_CASES))
def test_python_dist_refuses(tmp_path, capsys, monkeypatch, name):
    refuses_before_any_process(tmp_path, capsys, monkeypatch, python_dist, name, DIST_CASES[name])
