# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Debian and the RPM package of a project share: its kind, names, texts and files.

A project is a service (its package named after the project runs its program as a systemd
unit under its own user), an application (named after the project, its console scripts in
/usr/bin, no unit, no user) or a library (python3-NAME). The user says which, or the project
does in [tool.pkgops-release] ``kind``; otherwise a given service command makes a service, a
console script an application, and the rest is a library. The synopsis, the description's
paragraphs, the man pages and the import names come from the project once, for both formats.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import textwrap
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _project, _unit

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


@functools.lru_cache(maxsize=None)
def target_python():
    """The version (X.Y.Z) of the Python the packages are built for: the build host's (``_project.build_python``)."""
    proc = _cmd.run([_project.build_python(), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
    return proc.stdout.strip()


def applies(requirement):
    """Whether a PEP 508 requirement applies to the packages: its environment marker evaluated for a Linux
    host with the target Python (an ``extra`` marker never applies: optional features are not dependencies)."""
    from packaging.requirements import Requirement

    req = Requirement(requirement)
    if req.marker is None:
        return True
    full = target_python()
    env = {"python_version": ".".join(full.split(".")[:2]), "python_full_version": full, "sys_platform": "linux",
           "platform_system": "Linux", "os_name": "posix", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "extra": ""}
    return req.marker.evaluate(env)


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


def _roff(text):
    """Plain text as roff: backslashes, dashes and a leading dot or quote escaped."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return ("\\&" + text) if text[:1] in (".", "'") else text


def written_man_pages(root, meta, names):
    """{relative name (SCRIPT.1): roff text} - a short manual page for each console script the project ships
    no page for (Debian's policy and rpmlint want one per program): its name line from the summary, the
    readme's first paragraph, and where the project's own documentation is."""
    have = set(os.path.basename(p).rsplit(".", 1)[0] for p in man_pages(root))
    prose = description_paragraphs(meta, names, width=1000, sep="")[0] if meta.description else ""
    pages = {}
    for script in sorted(set(meta.scripts) - have):
        lines = ['.TH "%s" "1" "" "%s %s" "User Commands"' % (script.upper(), _roff(meta.name), _roff(meta.version)),
                 ".SH NAME", "%s \\- %s" % (_roff(script), _roff(synopsis(meta, root))),
                 ".SH SYNOPSIS", ".B %s" % _roff(script), "[\\fIOPTIONS\\fR]",
                 ".SH DESCRIPTION"]
        if prose and prose.startswith("This package"):
            prose = ""
        if prose:
            lines += [_roff(prose), ".PP"]
        lines.append("%s is a command of %s. The project ships no manual page; this one was written from its "
                     "metadata when it was packaged. The project's documentation describes the options."
                     % (_roff(script), _roff(meta.name)))
        if meta.homepage:
            lines += [".SH SEE ALSO", _roff(meta.homepage)]
        pages["%s.1" % script] = "\n".join(lines) + "\n"
    return pages


NOT_IMPORTED = ("tests", "test", "docs", "doc", "examples", "setup", "conftest", "noxfile", "tasks", "debian")


def import_names(root):
    """What the project installs to import (src/ layout or flat), for an import check: its top-level packages,
    the packages inside a namespace package (a directory without __init__.py), and its top-level modules."""
    base = os.path.join(root, "src") if os.path.isdir(os.path.join(root, "src")) else root
    names = []
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        stem = name[:-3] if name.endswith(".py") else name
        if stem in NOT_IMPORTED or stem.startswith("test_") or not stem.isidentifier():
            continue
        if os.path.isfile(os.path.join(path, "__init__.py")):
            names.append(name)
        elif os.path.isdir(path):
            names += ["%s.%s" % (name, sub) for sub in _namespace_of(path)]
        elif name.endswith(".py") and os.path.isfile(path) and (base != root or _is_module(root, stem)):
            names.append(stem)
    return names


def _namespace_of(path):
    """The packages of a namespace package directory."""
    return sorted(n for n in os.listdir(path) if os.path.isfile(os.path.join(path, n, "__init__.py"))
                  and n.isidentifier())


def _is_module(root, stem):
    """Whether a flat top-level .py file is one the project installs (named in its setup.py or pyproject.toml)."""
    for config in ("setup.py", "pyproject.toml", "setup.cfg"):
        path = os.path.join(root, config)
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                if re.search(r"""["'\s=]%s["'\s,\]]""" % re.escape(stem), handle.read()):
                    return True
    return False


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


# Readme markup as plain text, in this order: (pattern, replacement). Images and badges go, links
# keep their text, emphasis, code marks, html tags and rst substitutions (|badge|) go.
_MARKUP = (
    (r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)", ""),  # a linked markdown image (a badge)
    (r"!\[[^\]]*\]\([^)]*\)", ""),  # a markdown image
    (r"\[([^\]]+)\]\([^)]*\)", r"\1"),  # a markdown link
    (r"\[([^\]]+)\]\[[^\]]*\]", r"\1"),  # a markdown reference link
    (r"`([^`<]+?)\s*<[^>]+>`_{1,2}", r"\1"),  # an rst link
    (r"<[^>]+>", ""),  # html
    (r"\|[^|\s][^|]*\|_{0,2}", ""),  # an rst substitution
    (r":[a-z:]+:`([^`]+)`", r"\1"),  # an rst role (:mod:`x`)
    (r"`+|\*\*|__", ""),
    (r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\1"),  # emphasis
)


def plain_text(text):
    """Markdown or reStructuredText inline markup as plain text on one line."""
    for pattern, replacement in _MARKUP:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def _prose(meta):
    """The readme's first paragraph of prose: not a title, heading, directive, badge row, list, table or code."""
    for para in re.split(r"\n\s*\n", meta.description):
        lines = [line for line in para.splitlines() if line.strip()]
        if not lines or lines[0][:1] in (" ", "\t"):
            continue  # nothing, or an indented (code) block
        if any(re.match(r"^\s*([=\-~^#*+`])\1\1+\s*$", line) for line in lines):
            continue  # an rst title or a code fence
        if re.match(r"^\s*(#|\.\. |[-*+] |\d+[.)] |\||<|\[[^\]]*\]:)", lines[0]):
            continue  # a heading, a directive, a list, a table, html, a link target
        text = plain_text(" ".join(lines))
        if len(text.split()) >= 4 and text.lower() != meta.name.lower():
            return text
    return ""


def description_paragraphs(meta, names, width=79, sep=" ."):
    """The first prose paragraph of the readme, then what the package installs: wrapped lines,
    paragraphs separated by ``sep`` (Debian's " ." or an empty line). Words are never split."""
    prose = _prose(meta)
    if names.kind == "service":
        closing = "This package runs %s as a systemd service under its own system user." % names.package
    elif names.kind == "application":
        plural = "s" if len(meta.scripts) > 1 else ""
        closing = "This package installs the command%s %s." % (plural, ", ".join(sorted(meta.scripts)))
    else:
        closing = "This package installs the library for Python 3."
    out = []
    for para in ([prose] if prose else []) + [closing]:
        if out:
            out.append(sep)
        out += textwrap.wrap(para, width, break_long_words=False, break_on_hyphens=False)
    return out


KINDS = ("service", "application", "library")
TOOL_TABLE = "pkgops-release"  # [tool.pkgops-release] of pyproject.toml: what the project says of itself


def decide_kind(root, meta, kind, service_command):
    """The kind asked for; for ``auto``, the one the project declares ([tool.pkgops-release] kind), else a
    service when a service command is given, an application when it has console scripts, else a library.
    A command-line tool never becomes a daemon by default."""
    if kind == "auto":
        declared = _project._toml(root).get("tool", {}).get(TOOL_TABLE, {}).get("kind")
        if declared is not None and declared not in KINDS:
            raise PackagingError("File '%s' declares kind '%s' in [tool.%s]; use one of %s."
                                 % (os.path.join(root, "pyproject.toml"), declared, TOOL_TABLE, ", ".join(KINDS)))
        kind = declared or ("service" if service_command else "application" if meta.scripts else "library")
    if kind not in KINDS:
        raise PackagingError("kind must be %s or auto, not '%s'." % (", ".join(KINDS), kind))
    return kind


def naming(root, meta, kind, service_command, environment_dir, package="", source="", deb_source=False):
    """The package's kind and names, and for a service its unit."""
    kind = decide_kind(root, meta, kind, service_command)
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


def license_expression(root, meta):
    """The project's SPDX license expression (the ``license`` option's, else its metadata's: ``_project.license_of``),
    or PackagingError saying what was found, in which file, and to set the option."""
    if meta.license.strip():
        return meta.license.strip()
    where = _project.license_file(root)
    if meta.license_found:
        raise PackagingError("The license of '%s' is not one SPDX expression: '%s' declares %s; set the license "
                             "option to its SPDX expression, such as 'MIT' or 'BSD-3-Clause'."
                             % (root, where, meta.license_found))
    raise PackagingError("Project '%s' declares no license (no License-Expression, License or license classifier in "
                         "'%s'): set the license option to its SPDX expression, such as 'MIT'." % (root, where))


def unexplained_allowance(option, allow):
    """The error for the first tag of a lint allow-list (``option``) given without a reason, or None."""
    for tag, reason in allow.items():
        if not str(reason or "").strip():
            return "%s: tag '%s' has no reason; say why it is acceptable." % (option, tag)
    return None


# What a build log says when it fails, first of all: (pattern of the line, what the cause is called).
# The lines indented below a match (rpmbuild lists the files or dependencies there) belong to it.
CAUSES = (
    (r"Installed \(but unpackaged\) file\(s\) found:", "files the package does not list"),
    (r"error: Failed build dependencies:", "missing build dependencies"),
    (r"Unmet build dependencies:", "missing build dependencies"),
    (r"^FAILED \S+", "the project's tests failed (tests=false builds without them)"),
    (r"^INTERNALERROR> \w[\w.]*(Error|Warning|Exception): ",
     "the project's tests could not run (tests=false builds without them)"),
    (r"Multiple top-level packages discovered in a flat-layout",
     "setuptools' automatic discovery takes the generated debian/ for one of the project's packages (name them: "
     "[tool.setuptools] packages, or setup(packages=...), or ship debian/)"),
    (r"ModuleNotFoundError: No module named|ImportError: ", "a module the build needs is missing"),
    (r"error: File not found:", "a file the package lists was not installed"),
)


def build_cause(log):
    """The first cause ``CAUSES`` finds in a build log with its lines, e.g. ("files the package does not list",
    ["/usr/bin/tool"]), or None."""
    lines = log.splitlines()
    for pattern, name in CAUSES:
        hits = [i for i, line in enumerate(lines) if re.search(pattern, line)]
        if not hits:
            continue
        found = []
        for i in hits:
            block = [lines[i]]
            for line in lines[i + 1:]:
                if line[:1] not in (" ", "\t") or not line.strip():
                    break
                block.append(line)
            found += [line.strip() for line in block if line.strip() not in found]
        return name, found
    return None


def failing_lines(log, limit=15):
    """The lines of a build log (dpkg-buildpackage, rpmbuild) that say what failed, else its tail."""
    lines = log.strip().splitlines()
    picked = [line for line in lines if re.search(r"\b(error|failed|FAILED|Error|No such file)\b|^E\s", line)]
    return "\n".join((picked or lines)[-limit:])


class BuildFailed(_cmd.CommandError):
    """A package build (run with ``merge_stderr``, ``what`` the project's directory) failed: the message
    starts with the cause the log gives (``build_cause``), quotes the lines that say why, and names the
    file that keeps the whole log (``log_path``, set by the pipeline)."""

    log_path = ""

    def describe(self):
        if self.rc is None:
            return super().describe()
        cause = build_cause(self.stdout)
        head = "%s failed for '%s' (rc %d)" % (self.binary, self.what, self.rc)
        if cause:
            text = "%s: %s:\n%s" % (head, cause[0], "\n".join(cause[1][:40]))
        else:
            text = "%s:\n%s" % (head, failing_lines(self.stdout))
        return text + ("\nThe whole log: %s" % self.log_path if self.log_path else "")


__all__: t.List[str] = ["PackagingError", "BuildFailed", "target_python", "applies", "CAUSES", "build_cause", "failing_lines", "Naming", "KINDS",
                        "decide_kind", "LICENSE_FILES", "package_name", "plain_text", "man_pages", "written_man_pages",
                        "import_names", "synopsis", "description_paragraphs", "naming"]
