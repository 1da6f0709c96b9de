# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release manifest: one JSON file naming the release, every artifact (name, sha256, size, where it
was published; for an RPM also the SHA-256 of its main header, which a yum repository's rpmsign keeps while it
changes the file's bytes) and the time each step took.

With SBOMs, each artifact's CycloneDX SBOM (``_sbom``) is a sidecar file ``<artifact>.cdx.json`` beside the
manifest, named in the artifact's entry with its SHA-256 (``sbom``): the manifest's signature covers them.

The step times belong to the run that made the release: a later run that finds the same release (same
artifacts, same places, same tag) leaves the file as it is, so a no-op re-run changes nothing.

Promotions (a release copied from a testing repository to a stable one, ``repo_publish`` with ``promote_from``)
are added afterwards to the manifest as records (``promotions``: type, from, to, each file's name and sha256,
date), the artifact list unchanged; a record already there (same type, from, to and files) is not added again.
A later run of the release keeps them.
"""

from __future__ import annotations

import hashlib
import json
import os

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _sbom
from ansible_collections.pkgops.release.plugins.module_utils._files import FileError, read_bytes
from ansible_collections.pkgops.release.plugins.module_utils._record import Artifact

TIMED = ("steps", "seconds")  # what differs from one run of the same release to the next


def artifact_entries(groups):
    """Each artifact as name, sha256, size and where it was published, sorted by name.

    ``groups``: dicts of ``paths`` and the places (``published``) all of those went to.
    """
    entries, seen = [], set()
    for group in groups:
        for path in group["paths"]:
            entries.append(_entry(path, group.get("published") or [], seen))
    return sorted(entries, key=lambda e: e["name"])


def _entry(path, published, seen):
    if os.path.isdir(path):
        raise FileError("Artifact '%s' is a directory, not a file: list the files themselves." % path)
    if not os.path.isfile(path):
        raise FileError("Artifact '%s' does not exist." % path)
    name = os.path.basename(path)
    if name in seen:
        raise FileError("Artifact name '%s' appears twice (%s)." % (name, path))
    seen.add(name)
    art = Artifact.of(path)
    entry = {"name": name, "sha256": art.sha256, "size": art.size, "published": sorted(set(published))}
    if name.endswith(".rpm"):  # a yum repository serves it signed (other bytes): its header and payload stay
        entry["header_sha256"] = rpm_header_sha256(path)
    return entry


def rpm_header_sha256(path):
    """The SHA-256 of an RPM's main header (which holds its payload's digest): the same before and after rpmsign."""
    proc = _cmd.run(["rpm", "-qp", "--nosignature", "--qf", "%{SHA256HEADER}", path], check=False)
    digest = proc.stdout.strip()
    if proc.returncode != 0 or len(digest) != 64:
        raise FileError("Artifact '%s' is not an RPM whose header rpm reads: %s" % (path, (proc.stderr or digest).strip()))
    return digest


def _seconds(name, value):
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not seconds >= 0 or seconds == float("inf"):
        raise ValueError("step '%s' took %r seconds, which is not a number of seconds (0 or more)." % (name, value))
    return round(seconds, 3)


def manifest(release, artifacts, steps):
    """The manifest: ``release`` (name, version, ...), the artifacts (see artifact_entries), the seconds per step."""
    own = sorted(set(release) & {"artifacts", "steps", "seconds"})
    if own:
        raise ValueError("release sets %s, which the manifest writes itself: remove %s from release."
                         % (", ".join(own), "it" if len(own) == 1 else "them"))
    steps = {name: _seconds(name, sec) for name, sec in steps.items()}
    return dict(release, artifacts=artifact_entries(artifacts), steps=steps,
                seconds=round(sum(steps.values()), 3))


def with_sboms(data, groups, folder):
    """Each artifact's SBOM: ``data``'s entries get ``sbom`` (name, sha256); returns {sidecar path: text}.

    An SBOM is made once per artifact: a sidecar already there that describes the same bytes (its component's
    sha256) is kept as it is, so that a re-run of the release, after the build host's packages changed, still
    finds the same manifest and signature."""
    paths = {os.path.basename(p): p for group in groups for p in group["paths"]}
    files = {}
    for entry in data["artifacts"]:
        name = entry["name"] + _sbom.SUFFIX
        text = _kept_sbom(os.path.join(folder, name), entry["sha256"])
        if text is None:
            text = _sbom.sbom_text(paths[entry["name"]], data.get("date"))
        entry["sbom"] = {"name": name, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        files[os.path.join(folder, name)] = text
    return files


def _kept_sbom(path, sha256):
    """The text of the sidecar ``path`` when it is an SBOM of the bytes ``sha256``, else None."""
    if os.path.islink(path):
        return None  # refused by sidecar_plan, with its reason
    raw = read_bytes(path)
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    if isinstance(data, dict) and sha256 in _sbom.artifact_hashes(data):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def sidecar_plan(files):
    """[(path, before, after)] of the sidecar files whose bytes differ from ``files`` (or are missing)."""
    out = []
    for path, text in sorted(files.items()):
        if os.path.islink(path):
            raise FileError("File '%s' is a symbolic link to '%s': remove it, the SBOM is written there."
                            % (path, os.readlink(path)))
        raw = read_bytes(path)
        if raw != text.encode("utf-8"):
            out.append((path, raw.decode("utf-8", "replace") if raw is not None else None, text))
    return out


def render(data):
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def same_release(old_text, new):
    """Whether the file already describes this release (its step times aside)."""
    try:
        old = json.loads(old_text)
    except ValueError:
        return False
    if not isinstance(old, dict):
        return False
    return _untimed(old) == _untimed(new)


def _untimed(data):
    return {k: v for k, v in data.items() if k not in TIMED + (PROMOTIONS,)}


PROMOTIONS = "promotions"  # added to a release's manifest afterwards, kept when the release's own part is the same
PROMOTION_TYPES = ("apt", "yum", "pypi", "devpi")


def promotion_record(record, date):
    """One promotion record (type, from, to, files by name with their sha256, date), checked."""
    kind, files = record.get("type"), record.get("files") or []
    if kind not in PROMOTION_TYPES:
        raise ValueError("promotion type %r is not one of %s." % (kind, ", ".join(PROMOTION_TYPES)))
    for end in ("from", "to"):
        if not isinstance(record.get(end), str) or not record[end]:
            raise ValueError("a %s promotion has no '%s': give the repository (suite, root or index) it went %s."
                             % (kind, end, end))
    if not files:
        raise ValueError("the %s promotion from %s to %s lists no files: give each file's filename and sha256."
                         % (kind, record["from"], record["to"]))
    listed = {}
    for item in files:
        name, sha256 = item.get("filename"), str(item.get("sha256") or "")
        if not name or len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("the %s promotion from %s to %s lists file %r with sha256 %r: give a file name and its "
                             "SHA-256 (64 hex digits)." % (kind, record["from"], record["to"], name, sha256))
        listed[name] = sha256
    return {"type": kind, "from": record["from"], "to": record["to"], "date": date,
            "files": [{"filename": n, "sha256": listed[n]} for n in sorted(listed)]}


def with_promotions(text, path, records, date):
    """(manifest data, added records) - the manifest ``text`` (of the file ``path``) with ``records`` it does not
    list yet (the same type, from, to and files, whatever the date); its artifacts and the rest stay."""
    try:
        data = json.loads(text) if text is not None else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("artifacts"), list):
        raise FileError("'%s' is not a release manifest (%s): write it with release_manifest (the release's "
                        "run) first." % (path, "missing" if text is None else "no JSON object with artifacts"))
    have = data.get(PROMOTIONS) or []
    known = {_promotion_key(r) for r in have}
    added = []
    for record in records:
        entry = promotion_record(record, date)
        if _promotion_key(entry) not in known:
            known.add(_promotion_key(entry))
            added.append(entry)
    return dict(data, **{PROMOTIONS: have + added}), added


def _promotion_key(record):
    files = tuple(sorted((f.get("filename"), f.get("sha256")) for f in record.get("files") or []))
    return (record.get("type"), record.get("from"), record.get("to"), files)


def plan(path, new):
    """(before, after) texts; after is None when the file stays as it is."""
    if os.path.islink(path):  # written by a rename, which would replace the link by a file
        raise FileError("File '%s' is a symbolic link to '%s': give the path of the file itself."
                        % (path, os.readlink(path)))
    raw = read_bytes(path)
    before = raw.decode("utf-8", "replace") if raw is not None else None
    if before is not None and same_release(before, new):
        return before, None
    return before, render(dict(new, **_kept_promotions(before, new)))


def _kept_promotions(before, new):
    """The promotions of the manifest ``before`` when it is of the same release (name and version) as ``new``."""
    try:
        old = json.loads(before) if before is not None else None
    except ValueError:
        return {}
    if not isinstance(old, dict) or not old.get(PROMOTIONS) or PROMOTIONS in new:
        return {}
    same = all(old.get(k) == new.get(k) for k in ("name", "version"))
    return {PROMOTIONS: old[PROMOTIONS]} if same else {}


def promotion_plan(path, records, date):
    """(before, after, data, added) of adding ``records`` to the manifest ``path``; after is None when each is
    there already."""
    if os.path.islink(path):
        raise FileError("File '%s' is a symbolic link to '%s': give the path of the file itself."
                        % (path, os.readlink(path)))
    raw = read_bytes(path)
    before = raw.decode("utf-8", "replace") if raw is not None else None
    data, added = with_promotions(before, path, records, date)
    return before, render(data) if added else None, data, added
