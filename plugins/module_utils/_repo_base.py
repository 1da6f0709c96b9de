# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the apt and the yum repository share: the signing key and the switched generations.

Keys: each repository has its own GnuPG home (ROOT/gnupg, never served) holding its signing
key, generated when absent (Ed25519 or RSA >= 3072; SHA-512 signatures, never SHA-1). A key
that is not the repository's - not in its home, or not the one the served state is signed
with - is refused. A rotation signs with several keys (``signing_keys``, ``plan_keys``): each
listed key signs, the served public key holds exactly those, and a set that shares no key with
the served signers is refused (``check_overlap``): add the new key first, then retire the old
one. ``sign_release`` signs an apt Release file with several keys. A key that expires within the renewal window (or has expired, or when asked)
is renewed under the lock before the change signs: its expiry (and its signing subkeys') moves
to now + the key's lifetime, the fingerprint stays, and the change exports the public key again
into the served state, so clients that fetch it again keep verifying after the old expiry.

Generations: the served state is ROOT/current, a symbolic link to ROOT/generations/ID. A
change builds a new generation beside it, verifies it, and publishes it with one rename of
the link; a change killed at any moment leaves the old generation served, and the next change
removes what the killed one left. Package files live in a shared directory (they never change
once published); files a new generation no longer references are listed in ROOT/.gc before the
switch and deleted after it.

Lock: every change of a repository (apt, yum and the static PyPI index alike) reads the served
state, plans and applies under ROOT/.lock (``change``), one exclusive flock that goes with its
process. ``apply`` also refuses a plan made from another served state than the one under the
lock (``ensure_planned_from``), so a plan made outside it can fail but never drop a package.
"""

from __future__ import annotations

import calendar
import contextlib
import dataclasses
import fcntl
import json
import os
import re
import tempfile
import time
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _cmd

KEY_TYPES = {"ed25519": ("ed25519", 22, 255), "rsa3072": ("rsa3072", 1, 3072), "rsa4096": ("rsa4096", 1, 4096)}
KEY_EXPIRY = "2y"  # a generated key's lifetime (gpg's expiry: Ny, Nm, Nw, Nd, a date, or never)
KEY_EXPIRY_FORMAT = r"^(never|[1-9][0-9]*[ymwd]?|[0-9]{4}-[0-9]{2}-[0-9]{2})$"
WARN_DAYS = 90  # a key expiring sooner is reported with a warning
RENEW_DAYS = WARN_DAYS  # a key expiring sooner is renewed before a change signs (0: never by itself)
DAY = 86400
GPG_CONF = ("# Written by pkgops.release: signatures use SHA-512, never SHA-1.\n"
            "personal-digest-preferences SHA512 SHA384 SHA256\n"
            "digest-algo SHA512\ncert-digest-algo SHA512\nweak-digest SHA1\n")


class RepoError(ValueError):
    """Bad input or a refused change; the message names the file or the repository."""


class RepoCommandError(_cmd.CommandError, RepoError):
    """A command of a change failed: a RepoError carrying the command's cmd, rc, stdout and stderr."""


# --- keys -------------------------------------------------------------------------------------

def gnupg_home(root):
    return os.path.join(root, "gnupg")


def gpg(root, *args, what="gpg", text=True):
    """gpg in the repository's home; its output."""
    return _cmd.run(["gpg", "--batch", "--no-tty", "--with-colons"] + list(args), env={"GNUPGHOME": gnupg_home(root)},
                    text=text, what=what, error=RepoCommandError).stdout


def secret_keys(root):
    """[(fingerprint, algorithm number, bits)] of the home's secret primary keys."""
    return [k[:3] for k in secret_listing(root)]


def _unescape(text):
    """A field of gpg's colon listing with its C-style escapes (a ':' is given as \\x3a) undone."""
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def secret_listing(root):
    """[(fingerprint, algorithm number, bits, [user IDs])] of the home's secret primary keys."""
    if not os.path.isdir(gnupg_home(root)):
        return []
    keys, pending = [], None
    for line in gpg(root, "--list-secret-keys", what="Listing the repository's keys").splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            pending = (int(fields[3] or 0), int(fields[2] or 0))
        elif fields[0] == "fpr" and pending:
            keys.append((fields[9], pending[0], pending[1], []))
            pending = None
        elif fields[0] == "uid" and keys and fields[1] != "r":
            keys[-1][3].append(_unescape(fields[9]))
    return keys


def check_strength(fpr, algo, bits, home):
    if algo == 22 or (algo == 1 and bits >= 3072):
        return
    raise RepoError("Key %s in '%s' is too weak for a repository (algorithm %d, %d bits): use Ed25519 or "
                    "RSA of at least 3072 bits." % (fpr, home, algo, bits))


def choose_key(root, signing_key, current_signer):
    """(fingerprint or "", generate?) - the key that signs, after the refusals."""
    home = gnupg_home(root)
    keys = secret_keys(root)
    wanted = (signing_key or "").replace(" ", "").upper()
    if wanted:
        match = [k for k in keys if k[0].endswith(wanted)]
        if not match:
            raise RepoError("Signing key %s is not a secret key of the repository's GnuPG home '%s'; "
                            "a key that is not the repository's is refused." % (wanted, home))
        fpr = match[0]
    elif not keys:
        if current_signer:
            raise RepoError("The repository '%s' is signed by %s, whose secret key is missing from '%s'."
                            % (root, current_signer, home))
        return "", True
    elif len(keys) > 1:
        raise RepoError("The GnuPG home '%s' holds %d secret keys; name the one to sign with (signing_key)."
                        % (home, len(keys)))
    else:
        fpr = keys[0]
    check_strength(fpr[0], fpr[1], fpr[2], home)
    if current_signer and current_signer != fpr[0]:
        raise RepoError("The repository '%s' is signed by %s; refusing to sign it with %s."
                        % (root, current_signer, fpr[0]))
    return fpr[0], False


HEX_KEY = re.compile(r"^(0X)?[0-9A-F]{16,40}$")  # a fingerprint, or a long key ID (its last 16 hex digits and more)
USER_ID = re.compile(r"^[^<>]*<[^<>@\s]+@[^<>\s]+>$")  # Name <email>


def _named_key(root, entry, listing):
    """(fingerprint or "", user ID to generate or "") of one ``signing_keys`` entry."""
    home = gnupg_home(root)
    text = (entry or "").strip()
    wanted = text.replace(" ", "").upper()
    if HEX_KEY.match(wanted):
        wanted = wanted[2:] if wanted.startswith("0X") else wanted
        match = [k for k in listing if k[0].endswith(wanted)]
        if not match:
            raise RepoError("Signing key %s (signing_keys) is not a secret key of the repository's GnuPG home '%s'; a "
                            "key that is not the repository's is refused: give the fingerprint of a key in it, or a "
                            "user ID ('Name <email>') to find or generate one." % (wanted, home))
    elif USER_ID.match(text):
        match = [k for k in listing if text in k[3]]
        if len(match) > 1:
            raise RepoError("User ID '%s' (signing_keys) belongs to %d keys in '%s' (%s): give the fingerprint of the "
                            "one to sign with." % (text, len(match), home, ", ".join(k[0] for k in match)))
        if not match:
            return "", text
    else:
        raise RepoError("signing_keys entry '%s' is neither a fingerprint (or long key ID, at least 16 hex digits) nor "
                        "a user ID ('Name <email>')." % text)
    check_strength(match[0][0], match[0][1], match[0][2], home)
    return match[0][0], ""


def choose_keys(root, entries, served):
    """[(fingerprint or "", user ID to generate or "")] of ``signing_keys`` ``entries``, in order, after the refusals:
    a key named twice, and a set that shares no key with ``served`` (the fingerprints that sign the served state)."""
    listing = secret_listing(root)
    chosen = [_named_key(root, entry, listing) for entry in entries]
    names = [fpr or uid for fpr, uid in chosen]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise RepoError("signing_keys names key %s twice: list each key once." % twice[0])
    check_overlap(root, names, served)
    return chosen


def check_overlap(root, names, served):
    """Refuse signing keys (``names``: fingerprints, or user IDs of keys to generate) that share no key with the ones
    that sign the served state: clients that hold only those would refuse the change."""
    if served and not set(served) & set(names):
        raise RepoError("The repository '%s' is signed by %s; refusing to sign it with %s only, which shares none of "
                        "them: clients that trust the served keys would refuse it. Add the new key first (signing_keys: "
                        "the served key, then the new one; publish, and give the clients the new public key), then "
                        "retire the old one." % (root, ", ".join(served), ", ".join(names)))


def plan_keys(root, signing_key, signing_keys, served, uid):
    """[(fingerprint or "", user ID to generate or "")] that sign a change, the last one the RPM signer: those of
    ``signing_keys`` when given, else ``signing_key``, else the keys that sign the served state when there are several
    (after a rotation's overlap, a role run without signing_keys), else the home's only key (generated with ``uid``
    when absent). ``served``: the fingerprints that sign the served state."""
    if signing_keys:
        return choose_keys(root, signing_keys, served)
    if not signing_key and len(served) > 1:
        return choose_keys(root, served, served)  # nothing named: the keys that sign the served state go on signing
    fpr, generate = choose_key(root, signing_key, served[0] if len(served) == 1 else "")
    if len(served) > 1:
        check_overlap(root, [fpr or uid], served)
    return [("", uid)] if generate else [(fpr, "")]


def make_keys(root, chosen, key_type, expiry):
    """The fingerprints of ``chosen`` (``plan_keys``), the keys to generate generated."""
    return [fpr or generate_key(root, key_type, uid, expiry) for fpr, uid in chosen]


def key_expires(root, fpr):
    """The expiry of the key ``fpr`` as seconds since the epoch, or None when it never expires (read from the
    public keyring: listing secret keys would start a gpg-agent)."""
    pending = None
    for line in gpg(root, "--list-keys", fpr, what="Reading the signing key's expiry").splitlines():
        fields = line.split(":")
        if fields[0] == "pub":
            pending = int(fields[6]) if fields[6] else None
        elif fields[0] == "fpr" and fields[9] == fpr:
            return pending
    return None


def _day(stamp):
    return "never" if stamp is None else time.strftime("%Y-%m-%d", time.gmtime(stamp))


def expiry_report(root, fpr, now=None, warn_days=WARN_DAYS):
    """(``key_expires`` result value, warnings): the date (YYYY-MM-DD, or "never") and a warning when less than
    ``warn_days`` remain or the key has expired."""
    if not fpr:
        return "", []
    expires = key_expires(root, fpr)
    if expires is None:
        return "never", []
    date = _day(expires)
    days = (expires - (now if now is not None else time.time())) / float(DAY)
    if days <= 0:
        return date, ["The repository's signing key %s expired on %s: clients refuse what it signs; renew it "
                      "(renew_key, or key_renew_days; the fingerprint stays, '%s') and give the clients its public "
                      "key again." % (fpr, date, gnupg_home(root))]
    if days < warn_days:
        return date, ["The repository's signing key %s expires on %s, in %d days: renew it (renew_key, or "
                      "key_renew_days above %d; the fingerprint stays, '%s') and give the clients its public key "
                      "again." % (fpr, date, int(days), int(days), gnupg_home(root))]
    return date, []


def expiry_after(expiry, now):
    """The expiry gpg gives a key when it sets ``expiry`` at ``now`` (seconds since the epoch; None for never):
    N, Nd, Nw, Nm, Ny count 1, 7, 30, 365 days a unit; a date YYYY-MM-DD is its noon, UTC."""
    if expiry == "never":
        return None
    if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", expiry):
        return calendar.timegm(time.strptime(expiry, "%Y-%m-%d")) + DAY // 2
    unit = {"d": 1, "w": 7, "m": 30, "y": 365}.get(expiry[-1:], 1)
    return now + int(expiry.rstrip("dwmy")) * unit * DAY


@dataclasses.dataclass(frozen=True)
class Renewal:
    """A renewal of the signing key that a change makes before it signs (the fingerprint stays)."""

    fingerprint: str
    primary: bool  # the primary key's expiry moves
    subkeys: t.Tuple[str, ...]  # the signing subkeys whose expiry moves with it
    expiry: str  # the lifetime from now, as gpg takes it
    until: t.Optional[int]  # the expiry it gets (None: never); check mode reports it
    expired: str  # the date (YYYY-MM-DD) the key could last sign on, when that has passed; else ""


def key_parts(root, fpr):
    """[(fingerprint, created, expires or None, primary?, signs?)] of the key ``fpr``: its primary key and its subkeys
    that can sign and are not revoked (read from the public keyring: no gpg-agent)."""
    parts, pending = [], None
    for line in gpg(root, "--list-keys", fpr, what="Reading the signing key's expiry").splitlines():
        fields = line.split(":")
        if fields[0] in ("pub", "sub"):
            signs = "s" in fields[11]
            pending = None if fields[0] == "sub" and (not signs or fields[1] == "r") else (
                int(fields[5] or 0), int(fields[6]) if fields[6] else None, fields[0] == "pub", signs)
        elif fields[0] == "fpr" and pending:
            parts.append((fields[9],) + pending)
            pending = None
    return parts


def key_renewal(root, fpr, expiry, renew_days=RENEW_DAYS, asked=False, signing=False, now=None):
    """The ``Renewal`` a change makes before it signs with ``fpr``, or None.

    The key can sign until the sooner of its primary key's expiry and its last signing key's (primary or subkey,
    the live ones, else the newest). It is due when that is within ``renew_days`` (0: never by itself), has
    passed, or when ``asked``; the primary key and those signing keys get ``expiry`` from ``now`` - unless that is
    not a day later than now's, so a second run renews nothing. A key that has expired and is not renewed is
    refused when the change is ``signing``: gpg cannot sign with it.
    """
    parts = key_parts(root, fpr) if fpr else []
    if not parts:
        return None
    now = time.time() if now is None else now
    signers = [p for p in parts if p[4]]
    chosen = [p for p in signers if p[2] is None or p[2] > now] or sorted(signers, key=lambda p: p[1])[-1:]
    if not chosen:
        return None  # nothing signs: gpg says so when the change signs
    last = None if any(p[2] is None for p in chosen) else max(p[2] for p in chosen)
    ends = [e for e in (parts[0][2], last) if e is not None]
    if not ends:
        return None
    limit, until = min(ends), expiry_after(expiry, now)
    expired = _day(limit) if limit <= now else ""
    due = asked or (renew_days > 0 and limit < now + renew_days * DAY)
    if not due or (until is not None and until < limit + DAY):
        if expired and signing:
            raise RepoError("The repository's signing key %s expired on %s: gpg cannot sign with it. Renew it: "
                            "renew_key true, or key_renew_days above 0 (the fingerprint stays; clients need its "
                            "public key again)." % (fpr, expired))
        return None
    extend = [p for p in [parts[0]] + [p for p in chosen if not p[3]]
              if p[2] is not None and (until is None or until >= p[2] + DAY)]
    return Renewal(fpr, any(p[3] for p in extend), tuple(p[0] for p in extend if not p[3]), expiry, until, expired)


def renew_key(root, renewal):
    """Carry out a ``Renewal`` (gpg --quick-set-expire, the primary key then the signing subkeys) and check it."""
    what = ("Renewing the repository's signing key %s in '%s' (a key with a passphrase is renewed by hand: "
            "gpg --quick-set-expire)" % (renewal.fingerprint, gnupg_home(root)))
    argv = ["--pinentry-mode", "loopback", "--passphrase", "", "--quick-set-expire", renewal.fingerprint,
            renewal.expiry]
    if renewal.primary:
        gpg(root, *argv, what=what)
    if renewal.subkeys:
        gpg(root, *(argv + list(renewal.subkeys)), what=what)
    moved = {p[0]: p[2] for p in key_parts(root, renewal.fingerprint)}
    short = [f for f in ([renewal.fingerprint] if renewal.primary else []) + list(renewal.subkeys)
             if renewal.until is not None and (moved.get(f) is None or moved[f] < renewal.until - DAY)]
    if short:
        raise RepoError("%s: key %s still expires on %s." % (what, short[0], _day(moved.get(short[0]))))


def renewal_report(root, renewal, applied):
    """(``key_expires``, warnings) of a change that renews: the key's expiry after it (``applied``), or the one check
    mode plans; a warning when the key had expired."""
    date, warnings = expiry_report(root, renewal.fingerprint) if applied else (_day(renewal.until), [])
    if renewal.expired:
        warnings.insert(0, "The repository's signing key %s expired on %s; %s until %s (the fingerprint stays). Clients "
                           "that hold its old public key refuse what it signs until they get it again (role "
                           "pkgops.release.repo_client, or the key file in the served tree)."
                        % (renewal.fingerprint, renewal.expired, "it was renewed" if applied else "this change renews it",
                           date))
    return date, warnings


def key_upkeep(cfg, fpr, served_key, changing):
    """(``Renewal`` or None, whether the change has work to do) for a repository ``cfg`` (root, expiry, renew_days,
    renew): work also when the served public key (file ``served_key``) is not the key's export any more - renewed,
    also by hand, or a new key name - or when the key is due for renewal."""
    renewals, changing = keys_upkeep(cfg, [fpr] if fpr else [], served_key, changing)
    return (renewals[0] if renewals else None), changing


def keys_upkeep(cfg, fprs, served_key, changing):
    """([``Renewal``] of the keys ``fprs`` that are due, whether the change has work to do): ``key_upkeep`` for
    each key; the served public key must be the export of all of them (and of no other)."""
    fprs = [f for f in fprs if f]
    if fprs and served_key and read_text(served_key) != gpg(cfg.root, "--armor", "--export", *fprs,
                                                            what="Exporting the public key"):
        changing = True
    renewals = [r for r in (key_renewal(cfg.root, fpr, cfg.expiry, cfg.renew_days, cfg.renew, signing=changing)
                            for fpr in fprs) if r is not None]
    return renewals, changing or bool(renewals)


def generate_key(root, key_type, uid, expiry=KEY_EXPIRY):
    """Generate a key with user ID ``uid`` in the repository's home; its fingerprint."""
    home = gnupg_home(root)
    os.makedirs(home, mode=0o700, exist_ok=True)
    os.chmod(home, 0o700)
    with open(os.path.join(home, "gpg.conf"), "w", encoding="utf-8") as handle:
        handle.write(GPG_CONF)
    before = {k[0] for k in secret_keys(root)}
    algo = KEY_TYPES[key_type][0]
    gpg(root, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", uid, algo, "sign",
        expiry, what="Generating the repository's signing key")
    made = [k[0] for k in secret_keys(root) if k[0] not in before]
    if len(made) != 1:
        raise RepoError("Expected one new key in '%s' after generating it, found %d." % (home, len(made)))
    return made[0]


def ensure_gpg_conf(root):
    path = os.path.join(gnupg_home(root), "gpg.conf")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(GPG_CONF)


def export_key(root, fpr, armored_path, binary_path=None):
    """Write the public key - of ``fpr``, or of each fingerprint of a list, in one armored block - (armored, and binary
    when asked) for clients."""
    fprs = [fpr] if isinstance(fpr, str) else list(fpr)
    with open(armored_path, "w", encoding="utf-8") as handle:
        handle.write(gpg(root, "--armor", "--export", *fprs, what="Exporting the public key"))
    if binary_path:
        binary = gpg(root, "--export", *fprs, what="Exporting the public key", text=False)
        with open(binary_path, "wb") as handle:
            handle.write(binary)


def sign_release(root, fingerprints, release_path):
    """Sign the Release file ``release_path`` with each key of ``fingerprints`` (one signature per key, SHA-512, the
    repository's GnuPG home): InRelease (clear-signed) and Release.gpg (detached, armored) beside it, each written as
    NAME.new and renamed over NAME (a file hard-linked into a served generation is never written through)."""
    folder = os.path.dirname(release_path)
    users = [arg for fpr in fingerprints for arg in ("--local-user", fpr)]
    if not users:
        raise RepoError("No key to sign '%s' with: the repository '%s' needs a signing key." % (release_path, root))
    for name, mode in (("InRelease", "--clearsign"), ("Release.gpg", "--detach-sign")):
        out = os.path.join(folder, name)
        gpg(root, "--yes", "--digest-algo", "SHA512", "--armor", *users, "--output", out + ".new", mode, release_path,
            what="Signing '%s' (%s)" % (release_path, name))
        os.replace(out + ".new", out)


def gpgv_signers(keyring, files, cwd=None, output=None):
    """gpgv of ``files`` (a signed file, or signature then data) against ``keyring`` (``output``: where gpgv writes
    the signed text it verified): (the fingerprints of the good signatures - each signing key's and its primary
    key's - or none, the gpgv process). Good as apt takes it: by a key alive now (gpgv says EXPKEYSIG, not GOODSIG,
    for a key that has expired); a signature by a key the keyring lacks is passed over (gpgv exits 2 for it) when
    another is good - a file signed by the old and the new key during a rotation - and any bad signature fails it."""
    argv = ["gpgv", "--status-fd", "1", "--keyring", keyring] + (["--output", output] if output else []) + list(files)
    proc = _cmd.run(argv, cwd=cwd, check=False)
    valid, failed = [], proc.returncode not in (0, 2)
    for block in re.split(r"^\[GNUPG:\] NEWSIG\b.*$", proc.stdout, flags=re.M)[1:]:
        if re.search(r"^\[GNUPG:\] (BADSIG|REVKEYSIG) ", block, re.M):
            failed = True
        elif re.search(r"^\[GNUPG:\] ERRSIG ", block, re.M) and not re.search(r"^\[GNUPG:\] NO_PUBKEY ", block, re.M):
            failed = True
        elif re.search(r"^\[GNUPG:\] GOODSIG ", block, re.M):
            valid += [f for line in re.findall(r"^\[GNUPG:\] VALIDSIG (.*)$", block, re.M)
                      for f in (line.split()[:1] + line.split()[9:10])]
    return ([] if failed else valid), proc


def verify_signature(keyring, files, fpr, cwd, what):
    """gpgv of ``files`` against ``keyring``: a good signature made by ``fpr`` (or one of its subkeys) - by each
    fingerprint, when ``fpr`` is a list."""
    signers, proc = gpgv_signers(keyring, files, cwd=cwd)
    for one in [fpr] if isinstance(fpr, str) else fpr:
        if one not in signers:
            raise RepoError("The signature %s does not verify with key %s: %s" % (what, one, proc.stderr.strip()))


# --- generations ------------------------------------------------------------------------------------

MARKER = ".unpublished"  # ROOT/.unpublished: a first publish under way (what ROOT held before it, as JSON)
SERVED = ("current", "simple")  # the link that serves a repository (apt and yum) or a static index (pypi)


def current(root):
    """The served generation's directory, or None."""
    link = os.path.join(root, "current")
    return os.path.realpath(link) if os.path.islink(link) and os.path.isdir(link) else None


def read_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


_held: t.Dict[str, t.List[int]] = {}  # repository roots whose lock this process holds -> [depth, created ROOT, fd]


def _lock(root, lockfile):
    """An fd holding the exclusive flock of ROOT/``lockfile`` (or of ROOT), opened again when the file it locked
    was removed meanwhile (a first publish that failed removes its lock file, and ROOT when it made it)."""
    path = os.path.join(root, lockfile) if lockfile else root
    while True:
        os.makedirs(root, exist_ok=True)
        if lockfile:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        else:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held, there = os.fstat(fd), os.stat(path)
            if (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino):
                return fd
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


@contextlib.contextmanager
def locked(root, lockfile=".lock"):
    """The repository's one lock (ROOT/``lockfile``, or the directory ROOT itself when empty): one change at a time.

    An exclusive flock: the kernel releases it when the process ends, also when it is killed.
    Re-entrant within a process, so ``apply`` (which takes it) runs inside a change planned under it.
    """
    key = os.path.realpath(root)
    if key in _held:
        _held[key][0] += 1
        try:
            yield
        finally:
            _held[key][0] -= 1
        return
    created = not os.path.isdir(root)
    fd = _lock(root, lockfile)
    try:
        _held[key] = [1, int(created), fd]
        try:
            yield
        finally:
            del _held[key]
    finally:
        os.close(fd)


def change(root, make_plan, carry_out, check_mode=False, lockfile=".lock"):
    """(plan, what ``carry_out`` returned or None): read, plan and apply under the repository's one lock.

    The plan applied is the one made under the lock, so a change cannot apply a plan made before
    another change switched the repository. Check mode plans without the lock: it writes nothing.
    What a killed first publish left is removed before planning (``recover``).
    """
    if check_mode:
        return make_plan(), None
    with locked(root, lockfile):
        try:
            recover(root, lockfile)
            the_plan = make_plan()
            applied = carry_out(the_plan) if the_plan.changed else None
        except BaseException:
            _settle(root, lockfile, failed=True)
            raise
        _settle(root, lockfile)
        return the_plan, applied


def _settle(root, lockfile, failed=False):
    """The end of a change, under the lock: the repository's gpg-agent stopped (the agent is this change's, no
    other change is signing); when nothing is served (a failed first publish, or one with nothing to do) no lock
    file either, nor ROOT when the change made it and it is empty."""
    try:
        if not ours(root, lockfile):
            return  # a failed first publish removed it all (and stopped the agent)
        stop_agent(root)
        if served(root):
            return
        if lockfile:
            os.unlink(os.path.join(root, lockfile))
        if _held[os.path.realpath(root)][1] and not os.listdir(root):
            os.rmdir(root)
    except OSError:
        if not failed:
            raise  # else the change's own error is the one to report


def ours(root, lockfile=".lock"):
    """Whether this process holds the lock of what is at ROOT now (not of a lock file a failed first publish
    removed, which another change may have made again since)."""
    held = _held.get(os.path.realpath(root))
    try:
        mine, there = os.fstat(held[2]), os.stat(os.path.join(root, lockfile) if lockfile else root)
    except (OSError, TypeError):
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def served(root):
    """Whether the repository (or static index) at ROOT serves anything yet."""
    return any(os.path.lexists(os.path.join(root, name)) for name in SERVED)


@contextlib.contextmanager
def applying(root, lockfile=".lock"):
    """An apply under the repository's lock: no gpg-agent outlives it, and a first publish (nothing served yet)
    that fails leaves no repository - what it made is removed, the lock file too, and ROOT when the change made
    it. A first publish killed leaves ``MARKER``, and the next change removes what it made (``recover``)."""
    with locked(root, lockfile):
        first = not served(root)
        try:
            if first and not os.path.lexists(os.path.join(root, MARKER)):
                before = sorted(set(os.listdir(root)) - {lockfile})
                _write(os.path.join(root, MARKER), json.dumps(
                    {"entries": before, "created": bool(_held[os.path.realpath(root)][1])}) + "\n")
            try:
                yield
            except BaseException:
                if first:
                    try:
                        undo_first(root, lockfile, failed=True)
                    except OSError:
                        pass  # the change's own error is the one to report
                raise
        finally:
            if ours(root, lockfile):
                stop_agent(root)


def _write(path, text):
    with open(path + ".part", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(path + ".part", path)


def undo_first(root, lockfile=".lock", failed=False):
    """Remove what an unfinished first publish made (ROOT back to what ``MARKER`` lists), never the lock file of
    the change that holds it; when ``failed`` (the change that failed, about to release the lock) the lock file
    as well, and ROOT when that publish made it."""
    text = read_text(os.path.join(root, MARKER))
    if text is None:
        return
    before = json.loads(text)
    stop_agent(root)  # before its home goes
    for name in os.listdir(root):
        if name not in before["entries"] and name not in (lockfile, MARKER):
            remove_tree(os.path.join(root, name))
    os.unlink(os.path.join(root, MARKER))
    if failed:
        if lockfile:
            os.unlink(os.path.join(root, lockfile))
        if before["created"] and not os.listdir(root):
            os.rmdir(root)


def recover(root, lockfile=".lock"):
    """Under the lock, before planning: what a killed first publish made is removed (nothing serves it); the
    marker of one killed after its switch is dropped."""
    if not os.path.lexists(os.path.join(root, MARKER)):
        return
    if served(root):
        published(root)
    else:
        undo_first(root, lockfile)


def published(root):
    """The first publish switched: the repository exists."""
    try:
        os.unlink(os.path.join(root, MARKER))
    except FileNotFoundError:
        pass


_stopping: t.Dict[str, t.Set[int]] = {}  # GnuPG home -> the pids of its agents told to stop, not yet seen gone


def stop_agent(root, wait=5.0):
    """Stop the gpg-agent that signing started for the repository's GnuPG home (one gpg-connect-agent asks its pid,
    then KILLAGENT) and wait (up to ``wait`` seconds) until it, and every agent of the home told to stop before, has
    exited: none outlives a change. ``wait=0`` only tells it, so a change stops the agent as soon as it has signed
    and waits for it at its end, having done its other work meanwhile."""
    home = gnupg_home(root)
    if not os.path.isdir(home):
        return
    answer = _cmd.run(["gpg-connect-agent", "--homedir", home, "--no-autostart", "getinfo pid", "killagent", "/bye"],
                      check=False)
    pids = _stopping.setdefault(home, set())
    pids.update(int(pid) for pid in re.findall(r"^D ([0-9]+)", answer.stdout, re.M))
    if not wait:
        return
    deadline = time.monotonic() + wait
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.002)
    del _stopping[home]


def _running(pid):
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            return handle.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def work_dir(root):
    """A scratch directory inside the repository (never in /tmp: it may hold the keyring), removed on exit;
    those of killed changes are removed first (under the lock, none is in use)."""
    for name in os.listdir(root):
        if name.startswith(".work-"):
            remove_tree(os.path.join(root, name))
    return tempfile.TemporaryDirectory(prefix=".work-", dir=root)


def ensure_planned_from(root, planned, now):
    """Refuse to apply a plan made from another served state than ``now`` (made outside the lock)."""
    if planned != now:
        raise RepoError("The repository '%s' changed after this change was planned (another change was "
                        "published meanwhile): nothing was applied; plan it again under the repository's lock."
                        % root)


def new_generation(root):
    gens = os.path.join(root, "generations")
    os.makedirs(gens, exist_ok=True)
    gen = tempfile.mkdtemp(prefix="%d-" % time.time(), dir=gens)
    os.chmod(gen, 0o755)
    return gen


def remove_tree(path):
    _cmd.run(["rm", "-rf", "--one-file-system", path], check=False)


DIRTY = ".dirty"  # ROOT/.dirty: a change under way, which may add files to the shared area before its switch


def traces_of_killed(root, keep):
    """Whether a change may have been killed here with files added to the shared area that nothing serves: its
    ``DIRTY`` mark is left, or a generation other than ``keep``, a ``.current.new`` or a ``.gc`` (read before
    ``clean_stale`` removes them). Without any, the shared area holds only what the served state names."""
    gens = os.path.join(root, "generations")
    stale = os.path.isdir(gens) and any(os.path.realpath(os.path.join(gens, n)) != keep for n in os.listdir(gens))
    return stale or any(os.path.lexists(os.path.join(root, n)) for n in (DIRTY, ".current.new", ".gc"))


def mark_dirty(root):
    """Mark a change under way (before it adds to the shared area): a kill leaves the mark for the next change."""
    os.close(os.open(os.path.join(root, DIRTY), os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))


def mark_clean(root):
    """The change switched and removed what its switch left: the shared area holds only what is served."""
    try:
        os.unlink(os.path.join(root, DIRTY))
    except FileNotFoundError:
        pass


def clean_stale(root, keep):
    """Remove generations other than ``keep`` and the scratch files (``*.part``, ``.current.new``) of killed
    changes (under the lock, no change is under way)."""
    gens = os.path.join(root, "generations")
    if os.path.isdir(gens):
        for name in os.listdir(gens):
            path = os.path.join(gens, name)
            if os.path.realpath(path) != keep:
                remove_tree(path)
    for name in os.listdir(root):
        if name == ".current.new" or name.endswith(".part"):
            os.unlink(os.path.join(root, name))


def switch(root, gen):
    """Publish ``gen``: one rename of the ``current`` link."""
    link = os.path.join(root, ".current.new")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.relpath(gen, root), link)
    os.replace(link, os.path.join(root, "current"))
    published(root)


def write_gc(root, relpaths):
    """Record the files the next switch stops referencing (deleted after it)."""
    if relpaths:
        _write(os.path.join(root, ".gc"), "\n".join(relpaths) + "\n")


def collect(root, relpaths, area):
    """Delete files under ROOT/``area`` (and the directories they leave empty)."""
    top = os.path.join(root, area)
    inside = os.path.realpath(top) + os.sep
    for rel in relpaths:
        path = os.path.join(root, rel)
        if not os.path.realpath(path).startswith(inside):
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        folder = os.path.dirname(path)
        while folder != top:
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def orphans(root, area, named):
    """The files under ROOT/``area`` (paths relative to ROOT) that ``named`` (the relative paths the served
    indices name) does not have: left by killed changes, never served."""
    top = os.path.join(root, area)
    found = []
    for dirpath, _dirs, files in os.walk(top):
        found += [os.path.relpath(os.path.join(dirpath, name), root) for name in files]
    return sorted(rel for rel in found if rel not in named)


def collect_orphans(root, area, named):
    """Under the lock, before a change: delete the files under ROOT/``area`` no served index names (no change
    is under way to own them) and the directories they leave empty; the paths deleted."""
    gone = orphans(root, area, set(named))
    collect(root, gone, area)
    return gone


def finish_gc(root, known, area):
    """Delete what a switched change left in .gc, unless ``known`` (the served state's files) has it again."""
    path = os.path.join(root, ".gc")
    pending = read_text(path)
    if pending is None:
        return
    collect(root, [k for k in pending.split() if k not in known], area)
    os.unlink(path)


__all__: t.List[str] = ["RepoError", "RepoCommandError", "KEY_TYPES", "gnupg_home", "gpg", "secret_keys", "choose_key", "generate_key",
                        "key_expires", "expiry_report", "ensure_gpg_conf", "export_key", "sign_release", "choose_keys", "plan_keys", "make_keys",
                        "keys_upkeep", "secret_listing", "check_overlap", "verify_signature", "current", "locked", "stop_agent",
                        "work_dir", "change", "ours", "served", "applying", "recover", "undo_first", "published", "ensure_planned_from",
                        "new_generation", "traces_of_killed", "mark_dirty", "mark_clean", "clean_stale", "switch", "write_gc", "collect",
                        "orphans", "collect_orphans", "finish_gc"]
