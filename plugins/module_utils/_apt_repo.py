# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A signed apt repository kept by reprepro, switched atomically between complete states.

Layout of the repository directory ``root``::

    gnupg/                 the repository's own GnuPG home (never served)
    generations/ID/conf/   reprepro's configuration of that state
    generations/ID/db/     reprepro's database of that state
    generations/ID/public/ what clients fetch: dists/ (signed), the public key, pool -> ../../../pool
    pool/                  the package files, shared by the generations
    current -> generations/ID
    .lock, .gc

A web server serves ``root/current/public``. A change builds a new generation: conf, db and
dists are copied and the pool is shared (a pool file is never rewritten: its name carries its
package, version and architecture, and published files are immutable). reprepro works on the
copy with --keepunreferencedfiles, so the served generation's files stay; it exports and signs;
the signatures are verified with the exported public key, and only then does one ``rename`` of
the ``current`` symlink publish it. Files the new generation no longer references are listed in
``.gc`` before the switch and deleted after it. A change killed at any moment leaves ``current``
on the old, complete, signed generation; the next change removes the unfinished generation,
pool files only it had added, and finishes a pending ``.gc``.
"""

from __future__ import annotations

import dataclasses
import fcntl
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils._files import sha256_of

KEY_TYPES = {"ed25519": ("ed25519", 22, 255), "rsa3072": ("rsa3072", 1, 3072), "rsa4096": ("rsa4096", 1, 4096)}
GPG_CONF = ("# Written by pkgops.release: signatures use SHA-512, never SHA-1.\n"
            "personal-digest-preferences SHA512 SHA384 SHA256\n"
            "digest-algo SHA512\ncert-digest-algo SHA512\nweak-digest SHA1\n")


class AptRepoError(ValueError):
    """Bad input or a refused change; the message names the file or the repository."""


@dataclasses.dataclass
class Suite:
    codename: str
    suite: str = ""
    components: t.List[str] = dataclasses.field(default_factory=lambda: ["main"])
    architectures: t.List[str] = dataclasses.field(default_factory=lambda: ["amd64", "source"])
    origin: str = "pkgops.release"
    label: str = "pkgops.release"
    description: str = ""


@dataclasses.dataclass
class Config:
    root: str
    suites: t.List[Suite]
    uid: str = "pkgops.release repository <repository@localhost>"
    key_type: str = "ed25519"
    signing_key: str = ""  # expected fingerprint; empty: the home's only key (generated when none)
    key_name: str = "archive-keyring"


@dataclasses.dataclass
class Upload:
    path: str
    kind: str  # deb or dsc
    source: str
    filekeys: t.Dict[str, str]  # pool path -> sha256 of the file that goes there
    name: str  # package name (deb) or source name (dsc)
    version: str


@dataclasses.dataclass
class Plan:
    changed: bool = False
    create: bool = False
    new_key: bool = False
    conf_changed: bool = False
    fingerprint: str = ""
    add: t.List[Upload] = dataclasses.field(default_factory=list)
    unchanged: t.List[str] = dataclasses.field(default_factory=list)
    remove: t.List[t.Tuple[str, str, str]] = dataclasses.field(default_factory=list)  # codename, source, version
    copy: t.List[t.Tuple[str, str, str, str]] = dataclasses.field(default_factory=list)  # to, from, source, version
    codename: str = ""
    component: str = "main"


def _run(argv, what, env=None, cwd=None):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, cwd=cwd)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-12:])
        raise AptRepoError("%s failed (rc %d): %s" % (what, proc.returncode, tail))
    return proc.stdout


# --- keys -------------------------------------------------------------------------------------

def gnupg_home(root):
    return os.path.join(root, "gnupg")


def _gpg(root, *args, what="gpg"):
    env = dict(os.environ, GNUPGHOME=gnupg_home(root), LC_ALL="C")
    return _run(["gpg", "--batch", "--no-tty", "--with-colons"] + list(args), what, env=env)


def secret_keys(root):
    """[(fingerprint, algorithm number, bits)] of the home's secret primary keys."""
    if not os.path.isdir(gnupg_home(root)):
        return []
    keys, pending = [], None
    for line in _gpg(root, "--list-secret-keys", what="Listing the repository's keys").splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            pending = (int(fields[3] or 0), int(fields[2] or 0))
        elif fields[0] == "fpr" and pending:
            keys.append((fields[9], pending[0], pending[1]))
            pending = None
    return keys


def _check_strength(fpr, algo, bits, home):
    if algo == 22 or (algo == 1 and bits >= 3072):
        return
    raise AptRepoError("Key %s in '%s' is too weak for a repository (algorithm %d, %d bits): use Ed25519 or "
                       "RSA of at least 3072 bits." % (fpr, home, algo, bits))


def choose_key(cfg, current_signer):
    """(fingerprint or "", generate?) - the key that signs, after the refusals."""
    home = gnupg_home(cfg.root)
    keys = secret_keys(cfg.root)
    wanted = cfg.signing_key.replace(" ", "").upper()
    if wanted:
        match = [k for k in keys if k[0].endswith(wanted)]
        if not match:
            raise AptRepoError("Signing key %s is not a secret key of the repository's GnuPG home '%s'; "
                               "a key that is not the repository's is refused." % (wanted, home))
        fpr = match[0]
    elif not keys:
        if current_signer:
            raise AptRepoError("The repository '%s' is signed by %s, whose secret key is missing from '%s'."
                               % (cfg.root, current_signer, home))
        return "", True
    elif len(keys) > 1:
        raise AptRepoError("The GnuPG home '%s' holds %d secret keys; name the one to sign with (signing_key)."
                           % (home, len(keys)))
    else:
        fpr = keys[0]
    _check_strength(fpr[0], fpr[1], fpr[2], home)
    if current_signer and current_signer != fpr[0]:
        raise AptRepoError("The repository '%s' is signed by %s; refusing to sign it with %s."
                           % (cfg.root, current_signer, fpr[0]))
    return fpr[0], False


def generate_key(cfg):
    home = gnupg_home(cfg.root)
    os.makedirs(home, mode=0o700, exist_ok=True)
    os.chmod(home, 0o700)
    with open(os.path.join(home, "gpg.conf"), "w", encoding="utf-8") as handle:
        handle.write(GPG_CONF)
    algo = KEY_TYPES[cfg.key_type][0]
    _gpg(cfg.root, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", cfg.uid, algo, "sign",
         "never", what="Generating the repository's signing key")
    keys = secret_keys(cfg.root)
    if len(keys) != 1:
        raise AptRepoError("Expected one key in '%s' after generating it, found %d." % (home, len(keys)))
    return keys[0][0]


# --- configuration and state --------------------------------------------------------------------

def distributions(cfg, fpr):
    """conf/distributions for the suites, signed by ``fpr``."""
    blocks = []
    for suite in cfg.suites:
        lines = ["Origin: %s" % suite.origin, "Label: %s" % suite.label, "Codename: %s" % suite.codename]
        if suite.suite:
            lines.append("Suite: %s" % suite.suite)
        lines += ["Components: %s" % " ".join(suite.components),
                  "Architectures: %s" % " ".join(suite.architectures),
                  "Description: %s" % (suite.description or "%s packages (%s)" % (suite.label, suite.codename)),
                  "SignWith: %s" % fpr]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def current(root):
    """The served generation's directory, or None."""
    link = os.path.join(root, "current")
    return os.path.realpath(link) if os.path.islink(link) and os.path.isdir(link) else None


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def signer_of(conf_text):
    found = re.search(r"^SignWith:\s*(\S+)", conf_text or "", re.M)
    return found.group(1) if found else ""


def _reprepro(gen, root, *args, what="reprepro"):
    return _run(["reprepro", "--silent", "--keepunreferencedfiles", "--basedir", gen,
                 "--outdir", os.path.join(gen, "public"), "--gnupghome", gnupg_home(root)] + list(args), what)


def _paragraphs(text, only):
    """The stanzas of an index, or those mentioning ``only`` (a cheap filter before parsing)."""
    for block in text.split("\n\n"):
        if block.strip() and (only is None or only in block):
            yield block


def _index_rows(gen, codename, only=None):
    """Rows of what ``codename`` holds (of source ``only``), read from its exported indices.

    Reading the served Packages and Sources files takes no reprepro lock, so a planning run
    killed midway leaves nothing behind, and it reads exactly what clients see.
    """
    from debian.deb822 import Packages, Sources

    dists = os.path.join(gen, "public", "dists", codename)
    rows = []
    if not os.path.isdir(dists):
        return rows
    for component in sorted(os.listdir(dists)):
        folder = os.path.join(dists, component)
        if not os.path.isdir(folder):
            continue
        for index in sorted(os.listdir(folder)):
            if index.startswith("binary-"):
                path, arch = os.path.join(folder, index, "Packages"), index[len("binary-"):]
                if not os.path.isfile(path):
                    continue
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
                for block in _paragraphs(text, only):
                    para = Packages(block)
                    source, _sep, sver = para.get("Source", para["Package"]).partition(" ")
                    rows.append((source, sver.strip("()") or para["Version"], para["Package"], para["Version"],
                                 arch, para["Filename"]))
            elif index == "source":
                path = os.path.join(folder, index, "Sources.gz")
                if not os.path.isfile(path):
                    continue
                with gzip.open(path, "rt", encoding="utf-8") as handle:
                    text = handle.read()
                for block in _paragraphs(text, only):
                    para = Sources(block)
                    dsc = next(f["name"] for f in para["Files"] if f["name"].endswith(".dsc"))
                    rows.append((para["Package"], para["Version"], para["Package"], para["Version"], "source",
                                 "%s/%s" % (para["Directory"], dsc)))
    return [r for r in rows if only is None or r[0] == only]


def listing(gen, codename, source):
    """(source, version, package, pkg version, arch, filekey) rows of ``source`` in ``codename``."""
    return _index_rows(gen, codename, only=source)


def pool_dir(component, source):
    prefix = source[:4] if source.startswith("lib") and len(source) > 3 else source[:1]
    return "pool/%s/%s/%s" % (component, prefix, source)


def read_upload(path, component):
    """What a .deb or .dsc puts into the pool."""
    if path.endswith(".deb"):
        out = _run(["dpkg-deb", "--show", "--showformat", "${Package}\t${Version}\t${source:Package}\n", path],
                   "Reading '%s'" % path)
        name, version, source = out.strip().split("\t")
        base = pool_dir(component, source)
        return Upload(path, "deb", source, {"%s/%s" % (base, os.path.basename(path)): sha256_of(path)}, name, version)
    if path.endswith(".dsc"):
        from debian.deb822 import Dsc

        with open(path, encoding="utf-8") as handle:
            dsc = Dsc(handle)
        if "Source" not in dsc or "Version" not in dsc:
            raise AptRepoError("File '%s' is not a source package description (no Source or Version)." % path)
        base = pool_dir(component, dsc["Source"])
        keys = {"%s/%s" % (base, os.path.basename(path)): sha256_of(path)}
        for entry in dsc.get("Checksums-Sha256", []):
            keys["%s/%s" % (base, entry["name"])] = entry["sha256"]
            local = os.path.join(os.path.dirname(path), entry["name"])
            if not os.path.isfile(local) or sha256_of(local) != entry["sha256"]:
                raise AptRepoError("File '%s' named by '%s' is missing or does not match its checksum."
                                   % (local, path))
        return Upload(path, "dsc", dsc["Source"], keys, dsc["Source"], dsc["Version"])
    raise AptRepoError("File '%s' is not a .deb, .dsc or .changes." % path)


def expand(files):
    """.changes files replaced by the .deb and .dsc they list (next to them)."""
    out = []
    for path in files:
        if not os.path.isfile(path):
            raise AptRepoError("File '%s' does not exist." % path)
        if path.endswith(".changes"):
            from debian.deb822 import Changes

            with open(path, encoding="utf-8") as handle:
                changes = Changes(handle)
            names = [e["name"] for e in changes.get("Files", [])]
            if not names:
                raise AptRepoError("File '%s' lists no files." % path)
            out += [os.path.join(os.path.dirname(path), n) for n in names if n.endswith((".deb", ".dsc"))]
        else:
            out.append(path)
    return out


# --- planning -----------------------------------------------------------------------------------

def plan(cfg, files=(), codename="", component="main", withdraw=None, promote=None):
    """What a change does. ``withdraw`` is (source, version); ``promote`` is (from codename, source, version)."""
    names = [s.codename for s in cfg.suites]
    if not names:
        raise AptRepoError("The repository '%s' needs at least one suite." % cfg.root)
    codename = codename or names[0]
    if codename not in names:
        raise AptRepoError("Codename '%s' is not one of the repository's suites (%s)." % (codename, ", ".join(names)))
    suite = cfg.suites[names.index(codename)]
    if component not in suite.components:
        raise AptRepoError("Component '%s' is not one of %s's components (%s)."
                           % (component, codename, ", ".join(suite.components)))
    if cfg.key_type not in KEY_TYPES:
        raise AptRepoError("Key type '%s' is not one of %s." % (cfg.key_type, ", ".join(KEY_TYPES)))
    gen = current(cfg.root)
    conf_now = _read(os.path.join(gen, "conf", "distributions")) if gen else None
    fpr, new_key = choose_key(cfg, signer_of(conf_now))
    result = Plan(create=gen is None, new_key=new_key, fingerprint=fpr, codename=codename, component=component)
    result.conf_changed = new_key or conf_now != distributions(cfg, fpr)

    uploads = [read_upload(p, component) for p in expand(files)]
    listed = {}

    def rows(source, where=codename):
        if gen is None:
            return []
        if (where, source) not in listed:
            listed[(where, source)] = listing(gen, where, source)
        return listed[(where, source)]

    for up in uploads:
        for key, digest in up.filekeys.items():
            served = os.path.join(gen, "public", key) if gen else None
            if served and os.path.isfile(served) and sha256_of(served) != digest and _referenced(gen, key, up.source, names):
                raise AptRepoError("'%s' is already published as %s with other bytes (sha256 %s); a published "
                                   "version is immutable: raise the version or the revision."
                                   % (up.path, key, sha256_of(served)))
        main_key = next(iter(up.filekeys))
        if any(r[5] == main_key for r in rows(up.source)):
            result.unchanged.append(os.path.basename(up.path))
        else:
            same = [r for r in rows(up.source) if r[2] == up.name and r[3] == up.version and r[5] != main_key]
            if same and up.kind == "deb":
                raise AptRepoError("%s %s is already in %s from another file (%s); refusing '%s'."
                                   % (up.name, up.version, codename, same[0][5], up.path))
            result.add.append(up)
    if withdraw:
        source, version = withdraw
        if any(r[1] == version for r in rows(source)):
            result.remove.append((codename, source, version))
    if promote:
        origin, source, version = promote
        if origin not in names:
            raise AptRepoError("Codename '%s' to promote from is not one of the repository's suites." % origin)
        found = [r for r in rows(source, origin) if r[1] == version]
        if not found:
            raise AptRepoError("%s %s is not in %s: nothing to promote." % (source, version, origin))
        if sorted(r[5] for r in found) != sorted(r[5] for r in rows(source) if r[1] == version):
            result.copy.append((codename, origin, source, version))
    result.changed = bool(result.create or result.conf_changed or result.add or result.remove or result.copy)
    return result


# --- applying -----------------------------------------------------------------------------------

def _referenced(gen, filekey, source, codenames):
    """Whether the served generation's indices reference ``filekey`` (else it is a killed change's leftover)."""
    return any(r[5] == filekey for codename in codenames for r in _index_rows(gen, codename, only=source))


def _new_generation(root, old):
    gens = os.path.join(root, "generations")
    os.makedirs(gens, exist_ok=True)
    os.makedirs(os.path.join(root, "pool"), exist_ok=True)
    gen = tempfile.mkdtemp(prefix="%d-" % time.time(), dir=gens)
    new_pub = os.path.join(gen, "public")
    if old:
        shutil.copytree(os.path.join(old, "conf"), os.path.join(gen, "conf"))
        shutil.copytree(os.path.join(old, "db"), os.path.join(gen, "db"), ignore=shutil.ignore_patterns("lockfile"))
        pub = os.path.join(old, "public")
        os.makedirs(new_pub)
        for entry in os.listdir(pub):
            src, dst = os.path.join(pub, entry), os.path.join(new_pub, entry)
            if entry == "pool":
                continue
            if os.path.isdir(src):
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
    else:
        os.makedirs(os.path.join(gen, "conf"))
        os.makedirs(new_pub)
    os.symlink(os.path.relpath(os.path.join(root, "pool"), new_pub), os.path.join(new_pub, "pool"))
    os.chmod(gen, 0o755)
    return gen


def _collect(root, filekeys):
    """Delete pool files (and the directories they leave empty)."""
    pool = os.path.join(root, "pool")
    for key in filekeys:
        path = os.path.join(root, key)
        if not os.path.realpath(path).startswith(pool + os.sep):
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        folder = os.path.dirname(path)
        while folder != pool:
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def _finish_gc(root, gen):
    """Delete the files a switched change left in .gc, unless the served generation knows them again."""
    path = os.path.join(root, ".gc")
    pending = _read(path)
    if pending is None:
        return
    known = _known(gen, root) if gen else set()
    _collect(root, [k for k in pending.split() if k not in known])
    os.unlink(path)


def _known(gen, root):
    """The filekeys a generation's database knows."""
    return {line.split()[0] for line in _reprepro(gen, root, "_listchecksums", what="Listing the pool").splitlines()
            if line.strip()}


def _remove_tree(path):
    subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)


def _clean_stale(root, keep):
    gens = os.path.join(root, "generations")
    if not os.path.isdir(gens):
        return
    for name in os.listdir(gens):
        path = os.path.join(gens, name)
        if os.path.realpath(path) != keep:
            _remove_tree(path)
    stale = os.path.join(root, ".current.new")
    if os.path.lexists(stale):
        os.unlink(stale)


def verify(gen, cfg, fpr):
    """Every suite's InRelease and Release.gpg verify against the exported key, made by ``fpr``."""
    keyring = os.path.join(gen, "public", cfg.key_name + ".gpg")
    for suite in cfg.suites:
        dists = os.path.join(gen, "public", "dists", suite.codename)
        for args in (["InRelease"], ["Release.gpg", "Release"]):
            proc = subprocess.run(["gpgv", "--status-fd", "1", "--keyring", keyring] + args, cwd=dists,
                                  capture_output=True, text=True, check=False)
            valid = re.findall(r"^\[GNUPG:\] VALIDSIG (\S+)", proc.stdout, re.M)
            if proc.returncode != 0 or fpr not in valid:
                raise AptRepoError("The signature %s of suite %s does not verify with key %s: %s"
                                   % (args[0], suite.codename, fpr, proc.stderr.strip()))


def apply(cfg, change):
    """Carry out a Plan; the served state switches in one rename at the end."""
    os.makedirs(cfg.root, exist_ok=True)
    with open(os.path.join(cfg.root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        old = current(cfg.root)
        _clean_stale(cfg.root, old)
        fpr = change.fingerprint or generate_key(cfg)
        conf = os.path.join(gnupg_home(cfg.root), "gpg.conf")
        if not os.path.exists(conf):
            with open(conf, "w", encoding="utf-8") as handle:
                handle.write(GPG_CONF)
        gen = _new_generation(cfg.root, old)
        with open(os.path.join(gen, "conf", "distributions"), "w", encoding="utf-8") as handle:
            handle.write(distributions(cfg, fpr))
        if old:
            _finish_gc(cfg.root, gen)
        # pool files of an upload that the database does not know were left by a killed change
        known = _known(gen, cfg.root) if old else set()
        _collect(cfg.root, [k for up in change.add for k in up.filekeys if k not in known])
        args = ["--export=never"]
        for up in change.add:
            _reprepro(gen, cfg.root, *(args + ["--component", change.component, "include" + up.kind,
                                               change.codename, up.path]),
                      what="Adding '%s' to %s" % (up.path, change.codename))
        for codename, source, version in change.remove:
            _reprepro(gen, cfg.root, *(args + ["removesrc", codename, source, version]),
                      what="Withdrawing %s %s from %s" % (source, version, codename))
        for to, origin, source, version in change.copy:
            _reprepro(gen, cfg.root, *(args + ["copysrc", to, origin, source, version]),
                      what="Promoting %s %s from %s to %s" % (source, version, origin, to))
        _reprepro(gen, cfg.root, "export", what="Exporting and signing the indices")
        if change.conf_changed and old:
            _reprepro(gen, cfg.root, "--delete", "clearvanished", what="Dropping suites no longer configured")
        # reprepro drops files nothing references any more by itself; the key files come with the
        # copy unless the repository or its configuration is new.
        armored = os.path.join(gen, "public", cfg.key_name + ".asc")
        if change.conf_changed or not os.path.exists(armored):
            key = _gpg(cfg.root, "--armor", "--export", fpr, what="Exporting the public key")
            with open(armored, "w", encoding="utf-8") as handle:
                handle.write(key)
            binary = subprocess.run(["gpg", "--batch", "--export", fpr], capture_output=True, check=True,
                                    env=dict(os.environ, GNUPGHOME=gnupg_home(cfg.root))).stdout
            with open(os.path.join(gen, "public", cfg.key_name + ".gpg"), "wb") as handle:
                handle.write(binary)
        verify(gen, cfg, fpr)
        unreferenced = _reprepro(gen, cfg.root, "dumpunreferenced", what="Listing unreferenced files").split()
        if unreferenced:
            _reprepro(gen, cfg.root, "_forget", *unreferenced, what="Forgetting unreferenced files")
            with open(os.path.join(cfg.root, ".gc.part"), "w", encoding="utf-8") as handle:
                handle.write("\n".join(unreferenced) + "\n")
            os.replace(os.path.join(cfg.root, ".gc.part"), os.path.join(cfg.root, ".gc"))
        link = os.path.join(cfg.root, ".current.new")
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.relpath(gen, cfg.root), link)
        os.replace(link, os.path.join(cfg.root, "current"))
        _finish_gc(cfg.root, gen)
        if old:
            _remove_tree(old)
    return fpr


def public_key(root, key_name="archive-keyring"):
    gen = current(root)
    return _read(os.path.join(gen, "public", key_name + ".asc")) if gen else None


def packages(root, codename, source=None):
    """(source, version, package, pkg version, arch, filekey) in ``codename`` (of ``source`` only)."""
    gen = current(root)
    return _index_rows(gen, codename, only=source) if gen else []


def digest_of_tree(root):
    """sha256 over what clients see: the served files outside the pool, and the pool files the indices name."""
    gen = current(root)
    digest = hashlib.sha256()
    if gen is None:
        return None
    pub = os.path.join(gen, "public")
    for dirpath, dirs, files in os.walk(pub):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            digest.update(os.path.relpath(path, pub).encode() + b"\0" + sha256_of(path).encode())
    dists = os.path.join(pub, "dists")
    keys = sorted({r[5] for codename in sorted(os.listdir(dists)) for r in _index_rows(gen, codename)})
    for key in keys:
        digest.update(key.encode() + b"\0" + sha256_of(os.path.join(pub, key)).encode())
    return digest.hexdigest()


__all__: t.List[str] = ["AptRepoError", "Suite", "Config", "Plan", "plan", "apply", "current", "public_key",
                        "packages", "digest_of_tree", "distributions"]
