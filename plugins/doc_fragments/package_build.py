# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    # The options deb_build and rpm_build share (plugins/module_utils/_pkgbuild.py COMMON_ARGS).
    DOCUMENTATION = r"""
options:
  path:
    description: The project's directory (C(pyproject.toml) and the sources).
    type: path
    required: true
  dest:
    description: Where the artifacts go. Created when absent.
    type: path
    required: true
  kind:
    description:
      - V(service) packages a long-running program - a package named after the project (C(NAME)) with a hardened
        systemd unit and its own system user.
      - V(application) packages command-line programs - C(NAME), its console scripts in C(/usr/bin), no unit and no
        user.
      - V(library) packages a Python module as C(python3-NAME).
      - V(auto) takes the kind the project declares in C(pyproject.toml) (C([tool.pkgops-release]) C(kind = "service"),
        C("application") or C("library")); otherwise V(service) when O(service_command) is set, V(application) when
        the project has console scripts, else V(library). A command-line tool never becomes a daemon by default.
    type: str
    choices: [auto, service, application, library]
    default: auto
  service_command:
    description: The service's command line; by default the project's only console script.
    type: list
    elements: str
    default: []
  license:
    description:
      - The license as an SPDX expression (for example V(MIT OR Apache-2.0)), instead of the one the project declares
        (C(License-Expression), C(License) or a license classifier) - for a project whose metadata names none or names
        it in words.
      - In C(debian/copyright) each license is mapped to Debian's short name (V(MIT) is C(Expat)), C(AND) and C(OR)
        become C(and) and C(or), and each gets its paragraph - the pointer into C(/usr/share/common-licenses), or the
        text of the project's license file (the only one, or the one named after it, such as C(LICENSE-MIT)).
    type: str
  tests:
    description:
      - Run the project's own tests at build time (pybuild's test step; rpm's C(%check)).
      - V(false) builds without them (Debian's C(nocheck) build option and profile, C(rpmbuild --nocheck)) - for a
        project whose test suite cannot run in the build environment.
    type: bool
    default: true
  force:
    description: Build even when the record says the inputs are unchanged.
    type: bool
    default: false
"""
