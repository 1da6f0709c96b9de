# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Debian and the RPM package of a project share: its kind, names, texts and files.

A project with exactly one console script (or a service command given) is a service: its
package is named after the project and runs that program as a systemd unit under its own
user; otherwise it is a library, packaged as python3-NAME. The synopsis, the description's
paragraphs, the man pages and the import names come from the project once, for both formats.
"""

from __future__ import annotations

import dataclasses
import os
import re
import textwrap
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _unit

LICENSE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.rst", "LICENSE.md", "COPYING", "COPYING.txt")


class PackagingError(ValueError):
    """The project's metadata cannot make a package; the message names the project."""


@dataclasses.dataclass
class Naming:
    kind: str  # service or library
    package: str  # the binary package
    service: t.Optional[_unit.Service]
    source: str = ""  # Debian's source package
    upstream: str = ""  # Debian's upstream version


def package_name(name):
    """A project name as a package name part (lowercase, runs of -_. as one dash)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def man_pages(root):
    """Relative paths of the project's man pages (man/, doc/, docs/: NAME.SECTION)."""
    found = []
    for folder in ("man", "doc", "docs", os.path.join("docs", "man")):
        path = os.path.join(root, folder)
        if os.path.isdir(path):
            found += [os.path.join(folder, n) for n in sorted(os.listdir(path)) if re.search(r"\.[1-8]$", n)]
    return found


def import_names(root):
    """Top-level packages of the project (src/ layout or flat), for an import check."""
    base = os.path.join(root, "src") if os.path.isdir(os.path.join(root, "src")) else root
    return sorted(n for n in os.listdir(base) if os.path.isfile(os.path.join(base, n, "__init__.py"))
                  and n not in ("tests", "test", "docs") and n.isidentifier())


def synopsis(meta, root):
    """The summary without a leading article or final period (Debian's and RPM's one-liner)."""
    text = meta.summary.strip().rstrip(".")
    if not text:
        raise PackagingError("Project '%s' has no summary (description in pyproject.toml): a package needs one."
                             % root)
    text = re.sub(r"^(a|an|the)\s+", "", text, flags=re.I)
    if len(text) > 80:
        raise PackagingError("The summary of '%s' is longer than 80 characters: a package synopsis cannot hold it."
                             % root)
    return text


def description_paragraphs(meta, names, width=79, sep=" ."):
    """The first prose paragraph of the readme, then what the package installs: wrapped lines,
    paragraphs separated by ``sep`` (Debian's " ." or an empty line)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", meta.description) if p.strip()]
    prose = ""
    for para in paragraphs:
        lines = para.splitlines()
        if len(lines) == 2 and re.match(r"^([=\-~^#*+])\1+$", lines[1].strip()):
            continue  # an rst title
        if lines[0].startswith("#") or lines[0].startswith(".. ") or len(lines) == 1 and lines[0] == meta.name:
            continue  # a markdown heading or an rst directive
        prose = re.sub(r"`+|\*\*", "", " ".join(line.strip() for line in lines))
        break
    if names.kind == "service":
        closing = "This package runs %s as a systemd service under its own system user." % names.package
    else:
        closing = "This package installs the library for Python 3."
    out = []
    for para in ([prose] if prose else []) + [closing]:
        if out:
            out.append(sep)
        out += textwrap.wrap(para, width)
    return out


def naming(root, meta, kind, service_command, environment_dir, package="", source="", deb_source=False):
    """The package's kind and names, and for a service its unit."""
    if kind == "auto":
        kind = "service" if len(meta.scripts) == 1 or service_command else "library"
    if kind not in ("service", "library"):
        raise PackagingError("kind must be service, library or auto, not '%s'." % kind)
    base = package_name(meta.name)
    if kind == "library":
        base = base[len("python-"):] if base.startswith("python-") else base
        names = Naming(kind, package or "python3-" + base, None, source or ("python-" + base if deb_source else ""))
    else:
        names = Naming(kind, package or base, None, source or (base if deb_source else ""))
    for what, value in (("source", names.source), ("package", names.package)):
        if value and not re.match(r"^[a-z0-9][a-z0-9+.-]+$", value):
            raise PackagingError("The %s package name '%s' is not a valid package name." % (what, value))
    if kind == "service":
        command = list(service_command)
        if not command:
            if len(meta.scripts) != 1:
                raise PackagingError("Project '%s' has %d console scripts; name the service's command "
                                     "(service_command)." % (root, len(meta.scripts)))
            command = ["/usr/bin/" + next(iter(meta.scripts))]
        if not command[0].startswith("/"):
            command[0] = "/usr/bin/" + command[0]
        pages = [os.path.basename(p) for p in man_pages(root)]
        program = os.path.basename(command[0])
        page = next((p for p in pages if p.rsplit(".", 1)[0] == program), "")
        names.service = _unit.Service(
            name=names.package, description=synopsis(meta, root), command=command,
            environment_file=environment_dir + names.package,
            man_page="%s(%s)" % tuple(page.rsplit(".", 1)) if page else "", homepage=meta.homepage)
    return names


def unexplained_allowance(option, allow):
    """The error for the first tag of a lint allow-list (``option``) given without a reason, or None."""
    for tag, reason in allow.items():
        if not str(reason or "").strip():
            return "%s: tag '%s' has no reason; say why it is acceptable." % (option, tag)
    return None


def failing_lines(log, limit=15):
    """The lines of a build log (dpkg-buildpackage, rpmbuild) that say what failed, else its tail."""
    lines = log.strip().splitlines()
    picked = [line for line in lines if re.search(r"\b(error|failed|FAILED|Error|No such file)\b|^E\s", line)]
    return "\n".join((picked or lines)[-limit:])


class BuildFailed(_cmd.CommandError):
    """A package build (run with ``merge_stderr``, ``what`` the project's directory) failed: the message
    quotes the lines of its log that say why; ``stdout`` holds the whole log."""

    def describe(self):
        if self.rc is None:
            return super().describe()
        return "%s failed for '%s' (rc %d):\n%s" % (self.binary, self.what, self.rc, failing_lines(self.stdout))


__all__: t.List[str] = ["PackagingError", "BuildFailed", "failing_lines", "Naming", "LICENSE_FILES", "package_name",
                        "man_pages", "import_names", "synopsis", "description_paragraphs", "naming"]
