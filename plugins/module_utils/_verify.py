# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An artifact is checked before a repository takes it: complete, readable, named after its content, safe.

- every file name: no whitespace, control characters, bytes that are not UTF-8 or '/', and no leading
  '-' or '.' (``check_name``);
- a .deb: dpkg-deb reads its control and all of its data, so the compressors' checksums (xz, zstd, gzip)
  find a damaged member (an uncompressed member, ``dpkg-deb -Znone``, has no checksum of its own); Package,
  Version and Architecture agree with the file name ``NAME_VERSION_ARCH.deb`` (the version without its epoch);
- an .rpm: rpmkeys checks its header and payload digests; its NEVRA agrees with the file name
  ``NAME-VERSION-RELEASE.ARCH.rpm`` (``.src.rpm`` for a source package);
- a wheel or an sdist (.tar.gz): the whole archive reads (CRCs included), no member leaves the archive's
  tree, its metadata's Name and Version agree with the file name, the project name is a valid one;
- a .dsc or a .changes: UTF-8, parsed with python-debian; every file it lists is a plain name in the same
  directory, exists, and has the listed size and sha256 (Checksums-Sha256).

Nothing outside the given file's directory is read: a listed file that resolves elsewhere (a symbolic
link) is refused before it is opened. Every failure is one ``VerifyError`` naming the file, what is wrong
and what to do; a failed command is its cause (``_cmd.fail_keys`` finds cmd, rc, stdout and stderr there).
"""

from __future__ import annotations

import dataclasses
import email.parser
import gzip
import os
import re
import stat
import tarfile
import typing as t
import unicodedata
import zipfile
import zlib

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils._files import sha256_of

TIMEOUT = 900  # seconds for one dpkg-deb or rpm run
MAX_LISTING = 1 << 20  # a .dsc or .changes larger than this is not one
REBUILD = "build it again, or copy it again if it was cut short or changed on the way"
RENAME = "rename the file without whitespace, control characters or '/', and not starting with '-' or '.'"
RPM_QUERY = "%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n"

DEB_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
DEB_VERSION = re.compile(r"^(?:[0-9]+:)?[A-Za-z0-9.+~-]+$")
DEB_ARCH = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RPM_NAME = re.compile(r"^[A-Za-z0-9_+][A-Za-z0-9._+-]*$")
RPM_VERSION = re.compile(r"^[A-Za-z0-9._+~^]+$")  # version and release: no '-'
RPM_ARCH = re.compile(r"^[A-Za-z0-9_]+$")
PROJECT = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.I | re.A)  # core metadata's Name
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SPACES = {" ": "a space", "\t": "a tab", "\n": "a newline", "\r": "a carriage return"}


class VerifyError(ValueError):
    """An artifact is damaged, misnamed or unsafe; the message names the file, the fault and what to do."""


@dataclasses.dataclass
class Verified:
    """What ``verify`` checked: ``fields`` read from the file, ``files`` the paths a .dsc/.changes lists."""

    path: str
    kind: str  # deb, rpm, wheel, sdist, dsc or changes
    fields: t.Dict[str, t.Any]
    files: t.List[str] = dataclasses.field(default_factory=list)


def _error(path, problem, todo):
    return VerifyError("File '%s' %s; %s." % (path, problem, todo))


# --- names ------------------------------------------------------------------------------------------

def _character(ch):
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
        return "the byte 0x%02X, which is not UTF-8," % (code - 0xDC00)
    if ch in _SPACES:
        return "%s (U+%04X)" % (_SPACES[ch], code)
    kind = "whitespace" if ch.isspace() or unicodedata.category(ch).startswith("Z") else "a control character"
    return "%s (U+%04X)" % (kind, code)


def name_problem(name):
    """What is wrong with the file name ``name``, as the end of a sentence; "" when nothing is."""
    if not name:
        return "is empty"
    for pos, ch in enumerate(name, 1):
        if ch == "/":
            return "has '/' as character %d" % pos
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"):
            return "has %s as character %d" % (_character(ch), pos)
    if name[0] in "-.":
        return "starts with '%s'" % name[0]
    return ""


def check_name(path):
    """The base name of ``path``; VerifyError when it is not a safe file name (see ``name_problem``)."""
    name = os.path.basename(os.fspath(path))
    problem = name_problem(name)
    if problem:
        raise _error(path, "cannot be published: its name '%s' %s" % (name, problem), RENAME)
    return name


def _start(path, suffix):
    """``path`` made absolute, after the checks every artifact gets: a safe name, a regular file."""
    path = os.path.abspath(os.fspath(path))
    name = check_name(path)
    if not name.endswith(suffix):
        raise _error(path, "is not a %s file" % suffix, "give a file whose name ends in %s" % suffix)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise _error(path, "does not exist", "build it first, or correct the path")
    except OSError as exc:
        raise _error(path, "cannot be read (%s)" % exc.strerror, "correct the path")
    if not stat.S_ISREG(mode):
        raise _error(path, "is not a regular file", "give the artifact itself")
    return path


# --- commands -----------------------------------------------------------------------------------------

def _said(exc):
    """The failed tool's own words: its stderr (and stdout lines reporting BAD or errors), on one line."""
    lines = [line.strip() for line in exc.stderr.splitlines() if line.strip()]
    lines += [line.strip() for line in exc.stdout.splitlines() if re.search(r"BAD|NOT OK|error", line)]
    text = "; ".join(dict.fromkeys(lines)) or exc.describe()
    return text if len(text) <= 600 else text[:597] + "..."


def _tool(argv, path, problem, text=True):
    """``argv``'s output; a failure is a VerifyError: the file ``problem`` (the tool's stderr), then REBUILD."""
    try:
        return _cmd.run(argv, text=text, timeout=TIMEOUT).stdout
    except _cmd.MissingCommand as exc:
        raise VerifyError("File '%s' cannot be verified: %s" % (path, exc)) from exc
    except _cmd.CommandError as exc:
        raise VerifyError("File '%s' %s (%s said: %s); %s." % (path, problem, exc.binary, _said(exc), REBUILD)) from exc


# --- .deb ---------------------------------------------------------------------------------------------

def _control(path, data):
    from debian.deb822 import Deb822

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(path, "has a control file that is not UTF-8 (byte 0x%02x at offset %d)"
                     % (data[exc.start], exc.start),
                     "write debian/control in UTF-8 and build it again")
    return dict(Deb822(text))


def verify_deb(path):
    """The control fields (dict) of the .deb at ``path``, after dpkg-deb read its control and all its data."""
    path = _start(path, ".deb")
    fields = _control(path, _tool(["dpkg-deb", "--field", path], path,
                                  "is damaged or not a .deb: dpkg-deb cannot read its control part", text=False))
    _tool(["dpkg-deb", "--contents", path], path, "is damaged or incomplete: dpkg-deb cannot read its data part")
    package, version, arch = (fields.get(k, "") for k in ("Package", "Version", "Architecture"))
    for key, value, pattern in (("Package", package, DEB_PACKAGE), ("Version", version, DEB_VERSION),
                                ("Architecture", arch, DEB_ARCH)):
        if not pattern.match(value):
            raise _error(path, "has no valid %s in its control (%r)" % (key, value),
                         "correct debian/control and build it again")
    missing = [k for k in ("Section", "Priority") if not fields.get(k, "").strip()]
    if missing:  # reprepro files a package by them: without, it skips the package and the change fails half-way
        raise _error(path, "has no %s in its control, which an apt repository files it by" % " or ".join(missing),
                     "set them in debian/control (for example Section: misc, Priority: optional) and build it again")
    expected = "%s_%s_%s.deb" % (package, re.sub(r"^[0-9]+:", "", version), arch)
    if os.path.basename(path) != expected:
        raise _error(path, "holds %s %s for %s, whose file name is %s" % (package, version, arch, expected),
                     "publish it under that name (dpkg-name renames it), or build the package the name says")
    return fields


# --- .rpm ---------------------------------------------------------------------------------------------

def verify_rpm(path):
    """NEVRA (dict: name, epoch, version, release, arch, source) of the .rpm at ``path``, digests checked."""
    path = _start(path, ".rpm")
    _tool(["rpmkeys", "--checksig", "--verbose", "--nosignature", path], path,
          "is damaged or not an RPM: rpmkeys finds its digests wrong")
    out = _tool(["rpm", "-qp", "--nosignature", "--nodigest", "--qf", RPM_QUERY, path], path,
                "is not a readable RPM: rpm cannot read its header")
    fields = out.rstrip("\n").split("\t")
    if len(fields) != 6:
        raise _error(path, "is not a readable RPM: rpm printed %r for its NEVRA" % out, REBUILD)
    name, epoch, version, release, arch, sourcerpm = fields
    source = sourcerpm == "(none)"
    for key, value, pattern in (("Name", name, RPM_NAME), ("Version", version, RPM_VERSION),
                                ("Release", release, RPM_VERSION), ("Arch", arch, RPM_ARCH)):
        if not pattern.match(value):
            raise _error(path, "has no valid %s in its header (%r)" % (key, value),
                         "correct the spec and build it again")
    expected = "%s-%s-%s.%s.rpm" % (name, version, release, "src" if source else arch)
    if os.path.basename(path) != expected:
        raise _error(path, "holds %s %s-%s.%s%s, whose file name is %s"
                     % (name, version, release, arch, " (a source package)" if source else "", expected),
                     "publish it under that name, or build the package the name says")
    return dict(name=name, epoch=int(epoch or 0), version=version, release=release, arch=arch, source=source)


# --- wheel and sdist ------------------------------------------------------------------------------------

def _member_problem(name, top=None):
    """What makes the archive member ``name`` unsafe ("" when nothing): absolute, '..', outside ``top``."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "is an absolute path"
    if ".." in parts:
        return "has a '..' component"
    if top is not None and parts[0] != top:
        return "is outside the top directory %s/" % top
    return ""


def _project_name(path, name, where):
    if not PROJECT.match(name):
        raise _error(path, "names the project %r in its %s, which is not a valid project name (letters, digits, and "
                     "'.', '_' or '-' between them)" % (name, where), "rename the project and build it again")


def _check_metadata(path, data, project, version, where):
    """The metadata ``data`` (bytes) names ``project`` (canonical) and ``version``, as the file name does."""
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    try:
        meta = email.parser.Parser().parsestr(data.decode("utf-8"), headersonly=True)
    except UnicodeDecodeError:
        raise _error(path, "has a %s that is not UTF-8" % where, REBUILD)
    name, text = meta.get("Name", ""), meta.get("Version", "")
    _project_name(path, name, where)
    try:
        same = str(Version(text)) == str(version)
    except InvalidVersion:
        same = False
    if canonicalize_name(name) != project or not same:
        raise _error(path, "is named for %s %s but its %s says %s %s" % (project, version, where, name, text),
                     "give the file the name its metadata makes (build it again)")
    return dict(name=str(project), version=str(version))


def _file_name(path, parse):
    """(canonical project, Version) from the file name with ``parse``; the raw project name is checked too."""
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename

    name = os.path.basename(path)
    try:
        parsed = parse(name)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise _error(path, "has no valid distribution file name (%s)" % exc, "keep the name the build backend gave it")
    raw = name[:-len(".tar.gz")].rpartition("-")[0] if name.endswith(".tar.gz") else name.split("-")[0]
    _project_name(path, raw, "file name")
    return parsed[0], parsed[1]


def verify_wheel(path):
    """dict(name, version) of the wheel at ``path``: every member's CRC, safe names, METADATA agrees."""
    from packaging.utils import parse_wheel_filename

    path = _start(path, ".whl")
    project, version = _file_name(path, parse_wheel_filename)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            bad = archive.testzip()
            metadata = [n for n in names if re.match(r"^[^/]+\.dist-info/METADATA$", n)]
            data = archive.read(metadata[0]) if len(metadata) == 1 else None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError) as exc:
        raise _error(path, "is damaged or not a wheel: %s" % (exc,), REBUILD)
    if bad is not None:
        raise _error(path, "is damaged: member %s fails its CRC check" % bad, REBUILD)
    for member in names:
        problem = _member_problem(member)
        if problem:
            raise _error(path, "is unsafe: member %r %s" % (member, problem),
                         "build the wheel again with a standard backend")
    if data is None:
        raise _error(path, "has %d .dist-info/METADATA files at its top, not one" % len(metadata),
                     "build the wheel again with a standard backend")
    return _check_metadata(path, data, project, version, ".dist-info/METADATA")


def _tar_member(path, member, top):
    problem = _member_problem(member.name, top)
    if not problem and not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        problem = "is a device or a FIFO"
    if not problem and (member.issym() or member.islnk()):
        base = os.path.dirname(member.name) if member.issym() else ""
        target = os.path.normpath(os.path.join(base, member.linkname)).replace("\\", "/")
        if _member_problem(member.linkname) or _member_problem(target, top):
            problem = "links to %r, outside the archive's tree" % member.linkname
    if problem:
        raise _error(path, "is unsafe: member %r %s" % (member.name, problem),
                     "build the sdist again with a standard backend")


def verify_sdist(path):
    """dict(name, version) of the sdist (.tar.gz) at ``path``: gzip CRC, safe members, PKG-INFO agrees."""
    from packaging.utils import parse_sdist_filename

    path = _start(path, ".tar.gz")
    project, version = _file_name(path, parse_sdist_filename)
    top = os.path.basename(path)[:-len(".tar.gz")]
    data = None
    try:
        with gzip.open(path, "rb") as stream:  # the whole stream: a truncated or altered one fails here
            while stream.read(1 << 20):
                pass
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                _tar_member(path, member, top)
                if member.name == top + "/PKG-INFO" and member.isfile():
                    data = archive.extractfile(member).read()
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        raise _error(path, "is damaged or not a .tar.gz: %s" % (exc,), REBUILD)
    if data is None:
        raise _error(path, "has no %s/PKG-INFO" % top, "build the sdist again with a standard backend")
    return _check_metadata(path, data, project, version, "PKG-INFO")


# --- .dsc and .changes ------------------------------------------------------------------------------------

def _read_listing(path, suffix, fields):
    """The paragraph of the .dsc/.changes ``path``: read as bytes, UTF-8 or a VerifyError, ``fields`` present."""
    from debian.deb822 import Changes, Dsc

    path = _start(path, suffix)
    if os.path.getsize(path) > MAX_LISTING:
        raise _error(path, "is larger than %d bytes, too large for a %s" % (MAX_LISTING, suffix),
                     "give the real %s" % suffix)
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(path, "is not UTF-8 (byte 0x%02x at offset %d)" % (data[exc.start], exc.start),
                     "Debian control files are UTF-8: build the source package again")
    parsed = (Dsc if suffix == ".dsc" else Changes)(text)
    missing = [f for f in fields if not parsed.get(f)]
    if missing:
        raise _error(path, "is not a %s: it has no %s field" % (suffix, ", ".join(missing)), "give the file dpkg wrote")
    return path, parsed


def _entry_problem(name):
    if "/" in name:
        return "is not a plain file name in the same directory (it has '/')"
    if ".." in name:
        return "is not a plain file name (it has '..')"
    problem = name_problem(name)
    return "is not a safe file name: it %s" % problem if problem else ""


def _entries(path, parsed):
    """[(name, size, sha256)] from Checksums-Sha256, each name also in Files with the same size."""
    files = {e.get("name"): e.get("size") for e in parsed.get("Files", [])}
    out = []
    for entry in parsed.get("Checksums-Sha256", []):
        name, size, digest = entry.get("name") or "", entry.get("size") or "", entry.get("sha256") or ""
        problem = _entry_problem(name)
        if problem:
            raise _error(path, "lists %r, which %s" % (name, problem), "give the %s the build wrote, unedited"
                         % os.path.splitext(path)[1])
        if not size.isdigit() or not SHA256.match(digest):
            raise _error(path, "has a malformed Checksums-Sha256 line for %s" % name, "give the file dpkg wrote")
        if files.get(name) != size or name in (n for n, _s, _d in out):
            raise _error(path, "lists %s in Checksums-Sha256 but not once with size %s in Files" % (name, size),
                         "give the file dpkg wrote")
        out.append((name, int(size), digest))
    unlisted = sorted(set(files) - {n for n, _s, _d in out}, key=str)
    if unlisted or not out:
        raise _error(path, "lists %s without a sha256 (Checksums-Sha256)"
                     % (", ".join(map(str, unlisted)) or "no files"),
                     "make it with dpkg-source or dpkg-genchanges, which write Checksums-Sha256")
    return out


def _check_entry(path, name, size, digest):
    """The path of the listed file ``name`` next to ``path``, in that directory, with that size and sha256."""
    folder = os.path.dirname(path)
    local = os.path.join(folder, name)
    if not os.path.lexists(local):
        raise _error(path, "lists %s, which does not exist in %s" % (name, folder),
                     "copy every file it lists next to it")
    if os.path.dirname(os.path.realpath(local)) != os.path.realpath(folder):
        raise _error(path, "lists %s, which resolves to %s, outside %s" % (name, os.path.realpath(local), folder),
                     "copy the file itself next to it, not a link")
    try:
        mode = os.stat(local).st_mode
    except OSError as exc:
        raise _error(path, "lists %s, which cannot be read (%s)" % (name, exc.strerror),
                     "copy the file itself next to it, not a link")
    if not stat.S_ISREG(mode):
        raise _error(path, "lists %s, which is not a regular file" % name, "copy the file itself next to it")
    actual = os.path.getsize(local)
    if actual != size:
        raise _error(path, "lists %s with %d bytes, but it has %d" % (name, size, actual), REBUILD)
    found = sha256_of(local)
    if found != digest:
        raise _error(path, "lists %s with sha256 %s, but it has %s" % (name, digest, found), REBUILD)
    return local


def verify_dsc(path):
    """The paths of the files the .dsc at ``path`` lists, each checked (same directory, size, sha256)."""
    return _listed(path, ".dsc")[0]


def verify_changes(path):
    """The paths of the files the .changes at ``path`` lists, each checked (same directory, size, sha256)."""
    return _listed(path, ".changes")[0]


def _listed(path, suffix):
    path, parsed = _read_listing(path, suffix, ("Source", "Version", "Checksums-Sha256", "Files"))
    files = [_check_entry(path, *entry) for entry in _entries(path, parsed)]
    return files, dict(Source=parsed["Source"], Version=parsed["Version"])


# --- any artifact -------------------------------------------------------------------------------------------

KINDS = (("deb", ".deb"), ("rpm", ".rpm"), ("wheel", ".whl"), ("sdist", ".tar.gz"), ("dsc", ".dsc"),
         ("changes", ".changes"))


def verify(path, kinds=None):
    """A ``Verified`` for ``path``, its kind told by its suffix and limited to ``kinds`` (default: any).

    A .dsc or .changes is checked with every file it lists, and each listed .deb and .dsc is verified too.
    """
    allowed = [(k, s) for k, s in KINDS if kinds is None or k in kinds]
    kind = next((k for k, s in allowed if os.fspath(path).endswith(s)), None)
    if kind is None:
        raise _error(os.path.abspath(path), "is not one of the kinds this repository takes (%s)"
                     % ", ".join(s for _k, s in allowed), "give the artifact itself")
    if kind in ("dsc", "changes"):
        files, fields = _listed(path, "." + kind)
        for listed in files:
            if listed.endswith(".deb"):
                verify_deb(listed)
            elif listed.endswith(".dsc") and kind == "changes":
                verify_dsc(listed)
        return Verified(os.path.abspath(path), kind, fields, files)
    check = {"deb": verify_deb, "rpm": verify_rpm, "wheel": verify_wheel, "sdist": verify_sdist}[kind]
    return Verified(os.path.abspath(path), kind, check(path))


__all__: t.List[str] = ["VerifyError", "Verified", "KINDS", "check_name", "name_problem", "verify", "verify_deb",
                        "verify_rpm", "verify_wheel", "verify_sdist", "verify_dsc", "verify_changes"]
