#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: release_manifest
short_description: Write the manifest of a release - its artifacts, where they went, how long each step took
version_added: 0.1.0
description:
  - Writes one JSON file describing a release - O(release) (name, versions, tag, ...), every artifact with its
    name, SHA-256, size and the places it was published, the seconds each step took (O(steps)) and their sum.
  - The SHA-256 and size are read from the artifact files themselves.
  - A manifest that already describes the same release - the same O(release) and artifacts, published to the
    same places - is left as it is (its step times are those of the run that made the release), so a re-run
    that changes nothing reports no change.
  - With O(sbom=true), each artifact gets a CycloneDX 1.6 SBOM (JSON, validated against the CycloneDX schema) in
    a sidecar file C(<artifact>.cdx.json) beside the manifest, named in the artifact's entry with its SHA-256 -
    the artifact as the BOM's component (name, version, package URL, SHA-256, license) and its runtime
    dependencies as resolved on this host - Requires-Dist against the installed Python distributions,
    Depends against dpkg's database, Requires against rpm's database; a dependency nothing installed satisfies
    is listed by name, without a version. An SBOM whose bytes are the same is not written again.
  - Written atomically. A missing artifact, or two artifacts with the same file name, is an error and the
    file is left as it was.
  - With O(promotions) instead of O(release) and O(artifacts), adds promotion records to the manifest O(path)
    written before (by the release) - under its key C(promotions), each with the repository type, where the files
    came from and went to, their names and sha256s and the date (O(date)) - and leaves the rest, its artifacts
    included, as it is. A record the manifest has already (the same type, from, to and files, whatever the date)
    is not added again, so promoting again changes nothing. Sign the manifest again afterwards
    (M(pkgops.release.release_sign)).
  - A later run with O(release) for the same release (name and version) keeps the promotion records.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.FILE_EDITS
options:
  path:
    description: The manifest file; its directory must exist.
    type: path
    required: true
  release:
    description:
      - What names the release, written at the top level (for example name, version, deb_version, tag).
      - Required, with O(artifacts), unless O(promotions) is given.
    type: dict
  artifacts:
    description:
      - The release's files, in groups that went to the same places.
      - Required with O(release).
    type: list
    elements: dict
    suboptions:
      paths:
        description: The files on the host.
        type: list
        elements: path
        required: true
      published:
        description: Where they were published (URLs of the index or repository).
        type: list
        elements: str
        default: []
  steps:
    description: The seconds each step took, by step name.
    type: dict
    default: {}
  sbom:
    description:
      - Write a CycloneDX SBOM per artifact beside the manifest and name it in the manifest.
      - The SBOM's timestamp is the C(date) of O(release) (YYYY-MM-DD) when given, so a re-run writes the same bytes.
    type: bool
    default: true
  promotions:
    description:
      - Promotion records to add to the existing manifest O(path) (instead of writing it from O(release) and
        O(artifacts)).
      - Records already in the manifest are not added again.
    type: list
    elements: dict
    suboptions:
      type:
        description: The kind of repository.
        type: str
        required: true
        choices: [apt, yum, pypi, devpi]
      from:
        description: Where the files came from - the suite (apt), the repository's root (yum, pypi) or the index
          C(USER/INDEX) (devpi).
        type: str
        required: true
      to:
        description: Where they went, in the same terms (for devpi the index of the target).
        type: str
        required: true
      files:
        description: The files promoted, each with C(filename) and C(sha256) (as RV(pkgops.release.repo_publish#module:promotions)
          returns them; other keys are ignored).
        type: list
        elements: dict
        required: true
  date:
    description:
      - The date of the promotions added with O(promotions); by default the time of the run, UTC
        (C(YYYY-MM-DDTHH:MM:SSZ)).
    type: str
requirements:
  - cyclonedx-python-lib >= 8 (with O(sbom=true))
  - dpkg-deb and dpkg-query for a .deb, rpm for an .rpm (with O(sbom=true))
"""

EXAMPLES = r"""
- name: Write the manifest of 1.1.0
  pkgops.release.release_manifest:
    path: /src/hello-world/dist/hello-world-1.1.0.manifest.json
    release: {name: hello-world, version: 1.1.0, tag: v1.1.0}
    artifacts:
      - paths: [/src/hello-world/dist/python/hello_world-1.1.0-py3-none-any.whl]
        published: [http://repo.example.com:8080/simple/hello-world/]
      - paths: [/src/hello-world/dist/deb/hello-world_1.1.0-1_all.deb]
        published: [http://repo.example.com:8081 bookworm main]
    steps: {build: 12.3, publish: 4.1, deploy: 30.2}

- name: Record the promotion of the RPMs from the testing repository (then sign the manifest again)
  pkgops.release.release_manifest:
    path: /src/hello-world/dist/hello-world-1.1.0.manifest.json
    promotions:
      - type: yum
        from: /srv/yum-testing
        to: /srv/yum
        files: "{{ yum_promotion.promotions }}"
"""

RETURN = r"""
path:
  description: The manifest file.
  returned: always
  type: str
  sample: /src/hello-world/dist/hello-world-1.1.0.manifest.json
sboms:
  description: The SBOM files (with O(sbom=true)).
  returned: always
  type: list
  elements: str
  sample: [/src/hello-world/dist/hello-world_1.1.0-1_all.deb.cdx.json]
content:
  description:
    - The manifest file's bytes after the run (in check mode, as the run would leave them), base64-encoded - what
      M(pkgops.release.release_sign) signs.
  returned: success
  type: str
  sample: ewogICJhcnRpZmFjdHMiOiBb...
promotions_added:
  description: The promotion records added (with O(promotions)); empty when the manifest had each already.
  returned: always
  type: list
  elements: dict
  sample: [{"type": "yum", "from": "/srv/yum-testing", "to": "/srv/yum", "date": "2026-12-06T19:00:00Z",
            "files": [{"filename": "hello-world-1.1.0-1.noarch.rpm", "sha256": "5d1e..."}]}]
manifest:
  description: The manifest as written (or, when left as it was, as the run would have written it).
  returned: always
  type: dict
  sample:
    name: hello-world
    version: 1.1.0
    artifacts: [{"name": "hello-world_1.1.0-1_all.deb", "sha256": "b3f5...", "size": 7184,
                 "published": ["http://repo.example.com:8081 bookworm main"],
                 "sbom": {"name": "hello-world_1.1.0-1_all.deb.cdx.json", "sha256": "9a0c..."}}]
    steps: {build: 12.3, publish: 4.1}
    seconds: 16.4
"""

import base64
import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _files, _manifest, _sbom


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            release=dict(type="dict"),
            artifacts=dict(type="list", elements="dict", options=dict(
                paths=dict(type="list", elements="path", required=True),
                published=dict(type="list", elements="str", default=[]),
            )),
            steps=dict(type="dict", default={}),
            sbom=dict(type="bool", default=True),
            promotions=dict(type="list", elements="dict", options=dict(
                type=dict(type="str", required=True, choices=["apt", "yum", "pypi", "devpi"]),
                files=dict(type="list", elements="dict", required=True),
                **{"from": dict(type="str", required=True), "to": dict(type="str", required=True)}
            )),
            date=dict(type="str"),
        ),
        required_one_of=[("release", "promotions")],
        mutually_exclusive=[("release", "promotions"), ("artifacts", "promotions")],
        required_together=[("release", "artifacts")],
        supports_check_mode=True,
    )
    p = module.params
    result = dict(changed=False, path=p["path"], sboms=[], promotions_added=[])
    if p["promotions"] is not None:
        _promote(module, p, result)
    try:
        new = _manifest.manifest(p["release"], p["artifacts"], p["steps"])
        writes = []
        if p["sbom"]:
            sidecars = _manifest.with_sboms(new, p["artifacts"], os.path.dirname(p["path"]) or ".")
            result["sboms"] = sorted(sidecars)
            writes = _manifest.sidecar_plan(sidecars)
        result["manifest"] = new
        before, after = _manifest.plan(p["path"], new)
        if after is not None:
            writes.append((p["path"], before, after))
        result["content"] = base64.b64encode((after if after is not None else before).encode("utf-8")).decode("ascii")
        _write(module, writes, result)
    except (_files.FileError, _sbom.SbomError, ValueError, TypeError) as exc:
        module.fail_json(msg="Manifest '%s': %s" % (p["path"], exc), **result)
    module.exit_json(**result)


def _promote(module, p, result):
    """Add the promotion records to the manifest; exits the module."""
    date = p["date"] or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        before, after, data, added = _manifest.promotion_plan(p["path"], p["promotions"], date)
        result.update(manifest=data, promotions_added=added)
        result["content"] = base64.b64encode((after if after is not None else before).encode("utf-8")).decode("ascii")
        _write(module, [(p["path"], before, after)] if after is not None else [], result)
    except (_files.FileError, ValueError, TypeError) as exc:
        module.fail_json(msg="Manifest '%s': %s" % (p["path"], exc), **result)
    module.exit_json(**result)


def _write(module, writes, result):
    """The SBOMs first, the manifest last: a manifest never names an SBOM that is not written."""
    for path, before, after in writes:
        _files.check_writable(path)
    result["changed"] = bool(writes)
    if module._diff and writes:
        result["diff"] = [_files.diff(path, before, after) for path, before, after in writes]
    if not module.check_mode:
        for path, before, after in writes:
            _files.write_atomic(module, path, after)


if __name__ == "__main__":
    main()
