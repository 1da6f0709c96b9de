#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: rpm_build
short_description: Build the .rpm and .src.rpm of a Python project, rpmlint clean
version_added: 0.1.0
description:
  - Builds a project's RPMs with C(rpmbuild -ba) under its own C(_topdir) (never C(~/rpmbuild)), from a
    scratch copy; the project's tree is never changed.
  - When the project has no spec, one is generated from its metadata - Name (the project for a service or an
    application, C(python3-NAME) for a library), Version and Release from the version mapping, Summary, License (SPDX), URL,
    Source0 (a tarball written deterministically from the tree), C(BuildArch noarch), BuildRequires, Requires
    mapped from the project's dependencies (C(python3dist(NAME)) with versions), C(%prep)/C(%build)/C(%install)
    with Fedora's pyproject macros, C(%check) importing the package, C(%files) from what the wheel installed
    plus the scripts, man pages, license and readme, for a service its hardened unit under C(%{_unitdir}) with the
    systemd scriptlets and its system user made in C(%pre), and C(%changelog) through
    M(pkgops.release.changelog_entry)'s rpm format. The generated spec is returned and copied to O(dest).
  - A project that ships a C(*.spec) is built with it; only Version, Release and C(%changelog) are set.
  - On an EL or Fedora build host the real macros are used. Debian's rpm lacks Fedora's Python and systemd
    macros - there the macros file the collection ships (C(MACROS) in C(plugins/module_utils/_rpm.py), Fedora's
    paths - C(/usr/lib/pythonX.Y/site-packages), C(/usr/lib/systemd/system)) is loaded, the wheel is built by
    Debian's python with C(build) and installed with C(installer)'s API, and C(--nodeps) skips the
    BuildRequires check (Debian's rpm database is empty).
  - Reproducible - SOURCE_DATE_EPOCH from O(date), build times and file times clamped to it, a fixed build host
    name and build path; the same input gives the same C(.rpm) and C(.src.rpm) bytes.
  - C(rpmlint) runs with the configuration the collection ships (C(RPMLINT_TOML) in
    C(plugins/module_utils/_rpm.py), each filter justified there); errors and warnings fail the build unless
    their tag is in O(rpmlint_allow) with a reason. The packages are signed when published
    (M(pkgops.release.repo_publish) O(pkgops.release.repo_publish#module:type=yum)).
  - A build whose inputs are unchanged and whose artifacts are intact is skipped (C(.pkgops-rpm.json)).
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.CHECK_ONLY
  - pkgops.release.attributes.COMMANDS
  - pkgops.release.package_build
requirements:
  - rpm (rpmbuild), rpmlint, packaging, specfile, build
options:
  version:
    description:
      - The release's PEP 440 version; the project must already declare it.
      - Mapped to RPM's Version as the version filters do, for example C(1.1.0rc1) to C(1.1.0~rc1).
    type: str
    required: true
  release:
    description: The RPM Release (C(%{?dist}) is appended in a generated spec).
    type: str
    default: "1"
  changes:
    description: The release's changes, for the C(%changelog) entry.
    type: list
    elements: str
    required: true
  date:
    description: The release date, C(YYYY-MM-DD) or ISO 8601; the entry's date and SOURCE_DATE_EPOCH.
    type: str
    required: true
  packager:
    description:
      - C(Name <email>) of the C(%changelog) entry.
      - By default git's user for the project (C(git config user.name) and C(user.email) in its repository);
        without one the task fails asking for this option. The project's upstream authors are never used.
    type: str
  name:
    description: The package name, instead of the one the policy gives.
    type: str
  rpmlint_allow:
    description: rpmlint tags that do not fail the build, each with the reason it is acceptable.
    type: dict
    default: {}
  lint:
    description: Run rpmlint.
    type: bool
    default: true
seealso:
  - module: pkgops.release.deb_build
  - module: pkgops.release.repo_publish
"""

EXAMPLES = r"""
- name: Build the RPMs of the release
  pkgops.release.rpm_build:
    path: /src/hello-world
    dest: /src/hello-world/dist/rpm
    version: 1.1.0
    date: "2026-11-25"
    changes:
      - Answer HEAD requests
  register: rpm
"""

RETURN = r"""
skipped_build:
  description: Whether the build was skipped because the inputs were unchanged.
  returned: always
  type: bool
artifacts:
  description: The C(.rpm) and C(.src.rpm) with SHA-256 and size (empty in check mode when a build is due).
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/src/hello-world/dist/rpm/hello-world-1.1.0-1.noarch.rpm", "sha256": "893d...", "size": 14049}]
rpms:
  description: The binary packages' paths.
  returned: always
  type: list
  elements: str
srpm:
  description: The source package's path.
  returned: when built or skipped
  type: str
rpmlint:
  description: rpmlint's findings (severity E, W or I), including allowed ones.
  returned: always
  type: list
  elements: dict
spec:
  description: The generated spec's path in O(dest) (absent when the project ships its spec).
  returned: when the spec was generated
  type: str
name:
  description: The package name.
  returned: when built or skipped
  type: str
evr:
  description: The package's epoch:version-release.
  returned: always
  type: str
  sample: 1.1.0-1
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _pkgbuild
from ansible_collections.pkgops.release.plugins.module_utils._rpm import BACKEND


def main():
    module = AnsibleModule(
        argument_spec=dict(
            _pkgbuild.COMMON_ARGS,
            release=dict(type="str", default="1"),
            packager=dict(type="str"),
            name=dict(type="str"),
            rpmlint_allow=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    _pkgbuild.run_module(module, BACKEND)


if __name__ == "__main__":
    main()
