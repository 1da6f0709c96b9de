# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A static PEP 503 "simple" index on disk, updated atomically.

Layout under the index root (serve the root; nothing else is in it)::

    packages/<normalized-name>/<file>       the distributions, never changed once written
    simple -> .simple-<digest>              a symlink to the current pages
    .simple-<digest>/index.html             the project list
    .simple-<digest>/<normalized-name>/index.html

A publish first copies new files into packages/, then writes a complete new page tree and
switches the ``simple`` symlink to it with one rename, then deletes what is withdrawn. A
reader therefore sees the old index or the new one, never a page that links to a missing
file. The served pages are the index's one record: a plan reads what they link (file, project,
sha256 and Requires-Python; the version from the file name), and the new pages are derived
from the files themselves (name, version and Requires-Python from each distribution's
metadata, sha256 from its bytes). A file in packages/ the served pages do not link was left by
an interrupted change (copied in before its switch, or withdrawn after it): the next change
deletes it, with the scratch trees of interrupted changes. A file name already published with
other bytes is refused.

A promotion copies the files (wheels and sdist) of one version from another static index: those its
served pages link, byte for byte - each file's sha256 must be the one its page links, when planned
and again when copied (the source is read without its lock; a source changed meanwhile fails the
change, which applies nothing).

Every change reads the index, plans and applies under the index's one lock (``_repo_base.change``): an
flock of the root directory itself (the root holds nothing but what is served), released when
the process ends. ``apply`` refuses a plan made from other pages than those served under the
lock, so a plan made outside it can fail but never drop a file from the pages.
"""

from __future__ import annotations

import dataclasses
import email.parser
import hashlib
import html
import os
import re
import tarfile
import tempfile
import typing as t
import zipfile

from ansible_collections.pkgops.release.plugins.module_utils import _repo_base as _base
from ansible_collections.pkgops.release.plugins.module_utils._files import copy_checked, sha256_of

LOCKFILE = ""  # the index's lock is the root directory itself


class PypiIndexError(ValueError):
    """A distribution that cannot be published, or an index that cannot be updated."""


@dataclasses.dataclass(frozen=True)
class Dist:
    filename: str
    project: str  # normalized
    version: str
    sha256: str
    requires_python: t.Optional[str]


@dataclasses.dataclass
class Plan:
    add: t.List[str]  # source paths to copy in
    unchanged: t.List[str]  # file names already there with the same bytes
    remove: t.List[Dist]  # distributions to withdraw
    dists: t.List[Dist]  # what the index holds afterwards
    base: t.Optional[str] = None  # the page tree served when planned
    promote: t.List[Dist] = dataclasses.field(default_factory=list)  # the promoted version's files in the source
    copy: t.List[str] = dataclasses.field(default_factory=list)  # source paths of those to copy in (not here yet)

    @property
    def changed(self):
        return bool(self.add or self.remove or self.copy)


def _metadata_text(path):
    name = os.path.basename(path)
    try:
        if name.endswith(".whl"):
            with zipfile.ZipFile(path) as archive:
                member = next(m for m in archive.namelist()
                              if m.count("/") == 1 and m.endswith(".dist-info/METADATA"))
                return archive.read(member).decode("utf-8")
        if name.endswith(".tar.gz"):
            with tarfile.open(path, "r:gz") as archive:
                member = next(m for m in archive.getmembers()
                              if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"))
                return archive.extractfile(member).read().decode("utf-8")
    except OSError as exc:  # the reason only: the path is in the message already, the errno says nothing more
        raise PypiIndexError("File '%s' is not a readable distribution: %s." % (path, exc.strerror or exc))
    except (zipfile.BadZipFile, tarfile.TarError, StopIteration, UnicodeDecodeError) as exc:
        raise PypiIndexError("File '%s' is not a readable distribution: %s." % (path, str(exc) or "no PKG-INFO or METADATA in it"))
    raise PypiIndexError("File '%s' is neither a wheel (.whl) nor an sdist (.tar.gz)." % path)


def read_dist(path):
    """The ``Dist`` of a wheel or sdist, from its file name and its own metadata."""
    from packaging.utils import (InvalidSdistFilename, InvalidWheelFilename, canonicalize_name,
                                 parse_sdist_filename, parse_wheel_filename)

    name = os.path.basename(path)
    try:
        if name.endswith(".whl"):
            project, version = parse_wheel_filename(name)[:2]
        else:
            project, version = parse_sdist_filename(name)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise PypiIndexError("File '%s' has no valid distribution file name: %s" % (path, exc))
    meta = email.parser.Parser().parsestr(_metadata_text(path), headersonly=True)
    if canonicalize_name(meta.get("Name", "")) != project or meta.get("Version") != str(version):
        raise PypiIndexError("File '%s' names %s %s but its metadata says %s %s."
                             % (path, project, version, meta.get("Name"), meta.get("Version")))
    return Dist(name, str(project), str(version), sha256_of(path), meta.get("Requires-Python"))


LINK = re.compile(r'<a href="\.\./\.\./packages/([^/"]+)/([^/"#]+)#sha256=([0-9a-f]{64})"'
                  r'(?: data-requires-python="([^"]*)")?>')


def _version_of(filename):
    from packaging.utils import parse_sdist_filename, parse_wheel_filename

    return str((parse_wheel_filename(filename) if filename.endswith(".whl") else parse_sdist_filename(filename))[1])


def current(root):
    """The distributions the index at ``root`` serves: what its served pages link."""
    link = served_pages(root)
    pages = os.path.join(root, link) if link else ""
    out = []
    if pages and os.path.isdir(pages):
        for project in sorted(os.listdir(pages)):
            text = _base.read_text(os.path.join(pages, project, "index.html")) if os.path.isdir(
                os.path.join(pages, project)) else None
            for found in LINK.finditer(text or ""):
                name, filename, digest, requires = found.groups()
                out.append(Dist(filename, name, _version_of(filename), digest,
                                html.unescape(requires) if requires is not None else None))
    return out


def served_pages(root):
    """The page tree ``simple`` links to, or None."""
    link = os.path.join(root, "simple")
    return os.readlink(link) if os.path.islink(link) else None


def _of_version(dists, name, version):
    """The ``dists`` of project ``name`` (any spelling) at ``version`` (PEP 440 equality), by file name."""
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    try:
        wanted = Version(str(version))
    except InvalidVersion:
        raise PypiIndexError("Version '%s' is not a PEP 440 version." % version)
    project = str(canonicalize_name(name))
    return sorted((d for d in dists if d.project == project and Version(d.version) == wanted), key=lambda d: d.filename)


def _promotion(root, promote):
    """[(source path, ``Dist``)] of ``promote`` = (source index root, project, version): the files its served pages
    link, each with the bytes they link (sha256), after the refusals."""
    origin, name, version = promote
    if os.path.realpath(origin) == os.path.realpath(root):
        raise PypiIndexError("promote_from '%s' is the index itself: give the root of another static index." % origin)
    found = _of_version(current(origin), name, version)
    if not found:
        raise PypiIndexError("%s %s is not in the index '%s'%s: nothing to promote into '%s'."
                             % (name, version, origin, "" if served_pages(origin) else " (it serves nothing)", root))
    out = []
    for linked in found:
        path = os.path.join(origin, "packages", linked.project, linked.filename)
        dist = read_dist(path) if os.path.isfile(path) else None
        if dist is None or dist.sha256 != linked.sha256:
            raise PypiIndexError("File '%s' is %s, not the bytes the index '%s' links (sha256 %s): the source is being "
                                 "changed; promote again." % (path, "missing" if dist is None else "other",
                                                              origin, linked.sha256))
        out.append((path, dist))
    return out


def _take(have, path, dist, unchanged, to):
    """Plan ``dist`` (at ``path``) in: ``path`` added to ``to`` when new, unchanged with the same bytes, refused
    with others."""
    old = have.get(dist.filename)
    if old is None:
        to.append(path)
        have[dist.filename] = dist
    elif old.sha256 == dist.sha256:
        unchanged.append(dist.filename)
    else:
        raise PypiIndexError("File '%s' is already published with other bytes (sha256 %s, new %s); "
                             "published files are immutable: release a new version."
                             % (dist.filename, old.sha256, dist.sha256))


def plan(root, files=(), withdraw=None, promote=None):
    """What publishing ``files`` (or withdrawing version ``withdraw = (project, version)``, or promoting
    ``promote = (source index root, project, version)``) does."""
    base = served_pages(root)
    have = {d.filename: d for d in current(root)}
    add, unchanged, remove, copy, promoted = [], [], [], [], []
    for path in files:
        _take(have, path, read_dist(path), unchanged, add)
    if promote is not None:
        for path, dist in _promotion(root, promote):
            promoted.append(dist)
            _take(have, path, dist, unchanged, copy)
    if withdraw is not None:
        remove = _of_version(have.values(), withdraw[0], withdraw[1])
        for dist in remove:
            del have[dist.filename]
    return Plan(add, unchanged, remove, sorted(have.values(), key=lambda d: (d.project, d.filename)), base,
                promoted, copy)


def _page(title, links):
    body = "".join("    %s<br/>\n" % link for link in links)
    return ("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n"
            "    <title>%s</title>\n  </head>\n  <body>\n%s  </body>\n</html>\n" % (html.escape(title), body))


def render(dists):
    """{relative path: text} of every page of the simple index."""
    projects = {}
    for dist in dists:
        projects.setdefault(dist.project, []).append(dist)
    pages = {"index.html": _page("Simple index", [
        '<a href="%s/">%s</a>' % (name, html.escape(name)) for name in sorted(projects)])}
    for name, items in projects.items():
        links = []
        for dist in items:
            attr = ""
            if dist.requires_python:
                attr = ' data-requires-python="%s"' % html.escape(dist.requires_python, quote=True)
            links.append('<a href="../../packages/%s/%s#sha256=%s"%s>%s</a>'
                         % (name, dist.filename, dist.sha256, attr, html.escape(dist.filename)))
        pages["%s/index.html" % name] = _page("Links for %s" % name, links)
    return pages


def apply(root, the_plan):
    """Carry out a plan made from the served pages: copy, switch the page tree in one rename, then delete.

    Under the lock, first the files no served page links and the scratch trees of interrupted changes go; a first
    publish that fails leaves no index (``_repo_base.applying``).
    """
    with _base.applying(root, LOCKFILE):
        if served_pages(root) != the_plan.base:
            raise PypiIndexError("The index '%s' changed after this change was planned (another change was "
                                 "published meanwhile): nothing was applied; plan it again under the index's lock."
                                 % root)
        _collect(root)
        _copy_and_switch(root, the_plan)


def _collect(root):
    """Delete what interrupted changes left: files in packages/ the served pages do not link, page trees not
    served, staging trees, link files and ``*.part`` files."""
    _base.collect_orphans(root, "packages", {"packages/%s/%s" % (d.project, d.filename) for d in current(root)})
    keep = served_pages(root)
    for entry in os.listdir(root):
        if (entry.startswith((".simple-", ".staging-")) or entry.endswith(".part")) and entry != keep:
            _base.remove_tree(os.path.join(root, entry))


def _copy_in(root, path, dist):
    """Copy the file at ``path`` into packages/, the bytes planned (``dist.sha256``) or none."""
    folder = os.path.join(root, "packages", dist.project)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=folder)
    os.close(fd)
    got = copy_checked(path, tmp, dist.sha256)
    if got == "":
        raise PypiIndexError("File '%s' is gone since this change was planned: nothing was applied; publish again."
                             % path)
    if got is not None:
        raise PypiIndexError("File '%s' changed since this change was planned (sha256 %s, planned %s): nothing "
                             "was applied; publish again." % (path, got, dist.sha256))
    os.chmod(tmp, 0o644)
    os.replace(tmp, os.path.join(folder, dist.filename))


def _copy_and_switch(root, the_plan):
    os.makedirs(os.path.join(root, "packages"), exist_ok=True)
    planned = {d.filename: d for d in the_plan.dists}
    for path in the_plan.add + the_plan.copy:
        _copy_in(root, path, planned[os.path.basename(path)])
    pages = render(the_plan.dists)
    digest = hashlib.sha256("".join(k + v for k, v in sorted(pages.items())).encode()).hexdigest()[:16]
    tree = os.path.join(root, ".simple-" + digest)
    if not os.path.isdir(tree):
        staging = tempfile.mkdtemp(prefix=".staging-", dir=root)
        for rel, text in pages.items():
            os.makedirs(os.path.dirname(os.path.join(staging, rel)), exist_ok=True)
            with open(os.path.join(staging, rel), "w", encoding="utf-8") as handle:
                handle.write(text)
        for dirpath, _dirs, _files in os.walk(staging):
            os.chmod(dirpath, 0o755)
        os.rename(staging, tree)
    link = os.path.join(root, "simple")
    if os.path.realpath(link) != os.path.realpath(tree):
        tmp_link = os.path.join(root, ".simple-link-%d" % os.getpid())
        if os.path.lexists(tmp_link):
            os.unlink(tmp_link)
        os.symlink(os.path.basename(tree), tmp_link)
        os.replace(tmp_link, link)  # the one step readers can observe
    _base.published(root)
    for dist in the_plan.remove:
        _base.collect(root, ["packages/%s/%s" % (dist.project, dist.filename)], "packages")
    for entry in os.listdir(root):  # page trees no longer linked
        if entry.startswith(".simple-") and entry != os.path.basename(tree):
            _base.remove_tree(os.path.join(root, entry))
