#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: release_sign
short_description: Sign a release manifest with a repository's key - a detached armored OpenPGP signature
version_added: 0.1.0
description:
  - Runs on the repository host. Signs O(data) (the bytes of a release manifest) with the signing keys of the apt
    repository at O(path) and returns the detached armored signature, for the caller to store as
    C(MANIFEST.asc) beside the manifest.
  - The signature is checked with C(gpgv) against the public key the repository serves (C(current/public/NAME.gpg)),
    so it verifies with C(gpgv --keyring NAME.gpg MANIFEST.asc MANIFEST) for anyone who has the published key.
  - When O(signature) (the signature an earlier run stored) still verifies O(data) with that key, it is returned as
    it is and nothing is signed - a signature carries its creation time, so signing the same bytes again would change
    the file for nothing.
  - Signs with the keys that sign the repository's served state - while its signing key is rotated
    (M(pkgops.release.repo_publish) option C(signing_keys)) with each of them, one armored block with a signature per
    key, so clients that hold either key verify it; a kept O(signature) must have a good signature by each.
  - Signs under the repository's lock and stops the gpg-agent it started. Writes nothing on the repository host.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
  - pkgops.release.attributes.COMMANDS
options:
  path:
    description: The apt repository's directory (the C(path) of M(pkgops.release.repo_publish) with C(type=apt)).
    type: path
    required: true
  data:
    description: The bytes to sign, base64-encoded (as M(ansible.builtin.slurp) returns a file's content).
    type: str
    required: true
  signature:
    description: The armored signature an earlier run made, kept when it still verifies O(data).
    type: str
    default: ""
  key_name:
    description: The name of the public key the repository serves, C(NAME.gpg) under C(current/public).
    type: str
    default: archive-keyring
  signing_key:
    description:
      - The fingerprint (or its end) of the one key to sign with; by default the keys that sign the repository's
        served state (or the home's only key).
    type: str
    default: ""
requirements:
  - gnupg (gpg, gpgv, gpg-connect-agent) on the repository host
notes:
  - In check mode a signature that does not verify is reported as a change and no signature is returned.
"""

EXAMPLES = r"""
- name: Read the manifest
  ansible.builtin.slurp:
    path: /src/hello-world/dist/hello-world-1.1.0.manifest.json
  register: manifest

- name: Sign it with the apt repository's key
  pkgops.release.release_sign:
    path: /srv/pkgops/apt
    data: "{{ manifest.content }}"
  delegate_to: repo.example.com
  register: signed

- name: Store the signature beside the manifest
  ansible.builtin.copy:
    content: "{{ signed.signature }}"
    dest: /src/hello-world/dist/hello-world-1.1.0.manifest.json.asc
    mode: "0644"
"""

RETURN = r"""
signature:
  description: The detached armored signature of O(data) (empty in check mode when one would be made).
  returned: always
  type: str
  sample: "-----BEGIN PGP SIGNATURE-----\n\niHUEABYKAB0WIQ...\n-----END PGP SIGNATURE-----\n"
fingerprint:
  description: The fingerprint of the key that signs (with several signing keys, the last one's).
  returned: success
  type: str
  sample: 5A1C9E0C2F3B0D8E7A6B5C4D3E2F1A0B9C8D7E6F
"""

import base64
import binascii

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _release_sign


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            data=dict(type="str", required=True),
            signature=dict(type="str", default=""),
            key_name=dict(type="str", default="archive-keyring", no_log=False),
            signing_key=dict(type="str", default="", no_log=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    result = dict(changed=False, signature="")
    try:
        data = base64.b64decode(p["data"], validate=True)
    except (binascii.Error, ValueError):
        module.fail_json(msg="Option data is not base64: give the file's content as ansible.builtin.slurp returns it.",
                         **result)
    try:
        signature, fpr, changed = _release_sign.sign(p["path"], data, p["signature"] or "", p["key_name"],
                                                     p["signing_key"] or "", module.check_mode)
    except (_cmd.CommandError,) + _release_sign.ERRORS as exc:
        module.fail_json(**_cmd.fail_keys(exc, result))
    result.update(changed=changed, signature=signature, fingerprint=fpr)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
