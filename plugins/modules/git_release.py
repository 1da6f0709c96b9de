#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: git_release
short_description: Guard a release in the project's git checkout, then commit it and tag it
version_added: 0.1.0
description:
  - With O(state=checked), before a release writes anything, refuses a project whose tracked files have
    uncommitted changes (unless O(allow_dirty=true)) and a version whose tag already names another commit
    than C(HEAD). Untracked files do not count as changes, and neither do files that hold, byte for byte,
    what the release itself writes on top of C(HEAD) (O(expected)), so a release that stopped half-way is
    resumed by running it again.
  - With O(state=exported), writes the project's files as they are at C(HEAD) into O(dest) (the project
    itself is not touched); the release applies its own edits there to make O(expected).
  - With O(state=tagged), after every step of the release has succeeded, commits the release's own files
    (O(files) - the version file and the changelogs; other changes in the tree stay as they are) and puts
    the annotated tag O(tag_prefix)O(version) on that commit. A re-run whose tag is on C(HEAD) and whose
    files are committed changes nothing. The commit carries a C(Release-Version) trailer naming the version, by
    which a release stopped between its commit and its tag is known when it is run again.
  - A project that is not in a git work tree (or that its work tree ignores, such as a copy in a build
    directory) is left alone and reported with RV(git=false).
author: pkgops.release developers (@pkgops)
requirements:
  - git
extends_documentation_fragment:
  - pkgops.release.attributes.COMMANDS
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
options:
  path:
    description: The project directory.
    type: path
    required: true
  version:
    description: The release's version.
    type: str
    required: true
  state:
    description: V(checked) guards the start of a release; V(exported) writes C(HEAD)'s files to O(dest);
      V(tagged) commits and tags its end.
    type: str
    choices: [checked, exported, tagged]
    default: checked
  allow_dirty:
    description: Release even though tracked files have uncommitted changes (V(checked)).
    type: bool
    default: false
  expected:
    description:
      - A directory holding the project as the release makes it from C(HEAD) (V(checked)) - C(HEAD)'s files
        (O(state=exported)) with the release's version and changelog entries written into them. A tracked file
        with uncommitted changes that is identical to its copy there is the release's own edit, not a change.
    type: path
  dest:
    description:
      - The directory to write C(HEAD)'s files into (V(exported)); whatever it holds is replaced.
      - By default C(pkgops-release/head) in the checkout's git directory, so that a run that is killed leaves
        nothing in the project or elsewhere that a later run does not replace.
    type: path
  files:
    description: The files the release wrote, to commit (V(tagged)).
    type: list
    elements: path
    default: []
  tag_prefix:
    description: The tag is this prefix followed by the version.
    type: str
    default: v
  commit_message:
    description: The message of the release commit and of the tag; empty for C(Release VERSION).
    type: str
    default: ""
  identity:
    description:
      - C(Name <email>) to commit and tag as when git has no C(user.email) configured for the checkout.
    type: str
"""

EXAMPLES = r"""
- name: Refuse a dirty tree or a version tagged elsewhere
  pkgops.release.git_release:
    path: /src/hello-world
    version: 1.1.0

- name: After the release, commit its files and tag it
  pkgops.release.git_release:
    path: /src/hello-world
    version: 1.1.0
    state: tagged
    files:
      - /src/hello-world/pyproject.toml
      - /src/hello-world/CHANGELOG.rst
    identity: Release Team <release@example.com>
"""

RETURN = r"""
git:
  description: Whether the project is in a git work tree.
  returned: always
  type: bool
  sample: true
tag:
  description: The release's tag.
  returned: always
  type: str
  sample: v1.1.0
commit:
  description: C(HEAD) - after O(state=tagged) the tagged commit (in check mode, the commit it would follow).
  returned: when RV(git) is true
  type: str
  sample: 3e1f0c2d9b8a...
dirty:
  description: Tracked files under the project with uncommitted changes, before this task (the release's own edits included).
  returned: when RV(git) is true
  type: list
  elements: str
  sample: []
dest:
  description: Where O(state=exported) wrote C(HEAD)'s files.
  returned: when O(state=exported) and RV(git) is true
  type: str
  sample: /src/hello-world/.git/pkgops-release/head
committed:
  description: The release files committed (or that would be) by O(state=tagged).
  returned: when RV(git) is true
  type: list
  elements: str
  sample: [CHANGELOG.rst, pyproject.toml]
commands:
  description:
    - The git commands O(state=tagged) ran to commit and tag, each as a list of arguments; in check mode the
      commands it would run (none of them is run). Empty when there was nothing to do.
  returned: when O(state=tagged) and RV(git) is true
  type: list
  elements: list
  sample: [[/usr/bin/git, -C, /src/hello-world, tag, -a, -m, Release 1.1.0, v1.1.0, HEAD]]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _git
from ansible_collections.pkgops.release.plugins.module_utils._files import FileError, check_dest_dir


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            version=dict(type="str", required=True),
            state=dict(type="str", choices=["checked", "exported", "tagged"], default="checked"),
            allow_dirty=dict(type="bool", default=False),
            files=dict(type="list", elements="path", default=[]),
            tag_prefix=dict(type="str", default="v"),
            commit_message=dict(type="str", default=""),
            identity=dict(type="str"),
            expected=dict(type="path"),
            dest=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    tag = p["tag_prefix"] + p["version"]
    result = dict(changed=False, git=False, tag=tag)
    try:
        _cmd.find("git")
        _git.check_inputs(p["path"], tag, p["identity"], p["expected"], p["files"])
        if p["state"] == "checked":
            co = _git.check(p["path"], tag, p["allow_dirty"], p["expected"])
            if co is not None:
                result.update(git=True, commit=co.head, dirty=co.dirty, committed=[])
            module.exit_json(**result)
        if p["state"] == "exported":
            co = _git.checkout(p["path"])
            if co is not None and co.head is not None:
                # a scratch copy for the release's own use, not a change of the project: made in check mode too
                dest = p["dest"] or _git.scratch_dir(co)
                check_dest_dir(dest)
                _git.export_head(co, dest)
                result.update(git=True, commit=co.head, dirty=co.dirty, committed=[], dest=dest)
            module.exit_json(**result)
        co = _git.checkout(p["path"])
        if co is None:
            module.exit_json(**result)
        todo = _git.plan(co, tag, p["files"])
        result.update(git=True, commit=co.head, dirty=co.dirty, committed=todo.commit,
                      changed=bool(todo.commit or todo.tag), commands=[])
        if module._diff and result["changed"]:
            result["diff"] = dict(before="HEAD %s\n" % (co.head or "(none)"),
                                  after="".join("commit %s\n" % f for f in todo.commit)
                                  + ("tag %s\n" % tag if todo.tag else ""))
        if result["changed"]:
            record = _cmd.Recorder(dry=module.check_mode)  # check mode: the git commands, none of them run
            result["commit"] = _git.finish(co, tag, todo, p["commit_message"] or "Release %s" % p["version"],
                                           p["identity"], p["version"], record=record)
            result["commands"] = record.commands
    except (_git.GitError, _cmd.CommandError, FileError) as exc:
        module.fail_json(**_cmd.fail_keys(exc, result))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
