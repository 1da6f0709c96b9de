# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over files on the controller: tree_sha256 (documented in tree_sha256.yml beside this file)."""

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.pkgops.release.plugins.module_utils import _files


def tree_sha256(path):
    path = to_native(path)
    if not os.path.isdir(path):
        raise AnsibleFilterError("tree_sha256: '%s' is not a directory on the controller." % path)
    try:
        return _files.tree_sha256(path)
    except OSError as exc:
        raise AnsibleFilterError("tree_sha256: a file under '%s' cannot be read: %s" % (path, exc.strerror or exc))


class FilterModule(object):
    def filters(self):
        return {"tree_sha256": tree_sha256}
