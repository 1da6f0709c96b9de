# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The manifest's signature: made with a real apt repository's key (reprepro, gpg), checked with gpgv."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _release_sign as rs
from test__apt_repo import config, make_deb, publish

pytestmark = pytest.mark.skipif(not shutil.which("reprepro") or not shutil.which("gpgv"), reason="needs reprepro and gpgv")

DATA = b'{"name": "hello", "version": "1.0"}\n'


@pytest.fixture()
def repo(tmp_path):
    root = tmp_path / "apt"
    publish(config(root), [make_deb(str(tmp_path))])
    return str(root)


def gpgv(root, tmp_path, data, signature):
    (tmp_path / "m.json").write_bytes(data)
    (tmp_path / "m.json.asc").write_text(signature)
    keyring = os.path.join(root, "current", "public", "archive-keyring.gpg")
    return subprocess.run(["gpgv", "--keyring", keyring, str(tmp_path / "m.json.asc"), str(tmp_path / "m.json")],
                          capture_output=True, check=False).returncode


def test_sign_verify_keep_and_sign_other_bytes_again(repo, tmp_path):
    signature, fpr, changed = rs.sign(repo, DATA)
    assert changed and signature.startswith("-----BEGIN PGP SIGNATURE-----")
    assert gpgv(repo, tmp_path, DATA, signature) == 0
    assert gpgv(repo, tmp_path, DATA + b" ", signature) != 0
    assert rs.sign(repo, DATA, signature) == (signature, fpr, False)  # a re-run keeps it
    assert rs.sign(repo, DATA + b"x", signature, check_mode=True) == ("", fpr, True)
    other, fpr2, changed = rs.sign(repo, DATA + b"x", signature)
    assert fpr2 == fpr
    assert changed and other != signature and gpgv(repo, tmp_path, DATA + b"x", other) == 0
    assert not [n for n in os.listdir(repo) if n.startswith(".work-")]


def test_a_signature_by_another_key_is_replaced(repo, tmp_path):
    other = tmp_path / "other"
    publish(config(other), [make_deb(str(tmp_path), name="other")])
    foreign = rs.sign(str(other), DATA)[0]
    mine, dummy, changed = rs.sign(repo, DATA, foreign)
    assert dummy
    assert changed and mine != foreign and gpgv(repo, tmp_path, DATA, mine) == 0
    assert gpgv(repo, tmp_path, DATA, foreign) != 0


def test_a_repository_without_key_or_tree_is_named(tmp_path):
    with pytest.raises(rs.SignError, match="The repository '%s' does not exist: publish into it first" % (tmp_path / "none")):
        rs.sign(str(tmp_path / "none"), DATA)
    (tmp_path / "empty").mkdir()
    with pytest.raises(rs.SignError, match="serves no public key 'archive-keyring.gpg': publish into it first"):
        rs.sign(str(tmp_path / "empty"), DATA)
