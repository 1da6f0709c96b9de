# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Python project's name and version, and where the version is declared.

Reading: a static ``[project] version`` is read from pyproject.toml (PEP 621 makes it
authoritative); anything else (setup.cfg, setup.py, dynamic versions) is asked from the
project's own build backend through PEP 517 (``build.util.project_wheel_metadata``), in a
scratch copy so the tree is never dirtied. Writing: the version is replaced where it is
declared (pyproject.toml with tomlkit, setup.cfg with configupdater, a ``__version__`` or
``setup(version=...)`` literal located with ``ast``, or a version file), and the result is
checked by asking the backend again before anything is written.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import sys
import tempfile
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _git, _version
from ansible_collections.pkgops.release.plugins.module_utils._files import copy_sources


class ProjectError(ValueError):
    """The project's metadata cannot be read or its version cannot be written."""


class _Undeclared(ProjectError):
    """The version is not declared where this module can find it (the build backend may still know it)."""


# PEP 508 names: letters, digits, '.', '_', '-', starting and ending with a letter or digit.
_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])\Z", re.IGNORECASE)
# What setuptools reports for a project that declares no name.
_NO_NAME = ("", "UNKNOWN")
SET_NAME = "set [project] name in pyproject.toml, name in the [metadata] of setup.cfg, or setup(name=...) in setup.py"
SET_VERSION = ("set [project] version in pyproject.toml, version in the [metadata] of setup.cfg, or "
               "setup(version=...) in setup.py")


@dataclasses.dataclass
class Declaration:
    path: str  # relative to the project
    kind: str  # pyproject, setup.cfg, python-literal, file
    detail: str = ""  # the attribute or keyword for python-literal


@dataclasses.dataclass
class Edit:
    path: str  # absolute
    before: str
    after: str


def _read(path):
    if os.path.isdir(path):
        raise ProjectError("Path '%s' is a directory, not a file: remove it or put the file there." % path)
    try:
        with open(path, "r", encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        data, start = bytes(exc.object), int(exc.start)
        raise ProjectError("File '%s' line %d: not valid UTF-8 (byte 0x%02x): save it as UTF-8."
                           % (path, data[:start].count(b"\n") + 1, data[start]))
    except OSError as exc:
        raise ProjectError("File '%s' cannot be read: %s." % (path, exc.strerror or exc))


def _toml(root):
    path = os.path.join(root, "pyproject.toml")
    if not os.path.exists(path):
        return {}
    import tomllib

    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError("File '%s' is not valid TOML: %s." % (path, exc))
    for table in ("project", "build-system", "tool"):
        if not isinstance(data.get(table, {}), dict):
            raise ProjectError("File '%s': '%s' is not a table: write it as [%s]." % (path, table, table))
    return data


def _copy_sources(root, dest):
    """The project's files copied to a scratch tree, or ProjectError naming the one that cannot be copied."""
    try:
        copy_sources(root, dest)
    except OSError as exc:
        what = "'%s': %s" % (exc.filename, exc.strerror) if exc.filename and exc.strerror else str(exc)
        raise ProjectError("Project '%s' cannot be copied to a scratch tree for its build backend (%s): remove that "
                           "file or fix it (a broken link, a named pipe)." % (root, what))


# The build host's own Python: its build backends are the distribution's packages (BACKEND_PACKAGES).
SYSTEM_PYTHON = "/usr/bin/python3"
# The Debian package of each common build backend, by the top module [build-system] build-backend names.
# None: Debian 12 has no package of it.
BACKEND_PACKAGES = {"setuptools": "python3-setuptools", "flit_core": "flit", "hatchling": "python3-hatchling",
                    "poetry": "python3-poetry-core", "pdm": None, "flit_scm": "python3-flit-scm",
                    "mesonpy": "python3-mesonpy"}


def build_python():
    """The Python that runs a project's build backend: the build host's own, else the one running this."""
    return SYSTEM_PYTHON if os.access(SYSTEM_PYTHON, os.X_OK) else sys.executable


def _backend_error(root, python, exc):
    """The message for a backend that failed; for one that is not installed, the package to install."""
    backend = str(_toml(root).get("build-system", {}).get("build-backend", "setuptools.build_meta:__legacy__"))
    if "is not available" in str(exc) or "No module named" in str(exc):
        top = re.split(r"[.:]", backend, maxsplit=1)[0]
        if top in BACKEND_PACKAGES and BACKEND_PACKAGES[top] is None:
            advice = ("Debian 12 has no package of it: build on a host that has it, or ship the packaging "
                      "(debian/, a spec) built with another backend")
        else:
            advice = "install %s on the build host" % (("its Debian package %s" % BACKEND_PACKAGES[top])
                                                       if BACKEND_PACKAGES.get(top) else "it")
        return "The build backend '%s' of '%s' is not installed for %s: %s." % (backend, root, python, advice)
    said = [line.strip() for line in getattr(getattr(exc, "exception", None), "stderr", "").splitlines()
            if line.strip()]
    text = "The build backend '%s' of '%s' could not prepare metadata: %s" % (backend, root, said[-1] if said else exc)
    if "Unknown classifier" in text:
        text += (" (the build host's backend is older than the project's trove classifiers: remove that classifier "
                 "from the project's metadata, or build on a host with a newer %s)" % backend.split(".", 1)[0])
    return text


def _hook_runner(cmd, cwd=None, extra_environ=None):
    """Runs a build backend's hook through the one command runner, so that its output is kept for the error."""
    _cmd.run(list(cmd), cwd=cwd, env=extra_environ)


def _wheel_metadata(root, with_scripts=False):
    """The core metadata (an email.message.Message) the project's PEP 517 backend prepares, run by the build
    host's Python in a scratch copy; with ``with_scripts``, also {script: entry point} of its console and gui
    scripts (entry_points.txt, whichever way the project declares them)."""
    import importlib.metadata
    import pathlib

    from build import BuildBackendException, ProjectBuilder

    python = build_python()
    with tempfile.TemporaryDirectory(prefix="pkgops-meta-") as tmp:
        copy = os.path.join(tmp, "src")
        _copy_sources(root, copy)
        try:
            builder = ProjectBuilder(copy, python_executable=python, runner=_hook_runner)
            info = builder.metadata_path(os.path.join(tmp, "out"))
        except BuildBackendException as exc:
            raise ProjectError(_backend_error(root, python, exc))
        except Exception as exc:  # the backend's own error, whatever its type
            raise ProjectError("The build backend of '%s' could not prepare metadata: %s" % (root, exc))
        dist = importlib.metadata.PathDistribution(pathlib.Path(info))
        meta = dist.metadata
        scripts = dict((ep.name, ep.value) for ep in dist.entry_points
                       if ep.group in ("console_scripts", "gui_scripts"))
    name = (meta.get("Name") or "").strip()
    if name in _NO_NAME:
        raise ProjectError("Project '%s' declares no name (its build backend reports '%s'): %s."
                           % (root, name, SET_NAME))
    return (meta, scripts) if with_scripts else meta


def backend_metadata(root):
    """Name and version from the project's PEP 517 backend, run in a scratch copy."""
    meta = _wheel_metadata(root)
    return meta["Name"], meta["Version"]


@dataclasses.dataclass
class Metadata:
    """What packaging a project for a distribution needs to know about it."""

    name: str
    version: str
    summary: str
    description: str  # the long description (readme), may be empty
    license: str  # an SPDX expression (license_of): License-Expression, License, or the license classifiers'
    requires: t.List[str]  # Requires-Dist without extras-only requirements
    requires_python: str
    homepage: str
    author: str  # "Name <email>" or ""
    scripts: t.Dict[str, str]  # console and gui scripts (entry points, however declared): name -> entry point
    license_found: str = ""  # when license is "": the License field and classifiers that gave no SPDX expression


# Trove license classifiers -> SPDX license ids. Neither packaging (packaging.licenses knows SPDX ids,
# not classifiers; Debian 12's python3-packaging 23.0 has no licenses module at all) nor trove-classifiers
# (a set of the classifiers' names) maps one to the other, so the table is here. None: the classifier names
# a family, not one license (which BSD clauses, which GPL version), so it gives no single SPDX id.
LICENSE_CLASSIFIERS = dict(("License :: " + name, spdx) for name, spdx in (
    ("OSI Approved :: MIT License", "MIT"),
    ("OSI Approved :: MIT No Attribution License (MIT-0)", "MIT-0"),
    # Apache 1.x licensed no Python project: the classifier is Apache 2.0 in practice
    ("OSI Approved :: Apache Software License", "Apache-2.0"),
    ("OSI Approved :: BSD License", None),
    ("OSI Approved :: ISC License (ISCL)", "ISC"),
    ("OSI Approved :: Python Software Foundation License", "PSF-2.0"),
    ("OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1"),
    ("OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
    ("OSI Approved :: GNU General Public License (GPL)", None),
    ("OSI Approved :: GNU General Public License v2 (GPLv2)", "GPL-2.0-only"),
    ("OSI Approved :: GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"),
    ("OSI Approved :: GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
    ("OSI Approved :: GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later"),
    ("OSI Approved :: GNU Library or Lesser General Public License (LGPL)", None),
    ("OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)", "LGPL-2.0-only"),
    ("OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)", "LGPL-2.0-or-later"),
    ("OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only"),
    ("OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later"),
    ("OSI Approved :: GNU Affero General Public License v3", "AGPL-3.0-only"),
    ("OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)", "AGPL-3.0-or-later"),
    ("OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
    ("OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2"),
    ("OSI Approved :: Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
    ("OSI Approved :: The Unlicense (Unlicense)", "Unlicense"),
    ("OSI Approved :: Universal Permissive License (UPL)", "UPL-1.0"),
    ("OSI Approved :: zlib/libpng License", "Zlib"),
    ("CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0"),
))
# Says nothing about which license: not counted.
_NOT_A_LICENSE = ("License :: OSI Approved",)
# The SPDX ids an expression may use where packaging.licenses is missing: those of the classifiers, and the
# ones no classifier names alone but Debian's and Fedora's short names cover.
KNOWN_SPDX = sorted(set(spdx for spdx in LICENSE_CLASSIFIERS.values() if spdx) | {
    "0BSD", "BSD-2-Clause", "BSD-3-Clause", "LGPL-2.1-only", "LGPL-2.1-or-later", "Python-2.0"})


def spdx_expression(text):
    """``text`` as a canonical SPDX license expression, or None when it is words ("BSD License", "Apache 2.0")
    or a license's text. packaging.licenses decides where it exists (packaging 24.2 and later); before it
    (Debian 12's 23.0), ``_known_expression`` does."""
    text = (text or "").strip()
    if not text or "\n" in text:
        return None
    try:
        from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
    except ImportError:
        return _known_expression(text)
    try:
        return str(canonicalize_license_expression(text))
    except InvalidLicenseExpression:
        return None


def _known_expression(text):
    """``text`` as an SPDX expression of KNOWN_SPDX ids (and LicenseRef-), ids and AND / OR alternating, or None."""
    known = dict((spdx.lower(), spdx) for spdx in KNOWN_SPDX)
    out, want_id = [], True
    for token in re.findall(r"[()]|[^\s()]+", text):
        if token in "()":
            out.append(token)
        elif want_id and (token.lower() in known or token.startswith("LicenseRef-")):
            out.append(known.get(token.lower(), token))
            want_id = False
        elif not want_id and token.upper() in ("AND", "OR"):
            out.append(token.upper())
            want_id = True
        else:
            return None
    return None if want_id else " ".join(out).replace("( ", "(").replace(" )", ")")


def license_of(meta):
    """(SPDX expression, "") of core metadata: its License-Expression, else its License field when that is an
    SPDX expression, else the one SPDX id its license classifiers agree on; ("", what was found) when none
    of them gives a single expression."""
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression, ""
    text = (meta.get("License") or "").strip()
    spdx = spdx_expression(text)
    if spdx:
        return spdx, ""
    classifiers = [c for c in meta.get_all("Classifier") or []
                   if c.startswith("License :: ") and c not in _NOT_A_LICENSE]
    # no classifier: License words that are a classifier's own name ("MIT License") say the same
    named = classifiers or [c for c in LICENSE_CLASSIFIERS if text and c.rsplit(" :: ", 1)[1] == text]
    ids = set(LICENSE_CLASSIFIERS.get(c) for c in named)
    if len(ids) == 1 and None not in ids:
        return ids.pop(), ""
    found = []
    if text:
        first = text.splitlines()[0].strip()
        found.append("License '%s'" % (first + (" ..." if "\n" in text else "")))
    if classifiers:
        plural = "s" if len(classifiers) > 1 else ""
        found.append("the classifier%s %s" % (plural, ", ".join("'%s'" % c for c in classifiers)))
    return "", " and ".join(found)


def license_file(root):
    """The file that declares the project's license metadata: pyproject.toml's [project] when it has license or
    classifiers, else setup.cfg's [metadata] when it has them, else setup.py (else pyproject.toml)."""
    project = _toml(root).get("project", {})
    if "license" in project or "classifiers" in project:
        return os.path.join(root, "pyproject.toml")
    cfg = os.path.join(root, "setup.cfg")
    if os.path.isfile(cfg) and re.search(r"^\s*(license|classifiers)\s*=", _read(cfg), re.M):
        return cfg
    setup = os.path.join(root, "setup.py")
    return setup if os.path.isfile(setup) else os.path.join(root, "pyproject.toml")


def _author(meta):
    from email.utils import getaddresses

    emails = getaddresses([meta.get("Author-email") or ""])
    if emails and emails[0][1]:
        name = emails[0][0] or meta.get("Author") or emails[0][1].split("@")[0]
        return "%s <%s>" % (name, emails[0][1])
    return ""


def build_requires(root):
    """The [build-system] requires of pyproject.toml (PEP 518's default when there is none)."""
    system = _toml(root).get("build-system", {})
    return list(system.get("requires", ["setuptools>=40.8.0"]))


def metadata(root):
    """The project's core metadata (through its build backend) and its console scripts."""
    from packaging.requirements import InvalidRequirement, Requirement

    meta, scripts = _wheel_metadata(root, with_scripts=True)
    requires = []
    for text in meta.get_all("Requires-Dist") or []:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise ProjectError("Project '%s' declares an invalid requirement '%s': %s" % (root, text, exc))
        if req.marker is not None and "extra" in str(req.marker):
            continue  # optional: not a dependency of the package
        requires.append(str(req))
    license_, license_found = license_of(meta)
    homepage = meta.get("Home-page") or ""
    for url in meta.get_all("Project-URL") or []:
        label, _sep, value = url.partition(",")
        if not homepage and label.strip().lower() in ("homepage", "home", "source"):
            homepage = value.strip()
    return Metadata(
        name=meta["Name"], version=meta["Version"], summary=(meta.get("Summary") or "").strip(),
        description=(meta.get_payload() or meta.get("Description") or "").strip(), license=license_,
        license_found=license_found,
        requires=requires, requires_python=meta.get("Requires-Python") or "", homepage=homepage,
        author=_author(meta), scripts=scripts)


def _check_root(root):
    """Refuse a project path that is not a directory holding readable project files."""
    if not os.path.exists(root):
        raise ProjectError("Project directory '%s' does not exist." % root)
    if not os.path.isdir(root):
        raise ProjectError("Project path '%s' is a file, not a directory: give the directory that holds "
                           "pyproject.toml, setup.cfg or setup.py." % root)
    found = False
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        path = os.path.join(root, name)
        if os.path.isdir(path):
            raise ProjectError("Path '%s' is a directory, not a file: remove it or put the project's %s there."
                               % (path, name))
        if os.path.islink(path) and not os.path.exists(path):
            raise ProjectError("File '%s' is a symbolic link to '%s', which does not exist: fix or remove the link."
                               % (path, os.readlink(path)))
        found = found or os.path.exists(path)
    if not found:
        raise ProjectError("Directory '%s' has no pyproject.toml, setup.cfg or setup.py." % root)


def _check_static(root, project):
    """The [project] table of pyproject.toml: a name, and a version or a dynamic one (PEP 621)."""
    path = os.path.join(root, "pyproject.toml")
    name, version, dynamic = project.get("name"), project.get("version"), project.get("dynamic", [])
    if name is None:
        raise ProjectError("File '%s' has a [project] table without a name: set name = \"...\" in [project]." % path)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ProjectError("File '%s': [project] name %r is not a project name (PEP 508): use letters, digits, "
                           "'.', '_' and '-', starting and ending with a letter or digit." % (path, name))
    if not isinstance(dynamic, list) or not all(isinstance(x, str) for x in dynamic):
        raise ProjectError("File '%s': [project] dynamic must be a list of field names." % path)
    if version is None and "version" not in dynamic:
        raise ProjectError("File '%s' has a [project] table with neither a version nor 'version' in its dynamic "
                           "list: set version = \"...\" in [project]." % path)
    if version is not None and not isinstance(version, str):
        raise ProjectError("File '%s': [project] version %r is not a string: write version = \"%s\"."
                           % (path, version, version))
    if version is not None and "version" in dynamic:
        raise ProjectError("File '%s': [project] sets version and lists it in dynamic: keep one of them." % path)


def _check_sources(root):
    """A version read from a file or a module must come from one that exists (setuptools reads 0.0.0 else)."""
    try:
        decl = declaration(root)
    except _Undeclared:
        return  # another way (a VCS tag, a module setuptools finds elsewhere, ...): the backend answers
    path = os.path.join(root, decl.path)
    if decl.kind == "file" and not os.path.isfile(path):
        dynamic = "version" in _toml(root).get("project", {}).get("dynamic", [])
        where = os.path.join(root, "pyproject.toml" if dynamic else "setup.cfg")
        instead = "set a static [project] version there" if dynamic else "set version = VERSION in its [metadata]"
        raise ProjectError("File '%s' named as the version file in '%s' %s: create it holding the version, or %s."
                           % (path, where, "is a directory" if os.path.isdir(path) else "does not exist", instead))


def _check_backend_version(root, version):
    """setuptools reports 0.0.0 for a project that declares no version: refuse it instead of reading it."""
    if _version.parse(version) != _version.parse("0"):
        return
    try:
        decl = declaration(root)
        if decl.kind == "python-literal":
            path = os.path.join(root, decl.path)
            _replace_literal(path, _read(path), decl.detail, version)
        return
    except ProjectError:
        pass
    raise ProjectError("Project '%s' declares no version (its build backend reports %s, the default): %s."
                       % (root, version, SET_VERSION))


def read(root):
    """(name, version, how it was read) of the project at ``root``."""
    _check_root(root)
    data = _toml(root)
    project = data.get("project")
    if project is not None:
        _check_static(root, project)
    _check_sources(root)
    if project is not None and "version" in project:
        name, version, source = project["name"], project["version"], "pyproject.toml"
    else:
        name, version = backend_metadata(root)
        source = "build backend"
        _check_backend_version(root, version)
    try:
        _version.parse(version)
    except _version.VersionError as exc:
        if source == "pyproject.toml":
            raise ProjectError("File '%s': %s Set [project] version to a PEP 440 version."
                               % (os.path.join(root, "pyproject.toml"), exc))
        raise
    return name, version, source


def _attr_target(root, attr):
    """``pkg.mod.__version__`` -> the module file that defines it, under root or root/src."""
    if "." not in attr.strip():
        raise ProjectError("The version attribute '%s' of '%s' is not 'module.attribute'." % (attr.strip(), root))
    module, name = attr.strip().rsplit(".", 1)
    rel = module.replace(".", "/")
    for base in ("", "src"):
        for candidate in (rel + ".py", rel + "/__init__.py"):
            path = os.path.join(base, candidate)
            if os.path.exists(os.path.join(root, path)):
                return Declaration(path, "python-literal", name)
    raise _Undeclared("Cannot find the module '%s' named by the version attribute in '%s'." % (module, root))


def _setup_cfg(path, text):
    """setup.cfg parsed by configupdater (which keeps comments), or ProjectError naming the file."""
    import configparser

    from configupdater import ConfigUpdater

    updater = ConfigUpdater()
    try:
        updater.read_string(text, source=path)
    except (configparser.Error, ValueError) as exc:
        raise ProjectError("File '%s' is not a valid setup.cfg: %s" % (path, str(exc).strip()))
    return updater


def _table(data, key):
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}


def declaration(root):
    """Where the version is declared, or ``ProjectError`` when it cannot be written."""
    data = _toml(root)
    project = data.get("project", {})
    if "version" in project:
        return Declaration("pyproject.toml", "pyproject")
    if "version" in project.get("dynamic", []):
        dynamic = _table(_table(_table(data, "tool"), "setuptools"), "dynamic").get("version")
        if isinstance(dynamic, dict) and isinstance(dynamic.get("attr"), str):
            return _attr_target(root, dynamic["attr"])
        if isinstance(dynamic, dict) and "file" in dynamic:
            files = dynamic["file"]
            files = [files] if isinstance(files, str) else files
            if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
                raise ProjectError("File '%s': [tool.setuptools.dynamic] version.file %r is not a file name: write "
                                   "version = {file = \"VERSION\"}." % (os.path.join(root, "pyproject.toml"), files))
            return Declaration(files[0], "file")
    cfg = os.path.join(root, "setup.cfg")
    if os.path.exists(cfg):
        updater = _setup_cfg(cfg, _read(cfg))
        if updater.has_option("metadata", "version"):
            value = updater["metadata"]["version"].value.strip()
            if value.startswith("attr:"):
                return _attr_target(root, value[5:])
            if value.startswith("file:"):
                return Declaration(value[5:].strip().split(",")[0].strip(), "file")
            return Declaration("setup.cfg", "setup.cfg")
    if os.path.exists(os.path.join(root, "setup.py")):
        return Declaration("setup.py", "python-literal", "version")
    raise _Undeclared("The version of '%s' is not declared in a place that can be written "
                      "(pyproject.toml, setup.cfg, setup.py, a __version__ attribute or a version file)." % root)


def declared_path(root):
    """The file that declares the version, or None when it is not declared in a writable place."""
    try:
        return os.path.join(root, declaration(root).path)
    except ProjectError:
        return None


def _replace_literal(path, source, name, new):
    """Replace the string literal assigned to ``name`` (or passed as keyword ``name``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ProjectError("File '%s' line %s: not valid Python: %s." % (path, exc.lineno, exc.msg))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(x, ast.Name) and x.id == name for x in node.targets):
            found.append(node.value)
        elif isinstance(node, ast.Call) and name == "version":
            found += [k.value for k in node.keywords if k.arg == "version"]
    literals = [n for n in found if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    if len(found) != 1 or len(literals) != 1:
        raise ProjectError("File '%s': the version is not one string literal assigned to '%s'." % (path, name))
    node = literals[0]
    if node.lineno != node.end_lineno:
        raise ProjectError("File '%s' line %d: the version literal spans several lines." % (path, node.lineno))
    lines = source.splitlines(True)
    line = lines[node.lineno - 1].encode("utf-8")
    quote = line[node.col_offset:node.col_offset + 1].decode()
    quote = quote if quote in "'\"" else '"'
    line = line[:node.col_offset] + (quote + new + quote).encode() + line[node.end_col_offset:]
    lines[node.lineno - 1] = line.decode("utf-8")
    return "".join(lines)


def plan_write(root, new_version):
    """The edit that declares ``new_version`` where the project declares its version."""
    _version.parse(new_version)
    decl = declaration(root)
    path = os.path.join(root, decl.path)
    if not os.path.exists(path):
        raise ProjectError("File '%s' named as the version's source does not exist: create it holding the current "
                           "version, or %s." % (path, SET_VERSION))
    if os.path.islink(path):
        raise ProjectError("File '%s' that declares the version is a symbolic link to '%s': replace the link by "
                           "the file, so that writing the version does not replace the link."
                           % (path, os.readlink(path)))
    before = _read(path)
    if decl.kind == "pyproject":
        import tomlkit

        doc = tomlkit.parse(before)
        doc["project"]["version"] = new_version
        after = tomlkit.dumps(doc)
    elif decl.kind == "setup.cfg":
        updater = _setup_cfg(path, before)
        updater["metadata"]["version"].value = new_version
        after = str(updater)
    elif decl.kind == "file":
        after = new_version + ("\r\n" if before.endswith("\r\n") else "\n")
    else:
        after = _replace_literal(path, before, decl.detail, new_version)
    return Edit(path, before, after)


def verify_edit(root, edit, new_version):
    """Ask the build backend, in a scratch copy with the edit applied, for the version."""
    if os.path.basename(edit.path) == "pyproject.toml" and "version" in _toml(root).get("project", {}):
        return
    with tempfile.TemporaryDirectory(prefix="pkgops-verify-") as tmp:
        copy = os.path.join(tmp, "src")
        _copy_sources(root, copy)
        with open(os.path.join(copy, os.path.relpath(edit.path, root)), "w", encoding="utf-8") as handle:
            handle.write(edit.after)
        _name, seen = backend_metadata(copy)
    if _version.parse(seen) != _version.parse(new_version):
        raise ProjectError("Writing %s to '%s' did not change the version the build backend reports (%s)."
                           % (new_version, edit.path, seen))


def target_version(current, bump=None, version=None):
    """The version asked for: an explicit one, a bump of the current one, or the current."""
    if version is not None:
        _version.parse(version)
        return str(version)
    if bump:
        return _version.bump(current, bump)
    return current


def bump_version(root, current, bump, prefix="v"):
    """(new version, what it was bumped from) for ``bump`` of the project at ``root``.

    Outside git, the declared version ``current`` is bumped. In a git checkout the bump starts from the
    last release - the newest release tag (``prefix`` + version) among HEAD's ancestors, or, before the
    first tag, the version declared at HEAD - and a HEAD that is a release (tagged, or the release commit
    of a release stopped before its tag) is that release. So running a bumped release again, after it
    failed half-way or after it finished, gives the same version instead of bumping twice."""
    co = _git.checkout(root)
    if co is None or co.head is None:
        return _version.bump(current, bump), "the declared version %s" % current
    base = _git.release_base(co, prefix)
    if base.head:
        return base.head, "the release at HEAD, %s" % base.head
    if base.last:
        start, source = base.last, "the last release tag %s%s" % (prefix, base.last)
    else:
        with tempfile.TemporaryDirectory(prefix="pkgops-head-") as tmp:
            _git.export_head(co, tmp)
            start = read(tmp)[1]
        source = "the version declared at HEAD, %s" % start
    new = _version.bump(start, bump)
    if _version.parse(new) < _version.parse(current):
        raise ProjectError("Bumping %s (%s) gives %s, lower than the version %s declared in '%s': set the version "
                           "instead of bumping." % (start, source, new, current, root))
    return new, source


def canonical_name(name):
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


__all__: t.List[str] = ["ProjectError", "Metadata", "metadata", "read", "declaration", "plan_write", "verify_edit", "target_version", "bump_version"]
