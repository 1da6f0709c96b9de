# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A CycloneDX 1.6 SBOM (JSON) per release artifact, made with cyclonedx-python-lib.

The BOM's metadata component is the artifact: its name, version, package URL (pkg:pypi, pkg:deb/debian with
its architecture, pkg:rpm with its architecture), the SHA-256 of its bytes and its license. Its components
are the artifact's runtime dependencies, as resolved on the host that runs this (the build host):

- wheel, sdist: each Requires-Dist whose marker holds for the Python that runs this (extras-only ones are
  left out) is resolved to the distribution installed in that Python (importlib.metadata) - its version
  and its license (License-Expression, License, or classifiers);
- .deb: each Depends and Pre-Depends relation (``dpkg-deb -f``) is resolved to the first alternative dpkg
  has installed on this host (``dpkg-query``) - its version, architecture and the License of its
  machine-readable copyright file;
- .rpm: each Requires (``rpm -qp --requires``, rpmlib() features left out) is resolved to the installed
  package that provides it (``rpm -q --whatprovides``) - its name, version, architecture and License.

A dependency nothing installed satisfies is still listed, by its name, without a version, with the
property ``pkgops:resolved`` ``false`` and the requirement as written (``pkgops:requirement``): the
target host resolves it at install time. The dependencies' hashes are not known from what is installed
(an installed package keeps no digest of the file it came from), so only the artifact carries one.

The BOM is reproducible: its serial number derives from the artifact's name and SHA-256 and its timestamp
is the release's date, so the same artifact gives the same bytes on every run.
"""

from __future__ import annotations

import datetime
import email.parser
import io
import json
import os
import re
import sys
import tarfile
import uuid

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils._files import sha256_of

try:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.license import LicenseExpression
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packageurl import PackageURL
    HAS_CYCLONEDX = True
except ImportError:
    HAS_CYCLONEDX = False

LIBRARY = "cyclonedx-python-lib"
SUFFIX = ".cdx.json"
NAMESPACE = uuid.UUID("5b0c5d2e-3f5e-4c43-9a8e-7f1b2d6a0c11")  # serial numbers: uuid5(NAMESPACE, name sha256)


class SbomError(ValueError):
    """An artifact whose SBOM cannot be made; the message names the file."""


DEBIAN_SOURCE = re.compile(r"_[^_/]+\.(orig|debian)(-[A-Za-z0-9][A-Za-z0-9-]*)?\.tar\.[a-z0-9]+$")


def kind_of(name):
    """'python', 'deb', 'rpm' or '' (a file with no package metadata, such as a .changes, a .dsc, or the
    tarballs of a Debian source package - NAME_VERSION.orig.tar.gz is the project's tree, not an sdist)."""
    if DEBIAN_SOURCE.search(name):
        return ""
    if name.endswith((".whl", ".tar.gz")):
        return "python"
    if name.endswith(".deb"):
        return "deb"
    if name.endswith(".rpm"):
        return "rpm"
    return ""


def _license(expression):
    return [LicenseExpression(expression)] if expression else []


def _prop(name, value):
    return Property(name="pkgops:%s" % name, value=value)


def _component(name, version, purl, license_expr="", requirement="", hashes=()):
    props = [] if version else [_prop("resolved", "false")]
    if requirement:
        props.append(_prop("requirement", requirement))
    return Component(name=name, version=version or None, purl=purl if version else None,
                     licenses=_license(license_expr), hashes=list(hashes), properties=props,
                     bom_ref="%s@%s" % (name, version or "unresolved"))


# --- Python: Requires-Dist against the installed distributions ------------------------------------

def _python(path):
    from importlib import metadata as importlib_metadata
    from packaging.requirements import InvalidRequirement, Requirement

    from ansible_collections.pkgops.release.plugins.module_utils import _pypi_index
    from ansible_collections.pkgops.release.plugins.module_utils._project import license_of

    meta = email.parser.Parser().parsestr(_pypi_index._metadata_text(path), headersonly=True)
    deps = []
    for text in meta.get_all("Requires-Dist") or []:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise SbomError("Artifact '%s' has a Requires-Dist that is not a requirement (%s): %s" % (path, text, exc))
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            dist = importlib_metadata.distribution(req.name)
        except importlib_metadata.PackageNotFoundError:
            deps.append(_component(req.name, "", None, requirement=text))
            continue
        version = dist.version
        deps.append(_component(req.name, version, PackageURL("pypi", name=req.name.lower(), version=version),
                               license_of(dist.metadata)[0], text))
    purl = PackageURL("pypi", name=meta["Name"].lower(), version=meta["Version"])
    return meta["Name"], meta["Version"], purl, license_of(meta)[0], deps


# --- Debian: Depends against dpkg's database --------------------------------------------------------

def copyright_license(text):
    """The License of a machine-readable debian/copyright's ``Files: *`` paragraph, or ""."""
    for para in re.split(r"\n\s*\n", text or ""):
        if re.search(r"^Files:\s*\*\s*$", para, re.M):
            found = re.search(r"^License:[ \t]*(\S[^\n]*)$", para, re.M)
            return found.group(1).strip() if found else ""
    return ""


def _deb_copyright(path, package):
    data = _cmd.run(["dpkg-deb", "--fsys-tarfile", path], text=False, what="Reading '%s'" % path).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.lstrip("./") == "usr/share/doc/%s/copyright" % package:
                return archive.extractfile(member).read().decode("utf-8", "replace")
    return ""


def _installed_deb(name):
    proc = _cmd.run(["dpkg-query", "-W", "-f", "${Version}\t${Architecture}\t${db:Status-Status}\n", name], check=False)
    lines = [line.split("\t") for line in proc.stdout.splitlines()]
    return next((line for line in lines if len(line) == 3 and line[2] == "installed"), None)


def _deb_dep(relation):
    for alt in relation:
        found = _installed_deb(alt["name"])
        if found:
            try:
                with open("/usr/share/doc/%s/copyright" % alt["name"], encoding="utf-8", errors="replace") as handle:
                    lic = copyright_license(handle.read())
            except OSError:
                lic = ""
            purl = PackageURL("deb", "debian", alt["name"], found[0], {"arch": found[1]})
            return alt["name"], found[0], purl, lic
    return relation[0]["name"], "", None, ""


def _deb(path):
    from debian.deb822 import PkgRelation

    fields = _cmd.run(["dpkg-deb", "-f", path, "Package", "Version", "Architecture", "Depends", "Pre-Depends"],
                      what="Reading the control fields of '%s'" % path).stdout
    control = dict(re.findall(r"^([A-Za-z-]+): ?(.*)$", fields, re.M))
    deps = []
    for field in ("Pre-Depends", "Depends"):
        text = control.get(field, "").strip()
        if not text:
            continue
        for relation, written in zip(PkgRelation.parse_relations(text), [r.strip() for r in text.split(",") if r.strip()]):
            name, version, purl, lic = _deb_dep(relation)
            deps.append(_component(name, version, purl, lic, written))
    package, version, arch = control.get("Package", ""), control.get("Version", ""), control.get("Architecture", "")
    purl = PackageURL("deb", "debian", package, version, {"arch": arch})
    return package, version, purl, copyright_license(_deb_copyright(path, package)), deps


# --- RPM: Requires against rpm's database ------------------------------------------------------------

QF = "%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{LICENSE}\n"


def _rpm_version(evr):
    return evr[2:] if evr.startswith("0:") else evr


def _rpm(path):
    head = _cmd.run(["rpm", "-qp", "--nosignature", "--qf", QF.replace("\n", "\t%{SOURCERPM}\n"), path],
                    what="Reading the header of '%s'" % path).stdout.rstrip("\n").split("\t")
    name, evr, lic = head[0], _rpm_version(head[1]), head[3].strip()
    arch = "src" if head[4] == "(none)" else head[2]
    requires = _cmd.run(["rpm", "-qp", "--nosignature", "--requires", path],
                        what="Reading the requirements of '%s'" % path).stdout.splitlines()
    deps = []
    for req in sorted(set(r.strip() for r in requires if r.strip() and not r.startswith("rpmlib("))):
        proc = _cmd.run(["rpm", "-q", "--whatprovides", "--qf", QF, req.split()[0]], check=False)
        found = proc.stdout.splitlines()[0].split("\t") if proc.returncode == 0 and proc.stdout else None
        if found:
            version = _rpm_version(found[1])
            purl = PackageURL("rpm", None, found[0], version, {"arch": found[2]})
            deps.append(_component(found[0], version, purl, found[3], req))
        else:
            deps.append(_component(req.split()[0], "", None, requirement=req))
    return name, evr, PackageURL("rpm", None, name, evr, {"arch": arch}), lic, deps


READERS = {"python": _python, "deb": _deb, "rpm": _rpm}


def bom(path, date=None):
    """The BOM of the artifact ``path`` as a cyclonedx Bom; ``date`` (YYYY-MM-DD) is its timestamp."""
    if not HAS_CYCLONEDX:
        raise SbomError("Making the SBOM of '%s' needs the Python library %s in the build host's Python (%s): install "
                        "it into a venv (pip install %s) and point ansible_python_interpreter at that venv's python, "
                        "or set sbom=false." % (path, LIBRARY, sys.executable, LIBRARY))
    kind = kind_of(os.path.basename(path))
    digest = HashType(alg=HashAlgorithm.SHA_256, content=sha256_of(path))
    if kind:
        name, version, purl, lic, deps = READERS[kind](path)
    else:
        name, version, purl, lic, deps = os.path.basename(path), None, None, "", []
    main = Component(name=name, version=version, purl=purl, hashes=[digest], licenses=_license(lic),
                     type=ComponentType.APPLICATION if kind else ComponentType.FILE,
                     bom_ref="%s@%s" % (name, version or "file"),
                     properties=[_prop("file", os.path.basename(path))])
    stamp = _stamp(path, date)
    serial = uuid.uuid5(NAMESPACE, "%s %s" % (os.path.basename(path), digest.content))
    result = Bom(serial_number=serial, metadata=BomMetaData(component=main, timestamp=stamp.replace(
        tzinfo=datetime.timezone.utc), tools=[]), components=_unique(deps))
    result.register_dependency(main, result.components)
    return result


def _stamp(path, date):
    try:
        return datetime.datetime.strptime(str(date)[:10], "%Y-%m-%d") if date else datetime.datetime(1970, 1, 1)
    except ValueError:
        raise SbomError("The SBOM of '%s' takes the release's date, and '%s' is not a date (YYYY-MM-DD)." % (path, date))


def _unique(deps):
    seen, out = set(), []
    for dep in deps:
        if str(dep.bom_ref) not in seen:
            seen.add(str(dep.bom_ref))
            out.append(dep)
    return out


def render(document):
    """The BOM's JSON text: CycloneDX 1.6, keys sorted, validated against the schema (strict, offline)."""
    text = json.dumps(json.loads(JsonV1Dot6(document).output_as_string()), indent=2, sort_keys=True) + "\n"
    error = validate(text)
    if error:
        raise SbomError("The SBOM of '%s' does not validate against the CycloneDX 1.6 schema: %s"
                        % (document.metadata.component.name, error))
    return text


def validate(text):
    """None when ``text`` is a valid CycloneDX 1.6 JSON BOM, else the schema's complaint."""
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return str(error) if error else None


def sbom_text(path, date=None):
    try:
        return render(bom(path, date))
    except _cmd.CommandError as exc:
        raise SbomError("Reading the package '%s' for its SBOM failed: %s" % (path, exc))
    except (OSError, ValueError) as exc:
        if isinstance(exc, SbomError):
            raise
        raise SbomError("Making the SBOM of '%s' failed: %s" % (path, exc))


def artifact_hashes(data):
    """The SHA-256 values the BOM ``data`` (parsed JSON) gives its metadata component."""
    component = (data.get("metadata") or {}).get("component") or {}
    return [h.get("content") for h in component.get("hashes") or [] if h.get("alg") == "SHA-256"]
