# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rotation of a repository's signing key with an overlap (repo_publish signing_keys), with the real gpg, gpgv,
reprepro, createrepo_c, rpmsign, rpmkeys, apt-get and dnf.

Step one adds the new key (old, new): every listed key signs, so a client holding either public key verifies;
step two retires the old key (new): a client holding only the old key no longer verifies. A jump to a set that
shares no key with the served signers is refused with nothing changed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _release_sign as rs
from ansible_collections.pkgops.release.plugins.module_utils import _release_verify as rv
from ansible_collections.pkgops.release.plugins.module_utils import _repo_base as base
from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish as rp
from ansible_collections.pkgops.release.plugins.module_utils import _yum_repo as yum

from test__repo_base import artifact, clients_read, gpg_in, params, served

pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("gpg", "gpgv", "reprepro", "rpmbuild", "createrepo_c",
                                                                  "rpmsign", "rpmkeys")),
                                reason="needs gpg, gpgv, reprepro, rpmbuild, createrepo_c and rpm (scripts/setup.sh)")

OLD = "Repository 2026 <repository-2026@example.com>"
NEW = "Repository 2027 <repository-2027@example.com>"
THIRD = "Repository 2028 <repository-2028@example.com>"


def run(root, kind, keys, files=(), check_mode=False, **kw):
    return rp.run(params(type=kind, path=root, files=list(files), signing_keys=keys, **kw), check_mode)


def key_of(root, fpr, dest):
    """A binary keyring holding only the public key ``fpr`` of the repository's home."""
    with open(dest, "wb") as handle:
        handle.write(gpg_in(os.path.join(root, "gnupg"), "--export", fpr).stdout)
    return dest


def good_by(keyring, files, cwd):
    """The fingerprints of the good signatures gpgv finds with ``keyring`` alone (a signature by a key it lacks is
    no good signature, and no failure either: apt takes a file one of whose signatures is good)."""
    proc = subprocess.run(["gpgv", "--status-fd", "1", "--keyring", keyring] + files, cwd=cwd, capture_output=True,
                          text=True, check=False)
    return {line.split()[2] for line in proc.stdout.splitlines() if line.startswith("[GNUPG:] VALIDSIG ")}


def served_fingerprints(keyfile):
    """The primary keys' fingerprints in a served public key file (one armored block, or binary)."""
    out = subprocess.run(["gpg", "--batch", "--with-colons", "--show-keys", keyfile], capture_output=True, text=True,
                         check=True).stdout
    lines = out.splitlines()
    return [lines[i + 1].split(":")[9] for i, line in enumerate(lines) if line.startswith("pub:")]


def rpm_checks(root, fpr, work):
    """rpmkeys --checksig at signature level of every served RPM with only the key ``fpr`` imported: all pass?"""
    db = os.path.join(work, "db-%s" % fpr)
    shutil.rmtree(db, ignore_errors=True)
    asc = os.path.join(work, fpr + ".asc")
    with open(asc, "wb") as handle:
        handle.write(gpg_in(os.path.join(root, "gnupg"), "--armor", "--export", fpr).stdout)
    subprocess.run(["rpmkeys", "--dbpath", db, "--import", asc], check=True, capture_output=True)
    held = yum.state(base.current(root))
    paths = [os.path.join(root, "packages", yum.location(held, name)) for name in held["files"]]
    return subprocess.run(["rpmkeys", "--dbpath", db, "--define", "_pkgverify_level signature", "--checksig"] + paths,
                          capture_output=True, check=False).returncode == 0


def tree_state(root):
    """Every entry under ``root``: its link target, or its mode and the sha256 of its bytes."""
    found = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                found[path] = os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    found[path] = (oct(os.lstat(path).st_mode), hashlib.sha256(handle.read()).hexdigest())
            else:
                found[path] = oct(os.lstat(path).st_mode)
    return found


def everything(root):
    """The repository's files and its keys: what a refused or check-mode change must leave as it was."""
    return tree_state(root), base.secret_keys(root)


@pytest.mark.parametrize("kind", ["apt", "yum"])
def test_add_the_new_key_then_retire_the_old_one(tmp_path, kind):
    root = str(tmp_path / "repo")
    pkg = artifact(tmp_path, kind)
    first = run(root, kind, [OLD], [pkg])
    old = first["fingerprint"]
    assert first["changed"] and first["signing_keys"] == [old]
    keyfile, signed, where = served(root, kind)

    before = everything(root)
    planned = run(root, kind, [OLD, NEW], [pkg], check_mode=True)
    assert planned["changed"] and planned["signing_keys"] == [old, ""]
    assert everything(root) == before, "check mode writes nothing (and generates no key)"

    added = run(root, kind, [OLD, NEW], [pkg])
    new = added["fingerprint"]
    assert added["changed"] and added["signing_keys"] == [old, new] and new != old
    assert sorted(served_fingerprints(keyfile)) == sorted([old, new]) and added["public_key"] == open(
        keyfile if kind == "yum" else keyfile[:-4] + ".asc", encoding="utf-8").read()
    only_old, only_new = key_of(root, old, str(tmp_path / "old.gpg")), key_of(root, new, str(tmp_path / "new.gpg"))
    assert good_by(only_old, signed, where) == {old} and good_by(only_new, signed, where) == {new}
    if kind == "apt":
        assert good_by(only_old, ["Release.gpg", "Release"], where) == {old}
        assert good_by(only_new, ["Release.gpg", "Release"], where) == {new}
    else:
        assert open(os.path.join(where, "repomd.xml.asc"), encoding="utf-8").read().count("BEGIN PGP SIGNATURE") == 1
        assert added["rpm_signer"] == new and added["resigned"] == ["hello-1.0-1.noarch.rpm"]
        assert sorted(os.listdir(os.path.join(root, "packages"))) == [new]
        assert rpm_checks(root, new, str(tmp_path)) and not rpm_checks(root, old, str(tmp_path))
    clients_read(root, kind, tmp_path)
    again = run(root, kind, [OLD, NEW], [pkg])
    assert not again["changed"] and again["signing_keys"] == [old, new]
    assert again.get("resigned", []) == []

    retired = run(root, kind, [new], [pkg])
    assert retired["changed"] and retired["signing_keys"] == [new] and served_fingerprints(keyfile) == [new]
    assert good_by(only_old, signed, where) == set() and good_by(only_new, signed, where) == {new}
    assert [k[0] for k in base.secret_keys(root)] == [old, new], "the retired key stays in the home"
    if kind == "yum":
        assert retired["resigned"] == [] and rpm_checks(root, new, str(tmp_path))
    clients_read(root, kind, tmp_path)
    assert not run(root, kind, [NEW], [pkg])["changed"]


@pytest.mark.parametrize("kind", ["apt", "yum"])
def test_a_jump_to_keys_sharing_none_with_the_served_ones_is_refused(tmp_path, kind):
    root = str(tmp_path / "repo")
    pkg = artifact(tmp_path, kind)
    old = run(root, kind, [OLD], [pkg])["fingerprint"]
    before = everything(root)
    for keys, named in (([THIRD], THIRD), ([NEW, THIRD], NEW + ", " + THIRD)):
        with pytest.raises(base.RepoError) as caught:
            run(root, kind, keys, [pkg])
        assert str(caught.value) == (
            "The repository '%s' is signed by %s; refusing to sign it with %s only, which shares none of them: clients "
            "that trust the served keys would refuse it. Add the new key first (signing_keys: the served key, then the "
            "new one; publish, and give the clients the new public key), then retire the old one." % (root, old, named))
        assert everything(root) == before
    with pytest.raises(base.RepoError, match="^The repository '%s' is signed by %s; refusing" % (root, old)):
        run(root, kind, [THIRD], [pkg], check_mode=True)


def test_a_user_id_two_keys_carry_and_other_bad_entries_are_refused(tmp_path):
    root = str(tmp_path / "repo")
    home = os.path.join(root, "gnupg")
    os.makedirs(home, mode=0o700)
    for _twice in range(2):
        gpg_in(home, "--yes", "--quick-gen-key", OLD, "ed25519", "sign", "2y")
    fprs = [k[0] for k in base.secret_keys(root)]
    with pytest.raises(base.RepoError) as caught:
        run(root, "apt", [OLD])
    assert str(caught.value) == ("User ID '%s' (signing_keys) belongs to 2 keys in '%s' (%s, %s): give the fingerprint "
                                 "of the one to sign with." % (OLD, home, fprs[0], fprs[1]))
    with pytest.raises(base.RepoError) as caught:
        run(root, "yum", [fprs[0], fprs[0][-16:]])
    assert str(caught.value) == "signing_keys names key %s twice: list each key once." % fprs[0]
    rsa = os.path.join(str(tmp_path), "weak")
    os.makedirs(os.path.join(rsa, "gnupg"), mode=0o700)
    gpg_in(os.path.join(rsa, "gnupg"), "--quick-gen-key", NEW, "rsa2048", "sign", "2y")
    weak = base.secret_keys(rsa)[0][0]
    with pytest.raises(base.RepoError, match=r"^Key %s in '.*' is too weak for a repository \(algorithm 1, 2048 bits\)"
                       % weak):
        run(rsa, "yum", [NEW])
    # a fingerprint among the entries works as well as a user ID, and the last one signs the RPMs
    done = run(root, "yum", [fprs[1], fprs[0]], [artifact(tmp_path, "yum")])
    assert done["signing_keys"] == fprs[::-1] and done["rpm_signer"] == fprs[0] and done["resigned"] == []


def test_sign_release_writes_one_signature_per_key_beside_the_release(tmp_path):
    root = str(tmp_path / "repo")
    home = os.path.join(root, "gnupg")
    os.makedirs(home, mode=0o700)
    for uid in (OLD, NEW):
        gpg_in(home, "--quick-gen-key", uid, "ed25519", "sign", "2y")
    fprs = [k[0] for k in base.secret_keys(root)]
    dists = tmp_path / "dists" / "extra"
    dists.mkdir(parents=True)
    (dists / "Release").write_text("Origin: test\nSuite: extra\n")
    (dists / "InRelease").write_text("old\n")
    os.link(dists / "InRelease", tmp_path / "served-InRelease")  # a served generation's hard link
    base.sign_release(root, fprs, str(dists / "Release"))
    assert (tmp_path / "served-InRelease").read_text() == "old\n", "never written through a hard link"
    assert sorted(os.listdir(dists)) == ["InRelease", "Release", "Release.gpg"]
    for fpr in fprs:
        keyring = key_of(root, fpr, str(tmp_path / (fpr + ".gpg")))
        assert good_by(keyring, ["InRelease"], str(dists)) == {fpr}
        assert good_by(keyring, ["Release.gpg", "Release"], str(dists)) == {fpr}
    assert (dists / "InRelease").read_text().count("BEGIN PGP SIGNATURE") == 1
    assert (dists / "Release.gpg").read_text().count("BEGIN PGP SIGNATURE") == 1
    both = str(tmp_path / "both.gpg")
    with open(both, "wb") as handle:
        handle.write(gpg_in(home, "--export", *fprs).stdout)
    base.verify_signature(both, ["InRelease"], fprs, str(dists), "of InRelease")
    with pytest.raises(base.RepoError, match="^No key to sign '.*Release' with"):
        base.sign_release(root, [], str(dists / "Release"))


def test_the_manifest_is_signed_by_every_key_that_signs_the_repository(tmp_path):
    root = str(tmp_path / "repo")
    pkg = artifact(tmp_path, "apt")
    old = run(root, "apt", [OLD], [pkg])["fingerprint"]
    first, fpr, changed = rs.sign(root, b"manifest\n")
    assert changed and fpr == old
    new = run(root, "apt", [OLD, NEW], [pkg])["fingerprint"]
    both, fpr, changed = rs.sign(root, b"manifest\n", first)
    assert changed and fpr == new and both != first, "a signature by the old key only is made again"
    assert rs.sign(root, b"manifest\n", both) == (both, new, False)
    (tmp_path / "m.json").write_bytes(b"manifest\n")
    (tmp_path / "m.json.asc").write_text(both)
    keyring = os.path.join(root, "current", "public", "archive-keyring.gpg")
    assert good_by(keyring, ["m.json.asc", "m.json"], str(tmp_path)) == {old, new}
    for fpr in (old, new):
        alone = key_of(root, fpr, str(tmp_path / ("only-%s.gpg" % fpr)))
        assert good_by(alone, ["m.json.asc", "m.json"], str(tmp_path)) == {fpr}
    # release_verify takes the multi-key file: a good signature, by the one it is asked for
    assert rv.gpgv(keyring, str(tmp_path / "m.json.asc"), str(tmp_path / "m.json")) == ""
    assert rv.gpgv(keyring, str(tmp_path / "m.json.asc"), str(tmp_path / "m.json"), old) == ""
    assert rv.gpgv(keyring, str(tmp_path / "m.json.asc"), str(tmp_path / "m.json"), new) == ""
    run(root, "apt", [NEW], [pkg])
    retired, fpr, changed = rs.sign(root, b"manifest\n", both)
    # the overlap's signature has a good one by the new key: kept (the old key's part is passed over, as apt does)
    assert (retired, fpr, changed) == (both, new, False)
    keyring = os.path.join(root, "current", "public", "archive-keyring.gpg")  # the new key only, now
    assert served_fingerprints(keyring) == [new]
    (tmp_path / "m.json.asc").write_text(retired)
    assert good_by(keyring, ["m.json.asc", "m.json"], str(tmp_path)) == {new}
    assert rv.gpgv(keyring, str(tmp_path / "m.json.asc"), str(tmp_path / "m.json"), new) == ""


def test_a_promotion_takes_an_rpm_signed_by_any_listed_key_and_signs_it_with_the_rpm_signer(tmp_path):
    from test__yum_repo import make_rpm

    testing, stable = str(tmp_path / "testing"), str(tmp_path / "stable")
    folder = str(tmp_path / "rpms")
    hello1, hello2, other = (make_rpm(folder, "hello", "1.0"), make_rpm(folder, "hello", "2.0"),
                             make_rpm(folder, "other", "0.1"))
    old = run(testing, "yum", [OLD], [hello1, hello2])["fingerprint"]
    os.makedirs(stable)
    shutil.copytree(os.path.join(testing, "gnupg"), os.path.join(stable, "gnupg"))  # the old key in both homes
    new = run(stable, "yum", [OLD, NEW], [other])["rpm_signer"]
    name = "hello-2.0-1.noarch.rpm"
    planned = run(stable, "yum", [OLD, NEW], promote_from=testing, name="hello", version="2.0", check_mode=True)
    assert planned["changed"] and planned["resigned"] == [name] and planned["promoted"] == [name]
    done = run(stable, "yum", [OLD, NEW], promote_from=testing, name="hello", version="2.0")
    assert done["promoted"] == [name] and done["resigned"] == [name] and done["rpm_signer"] == new
    held = yum.state(base.current(stable))
    digests = []
    for path in (os.path.join(testing, "packages", name), os.path.join(stable, "packages", yum.location(held, name))):
        with open(path, "rb") as handle:
            digests.append(hashlib.sha256(handle.read()).hexdigest())
    # signed again: the promotion records the bytes the stable repository serves, not the source's
    assert done["promotions"][0]["sha256"] == digests[1] != digests[0]
    assert rpm_checks(stable, new, str(tmp_path)) and not rpm_checks(stable, old, str(tmp_path))
    again = run(stable, "yum", [OLD, NEW], promote_from=testing, name="hello", version="2.0")
    assert not again["changed"] and again["resigned"] == [] and again["unchanged"] == [name]
    assert again["promotions"] == done["promotions"]
    run(stable, "yum", [NEW])
    with pytest.raises(base.RepoError) as caught:
        run(stable, "yum", [NEW], promote_from=testing, name="hello", version="1.0")
    assert str(caught.value) == (
        "hello 1.0 in the yum repository '%s' is signed with key %s, and '%s' signs with %s: a promotion copies the "
        "same bytes, which dnf checks against this repository's keys. Make that key one of its signing keys (its GnuPG "
        "home, '%s'), or publish the package with files (signed again)." % (testing, old, stable, new,
                                                                            os.path.join(testing, "gnupg")))
    # a source that rotated serves its RPMs at their new paths, and a promotion reads them there
    secret = gpg_in(os.path.join(stable, "gnupg"), "--export-secret-keys", new).stdout
    subprocess.run(["gpg", "--homedir", os.path.join(testing, "gnupg"), "--batch", "--import"], input=secret, check=True,
                   capture_output=True)
    run(testing, "yum", [OLD, new])
    assert yum.state(base.current(testing))["locations"] == {n: "%s/%s" % (new, n) for n in ("hello-1.0-1.noarch.rpm",
                                                                                             name)}
    done = run(stable, "yum", [NEW], promote_from=testing, name="hello", version="1.0")
    assert done["promoted"] == ["hello-1.0-1.noarch.rpm"] and done["resigned"] == []
    assert rpm_checks(stable, new, str(tmp_path))
    clients_read_any(stable, tmp_path)


def clients_read_any(root, tmp_path):
    from test__yum_repo import dnf_makecache

    proc = dnf_makecache(root, str(tmp_path / "dnf-any"))
    assert proc.returncode == 0 and "hello-1.0" in proc.stdout, proc.stderr


@pytest.mark.parametrize("kind", ["apt", "yum"])
def test_each_listed_key_is_renewed(tmp_path, kind):
    root = str(tmp_path / "repo")
    pkg = artifact(tmp_path, kind)
    run(root, kind, [OLD, NEW], [pkg], key_expiry="100d", key_renew_days=0)
    fprs = [k[0] for k in base.secret_keys(root)]
    before = {f: base.key_expires(root, f) for f in fprs}
    renewed = run(root, kind, [OLD, NEW], [pkg], key_expiry="2y", renew_key=True)
    assert renewed["changed"] and renewed["key_renewed"]
    after = {f: base.key_expires(root, f) for f in fprs}
    assert all(after[f] > before[f] + 300 * 86400 for f in fprs), (before, after)
    keyfile, signed, where = served(root, kind)
    for fpr in fprs:
        assert good_by(key_of(root, fpr, str(tmp_path / (fpr + ".gpg"))), signed, where) == {fpr}
    assert not run(root, kind, [OLD, NEW], [pkg], key_expiry="2y")["changed"]
