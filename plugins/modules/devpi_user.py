#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: devpi_user
short_description: A devpi-server upload user and its index
version_added: 0.1.0
description:
  - Makes sure a devpi-server user exists with the given password and owns a non-volatile index (uploaded files
    cannot be overwritten), through devpi's HTTP API.
  - When the user can already log in with O(password), nothing changes; otherwise root creates the user or sets
    its password.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
options:
  url:
    description: The devpi-server's base URL, for example C(http://127.0.0.1:3141).
    type: str
    required: true
  root_password:
    description: The password of devpi's C(root) user (set by C(devpi-init --root-passwd)).
    type: str
    required: true
  user:
    description: The upload user.
    type: str
    required: true
  password:
    description: The upload user's password.
    type: str
    required: true
  index:
    description: The index the user owns (C(USER/INDEX)).
    type: str
    default: dev
seealso:
  - module: pkgops.release.repo_publish
"""

EXAMPLES = r"""
- name: The upload user and its index
  pkgops.release.devpi_user:
    url: http://127.0.0.1:3141
    root_password: "{{ vault_devpi_root_password }}"
    user: uploader
    password: "{{ vault_devpi_password }}"
    index: dev
"""

RETURN = r"""
index_url:
  description: The index's upload URL (C(twine upload --repository-url)).
  returned: always
  type: str
  sample: http://127.0.0.1:3141/uploader/dev/
simple_url:
  description: The index's simple URL (C(pip install -i)).
  returned: always
  type: str
  sample: http://127.0.0.1:3141/uploader/dev/+simple/
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _pypi_upload


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            root_password=dict(type="str", required=True, no_log=True),
            user=dict(type="str", required=True),
            password=dict(type="str", required=True, no_log=True),
            index=dict(type="str", default="dev"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    base = p["url"].rstrip("/")
    try:
        _pypi_upload.check_devpi_account(p["url"], p["root_password"], p["user"], p["password"], p["index"])
        changed = _pypi_upload.devpi_account(base, p["root_password"], p["user"], p["password"], p["index"],
                                             check_mode=module.check_mode)
    except _pypi_upload.UploadError as exc:
        module.fail_json(msg=str(exc))
    index_url = "%s/%s/%s/" % (base, p["user"], p["index"])
    module.exit_json(changed=changed, index_url=index_url, simple_url=index_url + "+simple/")


if __name__ == "__main__":
    main()
