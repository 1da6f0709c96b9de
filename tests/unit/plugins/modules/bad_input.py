# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the bad-input tests (test_bad_input*.py) share: trees, their state, a module run, the case count.

A case builds a small tree, runs the module's real ``main()`` with its arguments (as ansible-playbook
would pass them), and checks the failure's ``msg`` and that the tree - contents, modes, symbolic
links - is exactly what it was, with nothing added. ``register`` counts the cases by module; the
count is printed at the end of the run (conftest.py) and its total is checked.
"""
from __future__ import annotations

import collections
import hashlib
import json
import os
import stat
import subprocess

import pytest

from ansible.module_utils.testing import patch_module_args

CASES_BY_MODULE: "collections.Counter[str]" = collections.Counter()
MINIMUM = 150  # bad-input cases over all modules and roles


def register(module, cases):
    """Count ``cases`` (a dict by case name) for ``module``; the sorted names, for parametrize."""
    CASES_BY_MODULE[module] += len(cases)
    return sorted(cases)


# --- the trees -------------------------------------------------------------------------------
# A file is text, bytes, or a tuple: ("link", target), ("dir",), ("fifo",), ("mode", text, mode).


def make_tree(root, files):
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple):
            kind = content[0]
            if kind == "link":
                os.symlink(content[1], path)
            elif kind == "dir":
                path.mkdir()
            elif kind == "fifo":
                os.mkfifo(path)
            elif kind == "mode":
                data = content[1]
                path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
                path.chmod(content[2])
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def tree_state(root):
    """Every entry under root: its kind, mode and the SHA-256 of its bytes (or its link target)."""
    state = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            rel = os.path.relpath(path, root)
            if stat.S_ISLNK(info.st_mode):
                state[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    state[rel] = ("file", oct(info.st_mode), hashlib.sha256(handle.read()).hexdigest())
            else:
                state[rel] = ("other", oct(info.st_mode))
    return state


def run(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


class Spawned:
    """Records the argv of every process started while it is installed (the processes still run)."""

    def __init__(self, monkeypatch):
        self.argv = []
        real = subprocess.Popen.__init__

        def init(popen, args, *rest, **kwargs):
            self.argv.append(args)
            real(popen, args, *rest, **kwargs)

        monkeypatch.setattr(subprocess.Popen, "__init__", init)


def fill(value, root):
    """``value`` with '{root}' replaced in every string, lists and dicts included."""
    if isinstance(value, str):
        return value.format(root=root)
    if isinstance(value, list):
        return [fill(v, root) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, root) for k, v in value.items()}
    return value


def check(tmp_path, capsys, module, files, args, message, prepare=None):
    """Run ``module`` with ``args`` on a tree of ``files`` (prepared further by ``prepare(root)``); it must
    fail with exactly ``message`` and leave the tree as it was. Returns the failure's result."""
    root = tmp_path / "t"
    root.mkdir()
    make_tree(root, files)
    if prepare is not None:
        prepare(root)
    before = tree_state(root)
    args = {k: fill(v, root) for k, v in args.items() if v is not None}
    result = run(module, args, capsys)
    assert result.get("failed") is True, result
    assert result["msg"] == message.format(root=root)
    assert tree_state(root) == before
    return result
