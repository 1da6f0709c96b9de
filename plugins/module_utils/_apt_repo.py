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
    generations/ID/archive.json, archive-cache/   the archive suites' state (``_apt_archive``)
    pool/                  the package files, shared by the generations
    current -> generations/ID
    .lock, .gc, .dirty

A web server serves ``root/current/public``. A change builds a new generation: conf and db are
copied (reprepro rewrites its Berkeley DB files in place), dists are hard-linked (reprepro writes
each index, Release and signature as NAME.new and renames it over NAME, so the served files are
never written through) and the pool is shared (a pool file is never rewritten: its name carries its
package, version and architecture, and published files are immutable). reprepro works on the
copy with --keepunreferencedfiles, so the served generation's files stay; it exports and signs;
the signatures are verified with the exported public key, and only then does one ``rename`` of
the ``current`` symlink publish it. Files the new generation no longer references are listed in
``.gc`` before the switch and deleted after it. A change killed at any moment leaves ``current``
on the old, complete, signed generation, and traces: its ``.dirty`` mark, its generation. The next
change removes the unfinished generation and, seeing the traces, every pool file that neither the
served indices nor the served database name (what killed changes added), and finishes a pending
``.gc``; without traces the pool holds only what is served, and is not walked. A first publish
that fails leaves no repository (``_repo_base.applying``).

Beside each suite CODENAME the generation serves CODENAME-archive, the newest ``keep`` versions of every source
package (``_apt_archive``), built after reprepro's export and signed and verified with the suites. reprepro's
database keeps knowing the files an archive lists (they are not forgotten), so the pool's collection (``.gc``,
the orphans of killed changes) never takes them; a version an archive drops is forgotten and collected after
the switch like one the suites drop.
"""

from __future__ import annotations

import collections
import dataclasses
import gzip
import hashlib
import os
import re
import shutil
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _apt_archive as _archive
from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils import _repo_base as _base
from ansible_collections.pkgops.release.plugins.module_utils._files import sha256_of

KEY_TYPES = _base.KEY_TYPES


AptRepoError = _base.RepoError


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
    signing_keys: t.List[str] = dataclasses.field(default_factory=list)  # fingerprints or user IDs; each signs
    key_name: str = "archive-keyring"
    expiry: str = "2y"  # a generated key's lifetime, and a renewed key's from the renewal (_repo_base.KEY_EXPIRY)
    renew_days: int = _base.RENEW_DAYS  # a key expiring sooner is renewed before the change signs; 0: never by itself
    renew: bool = False  # renew the key now (unless that would not move its expiry by a day)
    keep: int = 0  # versions of each source package CODENAME-archive lists (_apt_archive); 0 keeps all


@dataclasses.dataclass
class Upload:
    path: str
    kind: str  # deb or dsc
    source: str
    filekeys: t.Dict[str, str]  # pool path -> sha256 of the file that goes there
    name: str  # package name (deb) or source name (dsc)
    version: str
    source_version: str = ""  # of a deb built from a source of another version (binNMU); else the version


PackageRow = collections.namedtuple("PackageRow", "source source_version package version architecture filekey")
"""One package in a suite's exported indices (``architecture`` is ``source`` for a source package)."""
Withdrawal = collections.namedtuple("Withdrawal", "codename source version")
Promotion = collections.namedtuple("Promotion", "to origin source version")


@dataclasses.dataclass
class Plan:
    changed: bool = False
    create: bool = False
    new_key: bool = False
    conf_changed: bool = False
    fingerprint: str = ""  # the last signing key's ("" when it is generated by the change)
    fingerprints: t.List[str] = dataclasses.field(default_factory=list)  # every signing key's, in order
    keys: t.List[t.Tuple[str, str]] = dataclasses.field(default_factory=list)  # (fingerprint or "", user ID to generate)
    add: t.List[Upload] = dataclasses.field(default_factory=list)
    unchanged: t.List[str] = dataclasses.field(default_factory=list)
    remove: t.List[Withdrawal] = dataclasses.field(default_factory=list)
    copy: t.List[Promotion] = dataclasses.field(default_factory=list)
    codename: str = ""
    component: str = "main"
    base: t.Optional[str] = None  # the served generation planned from
    unreferences: bool = True  # the change may leave pool files nothing names (apply asks reprepro which)
    renewals: t.List[_base.Renewal] = dataclasses.field(default_factory=list)  # the keys' renewals before signing
    archive: t.Dict[str, t.List[t.Tuple[str, str]]] = dataclasses.field(default_factory=dict)  # rebuilt: kept pairs
    archive_drop: t.List[t.Tuple[str, str]] = dataclasses.field(default_factory=list)  # withdrawn from the archive
    sources: t.List[str] = dataclasses.field(default_factory=list)  # of every upload, added or unchanged


gnupg_home = _base.gnupg_home
secret_keys = _base.secret_keys
current = _base.current
_read = _base.read_text


# --- configuration and state --------------------------------------------------------------------

def distributions(cfg, fpr):
    """conf/distributions for the suites, signed by ``fpr`` (a fingerprint, or a list of them: reprepro's SignWith
    takes several keys and signs InRelease and Release.gpg with each)."""
    fpr = fpr if isinstance(fpr, str) else " ".join(fpr)
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


def signer_of(conf_text):
    found = re.search(r"^SignWith:\s*(\S+)", conf_text or "", re.M)
    return found.group(1) if found else ""


def signers_of(conf_text):
    """The fingerprints a configuration signs with (its first suite's SignWith), in order."""
    found = re.search(r"^SignWith:[ \t]*(.*)$", conf_text or "", re.M)
    return found.group(1).split() if found else []


def served_signers(root):
    """The fingerprints that sign the served state, in order (none before the first publish)."""
    gen = current(root)
    return signers_of(_read(os.path.join(gen, "conf", "distributions"))) if gen else []


def _reprepro(gen, root, *args, what="reprepro"):
    """reprepro on the generation ``gen``; its output."""
    return _cmd.run(["reprepro", "--silent", "--keepunreferencedfiles", "--basedir", gen,
                     "--outdir", os.path.join(gen, "public"), "--gnupghome", gnupg_home(root)] + list(args),
                    what=what, error=_base.RepoCommandError).stdout


def _paragraphs(text, only):
    """The stanzas of an index, or those mentioning ``only`` (found by searching the text, not by splitting it all:
    an index of a large repository has tens of thousands of stanzas)."""
    if only is None:
        yield from (block for block in text.split("\n\n") if block.strip())
        return
    at = text.find(only)
    while at != -1:
        start = text.rfind("\n\n", 0, at)
        start = 0 if start == -1 else start + 2
        end = text.find("\n\n", at)
        end = len(text) if end == -1 else end
        if text[start:end].strip():
            yield text[start:end]
        at = text.find(only, end)


def _indices(gen, codename, read=None):
    """[(architecture, text)] of each index of ``codename``: every component's binary-ARCH/Packages, and its
    source/Sources.gz as architecture ``source``; kept in ``read`` (a dict) when given, so a plan reads each once."""
    if read is not None:
        if (gen, codename) not in read:
            read[(gen, codename)] = list(_indices(gen, codename))
        return read[(gen, codename)]
    return list(_read_indices(os.path.join(gen, "public", "dists", codename)))


def _read_indices(dists):
    if not os.path.isdir(dists):
        return
    for component in sorted(os.listdir(dists)):
        folder = os.path.join(dists, component)
        if not os.path.isdir(folder):
            continue
        for index in sorted(os.listdir(folder)):
            if index.startswith("binary-") and os.path.isfile(os.path.join(folder, index, "Packages")):
                with open(os.path.join(folder, index, "Packages"), encoding="utf-8") as handle:
                    yield index[len("binary-"):], handle.read()
            elif index == "source" and os.path.isfile(os.path.join(folder, index, "Sources.gz")):
                with gzip.open(os.path.join(folder, index, "Sources.gz"), "rt", encoding="utf-8") as handle:
                    yield "source", handle.read()


_FIELD = re.compile(r"^(Package|Version|Source|Filename|Directory):[ \t]*(.*?)[ \t]*$", re.M)
_DSC = re.compile(r"^ \S+ [0-9]+ (\S+\.dsc)$", re.M)


def _index_rows(gen, codename, only=None, read=None):
    """Rows of what ``codename`` holds (of source ``only``), read from its exported indices.

    Reading the served Packages and Sources files takes no reprepro lock, so a planning run
    killed midway leaves nothing behind, and it reads exactly what clients see. Each stanza is read with one
    regular expression for the five single-line fields a row needs (python-debian's parser takes a fraction of a
    millisecond a stanza: seconds for a large suite, which the archive suites read whole).
    """
    rows = []
    for arch, text in _indices(gen, codename, read):
        for block in _paragraphs(text, only):
            fields = dict(_FIELD.findall(block))
            if arch != "source":
                source, _sep, sver = fields.get("Source", fields["Package"]).partition(" ")
                rows.append(PackageRow(source, sver.strip("()") or fields["Version"], fields["Package"],
                                       fields["Version"], arch, fields["Filename"]))
            else:
                rows.append(PackageRow(fields["Package"], fields["Version"], fields["Package"], fields["Version"],
                                       "source", "%s/%s" % (fields["Directory"], _DSC.search(block).group(1))))
    return [r for r in rows if only is None or r.source == only]


def all_rows(gen, codename, read=None):
    """Every ``PackageRow`` of ``codename``."""
    return _index_rows(gen, codename, read=read)


def holds_name(gen, codename, kind, name, read=None):
    """Whether ``codename`` has a binary (``kind`` deb) or source (dsc) package called ``name``, which a new one
    of that name replaces (so the files of the old one may lose their last reference)."""
    line = "Package: %s\n" % name
    return any(text.startswith(line) or ("\n" + line) in text for arch, text in _indices(gen, codename, read)
               if (arch == "source") == (kind == "dsc"))


def listing(gen, codename, source, read=None):
    """The ``PackageRow`` of ``source`` in ``codename``."""
    return _index_rows(gen, codename, only=source, read=read)


def pool_dir(component, source):
    prefix = source[:4] if source.startswith("lib") and len(source) > 3 else source[:1]
    return "pool/%s/%s/%s" % (component, prefix, source)


def read_upload(path, component):
    """What a .deb or .dsc puts into the pool."""
    if path.endswith(".deb"):
        out = _cmd.run(["dpkg-deb", "--show", "--showformat", "${Package}\t${Version}\t${source:Package}\t${source:Version}\n", path],
                       what="Reading '%s'" % path, error=_base.RepoCommandError).stdout
        name, version, source, source_version = out.strip().split("\t")
        base = pool_dir(component, source)
        return Upload(path, "deb", source, {"%s/%s" % (base, os.path.basename(path)): sha256_of(path)}, name, version,
                      source_version)
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

def _target(cfg, codename, component):
    """The codename a change goes into (by default the first suite's), after checking it and ``component``."""
    names = [s.codename for s in cfg.suites]
    clash = sorted(set(names) & {_archive.name(n) for n in names})
    if clash:
        raise AptRepoError("Codename '%s' is the name of the archive suite of suite '%s': rename it."
                           % (clash[0], clash[0][:-len("-archive")]))
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
    return codename


def plan(cfg, files=(), codename="", component="main", withdraw=None, promote=None):
    """What a change does. ``withdraw`` is (source, version); ``promote`` is (from codename, source, version)."""
    codename = _target(cfg, codename, component)
    names = [s.codename for s in cfg.suites]
    gen = current(cfg.root)
    conf_now = _read(os.path.join(gen, "conf", "distributions")) if gen else None
    keys = _base.plan_keys(cfg.root, cfg.signing_key, cfg.signing_keys, signers_of(conf_now), cfg.uid)
    fprs = [fpr for fpr, _uid in keys]
    new_key = not all(fprs)
    result = Plan(create=gen is None, new_key=new_key, fingerprint=fprs[-1], fingerprints=fprs, keys=keys,
                  codename=codename, component=component, base=gen)
    result.conf_changed = new_key or conf_now != distributions(cfg, fprs)
    uploads = [read_upload(p, component) for p in expand(files)]
    result.sources = sorted({up.source for up in uploads})
    listed, read = {}, {}

    def rows(source, where=codename):
        if gen is None:
            return []
        if (where, source) not in listed:
            listed[(where, source)] = listing(gen, where, source, read)
        return listed[(where, source)]

    for up in uploads:
        for key, digest in up.filekeys.items():
            served = os.path.join(gen, "public", key) if gen else None
            if served and os.path.isfile(served) and sha256_of(served) != digest and _referenced(gen, key, up.source, names):
                raise AptRepoError("'%s' is already published as %s with other bytes (sha256 %s); a published "
                                   "version is immutable: raise the version or the revision."
                                   % (up.path, key, sha256_of(served)))
        main_key = next(iter(up.filekeys))
        if any(r.filekey == main_key for r in rows(up.source)):
            result.unchanged.append(os.path.basename(up.path))
        else:
            same = [r for r in rows(up.source) if r.package == up.name and r.version == up.version
                    and r.filekey != main_key]
            if same and up.kind == "deb":
                raise AptRepoError("%s %s is already in %s from another file (%s); refusing '%s'."
                                   % (up.name, up.version, codename, same[0].filekey, up.path))
            result.add.append(up)
    if withdraw:
        source, version = withdraw
        if any(r.source_version == version for r in rows(source)):
            result.remove.append(Withdrawal(codename, source, version))
    if promote:
        origin, source, version = promote
        if origin not in names:
            raise AptRepoError("Codename '%s' to promote from is not one of the repository's suites." % origin)
        found = [r for r in rows(source, origin) if r.source_version == version]
        if not found:
            raise AptRepoError("%s %s is not in %s: nothing to promote." % (source, version, origin))
        if sorted(r.filekey for r in found) != sorted(r.filekey for r in rows(source) if r.source_version == version):
            result.copy.append(Promotion(codename, origin, source, version))
    _plan_archive(cfg, gen, result, withdraw, read)
    result.unreferences = bool(result.remove or result.copy or result.conf_changed or gen is None
                               or any(holds_name(gen, codename, up.kind, up.name, read) for up in result.add))
    served_key = os.path.join(gen, "public", cfg.key_name + ".asc") if gen else None
    result.renewals, result.changed = _base.keys_upkeep(cfg, fprs, served_key, bool(
        result.create or result.conf_changed or result.add or result.remove or result.copy or result.archive))
    return result


def _plan_archive(cfg, gen, result, withdraw, read):
    """The archive suites the change rebuilds, with the pairs each keeps (``result.archive``), and the withdrawn
    pair the archive drops (``result.archive_drop``), from the served generation's archive state."""
    if cfg.keep < 0:
        raise AptRepoError("keep must be 0 (keep every version) or more, not %d." % cfg.keep)
    state = _archive.read_state(gen)
    entry = state.get(result.codename)
    if withdraw and (result.remove or (entry and list(withdraw) in entry["kept"])):
        result.archive_drop.append(tuple(withdraw))
    added = [(up.source, up.source_version or up.version) for up in result.add]
    added += [(c.source, c.version) for c in result.copy]

    def main_pairs(codename):
        return {(r.source, r.source_version) for r in all_rows(gen, codename, read)} if gen else set()

    result.archive = _archive.expect(state, [s.codename for s in cfg.suites], cfg.keep, result.codename, added,
                                     result.archive_drop, main_pairs)


def archive_kept(root, codename):
    """The (source, version) pairs the served CODENAME-archive lists."""
    entry = _archive.read_state(current(root)).get(codename)
    return [tuple(p) for p in entry["kept"]] if entry else []


# --- applying -----------------------------------------------------------------------------------

def _referenced(gen, filekey, source, codenames):
    """Whether the served generation's indices, the suites' or their archives', reference ``filekey`` (else it is a
    killed change's leftover)."""
    return any(r.filekey == filekey for codename in codenames + [_archive.name(c) for c in codenames]
               for r in _index_rows(gen, codename, only=source))


def _new_generation(root, old):
    """A generation to change: conf and db copied from ``old`` (reprepro rewrites its Berkeley DB files in place),
    dists hard-linked (reprepro writes an index as NAME.new and renames it over NAME, so a link is never written
    through: the served generation's files stay as they are), the key files copied; the pool shared."""
    os.makedirs(os.path.join(root, "pool"), exist_ok=True)
    gen = _base.new_generation(root)
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
                shutil.copytree(src, dst, copy_function=os.link if entry == "dists" else shutil.copy2)
            else:
                shutil.copy2(src, dst)
    else:
        os.makedirs(os.path.join(gen, "conf"))
        os.makedirs(new_pub)
    os.symlink(os.path.relpath(os.path.join(root, "pool"), new_pub), os.path.join(new_pub, "pool"))
    return gen


def _known(gen, root):
    """The filekeys a generation's database knows."""
    return {line.split()[0] for line in _reprepro(gen, root, "_listchecksums", what="Listing the pool").splitlines()
            if line.strip()}


def verify(gen, cfg, fpr):
    """Every suite's InRelease and Release.gpg verify against the exported key, made by ``fpr`` (each key of a list)."""
    keyring = os.path.join(gen, "public", cfg.key_name + ".gpg")
    for suite in cfg.suites:
        dists = os.path.join(gen, "public", "dists", suite.codename)
        _base.verify_signature(keyring, ["InRelease"], fpr, dists, "InRelease of suite %s" % suite.codename)
        _base.verify_signature(keyring, ["Release.gpg", "Release"], fpr, dists,
                               "Release.gpg of suite %s" % suite.codename)
        archive = os.path.join(gen, "public", "dists", _archive.name(suite.codename))
        if os.path.isdir(archive):
            _base.verify_signature(keyring, ["InRelease"], fpr, archive, "InRelease of suite %s" % _archive.name(
                suite.codename))
            _base.verify_signature(keyring, ["Release.gpg", "Release"], fpr, archive,
                                   "Release.gpg of suite %s" % _archive.name(suite.codename))


def _collect_orphans(root, old, gen, traces):
    """Delete the pool files neither the served indices nor the served database name (left by killed changes)
    and a pending ``.gc``; under the lock, before the change. Only when a killed change left ``traces``
    (``_repo_base.traces_of_killed``): else the pool holds only what the served state names, and walking it and
    reading its indices would cost more than the change itself in a large repository."""
    if not old or not traces:
        return
    known = _known(gen, root)
    _base.finish_gc(root, known, "pool")
    strays = _base.orphans(root, "pool", known)
    if strays:  # the served indices are read only for files the served database does not know
        dists = os.path.join(old, "public", "dists")
        named = {r.filekey for codename in sorted(os.listdir(dists)) for r in _index_rows(old, codename)}
        _base.collect(root, [rel for rel in strays if rel not in named], "pool")


def _actions(change):
    """The reprepro commands (argv tails, what) that change the database of a generation for ``change``."""
    actions = [(["--component", change.component, "include" + up.kind, change.codename, up.path],
                "Adding '%s' to %s" % (up.path, change.codename)) for up in change.add]
    actions += [(["removesrc", gone.codename, gone.source, gone.version],
                 "Withdrawing %s %s from %s" % (gone.source, gone.version, gone.codename)) for gone in change.remove]
    actions += [(["copysrc", copy.to, copy.origin, copy.source, copy.version],
                 "Promoting %s %s from %s to %s" % (copy.source, copy.version, copy.origin, copy.to))
                for copy in change.copy]
    return actions


def _update(cfg, gen, change, full):
    """Change the generation's database, export and sign: a single command (its export of the suites it changed)
    when that is all there is to do, else each with --export=never and one ``export`` of every suite (``full``:
    a new repository, configuration or key, whose every Release is written and signed again)."""
    actions = _actions(change)
    if len(actions) == 1 and not full:
        _reprepro(gen, cfg.root, "--export=changed", *actions[0][0], what=actions[0][1] + " (and exporting)")
        return
    for argv, what in actions:
        _reprepro(gen, cfg.root, "--export=never", *argv, what=what)
    _reprepro(gen, cfg.root, "export", what="Exporting and signing the indices")


def _build_archives(cfg, old, gen, change, fprs, full):
    """Rebuild the archive suites the change alters (every one after a new repository, configuration or key
    renewal) in ``gen``; (its archive state, written beside its db, and whether an archive stopped naming files)."""
    state = _archive.read_state(old)
    before = _archive.archived(state)
    rebuild = set(change.archive) | ({s.codename for s in cfg.suites} if full else set())
    _archive.copy_cache(old, gen)
    for suite in cfg.suites:
        if suite.codename in rebuild:
            drop = change.archive_drop if suite.codename == change.codename else ()
            state[suite.codename] = _archive.rebuild(
                cfg.root, gen, suite, cfg.keep, all_rows(gen, suite.codename),
                all_rows(gen, _archive.name(suite.codename)), drop, fprs)
    for gone in set(state) - {s.codename for s in cfg.suites}:  # a suite no longer configured: its archive goes
        shutil.rmtree(os.path.join(gen, "public", "dists", _archive.name(gone)), ignore_errors=True)
        del state[gone]
    _archive.write_state(gen, state)
    return state, bool(before - _archive.archived(state))


def apply(cfg, change):
    """Carry out a Plan made from the served state (under the lock, see ``_repo_base.change``).

    The served state switches in one rename at the end; a plan made from another state is refused.
    A first publish that fails leaves no repository (``_repo_base.applying``).
    """
    with _base.applying(cfg.root):
        old = current(cfg.root)
        _base.ensure_planned_from(cfg.root, change.base, old)
        traces = _base.traces_of_killed(cfg.root, old)
        _base.mark_dirty(cfg.root)
        _base.clean_stale(cfg.root, old)
        fprs = _base.make_keys(cfg.root, change.keys, cfg.key_type, cfg.expiry)
        for renewal in change.renewals:
            _base.renew_key(cfg.root, renewal)
        _base.ensure_gpg_conf(cfg.root)
        gen = _new_generation(cfg.root, old)
        with open(os.path.join(gen, "conf", "distributions"), "w", encoding="utf-8") as handle:
            handle.write(distributions(cfg, fprs))
        _collect_orphans(cfg.root, old, gen, traces)
        full = not old or change.conf_changed or bool(change.renewals)
        _update(cfg, gen, change, full)
        if change.conf_changed and old:
            _reprepro(gen, cfg.root, "--delete", "clearvanished", what="Dropping suites no longer configured")
        state, trimmed = _build_archives(cfg, old, gen, change, fprs, full)
        _base.stop_agent(cfg.root, wait=0)  # signed: the agent exits while the change goes on (applying waits for it)
        # the key files are exported every time: a renewed key (same fingerprint, later expiry) reaches clients
        _base.export_key(cfg.root, fprs, os.path.join(gen, "public", cfg.key_name + ".asc"),
                         os.path.join(gen, "public", cfg.key_name + ".gpg"))
        verify(gen, cfg, fprs)
        kept = _archive.archived(state)  # files an archive names stay known to reprepro's database and in the pool
        unreferenced = [k for k in _reprepro(gen, cfg.root, "dumpunreferenced", what="Listing unreferenced files")
                        .split() if k not in kept] if change.unreferences or trimmed else []
        if unreferenced:
            _reprepro(gen, cfg.root, "_forget", *unreferenced, what="Forgetting unreferenced files")
            _base.write_gc(cfg.root, unreferenced)
        _base.switch(cfg.root, gen)
        _base.finish_gc(cfg.root, set(), "pool")
        if old:
            _base.remove_tree(old)
        _base.mark_clean(cfg.root)
    return fprs[-1]


def public_key(root, key_name="archive-keyring"):
    gen = current(root)
    return _read(os.path.join(gen, "public", key_name + ".asc")) if gen else None


def packages(root, codename, source=None):
    """The ``PackageRow`` in ``codename`` (of ``source`` only)."""
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
    keys = sorted({r.filekey for codename in sorted(os.listdir(dists)) for r in _index_rows(gen, codename)})
    for key in keys:
        digest.update(key.encode() + b"\0" + sha256_of(os.path.join(pub, key)).encode())
    return digest.hexdigest()


__all__: t.List[str] = ["AptRepoError", "Suite", "Config", "Plan", "PackageRow", "Withdrawal", "Promotion", "plan", "apply", "current", "public_key",
                        "packages", "digest_of_tree", "distributions", "listing", "holds_name", "signers_of", "served_signers",
                        "archive_kept"]
