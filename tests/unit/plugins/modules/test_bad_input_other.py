# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input to release_manifest, git_release (in a scratch git repository) and devpi_user (refused before
any request is sent): one exact error, and every file byte-identical."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from bad_input import check, register

from ansible_collections.pkgops.release.plugins.modules import devpi_user, git_release, host_state, release_manifest

# --- release_manifest --------------------------------------------------------------------------

ART = {"dist/a.whl": "wheel\n", "dist/b.deb": "deb\n", "other/a.whl": "another\n"}
OLD = '{"name": "hello", "version": "0.9"}\n'


def manifest(**args):
    base = dict(path="{root}/m.json", release={"name": "hello", "version": "1.0"},
                artifacts=[{"paths": ["{root}/dist/a.whl", "{root}/dist/b.deb"], "published": ["http://x/"]}], sbom=False)
    base.update(args)
    return base


SHA = "ab" * 32
PROMOTION = {"type": "yum", "from": "/srv/yum-testing", "to": "/srv/yum", "files": [{"filename": "a.rpm", "sha256": SHA}]}


def promoted(**args):
    return dict(dict(path="{root}/m.json", promotions=[PROMOTION]), **args)


MANIFEST_CASES = {
    "promotions-without-manifest": (ART, promoted(),
                                    "Manifest '{root}/m.json': '{root}/m.json' is not a release manifest (missing): write it "
                                    "with release_manifest (the release's run) first."),
    "promotions-not-a-manifest": (dict(ART, **{"m.json": OLD}), promoted(),
                                  "Manifest '{root}/m.json': '{root}/m.json' is not a release manifest (no JSON object with "
                                  "artifacts): write it with release_manifest (the release's run) first."),
    "promotions-bad-sha256": (dict(ART, **{"m.json": '{"artifacts": []}'}),
                              promoted(promotions=[dict(PROMOTION, files=[{"filename": "a.rpm", "sha256": "abc"}])]),
                              "Manifest '{root}/m.json': the yum promotion from /srv/yum-testing to /srv/yum lists file "
                              "'a.rpm' with sha256 'abc': give a file name and its SHA-256 (64 hex digits)."),
    "promotions-no-files": (dict(ART, **{"m.json": '{"artifacts": []}'}), promoted(promotions=[dict(PROMOTION, files=[])]),
                            "Manifest '{root}/m.json': the yum promotion from /srv/yum-testing to /srv/yum lists no files: give "
                            "each file's filename and sha256."),
    "promotions-with-release": (ART, manifest(promotions=[PROMOTION]),
                                "parameters are mutually exclusive: release|promotions, artifacts|promotions"),
    "neither-release-nor-promotions": (ART, dict(path="{root}/m.json"),
                                       "one of the following is required: release, promotions"),
    "artifact-missing": (ART, manifest(artifacts=[{"paths": ["{root}/dist/c.rpm"]}]),
                         "Manifest '{root}/m.json': Artifact '{root}/dist/c.rpm' does not exist."),
    "artifact-is-a-directory": (ART, manifest(artifacts=[{"paths": ["{root}/dist"]}]),
                                "Manifest '{root}/m.json': Artifact '{root}/dist' is a directory, not a file: list the files "
                                "themselves."),
    "artifact-name-twice": (ART, manifest(artifacts=[{"paths": ["{root}/dist/a.whl"]}, {"paths": ["{root}/other/a.whl"]}]),
                            "Manifest '{root}/m.json': Artifact name 'a.whl' appears twice ({root}/other/a.whl)."),
    "directory-missing": (ART, manifest(path="{root}/out/m.json"),
                          "Manifest '{root}/out/m.json': Directory '{root}/out' for file '{root}/out/m.json' does not exist."),
    "path-is-a-directory": (ART, manifest(path="{root}/dist"),
                            "Manifest '{root}/dist': Path '{root}/dist' is a directory, not a file."),
    "path-read-only": (dict(ART, **{"m.json": ("mode", OLD, 0o444)}), manifest(),
                       "Manifest '{root}/m.json': File '{root}/m.json' is read-only; make it writable to change it."),
    "path-is-a-symlink": (dict(ART, **{"real.json": OLD, "m.json": ("link", "real.json")}), manifest(),
                          "Manifest '{root}/m.json': File '{root}/m.json' is a symbolic link to 'real.json': give the path of "
                          "the file itself."),
    "path-under-a-file": (ART, manifest(path="{root}/dist/a.whl/m.json"),
                          "Manifest '{root}/dist/a.whl/m.json': File '{root}/dist/a.whl/m.json' cannot be read: Not a "
                          "directory."),
    "step-not-a-number": (ART, manifest(steps={"build": "fast"}),
                          "Manifest '{root}/m.json': step 'build' took 'fast' seconds, which is not a number of seconds (0 or "
                          "more)."),
    "step-negative": (ART, manifest(steps={"build": -1}),
                      "Manifest '{root}/m.json': step 'build' took -1 seconds, which is not a number of seconds (0 or "
                      "more)."),
    "release-not-a-dict": (ART, manifest(release="hello 1.0"),
                           "argument 'release' is of type str and we were unable to convert to dict: dictionary requested, could"
                           " not parse JSON or key=value"),
    "release-overrides-artifacts": (ART, manifest(release={"name": "hello", "artifacts": []}),
                                    "Manifest '{root}/m.json': release sets artifacts, which the manifest writes itself: remove it from "
                                    "release."),
    "artifacts-without-paths": (ART, manifest(artifacts=[{"published": ["http://x/"]}]),
                                "missing required arguments: paths found in artifacts"),
    "unknown-option": (ART, manifest(checksum="md5"),
                       "Unsupported parameters for (basic.py) module: checksum. Supported parameters include: artifacts, date, "
                       "path, promotions, release, sbom, steps."),
    "sbom-of-a-broken-wheel": (ART, manifest(sbom=True, artifacts=[{"paths": ["{root}/dist/a.whl"]}]),
                               "Manifest '{root}/m.json': Making the SBOM of '{root}/dist/a.whl' failed: File '{root}/dist/a.whl' is "
                               "not a readable distribution: File is not a zip file."),
    "sbom-of-a-broken-deb": (ART, manifest(sbom=True, artifacts=[{"paths": ["{root}/dist/b.deb"]}]),
                             "Manifest '{root}/m.json': Reading the package '{root}/dist/b.deb' for its SBOM failed: Reading the "
                             "control fields of '{root}/dist/b.deb' failed (rc 2): dpkg-deb: error: '{root}/dist/b.deb' is not a "
                             "Debian format archive"),
    "sbom-date-not-a-date": (dict(ART, **{"dist/c.changes": "Format: 1.8\n"}),
                             manifest(sbom=True, release={"name": "hello", "date": "soon"}, artifacts=[{"paths": ["{root}/dist/c.changes"]}]),
                             "Manifest '{root}/m.json': The SBOM of '{root}/dist/c.changes' takes the release's date, and 'soon' is not a "
                             "date (YYYY-MM-DD)."),
}

# --- git_release -------------------------------------------------------------------------------

GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_AUTHOR_DATE="2026-11-25T10:00:00Z",
               GIT_COMMITTER_DATE="2026-11-25T10:00:00Z", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")


def git(root, *args):
    subprocess.run(["git", "-C", str(root)] + list(args), check=True, capture_output=True, env=GIT_ENV)


def repository(*steps):
    """A prepare step: a git repository at {root}/p with one commit of its files, then ``steps`` (git argv, or
    a function of the tree)."""
    def prepare(root):
        git(root / "p", "init", "-q", "-b", "main")
        git(root / "p", "add", "-A")
        git(root / "p", "commit", "-q", "-m", "First")
        for step in steps:
            if callable(step):
                step(root)
            else:
                git(root / "p", *step)
    return prepare


def edit(root):
    (root / "p" / "CHANGELOG.rst").write_text("edited\n")


PROJ = {"p/pyproject.toml": "[project]\nname = 'hello'\nversion = '1.0'\n", "p/CHANGELOG.rst": "x\n"}


def rel(**args):
    return dict(dict(path="{root}/p", version="1.0"), **args)


GIT_CASES = {
    "tag-on-another-commit": (PROJ, rel(),
                              "{root}/p: v1.0 is already tagged on commit 031082c87a36, not on HEAD (5d1a8a4cf063); release another"
                              " version", repository(("tag", "v1.0"), ("commit", "-q", "--allow-empty", "-m", "Next"))),
    "dirty-tracked-file": (PROJ, rel(),
                           "{root}/p: uncommitted changes in CHANGELOG.rst; commit or stash them, or allow a dirty tree", repository(edit)),
    "dirty-not-the-expected-edit": (dict(PROJ, **{"exp/CHANGELOG.rst": "release\n", "exp/pyproject.toml": PROJ["p/pyproject.toml"]}),
                                    rel(expected="{root}/exp"),
                                    "{root}/p: uncommitted changes in CHANGELOG.rst; commit or stash them, or allow a dirty tree", repository(edit)),
    "exported-dest-under-a-file": (dict(PROJ, **{"out.txt": "x\n"}), rel(state="exported", dest="{root}/out.txt/head"),
                                   "Directory '{root}/out.txt/head' (dest) cannot be created: '{root}/out.txt' is a file, not a "
                                   "directory.",
                                   repository()),
    "path-is-a-file": (PROJ, rel(path="{root}/p/CHANGELOG.rst"),
                       "Project path '{root}/p/CHANGELOG.rst' is a file, not a directory: give the project's directory.", repository()),
    "tagged-file-outside": (dict(PROJ, **{"elsewhere.txt": "x\n"}), rel(state="tagged", files=["{root}/elsewhere.txt"]),
                            "{root}/p: {root}/elsewhere.txt is outside the git work tree {root}/p",
                            repository()),
    "tagged-tag-elsewhere": (PROJ, rel(state="tagged", files=["{root}/p/CHANGELOG.rst"]),
                             "{root}/p: v1.0 is already tagged on commit 031082c87a36; release another version",
                             repository(("tag", "v1.0"), ("commit", "-q", "--allow-empty", "-m", "Next"))),
    "tagged-identity-bad": (PROJ, rel(state="tagged", files=["{root}/p/CHANGELOG.rst"], identity="nobody"),
                            "identity 'nobody' is not 'Name <email>'.", repository()),
    "tag-prefix-with-space": (PROJ, rel(tag_prefix="release "),
                              "Tag 'release 1.0' (tag_prefix and version) is not a valid git tag name (git check-ref-format refuses"
                              " it): use a version and a tag_prefix without spaces, '..', '~', '^', ':', '?', '*', '['.", repository()),
    "version-with-dots-only": (PROJ, rel(version=".."),
                               "Tag 'v..' (tag_prefix and version) is not a valid git tag name (git check-ref-format refuses it): "
                               "use a version and a tag_prefix without spaces, '..', '~', '^', ':', '?', '*', '['.", repository()),
    "exported-dest-is-a-file": (dict(PROJ, **{"out.txt": "x\n"}), rel(state="exported", dest="{root}/out.txt"),
                                "Path '{root}/out.txt' (dest) is a file, not a directory: remove it or give another dest.", repository()),
    "expected-missing": (PROJ, rel(expected="{root}/nope"),
                         "expected '{root}/nope' is not a directory: give the directory holding the project as the release "
                         "makes it.", repository()),
    "path-missing": (PROJ, rel(path="{root}/nope"), "Project directory '{root}/nope' does not exist.", repository()),
    "state-unknown": (PROJ, rel(state="pushed"),
                      "value of state must be one of: checked, exported, tagged, got: pushed", repository()),
    "tagged-file-missing": (PROJ, rel(state="tagged", files=["{root}/p/NEWS"]),
                            "File '{root}/p/NEWS' to commit does not exist: give the files the release wrote.", repository()),
}

# --- devpi_user: refused before any request ----------------------------------------------------


def devpi(**args):
    return dict(dict(url="http://127.0.0.1:9", root_password="r00t-pw", user="uploader", password="upl0ad-pw"), **args)


DEVPI_CASES = {
    "url-not-http": ({}, devpi(url="ftp://127.0.0.1:9"),
                     "url 'ftp://127.0.0.1:9' is not the http:// or https:// URL of a devpi-server (for example "
                     "http://127.0.0.1:3141)."),
    "url-file": ({}, devpi(url="file:///etc/passwd"),
                 "url 'file:///etc/passwd' is not the http:// or https:// URL of a devpi-server (for example "
                 "http://127.0.0.1:3141)."),
    "url-not-a-url": ({}, devpi(url="localhost:3141"),
                      "url 'localhost:3141' is not the http:// or https:// URL of a devpi-server (for example "
                      "http://127.0.0.1:3141)."),
    "url-without-host": ({}, devpi(url="http://"),
                         "url 'http://' is not the http:// or https:// URL of a devpi-server (for example "
                         "http://127.0.0.1:3141)."),
    "user-with-slash": ({}, devpi(user="root/pypi"),
                        "user 'root/pypi' is not a devpi user name: use letters, digits, '.', '_' and '-', starting with a "
                        "letter or digit."),
    "user-empty": ({}, devpi(user=""),
                   "user '' is not a devpi user name: use letters, digits, '.', '_' and '-', starting with a letter or "
                   "digit."),
    "index-dot-dot": ({}, devpi(index="../root/pypi"),
                      "index '../root/pypi' is not a devpi index name: use letters, digits, '.', '_' and '-', starting with"
                      " a letter or digit."),
    "index-with-plus": ({}, devpi(index="+simple"),
                        "index '+simple' is not a devpi index name: use letters, digits, '.', '_' and '-', starting with a "
                        "letter or digit."),
    "password-empty": ({}, devpi(password=""), "password is empty: give the password."),
    "user-missing": ({}, devpi(user=None), "missing required arguments: user"),
    "root-password-empty": ({}, devpi(root_password=""), "root_password is empty: give the password."),
    "url-with-query": ({}, devpi(url="http://127.0.0.1:3141/?x=1"),
                       "url 'http://127.0.0.1:3141/?x=1' is not the http:// or https:// URL of a devpi-server (for example "
                       "http://127.0.0.1:3141)."),
}


def refuses(tmp_path, capsys, module, case):
    files, args, message, *prepare = case
    check(tmp_path, capsys, module, files, args, message, *prepare)


@pytest.mark.parametrize("name", register("release_manifest", MANIFEST_CASES))
def test_release_manifest_refuses(tmp_path, capsys, name):
    refuses(tmp_path, capsys, release_manifest, MANIFEST_CASES[name])


@pytest.mark.parametrize("name", register("git_release", GIT_CASES))
def test_git_release_refuses(tmp_path, capsys, monkeypatch, name):
    for key in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, GIT_ENV[key])
    refuses(tmp_path, capsys, git_release, GIT_CASES[name])


@pytest.mark.parametrize("name", register("devpi_user", DEVPI_CASES))
def test_devpi_user_refuses(tmp_path, capsys, monkeypatch, name):
    def no_request(*args, **kwargs):
        raise AssertionError("a request was sent: %r" % (args,))

    monkeypatch.setattr("urllib.request.OpenerDirector.open", no_request)
    refuses(tmp_path, capsys, devpi_user, DEVPI_CASES[name])


# --- host_state --------------------------------------------------------------------------------

def stamp(**args):
    return dict(dict(name="app", dir="{root}/state", inputs="digest-1", files=["{root}/app.conf"]), **args)


HOST_STATE_CASES = {
    "name-with-slash": ({}, stamp(name="../app"),
                        "Stamp name '../app' is not usable as a file name: use letters, digits and . _ @ + -."),
    "name-empty": ({}, stamp(name=""), "Stamp name '' is not usable as a file name: use letters, digits and . _ @ + -."),
    "file-is-a-directory": ({"etc/x": "x\n"}, stamp(files=["{root}/etc"]),
                            "Path '{root}/etc' is a directory: give the files the role writes, not their directory."),
    "record-file-is-a-directory": ({"etc/x": "x\n"}, stamp(files=["{root}/etc"], state="record"),
                                   "Path '{root}/etc' is a directory: give the files the role writes, not their directory."),
    "record-package-not-installed": ({}, stamp(state="record", package="pkgops-no-such-package", package_manager="dpkg"),
                                     "Package pkgops-no-such-package is not installed: record the host's state after the "
                                     "role installed it."),
    "record-dir-is-a-file": ({"state": "a file\n"}, stamp(state="record"),
                             "Stamp directory '{root}/state' is a file, not a directory: remove it or give another dir."),
    "check-dir-is-a-file": ({"state": "a file\n"}, stamp(),
                            "Stamp directory '{root}/state' is a file, not a directory: remove it or give another dir."),
    "record-dir-not-writable": ({"state/.keep": "", "state/app.json": ("mode", "{}", 0o644)}, stamp(state="record"),
                                "Directory '{root}/state' (dir) cannot be written: '{root}/state' is not writable by this "
                                "user.", lambda root: os.chmod(root / "state", 0o555)),
    "stamp-is-a-directory": ({"state/app.json/x": "x\n"}, stamp(), "Path '{root}/state/app.json' is a directory, not a file."),
    "state-unknown": ({}, stamp(state="recorded"), "value of state must be one of: check, record, got: recorded"),
    "inputs-missing": ({}, stamp(inputs=None), "missing required arguments: inputs"),
}


@pytest.mark.parametrize("name", register("host_state", HOST_STATE_CASES))
def test_host_state_refuses(tmp_path, capsys, name):
    if "package" in HOST_STATE_CASES[name][1] and not shutil.which("dpkg-query"):
        pytest.skip("needs dpkg-query")
    if name == "record-dir-not-writable" and os.geteuid() == 0:
        pytest.skip("root writes every directory")
    refuses(tmp_path, capsys, host_state, HOST_STATE_CASES[name])
