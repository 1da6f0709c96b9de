# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Promotion between two indexes of one devpi-server with devpi's own push.

devpi-server copies a release between its indexes itself: after a login (``POST /+login``), a ``POST`` of
``{"name": NAME, "version": VERSION, "targetindex": "USER/INDEX"}`` to the source index's URL copies the
release's files, the very same bytes, to the target index. Before asking for it the release's files are
read on both indexes (``GET /USER/INDEX/NAME/VERSION``, their ``sha256``): a version the source does not have
is refused (it was never in testing), files the target has with the same sha256 are unchanged, with another
sha256 refused. After the push the target's files are read again and must have the source's sha256.
"""

from __future__ import annotations

import dataclasses
import json
import typing as t
import urllib.parse

from ansible_collections.pkgops.release.plugins.module_utils._pypi_upload import (
    _DEVPI_NAME, UploadError, _devpi_login, _request)


@dataclasses.dataclass
class PushPlan:
    """What a promotion finds: the source's files of the release ({file name: sha256}), and those to push."""

    base: str  # the server's root URL, without a trailing slash
    source: str  # USER/INDEX
    target: str  # USER/INDEX
    name: str
    version: str
    files: t.Dict[str, str]
    add: t.List[str]
    unchanged: t.List[str]

    @property
    def changed(self):
        return bool(self.add)


def split_index_url(url):
    """(server root URL, "USER/INDEX") of a devpi index URL such as ``http://HOST:3141/USER/INDEX/``."""
    parts = urllib.parse.urlsplit(url or "")
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme not in ("http", "https") or not parts.hostname or len(segments) < 2 or parts.query:
        raise UploadError("url '%s' is not the URL of a devpi index: give http://HOST:PORT/USER/INDEX/." % url)
    index = "/".join(segments[-2:])
    root = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/".join([""] + segments[:-2]), "", ""))
    return root.rstrip("/"), check_index(index, "url")


def check_index(index, option):
    """``index`` when it is USER/INDEX of devpi names, else UploadError naming ``option``."""
    names = (index or "").split("/")
    if len(names) != 2 or not all(_DEVPI_NAME.match(n) for n in names):
        raise UploadError("%s '%s' is not a devpi index USER/INDEX (letters, digits, '.', '_' and '-', for example "
                          "release/testing)." % (option, index))
    return index


def release_files(base, index, name, version, auth=None):
    """{file name: sha256} of the release files of ``name`` ``version`` on ``index``; None when it has not that
    version. An index that does not exist is an UploadError."""
    url = "%s/%s/%s/%s" % (base, index, urllib.parse.quote(name), urllib.parse.quote(version))
    status, body = _request(url, headers=dict(auth or {}, Accept="application/json"))
    text = body.decode("utf-8", "replace")
    if status == 404 and "stage %s could not be found" % index in text:
        raise UploadError("devpi at %s has no index %s: create it (role pkgops.release.pypi_index, "
                          "pypi_index_devpi_index) or give the right USER/INDEX." % (base, index))
    if status == 404:
        return None
    if status != 200:
        raise UploadError("devpi at %s answered HTTP %d for %s: %s" % (base, status, url, text[:200]))
    try:
        links = json.loads(text)["result"].get("+links", [])
        return {link["href"].rstrip("/").rsplit("/", 1)[-1]: link["hashes"]["sha256"]
                for link in links if link.get("rel") == "releasefile"}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UploadError("devpi at %s answered %s with no release files devpi-server would list: is it a "
                          "devpi-server?" % (base, url))


def plan(base, source, target, name, version, auth=None):
    """The PushPlan; refuses a release the source does not have, and a file the target has with other bytes."""
    if source == target:
        raise UploadError("promote_from '%s' is the index of url itself: give the index to promote from (for example "
                          "the testing index)." % source)
    files = release_files(base, source, name, version, auth)
    if not files:
        raise UploadError("%s %s was never in testing: devpi index %s on %s does not have it; publish it there "
                          "first." % (name, version, source, base))
    there = release_files(base, target, name, version, auth) or {}
    for filename, sha256 in sorted(files.items()):
        if filename in there and there[filename] != sha256:
            raise UploadError("%s is already on devpi index %s with other bytes (sha256 %s, the one of %s: %s); a "
                              "published file is immutable." % (filename, target, there[filename], source, sha256))
    unchanged = sorted(f for f in files if f in there)
    add = sorted(f for f in files if f not in there)
    if add and unchanged:
        raise UploadError("devpi index %s holds part of %s %s (%s) but not %s: devpi's push copies a release whole; "
                          "remove the partial release from %s first." % (target, name, version, ", ".join(unchanged),
                                                                         ", ".join(add), target))
    return PushPlan(base, source, target, name, version, files, add, unchanged)


def login(base, username, password):
    """The header devpi wants for ``username``, or UploadError."""
    auth = _devpi_login(base, username, password)
    if auth is None:
        raise UploadError("devpi at %s refused the login of %s: check username and password." % (base, username))
    return auth


def push(change, auth, record):
    """devpi's push of ``change`` (a PushPlan) to its target; recorded in ``record``, run unless it is dry.
    The target's files are then read again and must be the source's bytes."""
    url = "%s/%s/" % (change.base, change.source)
    body = {"name": change.name, "version": change.version, "targetindex": change.target}
    record.add(["POST", url, json.dumps(body, sort_keys=True)])
    if record.dry:
        return
    status, answer = _request(url, "POST", body, auth, timeout=300)
    if status != 200:
        raise UploadError("devpi at %s did not push %s %s from %s to %s (HTTP %d): %s"
                          % (change.base, change.name, change.version, change.source, change.target, status,
                             _message(answer)))
    there = release_files(change.base, change.target, change.name, change.version, auth) or {}
    wrong = sorted(f for f, sha256 in change.files.items() if there.get(f) != sha256)
    if wrong:
        raise UploadError("devpi at %s pushed %s %s to %s, but it does not serve %s with the sha256 of %s."
                          % (change.base, change.name, change.version, change.target, ", ".join(wrong), change.source))


def _message(answer):
    try:
        return str(json.loads(answer)["message"])
    except (ValueError, KeyError, TypeError):
        return answer.decode("utf-8", "replace")[:200]


def promotion(url, username, password, source, name, version):
    """(PushPlan, auth header) of promoting ``name`` ``version`` from index ``source`` (USER/INDEX) to the index of
    ``url`` on the same server: read only, nothing pushed yet."""
    base, target = split_index_url(url)
    check_index(source, "promote_from")
    auth = login(base, username, password)
    return plan(base, source, target, name, version, auth), auth


__all__: t.List[str] = ["PushPlan", "split_index_url", "check_index", "release_files", "plan", "login", "push",
                        "promotion"]
