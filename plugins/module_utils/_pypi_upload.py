# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Uploads to a Python index server (devpi, pypiserver) with twine, and devpi's accounts.

Before uploading, each distribution is looked up on the server's PEP 503 page of its
project: the same file name with the same sha256 is already there (unchanged), with another
sha256 it is a conflict (refused, nothing uploaded), absent it is uploaded. Credentials go to
twine through its environment, never on a command line, and are removed from any message.

devpi has no server-side command for users and indexes: they are made through its HTTP API
(``/+login``, ``PUT /USER``, ``PUT /USER/INDEX``), which is small enough to speak directly.
"""

from __future__ import annotations

import base64
import dataclasses
import html.parser
import json
import os
import re
import typing as t
import urllib.error
import urllib.parse
import urllib.request

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils._pypi_index import PypiIndexError, read_dist

# The server is on the host or a private network: proxies from the environment do not apply.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class UploadError(ValueError):
    """A conflict, a refused login or a failed upload; the message never holds a password."""


class UploadCommandError(_cmd.CommandError, UploadError):
    """twine failed: an UploadError carrying its cmd, rc, stdout and stderr (the password masked)."""


@dataclasses.dataclass
class Plan:
    add: t.List[str]
    unchanged: t.List[str]

    @property
    def changed(self):
        return bool(self.add)


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = {}

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            path, _sep, fragment = href.partition("#")
            name = urllib.parse.unquote(path.rstrip("/").rsplit("/", 1)[-1])
            digest = fragment[len("sha256="):] if fragment.startswith("sha256=") else ""
            self.links[name] = digest


def _request(url, method="GET", data=None, headers=None, timeout=30):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if body is not None:
        req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json, text/html")
    try:
        with _OPENER.open(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise UploadError("Cannot reach %s: %s" % (url, getattr(exc, "reason", exc)))


def files_on_server(simple_url, project):
    """{file name: sha256} the server lists for ``project`` (empty when it does not know it)."""
    url = simple_url.rstrip("/") + "/" + project + "/"
    status, body = _request(url, headers={"Accept": "text/html"})
    if status == 404:
        return {}
    if status != 200:
        raise UploadError("The index page %s answered HTTP %d." % (url, status))
    parser = _Links()
    parser.feed(body.decode("utf-8", "replace"))
    return parser.links


def plan(files, simple_url):
    """Which files to upload; a file the server has with other bytes is a conflict."""
    add, unchanged = [], []
    pages = {}
    for path in files:
        if not os.path.isfile(path):
            raise UploadError("File '%s' does not exist." % path)
        try:
            dist = read_dist(path)
        except PypiIndexError as exc:
            raise UploadError(str(exc))
        if dist.project not in pages:
            pages[dist.project] = files_on_server(simple_url, dist.project)
        there = pages[dist.project].get(dist.filename)
        if there is None:
            add.append(path)
        elif there == dist.sha256:
            unchanged.append(dist.filename)
        else:
            raise UploadError("%s is already on %s with other bytes (sha256 %s, the file's %s); a published file "
                              "is immutable." % (dist.filename, simple_url, there or "not listed", dist.sha256))
    return Plan(add, unchanged)


def upload(files, url, username, password, twine="twine", record=None):
    """twine upload of ``files`` to ``url``; credentials through the environment only (and masked in
    what a failure reports). ``record``: a ``_cmd.Recorder`` (a dry one uploads nothing: check mode)."""
    env = {"TWINE_USERNAME": username, "TWINE_PASSWORD": password, "TWINE_NON_INTERACTIVE": "1", "NO_COLOR": "1"}
    env.update(dict.fromkeys(("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")))  # None: removed
    _cmd.run([twine, "upload", "--disable-progress-bar", "--repository-url", url] + list(files), env=env,
             secrets=(password,), record=record, what="twine upload to %s" % url, error=UploadCommandError)


# --- devpi accounts ----------------------------------------------------------------------------

def _devpi_login(base, user, password):
    status, body = _request(base + "/+login", "POST", {"user": user, "password": password})
    if status != 200:
        return None
    token = json.loads(body)["result"]["password"]
    return {"X-Devpi-Auth": base64.b64encode(("%s:%s" % (user, token)).encode()).decode()}


_DEVPI_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")  # a path segment of devpi's URLs, nothing more


def check_devpi_account(base, root_password, user, password, index):
    """Refuse, before any request, what would reach another server, user or index than meant, or fail there."""
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UploadError("url '%s' is not the http:// or https:// URL of a devpi-server (for example "
                          "http://127.0.0.1:3141)." % base)
    for option, value in (("user", user), ("index", index)):
        if not _DEVPI_NAME.match(value or ""):
            raise UploadError("%s '%s' is not a devpi %s name: use letters, digits, '.', '_' and '-', starting with a "
                              "letter or digit." % (option, value, option))
    for option, value in (("root_password", root_password), ("password", password)):
        if not value:
            raise UploadError("%s is empty: give the password." % option)


def devpi_account(base, root_password, user, password, index, check_mode=False):
    """Make sure ``user`` exists with ``password`` and owns a non-volatile ``index``; returns changed."""
    base = base.rstrip("/")
    changed = False
    auth = _devpi_login(base, user, password)
    if auth is None:
        root = _devpi_login(base, "root", root_password)
        if root is None:
            raise UploadError("devpi at %s refused the root login: is the root password the one it was "
                              "initialised with?" % base)
        status, _body = _request(base + "/" + user, headers=root)
        if not check_mode:
            if status == 404:
                status, body = _request(base + "/" + user, "PUT", {"password": password, "email": ""}, root)
            else:
                status, body = _request(base + "/" + user, "PATCH", {"password": password}, root)
            if status not in (200, 201):
                raise UploadError("devpi at %s did not accept user %s (HTTP %d): %s"
                                  % (base, user, status, body.decode("utf-8", "replace")[:200]))
            auth = _devpi_login(base, user, password)
        changed = True
    status, _body = _request(base + "/%s/%s" % (user, index))
    if status == 404:
        if not check_mode:
            status, body = _request(base + "/%s/%s" % (user, index), "PUT",
                                    {"type": "stage", "bases": [], "volatile": False}, auth)
            if status not in (200, 201):
                raise UploadError("devpi at %s did not create index %s/%s (HTTP %d): %s"
                                  % (base, user, index, status, body.decode("utf-8", "replace")[:200]))
        changed = True
    elif status != 200:
        raise UploadError("devpi at %s answered HTTP %d for index %s/%s." % (base, status, user, index))
    return changed


__all__: t.List[str] = ["UploadError", "UploadCommandError", "Plan", "plan", "upload", "files_on_server",
                        "check_devpi_account", "devpi_account"]
