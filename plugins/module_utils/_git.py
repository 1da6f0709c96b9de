# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A release in the project's git checkout: refuse a dirty tree or a version tagged elsewhere, then commit
the release's own files and put the annotated tag on that commit.

Runs the git command line (as ansible.builtin.git does): no library is needed on the build host.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _version

# The trailer git_release writes into a release commit: it names the version of an untagged release
# commit (a release stopped between its commit and its tag), so that the release can be resumed.
TRAILER = "Release-Version"


class GitError(ValueError):
    pass


class GitCommandError(_cmd.CommandError, GitError):
    """A git command failed: a GitError carrying the command's cmd, rc, stdout and stderr."""


def _git(path, *args, env=None, check=True, record=None):
    """``git -C path ARGS``; a failure names the directory and the subcommand."""
    return _cmd.run(["git", "-C", path] + list(args), env=env, check=check, record=record,
                    what="%s: git %s" % (path, args[0]), error=GitCommandError)


def _changed(path, *args):
    """Paths (relative to the work tree's top) that ``git status`` lists, with ``args`` (options, then paths)."""
    out = _git(path, "status", "--porcelain=v1", "-z", *args).stdout
    return [entry[3:] for entry in out.split("\0") if entry[3:]]


@dataclasses.dataclass
class Checkout:
    """What git says about the project directory."""
    path: str
    top: str                     # the work tree's top level
    head: t.Optional[str]        # None before the first commit
    dirty: t.List[str]           # tracked files under the project with changes (staged or not)

    def tagged(self, tag):
        """The commit ``tag`` names, or None."""
        proc = _git(self.path, "rev-parse", "-q", "--verify", "refs/tags/%s^{commit}" % tag, check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None


# "Name <email>", as git signs commits, dpkg-parsechangelog reads the trailer and rpm the %changelog header.
IDENTITY_RE = re.compile(r"^[^<>\x00-\x1f\s](?:[^<>\x00-\x1f]*[^<>\x00-\x1f\s])? <[^<>@\s]+@[^<>@\s]+>\Z")


def check_inputs(path, tag, identity=None, expected=None, files=()):
    """Refuse, before git runs anything that changes the checkout, what would fail half-way or be ignored:
    a project path that is no directory, a tag git refuses, an identity that is not Name <email>, an
    ``expected`` that is no directory, a release file that does not exist."""
    if not os.path.isdir(path):
        if os.path.exists(path):
            raise GitError("Project path '%s' is a file, not a directory: give the project's directory." % path)
        raise GitError("Project directory '%s' does not exist." % path)
    proc = _git(path, "check-ref-format", "refs/tags/" + tag, check=False)
    if proc.returncode != 0:
        raise GitError("Tag '%s' (tag_prefix and version) is not a valid git tag name (git check-ref-format refuses "
                       "it): use a version and a tag_prefix without spaces, '..', '~', '^', ':', '?', '*', '['." % tag)
    if identity is not None and not IDENTITY_RE.match(identity):
        raise GitError("identity '%s' is not 'Name <email>'." % identity)
    if expected is not None and not os.path.isdir(expected):
        raise GitError("expected '%s' is not a directory: give the directory holding the project as the release "
                       "makes it." % expected)
    for f in files:
        if not os.path.lexists(f):
            raise GitError("File '%s' to commit does not exist: give the files the release wrote." % f)


def checkout(path):
    """The project's checkout, or None when the project is not in a git work tree (or the tree ignores it)."""
    path = os.path.realpath(path)
    proc = _git(path, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        return None
    top = proc.stdout.strip()
    if top != path and _git(top, "check-ignore", "-q", os.path.relpath(path, top), check=False).returncode == 0:
        return None  # a copy inside another project's ignored build directory is not that project
    head = _git(path, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    dirty = sorted(os.path.join(top, rel) for rel in _changed(path, "--untracked-files=no", "--", "."))
    return Checkout(path, top, head.stdout.strip() if head.returncode == 0 else None, dirty)


def _same_bytes(a, b):
    try:
        with open(a, "rb") as one, open(b, "rb") as two:
            return one.read() == two.read()
    except OSError:
        return False


def own_edits(co, expected):
    """The dirty files that hold, byte for byte, what the release writes on top of HEAD.

    ``expected`` is a directory holding the project as it is at HEAD with the release's own edits
    applied (its version and changelog entries): a file there identical to the working tree's was
    changed by this release (an earlier, stopped run of it) and by nothing else."""
    if not expected:
        return []
    return [f for f in co.dirty if _same_bytes(f, os.path.join(expected, os.path.relpath(f, co.path)))]


def check(path, tag, allow_dirty=False, expected=None):
    """Refuse to start a release: a dirty tree (unless allowed), a tag already on another commit.

    Files that differ from HEAD only by this release's own edits (see ``own_edits``) are not dirty:
    a release that stopped half-way is resumed by running it again."""
    co = checkout(path)
    if co is None:
        return None
    own = own_edits(co, expected)
    others = [f for f in co.dirty if f not in own]
    if others and not allow_dirty:
        raise GitError("%s: uncommitted changes in %s; commit or stash them, or allow a dirty tree"
                       % (path, ", ".join(os.path.relpath(f, co.path) for f in others)))
    on = co.tagged(tag)
    if on is not None and on != co.head:
        raise GitError("%s: %s is already tagged on commit %s, not on HEAD (%s); release another version"
                       % (path, tag, on[:12], (co.head or "no commit")[:12]))
    return co


def scratch_dir(co):
    """A directory of the checkout's own for the release's scratch copy (inside the git directory)."""
    git_dir = _git(co.top, "rev-parse", "--absolute-git-dir").stdout.strip()
    return os.path.join(git_dir, "pkgops-release", "head")


def export_head(co, dest):
    """Write the project's files as they are at HEAD into the directory ``dest``, replacing what it held."""
    rel = os.path.relpath(co.path, co.top)
    archive = _cmd.run(["git", "-C", co.top, "archive", "--format=tar", "HEAD" + ("" if rel == "." else ":" + rel)],
                       text=False, what="%s: git archive HEAD" % co.path, error=GitCommandError)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    _cmd.run(["tar", "-x", "--no-same-owner", "-C", dest], input=archive.stdout, text=False,
             what="%s: unpacking HEAD into %s" % (co.path, dest), error=GitCommandError)


@dataclasses.dataclass
class Base:
    """Where a bumped version starts from, in a checkout."""
    head: t.Optional[str]   # the release HEAD is: its release tag, or the trailer of an untagged release commit
    last: t.Optional[str]   # the newest release tag among HEAD's ancestors


def _tag_versions(co, prefix, *args):
    out = _git(co.top, "tag", "--list", prefix + "*", *args).stdout.split()
    found = []
    for tag in out:
        try:
            found.append((_version.parse(tag[len(prefix):]), tag[len(prefix):]))
        except _version.VersionError:
            continue  # a tag that only looks like a release tag
    return [v for _key, v in sorted(found)]


def release_base(co, prefix="v"):
    """The release at HEAD (if HEAD is one) and the newest release before it, from tags and trailers."""
    if co.head is None:
        return Base(None, None)
    on_head = _tag_versions(co, prefix, "--points-at", "HEAD")
    if not on_head:
        trailer = _git(co.top, "log", "-1", "--format=%(trailers:key=" + TRAILER + ",valueonly)", "HEAD").stdout.strip()
        on_head = [trailer] if trailer and trailer.split()[0] == trailer else []
    merged = _tag_versions(co, prefix, "--merged", "HEAD")
    return Base(on_head[-1] if on_head else None, merged[-1] if merged else None)


@dataclasses.dataclass
class Plan:
    commit: t.List[str]   # the release's files that differ from HEAD
    tag: bool             # whether the tag is still to be made


def plan(co, tag, files):
    """What finishing the release would do: commit which of ``files``, and whether to tag."""
    files = [os.path.realpath(f) for f in files]
    for f in files:
        if os.path.relpath(f, co.top).startswith(os.pardir):
            raise GitError("%s: %s is outside the git work tree %s" % (co.path, f, co.top))
    rel = [os.path.relpath(f, co.top) for f in files]
    touched = set(_changed(co.top, "--untracked-files=all", "--", *rel)) if rel else set()
    changed = rel if co.head is None else [r for r in rel if r in touched]
    on = co.tagged(tag)
    if on is not None and (changed or on != co.head):
        raise GitError("%s: %s is already tagged on commit %s; release another version" % (co.path, tag, on[:12]))
    return Plan(changed, on is None)


def user(path):
    """git's user for ``path`` (a directory or a file in one): "Name <email>" of ``git config user.name`` and
    ``user.email`` there - the repository's setting, else the user's or the system's, as a commit made there
    would be signed - or "" when either is unset or git is not installed."""
    folder = os.path.abspath(path)
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    try:
        name, email = (_git(folder, "config", key, check=False).stdout.strip() for key in ("user.name", "user.email"))
    except _cmd.MissingCommand:
        return ""
    return "%s <%s>" % (name, email) if name and email else ""


def identity_env(path, identity):
    """GIT_AUTHOR/COMMITTER from ``identity`` (Name <email>), only where git has no identity configured."""
    if not identity or _git(path, "config", "user.email", check=False).stdout.strip():
        return {}
    name, _sep, email = identity.partition("<")
    name, email = name.strip(), email.rstrip(">").strip()
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email}


def finish(co, tag, todo, message, identity=None, version=None, record=None):
    """Commit the release's files (only those) and make the annotated tag; returns the tagged commit.

    The commit carries the trailer ``Release-Version: VERSION``, so a release stopped before its tag is
    recognised as such when it is run again (see ``release_base``). The commands that change the
    repository go to ``record`` (a ``_cmd.Recorder``; a dry one runs none of them: check mode)."""
    env = identity_env(co.top, identity)
    if todo.commit:
        trailer = ["--trailer", "%s: %s" % (TRAILER, version)] if version else []
        _git(co.top, "add", "--", *todo.commit, env=env, record=record)
        _git(co.top, "commit", "-q", "-m", message, *trailer, "--only", "--", *todo.commit, env=env, record=record)
    if todo.tag:
        _git(co.top, "tag", "-a", "-m", message, tag, "HEAD", env=env, record=record)
    if getattr(record, "dry", False):
        return co.head  # nothing was committed: the commit the release would follow
    return _git(co.top, "rev-parse", "HEAD").stdout.strip()
