# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Renewal of a repository's signing key, with the real gpg, gpgv, reprepro, createrepo_c, apt-get and dnf.

A renewal keeps the fingerprint and moves the expiry; what clients hold decides whether they keep
working: ``gpg --faked-system-time`` past the old expiry shows that the public key exported before
the renewal no longer verifies what the repository signs, and the one exported again does.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _repo_base as base
from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish as rp
from ansible_collections.pkgops.release.plugins.modules import repo_publish

pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("gpg", "gpgv", "reprepro", "rpmbuild", "createrepo_c")),
                                reason="needs gpg, gpgv, reprepro, rpmbuild and createrepo_c (scripts/setup.sh)")

DAY = 86400


def params(**kw):
    out = {name: spec.get("default") for name, spec in repo_publish.ARGUMENT_SPEC.items()}
    out.update(kw)
    return out


def gpg_in(home, *args):
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
                          + list(args), check=True, capture_output=True)


def expired_repository(tmp_path):
    """(root, GnuPG home, fingerprint) of a repository whose one signing key expired on 2020-01-02."""
    root = str(tmp_path / "repo")
    home = os.path.join(root, "gnupg")
    os.makedirs(home, mode=0o700)
    gpg_in(home, "--faked-system-time", "20200101T000000", "--quick-gen-key", "old <old@example.com>", "ed25519",
           "sign", "1d")
    return root, home, base.secret_keys(root)[0][0]


def listing(root, home=None):
    """{fingerprint: expiry or None} of the primary key and subkeys, as gpg lists them."""
    out = gpg_in(home or os.path.join(root, "gnupg"), "--with-colons", "--list-keys").stdout.decode()
    found, pending = {}, None
    for fields in (line.split(":") for line in out.splitlines()):
        if fields[0] in ("pub", "sub"):
            pending = int(fields[6]) if fields[6] else None
        elif fields[0] == "fpr":
            found[fields[9]] = pending
    return found


def artifact(tmp_path, kind, name="hello"):
    if kind == "apt":
        from test__apt_repo import make_deb

        return make_deb(str(tmp_path), name)
    from test__yum_repo import make_rpm

    return make_rpm(str(tmp_path), name, "1.0")


def served(root, kind):
    """(the served public key as a binary keyring file, the signed file(s) to verify, their directory)."""
    if kind == "apt":
        return (os.path.join(root, "current/public/archive-keyring.gpg"), ["InRelease"],
                os.path.join(root, "current/public/dists/bookworm"))
    return os.path.join(root, "current/RPM-GPG-KEY-pkgops"), ["repomd.xml.asc", "repomd.xml"], os.path.join(
        root, "current/repodata")


def keep_copy(path, dest):
    shutil.copyfile(os.path.realpath(path), dest)
    return dest


def status_at(keyfile, files, cwd, when, work):
    """gpg --verify's status lines for ``files`` with only ``keyfile`` known, at the time ``when``."""
    home = os.path.join(work, "verify-%d" % len(os.listdir(work)))
    os.makedirs(home, mode=0o700)
    gpg_in(home, "--import", keyfile)
    proc = subprocess.run(["gpg", "--homedir", home, "--batch", "--status-fd", "1", "--faked-system-time", str(int(when)),
                           "--verify"] + files, cwd=cwd, capture_output=True, text=True, check=False)
    return proc.stdout


def gpgv_good(keyfile, files, cwd, fpr, tmp_path):
    keyring = str(tmp_path / ("kr-%d.gpg" % time.time_ns()))
    subprocess.run(["gpg", "--batch", "--yes", "--dearmor", "--output", keyring, keyfile], check=True, capture_output=True)
    base.verify_signature(keyring, files, fpr, cwd, "after the renewal")  # gpgv: VALIDSIG and GOODSIG, as apt wants


def clients_read(root, kind, tmp_path):
    """apt-get update or dnf with repo_gpgcheck against the served tree and its served key."""
    if kind == "apt":
        from test__apt_repo import apt_update

        assert "InRelease" in apt_update(root, workdir=str(tmp_path / "apt-client"))
    else:
        from test__yum_repo import dnf_makecache

        proc = dnf_makecache(root, str(tmp_path / "dnf-client"))
        assert proc.returncode == 0 and "hello-1.0" in proc.stdout, proc.stderr


# --- gpg's own counting -------------------------------------------------------------------------------

@pytest.mark.parametrize("expiry", ["10", "3w", "2m", "1y", "2031-03-04"])
def test_expiry_after_counts_as_gpg_does(tmp_path, expiry):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    before = time.time()
    gpg_in(home, "--quick-gen-key", "t <t@example.com>", "ed25519", "sign", expiry)
    after = time.time()
    expiries = list(listing(str(tmp_path), home=str(home)).values())
    assert len(expiries) == 1
    got = expiries[0]
    assert base.expiry_after(expiry, before) - 2 <= got <= base.expiry_after(expiry, after) + 2, (expiry, got)
    assert base.expiry_after("never", before) is None


# --- renewal --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["apt", "yum"])
def test_a_renewal_keeps_the_fingerprint_and_the_served_key_follows(tmp_path, kind):
    root = str(tmp_path / "repo")
    pkg = artifact(tmp_path, kind)
    first = rp.run(params(type=kind, path=root, files=[pkg], key_expiry="1d", key_renew_days=0))
    fpr, old_expiry = first["fingerprint"], listing(root)[first["fingerprint"]]
    assert first["key_renewed"] is False and 0 < old_expiry - time.time() <= DAY + 5
    keyfile, signed, where = served(root, kind)
    old_key = keep_copy(keyfile, str(tmp_path / "old-key"))

    tree = sorted(os.path.join(d, f) for d, _s, fs in os.walk(os.path.join(root, "generations")) for f in fs)
    check = rp.run(params(type=kind, path=root), check_mode=True)  # the defaults: renewed within 90 days, for 2 years
    assert check["changed"] and check["key_renewed"] and check["fingerprint"] == fpr
    assert check["key_expires"] == time.strftime("%Y-%m-%d", time.gmtime(time.time() + 730 * DAY)), check
    assert "warnings" not in check, check
    assert listing(root)[fpr] == old_expiry, "check mode renewed nothing"
    assert sorted(os.path.join(d, f) for d, _s, fs in os.walk(os.path.join(root, "generations")) for f in fs) == tree

    started = time.monotonic()
    renewed = rp.run(params(type=kind, path=root))
    print("%s: a run that renews the key took %.2f s" % (kind, time.monotonic() - started))
    assert renewed["changed"] and renewed["key_renewed"] and renewed["fingerprint"] == fpr
    assert renewed["key_expires"] == check["key_expires"] and "warnings" not in renewed
    assert [k[0] for k in base.secret_keys(root)] == [fpr], "the same one key"
    new_expiry = listing(root)[fpr]
    assert new_expiry > old_expiry + 700 * DAY
    with open(old_key, "rb") as old, open(os.path.realpath(keyfile), "rb") as new:
        assert old.read() != new.read(), "the served key was exported again"
    assert renewed["public_key"] == gpg_in(os.path.join(root, "gnupg"), "--armor", "--export", fpr).stdout.decode()
    if kind == "apt":  # the binary keyring and the armored key are the same key
        with open(os.path.join(root, "current/public/archive-keyring.asc"), encoding="utf-8") as handle:
            assert handle.read() == renewed["public_key"]
    gpgv_good(keyfile, signed, where, fpr, tmp_path)
    clients_read(root, kind, tmp_path)

    # past the old expiry, only the key exported again verifies what is signed now: clients need it
    later = old_expiry + DAY
    stale = status_at(old_key, signed, where, later, str(tmp_path))
    assert "[GNUPG:] EXPKEYSIG" in stale and "[GNUPG:] GOODSIG" not in stale, stale
    fresh = status_at(keyfile, signed, where, later, str(tmp_path))
    assert "[GNUPG:] GOODSIG" in fresh and "EXPKEYSIG" not in fresh, fresh

    again = rp.run(params(type=kind, path=root))
    assert not again["changed"] and again["key_renewed"] is False and listing(root)[fpr] == new_expiry
    asked = rp.run(params(type=kind, path=root, renew_key=True))  # would move the expiry by seconds: nothing
    assert not asked["changed"] and asked["key_renewed"] is False and listing(root)[fpr] == new_expiry
    longer = rp.run(params(type=kind, path=root, renew_key=True, key_expiry="3y"))
    assert longer["changed"] and longer["key_renewed"] and listing(root)[fpr] > new_expiry + 300 * DAY
    assert not rp.run(params(type=kind, path=root, key_expiry="3y"))["changed"]


@pytest.mark.parametrize("kind", ["apt", "yum"])
def test_an_expired_key_is_renewed_with_a_warning_and_signs_again(tmp_path, kind):
    root, home, fpr = expired_repository(tmp_path)
    expired_key = str(tmp_path / "expired.gpg")
    with open(expired_key, "wb") as handle:
        handle.write(gpg_in(home, "--export", fpr).stdout)
    pkg = artifact(tmp_path, kind)
    with pytest.raises(base.RepoError) as exc:
        rp.run(params(type=kind, path=root, files=[pkg], key_renew_days=0))
    assert str(exc.value) == (
        "The repository's signing key %s expired on 2020-01-02: gpg cannot sign with it. Renew it: renew_key true, "
        "or key_renew_days above 0 (the fingerprint stays; clients need its public key again)." % fpr)
    assert not os.path.exists(os.path.join(root, "current"))

    check = rp.run(params(type=kind, path=root, files=[pkg]), check_mode=True)
    assert check["key_renewed"] and check["warnings"][0].startswith(
        "The repository's signing key %s expired on 2020-01-02; this change renews it until %s (the fingerprint "
        "stays)." % (fpr, check["key_expires"]))
    result = rp.run(params(type=kind, path=root, files=[pkg]))
    assert result["key_renewed"] and result["fingerprint"] == fpr and len(result["added"]) == 1
    assert result["key_expires"] == check["key_expires"]
    assert result["warnings"] == [
        "The repository's signing key %s expired on 2020-01-02; it was renewed until %s (the fingerprint stays). "
        "Clients that hold its old public key refuse what it signs until they get it again (role "
        "pkgops.release.repo_client, or the key file in the served tree)." % (fpr, result["key_expires"])]
    keyfile, signed, where = served(root, kind)
    gpgv_good(keyfile, signed, where, fpr, tmp_path)
    clients_read(root, kind, tmp_path)
    with pytest.raises(base.RepoError, match="^The signature old key does not verify with key %s" % fpr):
        base.verify_signature(expired_key, signed, fpr, where, "old key")  # gpgv exits 0 here: EXPKEYSIG
    assert not rp.run(params(type=kind, path=root, files=[pkg]))["changed"]


def test_a_signing_subkey_is_renewed_with_its_primary_key(tmp_path):
    root = str(tmp_path / "repo")
    home = os.path.join(root, "gnupg")
    os.makedirs(home, mode=0o700)
    gpg_in(home, "--quick-gen-key", "sub <sub@example.com>", "ed25519", "cert", "20d")
    fpr = base.secret_keys(root)[0][0]
    gpg_in(home, "--quick-add-key", fpr, "ed25519", "sign", "10d")
    gpg_in(home, "--quick-add-key", fpr, "cv25519", "encr", "10d")  # not a signing key: left as it is
    before = listing(root)
    sub, encr = [f for f in before if f != fpr]
    pkg = artifact(tmp_path, "yum")
    assert rp.run(params(type="yum", path=root, files=[pkg], key_renew_days=5))["key_renewed"] is False
    renewal = base.key_renewal(root, fpr, "1y", 30)
    assert (renewal.primary, renewal.subkeys, renewal.expired) == (True, (sub,), "")
    result = rp.run(params(type="yum", path=root, renew_key=True, key_expiry="1y"))
    assert result["key_renewed"] and result["fingerprint"] == fpr
    after = listing(root)
    assert after[fpr] > before[fpr] + 300 * DAY and after[sub] > before[sub] + 300 * DAY and after[encr] == before[encr]
    keyfile, signed, where = served(root, "yum")
    gpgv_good(keyfile, signed, where, fpr, tmp_path)  # made by the subkey, checked against the primary's fingerprint
    stale = status_at(keyfile, signed, where, before[sub] + DAY, str(tmp_path))
    assert "[GNUPG:] GOODSIG" in stale, "the subkey's new expiry is in the served key"


def test_a_key_renewed_by_hand_is_exported_again(tmp_path):
    root = str(tmp_path / "repo")
    pkg = artifact(tmp_path, "apt")
    fpr = rp.run(params(type="apt", path=root, files=[pkg]))["fingerprint"]
    gpg_in(os.path.join(root, "gnupg"), "--quick-set-expire", fpr, "3y")
    check = rp.run(params(type="apt", path=root), check_mode=True)
    assert check["changed"] and not check["key_renewed"]
    result = rp.run(params(type="apt", path=root))
    assert result["changed"] and not result["key_renewed"]
    assert result["public_key"] == gpg_in(os.path.join(root, "gnupg"), "--armor", "--export", fpr).stdout.decode()
    assert not rp.run(params(type="apt", path=root))["changed"]


def test_dnf_keeps_the_key_it_imported_until_its_repository_keyring_is_removed(tmp_path):
    """Why repo_client removes dnf's keyring of the repository when the key file changes."""
    from test__yum_repo import dnf_makecache

    root, home, fpr = expired_repository(tmp_path)
    expired = gpg_in(home, "--armor", "--export", fpr).stdout
    rp.run(params(type="yum", path=root, files=[artifact(tmp_path, "yum")]))  # renews it
    keyfile = os.path.join(root, "current", "RPM-GPG-KEY-pkgops")
    with open(keyfile, "rb") as handle:
        renewed = handle.read()
    work = str(tmp_path / "dnf")

    def makecache(key, fresh=False):
        with open(os.path.realpath(keyfile), "wb") as handle:
            handle.write(key)
        if fresh:
            for folder in os.listdir(os.path.join(work, "cache")):
                shutil.rmtree(os.path.join(work, "cache", folder, "pubring"), ignore_errors=True)
        proc = dnf_makecache(root, work) if not os.path.isdir(work) else subprocess.run(
            ["dnf", "-y", "--config", os.path.join(work, "dnf.conf"), "--releasever", "9", "repoquery", "--repo", "t",
             "--qf", "%{name}-%{version}"], capture_output=True, text=True, check=False)
        return proc.returncode

    assert makecache(expired) != 0, "the key as exported before the renewal has expired"
    assert makecache(renewed) != 0, "dnf keeps the copy it imported"
    assert makecache(renewed, fresh=True) == 0, "with its keyring of the repository removed it imports the new one"


def test_sign_release_signs_once_per_key_with_sha512(tmp_path):
    """InRelease and Release.gpg beside the Release, one SHA-512 signature per fingerprint, each good with gpgv."""
    root = str(tmp_path / "repo")
    home = os.path.join(root, "gnupg")
    os.makedirs(home, mode=0o700)
    base.ensure_gpg_conf(root)
    for uid in ("one <one@example.com>", "two <two@example.com>"):
        gpg_in(home, "--quick-gen-key", uid, "ed25519", "sign", "1y")
    fprs = [k[0] for k in base.secret_keys(root)]
    dists = tmp_path / "dists"
    dists.mkdir()
    (dists / "Release").write_text("Codename: bookworm-archive\n")
    (dists / "InRelease").write_text("stale\n")
    with pytest.raises(base.RepoError, match="No key to sign"):
        base.sign_release(root, [], str(dists / "Release"))
    base.sign_release(root, fprs, str(dists / "Release"))
    keyring = str(tmp_path / "keys.gpg")
    with open(keyring, "wb") as handle:
        handle.write(gpg_in(home, "--export", *fprs).stdout)
    for files in (["InRelease"], ["Release.gpg", "Release"]):
        proc = subprocess.run(["gpgv", "--status-fd", "1", "--keyring", keyring] + files, cwd=str(dists),
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        valid = [line.split()[2] for line in proc.stdout.splitlines() if line.startswith("[GNUPG:] VALIDSIG")]
        assert sorted(valid) == sorted(fprs)
        assert all(line.split()[9] == "10" for line in proc.stdout.splitlines() if line.startswith("[GNUPG:] VALIDSIG"))
    assert (dists / "InRelease").read_text().startswith("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n")
    assert (dists / "Release.gpg").read_text().startswith("-----BEGIN PGP SIGNATURE-----")
    assert sorted(os.listdir(dists)) == ["InRelease", "Release", "Release.gpg"]
