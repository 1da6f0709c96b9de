# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tree_sha256: one digest over a directory, which changes with any file's name or bytes."""

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.pkgops.release.plugins.filter.files import FilterModule

tree_sha256 = FilterModule().filters()["tree_sha256"]


def _tree(root):
    os.makedirs(os.path.join(root, "service", "tasks"))
    os.makedirs(os.path.join(root, "service", "templates", "etc"))
    with open(os.path.join(root, "service", "tasks", "main.yml"), "w") as handle:
        handle.write("---\n- name: a task\n")
    with open(os.path.join(root, "service", "templates", "etc", "unit.j2"), "w") as handle:
        handle.write("[Unit]\n")


def test_the_digest_follows_every_file(tmp_path):
    root = str(tmp_path / "roles")
    _tree(root)
    first = tree_sha256(root)
    assert len(first) == 64 and tree_sha256(root) == first
    nested = os.path.join(root, "service", "templates", "etc", "unit.j2")
    with open(nested, "a") as handle:
        handle.write("After=network.target\n")
    second = tree_sha256(root)
    assert second != first
    os.rename(nested, nested + ".old")
    assert tree_sha256(root) not in (first, second)
    os.rename(nested + ".old", nested)
    assert tree_sha256(root) == second
    with open(os.path.join(root, "service", "tasks", "apply.yml"), "w") as handle:
        handle.write("")
    assert tree_sha256(root) != second


def test_a_missing_directory_is_named(tmp_path):
    with pytest.raises(AnsibleFilterError, match="'%s' is not a directory on the controller" % (tmp_path / "nope")):
        tree_sha256(str(tmp_path / "nope"))
