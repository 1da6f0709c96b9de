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
  - A project that declares no name, or no version (setuptools would report C(UNKNOWN) and C(0.0.0)), a version file
    or C(pyproject.toml) that is missing or a directory, a path that is not a directory, and a version file that
    is a symbolic link are refused with one message naming the file and what to set; nothing is written.
  - Returns the Debian and RPM forms of the resulting version, mapped as the P(pkgops.release.deb_version#filter)
    and P(pkgops.release.rpm_version#filter) filters do.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.FILE_EDITS
  - pkgops.release.attributes.COMMANDS
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
      - In a git checkout the bump starts from the last release, not from the version in the working tree -
        the newest tag O(tag_prefix)VERSION among C(HEAD)'s ancestors, or before the first such tag the version
        declared in C(HEAD)'s commit - and when C(HEAD) is itself a release (it carries its tag, or it is the
        release commit of M(pkgops.release.git_release) not tagged yet) the version is that release's. So a
        bumped release that is run again, after a failure or after it finished, keeps its version.
    type: str
  tag_prefix:
    description: Release tags are this prefix followed by the version (as in M(pkgops.release.git_release)).
    type: str
    default: v
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
  - Outside a git checkout O(bump) is not idempotent - each run bumps again. Pin the release with O(version)
    in playbooks that re-run there.
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
bumped_from:
  description: What a O(bump) started from - the declared version, the last release tag, or the release at C(HEAD).
  returned: when O(bump) is given
  type: str
  sample: the last release tag v1.1.0
declared_in:
  description:
    - The file the version is declared in, which a new version is written to; also when it holds the asked-for
      version already (a release that is run again commits it).
    - Not returned for a version that cannot be written back (see the module's description) and that needs no change.
  returned: when O(bump) or O(version) is given
  type: str
  sample: /src/hello-world/pyproject.toml
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _files, _git, _project, _version

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
            tag_prefix=dict(type="str", default="v"),
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
        if p["bump"]:
            new, result["bumped_from"] = _project.bump_version(p["path"], current, p["bump"], p["tag_prefix"])
        else:
            new = _project.target_version(current, version=p["version"])
        result.update(name=name, normalized_name=_project.canonical_name(name), previous_version=current,
                      version=new, read_from=read_from, deb_version=_version.deb_version(new, p["deb_revision"]),
                      rpm=_version.rpm_evr(new, p["rpm_release"]).as_dict())
        declared = _project.declared_path(p["path"]) if (p["bump"] or p["version"]) else None
        if declared:  # the version's file, also when it holds that version already (a resumed release)
            result["declared_in"] = declared
        if _version.parse(new) != _version.parse(current):
            edit = _project.plan_write(p["path"], new)
            _files.check_writable(edit.path)
            _project.verify_edit(p["path"], edit, new)
            result.update(changed=True, declared_in=edit.path)
            if module._diff:
                result["diff"] = _files.diff(edit.path, edit.before, edit.after)
            if not module.check_mode:
                _files.write_atomic(module, edit.path, edit.after)
    except (_project.ProjectError, _version.VersionError, _files.FileError, _git.GitError, _cmd.CommandError) as exc:
        module.fail_json(**_cmd.fail_keys(exc, result))
    except OSError as exc:  # a file that vanished or cannot be read midway: name it, no traceback
        module.fail_json(msg="Project '%s': cannot use '%s': %s." % (p["path"], exc.filename, exc.strerror), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
