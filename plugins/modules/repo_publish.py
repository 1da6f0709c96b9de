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
  - For O(type=apt), older versions stay installable - reprepro keeps one version of a package per suite, so beside
    each suite C(CODENAME) the repository serves C(CODENAME-archive) (Suite C(SUITE-archive) when the suite has a
    suite name; same Origin, Label, components and architectures) listing the newest O(keep) versions of every
    source package, those the suite has now included. It is built with C(apt-ftparchive) from the pool files,
    signed with the repository's key and switched with the suite in the same rename; its files stay in the pool,
    a version it drops is deleted after the switch, a withdrawal (O(state=absent)) removes the version from it,
    a promotion adds to the target's. Clients add C(CODENAME-archive) as a second source to C(apt-get install
    NAME=VERSION).
  - O(type=yum) and O(type=pypi) can also promote a version from another repository of the same type on the host
    (O(promote_from), its root directory) - the files its served state holds (for O(type=yum) every RPM of
    O(name) at O(version), for O(type=pypi) the wheels and sdist), copied byte for byte, each file's sha256 checked
    against the source when planned and again when copied. The source is read from what it serves, without its
    lock; a source changed meanwhile fails the change, which then applies nothing.
  - A promoted RPM is copied byte for byte, so for O(type=yum) the source's RPM signer must be one of this
    repository's signing keys (put the same key into both GnuPG homes, for example by copying the source's
    C(gnupg/) before the first change), else the promotion is refused; each promoted RPM is checked with
    C(rpmkeys --checksig) at signature level against this repository's keys. A promoted RPM signed by another of
    the keys than the RPM signer (the last of O(signing_keys)) is signed again with the RPM signer (RV(resigned)).
  - O(type=devpi) and O(type=pypiserver) upload O(files) to an index server at O(url) with twine, the credentials
    (O(username), O(password)) passed through twine's environment and never logged. Each file is first looked up
    on the server's simple page of its project - the same file name with the same sha256 is unchanged, with
    another sha256 it is refused and nothing is uploaded.
  - O(type=devpi) can also promote O(name) at O(version) from another index of the same devpi-server (O(promote_from),
    C(USER/INDEX)) to the index of O(url), with devpi-server's own push (a login at C(/+login), then a C(POST) of
    C(name), C(version) and C(targetindex) to the source index) - the very same files, not uploaded again. Before
    the push, the release's files are read on both indexes - a version the source index does not have is refused
    (it was never in testing), files the target has with the same sha256 are unchanged, with another sha256
    refused - and after it the target must serve each file with the source's sha256. The user O(username) must be
    allowed to read the source and upload to the target.
  - O(type=yum) keeps a signed yum/dnf repository in O(path) with C(createrepo_c) - C(gnupg/) (its own GnuPG home),
    C(packages/) (the RPMs, each signed with the repository's key by C(rpmsign) and checked with
    C(rpmkeys --checksig) at signature level) and C(current/) which a web server serves (C(repodata/) with
    C(repomd.xml) and its detached armored signature C(repomd.xml.asc), C(packages/), and the public key
    O(key_name)). Metadata and signature switch together in one rename of C(current), so a reader never sees new
    metadata with an old signature; a change killed at any moment leaves the served repository as it was.
  - For O(type=yum), a name-version-release-arch already published with another header digest is refused,
    O(keep) retains the newest versions of each package, and O(state=absent) withdraws O(name) at O(version)
    (C(VERSION) or C(VERSION-RELEASE)).
  - Each type takes its own options only (each option below says which types it applies to); an option set that
    does not apply to the chosen type is an error naming the option and the types it applies to. Options
    common to every type are O(type), O(files) and O(state).
  - For O(type=pypi), O(type=apt) and O(type=yum), a change reads the repository, plans and applies under the
    repository's one lock (an exclusive C(flock) of O(path)C(/.lock), or of the directory O(path) itself for
    O(type=pypi), released when the process ends, also when it is killed), so concurrent publishes into one
    repository run one after the other and each lands. Check mode plans without the lock; it writes nothing.
notes:
  - For O(type=pypi), O(type=apt) and O(type=yum), a first publish (nothing served yet in O(path)) that fails leaves
    no repository - a package the repository tool refuses, a key gpg cannot make or sign with, any error after the
    lock is taken. What the change made (the signing key it generated, its generation, the pool, the lock file, and
    O(path) itself when the task made it) is removed before the error is reported; what O(path) held before (for
    example a GnuPG home with the repository's own key) stays. A first publish that is killed serves nothing, and
    the next change removes what it made before planning.
  - Files in the shared areas that no served index names (C(pool/) for O(type=apt), C(packages/) for O(type=yum)
    and O(type=pypi)) - left by a change killed between copying a file in and switching - and the scratch
    directories and unfinished generations of killed changes are deleted by the next change, under the lock. A
    file the served index names is never deleted. For O(type=apt) the next change looks for such files when a
    killed change left its traces (its C(.dirty) mark in O(path), its generation), so a publish into a large
    repository does not walk the whole pool; files put into C(pool/) by other means are not looked for.
  - For O(type=pypi) the served pages are the index's record - a file in C(packages/) they do not link is never
    taken for published (publishing it again adds it) nor served again by a later change (a version withdrawn by a
    change killed before it deleted the file stays withdrawn).
  - No gpg-agent started for the repository's GnuPG home outlives the task.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
  - pkgops.release.attributes.COMMANDS
requirements:
  - packaging (O(type=pypi))
  - reprepro, gnupg, dpkg-deb and python-debian on the repository host (O(type=apt))
  - createrepo_c, rpm (rpmsign, rpmkeys) and gnupg on the repository host (O(type=yum))
  - twine (O(type=devpi) and O(type=pypiserver))
options:
  type:
    description: The kind of repository.
    type: str
    choices: [pypi, apt, yum, devpi, pypiserver]
    default: pypi
  path:
    description:
      - The repository's directory on the host. Created when absent.
      - Applies to and is required for O(type=pypi), O(type=apt) and O(type=yum).
    type: path
  url:
    description:
      - The upload URL of the index server, for O(type=devpi) (C(http://HOST:3141/USER/INDEX/)) and
        O(type=pypiserver) (C(http://HOST:8082/)).
      - Applies to and is required for O(type=devpi) and O(type=pypiserver).
    type: str
  simple_url:
    description:
      - The server's simple index, where existing files are looked up; by default O(url) + C(+simple/) for devpi
        and O(url) + C(simple/) for pypiserver.
      - Applies to O(type=devpi) and O(type=pypiserver).
    type: str
  username:
    description: The upload user. Applies to and is required for O(type=devpi) and O(type=pypiserver).
    type: str
  password:
    description: The upload user's password. Applies to and is required for O(type=devpi) and O(type=pypiserver).
    type: str
  twine:
    description:
      - The twine program that uploads (for example from a venv); by default C(twine) from E(PATH).
      - Applies to O(type=devpi) and O(type=pypiserver).
    type: path
  files:
    description:
      - The artifacts to publish - wheels and sdists for O(type=pypi), O(type=devpi) and O(type=pypiserver);
        C(.changes), C(.deb) or C(.dsc) for O(type=apt); C(.rpm) for O(type=yum).
      - Required with O(state=present) for O(type=pypi) unless O(promote_from) is given; for O(type=apt) an empty
        list creates or updates the repository (suites, key) without packages.
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
      - The project whose version to withdraw, with O(state=absent), or to promote with O(promote_from).
      - For O(type=apt), the source package; for O(type=yum), the package name (every architecture and the source
        RPM go); for O(type=pypi), the project, in any spelling; for O(type=devpi), the project.
      - Applies to O(type=pypi), O(type=apt), O(type=yum) and O(type=devpi).
    type: str
  version:
    description:
      - The version to withdraw, with O(state=absent) (for O(type=apt) the Debian version, for example C(1.1.0-1)),
        or to promote with O(promote_from) (for O(type=yum) C(VERSION) or C(VERSION-RELEASE); a C(VERSION) that
        matches several releases in the source is refused; for O(type=devpi) the version as the index lists it).
      - Applies to O(type=pypi), O(type=apt), O(type=yum) and O(type=devpi).
    type: str
  suites:
    description:
      - The apt repository's suites. Suites not listed any more are dropped.
      - By default one suite, codename V(bookworm) and suite V(stable).
      - Applies to O(type=apt).
    type: list
    elements: dict
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
    description:
      - The suite O(files) go into, or a version is withdrawn from or promoted to; by default the first suite.
      - Applies to O(type=apt).
    type: str
  component:
    description:
      - The component O(files) go into; by default V(main).
      - Applies to O(type=apt).
    type: str
  promote_from:
    description:
      - For O(type=apt), copy source package O(name) at O(version) and its binaries from this suite to O(codename) -
        the same files, nothing rebuilt. Unchanged when O(codename) already has exactly those files.
      - For O(type=yum) and O(type=pypi), the root directory (an absolute path) of another repository of the same
        type on this host, for example a testing repository, to copy O(name) at O(version) from - byte for byte.
        Unchanged when this repository already holds those files; a version the source does not serve is refused,
        and so is a file name this repository holds with other bytes.
      - For O(type=devpi), the index C(USER/INDEX) on the same server as O(url) (whose index is the target), for
        example C(release/testing) - the release files of O(name) at O(version) are pushed by devpi-server itself.
        Unchanged when the target index has those files with the same sha256; a version the source index does not
        have is refused, and so is a file the target has with other bytes or a part of the release only (devpi
        pushes a release whole).
      - With O(state=present) only; O(files) may be given as well.
      - Applies to O(type=pypi), O(type=apt), O(type=yum) and O(type=devpi).
    type: str
  signing_key:
    description:
      - The fingerprint (or long key ID) of the key that signs. It must be a secret key in the repository's GnuPG
        home (O(path)C(/gnupg)) and, once the repository exists, the key its suites are signed with.
      - By default the home's only key, generated when there is none.
      - Mutually exclusive with a non-empty O(signing_keys).
      - Applies to O(type=apt) and O(type=yum).
    type: str
  signing_keys:
    description:
      - Every key that signs the repository, in order - for rotating its signing key with an overlap. Each entry is
        the fingerprint (or long key ID, at least 16 hex digits) of a secret key in the repository's GnuPG home, or
        a user ID C(Name <email>) - the home's key with exactly that user ID, generated (O(key_type), O(key_expiry))
        when the home has none; a user ID that two keys carry is refused, naming both fingerprints.
      - Every listed key signs the metadata - for O(type=apt) each suite's C(InRelease) and C(Release.gpg) (one
        signature per key, through reprepro's C(SignWith)); for O(type=yum) C(repomd.xml.asc) (one detached armored
        file, one signature per key). The generation is checked with gpgv for a good signature by every listed key.
      - The served public key (O(type=apt) C(O(key_name).asc) and C(O(key_name).gpg); O(type=yum) O(key_name))
        holds every listed key and only those. A key no longer listed stays in the GnuPG home but signs nothing and
        is not exported.
      - For O(type=yum) the last listed key is the RPM signer - new RPMs are signed with it, and the published RPMs
        signed by another key are signed again with it (C(rpmsign); the header digest stays, the file bytes change),
        each written at a new path (C(packages/FINGERPRINT/FILE)) so the served state stays valid until the switch,
        and checked with C(rpmkeys --checksig) against that key alone; the old files are deleted after the switch.
        RV(resigned) names them.
      - Overlap - the new set must share at least one key with the keys that sign the served state, else the change
        is refused (naming them) - add the new key first (old, new), publish, let the clients fetch the new public
        key, then retire the old key (new only).
      - Renewal (O(key_expiry), O(key_renew_days), O(renew_key)) applies to each listed key.
      - An empty list (the default) is the same as not giving it - O(signing_key) or the home's only key.
      - Applies to O(type=apt) and O(type=yum).
    type: list
    elements: str
  key_type:
    description:
      - The kind of key generated when the repository has none; by default V(ed25519).
      - Applies to O(type=apt) and O(type=yum).
    type: str
    choices: [ed25519, rsa3072, rsa4096]
  key_uid:
    description:
      - The user ID of a generated key; by default C(pkgops.release repository <repository@localhost>).
      - Applies to O(type=apt) and O(type=yum).
    type: str
  key_expiry:
    description:
      - The lifetime of a generated signing key, as gpg takes it - V(2y) (two years, the default), C(Nm), C(Nw),
        C(Nd), a date C(YYYY-MM-DD), or V(never); also the lifetime from the renewal a renewed key gets (see
        O(key_renew_days)). A key that exists keeps its expiry until it is renewed.
      - With O(key_renew_days) above 0 it must reach past the renewal window (else a renewed key would be due again
        at once).
      - The result's RV(key_expires) gives the key's expiry date; with less than 90 days left (or expired) the task
        warns, naming the key.
      - Applies to O(type=apt) and O(type=yum).
    type: str
  key_renew_days:
    description:
      - Renew the signing key when it can sign for fewer than this many days more (by default V(90), the same as
        the warning), or has expired - before the change signs, under the repository's lock. V(0) renews only
        with O(renew_key).
      - A renewal moves the expiry of the primary key and of its signing subkeys to now + O(key_expiry)
        (C(gpg --quick-set-expire)); the fingerprint stays, so packages and indices signed before stay valid. The
        public key files in the served tree are exported again and the indices (C(InRelease), C(Release.gpg),
        C(repomd.xml.asc)) signed again, in a new state switched in one rename; clients must fetch the public key
        again before the old expiry (role C(pkgops.release.repo_client) replaces the key it installed when its
        bytes change). RV(key_renewed) says so; renewing a key that had expired also warns.
      - A key that has expired and is not renewed is refused for a change that signs.
      - A served public key that is not the key's export any more (for example renewed by hand) is exported again.
      - Applies to O(type=apt) and O(type=yum).
    type: int
  renew_key:
    description:
      - Renew the signing key now (see O(key_renew_days)), whatever its expiry - unless the renewal would not move
        it by a day, so a second run changes nothing. A key that never expires is left as it is.
      - By default V(false).
      - Applies to O(type=apt) and O(type=yum).
    type: bool
  key_name:
    description:
      - The file name of the exported public key in the served tree - without extension for O(type=apt)
        (C(NAME.asc) and C(NAME.gpg) are written), the whole name for O(type=yum).
      - By default V(archive-keyring) for O(type=apt) and V(RPM-GPG-KEY-pkgops) for O(type=yum).
      - Applies to O(type=apt) and O(type=yum).
    type: str
  keep:
    description:
      - For O(type=yum), how many versions of each package (and architecture) stay.
      - For O(type=apt), how many versions of each source package C(CODENAME-archive) lists (the suite itself holds
        one).
      - V(0), the default, keeps all.
      - Applies to O(type=apt) and O(type=yum).
    type: int
"""

EXAMPLES = r"""
- name: Publish the release's sdist and wheel
  pkgops.release.repo_publish:
    type: pypi
    path: /srv/pypi
    files:
      - /build/dist/hello_world-1.1.0.tar.gz
      - /build/dist/hello_world-1.1.0-py3-none-any.whl

- name: Publish the Debian packages into a signed apt repository, bookworm-archive keeping five versions of each
  pkgops.release.repo_publish:
    type: apt
    path: /srv/apt
    keep: 5
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

- name: Renew the apt repository's signing key now (same fingerprint; the clients need the public key again)
  pkgops.release.repo_publish:
    type: apt
    path: /srv/apt
    renew_key: true
    key_expiry: 2y

- name: Rotate the yum repository's signing key, step 1 - sign with the old key and a new one (generated)
  pkgops.release.repo_publish:
    type: yum
    path: /srv/yum
    signing_keys:
      - pkgops.release repository <repository@localhost>
      - pkgops.release repository 2027 <repository-2027@localhost>

- name: Step 2, once the clients hold the new public key - retire the old key
  pkgops.release.repo_publish:
    type: yum
    path: /srv/yum
    signing_keys:
      - pkgops.release repository 2027 <repository-2027@localhost>

- name: Promote the tested RPMs, byte for byte, from the testing repository (signed with the same key)
  pkgops.release.repo_publish:
    type: yum
    path: /srv/yum
    promote_from: /srv/yum-testing
    name: hello-world
    version: 1.1.0-1
  register: yum_promotion

- name: Promote the tested wheel and sdist from the testing index
  pkgops.release.repo_publish:
    type: pypi
    path: /srv/pypi
    promote_from: /srv/pypi-testing
    name: hello-world
    version: 1.1.0
  register: pypi_promotion

- name: Promote the tested release on devpi from the testing index to the stable one (devpi's push)
  pkgops.release.repo_publish:
    type: devpi
    url: http://repo.example.com:3141/release/stable/
    username: release
    password: "{{ vault_devpi_password }}"
    promote_from: release/testing
    name: hello-world
    version: 1.1.0
  register: devpi_promotion

- name: Record the promotions in the release manifest
  pkgops.release.release_manifest:
    path: /build/manifest-1.1.0.json
    release:
      name: hello-world
      version: 1.1.0
      promotions: "{{ yum_promotion.promotions + pypi_promotion.promotions }}"
    artifacts: []

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
  description: The file names withdrawn; for O(type=apt), C(SOURCE VERSION) of each source package withdrawn.
  returned: always
  type: list
  elements: str
  sample: []
artifacts:
  description: Every distribution the index holds afterwards.
  returned: when O(type=pypi)
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
  description:
    - What the change promoted (O(promote_from)) - for O(type=apt) the source packages copied, as
      C(SOURCE VERSION); for O(type=yum), O(type=pypi) and O(type=devpi) the file names copied in (not those
      already here).
  returned: when O(type=apt), O(type=yum), O(type=pypi) or O(type=devpi)
  type: list
  elements: str
  sample: [hello-world 1.1.0-1]
promotions:
  description:
    - Every file of the version promoted (O(promote_from)), copied now or already here, so a re-run reports the same
      (for the release manifest). Empty without O(promote_from). For O(type=apt), the pool files (binary packages
      and the C(.dsc)) of the source package at O(version) as the source suite lists them.
  returned: when O(type=apt), O(type=yum), O(type=pypi) or O(type=devpi)
  type: list
  elements: dict
  contains:
    filename:
      description: The file name.
      type: str
    sha256:
      description: The file's SHA-256, the same in both repositories.
      type: str
    promote_from:
      description: The root of the repository it was promoted from (for O(type=apt) the suite, for O(type=devpi) the
        index C(USER/INDEX)).
      type: str
  sample: [{"filename": "hello-world-1.1.0-1.noarch.rpm", "sha256": "5d1e...", "promote_from": "/srv/yum-testing"}]
fingerprint:
  description:
    - The fingerprint of the repository's signing key (empty in check mode before it exists); with several signing
      keys (O(signing_keys)) the last one's.
  returned: when O(type=apt) or O(type=yum)
  type: str
  sample: 088F4BD2216ED2136C7EF3A0CF82BE32AD5F1579
signing_keys:
  description:
    - The fingerprints of every key that signs the repository afterwards, in order (in check mode those the change
      would sign with; empty strings for keys it would generate).
  returned: when O(type=apt) or O(type=yum)
  type: list
  elements: str
  sample: [088F4BD2216ED2136C7EF3A0CF82BE32AD5F1579, 5C7A0E4F31D3B2A8E49C6A1B0F2D8E7C3B4A5968]
rpm_signer:
  description: The fingerprint of the key that signs the RPMs - the last of RV(signing_keys).
  returned: when O(type=yum)
  type: str
  sample: 5C7A0E4F31D3B2A8E49C6A1B0F2D8E7C3B4A5968
resigned:
  description:
    - The file names of the RPMs the change signed again with RV(rpm_signer) (in check mode, would sign again) -
      published RPMs signed by another key, and promoted RPMs signed by another of the repository's keys.
  returned: when O(type=yum)
  type: list
  elements: str
  sample: [hello-world-1.1.0-1.noarch.rpm]
key_expires:
  description:
    - The signing key's expiry date (C(YYYY-MM-DD), UTC), V(never), or empty in check mode before the key exists;
      after a renewal the new date (in check mode the date the renewal would give). With several signing keys, the
      last one's.
    - With less than 90 days left, or expired, the task also warns (for each signing key).
  returned: when O(type=apt) or O(type=yum)
  type: str
  sample: "2028-12-02"
key_renewed:
  description:
    - Whether the change renewed the signing key (in check mode, would renew it) - same fingerprint, expiry moved to
      RV(key_expires), public key exported again.
  returned: when O(type=apt) or O(type=yum)
  type: bool
  sample: false
public_key:
  description:
    - The exported public key, ASCII-armored (absent in check mode before it exists) - one block holding every key
      of RV(signing_keys).
  returned: when O(type=apt) or O(type=yum) and the repository exists
  type: str
packages:
  description:
    - What O(codename) holds afterwards of the source packages involved (those of O(files), and O(name)), for
      O(type=apt); in check mode, before the change.
    - Every package the repository holds afterwards (file name, name, epoch, version, release, arch, header
      digest), for O(type=yum).
  returned: when O(type=apt) or O(type=yum)
  type: list
  elements: dict
  sample: [{"source": "hello-world", "package": "hello-world", "version": "1.1.0-1", "architecture": "amd64",
            "filekey": "pool/main/h/hello-world/hello-world_1.1.0-1_all.deb"}]
archive:
  description:
    - For O(codename), its archive suite (C(codename), and C(suite) when the suite has a suite name) and the
      C(SOURCE VERSION) pairs it keeps of the source packages involved (those of O(files), and O(name)), for
      O(type=apt); in check mode, what the change would keep.
  returned: when O(type=apt)
  type: dict
  sample: {"bookworm": {"codename": "bookworm-archive", "suite": "stable-archive",
                        "kept": ["hello-world 1.1.0-1", "hello-world 1.2.0-1"]}}
commands:
  description:
    - The twine upload command, as a list of arguments (the credentials are not in it but in twine's environment);
      in check mode the command it would run, not run. Empty when every file is on the server already.
    - For a promotion with O(type=devpi), first devpi's push as C(POST), the source index's URL and the request's
      JSON body (in check mode the push it would ask for).
  returned: when O(type=devpi) or O(type=pypiserver)
  type: list
  elements: list
  sample: [[/opt/twine/bin/twine, upload, --disable-progress-bar, --repository-url, "http://127.0.0.1:3141/ci/dev/",
            /srv/dist/hello_world-1.1.0-py3-none-any.whl]]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _repo_publish

SUITE_SPEC = dict(
    codename=dict(type="str", required=True),
    suite=dict(type="str", default=""),
    components=dict(type="list", elements="str", default=["main"]),
    architectures=dict(type="list", elements="str", default=["amd64", "source"]),
    origin=dict(type="str", default="pkgops.release"),
    label=dict(type="str", default="pkgops.release"),
)

# Options that apply to some types only have no default here (an option the user did not set is
# None, and only a set one is refused for another type); their effective defaults are the types'
# (_repo_publish.TYPES), as DOCUMENTATION says.
ARGUMENT_SPEC = dict(
    type=dict(type="str", choices=list(_repo_publish.TYPES), default="pypi"),
    path=dict(type="path"),
    url=dict(type="str"),
    simple_url=dict(type="str"),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    twine=dict(type="path"),
    files=dict(type="list", elements="path", default=[]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    name=dict(type="str"),
    version=dict(type="str"),
    suites=dict(type="list", elements="dict", options=SUITE_SPEC),
    codename=dict(type="str"),
    component=dict(type="str"),
    promote_from=dict(type="str"),
    signing_key=dict(type="str", no_log=False),
    signing_keys=dict(type="list", elements="str", no_log=False),
    key_type=dict(type="str", choices=["ed25519", "rsa3072", "rsa4096"]),
    key_uid=dict(type="str", no_log=False),
    key_name=dict(type="str"),
    key_expiry=dict(type="str", no_log=False),
    key_renew_days=dict(type="int", no_log=False),
    renew_key=dict(type="bool", no_log=False),
    keep=dict(type="int"),
)


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[("state", "absent", ("name", "version")), ("type", "pypi", ("path",)), ("type", "apt", ("path",)),
                     ("type", "yum", ("path",))],
        required_by={"promote_from": ("name", "version")},
        supports_check_mode=True,
    )
    try:
        result = _repo_publish.run(module.params, module.check_mode)
    except _repo_publish.ERRORS as exc:
        module.fail_json(**_cmd.fail_keys(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
