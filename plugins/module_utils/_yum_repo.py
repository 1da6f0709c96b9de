# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A signed yum/dnf repository kept with createrepo_c, switched atomically between complete states.

Layout of the repository directory ``root`` (the generations as in ``_repo_base``)::

    gnupg/                      the repository's own GnuPG home (never served)
    packages/                   the signed RPMs, shared by the generations
    generations/ID/repodata/    repomd.xml, its detached signature repomd.xml.asc, the metadata
    generations/ID/packages -> ../../packages
    generations/ID/KEY_NAME     the public key, for clients (rpm --import, gpgkey=)
    generations/ID/.state.json  what the generation holds: file -> name, EVR, arch, header digest
    current -> generations/ID

A web server serves ``root/current``. A change signs new RPMs with the repository's key
(rpmsign, verified with rpmkeys at signature level) into ``packages/``, writes the metadata of
the new set with ``createrepo_c --update`` (reusing the old generation's), signs repomd.xml,
verifies that signature with the exported key, and switches ``current``: readers see the old
metadata with its signature or the new metadata with its own, never a mix.

A published file is immutable: the same name-version-release-arch with another header digest
(rpm's SHA256HEADER, which signing does not change) is refused. ``keep`` retains the newest N
versions of each package and architecture; older ones leave the metadata and then the disk.

A promotion copies a package (every architecture and its source RPM, of one version-release) from
another yum repository's served generation - immutable: its state names the files, which are never
rewritten - byte for byte, so the source repository's RPM signer must be one of this repository's
signing keys (checked when planned, and with rpmkeys at signature level against this repository's
exported keys when applied); a promoted file signed by another of them than the RPM signer is signed
again with the RPM signer.

Rotation (``signing_keys``): every key signs repomd.xml (one armored file, a signature per key); the
last one is the RPM signer, which signed every file the state holds (``signer``). When it changes, the
held files are signed again with it at a new path, packages/FINGERPRINT/NAME (``locations`` in the
state), never in place - the served generation names the old file, deleted after the switch. The source is read without its lock; every copied file's sha256 is
checked against the one planned, so a source changed meanwhile fails the change, which applies
nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils import _repo_base as _base
from ansible_collections.pkgops.release.plugins.module_utils._files import copy_checked, sha256_of

YumRepoError = _base.RepoError
STATE = ".state.json"
QUERY = "%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SHA256HEADER}\t%{SOURCERPM}\n"


@dataclasses.dataclass
class Config:
    root: str
    uid: str = "pkgops.release repository <repository@localhost>"
    key_type: str = "ed25519"
    signing_key: str = ""
    signing_keys: t.List[str] = dataclasses.field(default_factory=list)  # fingerprints or user IDs; the last signs RPMs
    key_name: str = "RPM-GPG-KEY-pkgops"
    expiry: str = "2y"  # a generated key's lifetime, and a renewed key's from the renewal (_repo_base.KEY_EXPIRY)
    renew_days: int = _base.RENEW_DAYS  # a key expiring sooner is renewed before the change signs; 0: never by itself
    renew: bool = False  # renew the key now (unless that would not move its expiry by a day)
    keep: int = 0  # newest versions of each package kept; 0 keeps all


@dataclasses.dataclass
class Rpm:
    path: str
    filename: str
    name: str
    epoch: int
    version: str
    release: str
    arch: str
    header: str
    sha256: str = ""  # of the file, for a promoted package (checked again when it is copied)

    def entry(self):
        return {"name": self.name, "epoch": self.epoch, "version": self.version, "release": self.release,
                "arch": self.arch, "header": self.header}


@dataclasses.dataclass
class Plan:
    changed: bool = False
    create: bool = False
    fingerprint: str = ""  # the RPM signer's, the last signing key ("" when the change generates it)
    fingerprints: t.List[str] = dataclasses.field(default_factory=list)  # every signing key's, in order
    keys: t.List[t.Tuple[str, str]] = dataclasses.field(default_factory=list)  # (fingerprint or "", user ID to generate)
    resign: t.List[str] = dataclasses.field(default_factory=list)  # held files signed by another key: signed again
    add: t.List[Rpm] = dataclasses.field(default_factory=list)
    unchanged: t.List[str] = dataclasses.field(default_factory=list)
    remove: t.List[str] = dataclasses.field(default_factory=list)  # file names
    promote: t.List[Rpm] = dataclasses.field(default_factory=list)  # the promoted version's files in the source
    copy: t.List[Rpm] = dataclasses.field(default_factory=list)  # those of them to copy in (not here yet)
    holds: t.Dict[str, dict] = dataclasses.field(default_factory=dict)  # file name -> entry, afterwards
    base: t.Optional[str] = None  # the served generation planned from
    renewals: t.List[_base.Renewal] = dataclasses.field(default_factory=list)  # the keys' renewals before signing
    promote_signer: str = ""  # the RPM signer of the repository promoted from


def read_rpm(path):
    if not os.path.isfile(path):
        raise YumRepoError("File '%s' does not exist." % path)
    proc = _cmd.run(["rpm", "-qp", "--nosignature", "--nodigest", "--qf", QUERY, path], check=False)
    fields = proc.stdout.strip().split("\t")
    if proc.returncode != 0 or len(fields) != 7:
        raise YumRepoError("File '%s' is not a readable RPM: %s" % (path, proc.stderr.strip()))
    name, epoch, version, release, arch, header, sourcerpm = fields
    arch = "src" if sourcerpm == "(none)" else arch
    filename = "%s-%s-%s.%s.rpm" % (name, version, release, arch)
    return Rpm(path, filename, name, int(epoch or 0), version, release, arch, header)


def state(gen):
    """What generation ``gen`` holds: ``signer`` (the RPM signer, which signed every file), ``signers`` (the keys that
    sign repomd.xml), ``files`` (file name -> entry) and ``locations`` (file name -> its path under packages/, for a
    file signed again at a new path; else the file name)."""
    text = _base.read_text(os.path.join(gen, STATE)) if gen else None
    held = json.loads(text) if text else {"signer": "", "files": {}}
    held.setdefault("signers", [held["signer"]] if held["signer"] else [])
    held.setdefault("locations", {})
    return held


def location(held, filename):
    """Where a file of ``held`` (a ``state``) lies, relative to packages/."""
    return held["locations"].get(filename, filename)


def served_signers(root):
    """The fingerprints that sign the served state (repomd.xml), in order; the last signs the RPMs."""
    return state(_base.current(root))["signers"]


def _compare(left, right):
    import rpm  # python3-rpm: rpm's own version comparison

    return rpm.labelCompare((str(left["epoch"]), left["version"], left["release"]),
                            (str(right["epoch"]), right["version"], right["release"]))


def _matches(entry, version):
    evr = "%s-%s" % (entry["version"], entry["release"])
    return version in (entry["version"], evr, "%s:%s" % (entry["epoch"], evr))


def _promotion(cfg, fprs, promote):
    """The ``Rpm`` of ``promote`` = (source repository root, name, version or version-release) in the source's
    served generation (``path`` the file there, with its sha256), after the refusals."""
    origin, name, version = promote
    if os.path.realpath(origin) == os.path.realpath(cfg.root):
        raise YumRepoError("promote_from '%s' is the repository itself: give the root of another yum repository."
                           % origin)
    src = _base.current(origin)
    there = state(src)
    found = {f: e for f, e in sorted(there["files"].items()) if e["name"] == name and _matches(e, version)}
    if not found:
        raise YumRepoError("%s %s is not in the yum repository '%s'%s: nothing to promote into '%s'."
                           % (name, version, origin, "" if src else " (it serves nothing)", cfg.root))
    releases = sorted({"%s-%s" % (e["version"], e["release"]) for e in found.values()})
    if len(releases) > 1:
        raise YumRepoError("%s %s matches %s in the yum repository '%s': give the version-release to promote."
                           % (name, version, ", ".join(releases), origin))
    if there["signer"] not in fprs:
        raise YumRepoError("%s %s in the yum repository '%s' is signed with key %s, and '%s' %s: a promotion copies "
                           "the same bytes, which dnf checks against this repository's keys. Make that key one of its "
                           "signing keys (its GnuPG home, '%s'), or publish the package with files (signed again)."
                           % (name, version, origin, there["signer"], cfg.root,
                              "signs with %s" % ", ".join(f for f in fprs if f) if any(fprs) else
                              "has no signing key yet", _base.gnupg_home(origin)))
    out = []
    for filename, entry in found.items():
        path = os.path.join(origin, "packages", location(there, filename))  # shared by its generations
        if not os.path.isfile(path):
            raise YumRepoError("'%s' is named by the served state of the yum repository '%s' but missing: the "
                               "source is being changed; promote again." % (path, origin))
        out.append(Rpm(path=path, filename=filename, sha256=sha256_of(path), **entry))
    return out


def _hold(holds, pkg, result, to):
    """Plan ``pkg`` in: added to ``to`` when new, unchanged when held with its header, refused with another."""
    there = holds.get(pkg.filename)
    if there is None:
        to.append(pkg)
        holds[pkg.filename] = pkg.entry()
    elif there["header"] == pkg.header:
        result.unchanged.append(pkg.filename)
    else:
        raise YumRepoError("'%s' is already published as %s with another header (sha256 %s); a published "
                           "package is immutable: raise the version or the release."
                           % (pkg.path, pkg.filename, there["header"]))


def plan(cfg, files=(), withdraw=None, promote=None):
    """What a change does; ``withdraw`` is (name, version or version-release); ``promote`` is (the root of the yum
    repository to promote from, name, version or version-release)."""
    if cfg.key_type not in _base.KEY_TYPES:
        raise YumRepoError("Key type '%s' is not one of %s." % (cfg.key_type, ", ".join(_base.KEY_TYPES)))
    if cfg.keep < 0:
        raise YumRepoError("keep must be 0 (keep every version) or more, not %d." % cfg.keep)
    gen = _base.current(cfg.root)
    now = state(gen)
    keys = _base.plan_keys(cfg.root, cfg.signing_key, cfg.signing_keys, now["signers"], cfg.uid)
    fprs = [fpr for fpr, _uid in keys]
    result = Plan(create=gen is None, fingerprint=fprs[-1], fingerprints=fprs, keys=keys, base=gen)
    holds = dict(now["files"])
    for path in files:
        if not path.endswith(".rpm"):
            raise YumRepoError("File '%s' is not an .rpm." % path)
        _hold(holds, read_rpm(path), result, result.add)
    if promote:
        result.promote = _promotion(cfg, fprs, promote)
        result.promote_signer = state(_base.current(promote[0]))["signer"]
        for pkg in result.promote:
            _hold(holds, pkg, result, result.copy)
    if withdraw:
        name, version = withdraw
        for filename, entry in sorted(holds.items()):
            if entry["name"] == name and _matches(entry, version):
                result.remove.append(filename)
    if cfg.keep:
        groups = {}
        for filename, entry in holds.items():
            groups.setdefault((entry["name"], entry["arch"]), []).append(filename)
        for names in groups.values():
            names.sort(key=functools.cmp_to_key(lambda a, b: _compare(holds[a], holds[b])), reverse=True)
            result.remove += [n for n in names[cfg.keep:] if n not in result.remove]
    for filename in result.remove:
        holds.pop(filename, None)
    result.add = [p for p in result.add if p.filename in holds]
    result.copy = [p for p in result.copy if p.filename in holds]
    result.holds = holds
    if now["signer"] != fprs[-1]:  # a new RPM signer: what stays is signed again with it
        result.resign = sorted(f for f in now["files"] if f in holds)
    result.renewals, result.changed = _base.keys_upkeep(cfg, fprs, os.path.join(gen, cfg.key_name) if gen else None, bool(
        result.create or result.add or result.remove or result.copy or result.resign or now["signers"] != fprs))
    return result


def _sign(cfg, fpr, paths, workdir, again=False):
    """rpmsign with the RPM signer ``fpr`` (``again``: replacing the signature there is), then rpmkeys --checksig at
    signature level against that key alone (one call each)."""
    home = _base.gnupg_home(cfg.root)
    _cmd.run(["rpmsign", "--resign" if again else "--addsign", "--define", "_gpg_path %s" % home, "--define",
              "_gpg_name %s" % fpr, "--define", "__gpg /usr/bin/gpg", "--define", "_gpg_digest_algo sha512"] + list(paths),
             what="Signing %d package(s)%s with %s" % (len(paths), " again" if again else "", fpr),
             error=_base.RepoCommandError)
    _checksig(paths, workdir, "Checking the signatures with the RPM signer %s" % fpr, "rpmdb-signer")


def _checksig(paths, workdir, what, db="rpmdb"):
    """rpmkeys --checksig at signature level against the repository's keys (imported into ``workdir``/rpmdb), or the
    RPM signer's only (``db`` rpmdb-signer)."""
    _cmd.run(["rpmkeys", "--dbpath", os.path.join(workdir, db), "--define", "_pkgverify_level signature",
              "--checksig"] + list(paths), what=what, error=_base.RepoCommandError)


def _copy(pkg, dest):
    """Copy a promoted package to ``dest``, the bytes planned (sha256) or none."""
    got = copy_checked(pkg.path, dest, pkg.sha256)
    if got == "":
        raise YumRepoError("'%s' left its repository after this promotion was planned: nothing was applied; "
                           "promote again." % pkg.path)
    if got is not None:
        raise YumRepoError("'%s' changed after this promotion was planned (sha256 %s, planned %s): nothing was "
                           "applied; promote again." % (pkg.path, got, pkg.sha256))


def _stage(cfg, fpr, change, packages, work):
    """Put the new packages into ``packages``: those of files signed with the RPM signer, the promoted ones as they
    are (the planned bytes, their signature checked against the repository's keys) - signed again with the RPM
    signer when another of the keys signed them; the file names signed again."""
    staged = [os.path.join(packages, ".incoming-" + pkg.filename) for pkg in change.add + change.copy]
    for pkg, path in zip(change.add, staged):
        shutil.copyfile(pkg.path, path)
    if change.add:
        _sign(cfg, fpr, staged[:len(change.add)], work)
    for pkg, path in zip(change.copy, staged[len(change.add):]):
        _copy(pkg, path)
    again = []
    if change.copy:
        _checksig(staged[len(change.add):], work, "Checking the promoted packages' signatures with the repository's "
                  "keys %s" % ", ".join(change.fingerprints))
        if change.promote_signer != fpr:
            _sign(cfg, fpr, staged[len(change.add):], work, again=True)
            again = [pkg.filename for pkg in change.copy]
    for pkg, path in zip(change.add + change.copy, staged):
        os.replace(path, os.path.join(packages, pkg.filename))
    return again


def _resign(cfg, fpr, change, old, work):
    """Sign the held files ``change.resign`` again with the RPM signer ``fpr``, each copied to packages/FPR/NAME (the
    served generation names the old file, which stays until the switch); their new locations."""
    if not change.resign:
        return {}
    folder = os.path.join(cfg.root, "packages", fpr)
    os.makedirs(folder, exist_ok=True)
    staged = [os.path.join(folder, ".incoming-" + name) for name in change.resign]
    for name, path in zip(change.resign, staged):
        shutil.copyfile(os.path.join(cfg.root, "packages", location(old, name)), path)
    _sign(cfg, fpr, staged, work, again=True)
    for name, path in zip(change.resign, staged):
        os.replace(path, os.path.join(folder, name))
    return {name: "%s/%s" % (fpr, name) for name in change.resign}


def _import_keys(cfg, fprs, gen, work):
    """Export the public keys into the generation (KEY_NAME) and the scratch keyring, and import them into the
    scratch rpm databases: rpmdb (every key) and rpmdb-signer (the RPM signer's, the last)."""
    keyfile = os.path.join(gen, cfg.key_name)
    _base.export_key(cfg.root, fprs, keyfile, os.path.join(work, "keyring.gpg"))
    _base.export_key(cfg.root, fprs[-1], os.path.join(work, "signer.asc"))
    for db, key in (("rpmdb", keyfile), ("rpmdb-signer", os.path.join(work, "signer.asc"))):
        _cmd.run(["rpmkeys", "--dbpath", os.path.join(work, db), "--import", key], what="Importing the keys",
                 error=_base.RepoCommandError)


def _metadata(cfg, fprs, gen, old, listed, work):
    """createrepo_c of the ``listed`` files (paths under packages/) into ``gen``; repomd.xml signed by every key
    (one detached armored file, one signature per key) and checked."""
    with open(os.path.join(work, "pkglist"), "w", encoding="utf-8") as handle:
        handle.write("".join(f + "\n" for f in listed))
    # gzip for every metadata file, whichever createrepo_c runs (0.17 writes gzip, 1.x zstd by default):
    # every dnf and yum reads it
    argv = ["createrepo_c", "--quiet", "--update", "--no-database", "--workers", "2",
            "--general-compress-type", "gz",
            "--pkglist", os.path.join(work, "pkglist"), "--location-prefix", "packages/",
            "--outputdir", gen, os.path.join(cfg.root, "packages")]
    if old and os.path.isdir(os.path.join(old, "repodata")):
        argv[argv.index("--update") + 1:argv.index("--update") + 1] = ["--update-md-path", old]
    _cmd.run(argv, what="Writing the repository metadata", error=_base.RepoCommandError)
    repomd = os.path.join(gen, "repodata", "repomd.xml")
    users = [arg for fpr in fprs for arg in ("--local-user", fpr)]
    _base.gpg(cfg.root, "--armor", "--detach-sign", *users, "--output", repomd + ".asc", repomd,
              what="Signing repomd.xml")
    _base.verify_signature(os.path.join(work, "keyring.gpg"), ["repomd.xml.asc", "repomd.xml"], fprs,
                           os.path.dirname(repomd), "repomd.xml.asc")


def apply(cfg, change):
    """Carry out a Plan made from the served state (under the lock, see ``_repo_base.change``); the file names signed
    again (``resigned``).

    The served state switches in one rename at the end; a plan made from another state is refused.
    A first publish that fails leaves no repository (``_repo_base.applying``).
    """
    with _base.applying(cfg.root), _base.work_dir(cfg.root) as work:
        old = _base.current(cfg.root)
        _base.ensure_planned_from(cfg.root, change.base, old)
        _base.clean_stale(cfg.root, old)
        fprs = _base.make_keys(cfg.root, change.keys, cfg.key_type, cfg.expiry)
        for renewal in change.renewals:
            _base.renew_key(cfg.root, renewal)
        _base.ensure_gpg_conf(cfg.root)
        packages = os.path.join(cfg.root, "packages")
        os.makedirs(packages, exist_ok=True)
        before = state(old)
        # files the served generation does not hold were left by killed changes (staged, or
        # signed but never switched to, or retired but not yet deleted): nothing serves them
        _base.collect_orphans(cfg.root, "packages", {"packages/" + location(before, n) for n in before["files"]})
        gen = _base.new_generation(cfg.root)
        os.symlink(os.path.relpath(packages, gen), os.path.join(gen, "packages"))
        _import_keys(cfg, fprs, gen, work)
        resigned = _stage(cfg, fprs[-1], change, packages, work)
        now = {"signer": fprs[-1], "signers": fprs, "files": change.holds, "locations": {
            n: where for n, where in before["locations"].items() if n in change.holds}}
        now["locations"].update(_resign(cfg, fprs[-1], change, before, work))
        _metadata(cfg, fprs, gen, old, [location(now, f) for f in sorted(change.holds)], work)
        with open(os.path.join(gen, STATE), "w", encoding="utf-8") as handle:
            json.dump(now, handle, indent=1, sort_keys=True)
        _base.switch(cfg.root, gen)
        _base.collect(cfg.root, ["packages/" + location(before, f) for f in change.remove + change.resign], "packages")
        if old:
            _base.remove_tree(old)
    return sorted(change.resign + resigned)


def public_key(root, key_name="RPM-GPG-KEY-pkgops"):
    gen = _base.current(root)
    return _base.read_text(os.path.join(gen, key_name)) if gen else None


def holdings(root):
    """{file name: entry} the served generation holds."""
    return state(_base.current(root))["files"]


__all__: t.List[str] = ["YumRepoError", "Config", "Plan", "plan", "apply", "read_rpm", "public_key", "holdings", "state", "location",
                        "served_signers"]
