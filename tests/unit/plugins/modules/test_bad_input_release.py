# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input to release_sign and release_verify: refused by name, nothing written, no request sent."""
from __future__ import annotations

import pytest

from bad_input import check, register

from ansible_collections.pkgops.release.plugins.modules import release_sign, release_verify

DATA = "eyJuYW1lIjogImhlbGxvIn0K"  # {"name": "hello"}
SERVED = {"repo/generations/1/public/archive-keyring.gpg": b"\x99key", "repo/current": ("link", "generations/1")}


def sign(**args):
    base = dict(path="{root}/repo", data=DATA)
    base.update(args)
    return base


SIGN_CASES = {
    "repository-missing": ({}, sign(path="{root}/none"),
                           "The repository '{root}/none' does not exist: publish into it first (repo_publish)."),
    "repository-is-a-file": ({"repo": "x"}, sign(),
                             "The repository '{root}/repo' is a file, not a repository's directory: give the directory "
                             "repo_publish publishes into."),
    "repository-never-published": ({"repo/x": "x"}, sign(),
                                   "The repository '{root}/repo' serves no public key 'archive-keyring.gpg': publish into it first "
                                   "(repo_publish), which makes and exports its signing key."),
    "key-name-not-served": (SERVED, sign(key_name="other"),
                            "The repository '{root}/repo' serves no public key 'other.gpg': publish into it first "
                            "(repo_publish), which makes and exports its signing key."),
    "data-not-base64": (SERVED, sign(data="not base64!"),
                        "Option data is not base64: give the file's content as ansible.builtin.slurp returns it."),
    "data-missing": (SERVED, sign(data=None), "missing required arguments: data"),
    "unknown-option": (SERVED, sign(sign_with="gpg"),
                       "Unsupported parameters for (basic.py) module: sign_with. Supported parameters include: data, key_name, "
                       "path, signature, signing_key."),
}

MANIFEST = '{"name": "hello", "version": "1.0", "artifacts": [%s]}'
ARMORED_JUNK = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n"


def verify(**args):
    base = dict(manifest="{root}/m.json", keys=["{root}/k.gpg"])
    base.update(args)
    return base


VERIFY_CASES = {
    "manifest-missing": ({"k.gpg": b"\x99"}, verify(),
                         "Manifest '{root}/m.json' cannot be read: No such file or directory."),
    "manifest-not-json": ({"k.gpg": b"\x99", "m.json": "name: hello\n"}, verify(),
                          "Manifest '{root}/m.json' is not JSON: Expecting value: line 1 column 1 (char 0)."),
    "manifest-without-artifacts": ({"k.gpg": b"\x99", "m.json": '{"name": "hello"}'}, verify(),
                                   "Manifest '{root}/m.json' has no list of artifacts: give a release manifest (release_manifest)."),
    "key-missing": ({"m.json": MANIFEST % ""}, verify(),
                    "Public key file '{root}/k.gpg' cannot be read: No such file or directory."),
    "key-armor-broken": ({"m.json": MANIFEST % "", "k.gpg": ARMORED_JUNK}, verify(),
                         "Public key file '{root}/k.gpg' is neither an armored nor a binary OpenPGP key."),
    "keys-missing": ({"m.json": MANIFEST % ""}, verify(keys=None), "missing required arguments: keys"),
    "signature-missing-and-a-place-that-is-no-url": (
        {"k.gpg": b"\x99", "m.json": MANIFEST % '{"name": "a.whl", "sha256": "00", "published": ["ftp://x/"]}'}, verify(),
        "The published release does not match its manifest '{root}/m.json' (2 mismatches): the manifest at {root}/m.json.asc: "
        "expected a detached signature, got no such file; a.whl at ftp://x/: expected an http(s) URL, or URL SUITE COMPONENT, "
        "got neither."),
}


@pytest.mark.parametrize("name", register("release_sign", SIGN_CASES))
def test_release_sign_refuses(tmp_path, capsys, name):
    files, args, message = SIGN_CASES[name]
    check(tmp_path, capsys, release_sign, files, args, message)


@pytest.mark.parametrize("name", register("release_verify", VERIFY_CASES))
def test_release_verify_refuses(tmp_path, capsys, monkeypatch, name):
    def no_request(*args, **kwargs):
        raise AssertionError("a request was sent: %r" % (args,))

    monkeypatch.setattr("urllib.request.OpenerDirector.open", no_request)
    files, args, message = VERIFY_CASES[name]
    check(tmp_path, capsys, release_verify, files, args, message)
