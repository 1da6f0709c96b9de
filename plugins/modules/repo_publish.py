#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: repo_publish
short_description: Publish release artifacts into a package repository
version_added: 0.1.0
description:
  - Puts a release's artifacts into a repository, or withdraws one version from it.
  - O(type=pypi) keeps a static PEP 503 "simple" index in the directory O(path) - C(packages/NAME/FILE) for the
    distributions, C(simple/) for the pages, with normalized project names, C(#sha256=) fragments and
    C(data-requires-python) from each distribution's metadata. Serve O(path) with any web server and point
    C(pip install -i URL/simple/) at it.
  - Atomic - new files are copied in first, then a complete new set of pages replaces the old one in one
    rename, then withdrawn files are deleted; a reader sees the old index or the new one, never a link to a
    missing file.
  - Immutable - a file name already published with other bytes is refused; the same bytes again change nothing.
  - Other repository types (apt with reprepro, yum with createrepo_c) and uploads to devpi or pypiserver are
    not implemented yet.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
requirements:
  - packaging
options:
  type:
    description: The kind of repository.
    type: str
    choices: [pypi]
    default: pypi
  path:
    description: The repository's directory on the host. Created when absent.
    type: path
    required: true
  files:
    description: The artifacts to publish (wheels and sdists for O(type=pypi)). Required with O(state=present).
    type: list
    elements: path
    default: []
  state:
    description: V(present) publishes O(files); V(absent) withdraws version O(version) of project O(name).
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The project whose version to withdraw, with O(state=absent).
    type: str
  version:
    description: The version to withdraw, with O(state=absent).
    type: str
"""

EXAMPLES = r"""
- name: Publish the release's sdist and wheel
  pkgops.release.repo_publish:
    type: pypi
    path: /srv/pypi
    files:
      - /build/dist/hello_world-1.1.0.tar.gz
      - /build/dist/hello_world-1.1.0-py3-none-any.whl

- name: Withdraw 1.0.0
  pkgops.release.repo_publish:
    type: pypi
    path: /srv/pypi
    state: absent
    name: hello-world
    version: 1.0.0
"""

RETURN = r"""
added:
  description: The file names added.
  returned: always
  type: list
  elements: str
  sample: [hello_world-1.1.0-py3-none-any.whl]
unchanged:
  description: The file names that were already published with the same bytes.
  returned: always
  type: list
  elements: str
  sample: []
removed:
  description: The file names withdrawn.
  returned: always
  type: list
  elements: str
  sample: []
artifacts:
  description: Every distribution the index holds afterwards.
  returned: always
  type: list
  elements: dict
  contains:
    filename:
      description: The file name.
      type: str
    project:
      description: The normalized project name.
      type: str
    version:
      description: The version.
      type: str
    sha256:
      description: The file's SHA-256.
      type: str
  sample: [{"filename": "hello_world-1.1.0-py3-none-any.whl", "project": "hello-world", "version": "1.1.0",
            "sha256": "0f3c..."}]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _pypi_index


def main():
    module = AnsibleModule(
        argument_spec=dict(
            type=dict(type="str", choices=["pypi"], default="pypi"),
            path=dict(type="path", required=True),
            files=dict(type="list", elements="path", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            name=dict(type="str"),
            version=dict(type="str"),
        ),
        required_if=[("state", "absent", ("name", "version"))],
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present" and not p["files"]:
        module.fail_json(msg="state is present but files is empty: name the artifacts to publish.")
    try:
        missing = [f for f in p["files"] if not os.path.isfile(f)]
        if missing:
            raise _pypi_index.PypiIndexError("File '%s' does not exist." % missing[0])
        withdraw = (p["name"], p["version"]) if p["state"] == "absent" else None
        plan = _pypi_index.plan(p["path"], p["files"] if p["state"] == "present" else (), withdraw)
        if plan.changed and not module.check_mode:
            _pypi_index.apply(p["path"], plan)
    except (_pypi_index.PypiIndexError, OSError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(
        changed=plan.changed,
        added=[os.path.basename(f) for f in plan.add],
        unchanged=plan.unchanged,
        removed=[d.filename for d in plan.remove],
        artifacts=[dict(filename=d.filename, project=d.project, version=d.version, sha256=d.sha256)
                   for d in plan.dists],
    )


if __name__ == "__main__":
    main()
