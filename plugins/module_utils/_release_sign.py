# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A detached armored OpenPGP signature of a release's manifest, made with a repository's signing key.

The repository (apt or yum, see ``_repo_base``) holds the key in its GnuPG home and serves its public key
(``current/public/NAME.gpg``, the binary keyring clients give gpgv or apt's Signed-By). The signature is
checked with gpgv against that served keyring before it is returned, so what is returned verifies with
``gpgv --keyring NAME.gpg MANIFEST.asc MANIFEST`` for anyone who has the published key.

The keys that sign are those that sign the repository's served state (its suites' ``SignWith``): while the
repository's signing key is rotated (several keys, ``repo_publish`` option ``signing_keys``) each of them
signs - one armored block with a signature per key - and gpgv with the served keyring (which holds them
all) finds a good signature by each. ``signing_key`` names one key instead.

A signature given back (the one made by an earlier run) that still verifies the same bytes with the served
key is kept as it is: an OpenPGP signature carries its creation time, so signing again would change the
file for nothing. Signing happens under the repository's lock (no publish renews or swaps the key
meanwhile), in a scratch directory inside the repository, and the gpg-agent it starts is stopped.
"""

from __future__ import annotations

import os

from ansible_collections.pkgops.release.plugins.module_utils import _apt_repo
from ansible_collections.pkgops.release.plugins.module_utils import _repo_base as _base


class SignError(_base.RepoError):
    """The manifest cannot be signed; the message names the repository and what to do."""


ERRORS = (_base.RepoError,)


def served_keyring(root, key_name):
    """The binary public keyring the repository serves."""
    gen = _base.current(root)
    keyring = os.path.join(gen, "public", key_name + ".gpg") if gen else None
    if not keyring or not os.path.isfile(keyring):
        raise SignError("The repository '%s' serves no public key '%s.gpg': publish into it first (repo_publish), "
                        "which makes and exports its signing key." % (root, key_name))
    return keyring


def signers(root, signing_key=""):
    """The fingerprints that sign: ``signing_key``'s, else those that sign the served state, else the home's only key;
    each must be a secret key of the repository's home."""
    if signing_key:
        return [_base.choose_key(root, signing_key, None)[0]]
    served = _apt_repo.served_signers(root)
    if not served:
        fpr, generate = _base.choose_key(root, "", None)
        if generate:
            raise SignError("The repository '%s' has no signing key in '%s': publish into it first (repo_publish)."
                            % (root, _base.gnupg_home(root)))
        return [fpr]
    held = {k[0] for k in _base.secret_keys(root)}
    missing = [f for f in served if f not in held]
    if missing:
        raise SignError("The repository '%s' is signed by %s, whose secret key is missing from '%s': put it back, or "
                        "publish with the keys the home holds (repo_publish signing_keys)."
                        % (root, missing[0], _base.gnupg_home(root)))
    return served


def _verifies(keyring, fpr, work, data, signature):
    if not signature:
        return False
    _write(os.path.join(work, "data.asc"), signature.encode("utf-8"))
    try:
        _base.verify_signature(keyring, ["data.asc", "data"], fpr, work, "of the manifest")
    except _base.RepoError:
        return False
    return True


def _write(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


def sign(root, data, signature="", key_name="archive-keyring", signing_key="", check_mode=False):
    """(signature text, fingerprint, changed): ``signature`` when it verifies ``data`` (bytes) with the served
    key - a good signature by each key that signs - else a new one (none in check mode: ""); the fingerprint is the
    last signing key's."""
    if os.path.lexists(root) and not os.path.isdir(root):
        raise SignError("The repository '%s' is a file, not a repository's directory: give the directory "
                        "repo_publish publishes into." % root)
    if not os.path.isdir(root):
        raise SignError("The repository '%s' does not exist: publish into it first (repo_publish)." % root)
    served_keyring(root, key_name)  # refused before the lock, which would leave ROOT/.lock behind
    with _base.locked(root):
        keyring = served_keyring(root, key_name)
        fprs = signers(root, signing_key)
        fpr = fprs[-1]
        with _base.work_dir(root) as work:
            _write(os.path.join(work, "data"), data)
            if _verifies(keyring, fprs, work, data, signature):
                return signature, fpr, False
            if check_mode:
                return "", fpr, True
            users = [arg for one in fprs for arg in ("--local-user", one)]
            try:
                _base.gpg(root, "--armor", "--detach-sign", *users, "--output",
                          os.path.join(work, "new.asc"), os.path.join(work, "data"),
                          what="Signing the manifest with the key of '%s'" % root)
            finally:
                _base.stop_agent(root)
            with open(os.path.join(work, "new.asc"), encoding="utf-8") as handle:
                made = handle.read()
            _base.verify_signature(keyring, ["new.asc", "data"], fprs, work, "just made of the manifest")
    return made, fpr, True
