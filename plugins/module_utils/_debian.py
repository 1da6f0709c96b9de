# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Debian packages of a Python project: debian/ from its metadata, dpkg-buildpackage, lintian.

A project without debian/ gets one generated from its core metadata (through its build
backend): control (names after Debian's Python policy: ``python3-NAME`` from source
``python-NAME`` for a library, ``NAME`` for a service), changelog (``_changelog``, dch's
format), rules (dh + pybuild), copyright (DEP-5, the license mapped to Debian's short name),
source/format 3.0 (quilt), and for a service its unit (``_unit``) and sysusers.d file,
installed by dh_installsystemd and dh_installsysusers. A project that ships debian/ is built
with it; only the changelog entry is added.

The build runs in a scratch copy (the project's tree is never touched) with the upstream
tarball written deterministically and SOURCE_DATE_EPOCH from the changelog's date, so the
same inputs give the same .deb bytes. The steps and their order are ``_pkgbuild``'s; ``Backend``
below supplies the Debian part of each.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
import textwrap
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import (
    _changelog, _cmd, _pkgbuild, _pkgspec, _project, _unit, _version)
from ansible_collections.pkgops.release.plugins.module_utils._files import tarball_of_tree

RECORD = ".pkgops-deb.json"
STANDARDS_VERSION = "4.6.2"
BUILD_DEPENDS = ("debhelper-compat (= 13)", "dh-python", "pybuild-plugin-pyproject", "python3-all")
# dpkg-buildpackage with a clean PATH: shims of other Pythons (pyenv, venvs) break pybuild.
BUILD_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"

# SPDX identifier -> Debian's DEP-5 short name, and the file under /usr/share/common-licenses
# when Debian ships the text (else the project's own license text goes into copyright).
LICENSES = {
    "MIT": ("Expat", None),
    "Apache-2.0": ("Apache-2.0", "Apache-2.0"),
    "BSD-2-Clause": ("BSD-2-clause", None),
    "BSD-3-Clause": ("BSD-3-clause", None),
    "ISC": ("ISC", None),
    "MPL-2.0": ("MPL-2.0", "MPL-2.0"),
    "GPL-2.0-only": ("GPL-2", "GPL-2"),
    "GPL-2.0-or-later": ("GPL-2+", "GPL-2"),
    "GPL-3.0-only": ("GPL-3", "GPL-3"),
    "GPL-3.0-or-later": ("GPL-3+", "GPL-3"),
    "LGPL-2.1-or-later": ("LGPL-2.1+", "LGPL-2.1"),
    "LGPL-3.0-or-later": ("LGPL-3+", "LGPL-3"),
}
LICENSE_FILES = _pkgspec.LICENSE_FILES
NO_ITP = ("# A package for the project's own repositories: there is no ITP bug to close.\n"
          "initial-upload-closes-no-bugs\n")


class DebianError(ValueError):
    """Bad input, a failed build or lintian findings; the message names the file or quotes the log."""


class DebianCommandError(_cmd.CommandError, DebianError):
    """A command failed: a DebianError carrying the command's cmd, rc, stdout and stderr."""


class DebianBuildError(_pkgspec.BuildFailed, DebianError):
    """dpkg-buildpackage failed: the message quotes the failing lines of the build log."""


@dataclasses.dataclass
class Options:
    kind: str = "auto"  # service, application, library, or auto (_pkgspec.decide_kind)
    source: str = ""
    package: str = ""
    maintainer: str = ""
    section: str = ""
    service_command: t.List[str] = dataclasses.field(default_factory=list)
    tests: bool = True  # run the project's tests at build time (else the nocheck option and profile)
    license: str = ""  # an SPDX expression instead of the project's
    copyright: str = ""  # the upstream copyright holders instead of the license files' notice
    lintian_allow: t.Dict[str, str] = dataclasses.field(default_factory=dict)


debian_name = _pkgspec.package_name

# dh-python's own code, as dh_python3 runs it for ${python3:Depends}: dhpython.pydist.guess_dependency
# looks a distribution name up in the pydist overrides of installed packages, then in its cpython3_fallback
# list (PyYAML is python3-yaml, Pillow python3-pil), then asks dpkg -S for an installed package's metadata.
# dhpython lives outside every Python's path (in DH_PYTHON, for Debian's python3): it runs in a process of
# _project.build_python(), the build host's Python, as the build backends do, whatever Python runs this
# module (the controller's venv has no dhpython). Its fallback file is not read here: it comes with dh-python,
# so where dhpython cannot be imported there is no file either, and the naming rule applies.
DH_PYTHON = "/usr/share/dh-python"
DH_PYTHON_QUERY = textwrap.dedent("""\
    import json, logging, sys
    sys.path.insert(0, sys.argv[1])
    logging.disable(logging.CRITICAL)
    try:
        from dhpython.pydist import guess_dependency, load, safe_name
    except ImportError:
        sys.exit(3)
    known, out = load("cpython3"), {}
    for name in json.loads(sys.argv[2]):
        try:
            found = guess_dependency("cpython3", name)
        except Exception:
            found = None
        # a package ("python3-yaml", maybe with a fixed version), "" when dh-python drops the name, else None
        out[name] = found.split()[0].rstrip(",") if found else ("" if safe_name(name) in known else None)
    print(json.dumps(out))
    """)
NO_DH_PYTHON = 3  # the exit status of the query where dhpython cannot be imported
_dh_python_names: t.Dict[str, t.Optional[str]] = {}


def dh_python_names(names):
    """{name: what dh-python's mapping says}: its package, "" when it drops the name (the standard library
    has it), None when it does not know the name or is not installed. One process for the names not asked yet."""
    todo = sorted(set(names) - set(_dh_python_names))
    if todo:
        python = _project.build_python()
        proc = _cmd.run([python, "-c", DH_PYTHON_QUERY, DH_PYTHON, json.dumps(todo)], check=False)
        if proc.returncode == NO_DH_PYTHON:
            _dh_python_names.update((name, None) for name in todo)
        elif proc.returncode != 0:
            raise DebianCommandError.of(proc, "Asking dh-python (%s) for the Debian packages of %s"
                                        % (python, ", ".join(todo)))
        else:
            _dh_python_names.update(json.loads(proc.stdout))
    return dict((name, _dh_python_names[name]) for name in names)


def debian_package(name, overrides=None):
    """(Debian package or None when none is needed, where that came from) of a distribution name: ``overrides``,
    else dh-python's mapping, else the rule python3-NAME."""
    if overrides and debian_name(name) in overrides:
        return overrides[debian_name(name)], "build backend table"
    package = dh_python_names([name])[name]
    if package is not None:
        return (package or None), "dh-python"
    return "python3-" + debian_name(name), "rule"


def python_dependency(requirement, overrides=None):
    """A PEP 508 requirement as Debian relations on its package (``debian_package``), versions mapped as upstream."""
    from packaging.requirements import Requirement

    if not _pkgspec.applies(requirement):
        return []  # its marker excludes the target (python_version < '3.8', sys_platform == 'win32' ...)
    req = Requirement(requirement)
    base = debian_package(req.name, overrides)[0]
    if base is None:
        return []  # nothing to install: dh-python drops it, or it is part of another package
    relations = []
    for spec in sorted(req.specifier, key=str):
        op = {">=": ">=", "<=": "<=", ">": ">>", "<": "<<", "==": "=", "~=": ">="}.get(spec.operator)
        if op is None or "*" in spec.version:
            continue  # != and wildcards have no single Debian relation; the Python check still applies
        relations.append("%s (%s %s)" % (base, op, _version.deb_upstream(spec.version)))
    return relations or [base]


# Build backends whose Debian package for building is not dh-python's name for them (setuptools is
# python3-pkg-resources at run time); None: nothing to install.
BACKEND_PACKAGES = {"setuptools": "python3-setuptools", "flit-core": "flit", "wheel": None}


def dependency_names(root, meta):
    """{requirement name: {package, source}} of the project's runtime and build requirements that apply:
    the Debian package each became and where the name came from (dh-python, the rule, the backend table)."""
    from packaging.requirements import Requirement

    runtime = [Requirement(text).name for text in meta.requires if _pkgspec.applies(text)]
    build = [Requirement(text).name for text in _project.build_requires(root) if _pkgspec.applies(text)]
    dh_python_names(runtime + build)
    found = {}
    for names, overrides in ((build, BACKEND_PACKAGES), (runtime, None)):
        for name in names:
            package, source = debian_package(name, overrides)
            found.setdefault(name, dict(package=package or "", source=source))
    return found


def build_backend_depends(root):
    """Build-Depends for the project's [build-system] requires (setuptools -> python3-setuptools)."""
    deps = []
    for text in _project.build_requires(root):
        for relation in python_dependency(text, BACKEND_PACKAGES):
            package = relation.split()[0]
            if package not in deps:
                deps.append(package)
    return deps


def naming(root, meta, opts, version):
    try:
        names = _pkgspec.naming(root, meta, opts.kind, opts.service_command, "/etc/default/", package=opts.package,
                                source=opts.source, deb_source=True)
    except _pkgspec.PackagingError as exc:
        raise DebianError(str(exc))
    names.upstream = _version.deb_upstream(version)
    return names


def _synopsis(meta, root):
    try:
        return _pkgspec.synopsis(meta, root)
    except _pkgspec.PackagingError as exc:
        raise DebianError(str(exc))


def _long_description(meta, names):
    return "\n".join((" " + line) if line != " ." else line
                     for line in _pkgspec.description_paragraphs(meta, names, width=79, sep=" ."))


def debian_license(root, expression):
    """(DEP-5 License expression, [SPDX ids in order]) of an SPDX expression of mapped licenses.

    SPDX's expression grammar is small and ``packaging.licenses`` is missing from Debian 12's
    python3-packaging, so the expression (ids, AND, OR, parentheses) is read here."""
    tokens = re.findall(r"[()]|[^\s()]+", expression.strip())
    names = dict((spdx.lower(), spdx) for spdx in LICENSES)
    out, ids = [], []
    for token in tokens:
        if token.upper() in ("AND", "OR"):
            out.append(token.lower())
        elif token in "()":
            out.append(token)
        elif token.lower() in names:
            spdx = names[token.lower()]
            out.append(LICENSES[spdx][0])
            if spdx not in ids:
                ids.append(spdx)
        else:
            raise DebianError("The license '%s' of '%s' has no Debian mapping here ('%s' is not one of %s); set "
                              "license to an SPDX expression of those, such as 'MIT OR Apache-2.0', or ship debian/."
                              % (expression or "(none)", root, token, ", ".join(sorted(LICENSES))))
    if not ids:
        raise DebianError("The license '%s' of '%s' has no Debian mapping here; set license to an SPDX expression "
                          "of %s, or ship debian/." % (expression or "(none)", root, ", ".join(sorted(LICENSES))))
    return " ".join(out).replace("( ", "(").replace(" )", ")"), ids


def _license_files(root):
    """{file name: text} of the project's license files."""
    texts = {}
    for name in LICENSE_FILES + tuple(n for n in sorted(os.listdir(root)) if re.match(r"^(LICEN[CS]E|COPYING)[-_.]", n)):
        path = os.path.join(root, name)
        if name not in texts and os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                texts[name] = handle.read()
    return texts


def _license_text(root, spdx, texts):
    """The lines of the license text for ``spdx``: the only license file, or the one named after it."""
    key = spdx.split("-")[0].lower()
    named = [n for n in texts if key in re.sub(r"[^a-z0-9]", "", n.lower())]
    chosen = named[0] if len(named) == 1 else (next(iter(texts)) if len(texts) == 1 else "")
    if not chosen:
        raise DebianError("Project '%s' has no license file for %s to quote in debian/copyright (found: %s); add "
                          "one such as LICENSE-%s." % (root, spdx, ", ".join(texts) or "none", key.upper()))
    lines = texts[chosen].strip("\n").splitlines()
    if lines and re.match(r"^\s*(MIT License|.*License)\s*$", lines[0]) and len(lines) > 1 and not lines[1].strip():
        lines = lines[2:]  # the title line
    body = [(" " + line.rstrip()) if line.strip() else " ." for line in lines]
    body = [line for line in body if not re.match(r"^ Copyright\b", line, re.I)]
    while body and body[0] == " .":
        body.pop(0)
    return body


def _copyright(root, meta, maintainer, holder="", year=""):
    try:
        expression = _pkgspec.license_expression(root, meta)
    except _pkgspec.PackagingError as exc:
        raise DebianError(str(exc))
    short, ids = debian_license(root, expression)
    texts = _license_files(root)
    if not holder:
        notices = [m.group(1).strip() for text in texts.values()
                   for m in re.finditer(r"^\s*Copyright\s+(?:\(c\)\s*)?(.+)$", text, re.M | re.I)]
        holder = notices[0] if notices else (meta.author or maintainer)
    para = ["Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
            "Upstream-Name: %s" % meta.name]
    if meta.homepage:
        para.append("Source: %s" % meta.homepage)
    para += ["", "Files: *", "Copyright: %s" % holder, "License: %s" % short,
             "", "Files: debian/*", "Copyright: %s" % " ".join(filter(None, (year, maintainer))),
             "License: %s" % short]
    for spdx in ids:
        name, common = LICENSES[spdx]
        if common:
            body = [" On Debian systems, the full text of this license is in",
                    " /usr/share/common-licenses/%s." % common]
        else:
            body = _license_text(root, spdx, texts)
        para += ["", "License: %s" % name] + body
    return "\n".join(para) + "\n"


def _maintainer(root, given):
    """``_changelog.maintainer`` (the option, else git's user), as a DebianError."""
    try:
        return _changelog.maintainer(root, given, "maintainer")
    except _changelog.ChangelogError as exc:
        raise DebianError(str(exc))


def generate(root, meta, opts, names, has_tests, year=""):
    """debian/ files from the project's metadata: {relative path: (text, mode)}."""
    maintainer = _maintainer(root, opts.maintainer)
    dependency_names(root, meta)  # dh-python asked once for every name
    build_depends = list(BUILD_DEPENDS) + build_backend_depends(root)
    if names.service:
        build_depends.append("dh-sequence-installsysusers")  # in dh's default sequence from compat 14
    if has_tests:
        build_depends.append("python3-pytest <!nocheck>")
    for req in meta.requires:
        build_depends += ["%s <!nocheck>" % rel for rel in python_dependency(req)]
    section = opts.section or ("python" if names.kind == "library" else "misc")
    control = [
        "Source: %s" % names.source,
        "Section: %s" % section,
        "Priority: optional",
        "Maintainer: %s" % maintainer,
        "Build-Depends:",
    ] + [" %s," % dep for dep in build_depends] + [
        "Standards-Version: %s" % STANDARDS_VERSION,
    ]
    if meta.homepage:
        control.append("Homepage: %s" % meta.homepage)
    control += ["Rules-Requires-Root: no", "",
                "Package: %s" % names.package,
                "Architecture: all"]
    if names.kind == "service":
        control.append("Pre-Depends: ${misc:Pre-Depends}")
    control += ["Depends: ${python3:Depends}, ${misc:Depends}",
                "Description: %s" % _synopsis(meta, root),
                _long_description(meta, names)]
    rules = ["#!/usr/bin/make -f",
             "# Written by pkgops.release deb_build from the project's metadata.",
             "export PYBUILD_NAME=%s" % debian_name(meta.name)]
    if has_tests:
        rules.append("export PYBUILD_TEST_PYTEST=1")
    rules += ["", "%:", "\tdh $@ --with python3 --buildsystem=pybuild", ""]
    files = {
        "debian/control": ("\n".join(control) + "\n", 0o644),
        "debian/rules": ("\n".join(rules), 0o755),
        # the packaging's notice carries the release's year: lintian wants a year in some Copyright line
        "debian/copyright": (_copyright(root, meta, maintainer, opts.copyright, year), 0o644),
        "debian/source/format": ("3.0 (quilt)\n", 0o644),
        "debian/clean": ("*.egg-info/\nsrc/*.egg-info/\n", 0o644),
        "debian/%s.lintian-overrides" % names.package: (NO_ITP, 0o644),
    }
    pages = _pkgspec.man_pages(root)
    for name, text in _pkgspec.written_man_pages(root, meta, names).items():
        files["debian/" + name] = (text, 0o644)
        pages.append("debian/" + name)
    if pages:
        files["debian/%s.manpages" % names.package] = ("\n".join(pages) + "\n", 0o644)
    if names.service:
        files["debian/%s.service" % names.package] = (_unit.unit(names.service), 0o644)
        files["debian/%s.sysusers" % names.package] = (_unit.sysusers(names.service), 0o644)
    return files


def _control_source(root):
    """(Source, Maintainer) of the project's own debian/control."""
    from debian.deb822 import Deb822

    path = os.path.join(root, "debian", "control")
    try:
        with open(path, encoding="utf-8") as handle:
            first = next(Deb822.iter_paragraphs(handle), None)
    except OSError as exc:
        raise DebianError("Cannot read '%s': %s" % (path, exc))
    if not first or "Source" not in first:
        raise DebianError("File '%s' has no Source field in its first paragraph." % path)
    return first["Source"], first.get("Maintainer", "")


def _source_format(tree):
    try:
        with open(os.path.join(tree, "debian", "source", "format"), encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return "1.0"


def findings_of(output):
    """lintian's tag lines as Findings (other lines, e.g. notes, are dropped)."""
    found = []
    for line in output.splitlines():
        match = re.match(r"^([EWIPXC]): (\S+(?: source)?): (\S+)(?: (.*))?$", line)
        if match:
            found.append(_pkgbuild.Finding(match.group(1), match.group(2), match.group(3), match.group(4) or "",
                                           "lintian"))
    return found


def lintian(changes):
    proc = _cmd.run(["lintian", "--display-info", "--pedantic", "--fail-on", "none", changes],
                    env={"PATH": BUILD_PATH, "HOME": os.path.dirname(changes)}, inherit_env=False,
                    what="lintian on '%s'" % changes, error=DebianCommandError)
    return findings_of(proc.stdout)


class Backend(_pkgbuild.Backend):
    """The Debian steps of ``_pkgbuild.build``: debian/ in a temporary tree, dpkg-buildpackage, lintian."""

    format = "debian"
    record = RECORD
    lint_tool = "lintian"
    lint_option = "lintian_allow"
    maintainer_option = "maintainer"
    libraries = (("packaging", "packaging.requirements"), ("python-debian", "debian.changelog"),
                 ("build", "build.util"))
    error = DebianError

    def name(self, job):
        own = os.path.join(job.root, "debian")
        job.own = own if os.path.isdir(own) else ""
        # One maintainer for control and the changelog trailer (else lintian sees an NMU): the one
        # asked for, else that of the project's own debian/control, else the release's, else git's user
        # (_changelog.maintainer) - never the upstream authors.
        source, control_maintainer = _control_source(job.root) if job.own else ("", "")
        given = job.opts.maintainer or control_maintainer or job.release.maintainer
        job.opts = dataclasses.replace(job.opts, maintainer=_maintainer(job.root, given))
        job.names = naming(job.root, job.meta, job.opts, job.release.version)
        if job.own:
            job.names.source = source
        job.release = dataclasses.replace(job.release, package=job.names.source, maintainer=job.opts.maintainer)

    def scratch(self, job):
        return tempfile.TemporaryDirectory(prefix="pkgops-deb-")

    def tree(self, job):
        return os.path.join(job.tmp, "%s-%s" % (job.names.source, job.names.upstream))

    def files(self, job):
        if job.own:
            return {}
        has_tests = any(os.path.isdir(os.path.join(job.root, d)) for d in ("tests", "test"))
        job.extra["details"] = dict(dependency_names=dependency_names(job.root, job.meta))
        files = generate(job.root, job.meta, job.opts, job.names, has_tests, str(job.release.date.year))
        job.generated = sorted(files) + ["debian/changelog"]
        return dict((os.path.join(job.tree, rel), made) for rel, made in files.items())

    def changelog(self, job):
        return os.path.join(job.tree, "debian", "changelog"), os.path.join(job.root, "debian", "changelog")

    def tarball(self, job):
        if "quilt" in _source_format(job.tree):
            orig = "%s_%s.orig.tar.gz" % (job.names.source, job.names.upstream)
            tarball_of_tree(os.path.join(job.tmp, orig), job.tree, os.path.basename(job.tree), job.epoch,
                            skip=("debian",))

    def run_build(self, job):
        options = os.environ.get("DEB_BUILD_OPTIONS", "").split()
        argv = ["dpkg-buildpackage", "-us", "-uc", "--build=full"]
        if not job.opts.tests:
            options.append("nocheck")
            argv.append("--build-profiles=nocheck")
        env = {"PATH": BUILD_PATH, "HOME": job.tmp, "SOURCE_DATE_EPOCH": str(job.epoch),
               "DEB_BUILD_OPTIONS": " ".join(options), "PYTHONHASHSEED": "0"}
        _cmd.run(argv, cwd=job.tree, env=env, inherit_env=False,
                 merge_stderr=True, what=job.root, error=DebianBuildError)
        return [os.path.join(job.tmp, n) for n in sorted(os.listdir(job.tmp)) if os.path.isfile(os.path.join(job.tmp, n))]

    def lint(self, job, made):
        changes = [path for path in made if path.endswith(".changes")]
        return lintian(changes[0]) if changes else []

    def version_keys(self, params):
        return {"version": _version.deb_version(params["version"], params["revision"])}

    def options(self, params):
        return Options(kind=params["kind"], source=params["source"] or "", package=params["package"] or "",
                       maintainer=params["maintainer"] or "", section=params["section"] or "",
                       service_command=params["service_command"], tests=params["tests"],
                       license=params["license"] or "", copyright=params["copyright"] or "",
                       lintian_allow=params["lintian_allow"])

    def release(self, params, date):
        return _changelog.Release(version=params["version"], changes=params["changes"], date=date,
                                  maintainer=params["maintainer"] or "", distribution=params["distribution"],
                                  urgency=params["urgency"], deb_revision=params["revision"])

    def extra(self, result):
        return dict(lintian=[f.as_dict() for f in result.findings], generated=result.generated, source=result.source,
                    package=result.package, dependency_names=result.details.get("dependency_names", {}))

    def result(self, paths, extra):
        keys = dict(debs=[x for x in paths if x.endswith(".deb")], lintian=extra.get("lintian", []),
                    generated=extra.get("generated", []), dependency_names=extra.get("dependency_names", {}))
        changes = [x for x in paths if x.endswith(".changes")]
        if changes:
            keys.update(changes_file=changes[0], source=extra.get("source"), package=extra.get("package"))
        return keys


BACKEND = Backend()


def build(root, outdir, release, opts, lint=True):
    """Build source and binary packages of ``root`` into ``outdir`` (``_pkgbuild.build`` with the Debian steps)."""
    return _pkgbuild.build(BACKEND, root, outdir, release, opts, lint)


__all__: t.List[str] = ["DebianError", "DebianCommandError", "DebianBuildError", "Options", "BACKEND", "RECORD", "build",
                        "generate", "naming", "python_dependency", "findings_of", "debian_name", "debian_package",
                        "dependency_names", "dh_python_names"]
