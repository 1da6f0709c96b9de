#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: changelog_entry
short_description: Add the entry of one release to a changelog
version_added: 0.1.0
description:
  - Adds the entry for one version to a project changelog (classic reStructuredText or Keep a Changelog
    Markdown), a C(debian/changelog), or the C(%changelog) of an RPM spec file.
  - One entry per version. Running again with the same input changes nothing. An existing entry for the
    same version with other text is an error unless O(force=true). A version lower than the newest entry
    is refused unless O(allow_older=true), which puts it in version order.
  - The same O(changes) render to every format, so one list of changes written by a release lands in the
    project changelog, C(debian/changelog) and C(%changelog) alike.
  - The file is written atomically (a temporary file beside it, then a rename), keeping its line ends (LF or CRLF)
    and byte order mark. A read-only file, bytes that are not UTF-8, a file that mixes line ends, a file the format
    cannot parse, or a field the format's tools would refuse (a Debian package name, distribution, urgency or
    version, a maintainer that is not C(Name <email>), a C(%changelog) entry out of date order) is one error
    naming the field or the file and line, and every file is left as it was.
author: pkgops.release developers (@pkgops)
extends_documentation_fragment:
  - pkgops.release.attributes.FILE_EDITS
requirements:
  - packaging
  - python-debian (O(format=debian))
  - specfile and rpm's Python bindings (O(format=rpm))
options:
  path:
    description:
      - The changelog file. It is created when absent (its directory must exist), except a spec file, which must exist.
      - A symbolic link is refused unless O(follow=true).
    type: path
    required: true
  follow:
    description:
      - When O(path) is a symbolic link, edit the file it points to in place and keep the link.
      - When V(false), a symbolic link is refused, so the link is never replaced by a regular file.
    type: bool
    default: false
  format:
    description:
      - The changelog's format.
      - V(rst) is the classic Python-project changelog, each entry a version line, a C(^) underline of the same
        length, the date (see O(date_format)), an optional C(Backward compatible) line (see
        O(compatible)) and one C(*) bullet per change.
      - V(markdown) follows Keep a Changelog, C(## [VERSION] - YYYY-MM-DD) with the changes under C(### Changed);
        an C(## [Unreleased]) section stays on top.
      - V(debian) writes what C(dch) writes, byte for byte, with the version mapped by
        P(pkgops.release.deb_version#filter).
      - V(rpm) adds to the spec's C(%changelog) through the specfile library, with the version mapped by
        P(pkgops.release.rpm_version#filter).
      - When omitted, taken from O(path) - a file named C(changelog) in a C(debian) directory is V(debian), C(*.spec) is
        V(rpm), C(*.md) is V(markdown), anything else V(rst).
    type: str
    choices: [rst, markdown, debian, rpm]
  version:
    description: The release's PEP 440 version.
    type: str
    required: true
  changes:
    description:
      - The changes of the release, one text each. Long texts are wrapped as the format wants.
      - In C(debian/changelog) each text is written as C(dch) writes it - leading spaces kept, each tab (or other
        whitespace character) written as one space, a carriage return starting a new line. The other formats strip
        the leading and trailing spaces.
      - Line breaks inside a text are joined with spaces. Other control characters are refused.
    type: list
    elements: str
    required: true
  date:
    description:
      - The release date, C(YYYY-MM-DD) or an ISO 8601 date and time (with offset; UTC when none).
      - When omitted, now; and an existing entry for the same version keeps its own date, so a re-run on
        another day changes nothing.
    type: str
  date_format:
    description:
      - The C(strftime) format of the date line for O(format=rst). The date it writes must read back with it
        (C(strptime)), or the format is refused.
    type: str
    default: "%d-%b-%Y"
  compatible:
    description:
      - Whether the release is backward compatible with the one before. Written as a
        C(Backward compatible) V(yes) or V(no) line by the V(rst) and V(markdown) formats; omitted when not set.
    type: bool
  package:
    description:
      - The Debian source package name, for O(format=debian) - lowercase letters, digits, C(+), C(-) and C(.), two
        or more, starting with a letter or a digit (Debian policy 5.6.1).
    type: str
  maintainer:
    description:
      - C(Name <email>) of the person signing the entry, for O(format=debian) and O(format=rpm).
      - By default git's user for the changelog's directory (C(git config user.name) and C(user.email)); without
        one the task fails asking for this option. The project's upstream authors are never used.
    type: str
  distribution:
    description:
      - The Debian distribution of the entry - lowercase letters, digits, C(+), C(-) and C(.); several are
        separated by spaces.
    type: str
    default: unstable
  urgency:
    description: The Debian urgency of the entry.
    type: str
    default: medium
    choices: [low, medium, high, emergency, critical]
  deb_revision:
    description: The Debian revision appended to the mapped version.
    type: str
    default: "1"
  rpm_release:
    description: The RPM Release of the entry's version.
    type: str
    default: "1"
  force:
    description: Replace an existing entry of the same version whose text differs.
    type: bool
    default: false
  allow_older:
    description:
      - Add a version lower than the newest entry, at its place in version order.
      - In a spec file the entry's date must still fit the C(%changelog)'s descending date order.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Add 1.1.0 to the project changelog
  pkgops.release.changelog_entry:
    path: /src/hello-world/CHANGELOG.rst
    version: 1.1.0
    compatible: true
    changes:
      - Answer HEAD requests
      - Read the port from the environment

- name: The same words in debian/changelog, as dch writes them
  pkgops.release.changelog_entry:
    path: /src/hello-world/debian/changelog
    version: 1.1.0
    package: hello-world
    maintainer: Release Team <release@example.com>
    changes:
      - Answer HEAD requests
      - Read the port from the environment
"""

RETURN = r"""
path:
  description: The changelog file.
  returned: always
  type: str
  sample: /src/hello-world/CHANGELOG.rst
format:
  description: The format used.
  returned: always
  type: str
  sample: rst
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  sample: added
  choices: [created, added, replaced, unchanged]
entry:
  description: The text of the release's entry.
  returned: always
  type: str
  sample: "1.1.0\n^^^^^\n25-Nov-2026\n\n* Answer HEAD requests\n"
line:
  description: The line of the entry the change happened at (0 when appended at the end or created).
  returned: always
  type: int
  sample: 1
date:
  description:
    - The entry's date and time (ISO 8601) - the one asked for, or, when O(date) is omitted and the
      entry is already there, the date it keeps. Later steps take the build's SOURCE_DATE_EPOCH from it.
  returned: success
  type: str
  sample: "2026-11-25T00:00:00+00:00"
"""

import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.pkgops.release.plugins.module_utils import _changelog, _files, _version

try:
    import packaging  # noqa: F401, pylint: disable=unused-import
except ImportError:
    PACKAGING_ERROR = traceback.format_exc()
else:
    PACKAGING_ERROR = None


def guess_format(path):
    name, parent = os.path.basename(path), os.path.basename(os.path.dirname(os.path.abspath(path)))
    if name == "changelog" and parent == "debian":
        return "debian"
    if name.endswith(".spec"):
        return "rpm"
    if name.lower().endswith((".md", ".markdown")):
        return "markdown"
    return "rst"


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            format=dict(type="str", choices=list(_changelog.FORMATS)),
            version=dict(type="str", required=True),
            changes=dict(type="list", elements="str", required=True),
            date=dict(type="str"),
            date_format=dict(type="str", default=_changelog.DEFAULT_RST_DATE_FORMAT),
            compatible=dict(type="bool"),
            package=dict(type="str"),
            maintainer=dict(type="str"),
            distribution=dict(type="str", default="unstable"),
            urgency=dict(type="str", default="medium", choices=list(_changelog.URGENCIES)),
            deb_revision=dict(type="str", default="1"),
            rpm_release=dict(type="str", default="1"),
            force=dict(type="bool", default=False),
            allow_older=dict(type="bool", default=False),
            follow=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    if PACKAGING_ERROR:
        module.fail_json(msg=missing_required_lib("packaging"), exception=PACKAGING_ERROR)
    if module.params["format"] is None:
        module.params["format"] = guess_format(module.params["path"])
    p = module.params
    if p["format"] == "debian" and not _changelog.HAS_DEBIAN:
        module.fail_json(msg=missing_required_lib("python-debian"))
    if p["format"] == "debian" and not p["package"]:
        module.fail_json(msg="format is debian but the following are missing: package")
    path = p["path"]
    result = dict(changed=False, path=path, format=p["format"])
    try:
        if p["format"] in ("debian", "rpm"):
            p["maintainer"] = _changelog.maintainer(path, p["maintainer"], "maintainer")
        date, date_given = _changelog.parse_date(p["date"], path)
        release = _changelog.Release(
            version=p["version"], changes=p["changes"], date=date, date_given=date_given,
            compatible=p["compatible"], package=p["package"] or "", maintainer=p["maintainer"] or "",
            distribution=p["distribution"], urgency=p["urgency"], deb_revision=p["deb_revision"],
            rpm_release=p["rpm_release"], date_format=p["date_format"])
        real = _changelog.target(path, p["follow"])
        data = _files.read_bytes(real)
        current = None if data is None else _changelog.decode(path, data)
        plan = _changelog.plan_entry(path, p["format"], current, release, force=p["force"],
                                     allow_older=p["allow_older"])
        if plan.changed:
            _files.check_writable(real)
    except (_changelog.ChangelogError, _files.FileError, _version.VersionError) as exc:
        module.fail_json(msg=str(exc), **result)
    except OSError as exc:  # a file that vanished or cannot be read midway: name it, no traceback
        module.fail_json(msg="File '%s' cannot be used: %s." % (exc.filename or path, exc.strerror), **result)
    result.update(changed=plan.changed, action=plan.action, entry=plan.entry, line=plan.line,
                  date=plan.date.isoformat())
    if plan.changed and module._diff:
        result["diff"] = _files.diff(path, plan.before, plan.after)
    if plan.changed and not module.check_mode:
        try:
            _files.write_atomic(module, real, plan.after)
        except OSError as exc:  # a directory that does not take new files: name it, no traceback
            module.fail_json(msg="File '%s' cannot be written: %s: make its directory writable."
                             % (real, exc.strerror), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
