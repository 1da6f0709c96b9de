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
  - O(type=apt) keeps a signed apt repository with C(reprepro) in O(path) - C(gnupg/) (the repository's own GnuPG
    home), reprepro's C(conf/) and C(db/), and C(current/public/) which is what a web server serves (C(dists/)
    with signed C(InRelease) and C(Release.gpg), C(pool/), and the public key as C(O(key_name).asc) and
    C(O(key_name).gpg)). The repository, its suites and its signing key (Ed25519 or RSA 3072/4096, SHA-512
    signatures) are created when absent; O(files) are C(.changes) (their C(.deb) and C(.dsc)), C(.deb) or C(.dsc)
    files.
  - For O(type=apt), every change is made on a copy of the repository state (pool files hard-linked), exported,
    signed, verified with the exported public key, and published by one rename of the C(current) symbolic
    link - a change killed at any moment leaves the served repository exactly as it was. A key that is not the
    repository's (not in its GnuPG home, or not the one its suites are signed with) is refused.
  - O(type=apt) can also copy a source package and its binaries, the very same files, from one suite to another
    (O(promote_from)).
  - O(type=devpi) and O(type=pypiserver) upload O(files) to an index server at O(url) with twine, the credentials
    (O(username), O(password)) passed through twine's environment and never logged. Each file is first looked up
    on the server's simple page of its project - the same file name with the same sha256 is unchanged, with
    another sha256 it is refused and nothing is uploaded.
  - O(type=yum) keeps a signed yum/dnf repository in O(path) with C(createrepo_c) - C(gnupg/) (its own GnuPG home),
    C(packages/) (the RPMs, each signed with the repository's key by C(rpmsign) and checked with
    C(rpmkeys --checksig) at signature level) and C(current/) which a web server serves (C(repodata/) with
    C(repomd.xml) and its detached armored signature C(repomd.xml.asc), C(packages/), and the public key
    O(key_name)). Metadata and signature switch together in one rename of C(current), so a reader never sees new
    metadata with an old signature; a change killed at any moment leaves the served repository as it was.
  - For O(type=yum), a name-version-release-arch already published with another header digest is refused,
    O(keep) retains the newest versions of each package, and O(state=absent) withdraws O(name) at O(version)
    (C(VERSION) or C(VERSION-RELEASE)).
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
  - pkgops.release.attributes.COMMANDS
requirements:
  - packaging (O(type=pypi))
  - reprepro, gnupg, dpkg-deb and python-debian on the repository host (O(type=apt))
options:
  type:
    description: The kind of repository.
    type: str
    choices: [pypi, apt, yum, devpi, pypiserver]
    default: pypi
  path:
    description: The repository's directory on the host (O(type=pypi) and O(type=apt)). Created when absent.
    type: path
  url:
    description:
      - The upload URL of the index server, for O(type=devpi) (C(http://HOST:3141/USER/INDEX/)) and
        O(type=pypiserver) (C(http://HOST:8082/)).
    type: str
  simple_url:
    description:
      - The server's simple index, where existing files are looked up; by default O(url) + C(+simple/) for devpi
        and O(url) + C(simple/) for pypiserver.
    type: str
  username:
    description: The upload user, for O(type=devpi) and O(type=pypiserver).
    type: str
  password:
    description: The upload user's password, for O(type=devpi) and O(type=pypiserver).
    type: str
  twine:
    description: The twine program that uploads (for example from a venv).
    type: path
    default: twine
  files:
    description:
      - The artifacts to publish - wheels and sdists for O(type=pypi); C(.changes), C(.deb) or C(.dsc) for O(type=apt).
      - Required with O(state=present) for O(type=pypi); for O(type=apt) an empty list creates or updates the
        repository (suites, key) without packages.
    type: list
    elements: path
    default: []
  state:
    description: V(present) publishes O(files); V(absent) withdraws version O(version) of project O(name).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The project whose version to withdraw, with O(state=absent).
      - For O(type=apt), the source package - to withdraw with O(state=absent) or to promote with O(promote_from).
    type: str
  version:
    description:
      - The version to withdraw, with O(state=absent) (for O(type=apt) the Debian version, for example C(1.1.0-1)),
        or to promote with O(promote_from).
    type: str
  suites:
    description: The apt repository's suites (O(type=apt)). Suites not listed any more are dropped.
    type: list
    elements: dict
    default: [{codename: bookworm, suite: stable}]
    suboptions:
      codename:
        description: The codename (C(dists/CODENAME)).
        type: str
        required: true
      suite:
        description: The suite name clients may use instead, for example V(stable) or V(testing).
        type: str
        default: ""
      components:
        description: The components.
        type: list
        elements: str
        default: [main]
      architectures:
        description: The architectures; V(source) for source packages. Architecture C(all) packages go into each.
        type: list
        elements: str
        default: [amd64, source]
      origin:
        description: The C(Origin) field.
        type: str
        default: pkgops.release
      label:
        description: The C(Label) field.
        type: str
        default: pkgops.release
  codename:
    description: The suite O(files) go into, or a version is withdrawn from or promoted to; by default the first suite.
    type: str
  component:
    description: The component O(files) go into.
    type: str
    default: main
  promote_from:
    description:
      - Copy source package O(name) at O(version) and its binaries from this suite to O(codename) - the same
        files, nothing rebuilt. Unchanged when O(codename) already has exactly those files.
    type: str
  signing_key:
    description:
      - The fingerprint (or long key ID) of the key that signs. It must be a secret key in the repository's GnuPG
        home (O(path)C(/gnupg)) and, once the repository exists, the key its suites are signed with.
      - By default the home's only key, generated when there is none.
    type: str
  key_type:
    description: The kind of key generated when the repository has none.
    type: str
    choices: [ed25519, rsa3072, rsa4096]
    default: ed25519
  key_uid:
    description: The user ID of a generated key.
    type: str
    default: pkgops.release repository <repository@localhost>
  key_name:
    description:
      - The file name of the exported public key in the served tree - without extension for O(type=apt)
        (C(NAME.asc) and C(NAME.gpg) are written), the whole name for O(type=yum).
      - By default V(archive-keyring) for O(type=apt) and V(RPM-GPG-KEY-pkgops) for O(type=yum).
    type: str
  keep:
    description: For O(type=yum), how many versions of each package (and architecture) stay; V(0) keeps all.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Publish the release's sdist and wheel
  pkgops.release.repo_publish:
    type: pypi
    path: /srv/pypi
    files:
      - /build/dist/hello_world-1.1.0.tar.gz
      - /build/dist/hello_world-1.1.0-py3-none-any.whl

- name: Publish the Debian packages into a signed apt repository
  pkgops.release.repo_publish:
    type: apt
    path: /srv/apt
    suites:
      - codename: bookworm
        suite: stable
      - codename: bookworm-testing
        suite: testing
    codename: bookworm-testing
    files:
      - /build/deb/hello-world_1.1.0-1_amd64.changes

- name: Promote the tested version, the same files, to stable
  pkgops.release.repo_publish:
    type: apt
    path: /srv/apt
    suites:
      - codename: bookworm
        suite: stable
      - codename: bookworm-testing
        suite: testing
    codename: bookworm
    promote_from: bookworm-testing
    name: hello-world
    version: 1.1.0-1

- name: Upload the sdist and wheel to devpi
  pkgops.release.repo_publish:
    type: devpi
    url: http://repo.example.com:3141/uploader/dev/
    username: uploader
    password: "{{ vault_devpi_password }}"
    files:
      - /build/dist/hello_world-1.1.0.tar.gz
      - /build/dist/hello_world-1.1.0-py3-none-any.whl

- name: Publish the RPMs into a signed yum repository, keeping three versions of each package
  pkgops.release.repo_publish:
    type: yum
    path: /srv/yum
    keep: 3
    files:
      - /build/rpm/hello-world-1.1.0-1.noarch.rpm

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
promoted:
  description: The source packages copied, as C(SOURCE VERSION) (O(type=apt)).
  returned: always
  type: list
  elements: str
  sample: [hello-world 1.1.0-1]
fingerprint:
  description: The fingerprint of the repository's signing key (empty in check mode before it exists).
  returned: when O(type=apt) or O(type=yum)
  type: str
  sample: 088F4BD2216ED2136C7EF3A0CF82BE32AD5F1579
public_key:
  description: The exported public key, ASCII-armored (absent in check mode before it exists).
  returned: when O(type=apt) or O(type=yum) and the repository exists
  type: str
packages:
  description:
    - What O(codename) holds afterwards of the source packages involved (those of O(files), and O(name)), for
      O(type=apt); in check mode, before the change.
    - Every package the repository holds afterwards (file name, name, epoch, version, release, arch, header
      digest), for O(type=yum).
  returned: when O(type=apt)
  type: list
  elements: dict
  sample: [{"source": "hello-world", "package": "hello-world", "version": "1.1.0-1", "architecture": "amd64",
            "filekey": "pool/main/h/hello-world/hello-world_1.1.0-1_all.deb"}]
commands:
  description:
    - The twine upload command, as a list of arguments (the credentials are not in it but in twine's environment);
      in check mode the command it would run, not run. Empty when every file is on the server already.
  returned: when O(type=devpi) or O(type=pypiserver)
  type: list
  elements: list
  sample: [[/opt/twine/bin/twine, upload, --disable-progress-bar, --repository-url, "http://127.0.0.1:3141/ci/dev/",
            /srv/dist/hello_world-1.1.0-py3-none-any.whl]]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _apt_repo, _cmd, _pypi_index, _pypi_upload, _yum_repo

SUITE_SPEC = dict(
    codename=dict(type="str", required=True),
    suite=dict(type="str", default=""),
    components=dict(type="list", elements="str", default=["main"]),
    architectures=dict(type="list", elements="str", default=["amd64", "source"]),
    origin=dict(type="str", default="pkgops.release"),
    label=dict(type="str", default="pkgops.release"),
)


def upload_to_server(module):
    p = module.params
    missing = [k for k in ("url", "username", "password") if not p[k]]
    if missing:
        module.fail_json(msg="type is %s but the following are missing: %s" % (p["type"], ", ".join(missing)))
    if p["state"] != "present":
        module.fail_json(msg="type %s supports state present only: withdraw files on the server itself."
                         % p["type"])
    url = p["url"].rstrip("/") + "/"
    simple = p["simple_url"] or url + ("+simple/" if p["type"] == "devpi" else "simple/")
    record = _cmd.Recorder(dry=module.check_mode)  # check mode: the upload command, not run
    try:
        plan = _pypi_upload.plan(p["files"], simple)
        if plan.changed:
            _pypi_upload.upload(plan.add, url, p["username"], p["password"], p["twine"], record=record)
    except (_pypi_upload.UploadError, _cmd.CommandError) as exc:
        module.fail_json(**_cmd.fail_keys(exc))
    module.exit_json(changed=plan.changed, added=[os.path.basename(f) for f in plan.add],
                     unchanged=plan.unchanged, removed=[], commands=record.commands)


def publish_yum(module):
    p = module.params
    cfg = _yum_repo.Config(root=p["path"], uid=p["key_uid"], key_type=p["key_type"],
                           signing_key=p["signing_key"] or "", key_name=p["key_name"] or "RPM-GPG-KEY-pkgops",
                           keep=p["keep"])
    withdraw = (p["name"], p["version"]) if p["state"] == "absent" else None
    try:
        plan = _yum_repo.plan(cfg, p["files"] if p["state"] == "present" else (), withdraw)
        fingerprint = plan.fingerprint
        if plan.changed and not module.check_mode:
            fingerprint = _yum_repo.apply(cfg, plan)
    except (_yum_repo.YumRepoError, _cmd.CommandError, OSError) as exc:
        module.fail_json(**_cmd.fail_keys(exc))
    result = dict(changed=plan.changed, added=[u.filename for u in plan.add], unchanged=plan.unchanged,
                  removed=plan.remove, fingerprint=fingerprint,
                  packages=[dict(entry, filename=name) for name, entry in sorted(plan.holds.items())])
    key = _yum_repo.public_key(p["path"], cfg.key_name)
    if key is not None:
        result["public_key"] = key
    module.exit_json(**result)


def publish_apt(module):
    p = module.params
    cfg = _apt_repo.Config(
        root=p["path"], suites=[_apt_repo.Suite(**s) for s in p["suites"]], uid=p["key_uid"],
        key_type=p["key_type"], signing_key=p["signing_key"] or "", key_name=p["key_name"] or "archive-keyring")
    withdraw = (p["name"], p["version"]) if p["state"] == "absent" else None
    promote = (p["promote_from"], p["name"], p["version"]) if p["promote_from"] else None
    try:
        files = p["files"] if p["state"] == "present" else ()
        plan = _apt_repo.plan(cfg, files, p["codename"] or "", p["component"], withdraw, promote)
        fingerprint = plan.fingerprint
        if plan.changed and not module.check_mode:
            fingerprint = _apt_repo.apply(cfg, plan)
        codename = plan.codename
        sources = sorted({u.source for u in plan.add} | ({p["name"]} if p["name"] else set()))
        rows = [r for source in sources for r in _apt_repo.packages(p["path"], codename, source)]
    except (_apt_repo.AptRepoError, _cmd.CommandError, OSError) as exc:
        module.fail_json(**_cmd.fail_keys(exc))
    result = dict(
        changed=plan.changed, added=[os.path.basename(u.path) for u in plan.add], unchanged=plan.unchanged,
        removed=["%s %s" % (r[1], r[2]) for r in plan.remove], promoted=["%s %s" % (c[2], c[3]) for c in plan.copy],
        fingerprint=fingerprint,
        packages=[dict(source=r[0], package=r[2], version=r[3], architecture=r[4], filekey=r[5]) for r in rows])
    key = _apt_repo.public_key(p["path"], cfg.key_name)
    if key is not None:
        result["public_key"] = key
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            type=dict(type="str", choices=["pypi", "apt", "yum", "devpi", "pypiserver"], default="pypi"),
            path=dict(type="path"),
            url=dict(type="str"),
            simple_url=dict(type="str"),
            username=dict(type="str"),
            password=dict(type="str", no_log=True),
            twine=dict(type="path", default="twine"),
            files=dict(type="list", elements="path", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            name=dict(type="str"),
            version=dict(type="str"),
            suites=dict(type="list", elements="dict", options=SUITE_SPEC,
                        default=[dict(codename="bookworm", suite="stable")]),
            codename=dict(type="str"),
            component=dict(type="str", default="main"),
            promote_from=dict(type="str"),
            signing_key=dict(type="str", no_log=False),
            key_type=dict(type="str", choices=["ed25519", "rsa3072", "rsa4096"], default="ed25519"),
            key_uid=dict(type="str", default="pkgops.release repository <repository@localhost>", no_log=False),
            key_name=dict(type="str"),
            keep=dict(type="int", default=0),
        ),
        required_if=[("state", "absent", ("name", "version")), ("type", "pypi", ("path",)), ("type", "apt", ("path",)),
                     ("type", "yum", ("path",))],
        required_by={"promote_from": ("name", "version")},
        supports_check_mode=True,
    )
    p = module.params
    if p["type"] == "apt":
        publish_apt(module)
    if p["type"] == "yum":
        publish_yum(module)
    if p["type"] in ("devpi", "pypiserver"):
        upload_to_server(module)
    if p["promote_from"]:
        module.fail_json(msg="promote_from is for type apt.")
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
