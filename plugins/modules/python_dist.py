#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: python_dist
short_description: Build a Python project's sdist and wheel, reproducibly, and check them with twine
version_added: 0.1.0
description:
  - Builds the sdist and the wheel of a project with C(python -m build) (PEP 517, without build isolation, so the
    build backend must be installed in the Python that runs the module) from a scratch copy, so the project tree
    is not dirtied, and runs C(twine check --strict) on them.
  - Byte-reproducible - every file of the copy carries O(source_date_epoch) as its time, the wheel is built with
    C(SOURCE_DATE_EPOCH), and the sdist is rewritten with sorted members, fixed times and owners and a fixed
    gzip header. Two builds of the same tree give identical bytes.
  - Skips the build when the inputs (every source file and the epoch) are unchanged since the last build into
    O(dest) and the artifacts there still have their recorded sha256.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
  - pkgops.release.attributes.COMMANDS
requirements:
  - build, twine, and the project's build backend (for example setuptools)
options:
  path:
    description: The project directory.
    type: path
    required: true
  dest:
    description: The directory the artifacts go to. Created when absent.
    type: path
    required: true
  source_date_epoch:
    description:
      - The time (seconds since 1970 UTC) written into the artifacts. Give the release's date, for example the
        date of its changelog entry, so that rebuilding the release gives the same bytes.
    type: int
    required: true
  force:
    description: Build even when the inputs are unchanged.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Build the release's sdist and wheel (2026-11-25 00:00 UTC)
  pkgops.release.python_dist:
    path: /src/hello-world
    dest: /build/hello-world/dist
    source_date_epoch: 1764028800
  register: dist
"""

RETURN = r"""
artifacts:
  description: The sdist and the wheel (or, in check mode when a build is due, nothing).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Where the artifact is.
      type: str
    sha256:
      description: Its SHA-256.
      type: str
    size:
      description: Its size in bytes.
      type: int
  sample: [{"path": "/build/hello-world/dist/hello_world-1.1.0-py3-none-any.whl", "sha256": "e542...", "size": 5731}]
fingerprint:
  description: The sha256 of the inputs (every source file and the epoch).
  returned: always
  type: str
  sample: 3f6c0d...
skipped_build:
  description: Whether the build was skipped because the inputs were unchanged.
  returned: always
  type: bool
  sample: false
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _pkgbuild, _pydist, _record


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            dest=dict(type="path", required=True),
            source_date_epoch=dict(type="int", required=True),
            force=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["source_date_epoch"] < 315532800:
        module.fail_json(msg="source_date_epoch %d is before 1980: zip files cannot hold it." % p["source_date_epoch"])
    try:
        _pkgbuild.check_paths(p["path"], p["dest"])
        done = _record.cached_build(
            p["path"], p["dest"], _pydist.RECORD, {"epoch": p["source_date_epoch"]},
            lambda: (_pydist.build(p["path"], p["dest"], p["source_date_epoch"]), {}),
            force=p["force"], check_mode=module.check_mode)
    except (_pydist.DistError, _cmd.CommandError, OSError, ValueError) as exc:
        module.fail_json(**_cmd.fail_keys(exc))
    module.exit_json(changed=done.changed, skipped_build=done.skipped, fingerprint=done.fingerprint,
                     artifacts=[a.as_dict() for a in done.artifacts])


if __name__ == "__main__":
    main()
