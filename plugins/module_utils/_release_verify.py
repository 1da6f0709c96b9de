# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check a published release against its signed manifest, read-only, over HTTP.

- the manifest: its detached signature (``MANIFEST.asc``) verifies with gpgv against the given public keys
  (armored or binary; a fingerprint, when given, must be the signer's);
- each artifact, at each place the manifest says it was published:
  - a PEP 503 page (``http://HOST:PORT/simple/PROJECT/``): its link to the file carries the manifest's sha256,
    and the linked file's bytes have it;
  - an apt repository (``http://HOST:PORT SUITE COMPONENT``): ``dists/SUITE/InRelease`` verifies with gpgv, only
    its verified text is read; each Packages and Sources index of the component has the SHA-256 InRelease
    lists; the artifact's entry there (Filename's SHA256 for a .deb, Checksums-Sha256 for a source file) and the
    pool file's bytes have the manifest's sha256 (a .changes or .buildinfo is not served by a repository);
  - a yum repository (``http://HOST:PORT/``): ``repodata/repomd.xml.asc`` verifies with gpgv, the primary
    metadata has the checksum repomd.xml gives it, the package's checksum there is the served file's; the served
    RPM is signed by the repository (other bytes than the build's), so its main header's SHA-256 (which holds the
    payload's digest, checked by ``rpmkeys --checksig``) must be the manifest's ``header_sha256``;
- each SBOM beside the manifest: its bytes have the sha256 the manifest names and its component's SHA-256 is the
  artifact's.

Every mismatch is collected (artifact, where, expected, got); ``VerifyFailed`` lists them all in one message.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import json
import lzma
import os
import re
import tempfile
import typing as t
import urllib.error
import urllib.parse
import xml.etree.ElementTree as ET

from ansible.module_utils.urls import open_url

from ansible_collections.pkgops.release.plugins.module_utils import _cmd, _manifest, _repo_base, _sbom
from ansible_collections.pkgops.release.plugins.module_utils._files import FileError

REPO_NS = "{http://linux.duke.edu/metadata/repo}"
COMMON_NS = "{http://linux.duke.edu/metadata/common}"
NOT_SERVED = (".changes", ".buildinfo")  # an apt repository keeps neither


class VerifyError(ValueError):
    """The check cannot start: the manifest or a key is missing or unreadable. The message names the file."""


@dataclasses.dataclass(frozen=True)
class Mismatch:
    artifact: str
    where: str
    expected: str
    got: str

    def text(self):
        return "%s at %s: expected %s, got %s" % (self.artifact, self.where, self.expected, self.got)


class VerifyFailed(ValueError):
    """The release does not match its manifest; ``mismatches`` lists every difference."""

    def __init__(self, manifest, mismatches):
        self.mismatches = mismatches
        super().__init__("The published release does not match its manifest '%s' (%d mismatch%s): %s."
                         % (manifest, len(mismatches), "" if len(mismatches) == 1 else "es",
                            "; ".join(m.text() for m in mismatches)))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def dearmor(data):
    """The binary OpenPGP data of an armored block (or ``data`` itself when it is not armored)."""
    text = data.decode("ascii", "replace")
    if "-----BEGIN PGP" not in text:
        return data
    body = text.split("-----BEGIN PGP", 1)[1].split("\n\n", 1)[-1].split("-----END PGP", 1)[0]
    lines = [line.strip() for line in body.strip().splitlines() if line.strip() and not line.startswith("=")]
    return base64.b64decode("".join(lines))


def keyring(paths, work):
    """One binary keyring in ``work`` holding the keys of ``paths`` (armored or binary public key files)."""
    out = os.path.join(work, "keyring.gpg")
    with open(out, "wb") as handle:
        for path in paths:
            try:
                with open(path, "rb") as key:
                    handle.write(dearmor(key.read()))
            except OSError as exc:
                raise VerifyError("Public key file '%s' cannot be read: %s." % (path, exc.strerror or exc))
            except ValueError:
                raise VerifyError("Public key file '%s' is neither an armored nor a binary OpenPGP key." % path)
    return out


def gpgv(keyring_path, signature, data, fingerprint="", output=None):
    """'' when ``signature`` (a detached one, or a signed file when ``data`` is None) verifies, else what is wrong.
    ``output``: where gpgv writes the signed text it verified."""
    signers, proc = _repo_base.gpgv_signers(keyring_path, [signature] + ([data] if data else []), output=output)
    if signers:
        if not fingerprint or fingerprint.replace(" ", "").upper() in signers:
            return ""
        return "a good signature by %s, not by %s" % (signers[0], fingerprint)
    return "no good signature (%s)" % (" ".join(proc.stderr.split()) or "gpgv exit %d" % proc.returncode)


def fetch(url, timeout):
    """(bytes, "") or (None, why not)."""
    try:
        answer = open_url(url, timeout=timeout, follow_redirects="safe")
        try:
            return answer.read(), ""
        finally:
            answer.close()
    except urllib.error.HTTPError as exc:
        return None, "HTTP %d from %s" % (exc.code, url)
    except (urllib.error.URLError, OSError) as exc:
        return None, "no answer from %s (%s)" % (url, getattr(exc, "reason", None) or exc)


def decompress(path, data):
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".xz"):
        return lzma.decompress(data)
    return data


@dataclasses.dataclass
class Check:
    """One run: the keyring, a scratch directory, what was fetched (each index once) and what was found."""

    keyring: str
    work: str
    timeout: float = 30.0
    mismatches: t.List[Mismatch] = dataclasses.field(default_factory=list)
    verified: t.List[dict] = dataclasses.field(default_factory=list)
    skipped: t.List[dict] = dataclasses.field(default_factory=list)
    cache: t.Dict[str, t.Any] = dataclasses.field(default_factory=dict)

    def bad(self, artifact, where, expected, got):
        self.mismatches.append(Mismatch(artifact, where, expected, got))

    def bytes_of(self, entry, url, expected):
        """The served file at ``url`` has the sha256 ``expected`` (a mismatch otherwise)."""
        data, why = fetch(url, self.timeout)
        got = sha256(data) if data is not None else why
        if got != expected:
            self.bad(entry["name"], url, "sha256 " + expected, "sha256 " + got if data is not None else got)
            return None
        self.verified.append({"artifact": entry["name"], "where": url, "sha256": got})
        return data

    def signed(self, name, url, sig_url, where, output=None):
        """The verified bytes of ``url`` (detached ``sig_url``, or a signed file when None), or None."""
        key = "signed " + url
        if key not in self.cache:
            self.cache[key] = self._signed(url, sig_url, output)
        data, why = self.cache[key]
        if data is None:
            self.bad(name, where, "a good signature by the release key", why)
        return data

    def _signed(self, url, sig_url, output):
        data, why = fetch(url, self.timeout)
        if data is None:
            return None, why
        path = os.path.join(self.work, "%d.data" % len(self.cache))
        with open(path, "wb") as handle:
            handle.write(data)
        sig_path = None
        if sig_url:
            sig, why = fetch(sig_url, self.timeout)
            if sig is None:
                return None, why
            sig_path = path + ".asc"
            with open(sig_path, "wb") as handle:
                handle.write(sig)
        out = path + ".verified" if output else None
        why = gpgv(self.keyring, sig_path or path, path if sig_path else None, output=out)
        if why:
            return None, "%s: %s" % (sig_url or url, why)
        if out:
            with open(out, "rb") as handle:
                return handle.read(), ""
        return data, ""


# --- the PEP 503 index -------------------------------------------------------------------------------

def check_python(check, entry, url):
    page, why = fetch(url, check.timeout)
    if page is None:
        return check.bad(entry["name"], url, "the project's page", why)
    links = re.findall(r'<a href="([^"#]*/%s)#sha256=([0-9a-f]{64})"' % re.escape(entry["name"]), page.decode("utf-8", "replace"))
    if not links:
        return check.bad(entry["name"], url, "a link to the file", "none")
    href, digest = links[0]
    if digest != entry["sha256"]:
        return check.bad(entry["name"], url, "link #sha256=" + entry["sha256"], "#sha256=" + digest)
    check.bytes_of(entry, urllib.parse.urljoin(url, href), entry["sha256"])
    return None


# --- an apt repository -------------------------------------------------------------------------------

def release_sha256(text):
    """{path: sha256} of a Release file's SHA256 field."""
    found = re.search(r"^SHA256:[ \t]*\n((?:[ \t]+\S.*\n?)*)", text, re.M)
    rows = [line.split() for line in found.group(1).splitlines()] if found else []
    return {row[2]: row[0] for row in rows if len(row) == 3}


def _indexes(listed, component):
    """Per Packages or Sources index of ``component``, the forms InRelease lists: plain, .gz, .xz (a repository
    may list the plain form's checksum and serve only a compressed one)."""
    pattern = re.compile(r"^%s/(binary-[^/]+/Packages|source/Sources)(\.gz|\.xz)?$" % re.escape(component))
    forms = {}
    for path in sorted(listed, key=lambda p: (p.endswith((".gz", ".xz")), p.endswith(".xz"))):
        match = pattern.match(path)
        if match:
            forms.setdefault(match.group(1), []).append(path)
    return [forms[name] for name in sorted(forms)]


def _index(check, base, suite, forms, listed):
    """(text, "") of the first form of an index that is served, with the SHA-256 InRelease lists; (None, why)."""
    why = ""
    for path in forms:
        url = "%s/dists/%s/%s" % (base, suite, path)
        data, why = fetch(url, check.timeout)
        if data is not None:
            if sha256(data) != listed[path]:
                return None, "%s has sha256 %s, InRelease lists %s" % (url, sha256(data), listed[path])
            return decompress(path, data).decode("utf-8", "replace"), ""
    return None, why


def _stanza_files(text):
    """{file name: (sha256, path in the repository)} of a Packages or Sources index."""
    files = {}
    for para in re.split(r"\n\s*\n", text):
        fields = dict(re.findall(r"^([A-Za-z0-9-]+):[ \t]*(.*)$", para, re.M))
        if "Filename" in fields:
            files[os.path.basename(fields["Filename"])] = (fields.get("SHA256", ""), fields["Filename"])
        found = re.search(r"^Checksums-Sha256:[ \t]*\n((?:[ \t]+\S.*\n?)*)", para, re.M)
        for row in (line.split() for line in (found.group(1).splitlines() if found else [])):
            if len(row) == 3:
                files[row[2]] = (row[0], "%s/%s" % (fields.get("Directory", "."), row[2]))
    return files


def apt_files(check, name, base, suite, component):
    """{file name: (sha256, path)} the signed indexes of ``suite``/``component`` list, or None (mismatch noted)."""
    key = "apt %s %s %s" % (base, suite, component)
    where = "%s/dists/%s/InRelease" % (base, suite)
    if key in check.cache:
        files, why = check.cache[key]
        if files is None:
            check.bad(name, where, "signed indexes", why)
        return files
    release = check.signed(name, where, None, where, output=True)
    if release is None:
        return None
    listed, files, why = release_sha256(release.decode("utf-8", "replace")), {}, ""
    for forms in _indexes(listed, component):
        text, why = _index(check, base, suite, forms, listed)
        if text is None:
            break
        files.update(_stanza_files(text))
    check.cache[key] = (None, why) if why else (files, "")
    return apt_files(check, name, base, suite, component) if why else files


def check_apt(check, entry, where):
    base, suite, component = where.split()
    base = base.rstrip("/")
    if entry["name"].endswith(NOT_SERVED):
        check.skipped.append({"artifact": entry["name"], "where": where, "why": "an apt repository does not serve it"})
        return None
    files = apt_files(check, entry["name"], base, suite, component)
    if files is None:
        return None
    if entry["name"] not in files:
        return check.bad(entry["name"], where, "an entry in the signed indexes", "none")
    digest, path = files[entry["name"]]
    if digest != entry["sha256"]:
        return check.bad(entry["name"], where + " (index entry)", "sha256 " + entry["sha256"], "sha256 " + digest)
    check.bytes_of(entry, "%s/%s" % (base, path), entry["sha256"])
    return None


# --- a yum repository --------------------------------------------------------------------------------

def _primary_location(repomd):
    """(href, checksum type, checksum) of repomd.xml's primary metadata."""
    root = ET.fromstring(repomd)
    for data in root.iter(REPO_NS + "data"):
        if data.get("type") == "primary":
            checksum = data.find(REPO_NS + "checksum")
            return data.find(REPO_NS + "location").get("href"), checksum.get("type"), checksum.text.strip()
    raise ValueError("repomd.xml lists no primary metadata")


def _packages(primary):
    """{file name: (checksum type, checksum, location)} of primary.xml."""
    out = {}
    for package in ET.fromstring(primary).iter(COMMON_NS + "package"):
        href = package.find(COMMON_NS + "location").get("href")
        checksum = package.find(COMMON_NS + "checksum")
        out[os.path.basename(href)] = (checksum.get("type"), checksum.text.strip(), href)
    return out


def yum_packages(check, name, base):
    key = "yum " + base
    if key not in check.cache:
        check.cache[key] = (None, "")
        repomd = check.signed(name, base + "/repodata/repomd.xml", base + "/repodata/repomd.xml.asc",
                              base + "/repodata/repomd.xml.asc")
        if repomd is None:
            del check.cache[key]
            return None
        check.cache[key] = _yum_primary(check, base, repomd)
    packages, why = check.cache[key]
    if packages is None:
        check.bad(name, base + "/repodata/", "signed metadata", why)
    return packages


def _yum_primary(check, base, repomd):
    try:
        href, kind, digest = _primary_location(repomd)
    except (ET.ParseError, ValueError, AttributeError) as exc:
        return None, "repomd.xml is not repository metadata (%s)" % exc
    url = "%s/%s" % (base, href)
    data, why = fetch(url, check.timeout)
    if data is None:
        return None, why
    if _digest(kind, data) != digest:
        return None, "%s does not have the %s checksum repomd.xml gives it (%s)" % (url, kind, digest)
    try:
        return _packages(decompress(href, data) if not href.endswith(".zst") else _unzstd(data)), ""
    except (ET.ParseError, OSError, lzma.LZMAError, AttributeError) as exc:
        return None, "%s cannot be read (%s)" % (url, exc)


def _digest(kind, data):
    return hashlib.new(kind, data).hexdigest() if kind in hashlib.algorithms_available else "(unknown checksum type)"


def _unzstd(data):
    return _cmd.run(["zstd", "-dc"], input=data, text=False, what="Decompressing the primary metadata").stdout


def check_yum(check, entry, where):
    base = where.rstrip("/")
    packages = yum_packages(check, entry["name"], base)
    if packages is None:
        return None
    if entry["name"] not in packages:
        return check.bad(entry["name"], where, "a package in the signed metadata", "none")
    kind, digest, href = packages[entry["name"]]
    url = "%s/%s" % (base, href)
    data, why = fetch(url, check.timeout)
    if data is None:
        return check.bad(entry["name"], url, "the package", why)
    got = _digest(kind, data)
    if got != digest:
        return check.bad(entry["name"], url, "%s %s (primary.xml)" % (kind, digest), "%s %s" % (kind, got))
    return _rpm_content(check, entry, url, data)


def _rpm_content(check, entry, url, data):
    path = os.path.join(check.work, entry["name"])
    with open(path, "wb") as handle:
        handle.write(data)
    digests = _cmd.run(["rpmkeys", "--checksig", "--nosignature", path], check=False)
    if digests.returncode != 0:
        return check.bad(entry["name"], url, "intact header and payload digests", " ".join(digests.stdout.split()))
    try:
        header = _manifest.rpm_header_sha256(path)
    except FileError:
        header = ""  # reported as the mismatch below
    expected = entry.get("header_sha256") or "?"
    if header != expected:
        return check.bad(entry["name"], url, "header sha256 " + expected, "header sha256 " + header)
    check.verified.append({"artifact": entry["name"], "where": url, "sha256": sha256(data), "header_sha256": header})
    return None


# --- the SBOMs, the manifest, the whole check ------------------------------------------------------

def check_sbom(check, entry, folder):
    sbom = entry.get("sbom")
    if not sbom:
        return None
    path = os.path.join(folder, sbom["name"])
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return check.bad(entry["name"], path, "its SBOM", exc.strerror or str(exc))
    if sha256(data) != sbom["sha256"]:
        return check.bad(entry["name"], path, "sha256 %s (manifest)" % sbom["sha256"], "sha256 " + sha256(data))
    try:
        hashes = _sbom.artifact_hashes(json.loads(data))
    except (ValueError, AttributeError) as exc:
        return check.bad(entry["name"], path, "a CycloneDX BOM", "unreadable JSON (%s)" % exc)
    if hashes != [entry["sha256"]]:
        return check.bad(entry["name"], path, "component SHA-256 " + entry["sha256"], "SHA-256 " + (", ".join(hashes) or "none"))
    check.verified.append({"artifact": entry["name"], "where": path, "sha256": entry["sha256"]})
    return None


def check_place(check, entry, where):
    if len(where.split()) == 3:
        return check_apt(check, entry, where)
    if not re.match(r"^https?://", where):
        return check.bad(entry["name"], where, "an http(s) URL, or URL SUITE COMPONENT", "neither")
    if entry["name"].endswith(".rpm"):
        return check_yum(check, entry, where)
    return check_python(check, entry, where)


def load(path):
    """(the manifest's bytes, as parsed): the signature is checked on these very bytes."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        data = json.loads(raw)
    except OSError as exc:
        raise VerifyError("Manifest '%s' cannot be read: %s." % (path, exc.strerror or exc))
    except ValueError as exc:
        raise VerifyError("Manifest '%s' is not JSON: %s." % (path, exc))
    if not isinstance(data, dict) or not isinstance(data.get("artifacts"), list):
        raise VerifyError("Manifest '%s' has no list of artifacts: give a release manifest (release_manifest)." % path)
    return raw, data


def verify(manifest, keys, signature=None, fingerprint="", timeout=30.0, sbom=True):
    """The report of a release that matches its manifest; raises VerifyFailed listing every mismatch."""
    raw, data = load(manifest)
    signature = signature or manifest + ".asc"
    with tempfile.TemporaryDirectory(prefix="pkgops-verify-") as work:
        check = Check(keyring(keys, work), work, timeout)
        if not os.path.isfile(signature):
            check.bad("the manifest", signature, "a detached signature", "no such file")
        else:
            parsed = os.path.join(work, "manifest.json")  # the bytes parsed above, not the file as it may be now
            with open(parsed, "wb") as handle:
                handle.write(raw)
            why = gpgv(check.keyring, signature, parsed, fingerprint)
            if why:
                check.bad("the manifest", signature, "a good signature by the release key", why)
        for entry in data["artifacts"]:
            for where in entry.get("published") or []:
                check_place(check, entry, where)
            if sbom:
                check_sbom(check, entry, os.path.dirname(os.path.abspath(manifest)))
    if check.mismatches:
        raise VerifyFailed(manifest, check.mismatches)
    return {"name": data.get("name"), "version": data.get("version"), "artifacts": len(data["artifacts"]),
            "verified": check.verified, "skipped": check.skipped}
