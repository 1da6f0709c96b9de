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
import subprocess
import typing as t


class GitError(ValueError):
    pass


def _git(path, *args, env=None, check=True):
    proc = subprocess.run(["git", "-C", path] + list(args), capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL="C", **(env or {})))
    if check and proc.returncode != 0:
        raise GitError("%s: git %s failed: %s" % (path, " ".join(args), (proc.stderr or proc.stdout).strip()))
    return proc


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


def check(path, tag, allow_dirty=False):
    """Refuse to start a release: a dirty tree (unless allowed), a tag already on another commit."""
    co = checkout(path)
    if co is None:
        return None
    if co.dirty and not allow_dirty:
        raise GitError("%s: uncommitted changes in %s; commit or stash them, or allow a dirty tree"
                       % (path, ", ".join(os.path.relpath(f, co.path) for f in co.dirty)))
    on = co.tagged(tag)
    if on is not None and on != co.head:
        raise GitError("%s: %s is already tagged on commit %s, not on HEAD (%s); release another version"
                       % (path, tag, on[:12], (co.head or "no commit")[:12]))
    return co


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


def identity_env(path, identity):
    """GIT_AUTHOR/COMMITTER from ``identity`` (Name <email>), only where git has no identity configured."""
    if not identity or _git(path, "config", "user.email", check=False).stdout.strip():
        return {}
    name, _sep, email = identity.partition("<")
    name, email = name.strip(), email.rstrip(">").strip()
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email}


def finish(co, tag, todo, message, identity=None):
    """Commit the release's files (only those) and make the annotated tag; returns the tagged commit."""
    env = identity_env(co.top, identity)
    if todo.commit:
        _git(co.top, "add", "--", *todo.commit, env=env)
        _git(co.top, "commit", "-q", "-m", message, "--only", "--", *todo.commit, env=env)
    if todo.tag:
        _git(co.top, "tag", "-a", "-m", message, tag, "HEAD", env=env)
    return _git(co.top, "rev-parse", "HEAD").stdout.strip()
