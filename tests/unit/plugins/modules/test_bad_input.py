# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input to changelog_entry and project_version: one exact error, and every file byte-identical.

Each case builds a small tree, runs the module's real ``main()`` with its arguments (as
ansible-playbook would pass them), and checks the failure's ``msg`` and that the tree -
contents, modes, symbolic links - is exactly what it was, with nothing added.
"""
from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from bad_input import check, make_tree, register

from ansible_collections.pkgops.release.plugins.modules import changelog_entry, project_version

MAINTAINER = "Dev Eloper <dev@example.com>"
PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
RST = "1.0.0\n^^^^^\n02-Nov-2026\n\n* First release\n"
MD = "# Changelog\n\n## [1.0.0] - 2026-11-02\n\n### Changed\n\n- First release\n"
DEB = ("hello-world (1.0.0-1) unstable; urgency=medium\n\n  * First release\n\n"
       " -- Dev Eloper <dev@example.com>  Mon, 02 Nov 2026 10:00:00 +0000\n")
SPEC = """Name: hello-world
Version: 1.0.0
Release: 1
Summary: Says hello
License: MIT

%description
Says hello.

%changelog
* Mon Nov 02 2026 Dev Eloper <dev@example.com> - 1.0.0-1
- First release
"""
SPEC_TWO = SPEC.replace("%changelog\n", "%changelog\n* Wed Nov 25 2026 Dev Eloper <dev@example.com> - 2.0.0-1\n"
                        "- Second release\n\n")
PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "demo"
version = "1.0.0"
"""
DYNAMIC = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "demo"
dynamic = ["version"]

[tool.setuptools]
py-modules = []

[tool.setuptools.dynamic]
version = {file = "VERSION"}
"""
SETUP_PY = 'from setuptools import setup\nsetup(name="legacy", version="0.9", py_modules=[])\n'


# --- changelog_entry ---------------------------------------------------------------------------

def deb(**args):
    base = dict(path="{root}/debian/changelog", version="1.1.0", changes=["Answer HEAD requests"],
                date="2026-11-25", package="hello-world", maintainer=MAINTAINER)
    base.update(args)
    return base


def rst(**args):
    base = dict(path="{root}/CHANGELOG.rst", version="1.1.0", changes=["Answer HEAD requests"], date="2026-11-25")
    base.update(args)
    return base


def md(**args):
    return rst(path="{root}/CHANGELOG.md", **args)


def spec(**args):
    base = dict(path="{root}/hello.spec", version="1.1.0", changes=["Answer HEAD requests"], date="2026-11-25",
                maintainer=MAINTAINER)
    base.update(args)
    return base


DEB_FILES = {"debian/changelog": DEB}
D = "File '{root}/debian/changelog': "
PKG = ("is not a Debian source package name: use lowercase letters, digits, '+', '-' and '.', two or more, "
       "starting with a letter or digit.")
DIST = "is not a Debian distribution name: use lowercase letters, digits, '+', '-' and '.' (for example unstable)."
MIXED = "the file mixes CRLF and LF line ends (or holds a lone carriage return); make its line ends all one kind."

CHANGELOG_CASES = {
    # Debian fields: what dpkg-parsechangelog and Debian policy refuse
    "deb-package-with-space": (DEB_FILES, deb(package="Bad Name"), D + "package 'Bad Name' " + PKG),
    "deb-package-uppercase": (DEB_FILES, deb(package="Hello"), D + "package 'Hello' " + PKG),
    "deb-package-one-char": (DEB_FILES, deb(package="h"), D + "package 'h' " + PKG),
    "deb-package-leading-hyphen": (DEB_FILES, deb(package="-hello"), D + "package '-hello' " + PKG),
    "deb-package-underscore": (DEB_FILES, deb(package="hello_world"), D + "package 'hello_world' " + PKG),
    "deb-package-new-file": ({"debian/rules": "x\n"}, deb(package="Bad Name"), D + "package 'Bad Name' " + PKG),
    "deb-maintainer-no-email": (DEB_FILES, deb(maintainer="no email here"),
                                D + "maintainer 'no email here' is not 'Name <email>'."),
    "deb-maintainer-not-an-email": (DEB_FILES, deb(maintainer="Dev <not-an-email>"),
                                    D + "maintainer 'Dev <not-an-email>' is not 'Name <email>'."),
    "deb-maintainer-no-name": (DEB_FILES, deb(maintainer="<dev@example.com>"),
                               D + "maintainer '<dev@example.com>' is not 'Name <email>'."),
    "deb-maintainer-bare-email": (DEB_FILES, deb(maintainer="Dev dev@example.com"),
                                  D + "maintainer 'Dev dev@example.com' is not 'Name <email>'."),
    "deb-maintainer-trailing-text": (DEB_FILES, deb(maintainer="Dev <dev@example.com> (team)"),
                                     D + "maintainer 'Dev <dev@example.com> (team)' is not 'Name <email>'."),
    "deb-maintainer-newline": (DEB_FILES, deb(maintainer="Dev\n <dev@example.com>"),
                               D + "maintainer 'Dev\n <dev@example.com>' is not 'Name <email>'."),
    "deb-distribution-uppercase": (DEB_FILES, deb(distribution="Unstable"), D + "distribution 'Unstable' " + DIST),
    "deb-distribution-semicolon": (DEB_FILES, deb(distribution="unstable;"),
                                   D + "distribution 'unstable;' " + DIST),
    "deb-distribution-empty": (DEB_FILES, deb(distribution=""), D + "distribution '' " + DIST),
    "deb-urgency-unknown": (DEB_FILES, deb(urgency="urgent"),
                            "value of urgency must be one of: low, medium, high, emergency, critical, got: urgent"),
    "deb-revision-hyphen": (DEB_FILES, deb(deb_revision="1-1"),
                            D + "Invalid Debian revision '1-1': only letters, digits and '+.~' are allowed."),
    "deb-revision-not-ascii": (DEB_FILES, deb(deb_revision="é1"),
                               D + "deb_revision 'é1' gives the Debian version '1.1.0-é1', which dpkg refuses: use "
                               "ASCII letters, digits and '+.~'."),
    "deb-version-local-label": (DEB_FILES, deb(version="1.1.0+local.1"),
                                D + "Version '1.1.0+local.1' has a local label '+local.1': local versions are not for "
                                "distribution and have no Debian or RPM form."),
    "deb-package-missing": (DEB_FILES, deb(package=None), "format is debian but the following are missing: package"),
    "deb-broken-trailer": ({"debian/changelog": DEB.replace(" -- ", "--")}, deb(),
                           "File '{root}/debian/changelog' line 5: not a valid debian/changelog: Could not parse "
                           "changelog: Unexpected line while looking for more change data or trailer: --Dev Eloper "
                           "<dev@example.com>  Mon, 02 Nov 2026 10:00:00 +0000"),
    "deb-mixed-line-ends": ({"debian/changelog": DEB.replace("\n", "\r\n", 2)}, deb(),
                            "File '{root}/debian/changelog' line 3: " + MIXED),
    # any format: the release's own fields
    "version-not-pep440": ({"CHANGELOG.rst": RST}, rst(version="1.0-final-really"),
                           "File '{root}/CHANGELOG.rst': Invalid version '1.0-final-really': it is not a PEP 440 "
                           "version."),
    "date-invalid": ({"CHANGELOG.rst": RST}, rst(date="2026-13-01"),
                     "File '{root}/CHANGELOG.rst': Invalid date '2026-13-01': use YYYY-MM-DD or an ISO 8601 date "
                     "and time."),
    "date-format-unreadable": ({"CHANGELOG.rst": RST}, rst(date_format="%s"),
                               "File '{root}/CHANGELOG.rst': date_format '%s' writes the date as '1795564800', which "
                               "cannot be read back with it; use a format such as '%d-%b-%Y'."),
    "change-escape-character": ({"CHANGELOG.rst": RST}, rst(changes=["ok", "red \x1b[31m text"]),
                                "File '{root}/CHANGELOG.rst': change 2 holds the control character U+001B; remove "
                                "it."),
    "change-nul-character": (DEB_FILES, deb(changes=["nul\x00here"]),
                             D + "change 1 holds the control character U+0000; remove it."),
    "change-blank": ({"CHANGELOG.rst": RST}, rst(changes=["ok", "  "]),
                     "File '{root}/CHANGELOG.rst': changes must be a non-empty list of non-empty texts."),
    # project changelogs: the file as found
    "rst-mixed-line-ends": ({"CHANGELOG.rst": RST.replace("\n", "\r\n", 3)}, rst(),
                            "File '{root}/CHANGELOG.rst' line 4: " + MIXED),
    "rst-lone-carriage-return": ({"CHANGELOG.rst": RST.replace("First", "Fi\rrst")}, rst(),
                                 "File '{root}/CHANGELOG.rst' line 5: " + MIXED),
    "rst-underline-short": ({"CHANGELOG.rst": RST.replace("^^^^^", "^^^^")}, rst(),
                            "File '{root}/CHANGELOG.rst' line 2: the underline of '1.0.0' has 4 '^', expected 5."),
    "rst-heading-not-a-version": ({"CHANGELOG.rst": "one\n^^^\n02-Nov-2026\n\n* x\n"}, rst(),
                                  "File '{root}/CHANGELOG.rst' line 1: Invalid version 'one': it is not a PEP 440 "
                                  "version."),
    "rst-not-utf8": ({"CHANGELOG.rst": RST.encode().replace(b"First", b"Premi\xe8re")}, rst(),
                     "File '{root}/CHANGELOG.rst' line 5: not valid UTF-8 (byte 0xe8)."),
    "rst-same-version-other-text": ({"CHANGELOG.rst": RST}, rst(version="1.0.0", date="2026-11-02"),
                                    "File '{root}/CHANGELOG.rst' line 1: the entry for version 1.0.0 differs from the "
                                    "requested one; set force to replace it."),
    "rst-lower-version": ({"CHANGELOG.rst": RST}, rst(version="0.9"),
                          "File '{root}/CHANGELOG.rst' line 1: version 0.9 is lower than the newest entry 1.0.0; set "
                          "allow_older to add it."),
    "rst-read-only": ({"CHANGELOG.rst": ("mode", RST, 0o444)}, rst(),
                      "File '{root}/CHANGELOG.rst' is read-only; make it writable to change it."),
    "md-heading-without-space": ({"CHANGELOG.md": MD.replace("## [1.0.0] - 2026-11-02", "##1.0.0")}, md(),
                                 "File '{root}/CHANGELOG.md' line 3: the heading '##1.0.0' needs a space after '##'."),
    "md-heading-bad-version": ({"CHANGELOG.md": MD.replace("[1.0.0]", "[1.0.x]")}, md(),
                               "File '{root}/CHANGELOG.md' line 3: Invalid version '1.0.x': it is not a PEP 440 "
                               "version."),
    "md-heading-indented": ({"CHANGELOG.md": MD.replace("## [1.0.0]", "  ## [1.0.0]")}, md(),
                            "File '{root}/CHANGELOG.md' line 3: the heading '  ## [1.0.0] - 2026-11-02' is indented; "
                            "start it at the first column."),
    "md-heading-bad-date": ({"CHANGELOG.md": MD.replace("2026-11-02", "2026-02-30")}, md(),
                            "File '{root}/CHANGELOG.md' line 3: the date '2026-02-30' is not YYYY-MM-DD."),
    "md-heading-other-form": ({"CHANGELOG.md": MD.replace("## [1.0.0] - 2026-11-02", "## 1.0.0 (2026-11-02)")},
                              md(), "File '{root}/CHANGELOG.md' line 3: the heading '## 1.0.0 (2026-11-02)' is not "
                              "'## [VERSION] - YYYY-MM-DD'."),
    "md-heading-unbalanced-bracket": ({"CHANGELOG.md": MD.replace("[1.0.0]", "[1.0.0")}, md(),
                                      "File '{root}/CHANGELOG.md' line 3: the heading '## [1.0.0 - 2026-11-02' is not "
                                      "'## [VERSION] - YYYY-MM-DD'."),
    "md-crlf-then-lf": ({"CHANGELOG.md": MD.replace("\n", "\r\n", 4)}, md(),
                        "File '{root}/CHANGELOG.md' line 5: " + MIXED),
    # the path itself
    "symlink-to-passwd-copy": ({"passwd": PASSWD, "CHANGELOG.rst": ("link", "passwd")}, rst(),
                               "File '{root}/CHANGELOG.rst' is a symbolic link to 'passwd': set follow=true to edit "
                               "the file it points to (the link is kept), or give the path of the file itself."),
    "symlink-debian-changelog": ({"real-changelog": DEB, "debian/changelog": ("link", "../real-changelog")}, deb(),
                                 "File '{root}/debian/changelog' is a symbolic link to '../real-changelog': set "
                                 "follow=true to edit the file it points to (the link is kept), or give the path of "
                                 "the file itself."),
    "symlink-dangling-followed": ({"CHANGELOG.rst": ("link", "gone.rst")}, rst(follow=True),
                                  "File '{root}/CHANGELOG.rst' is a symbolic link to 'gone.rst', which does not "
                                  "exist: create that file or give the path of the file itself."),
    "symlink-followed-to-bad-file": ({"real.md": MD.replace("## [1.0.0]", "##[1.0.0]"),
                                      "CHANGELOG.md": ("link", "real.md")}, md(follow=True),
                                     "File '{root}/CHANGELOG.md' line 3: the heading '##[1.0.0] - 2026-11-02' needs a "
                                     "space after '##'."),
    "path-is-directory": ({"CHANGELOG.rst/x": "x\n"}, rst(),
                          "Path '{root}/CHANGELOG.rst' is a directory: give the path of the changelog file."),
    "path-is-fifo": ({"CHANGELOG.rst": ("fifo",)}, rst(),
                     "Path '{root}/CHANGELOG.rst' is not a regular file (a device, FIFO or socket): give the path "
                     "of the changelog file."),
    "path-under-a-file": ({"notes.txt": "x\n"}, rst(path="{root}/notes.txt/CHANGELOG.rst"),
                          "File '{root}/notes.txt/CHANGELOG.rst' cannot be created: '{root}/notes.txt' is a file, "
                          "not a directory."),
    "path-directory-missing": ({"README": "x\n"}, rst(path="{root}/docs/CHANGELOG.rst"),
                               "Directory '{root}/docs' for file '{root}/docs/CHANGELOG.rst' does not exist: create "
                               "it first."),
    # spec files
    "rpm-spec-missing": ({"README": "x\n"}, spec(), "File '{root}/hello.spec': the spec file does not exist."),
    "rpm-no-changelog": ({"hello.spec": SPEC.split("%changelog", maxsplit=1)[0]}, spec(),
                         "File '{root}/hello.spec': the spec has no %changelog section."),
    "rpm-maintainer-no-email": ({"hello.spec": SPEC}, spec(maintainer="no email here"),
                                "File '{root}/hello.spec': maintainer 'no email here' is not 'Name <email>'."),
    "rpm-release-hyphen": ({"hello.spec": SPEC}, spec(rpm_release="1-2"),
                           "File '{root}/hello.spec': Invalid RPM release '1-2': use letters, digits and '._+~^' "
                           "only."),
    "rpm-release-not-ascii": ({"hello.spec": SPEC}, spec(rpm_release="1é"),
                              "File '{root}/hello.spec': rpm_release '1é' is not an RPM release: use ASCII letters, "
                              "digits and '._+~^'."),
    "rpm-dated-before-newest": ({"hello.spec": SPEC}, spec(date="2026-11-01"),
                                "File '{root}/hello.spec' line 11: the %changelog entry for 1.1.0 dated 2026-11-01 "
                                "would stand above the entry for 1.0.0-1 dated 2026-11-02, but rpm wants %changelog in "
                                "descending chronological order; set date to 2026-11-02 or later."),
    "rpm-older-version-dated-after": ({"hello.spec": SPEC_TWO},
                                      spec(version="1.5.0", date="2026-11-26", allow_older=True),
                                      "File '{root}/hello.spec' line 11: the %changelog entry for 1.5.0 dated "
                                      "2026-11-26 would stand below the entry for 2.0.0-1 dated 2026-11-25, but rpm "
                                      "wants %changelog in descending chronological order; set date to 2026-11-25 or "
                                      "earlier."),
    "rpm-forced-replacement-out-of-order": ({"hello.spec": SPEC_TWO},
                                            spec(version="1.0.0", date="2026-11-30", force=True),
                                            "File '{root}/hello.spec' line 11: the %changelog entry for 1.0.0 dated "
                                            "2026-11-30 would stand below the entry for 2.0.0-1 dated 2026-11-25, but "
                                            "rpm wants %changelog in descending chronological order; set date to "
                                            "2026-11-25 or earlier."),
}


@pytest.mark.parametrize("name", register("changelog_entry", CHANGELOG_CASES))
def test_changelog_entry_refuses(tmp_path, capsys, name):
    files, args, message = CHANGELOG_CASES[name]
    check(tmp_path, capsys, changelog_entry, files, args, message)


# --- project_version ---------------------------------------------------------------------------

SET_VERSION = ("set [project] version in pyproject.toml, version in the [metadata] of setup.cfg, or "
               "setup(version=...) in setup.py")
P = "File '{root}/pyproject.toml'"

PROJECT_CASES = {
    "path-is-a-file": ({"pyproject.toml": PYPROJECT}, {"path": "{root}/pyproject.toml"},
                       "Project path '{root}/pyproject.toml' is a file, not a directory: give the directory that "
                       "holds pyproject.toml, setup.cfg or setup.py."),
    "path-missing": ({}, {"path": "{root}/nope"}, "Project directory '{root}/nope' does not exist."),
    "no-project-files": ({"README": "x\n"}, {"path": "{root}"},
                         "Directory '{root}' has no pyproject.toml, setup.cfg or setup.py."),
    "pyproject-is-a-directory": ({"pyproject.toml/x": "x\n"}, {"path": "{root}"},
                                 "Path '{root}/pyproject.toml' is a directory, not a file: remove it or put the "
                                 "project's pyproject.toml there."),
    "setup-py-is-a-directory": ({"pyproject.toml": PYPROJECT, "setup.py": ("dir",)}, {"path": "{root}"},
                                "Path '{root}/setup.py' is a directory, not a file: remove it or put the project's "
                                "setup.py there."),
    "pyproject-dangling-link": ({"pyproject.toml": ("link", "../elsewhere/pyproject.toml")}, {"path": "{root}"},
                                "File '{root}/pyproject.toml' is a symbolic link to '../elsewhere/pyproject.toml', "
                                "which does not exist: fix or remove the link."),
    "no-name-static-version": ({"pyproject.toml": PYPROJECT.replace('name = "demo"\n', "")}, {"path": "{root}"},
                               P + " has a [project] table without a name: set name = \"...\" in [project]."),
    "no-name-setup-py": ({"setup.py": 'from setuptools import setup\nsetup(version="1.0", py_modules=[])\n'},
                         {"path": "{root}"},
                         "Project '{root}' declares no name (its build backend reports 'UNKNOWN'): set [project] "
                         "name in pyproject.toml, name in the [metadata] of setup.cfg, or setup(name=...) in "
                         "setup.py."),
    "no-version-setup-py": ({"setup.py": 'from setuptools import setup\nsetup(name="legacy", py_modules=[])\n'},
                            {"path": "{root}"},
                            "Project '{root}' declares no version (its build backend reports 0.0.0, the default): "
                            + SET_VERSION + "."),
    "dynamic-version-file-missing": ({"pyproject.toml": DYNAMIC}, {"path": "{root}"},
                                     "File '{root}/VERSION' named as the version file in '{root}/pyproject.toml' does "
                                     "not exist: create it holding the version, or set a static [project] version "
                                     "there."),
    "dynamic-version-file-is-a-directory": ({"pyproject.toml": DYNAMIC, "VERSION/x": "1.0\n"}, {"path": "{root}"},
                                            "File '{root}/VERSION' named as the version file in "
                                            "'{root}/pyproject.toml' is a directory: create it holding the version, "
                                            "or set a static [project] version there."),
    "dynamic-version-file-empty-list": ({"pyproject.toml": DYNAMIC.replace('{file = "VERSION"}', "{file = []}")},
                                        {"path": "{root}"},
                                        P + ": [tool.setuptools.dynamic] version.file [] is not a file name: write "
                                        "version = {{file = \"VERSION\"}}."),
    "setup-cfg-version-file-missing": ({"setup.cfg": "[metadata]\nname = d\nversion = file: VERSION.txt\n",
                                        "setup.py": "from setuptools import setup\nsetup(py_modules=[])\n"},
                                       {"path": "{root}"},
                                       "File '{root}/VERSION.txt' named as the version file in '{root}/setup.cfg' "
                                       "does not exist: create it holding the version, or set version = VERSION in "
                                       "its [metadata]."),
    "name-with-space": ({"pyproject.toml": PYPROJECT.replace('"demo"', '"Bad Name"')}, {"path": "{root}"},
                        P + ": [project] name 'Bad Name' is not a project name (PEP 508): use letters, digits, '.', "
                        "'_' and '-', starting and ending with a letter or digit."),
    "name-not-a-string": ({"pyproject.toml": PYPROJECT.replace('"demo"', "42")}, {"path": "{root}"},
                          P + ": [project] name 42 is not a project name (PEP 508): use letters, digits, '.', '_' and "
                          "'-', starting and ending with a letter or digit."),
    "version-not-a-string": ({"pyproject.toml": PYPROJECT.replace('"1.0.0"', "1.0")}, {"path": "{root}"},
                             P + ": [project] version 1.0 is not a string: write version = \"1.0\"."),
    "version-static-and-dynamic": ({"pyproject.toml": PYPROJECT + 'dynamic = ["version"]\n'}, {"path": "{root}"},
                                   P + ": [project] sets version and lists it in dynamic: keep one of them."),
    "version-neither-static-nor-dynamic": ({"pyproject.toml": PYPROJECT.replace('version = "1.0.0"\n', "")},
                                           {"path": "{root}"},
                                           P + " has a [project] table with neither a version nor 'version' in its "
                                           "dynamic list: set version = \"...\" in [project]."),
    "version-not-pep440": ({"pyproject.toml": PYPROJECT.replace('"1.0.0"', '"one"')}, {"path": "{root}"},
                           P + ": Invalid version 'one': it is not a PEP 440 version. Set [project] version to a PEP "
                           "440 version."),
    "project-not-a-table": ({"pyproject.toml": 'project = "demo"\n'}, {"path": "{root}"},
                            P + ": 'project' is not a table: write it as [project]."),
    "pyproject-not-toml": ({"pyproject.toml": "[project\nname = 'x'\n"}, {"path": "{root}"},
                           P + " is not valid TOML: Expected ']' at the end of a table declaration (at line 1, column "
                           "9)."),
    "pyproject-not-utf8": ({"pyproject.toml": PYPROJECT.encode().replace(b"demo", b"d\xe9mo")}, {"path": "{root}"},
                           P + " line 6: not valid UTF-8 (byte 0xe9): save it as UTF-8."),
    "set-version-not-pep440": ({"pyproject.toml": PYPROJECT}, {"path": "{root}", "version": "1.1.0-final-final"},
                               "Invalid version '1.1.0-final-final': it is not a PEP 440 version."),
    "set-version-local-label": ({"pyproject.toml": PYPROJECT}, {"path": "{root}", "version": "1.2.0+local.7"},
                                "Version '1.2.0+local.7' has a local label '+local.7': local versions are not for "
                                "distribution and have no Debian or RPM form."),
    "bump-unknown-part": ({"pyproject.toml": PYPROJECT}, {"path": "{root}", "bump": "patch"},
                          "Invalid bump 'patch': use one or more of major, minor, micro, a, b, rc, post, dev, release, "
                          "separated by commas."),
    "version-file-is-a-symlink": ({"pyproject.toml": DYNAMIC, "shared/VERSION": "1.0.0\n",
                                   "VERSION": ("link", "shared/VERSION")}, {"path": "{root}", "version": "1.1.0"},
                                  "File '{root}/VERSION' that declares the version is a symbolic link to "
                                  "'shared/VERSION': replace the link by the file, so that writing the version does "
                                  "not replace the link."),
    "broken-link-in-project": ({"setup.py": SETUP_PY, ".#setup.py": ("link", "dev@host.1234:1700000000")},
                               {"path": "{root}"},
                               "Project '{root}' cannot be copied to a scratch tree for its build backend "
                               "('{root}/.#setup.py': No such file or directory): remove that file or fix it (a broken "
                               "link, a named pipe)."),
    "named-pipe-in-project": ({"setup.py": SETUP_PY, "logs/pipe": ("fifo",)}, {"path": "{root}"},
                              "Project '{root}' cannot be copied to a scratch tree for its build backend (`{root}/logs/"
                              "pipe` is a named pipe): remove that file or fix it (a broken link, a named pipe)."),
    "setup-py-version-not-a-literal": ({"setup.py": "from setuptools import setup\nV = '1.0'\n"
                                        "setup(name='x', version=V + '.1', py_modules=[])\n"},
                                       {"path": "{root}", "version": "2.0"},
                                       "File '{root}/setup.py': the version is not one string literal assigned to "
                                       "'version'."),
}


@pytest.mark.parametrize("make", [spec, deb], ids=["rpm", "debian"])
def test_changelog_entry_without_a_maintainer_asks_for_one(tmp_path, capsys, monkeypatch, make):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # git has no user.name / user.email anywhere
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    files = {"hello.spec": SPEC} if make is spec else DEB_FILES
    path = "{root}/hello.spec" if make is spec else "{root}/debian/changelog"
    check(tmp_path, capsys, changelog_entry, files, make(maintainer=None),
          "No maintainer ('Name <email>') to sign the package changelog of '%s': set the maintainer option (the roles' "
          "build_maintainer or package_maintainer), or git's user.name and user.email for its repository (git config "
          "user.email ...)." % path)


def test_changelog_entry_signs_with_gits_user_by_default(tmp_path, capsys, monkeypatch):
    import subprocess

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    root = tmp_path / "t"
    make_tree(root, {"hello.spec": SPEC})
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.name", "Rel Ease"], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.email", "release@example.net"], check=True)
    with patch_module_args(spec(path=str(root / "hello.spec"), maintainer=None)):
        with pytest.raises(SystemExit):
            changelog_entry.main()
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] is True, result
    assert "* Wed Nov 25 2026 Rel Ease <release@example.net> - 1.1.0-1\n" in (root / "hello.spec").read_text()


@pytest.mark.parametrize("name", register("project_version", PROJECT_CASES))
def test_project_version_refuses(tmp_path, capsys, name):
    files, args, message = PROJECT_CASES[name]
    check(tmp_path, capsys, project_version, files, args, message)
