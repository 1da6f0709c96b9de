#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: deb_build
short_description: Build Debian source and binary packages of a Python project, lintian clean
version_added: 0.1.0
description:
  - Builds a project's Debian packages with C(dpkg-buildpackage) (source and binary - C(.deb), C(.dsc), upstream
    and Debian tarballs, C(.buildinfo), C(.changes)) in a scratch copy; the project's tree is never changed.
  - When the project has no C(debian/) directory, one is generated from its metadata (read through its PEP 517
    build backend) - C(control) with the binary package named after Debian's Python policy (C(python3-NAME) from
    source C(python-NAME) for a library, C(NAME) for a service or an application - see O(kind)) and C(Depends)
    on C(${python3:Depends}), C(changelog) in C(dch)'s format, C(rules) with C(dh $@ --with python3 --buildsystem=pybuild), a DEP-5
    C(copyright) with the license mapped to Debian's short name, C(source/format) C(3.0 (quilt)), and for a
    service a hardened systemd unit (installed by dh_installsystemd) and a sysusers.d file for its own system
    user. The project's requirements become build dependencies for its tests, named by dh-python's own mapping
    (C(PyYAML) is C(python3-yaml), C(Pillow) C(python3-pil)) and C(python3-NAME) where dh-python does not know the
    name; the binary package's C(Depends) is C(${python3:Depends}), which dh_python3 fills with the same mapping.
  - A project that ships C(debian/) is built with it; only the release's changelog entry is added.
  - The build is reproducible - the upstream tarball is written deterministically and SOURCE_DATE_EPOCH comes
    from O(date), so the same inputs give the same C(.deb) and C(.dsc) bytes (C(.buildinfo) records the build
    time, and C(.changes) its checksum).
  - C(lintian --display-info --pedantic) runs on the result; errors and warnings fail the task unless their tag
    is in O(lintian_allow) with a reason. All findings are returned.
  - A build whose inputs (the project's files and these options) are unchanged and whose artifacts are intact
    is skipped; a record next to the artifacts (C(.pkgops-deb.json)) holds the fingerprint.
  - Runs on a Debian host with C(dpkg-dev), C(debhelper), C(dh-python), C(pybuild-plugin-pyproject),
    C(python3-all) and C(lintian) (and the project's build and test dependencies) installed.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
  - pkgops.release.attributes.COMMANDS
  - pkgops.release.package_build
requirements:
  - python-debian
  - packaging
  - build
options:
  version:
    description:
      - The release's PEP 440 version; the project must already declare it (see M(pkgops.release.project_version)).
      - Mapped to the Debian version as the version filters do, for example C(1.1.0rc1) to C(1.1.0~rc1-1).
    type: str
    required: true
  changes:
    description: The release's changes, for the C(debian/changelog) entry.
    type: list
    elements: str
    required: true
  date:
    description:
      - The release date, C(YYYY-MM-DD) or ISO 8601; the changelog entry's date and the build's SOURCE_DATE_EPOCH.
      - Required so that a rebuild on another day gives the same bytes.
    type: str
    required: true
  maintainer:
    description:
      - C(Name <email>) for C(Maintainer) and the changelog trailer.
      - By default the C(Maintainer) of the project's own C(debian/control) when it ships one, else git's user
        for the project (C(git config user.name) and C(user.email) in its repository); without either the task
        fails asking for this option. The project's upstream authors are never used.
    type: str
  distribution:
    description: The changelog entry's distribution.
    type: str
    default: unstable
  urgency:
    description: The changelog entry's urgency.
    type: str
    default: medium
  revision:
    description: The Debian revision.
    type: str
    default: "1"
  source:
    description: The source package name, instead of the one the policy gives.
    type: str
  package:
    description: The binary package name, instead of the one the policy gives.
    type: str
  copyright:
    description:
      - The upstream copyright holders for C(debian/copyright) (its first C(Files) paragraph), for example C(2024-2026 Jane Doe).
      - By default the first C(Copyright) line of the project's license files, else its first author.
    type: str
  section:
    description: The archive section; V(python) for a library and V(misc) otherwise by default.
    type: str
  lintian_allow:
    description:
      - lintian tags that do not fail the build, each with the reason it is acceptable.
    type: dict
    default: {}
  lint:
    description: Run lintian. Only turn this off to build on a host without lintian; the findings are then empty.
    type: bool
    default: true
notes:
  - Check mode reports whether a build would run, and builds nothing.
seealso:
  - module: pkgops.release.repo_publish
  - module: pkgops.release.changelog_entry
"""

EXAMPLES = r"""
- name: Build the Debian packages of the release
  pkgops.release.deb_build:
    path: /src/hello-world
    dest: /src/hello-world/dist/deb
    version: 1.1.0
    date: "2026-11-25"
    changes:
      - Answer HEAD requests
  register: deb

- name: Build a library whose tests need network access, accepting one lintian tag
  pkgops.release.deb_build:
    path: /src/toolkit
    dest: /srv/build/toolkit
    version: 2.0.0
    date: "2026-11-25"
    kind: library
    changes: [New major version]
    lintian_allow:
      debian-watch-file-is-missing: the project is not published upstream
"""

RETURN = r"""
skipped_build:
  description: Whether the build was skipped because the inputs were unchanged.
  returned: always
  type: bool
  sample: false
artifacts:
  description: Every file the build produced, with its SHA-256 and size (empty in check mode when a build is due).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
    sha256:
      description: Its SHA-256.
      type: str
    size:
      description: Its size in bytes.
      type: int
  sample: [{"path": "/src/hello-world/dist/deb/hello-world_1.1.0-1_all.deb", "sha256": "b3f5...", "size": 7184}]
debs:
  description: The binary packages' paths.
  returned: always
  type: list
  elements: str
  sample: [/src/hello-world/dist/deb/hello-world_1.1.0-1_all.deb]
changes_file:
  description: The C(.changes) file (what M(pkgops.release.repo_publish) takes).
  returned: when built or skipped
  type: str
  sample: /src/hello-world/dist/deb/hello-world_1.1.0-1_amd64.changes
lintian:
  description: lintian's findings (severity E, W, I, P or X), including allowed ones.
  returned: always
  type: list
  elements: dict
  sample: [{"severity": "I", "package": "hello-world source", "tag": "debian-watch-file-is-missing", "detail": ""}]
generated:
  description: The C(debian/) files generated from metadata (empty when the project ships C(debian/)).
  returned: always
  type: list
  elements: str
  sample: [debian/control, debian/rules, debian/changelog]
source:
  description: The source package name.
  returned: when built or skipped
  type: str
  sample: hello-world
package:
  description: The binary package name.
  returned: when built or skipped
  type: str
  sample: hello-world
dependency_names:
  description:
    - For a generated C(debian/), the Debian package each runtime and build requirement became, and where the name
      came from - V(dh-python) (its own mapping, as C(dh_python3) uses for C(${python3:Depends})), V(rule)
      (C(python3-NAME), for a name dh-python does not know) or V(build backend table). Empty when the project ships
      C(debian/).
  returned: when built or skipped
  type: dict
  sample: {"PyYAML": {"package": "python3-yaml", "source": "dh-python"}, "setuptools": {"package": "python3-setuptools",
           "source": "build backend table"}}
version:
  description: The Debian version.
  returned: always
  type: str
  sample: 1.1.0-1
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _pkgbuild
from ansible_collections.pkgops.release.plugins.module_utils._debian import BACKEND


def main():
    module = AnsibleModule(
        argument_spec=dict(
            _pkgbuild.COMMON_ARGS,
            maintainer=dict(type="str"),
            distribution=dict(type="str", default="unstable"),
            urgency=dict(type="str", default="medium"),
            revision=dict(type="str", default="1"),
            source=dict(type="str"),
            package=dict(type="str"),
            section=dict(type="str"),
            copyright=dict(type="str"),
            lintian_allow=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    _pkgbuild.run_module(module, BACKEND)


if __name__ == "__main__":
    main()
