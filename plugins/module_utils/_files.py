# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and writing the text files modules change: one place, atomic, check-mode aware."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import stat
import tarfile
import tempfile

# Directories of a project tree that are not its sources: VCS, environments, build output.
NOT_SOURCES = {".git", ".venv", "build", "dist", "__pycache__", ".tox", ".nox", ".pytest_cache", ".hypothesis", ".build"}


class FileError(ValueError):
    """A file that cannot be read or written as asked."""


def read_bytes(path):
    """The bytes of ``path``, or None when it does not exist."""
    if os.path.isdir(path):
        raise FileError("Path '%s' is a directory, not a file." % path)
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError("File '%s' cannot be read: %s." % (path, exc.strerror))


def check_writable(path):
    """Refuse what the user marked read-only (root could write it anyway) or cannot create."""
    if os.path.exists(path):
        if not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise FileError("File '%s' is read-only; make it writable to change it." % path)
    else:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise FileError("Directory '%s' for file '%s' does not exist." % (parent, path))


def check_dest_dir(path, option="dest"):
    """Refuse, before any work, a destination directory that is a file or that cannot be created or written.

    A directory that does not exist yet is fine when its nearest existing parent is a writable directory.
    """
    path = os.path.abspath(path)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise FileError("Path '%s' (%s) is a file, not a directory: remove it or give another %s." % (path, option, option))
    parent = path
    while not os.path.lexists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise FileError("Directory '%s' (%s) cannot be created: '%s' is a file, not a directory." % (path, option, parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FileError("Directory '%s' (%s) cannot be written: '%s' is not writable by this user." % (path, option, parent))


def copy_checked(src, dest, sha256):
    """Copy ``src`` to ``dest`` when its bytes are those planned (``sha256``): None, else what was found instead
    ("" when ``src`` is gone, else its sha256), with ``dest`` removed. The repository types' callers name the
    file and what to do in their own words."""
    try:
        shutil.copyfile(src, dest)
    except FileNotFoundError:
        if os.path.lexists(dest):
            os.unlink(dest)
        return ""
    got = sha256_of(dest)
    if got != sha256:
        os.unlink(dest)
        return got
    return None


def write_atomic(module, path, text, mode=None):
    """Write ``text`` to a temp file beside ``path``, then move it into place (a new file 0644, an existing one
    keeps its mode; ``mode``: that mode in either case)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        if mode is not None or not os.path.exists(path):
            os.chmod(tmp, 0o644 if mode is None else mode)
        module.atomic_move(tmp, os.path.abspath(path))
        if mode is not None:
            os.chmod(path, mode)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def diff(path, before, after):
    return {"before": before or "", "after": after or "", "before_header": path, "after_header": path}


def sha256_of(path):
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_sha256(root, rels=None):
    """sha256 over the relative path and the bytes of every file under ``root`` (``rels``: those files only), in a
    stable order: a directory's content in one digest."""
    digest = hashlib.sha256()
    if rels is None:
        rels = sorted(os.path.relpath(os.path.join(d, n), root) for d, _dirs, names in os.walk(root) for n in names)
    for rel in rels:
        digest.update(rel.encode() + b"\0")
        digest.update(bytes.fromhex(sha256_of(os.path.join(root, rel))))
    return digest.hexdigest()


def source_files(root):
    """Relative paths of a project's source files, in a stable order."""
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in NOT_SOURCES and not d.endswith(".egg-info"))
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                yield os.path.relpath(os.path.join(dirpath, name), root)


def copy_sources(root, dest, leave_out=None):
    """Copy a project's source files to ``dest`` (a scratch copy a build may dirty), except those
    whose relative path ``leave_out`` (a predicate) accepts."""
    for rel in source_files(root):
        if leave_out is not None and leave_out(rel):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(os.path.join(root, rel), os.path.join(dest, rel))


def write_tarball(path, members, epoch):
    """Write a .tar.gz deterministically, the way strip-nondeterminism would.

    ``members`` are (TarInfo, bytes or None) pairs; they are written in name order with
    ``epoch`` as every time, owner root:root without names, modes 0755/0644, and a gzip
    header without a changing time. The file appears complete or not at all.
    """
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as dst:
        for member, data in sorted(members, key=lambda pair: pair[0].name):
            member.mtime = epoch
            member.uid = member.gid = 0
            member.uname = member.gname = ""
            member.pax_headers = {}
            member.mode = 0o755 if member.isdir() or member.mode & 0o111 else 0o644
            dst.addfile(member, io.BytesIO(data) if member.isfile() else None)
    tmp = path + ".part"
    with open(tmp, "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=epoch, compresslevel=9) as gz:
            gz.write(raw.getvalue())
    os.replace(tmp, path)


def tarball_of_tree(path, root, prefix, epoch, skip=()):
    """A deterministic .tar.gz of the directory ``root`` under the top directory ``prefix``."""
    members = []
    with tarfile.open(fileobj=io.BytesIO(), mode="w") as helper:
        for dirpath, dirs, files in os.walk(root):
            rel_dir = os.path.relpath(dirpath, root)
            dirs[:] = sorted(d for d in dirs if os.path.normpath(os.path.join(rel_dir, d)) not in skip)
            for name in [""] + sorted(files):
                full = os.path.join(dirpath, name) if name else dirpath
                rel = os.path.normpath(os.path.join(prefix, rel_dir, name))
                info = helper.gettarinfo(full, arcname=rel)
                data = None
                if info.isfile():
                    with open(full, "rb") as handle:
                        data = handle.read()
                members.append((info, data))
    write_tarball(path, members, epoch)
