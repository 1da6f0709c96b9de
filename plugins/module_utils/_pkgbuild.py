# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One package-build pipeline for the Debian and the RPM package of a Python project.

``build`` runs the steps in one order for both formats - check the version, name the packages,
make the scratch tree, write the generated files, add the changelog entry, write the tarball,
build, lint, deliver - and a ``Backend`` (``_debian.BACKEND``, ``_rpm.BACKEND``) supplies only
what differs: where the scratch tree lives, which files it generates, which file holds the
changelog, the build command, the linter. ``run_module`` is the one driver of the deb_build and
rpm_build modules: import checks, the date and version checks, the build record that skips an
unchanged build, and the result keys shared by both.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import traceback
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _changelog, _cmd, _git, _pkgspec, _project, _record, _version
from ansible_collections.pkgops.release.plugins.module_utils._files import check_dest_dir, copy_sources

# The options both modules take; each module adds its format's own (see deb_build, rpm_build).
COMMON_ARGS = dict(
    path=dict(type="path", required=True),
    dest=dict(type="path", required=True),
    version=dict(type="str", required=True),
    changes=dict(type="list", elements="str", required=True),
    date=dict(type="str", required=True),
    kind=dict(type="str", choices=["auto"] + list(_pkgspec.KINDS), default="auto"),
    service_command=dict(type="list", elements="str", default=[]),
    tests=dict(type="bool", default=True),
    license=dict(type="str"),
    lint=dict(type="bool", default=True),
    force=dict(type="bool", default=False),
)


@dataclasses.dataclass
class Finding:
    """One line of a linter's report; ``tool`` decides how it is printed (lintian's or rpmlint's way)."""

    severity: str  # lintian: E W I P X C; rpmlint: E W I
    package: str
    tag: str
    detail: str
    tool: str = "lintian"

    def __str__(self):
        detail = (" " + self.detail) if self.detail else ""
        if self.tool == "rpmlint":
            return "%s: %s %s%s" % (self.package, self.severity, self.tag, detail)
        return "%s: %s: %s%s" % (self.severity, self.package, self.tag, detail)

    def as_dict(self):
        return dict(severity=self.severity, package=self.package, tag=self.tag, detail=self.detail)


def blocking(findings, allow):
    """Errors and warnings whose tag the user did not allow."""
    return [f for f in findings if f.severity in ("E", "W") and f.tag not in allow]


@dataclasses.dataclass
class Job:
    """One build as it goes through the pipeline: the inputs, then what each step found or made."""

    root: str
    opts: t.Any  # the backend's Options
    release: _changelog.Release
    meta: t.Any = None  # _project.Metadata
    names: t.Optional[_pkgspec.Naming] = None
    own: str = ""  # the project's own debian/ directory or spec file, "" when they are generated
    epoch: int = 0  # SOURCE_DATE_EPOCH: the release's date
    tmp: str = ""  # the scratch directory
    tree: str = ""  # the copy of the project inside it
    generated: t.List[str] = dataclasses.field(default_factory=list)  # reported as the module's 'generated'
    extra: t.Dict[str, t.Any] = dataclasses.field(default_factory=dict)  # what one backend keeps between steps


@dataclasses.dataclass
class Result:
    artifacts: t.List[_record.Artifact]
    findings: t.List[Finding]
    generated: t.List[str]  # files written from metadata (empty when the project ships its own)
    names: _pkgspec.Naming
    spec: str = ""  # RPM: the generated spec beside the packages, "" when the project ships one
    details: t.Dict[str, t.Any] = dataclasses.field(default_factory=dict)  # what a backend reports besides (job.extra)

    @property
    def source(self):
        return self.names.source

    @property
    def package(self):
        return self.names.package

    name = package


class Backend:
    """What one package format supplies to the pipeline. Every step gets the Job."""

    format = ""  # changelog format of _changelog: debian or rpm
    record = ""  # the build record's file name in dest
    lint_tool = ""
    lint_option = ""  # the module option that allows lint tags
    maintainer_option = ""  # the module option that names who signs the changelog entry
    libraries: t.Tuple[t.Tuple[str, str], ...] = ()  # (distribution name, module to import) the module needs
    error: t.Type[Exception] = ValueError

    def name(self, job):
        """Set job.names, job.own and the release's maintainer."""
        raise NotImplementedError

    def scratch(self, job):
        """A context manager: an empty scratch directory for this build, removed afterwards."""
        raise NotImplementedError

    def tree(self, job):
        """Where the copy of the project goes inside job.tmp; the backend may prepare around it."""
        raise NotImplementedError

    def leave_out(self, rel):
        """Whether the project's file ``rel`` stays out of the scratch copy."""
        return False

    def files(self, job):
        """Generated files: {absolute path: (text or bytes, mode)}; the backend adds to job.generated what it reports."""
        raise NotImplementedError

    def changelog(self, job):
        """(the file in the scratch tree that gets the entry, the name errors give it)."""
        raise NotImplementedError

    def tarball(self, job):
        raise NotImplementedError

    def run_build(self, job):
        """Build; return the paths of every file made."""
        raise NotImplementedError

    def lint(self, job, made):
        raise NotImplementedError

    def keep(self, job, outdir):
        """Anything besides the packages that goes to outdir; returns the generated spec's path or ""."""
        return ""

    def version_keys(self, params):
        """The result's version key of the module's parameters (raises _version.VersionError)."""
        raise NotImplementedError

    def options(self, params):
        raise NotImplementedError

    def release(self, params, date):
        raise NotImplementedError

    def extra(self, result):
        """What the build record keeps of a Result, besides the artifacts, for the module's result."""
        raise NotImplementedError

    def result(self, paths, extra):
        """The module's format-specific result keys, from the artifacts' paths and the recorded extra."""
        raise NotImplementedError


def check_version(job, error):
    if _version.parse(job.meta.version) != _version.parse(job.release.version):
        raise error("Project '%s' declares version %s, not the release's %s: set the version first "
                    "(project_version)." % (job.root, job.meta.version, job.release.version))


def write_files(files):
    """Write {path: (text or bytes, mode)}."""
    for path, (data, mode) in sorted(files.items()):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.chmod(path, mode)


def add_changelog_entry(backend, job):
    path, shown = backend.changelog(job)
    current = None
    if os.path.exists(path):
        with open(path, "rb") as handle:
            current = _changelog.decode(shown, handle.read())
    try:
        plan = _changelog.plan_entry(shown, backend.format, current, job.release)
    except _changelog.ChangelogError as exc:
        raise backend.error(str(exc))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(plan.after)


def refuse_blocking(backend, job, findings):
    bad = blocking(findings, getattr(job.opts, backend.lint_option))
    if bad:
        raise backend.error("%s reports %d error(s)/warning(s) for '%s' (allow a tag with a reason in %s only if it "
                            "is justified):\n%s" % (backend.lint_tool, len(bad), job.root, backend.lint_option,
                                                    "\n".join(str(f) for f in bad)))


def run_build(backend, job, outdir):
    """The backend's build; when it fails, its whole log is kept in outdir (the record's name, .log)."""
    log = os.path.join(outdir, os.path.splitext(backend.record)[0] + ".log")
    try:
        made = backend.run_build(job)
    except _pkgspec.BuildFailed as exc:
        os.makedirs(outdir, exist_ok=True)
        with open(log, "w", encoding="utf-8") as handle:
            handle.write(exc.stdout)
        exc.log_path = log
        raise
    if os.path.exists(log):
        os.unlink(log)  # the log of an earlier failure: this build went through
    return made


def build(backend, root, outdir, release, opts, lint=True):
    """Build ``root``'s packages into ``outdir`` with ``backend``; returns a Result.

    ``release`` is a ``_changelog.Release`` whose version, changes, date and maintainer make the
    changelog entry. Raises the backend's error for bad input, a failed build or blocking findings.
    """
    job = Job(root=root, opts=opts, release=release, meta=_project.metadata(root))
    if opts.license:
        job.meta = dataclasses.replace(job.meta, license=opts.license)
    check_version(job, backend.error)
    backend.name(job)
    job.epoch = int(job.release.date.timestamp())
    with backend.scratch(job) as tmp:
        job.tmp = tmp
        job.tree = backend.tree(job)
        copy_sources(root, job.tree, leave_out=backend.leave_out)
        write_files(backend.files(job))
        add_changelog_entry(backend, job)
        backend.tarball(job)
        made = run_build(backend, job, outdir)
        findings = backend.lint(job, made) if lint else []
        refuse_blocking(backend, job, findings)
        artifacts = _record.deliver(made, outdir)
        spec = backend.keep(job, outdir)
    return Result(artifacts, findings, job.generated, job.names, spec, job.extra.get("details", {}))


DEB_SECTION = re.compile(r"^(?:[a-z][a-z-]*/)?[a-z0-9][a-z0-9+.-]*$")  # Debian policy 5.6.5: [AREA/]SECTION


def refuse_options(backend, p):
    """The message refusing options that cannot make a package (checked before any work), or ""."""
    if p["service_command"] and p["kind"] in ("library", "application"):
        return ("service_command applies to kind service only, not to kind %s: remove it or set kind to service."
                % p["kind"])
    if backend.format != "debian":
        return ""
    if p["section"] is not None and not DEB_SECTION.match(p["section"]):
        return ("section '%s' is not a Debian archive section: use lowercase letters, digits and '+-.', with an "
                "optional area such as contrib/ (for example python or misc)." % p["section"])
    if p["revision"] == "" and "native" not in _source_format(p["path"]):
        return ("revision is empty, which only a native package (debian/source/format '3.0 (native)') may have: "
                "set a Debian revision such as 1.")
    return ""


def _source_format(root):
    """The project's own debian/source/format, or "" (a generated debian/ is '3.0 (quilt)')."""
    try:
        with open(os.path.join(root, "debian", "source", "format"), encoding="utf-8") as handle:
            return handle.read().strip()
    except (OSError, ValueError):
        return ""


def check_paths(root, dest):
    """Refuse a project path that is not a project directory and a dest that cannot be a directory, before any
    work (a build that could not deliver its packages would be wasted)."""
    _project._check_root(root)  # pylint: disable=protected-access
    check_dest_dir(dest)


def missing_library(backend):
    """(name, traceback) of the first library of ``backend.libraries`` that cannot be imported, else None."""
    for name, module in backend.libraries:
        try:
            importlib.import_module(module)
        except ImportError:
            return name, traceback.format_exc()
    return None


def run_module(module, backend):
    """deb_build's and rpm_build's main(): check, build (or skip an unchanged build), report."""
    from ansible.module_utils.basic import missing_required_lib

    missing = missing_library(backend)
    if missing:
        module.fail_json(msg=missing_required_lib(missing[0]), exception=missing[1])
    p = module.params
    refused = _pkgspec.unexplained_allowance(backend.lint_option, p[backend.lint_option]) or refuse_options(backend, p)
    if refused:
        module.fail_json(msg=refused)
    try:
        date, _given = _changelog.parse_date(p["date"])
        version = backend.version_keys(p)
    except (_changelog.ChangelogError, _version.VersionError) as exc:
        module.fail_json(msg=str(exc))
    opts, release = backend.options(p), backend.release(p, date)
    inputs = dict((k, v) for k, v in p.items() if k not in ("dest", "force"))

    def run():
        result = build(backend, p["path"], p["dest"], release, opts, lint=p["lint"])
        return result.artifacts, backend.extra(result)

    try:
        _changelog.check_release(backend.format, release)
        check_paths(p["path"], p["dest"])
        if not p[backend.maintainer_option]:  # after the checks: they start no process
            inputs["git_user"] = _git.user(p["path"])  # the default maintainer: another one is another build
        done = _record.cached_build(p["path"], p["dest"], backend.record, inputs, run, force=p["force"],
                                    check_mode=module.check_mode)
    except (backend.error, _changelog.ChangelogError, _cmd.CommandError, ValueError, OSError) as exc:
        module.fail_json(**_cmd.fail_keys(exc))
    paths = [a.path for a in done.artifacts]
    result = dict(changed=done.changed, skipped_build=done.skipped, artifacts=[a.as_dict() for a in done.artifacts])
    result.update(backend.result(paths, done.extra), **version)
    module.exit_json(**result)


__all__: t.List[str] = ["COMMON_ARGS", "Finding", "blocking", "Job", "Result", "Backend", "build", "check_paths",
                        "missing_library", "run_module"]
