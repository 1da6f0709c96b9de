#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_state
short_description: Confirm in one call that a host still holds what a role last set up
version_added: 0.1.0
description:
  - With O(state=record) (the last task of a successful role run), writes a stamp, C(DIR/NAME.json) (mode C(0600), as
    the inputs may include digests of secrets), holding
    O(inputs) (a digest of the role's inputs, computed on the controller), the sha256 of each of O(files) (or
    that it does not exist), the installed version of O(package) and O(data).
  - With O(state=check) (the first task of the role), reads the stamp and compares it with the host as it is
    now in one call - O(inputs), the files' sha256, the package's installed version (C(dpkg-query) or C(rpm -q),
    also against O(version)), the states of O(units) (one C(systemctl show)) and, when all of that holds, a GET
    of O(health_url). Returns RV(confirmed) true only when everything holds, else the RV(reasons).
  - O(state=check) changes nothing and runs for real in check mode.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.FILE_EDITS
options:
  name:
    description: The stamp's name, for example C(service-hello-world) (letters, digits and C(. _ @ + -)).
    type: str
    required: true
  state:
    description: C(check) the host against its stamp, or C(record) the stamp.
    type: str
    choices: [check, record]
    default: check
  dir:
    description: The stamps' directory (made when missing, C(0755)).
    type: path
    default: /var/lib/pkgops-release
  inputs:
    description:
      - The digest of everything that shapes what the role sets up (its variables, its templates), for example
        C({{ {...} | to_json | hash('sha256') }}). A changed digest is a changed host.
    type: str
    required: true
  files:
    description: The files the role writes; their sha256 (or their absence) is recorded and checked.
    type: list
    elements: path
    default: []
  package:
    description: A package whose installed version is recorded and checked; empty for none.
    type: str
    default: ""
  package_manager:
    description: How to read the installed version; C(auto) uses C(dpkg-query) when present, else C(rpm).
    type: str
    choices: [auto, dpkg, rpm]
    default: auto
  version:
    description:
      - With O(state=check), the version O(package) must be at (dpkg C([epoch:]version-revision), rpm
        C(version-release)); empty accepts the recorded one.
    type: str
    default: ""
  units:
    description: With O(state=check), systemd units that must be loaded and in the states O(active) and O(enabled).
    type: list
    elements: str
    default: []
  active:
    description: With O(state=check), whether O(units) must be active (true) or inactive (false); unset for either.
    type: bool
  enabled:
    description: With O(state=check), whether O(units) must be enabled at boot (true) or not (false); unset for either.
    type: bool
  health_url:
    description: With O(state=check), a URL that must answer HTTP 2xx; empty for none.
    type: str
    default: ""
  health_contains:
    description: With O(state=check), a string the health URL's body must contain, for example the version.
    type: str
    default: ""
  health_timeout:
    description: Seconds to wait for the health URL.
    type: int
    default: 5
  data:
    description: With O(state=record), values to keep in the stamp and return as RV(data) on the next check.
    type: dict
    default: {}
seealso:
  - module: ansible.builtin.systemd_service
"""

EXAMPLES = r"""
- name: Confirm the host (one call)
  pkgops.release.host_state:
    name: service-hello-world
    inputs: "{{ {'role': 'service', 'format': 1, 'version': '1.2.0'} | to_json | hash('sha256') }}"
    files: [/etc/default/hello-world]
    package: hello-world
    version: 1.2.0-1
    units: [hello-world]
    active: true
    enabled: true
    health_url: http://127.0.0.1:8080/health
    health_contains: 1.2.0
  register: __confirm

- name: The role's work
  ansible.builtin.include_tasks: apply.yml
  when: not __confirm.confirmed

- name: Record the host's state
  pkgops.release.host_state:
    name: service-hello-world
    state: record
    inputs: "{{ {'role': 'service', 'format': 1, 'version': '1.2.0'} | to_json | hash('sha256') }}"
    files: [/etc/default/hello-world]
    package: hello-world
  when: not __confirm.confirmed
"""

RETURN = r"""
confirmed:
  description: With O(state=check), whether the host holds everything its stamp recorded (false with O(state=record)).
  returned: always
  type: bool
  sample: true
reasons:
  description: With O(state=check), why the host is not confirmed (empty when it is).
  returned: always
  type: list
  elements: str
  sample: ["file /etc/default/hello-world changed", "unit hello-world is inactive, wanted active"]
data:
  description: The O(data) of the stamp (with O(state=check) only when RV(confirmed), else empty).
  returned: always
  type: dict
  sample: {"exposure": 1.9}
stamp:
  description: The stamp's file.
  returned: always
  type: str
  sample: /var/lib/pkgops-release/service-hello-world.json
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _files
from ansible_collections.pkgops.release.plugins.module_utils import _host_state


def _record(module, path):
    p = module.params
    stamp = _host_state.new_stamp(p["name"], p["inputs"], p["files"], p["package"], p["package_manager"], p["data"])
    after = _host_state.dump(stamp)
    before_raw = _files.read_bytes(path)
    before = before_raw.decode("utf-8", errors="replace") if before_raw is not None else ""
    changed = before != after
    if changed and not module.check_mode:
        _files.check_dest_dir(p["dir"], "dir")
        try:
            os.makedirs(p["dir"], mode=0o755, exist_ok=True)
            _files.write_atomic(module, path, after, mode=0o600)  # its inputs digest covers secrets
        except OSError as exc:
            raise _host_state.StateError("Stamp '%s' cannot be written: %s; make '%s' a directory this user can write "
                                         "(become: true for /var/lib)." % (path, exc.strerror, p["dir"]))
    result = dict(changed=changed, confirmed=False, reasons=[], data=stamp["data"], stamp=path)
    if module._diff:
        result["diff"] = _files.diff(path, before, after)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["check", "record"], default="check"),
            dir=dict(type="path", default="/var/lib/pkgops-release"),
            inputs=dict(type="str", required=True),
            files=dict(type="list", elements="path", default=[]),
            package=dict(type="str", default=""),
            package_manager=dict(type="str", choices=["auto", "dpkg", "rpm"], default="auto"),
            version=dict(type="str", default=""),
            units=dict(type="list", elements="str", default=[]),
            active=dict(type="bool"),
            enabled=dict(type="bool"),
            health_url=dict(type="str", default=""),
            health_contains=dict(type="str", default=""),
            health_timeout=dict(type="int", default=5),
            data=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        path = _host_state.stamp_path(p["dir"], p["name"])
        if p["state"] == "record":
            module.exit_json(**_record(module, path))
        confirmed, reasons, stamp = _host_state.check(
            path, p["inputs"], p["files"], p["package"], p["package_manager"], p["version"], p["units"],
            p["active"], p["enabled"], p["health_url"], p["health_contains"], p["health_timeout"])
    except (_host_state.StateError, _files.FileError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, confirmed=confirmed, reasons=reasons,
                     data=(stamp or {}).get("data") or {} if confirmed else {}, stamp=path)


if __name__ == "__main__":
    main()
