# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""RPM packages of a Python project: a spec from its metadata, rpmbuild under its own _topdir, rpmlint.

The generated spec uses Fedora's Python and systemd macros (%pyproject_wheel,
%pyproject_install, %pyproject_save_files, %{python3_sitelib}, %{_unitdir}, %systemd_post ...).
An EL or Fedora build host has them. Debian's rpm lacks them: there ``MACROS`` (below) defines
them with Fedora's paths - the wheel is built by Debian's python with ``build`` and installed
into the buildroot with ``installer``'s API and the posix_prefix scheme (pip and installer's
CLI would land in /usr/local) by the helper ``PYPROJECT_HELPER``. That file is what the
collection ships for Debian build hosts; ``rpmbuild --load`` reads it only where
``%pyproject_wheel`` is undefined.

A project that ships a spec is built with it: only Version, Release and %changelog are set,
through specfile. The build runs in a scratch copy with SOURCE_DATE_EPOCH from the release
date, clamped mtimes and a fixed build host, so the same input gives the same RPM bytes. The
steps and their order are ``_pkgbuild``'s; ``Backend`` below supplies the RPM part of each.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import glob
import os
import re
import shutil
import sys
import textwrap
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import (
    _changelog, _cmd, _pkgbuild, _pkgspec, _project, _unit, _version)
from ansible_collections.pkgops.release.plugins.module_utils._files import tarball_of_tree

RECORD = ".pkgops-rpm.json"
WRITTEN_PAGES = 10  # the Source number of the first manual page written for a script that has none
BUILD_HOST = "pkgops-build"
BUILD_ROOT = "/var/tmp/pkgops-rpmbuild"

# The macros Debian's rpm lacks, with Fedora's values. Loaded only on hosts without them.
MACROS = textwrap.dedent("""\
    # pkgops.release: Fedora's Python and systemd macros for rpmbuild on a Debian host.
    %__python3 /usr/bin/python3
    %python3 %{__python3}
    %python3_version %(%{__python3} -c "import sys; print('%d.%d' % sys.version_info[:2])")
    %python3_sitelib /usr/lib/python%{python3_version}/site-packages
    %_unitdir /usr/lib/systemd/system
    %_presetdir /usr/lib/systemd/system-preset
    %_sysusersdir /usr/lib/sysusers.d
    %__gpg /usr/bin/gpg
    %_pyproject_wheeldir pyproject-wheeldir
    %pyproject_files %{_builddir}/pyproject-files
    %pyproject_buildrequires echo
    %pyproject_wheel %{__python3} -m build --wheel --no-isolation --skip-dependency-check --outdir %{_pyproject_wheeldir} .
    %pyproject_install %{__python3} %{_sourcedir}/pkgops-pyproject.py install %{buildroot} %{_pyproject_wheeldir}
    %pyproject_save_files() %{__python3} %{_sourcedir}/pkgops-pyproject.py save-files %{buildroot} %{pyproject_files} %{python3_sitelib}
    %pyproject_check_import() PYTHONDONTWRITEBYTECODE=1 %{__python3} -c "import sys; sys.path.insert(0, '%{buildroot}%{python3_sitelib}'); import %*"
    %systemd_requires Requires(post): systemd\\
    Requires(preun): systemd\\
    Requires(postun): systemd
    %systemd_post() if [ $1 -eq 1 ] && [ -x /usr/bin/systemctl ]; then /usr/bin/systemctl --no-reload preset %{?*} || :; fi
    %systemd_preun() if [ $1 -eq 0 ] && [ -x /usr/bin/systemctl ]; then /usr/bin/systemctl --no-reload disable --now %{?*} || :; fi
    %systemd_postun_with_restart() if [ $1 -ge 1 ] && [ -x /usr/bin/systemctl ]; then /usr/bin/systemctl try-restart %{?*} || :; fi
    """)

# Installs the wheel into the buildroot with Fedora's layout, and lists what it installed.
PYPROJECT_HELPER = textwrap.dedent('''\
    """pkgops.release: %pyproject_install and %pyproject_save_files for Debian build hosts."""
    import csv, glob, os, sys, sysconfig

    def install(buildroot, wheeldir):
        from installer import install as do_install
        from installer.destinations import SchemeDictionaryDestination
        from installer.sources import WheelFile
        scheme = sysconfig.get_paths(scheme="posix_prefix", vars={"base": "/usr", "platbase": "/usr"})
        scheme["purelib"] = scheme["platlib"] = "/usr/lib/python%d.%d/site-packages" % sys.version_info[:2]
        dest = SchemeDictionaryDestination(scheme, interpreter="/usr/bin/python3", script_kind="posix",
                                           destdir=buildroot, bytecode_optimization_levels=())
        for wheel in sorted(glob.glob(os.path.join(wheeldir, "*.whl"))):
            with WheelFile.open(wheel) as source:
                do_install(source, dest, {"INSTALLER": b"rpm"})

    def save_files(buildroot, listing, sitelib):
        top = set()
        for record in glob.glob(os.path.join(buildroot + sitelib, "*.dist-info", "RECORD")):
            with open(record, newline="") as handle:
                for row in csv.reader(handle):
                    path = os.path.normpath(os.path.join(sitelib, row[0]))
                    if path.startswith(sitelib + "/"):
                        first = path[len(sitelib) + 1:].split("/")[0]
                        full = os.path.join(sitelib, first)
                        top.add(full + "/" if os.path.isdir(buildroot + full) else full)
            os.unlink(record)  # RECORD names files by hash; rpm verifies them itself
        with open(listing, "w") as handle:
            handle.write("".join(line + "\\n" for line in sorted(top)))

    if __name__ == "__main__":
        {"install": install, "save-files": save_files}[sys.argv[1]](*sys.argv[2:])
    ''')

# rpmlint 2 configuration: what the generated packages are checked against, each filter justified.
RPMLINT_TOML = textwrap.dedent("""\
    # pkgops.release: rpmlint configuration for the generated packages.
    # Man pages are gzip-compressed by brp-compress on every build host.
    CompressExtension = "gz"
    ValidLicenses = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "MPL-2.0", "GPL-2.0-only",
                     "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "LGPL-2.1-or-later", "LGPL-3.0-or-later"]
    Filters = [
        # Fedora's own policy (its rpmlint config filters the same): Packager, Group and BuildRoot
        # are set by the build system, not by the spec.
        "no-packager-tag",
        "no-group-tag",
        "no-buildroot-tag",
        # Packages for the project's own repositories: there is no distribution tag to match.
        "invalid-distribution",
        # Source0 is the tarball rpm_build writes from the project's tree, not a download.
        "invalid-url",
        # Packages are signed with the repository's key when repo_publish (type yum) publishes them,
        # and rpmkeys --checksig verifies that signature there.
        "no-signature",
        # I18NCheck reads a package name ending in a three-letter word (python3-six) as a language code
        # (ISO 639-3 'six') and asks for a locales- package that does not exist.
        "no-dependency-on locales-",
    ]
    """)


class RpmError(ValueError):
    """Bad input, a failed build or rpmlint findings; the message names the file or quotes the log."""


class RpmCommandError(_cmd.CommandError, RpmError):
    """A command failed: an RpmError carrying the command's cmd, rc, stdout and stderr."""


class RpmBuildError(_pkgspec.BuildFailed, RpmError):
    """rpmbuild failed: the message quotes the failing lines of the build log."""


@dataclasses.dataclass
class Options:
    kind: str = "auto"  # service, application, library, or auto (_pkgspec.decide_kind)
    name: str = ""
    packager: str = ""  # "Name <email>" of the %changelog entry; git's user by default (_changelog.maintainer)
    service_command: t.List[str] = dataclasses.field(default_factory=list)
    tests: bool = True  # run %check (else rpmbuild --nocheck)
    license: str = ""  # an SPDX expression instead of the project's
    rpmlint_allow: t.Dict[str, str] = dataclasses.field(default_factory=dict)


def python_requires(requirement):
    """A PEP 508 requirement as RPM dependencies on python3dist(NAME), versions mapped."""
    from packaging.requirements import Requirement

    if not _pkgspec.applies(requirement):
        return []  # its marker excludes the target
    req = Requirement(requirement)
    base = "python3dist(%s)" % re.sub(r"[-_.]+", "-", req.name).lower()
    deps = []
    for spec in sorted(req.specifier, key=str):
        op = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "==": "=", "~=": ">="}.get(spec.operator)
        if op is None or "*" in spec.version:
            continue
        deps.append("%s %s %s" % (base, op, _version.rpm_evr(spec.version).version))
    return deps or [base]


def _written_sources(root, meta, names):
    """[(Source number, file)] of the manual pages written for scripts without one: the one numbering the
    preamble's SourceN tags and %install's copies share."""
    return list(enumerate(sorted(_pkgspec.written_man_pages(root, meta, names)), WRITTEN_PAGES))


def _preamble(root, meta, names, release):
    """The spec's tags, up to %description."""
    evr = _version.rpm_evr(release.version, release.rpm_release)
    synopsis = _pkgspec.synopsis(meta, root)
    try:
        license_ = _pkgspec.license_expression(root, meta)
    except _pkgspec.PackagingError as exc:
        raise RpmError(str(exc))
    lines = ["Name:           %s" % names.package]
    if evr.epoch:
        lines.append("Epoch:          %s" % evr.epoch)
    lines += [
        "Version:        %s" % evr.version,
        "Release:        %s%%{?dist}" % evr.release,
        "Summary:        %s" % (synopsis[:1].upper() + synopsis[1:]),
        "License:        %s" % license_,
    ]
    if meta.homepage:
        lines.append("URL:            %s" % meta.homepage)
    lines += ["Source0:        %{name}-%{version}.tar.gz"]
    if names.service:
        lines.append("Source1:        %s.service" % names.package)
    for number, page in _written_sources(root, meta, names):
        lines.append("Source%d:       %s" % (number, page))
    lines += ["BuildArch:      noarch", "",
              "BuildRequires:  python3-devel"]
    for text in _project.build_requires(root):
        lines += ["BuildRequires:  %s" % dep for dep in python_requires(text)]
    if names.service:
        lines.append("BuildRequires:  systemd-rpm-macros")
    lines.append("Requires:       python(abi) = %{python3_version}")
    for req in meta.requires:
        lines += ["Requires:       %s" % dep for dep in python_requires(req)]
    if names.service:
        lines += ["Requires(pre):  shadow-utils", "%{?systemd_requires}"]
    return lines


def _scriptlets(user):
    """A service's %pre (its system user) and the systemd scriptlets."""
    return ["", "%pre",
            "getent group %s >/dev/null || groupadd -r %s" % (user, user),
            "getent passwd %s >/dev/null || useradd -r -g %s -d /var/lib/%s -s /sbin/nologin "
            "-c '%s service' %s" % (user, user, user, user, user),
            "exit 0",
            "", "%post", "%%systemd_post %s.service" % user,
            "", "%preun", "%%systemd_preun %s.service" % user,
            "", "%postun", "%%systemd_postun_with_restart %s.service" % user]


def _files_section(root, meta, names, pages):
    lines = ["", "%files -f %{pyproject_files}"]
    licenses = [n for n in _pkgspec.LICENSE_FILES if os.path.isfile(os.path.join(root, n))]
    if licenses:
        lines.append("%%license %s" % " ".join(licenses))
    docs = [n for n in ("README.rst", "README.md", "README.txt", "README") if os.path.isfile(os.path.join(root, n))]
    if docs:
        lines.append("%%doc %s" % docs[0])
    lines += ["%%{_bindir}/%s" % s for s in sorted(meta.scripts)]
    lines += ["%%{_mandir}/man%s/%s*" % (p.rsplit(".", 1)[1], os.path.basename(p)) for p in pages]
    if names.service:
        lines.append("%%{_unitdir}/%s.service" % names.package)
    return lines


def spec_text(root, meta, opts, names, release):
    """A spec for the project, from its metadata."""
    lines = _preamble(root, meta, names, release)
    lines += ["", "%description"] + _pkgspec.description_paragraphs(meta, names, width=79, sep="") + [
        "",
        "%prep",
        "%autosetup -n %{name}-%{version}",
        "",
        "%build",
        "%pyproject_wheel",
        "",
        "%install",
        "%pyproject_install",
        "%pyproject_save_files '*'",
        "# modules are not run as programs: a shebang on a non-executable module goes (rpmlint non-executable-script)",
        "find %{buildroot}%{python3_sitelib} -name '*.py' ! -perm /111 -exec sed -i '1{/^#!/d}' {} +",
    ]
    pages = _pkgspec.man_pages(root)
    for page in pages:
        section = page.rsplit(".", 1)[1]
        lines.append("install -D -m 0644 %s %%{buildroot}%%{_mandir}/man%s/%s"
                     % (page, section, os.path.basename(page)))
    for number, page in _written_sources(root, meta, names):
        lines.append("install -D -m 0644 %%{SOURCE%d} %%{buildroot}%%{_mandir}/man1/%s" % (number, page))
        pages.append(page)
    if names.service:
        # the unit's StateDirectory= makes /var/lib/NAME, owned by the service's user, at start
        lines.append("install -D -m 0644 %%{SOURCE1} %%{buildroot}%%{_unitdir}/%s.service" % names.package)
    modules = _pkgspec.import_names(root)
    if modules:
        lines += ["", "%check", "%%pyproject_check_import %s" % " ".join(modules)]
    if names.service:
        lines += _scriptlets(names.package)
    lines += _files_section(root, meta, names, pages)
    lines += ["", "%changelog", ""]
    return "\n".join(lines)


def findings_of(output):
    found = []
    for line in output.splitlines():
        match = re.match(r"^(\S+?): ([EWI]): (\S+)(?: (.*))?$", line)
        if match:
            found.append(_pkgbuild.Finding(match.group(2), match.group(1), match.group(3), match.group(4) or "",
                                           "rpmlint"))
    return found


def rpmlint(paths, workdir, macros=""):
    """rpmlint's findings; ``macros`` (text) are loaded as ~/.rpmmacros, so the spec check sees them."""
    config = os.path.join(workdir, "rpmlint.toml")
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(RPMLINT_TOML)
    home = os.path.join(workdir, "lint-home")
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, ".rpmmacros"), "w", encoding="utf-8") as handle:
        handle.write(macros)
    # the rpmlint beside this Python (a venv's: rpmlint 2.10) before the one on PATH
    beside = os.path.join(os.path.dirname(sys.executable), "rpmlint")
    proc = _cmd.run([beside if os.path.exists(beside) else "rpmlint", "--config", config] + list(paths),
                    env={"HOME": home}, check=False)
    # rc 64: errors found, 66: bad file names given; a crash of rpmlint itself is a failure whatever its rc
    if proc.returncode not in (0, 64, 66) or "Traceback" in proc.stderr:
        raise RpmCommandError.of(proc, "rpmlint")
    return findings_of(proc.stdout)


def _has_fedora_macros():
    return _cmd.run(["rpm", "--eval", "%{?pyproject_wheel:yes}"], check=False).stdout.strip() == "yes"


# rpmbuild's options for the same bytes from the same input: build time and file times from
# SOURCE_DATE_EPOCH, a fixed build host, gzip payloads (every rpm reads them).
REPRODUCIBLE = ["--define", "_buildhost %s" % BUILD_HOST, "--define", "use_source_date_epoch_as_buildtime 1",
                "--define", "clamp_mtime_to_source_date_epoch 1", "--define", "_source_payload w9.gzdio",
                "--define", "_binary_payload w9.gzdio",
                "--define", "__brp_compress /bin/bash /usr/lib/rpm/brp-compress"]


class Backend(_pkgbuild.Backend):
    """The RPM steps of ``_pkgbuild.build``: a spec and SOURCES under a _topdir of its own, rpmbuild, rpmlint."""

    format = "rpm"
    record = RECORD
    lint_tool = "rpmlint"
    lint_option = "rpmlint_allow"
    maintainer_option = "packager"
    libraries = (("packaging", "packaging.requirements"), ("specfile", "specfile"), ("build", "build.util"))
    error = RpmError

    def name(self, job):
        job.names = _pkgspec.naming(job.root, job.meta, job.opts.kind, job.opts.service_command, "/etc/sysconfig/",
                                    package=job.opts.name)
        try:  # the packager asked for, else git's user - never the upstream authors
            packager = _changelog.maintainer(job.root, job.release.maintainer or job.opts.packager, "packager")
        except _changelog.ChangelogError as exc:
            raise RpmError(str(exc))
        job.release = dataclasses.replace(job.release, maintainer=packager)
        own = sorted(glob.glob(os.path.join(job.root, "*.spec")))
        job.own = own[0] if own else ""
        job.extra["evr"] = _version.rpm_evr(job.release.version, job.release.rpm_release)

    def scratch(self, job):
        # rpm records the expanded spec, with the _topdir's path, in the source package's header (and
        # the binary package its digest): a fixed path, one build at a time, keeps the bytes the same.
        os.makedirs(BUILD_ROOT, exist_ok=True)
        return _locked_dir(BUILD_ROOT, job.names.package)

    def tree(self, job):
        job.extra["top"] = top = os.path.join(job.tmp, "rpmbuild")
        for sub in ("SOURCES", "SPECS", "BUILD", "RPMS", "SRPMS", "BUILDROOT"):
            os.makedirs(os.path.join(top, sub))
        return os.path.join(job.tmp, "%s-%s" % (job.names.package, job.extra["evr"].version))

    def leave_out(self, rel):
        return rel.endswith(".spec") and os.sep not in rel  # the spec goes to SPECS/, not into the tarball

    def files(self, job):
        top = job.extra["top"]
        job.extra["spec"] = spec = os.path.join(top, "SPECS", "%s.spec" % job.names.package)
        files = {os.path.join(top, "SOURCES", "pkgops-pyproject.py"): (PYPROJECT_HELPER, 0o644)}
        if job.own:
            with open(job.own, encoding="utf-8") as handle:
                files[spec] = (_own_spec(handle.read(), job.extra["evr"]), 0o644)
            files.update(_own_sources(job.root, files[spec][0], os.path.join(top, "SOURCES")))
            return files
        files[spec] = (spec_text(job.root, job.meta, job.opts, job.names, job.release), 0o644)
        for page, text in _pkgspec.written_man_pages(job.root, job.meta, job.names).items():
            files[os.path.join(top, "SOURCES", page)] = (text, 0o644)
        if job.names.service:
            unit = os.path.join(top, "SOURCES", "%s.service" % job.names.package)
            files[unit] = (_unit.unit(job.names.service), 0o644)
        return files

    def changelog(self, job):
        return job.extra["spec"], job.own or job.extra["spec"]

    def tarball(self, job):
        if job.own:
            job.names.package = _spec_name(job.extra["spec"])
        base = "%s-%s" % (job.names.package, job.extra["evr"].version)
        tarball_of_tree(os.path.join(job.extra["top"], "SOURCES", base + ".tar.gz"), job.tree, base, job.epoch)

    def run_build(self, job):
        top = job.extra["top"]
        argv = ["rpmbuild", "-ba", "--define", "_topdir %s" % top] + REPRODUCIBLE
        if not job.opts.tests:
            argv.append("--nocheck")
        job.extra["macros"] = "" if _has_fedora_macros() else MACROS
        if job.extra["macros"]:
            macros = os.path.join(top, "pkgops-debian.macros")
            with open(macros, "w", encoding="utf-8") as handle:
                handle.write(MACROS)
            argv += ["--load", macros, "--nodeps", "--define", "_dbpath %s" % os.path.join(job.tmp, "rpmdb")]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": job.tmp, "SOURCE_DATE_EPOCH": str(job.epoch),
               "PYTHONHASHSEED": "0", "TZ": "UTC"}
        _cmd.run(argv + [job.extra["spec"]], env=env, inherit_env=False, merge_stderr=True, what=job.root,
                 error=RpmBuildError)
        return sorted(glob.glob(os.path.join(top, "RPMS", "*", "*.rpm")) + glob.glob(os.path.join(top, "SRPMS", "*.rpm")))

    def lint(self, job, made):
        return rpmlint(made, job.tmp, job.extra["macros"])

    def keep(self, job, outdir):
        if job.own:
            return ""
        spec_out = os.path.join(outdir, os.path.basename(job.extra["spec"]))
        shutil.copyfile(job.extra["spec"], spec_out)
        return spec_out

    def version_keys(self, params):
        return {"evr": _version.rpm_evr(params["version"], params["release"]).evr}

    def options(self, params):
        return Options(kind=params["kind"], name=params["name"] or "", packager=params["packager"] or "",
                       service_command=params["service_command"], tests=params["tests"],
                       license=params["license"] or "", rpmlint_allow=params["rpmlint_allow"])

    def release(self, params, date):
        return _changelog.Release(version=params["version"], changes=params["changes"], date=date,
                                  maintainer=params["packager"] or "", rpm_release=params["release"])

    def extra(self, result):
        return dict(rpmlint=[f.as_dict() for f in result.findings], name=result.name, spec=result.spec)

    def result(self, paths, extra):
        keys = dict(rpms=[x for x in paths if x.endswith(".rpm") and not x.endswith(".src.rpm")],
                    rpmlint=extra.get("rpmlint", []))
        srpms = [x for x in paths if x.endswith(".src.rpm")]
        if srpms:
            keys.update(srpm=srpms[0], name=extra.get("name"))
        if extra.get("spec"):
            keys["spec"] = extra["spec"]
        return keys


BACKEND = Backend()


def build(root, outdir, release, opts, lint=True):
    """Build the .rpm and .src.rpm of ``root`` into ``outdir`` (``_pkgbuild.build`` with the RPM steps)."""
    return _pkgbuild.build(BACKEND, root, outdir, release, opts, lint)


def _own_spec(text, evr):
    """The project's own spec with the release's Version and Release (through specfile)."""
    from specfile import Specfile

    spec = Specfile(content=text, sourcedir="/nonexistent", force_parse=True)
    spec.set_version_and_release(evr.version, evr.release)
    return str(spec)


def _own_sources(root, text, sources):
    """The own spec's other sources (Source1: ... and so on), from the project's tree."""
    files = {}
    for source in re.findall(r"^Source\d*:\s*(\S+)", text, re.M):
        local = os.path.join(root, os.path.basename(source))
        if "%" not in source and os.path.isfile(local):
            with open(local, "rb") as handle:
                files[os.path.join(sources, os.path.basename(source))] = (handle.read(), 0o644)
    return files


@contextlib.contextmanager
def _locked_dir(base, name):
    """BASE/NAME, empty, for this build alone: the lock is taken before the directory is touched."""
    with open(os.path.join(base, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = os.path.join(base, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)


def _spec_name(spec):
    from specfile import Specfile

    return Specfile(spec).expanded_name


__all__: t.List[str] = ["RpmError", "RpmCommandError", "RpmBuildError", "Options", "BACKEND", "RECORD", "MACROS",
                        "PYPROJECT_HELPER", "RPMLINT_TOML", "build", "spec_text", "python_requires", "findings_of"]
