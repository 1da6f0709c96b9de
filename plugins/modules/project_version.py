#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: project_version
short_description: Read a Python project's version, and bump or set it where it is declared
version_added: 0.1.0
description:
  - Reads the name and PEP 440 version of a Python project. A static C([project] version) is read from
    C(pyproject.toml); any other declaration (C(setup.cfg), C(setup.py), a dynamic version) is asked from the
    project's own build backend through PEP 517, in a scratch copy, so the tree is not dirtied.
  - With O(bump) or O(version), writes the new version back where it is declared - C(pyproject.toml),
    C(setup.cfg), a C(setup(version=...)) or C(__version__) string literal, or a version file - keeping
    the rest of the file as it was. The build backend is asked to confirm the new version before the file
    is replaced.
  - Returns the Debian and RPM forms of the resulting version, mapped as the P(pkgops.release.deb_version#filter)
    and P(pkgops.release.rpm_version#filter) filters do.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.FILE_EDITS
requirements:
  - packaging
  - build (for projects whose version is not static in pyproject.toml)
  - the project's build backend (for example setuptools) in the Python that runs the module
  - tomlkit (to write pyproject.toml), configupdater (to write setup.cfg)
options:
  path:
    description: The project directory.
    type: path
    required: true
  bump:
    description:
      - Bump the current version by one part or a comma-separated sequence, as P(pkgops.release.version_bump#filter) does.
      - V(major) for incompatible changes, V(minor) for compatible features, V(micro) for fixes; V(a), V(b), V(rc),
        V(post), V(dev); V(release) drops the pre-release or dev part. For example V(minor,rc) turns C(1.2.3) into
        C(1.3.0rc1).
      - A bump whose result does not sort after the current version fails.
    type: str
  version:
    description:
      - Set this version. Setting the current version changes nothing.
    type: str
  deb_revision:
    description: The Debian revision used for the returned RV(deb_version).
    type: str
    default: "1"
  rpm_release:
    description: The RPM Release used for the returned RV(rpm).
    type: str
    default: "1"
notes:
  - O(bump) is not idempotent by nature - each run bumps again. Pin the release with O(version) in playbooks that re-run.
"""

EXAMPLES = r"""
- name: Read the version
  pkgops.release.project_version:
    path: /src/hello-world
  register: project

- name: Start the next minor release candidate
  pkgops.release.project_version:
    path: /src/hello-world
    bump: minor,rc

- name: Release exactly 1.1.0
  pkgops.release.project_version:
    path: /src/hello-world
    version: 1.1.0
"""

RETURN = r"""
name:
  description: The project name as its metadata gives it.
  returned: always
  type: str
  sample: hello-world
normalized_name:
  description: The name normalized as PEP 503 wants it.
  returned: always
  type: str
  sample: hello-world
previous_version:
  description: The version before this task.
  returned: always
  type: str
  sample: 1.0.0
version:
  description: The version after this task (or that check mode would write).
  returned: always
  type: str
  sample: 1.1.0
deb_version:
  description: RV(version) as a Debian version with O(deb_revision).
  returned: always
  type: str
  sample: 1.1.0-1
rpm:
  description: RV(version) as RPM epoch, version, release and C(E:V-R).
  returned: always
  type: dict
  sample: {"epoch": 0, "version": "1.1.0", "release": "1", "evr": "1.1.0-1"}
read_from:
  description: Where the version was read - C(pyproject.toml) or C(build backend).
  returned: always
  type: str
  sample: pyproject.toml
declared_in:
  description: The file the version was written to; only when a new version was asked for.
  returned: when the version changes
  type: str
  sample: /src/hello-world/pyproject.toml
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.pkgops.release.plugins.module_utils import _files, _project, _version

try:
    import packaging  # noqa: F401, pylint: disable=unused-import
except ImportError:
    PACKAGING_ERROR = traceback.format_exc()
else:
    PACKAGING_ERROR = None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            bump=dict(type="str"),
            version=dict(type="str"),
            deb_revision=dict(type="str", default="1"),
            rpm_release=dict(type="str", default="1"),
        ),
        mutually_exclusive=[("bump", "version")],
        supports_check_mode=True,
    )
    if PACKAGING_ERROR:
        module.fail_json(msg=missing_required_lib("packaging"), exception=PACKAGING_ERROR)
    p = module.params
    result = dict(changed=False)
    try:
        name, current, read_from = _project.read(p["path"])
        new = _project.target_version(current, bump=p["bump"], version=p["version"])
        result.update(name=name, normalized_name=_project.canonical_name(name), previous_version=current,
                      version=new, read_from=read_from, deb_version=_version.deb_version(new, p["deb_revision"]),
                      rpm=_version.rpm_evr(new, p["rpm_release"]).as_dict())
        if _version.parse(new) != _version.parse(current):
            edit = _project.plan_write(p["path"], new)
            _files.check_writable(edit.path)
            _project.verify_edit(p["path"], edit, new)
            result.update(changed=True, declared_in=edit.path)
            if module._diff:
                result["diff"] = _files.diff(edit.path, edit.before, edit.after)
            if not module.check_mode:
                _files.write_atomic(module, edit.path, edit.after)
    except (_project.ProjectError, _version.VersionError, _files.FileError) as exc:
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
