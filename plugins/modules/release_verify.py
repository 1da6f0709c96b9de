#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: release_verify
short_description: Check a published release against its signed manifest - signatures, every artifact's bytes, the SBOMs
version_added: 0.1.0
description:
  - Reads a release manifest written by M(pkgops.release.release_manifest) and checks, over HTTP, what it says.
  - The manifest's detached signature (O(signature)) verifies with C(gpgv) against the public keys O(keys).
  - Each artifact at each place it was published. A PEP 503 page - its link carries the manifest's SHA-256 and
    the linked file has it. An apt repository (C(URL SUITE COMPONENT)) - C(InRelease) verifies with C(gpgv) and
    only its verified text is read, the Packages and Sources indexes have the SHA-256 it lists, the artifact's entry
    and the pool file have the manifest's SHA-256 (a C(.changes) or C(.buildinfo) is not served by a repository and
    is reported under RV(skipped)). A yum repository - C(repodata/repomd.xml.asc) verifies with C(gpgv), the
    primary metadata has its checksum, the package's checksum there is the served file's, and since the repository
    signs the RPM (other bytes than the build's), its main header's SHA-256 (which holds the payload's digest,
    checked by C(rpmkeys --checksig)) must be the manifest's C(header_sha256).
  - Each SBOM beside the manifest (O(sbom)) has the SHA-256 the manifest names, and its component's SHA-256 is
    the artifact's.
  - Read-only. Fails with one message listing every mismatch (artifact, where, expected, got); the list is also
    in RV(mismatches).
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
options:
  manifest:
    description: The manifest file.
    type: path
    required: true
  signature:
    description: Its detached armored signature; by default O(manifest) with C(.asc) appended.
    type: path
  keys:
    description:
      - The public keys that may sign - the manifest's and the repositories' (the apt repository's C(archive-keyring.gpg)
        or C(.asc), the yum repository's C(RPM-GPG-KEY-pkgops)), armored or binary.
      - Get them from a source you trust, not only from the repository being checked.
    type: list
    elements: path
    required: true
  fingerprint:
    description: The fingerprint of the key that must have signed the manifest (any key of O(keys) when empty).
    type: str
    default: ""
  sbom:
    description: Check the SBOMs the manifest names (sidecar files beside it).
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each HTTP answer.
    type: float
    default: 30
requirements:
  - gnupg (gpgv), and rpm (rpm, rpmkeys) for a release with RPMs
notes:
  - A mismatch is a failure; the module never changes anything.
"""

EXAMPLES = r"""
- name: Check release 1.1.0 where it was published
  pkgops.release.release_verify:
    manifest: /src/hello-world/dist/hello-world-1.1.0.manifest.json
    keys:
      - /etc/pkgops/archive-keyring.gpg
      - /etc/pkgops/RPM-GPG-KEY-pkgops
"""

RETURN = r"""
name:
  description: The release's name, from the manifest.
  returned: success
  type: str
  sample: hello-world
version:
  description: The release's version, from the manifest.
  returned: success
  type: str
  sample: 1.1.0
verified:
  description: What was checked and matched - the artifact, where (a URL or the SBOM's path) and its SHA-256.
  returned: success
  type: list
  elements: dict
  sample: [{"artifact": "hello-world_1.1.0-1_all.deb", "where": "http://repo:8081/pool/main/h/hello-world/hello-world_1.1.0-1_all.deb",
            "sha256": "b3f5..."}]
skipped:
  description: Places not checked for an artifact, and why.
  returned: success
  type: list
  elements: dict
  sample: [{"artifact": "hello-world_1.1.0-1_amd64.changes", "where": "http://repo:8081 bookworm main",
            "why": "an apt repository does not serve it"}]
mismatches:
  description: Every mismatch - artifact, where, expected, got.
  returned: failure
  type: list
  elements: dict
  sample: [{"artifact": "hello-world_1.1.0-1_all.deb", "where": "http://repo:8081/pool/main/h/hello-world/hello-world_1.1.0-1_all.deb",
            "expected": "sha256 b3f5...", "got": "HTTP 404 from http://repo:8081/pool/main/h/hello-world/hello-world_1.1.0-1_all.deb"}]
"""

import dataclasses

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _release_verify


def main():
    module = AnsibleModule(
        argument_spec=dict(
            manifest=dict(type="path", required=True),
            signature=dict(type="path"),
            keys=dict(type="list", elements="path", required=True, no_log=False),
            fingerprint=dict(type="str", default=""),
            sbom=dict(type="bool", default=True),
            timeout=dict(type="float", default=30),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        report = _release_verify.verify(p["manifest"], p["keys"], p["signature"], p["fingerprint"] or "",
                                        p["timeout"], p["sbom"])
    except _release_verify.VerifyFailed as exc:
        module.fail_json(msg=str(exc), changed=False, mismatches=[dataclasses.asdict(m) for m in exc.mismatches])
    except (_release_verify.VerifyError, _cmd.CommandError) as exc:
        module.fail_json(**_cmd.fail_keys(exc, dict(changed=False)))
    module.exit_json(changed=False, **{k: v for k, v in report.items() if k != "artifacts"})


if __name__ == "__main__":
    main()
