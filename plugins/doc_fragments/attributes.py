# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    # The attributes described, without their support level.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
"""

    # Each fragment is one string literal: ansible-test's yamllint sanity parses them from the
    # source and fails on strings built from parts, so the shared descriptions repeat here.

    # Modules that edit files: full check mode and diff, atomic writes.
    FILE_EDITS = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
  safe_file_operations:
    description: Uses Ansible's strict file operation functions to ensure proper permissions and avoid data corruption.
    support: full
"""

    # Modules that predict their change in check mode but have no text diff to show.
    CHECK_ONLY = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: none
"""

    # Modules that run commands (through module_utils/_cmd.py): what a failed command adds to the result.
    COMMANDS = r"""
options: {}
notes:
  - When a command fails, C(msg) names the step, its exit status and what its output says went wrong, and the
    result also has C(cmd) (the command as a list, secrets replaced by C(********)), C(rc), C(stdout) and
    C(stderr) (the whole outputs, secrets replaced).
  - Commands run with the locale C(C.UTF-8); programs are looked up in E(PATH), then C(/usr/sbin) and C(/sbin).
"""
