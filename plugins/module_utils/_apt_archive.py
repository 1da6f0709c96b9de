# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The archive suite of an apt repository: the newest ``keep`` versions of every source package stay installable.

reprepro (5.3.1, Debian 12) keeps one version of a package per suite. Beside each suite CODENAME the
repository serves CODENAME-archive (Suite SUITE-archive when the suite has a suite name; same Origin, Label,
components and architectures) whose indices list every kept version: those the suite has now and those the
previous generation's archive listed, trimmed to the newest ``keep`` versions of each source package (Debian
version order; 0 keeps all), minus withdrawn ones. It is built inside the generation the change makes, from
the pool files, by ``apt-ftparchive`` (``generate`` over file lists, then ``release``), signed with the
repository's key (``_repo_base.sign_release``) and switched with the suite in the same rename.

GENERATION/archive-cache/ is apt-ftparchive's cache (copied from the served generation, like db/), so a
change reads only the pool files it has not read before. GENERATION/archive.json (beside conf/ and db/, never
served) records, per codename, ``keep``, the kept
(source, version) pairs and the pool files the archive names: planning reads it instead of the indices, and
the pool's garbage collection keeps those files (reprepro's database keeps knowing them: they are not
forgotten while an archive names them).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils import _repo_base as _base

STATE = "archive.json"
CACHE = "archive-cache"  # GENERATION/archive-cache: apt-ftparchive's cache of what it read of each pool file


def name(codename):
    """The archive suite's codename (its directory under dists/)."""
    return codename + "-archive"


def read_state(gen):
    """{codename: {"keep": N, "kept": [[source, version]], "files": [pool paths]}} of a generation ({} when none)."""
    text = _base.read_text(os.path.join(gen, STATE)) if gen else None
    return json.loads(text) if text else {}


def write_state(gen, state):
    path = os.path.join(gen, STATE)
    with open(path + ".part", "w", encoding="utf-8") as handle:
        json.dump(state, handle, sort_keys=True)
    os.replace(path + ".part", path)


def archived(state):
    """Every pool file an archive of ``state`` names."""
    return {key for entry in state.values() for key in entry["files"]}


def newest(pairs, keep, pinned=()):
    """The (source, version) ``pairs`` trimmed to the newest ``keep`` versions of each source (0: all), with
    ``pinned`` kept whatever their rank; sorted by source, then version, oldest first."""
    from debian.debian_support import Version

    versions, pins = collections.defaultdict(set), collections.defaultdict(set)
    for source, version in set(pairs) | set(pinned):
        versions[source].add(version)
    for source, version in pinned:
        pins[source].add(version)
    out = []
    for source in sorted(versions):
        ordered = sorted(versions[source], key=Version, reverse=True) if len(versions[source]) > 1 else \
            list(versions[source])
        chosen = set(ordered[:keep] if keep else ordered) | pins[source]
        out += [(source, v) for v in reversed(ordered) if v in chosen]
    return out


def expect(state, codenames, keep, target, added, dropped, main_pairs):
    """{codename: kept pairs} of the archives a change (re)builds: ``target``'s when the change adds to it or drops
    from it, any whose archive is missing, lists other pairs or was trimmed with another ``keep``. ``main_pairs(codename)``
    gives a suite's pairs (read only for an archive not built yet)."""
    out = {}
    for codename in codenames:
        entry = state.get(codename)
        before = [tuple(p) for p in entry["kept"]] if entry else None
        pairs = set(before) if entry else set(main_pairs(codename))
        if codename == target:
            pairs = (pairs | set(added)) - set(dropped)
        kept = newest(pairs, keep)
        if entry is None or entry["keep"] != keep or kept != before or (codename == target and (added or dropped)):
            out[codename] = kept
    return out


def _file_lists(work, rows, suite):
    """Write the file lists apt-ftparchive reads (one per component and architecture, relative to the served
    tree) and return the Tree section's architectures."""
    arches = [a for a in suite.architectures if a != "source"] + (["source"] if "source" in suite.architectures else [])
    for component in suite.components:
        for arch in arches:
            keys = sorted({r.filekey for r in rows if r.filekey.split("/")[1] == component and r.architecture == arch})
            with open(os.path.join(work, "list_%s_%s" % (component, arch)), "w", encoding="utf-8") as handle:
                handle.write("".join(k + "\n" for k in keys))
    return arches


def _ftparchive(argv, what, cwd):
    """apt-ftparchive, whose errors (E: lines) do not always set its exit status."""
    proc = _cmd.run(["apt-ftparchive"] + argv, cwd=cwd, what=what, error=_base.RepoCommandError)
    if any(line.startswith("E:") for line in proc.stderr.splitlines()):
        raise _base.RepoCommandError(proc.cmd, proc.returncode, proc.stdout, proc.stderr, what=what)
    return proc.stdout


def release_fields(suite):
    """apt-ftparchive release's -o options: Origin, Label, Suite, Codename, Architectures, Components."""
    described = suite.description or "%s packages (%s)" % (suite.label, suite.codename)
    fields = [("Origin", suite.origin), ("Label", suite.label), ("Codename", name(suite.codename)),
              ("Architectures", " ".join(a for a in suite.architectures if a != "source")),
              ("Components", " ".join(suite.components)), ("Description", "%s (kept versions)" % described)]
    if suite.suite:
        fields.insert(2, ("Suite", name(suite.suite)))
    return [arg for key, value in fields for arg in ("-o", "APT::FTPArchive::Release::%s=%s" % (key, value))]


def build(root, gen, suite, rows, fingerprints):
    """Write and sign dists/CODENAME-archive of the generation ``gen`` listing ``rows`` (``PackageRow``, their
    ``architecture`` the index they go into): built as CODENAME-archive.new and renamed into place (the old
    directory, hard-linked from the served generation, is unlinked, never written through)."""
    public = os.path.join(gen, "public")
    work = os.path.join(gen, "archive-work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    tree = "dists/%s.new" % name(suite.codename)
    shutil.rmtree(os.path.join(public, tree), ignore_errors=True)
    arches = _file_lists(work, rows, suite)
    for component in suite.components:
        for arch in arches:
            os.makedirs(os.path.join(public, tree, component, "source" if arch == "source" else "binary-" + arch))
    with open(os.path.join(work, "conf"), "w", encoding="utf-8") as handle:
        handle.write('Dir { ArchiveDir "%s"; CacheDir "%s"; };\n' % (public, os.path.join(gen, CACHE))
                     + 'Default { Packages::Compress ". gzip"; Sources::Compress ". gzip"; };\n'
                     + 'Tree "%s" { Sections "%s"; Architectures "%s"; FileList "%s/list_$(SECTION)_$(ARCH)"; '
                     'SourceFileList "%s/list_$(SECTION)_source"; };\n'
                     % (tree, " ".join(suite.components), " ".join(arches), work, work))
    what = "Writing the indices of %s" % name(suite.codename)
    _ftparchive(["--no-contents", "-qq", "generate", os.path.join(work, "conf")], what, public)
    text = _ftparchive(release_fields(suite) + ["release", tree], "Writing the Release of %s" % name(suite.codename),
                       public)
    release = os.path.join(public, tree, "Release")
    with open(release, "w", encoding="utf-8") as handle:
        handle.write(text)
    _base.sign_release(root, fingerprints, release)
    final = os.path.join(public, "dists", name(suite.codename))
    shutil.rmtree(final, ignore_errors=True)
    os.rename(os.path.join(public, tree), final)
    shutil.rmtree(work)


def copy_cache(old, gen):
    """apt-ftparchive's cache of the served generation copied into ``gen`` (pool files never change, so what it
    read of one stays true; a copy, so a change killed while apt-ftparchive writes it leaves the served one whole)."""
    if old and os.path.isdir(os.path.join(old, CACHE)):
        shutil.copytree(os.path.join(old, CACHE), os.path.join(gen, CACHE))
    else:
        os.makedirs(os.path.join(gen, CACHE))


def rebuild(root, gen, suite, keep, main_rows, old_rows, dropped, fingerprints):
    """Build ``suite``'s archive from its rows now and those its old archive listed (less ``dropped`` pairs); its
    state entry."""
    dropped = set(dropped)
    old_rows = [r for r in old_rows if (r.source, r.source_version) not in dropped]
    kept = newest({(r.source, r.source_version) for r in main_rows + old_rows}, keep,
                  pinned={(r.source, r.source_version) for r in main_rows})
    chosen, seen, wanted = [], set(), set(kept)
    for row in main_rows + old_rows:
        if (row.source, row.source_version) in wanted and (row.architecture, row.filekey) not in seen:
            seen.add((row.architecture, row.filekey))
            chosen.append(row)
    build(root, gen, suite, chosen, fingerprints)
    return {"keep": keep, "kept": [list(p) for p in kept],
            "files": sorted({r.filekey for r in chosen} | _source_files(gen, chosen))}


def _source_files(gen, rows):
    """The pool files the kept source packages' .dsc name (their tarballs): kept with them, for apt-ftparchive reads
    them again whenever the archive is rebuilt (python-debian reads the .dsc)."""
    from debian import deb822  # python-debian, a requirement of type=apt

    files = set()
    for row in rows:
        if row.architecture == "source":
            with open(os.path.join(gen, "public", row.filekey), encoding="utf-8") as handle:
                listed = deb822.Dsc(handle).get("Files", [])
            files.update("%s/%s" % (os.path.dirname(row.filekey), entry["name"]) for entry in listed)
    return files


__all__: t.List[str] = ["STATE", "name", "read_state", "write_state", "archived", "newest", "expect", "build", "copy_cache", "rebuild",
                        "release_fields"]
