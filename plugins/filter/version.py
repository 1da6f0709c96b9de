# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over the version mapping: version_bump, deb_version, rpm_version.

Their documentation lives beside this file, in version_bump.yml, deb_version.yml and
rpm_version.yml.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.pkgops.release.plugins.module_utils import _version


def _call(func, *args, **kwargs):
    if not _version.HAS_PACKAGING:
        raise AnsibleFilterError("The pkgops.release version filters need the Python library 'packaging'.")
    try:
        return func(*args, **kwargs)
    except _version.VersionError as exc:
        raise AnsibleFilterError(to_native(exc))


def version_bump(version, part):
    return _call(_version.bump, to_native(version), part)


def deb_version(version, revision="1"):
    return _call(_version.deb_version, to_native(version), revision)


def rpm_version(version, release="1"):
    return _call(lambda v, r: _version.rpm_evr(v, r).as_dict(), to_native(version), release)


class FilterModule(object):
    def filters(self):
        return {"version_bump": version_bump, "deb_version": deb_version, "rpm_version": rpm_version}
