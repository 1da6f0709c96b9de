# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input to repo_publish (types pypi, apt, yum, and the index servers' options): one exact error, and
every file - the artifacts and the repository - byte-identical afterwards.

The artifacts are real: a .deb from dpkg-deb, an .rpm from rpmbuild, a source upload from dpkg-source and
dpkg-genchanges, a wheel and an sdist written as the build backends write them; the bad ones are those
cut short, renamed, edited or unsafe.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import zipfile

import pytest

from bad_input import check, register

from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish
from ansible_collections.pkgops.release.plugins.modules import repo_publish

EPOCH = "1795564800"
ENV = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
SPEC = """Name: hello
Version: 1.0
Release: 1
Summary: Test package
License: MIT
BuildArch: noarch

%description
A package for the bad-input tests.

%install
mkdir -p %{buildroot}/usr/share/hello
echo hello > %{buildroot}/usr/share/hello/data

%files
/usr/share/hello/data
"""


def _deb(folder, filed="Section: misc\nPriority: optional\n", name="hello_1.0-1_all.deb"):
    tree = os.path.join(folder, "tree")
    os.makedirs(os.path.join(tree, "DEBIAN"))
    os.makedirs(os.path.join(tree, "usr", "share", "hello"))
    with open(os.path.join(tree, "DEBIAN", "control"), "w", encoding="utf-8") as handle:
        handle.write("Package: hello\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@example.com>\n%s"
                     "Description: test package\n For the bad-input tests.\n" % filed)
    with open(os.path.join(tree, "usr", "share", "hello", "data"), "wb") as handle:
        handle.write(b"hello\n" * 2000)
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", tree, os.path.join(folder, name)],
                   check=True, capture_output=True, env=ENV)
    shutil.rmtree(tree)


def _source(folder):
    tree = os.path.join(folder, "hello-1.0")
    os.makedirs(os.path.join(tree, "debian", "source"))
    files = {"debian/source/format": "3.0 (native)\n", "README": "hello\n",
             "debian/control": "Source: hello\nMaintainer: T <t@example.com>\nSection: misc\nPriority: optional\n\n"
                               "Package: hello\nArchitecture: all\nDescription: x\n y\n",
             "debian/changelog": "hello (1.0) unstable; urgency=medium\n\n  * Test.\n\n"
                                 " -- T <t@example.com>  Wed, 02 Dec 2026 00:00:00 +0000\n"}
    for name, text in files.items():
        with open(os.path.join(tree, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    subprocess.run(["dpkg-source", "-b", "hello-1.0"], cwd=folder, check=True, capture_output=True, env=ENV)
    changes = subprocess.run(["dpkg-genchanges", "-S", "-u.."], cwd=tree, check=True, capture_output=True,
                             env=ENV).stdout
    shutil.rmtree(tree)
    with open(os.path.join(folder, "hello_1.0_source.changes"), "wb") as handle:
        handle.write(changes)


def _rpm(folder):
    top = os.path.join(folder, "top")
    os.makedirs(os.path.join(top, "SPECS"))
    spec = os.path.join(top, "SPECS", "hello.spec")
    with open(spec, "w", encoding="utf-8") as handle:
        handle.write(SPEC)
    subprocess.run(["rpmbuild", "-bb", "--nodeps", "--define", "_topdir %s" % top, "--define", "_dbpath %s/db" % top,
                    spec], check=True, capture_output=True, env=ENV)
    shutil.copy(os.path.join(top, "RPMS", "noarch", "hello-1.0-1.noarch.rpm"), folder)
    shutil.rmtree(top)


def wheel(name="hello_world", version="1.0.0", meta_name="hello-world", members=(), meta_version=None):
    out = io.BytesIO()
    info = "%s-%s.dist-info/" % (name, version)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hello_world/__init__.py", "")
        archive.writestr(info + "METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (meta_name, meta_version or version))
        archive.writestr(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        for member in members:
            archive.writestr(member, b"x")
        archive.writestr(info + "RECORD", "")
    return out.getvalue()


def sdist(name="hello_world", version="1.0.0", extra=()):
    out = io.BytesIO()
    base = "%s-%s" % (name, version)
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for member, data in [(base + "/PKG-INFO", b"Metadata-Version: 2.1\nName: hello-world\nVersion: 1.0.0\n")] + list(extra):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """{file name: bytes} of the real artifacts, built once."""
    folder = str(tmp_path_factory.mktemp("artifacts"))
    _deb(folder)
    _deb(folder, filed="", name="no-section.deb")
    _source(folder)
    if shutil.which("rpmbuild"):
        _rpm(folder)
    out = {}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as handle:
            out[name] = handle.read()
    return out


def changes_text(files, source="hello", version="1.0"):
    """A .changes listing ``files`` ({name: bytes}) with their sizes and checksums."""
    rows = [(name, len(data), hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest())
            for name, data in files.items()]
    return ("Format: 1.8\nSource: %s\nVersion: %s\nArchitecture: all\nChecksums-Sha256:\n%s\nFiles:\n%s\n"
            % (source, version, "\n".join(" %s %d %s" % (r[2], r[1], r[0]) for r in rows),
               "\n".join(" %s %d misc optional %s" % (r[3], r[1], r[0]) for r in rows)))


def published(files):
    """A prepare step: publish ``files`` (paths relative to the tree) to the pypi index at {root}/index."""
    def prepare(root):
        params = {k: spec.get("default") for k, spec in repo_publish.ARGUMENT_SPEC.items()}
        params.update(type="pypi", path=str(root / "index"), files=[str(root / f) for f in files])
        _repo_publish.run(params)
    return prepare


def pypi(*files, **args):
    return dict(dict(type="pypi", path="{root}/index", files=["{root}/%s" % f for f in files]), **args)


def apt(*files, **args):
    return dict(dict(type="apt", path="{root}/apt", files=["{root}/%s" % f for f in files]), **args)


def yum(*files, **args):
    return dict(dict(type="yum", path="{root}/yum", files=["{root}/%s" % f for f in files]), **args)


WHL = "hello_world-1.0.0-py3-none-any.whl"
DEB = "hello_1.0-1_all.deb"
RPM = "hello-1.0-1.noarch.rpm"
CHANGES = "hello_1.0_source.changes"
DSC = "hello_1.0.dsc"
TARBALL = "hello_1.0.tar.xz"
REBUILD = "build it again, or copy it again if it was cut short or changed on the way"
RENAME = "rename the file without whitespace, control characters or '/', and not starting with '-' or '.'"


def truncated(name):
    return lambda b: {name: b[name][:len(b[name]) // 2]}


def renamed(name, new):
    return lambda b: {new: b[name]}


def source_upload(b):
    return {n: b[n] for n in (CHANGES, DSC, TARBALL)}


def dsc_not_utf8(b):
    dsc = b[DSC].replace(b"Source: hello", b"Source: hello\nUploaders: J\xe9r\xf4me <j@example.com>", 1)
    files = {DSC: dsc, TARBALL: b[TARBALL]}
    return dict(files, **{CHANGES: changes_text(files)})


def changes_listing(name, data=b"x\n"):
    """A .changes listing ``name`` (a path that leaves its directory, for one), with ``data`` there."""
    text = changes_text({"x": data}).replace(" x\n", " %s\n" % name).replace(" x\n", " %s\n" % name)
    return lambda b: {"up/" + CHANGES: text, "secret": data}


WHEEL = wheel()  # zip members carry the time they were written: the bytes of this run
OTHER_WHEEL = wheel(members=["hello_world/extra.py"])


def sha256(data):
    return hashlib.sha256(data).hexdigest()


REPO_CASES = {
    # options that do not apply to the type, or are missing
    "pypi-with-suites": ({}, pypi(WHL, suites=[{"codename": "bookworm"}]),
                         "option 'suites' does not apply to type=pypi (it applies to: apt)."),
    "pypi-with-keep": ({}, pypi(WHL, keep=2), "option 'keep' does not apply to type=pypi (it applies to: apt, yum)."),
    "pypi-with-signing-key-and-codename": ({}, pypi(WHL, signing_key="ABCD", codename="bookworm"),
                                           "option 'codename' does not apply to type=pypi (it applies to: apt); option 'signing_key' does not "
                                           "apply to type=pypi (it applies to: apt, yum)."),
    "yum-with-codename": ({}, yum(RPM, codename="bookworm"),
                          "option 'codename' does not apply to type=yum (it applies to: apt)."),
    "apt-with-negative-keep": ({}, apt(keep=-1), "keep must be 0 (keep every version) or more, not -1."),
    "apt-with-url-and-username": ({}, apt(DEB, url="http://x/", username="u"),
                                  "option 'url' does not apply to type=apt (it applies to: devpi, pypiserver); option 'username' does "
                                  "not apply to type=apt (it applies to: devpi, pypiserver)."),
    "type-unknown": ({}, pypi(WHL, type="rubygems"),
                     "value of type must be one of: pypi, apt, yum, devpi, pypiserver, got: rubygems"),
    "pypi-without-path": ({}, dict(type="pypi", files=["{root}/x.whl"]),
                          "type is pypi but all of the following are missing: path"),
    "apt-without-path": ({}, dict(type="apt", files=[]), "type is apt but all of the following are missing: path"),
    "absent-without-version": ({}, pypi(state="absent", name="hello-world"),
                               "state is absent but all of the following are missing: version"),
    "promote-without-name": ({}, apt(promote_from="bookworm"),
                             "missing parameter(s) required by 'promote_from': name, version"),
    "pypi-present-without-files": ({}, pypi(), "state is present but files is empty: name the artifacts to publish (or promote_from)."),
    "yum-promote-from-a-name": ({}, yum(promote_from="yum-testing", name="hello", version="1.0"),
                                "promote_from 'yum-testing' is not an absolute path: for type=yum give the root directory of "
                                "the repository to promote from."),
    "pypi-promote-from-nothing": ({}, pypi(promote_from="{root}/testing", name="hello-world", version="1.0"),
                                  "hello-world 1.0 is not in the index '{root}/testing' (it serves nothing): nothing to promote "
                                  "into '{root}/index'."),
    "devpi-promote": ({}, dict(type="devpi", url="http://127.0.0.1:9/u/i/", username="u", password="s3cret-pw",
                               promote_from="/srv/testing", name="x", version="1"),
                      "promote_from '/srv/testing' is not a devpi index USER/INDEX (letters, digits, '.', '_' and '-', for "
                      "example release/testing)."),
    "apt-key-expiry-words": ({}, apt(key_expiry="two years"),
                             "key_expiry 'two years' is not an expiry gpg takes: use Ny, Nm, Nw, Nd (years, months, weeks, days), "
                             "a date YYYY-MM-DD, or never."),
    "yum-key-expiry-negative": ({}, yum(key_expiry="-1y"),
                                "key_expiry '-1y' is not an expiry gpg takes: use Ny, Nm, Nw, Nd (years, months, weeks, days), a date"
                                " YYYY-MM-DD, or never."),
    "yum-keep-negative": ({}, yum(keep=-1), "keep must be 0 (keep every version) or more, not -1."),
    "apt-signing-key-and-signing-keys": ({}, apt(signing_key="0123456789ABCDEF", signing_keys=["New <new@example.com>"]),
                                         "signing_key and signing_keys are mutually exclusive: give one key as signing_key, or every "
                                         "key that signs as signing_keys."),
    "pypi-with-signing-keys": ({}, pypi(WHL, signing_keys=["New <new@example.com>"]),
                               "option 'signing_keys' does not apply to type=pypi (it applies to: apt, yum)."),
    "yum-signing-keys-empty-entry": ({}, yum(RPM, signing_keys=["New <new@example.com>", " "]),
                                     "signing_keys has an empty entry: give a fingerprint or a user ID ('Name <email>') each."),
    "apt-signing-keys-short-key-id": ({}, apt(signing_keys=["6FD4A7C4"]),
                                      "signing_keys entry '6FD4A7C4' is neither a fingerprint (or long key ID, at least 16 hex digits) "
                                      "nor a user ID ('Name <email>')."),
    "yum-signing-keys-name-without-email": ({}, yum(signing_keys=["Repository 2027"]),
                                            "signing_keys entry 'Repository 2027' is neither a fingerprint (or long key ID, at least 16 hex "
                                            "digits) nor a user ID ('Name <email>')."),
    "apt-signing-keys-fingerprint-not-in-home": ({}, apt(signing_keys=["0123456789ABCDEF0123456789ABCDEF01234567"]),
                                                 "Signing key 0123456789ABCDEF0123456789ABCDEF01234567 (signing_keys) is not a secret key of "
                                                 "the repository's GnuPG home '{root}/apt/gnupg'; a key that is not the repository's is "
                                                 "refused: give the fingerprint of a key in it, or a user ID ('Name <email>') to find or "
                                                 "generate one."),
    "yum-signing-keys-twice": ({}, yum(signing_keys=["New <new@example.com>", "New <new@example.com>"]),
                               "signing_keys names key New <new@example.com> twice: list each key once."),
    "apt-key-type-unknown": ({}, apt(key_type="dsa1024"),
                             "value of key_type must be one of: ed25519, rsa3072, rsa4096, got: dsa1024"),
    "apt-codename-not-a-suite": (lambda b: {DEB: b[DEB]}, apt(DEB, codename="trixie"),
                                 "Codename 'trixie' is not one of the repository's suites (bookworm)."),
    "apt-component-not-in-suite": (lambda b: {DEB: b[DEB]}, apt(DEB, component="contrib"),
                                   "Component 'contrib' is not one of bookworm's components (main)."),
    "apt-suite-without-codename": ({}, apt(suites=[{"suite": "stable"}]),
                                   "missing required arguments: codename found in suites"),
    "devpi-without-url": ({"x.whl": "x"}, dict(type="devpi", files=["{root}/x.whl"]),
                          "type is devpi but the following are missing: url, username, password"),
    "devpi-state-absent": ({}, dict(type="devpi", url="http://127.0.0.1:9/u/i/", username="u", password="s3cret-pw",
                                    state="absent", name="x", version="1"),
                           "type devpi supports state present only: withdraw files on the server itself."),
    "pypiserver-with-path": ({}, dict(type="pypiserver", path="{root}/index", url="http://127.0.0.1:9/",
                                      username="u", password="s3cret-pw"),
                             "option 'path' does not apply to type=pypiserver (it applies to: pypi, apt, yum)."),
    # artifacts: apt
    "apt-deb-truncated": (truncated(DEB), apt(DEB),
                          "File '{root}/hello_1.0-1_all.deb' is damaged or not a .deb: dpkg-deb cannot read its control part "
                          "(dpkg-deb said: dpkg-deb (subprocess): cannot copy archive member from '{root}/hello_1.0-1_all.deb' "
                          "to decompressor pipe: unexpected end of file or stream; dpkg-deb (subprocess): decompressing archive"
                          " '{root}/hello_1.0-1_all.deb' (size=392) member 'control.tar': lzma error: internal error (bug); "
                          "tar: This does not look like a tar archive; tar: Exiting with failure status due to previous errors;"
                          " dpkg-deb: error: tar subprocess returned error exit status 2); build it again, or copy it again if "
                          "it was cut short or changed on the way."),
    "apt-deb-renamed": (renamed(DEB, "hello_2.0-1_all.deb"), apt("hello_2.0-1_all.deb"),
                        "File '{root}/hello_2.0-1_all.deb' holds hello 1.0-1 for all, whose file name is hello_1.0-1_all.deb;"
                        " publish it under that name (dpkg-name renames it), or build the package the name says."),
    "apt-deb-name-with-space": (renamed(DEB, "hello 1.0-1_all.deb"), apt("hello 1.0-1_all.deb"),
                                "File '{root}/hello 1.0-1_all.deb' cannot be published: its name 'hello 1.0-1_all.deb' has a space "
                                "(U+0020) as character 6; rename the file without whitespace, control characters or '/', and not "
                                "starting with '-' or '.'."),
    "apt-deb-without-section": (renamed("no-section.deb", DEB), apt(DEB),
                                "File '{root}/hello_1.0-1_all.deb' has no Section or Priority in its control, which an apt repository"
                                " files it by; set them in debian/control (for example Section: misc, Priority: optional) and build "
                                "it again."),
    "apt-deb-missing": ({}, apt(DEB),
                        "File '{root}/hello_1.0-1_all.deb' does not exist; build it first, or correct the path."),
    "apt-deb-is-a-directory": ({DEB: ("dir",)}, apt(DEB),
                               "File '{root}/hello_1.0-1_all.deb' is not a regular file; give the artifact itself."),
    "apt-deb-not-a-deb": ({DEB: "not a deb\n"}, apt(DEB),
                          "File '{root}/hello_1.0-1_all.deb' is damaged or not a .deb: dpkg-deb cannot read its control part "
                          "(dpkg-deb said: dpkg-deb: error: '{root}/hello_1.0-1_all.deb' is not a Debian format archive); build"
                          " it again, or copy it again if it was cut short or changed on the way."),
    "apt-given-an-rpm": (lambda b: {RPM: b[RPM]}, apt(RPM),
                         "File '{root}/hello-1.0-1.noarch.rpm' is not one of the kinds this repository takes (.deb, .dsc, "
                         ".changes); give the artifact itself."),
    "apt-given-a-wheel": (lambda b: {WHL: WHEEL}, apt(WHL),
                          "File '{root}/hello_world-1.0.0-py3-none-any.whl' is not one of the kinds this repository takes "
                          "(.deb, .dsc, .changes); give the artifact itself."),
    "apt-changes-path-traversal": (changes_listing("../secret"), apt("up/" + CHANGES),
                                   "File '{root}/up/hello_1.0_source.changes' lists '../secret', which is not a plain file name in the "
                                   "same directory (it has '/'); give the .changes the build wrote, unedited."),
    "apt-changes-absolute-path": (changes_listing("/etc/passwd"), apt("up/" + CHANGES),
                                  "File '{root}/up/hello_1.0_source.changes' lists '/etc/passwd', which is not a plain file name in the"
                                  " same directory (it has '/'); give the .changes the build wrote, unedited."),
    "apt-changes-lists-missing-file": (lambda b: {CHANGES: b[CHANGES], DSC: b[DSC]}, apt(CHANGES),
                                       "File '{root}/hello_1.0_source.changes' lists hello_1.0.tar.xz, which does not exist in {root}; copy "
                                       "every file it lists next to it."),
    "apt-changes-checksum-wrong": (lambda b: dict(source_upload(b), **{TARBALL: b[TARBALL][:-1] + b"!"}), apt(CHANGES),
                                   lambda b: "File '{root}/hello_1.0_source.changes' lists hello_1.0.tar.xz with sha256 %s, but it "
                                   "has %s; %s." % (sha256(b[TARBALL]), sha256(b[TARBALL][:-1] + b"!"), REBUILD)),
    "apt-changes-link-outside": (lambda b: dict(source_upload(b), **{TARBALL: ("link", "/etc/hostname")}),
                                 apt(CHANGES),
                                 "File '{root}/hello_1.0_source.changes' lists hello_1.0.tar.xz, which resolves to /etc/hostname, "
                                 "outside {root}; copy the file itself next to it, not a link."),
    "apt-dsc-not-utf8": (dsc_not_utf8, apt(CHANGES),
                         lambda b: "File '{root}/hello_1.0.dsc' is not UTF-8 (byte 0xe9 at offset %d); Debian control files are "
                         "UTF-8: build the source package again." % dsc_not_utf8(b)[DSC].index(b"\xe9")),
    "apt-changes-not-utf8": (lambda b: {CHANGES: b[CHANGES].replace(b"Test.", b"T\xe9st.")}, apt(CHANGES),
                             lambda b: "File '{root}/hello_1.0_source.changes' is not UTF-8 (byte 0xe9 at offset %d); Debian "
                             "control files are UTF-8: build the source package again." % (b[CHANGES].index(b"Test.") + 1)),
    "apt-changes-no-checksums": ({CHANGES: "Format: 1.8\nSource: hello\nVersion: 1.0\n"}, apt(CHANGES),
                                 "File '{root}/hello_1.0_source.changes' is not a .changes: it has no Checksums-Sha256, Files field; "
                                 "give the file dpkg wrote."),
    "apt-root-is-a-file": (lambda b: {DEB: b[DEB], "apt": "x\n"}, apt(DEB),
                           "Path '{root}/apt' (path) is a file, not a directory: remove it or give another path."),
    "apt-root-under-a-file": (lambda b: {DEB: b[DEB], "srv": "x\n"}, apt(DEB, path="{root}/srv/apt"),
                              "Directory '{root}/srv/apt' (path) cannot be created: '{root}/srv' is a file, not a directory."),
    # artifacts: yum
    "yum-rpm-truncated": (truncated(RPM), yum(RPM),
                          "File '{root}/hello-1.0-1.noarch.rpm' is damaged or not an RPM: rpmkeys finds its digests wrong "
                          "(rpmkeys said: error: {root}/hello-1.0-1.noarch.rpm: signature hdr blob(4388): BAD, read returned "
                          "0); build it again, or copy it again if it was cut short or changed on the way."),
    "yum-rpm-renamed": (renamed(RPM, "hello-2.0-1.noarch.rpm"), yum("hello-2.0-1.noarch.rpm"),
                        "File '{root}/hello-2.0-1.noarch.rpm' holds hello 1.0-1.noarch, whose file name is "
                        "hello-1.0-1.noarch.rpm; publish it under that name, or build the package the name says."),
    "yum-rpm-leading-dash": (renamed(RPM, "-hello-1.0-1.noarch.rpm"), yum("-hello-1.0-1.noarch.rpm"),
                             "File '{root}/-hello-1.0-1.noarch.rpm' cannot be published: its name '-hello-1.0-1.noarch.rpm' starts"
                             " with '-'; rename the file without whitespace, control characters or '/', and not starting with '-' "
                             "or '.'."),
    "yum-given-a-deb": (lambda b: {DEB: b[DEB]}, yum(DEB),
                        "File '{root}/hello_1.0-1_all.deb' is not one of the kinds this repository takes (.rpm); give the "
                        "artifact itself."),
    "yum-root-is-a-file": (lambda b: {RPM: b[RPM], "yum": "x\n"}, yum(RPM),
                           "Path '{root}/yum' (path) is a file, not a directory: remove it or give another path."),
    # artifacts: pypi
    "pypi-wheel-named-dot-dot": ({"..-1.0.0-py3-none-any.whl": WHEEL}, pypi("..-1.0.0-py3-none-any.whl"),
                                 "File '{root}/..-1.0.0-py3-none-any.whl' cannot be published: its name '..-1.0.0-py3-none-any.whl' "
                                 "starts with '.'; rename the file without whitespace, control characters or '/', and not starting "
                                 "with '-' or '.'."),
    "pypi-file-named-dot-dot": ({"sub/" + WHL: WHEEL}, pypi("sub/.."),
                                "File '{root}' is not one of the kinds this repository takes (.whl, .tar.gz); give the artifact "
                                "itself."),
    "pypi-wheel-metadata-names-dot-dot": ({WHL: wheel(meta_name="..")}, pypi(WHL),
                                          "File '{root}/hello_world-1.0.0-py3-none-any.whl' names the project '..' in its .dist-info/METADATA, "
                                          "which is not a valid project name (letters, digits, and '.', '_' or '-' between them); rename the "
                                          "project and build it again."),
    "pypi-wheel-truncated": ({WHL: wheel()[:200]}, pypi(WHL),
                             "File '{root}/hello_world-1.0.0-py3-none-any.whl' is damaged or not a wheel: File is not a zip file; "
                             "build it again, or copy it again if it was cut short or changed on the way."),
    "pypi-wheel-metadata-other-version": ({WHL: wheel(meta_version="9.9.9")},
                                          pypi(WHL),
                                          "File '{root}/hello_world-1.0.0-py3-none-any.whl' is named for hello-world 1.0.0 but its "
                                          ".dist-info/METADATA says hello-world 9.9.9; give the file the name its metadata makes (build it "
                                          "again)."),
    "pypi-wheel-member-leaves-tree": ({WHL: wheel(members=["../../evil.py"])}, pypi(WHL),
                                      "File '{root}/hello_world-1.0.0-py3-none-any.whl' is unsafe: member '../../evil.py' has a '..' "
                                      "component; build the wheel again with a standard backend."),
    "pypi-sdist-member-leaves-tree": ({"hello_world-1.0.0.tar.gz": sdist(extra=[("../evil", b"x")])},
                                      pypi("hello_world-1.0.0.tar.gz"),
                                      "File '{root}/hello_world-1.0.0.tar.gz' is unsafe: member '../evil' has a '..' component; build the "
                                      "sdist again with a standard backend."),
    "pypi-wheel-missing": ({}, pypi(WHL), "File '{root}/hello_world-1.0.0-py3-none-any.whl' does not exist."),
    "pypi-given-a-deb": (lambda b: {DEB: b[DEB]}, pypi(DEB),
                         "File '{root}/hello_1.0-1_all.deb' is not one of the kinds this repository takes (.whl, .tar.gz); "
                         "give the artifact itself."),
    "pypi-root-is-a-file": ({WHL: wheel(), "index": "x\n"}, pypi(WHL),
                            "Path '{root}/index' (path) is a file, not a directory: remove it or give another path."),
    "pypi-same-name-other-bytes": ({"first/" + WHL: WHEEL, WHL: OTHER_WHEEL}, pypi(WHL),
                                   "File '%s' is already published with other bytes (sha256 %s, new %s); published files are "
                                   "immutable: release a new version." % (WHL, sha256(WHEEL), sha256(OTHER_WHEEL)),
                                   published(["first/" + WHL])),
}


@pytest.mark.parametrize("name", register("repo_publish", REPO_CASES))
def test_repo_publish_refuses(tmp_path, capsys, built, name):
    files, args, message, *prepare = REPO_CASES[name]
    if callable(files):
        files = files(built)
    if callable(message):
        message = message(built)
    if (RPM in str(args) or RPM in files) and RPM not in built:
        pytest.skip("needs rpmbuild")
    check(tmp_path, capsys, repo_publish, files, args, message, *prepare)
