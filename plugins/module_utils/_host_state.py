# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A host's stamp of what a role last set up, and the one read-only check that the host still holds it.

A role records, at the end of a successful run, the digest of its inputs (computed on the controller), the
sha256 of the files it wrote (or their absence), the installed version of its package and its units' states.
The check compares all of that with the host as it is now, and asks the health URL; only when everything
holds is the host confirmed, and the role can skip its tasks.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error

from ansible.module_utils.urls import ConnectionError as UrlError, open_url
from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils import _files

FORMAT = 1
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")


class StateError(ValueError):
    """A stamp that cannot be read or written, or an option that cannot be used."""


def stamp_path(directory, name):
    """Where the stamp ``name`` lives under ``directory``."""
    if not NAME_RE.match(name or ""):
        raise StateError("Stamp name '%s' is not usable as a file name: use letters, digits and . _ @ + -." % name)
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise StateError("Stamp directory '%s' is a file, not a directory: remove it or give another dir." % directory)
    return os.path.join(directory, name + ".json")


def read_stamp(path):
    """The stamp at ``path`` (a dict), or None when there is none or it is not a stamp of this format."""
    try:
        raw = _files.read_bytes(path)
    except _files.FileError as exc:
        raise StateError(str(exc))
    if raw is None:
        return None
    try:
        stamp = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(stamp, dict) or stamp.get("format") != FORMAT:
        return None
    return stamp


def file_digests(paths):
    """{path: sha256, or None when the file does not exist}."""
    digests = {}
    for path in paths:
        if os.path.isdir(path):
            raise StateError("Path '%s' is a directory: give the files the role writes, not their directory." % path)
        try:
            digests[path] = _files.sha256_of(path)
        except FileNotFoundError:
            digests[path] = None
        except OSError as exc:
            raise StateError("File '%s' cannot be read to take its sha256: %s; run as a user who can read it."
                             % (path, exc.strerror))
    return digests


def package_manager(wanted="auto"):
    """'dpkg' or 'rpm': the one asked for, or for 'auto' the one found on this host."""
    if wanted != "auto":
        return wanted
    for manager, program in (("dpkg", "dpkg-query"), ("rpm", "rpm")):
        try:
            _cmd.find(program)
            return manager
        except _cmd.MissingCommand:
            continue
    raise StateError("Neither dpkg-query nor rpm is installed: set package_manager, or leave package empty.")


def installed_version(package, manager):
    """The installed version of ``package`` (dpkg: [epoch:]version-revision; rpm: version-release), '' if none."""
    if manager == "dpkg":
        argv = ["dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}", package]
    else:
        argv = ["rpm", "-q", "--qf", "installed %{VERSION}-%{RELEASE}", package]
    try:
        result = _cmd.run(argv, check=False)
    except _cmd.CommandError as exc:
        raise StateError("The installed version of %s cannot be read: %s" % (package, exc))
    status, _sep, version = result.stdout.strip().partition(" ")
    if result.returncode != 0 or status != "installed":
        return ""
    return version.strip()


def parse_systemctl_show(text):
    """The blocks of ``systemctl show -p Id,...`` for several units: [{property: value}], in order."""
    blocks, current = [], {}
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                blocks.append(current)
            current = {}
            continue
        key, _sep, value = line.partition("=")
        current[key] = value
    return blocks


def unit_states(units):
    """{unit: {'active': ActiveState, 'enabled': UnitFileState, 'load': LoadState}} in one systemctl call."""
    if not units:
        return {}
    argv = ["systemctl", "show", "--no-pager", "-p", "LoadState,ActiveState,UnitFileState"] + list(units)
    try:
        result = _cmd.run(argv, check=True, what="reading the units' states")
    except _cmd.CommandError as exc:
        raise StateError("The states of the units %s cannot be read: %s" % (", ".join(units), exc))
    blocks = parse_systemctl_show(result.stdout)
    if len(blocks) != len(units):
        raise StateError("systemctl show returned %d blocks for the %d units %s; expected one each."
                         % (len(blocks), len(units), ", ".join(units)))
    return {unit: {"load": block.get("LoadState", ""), "active": block.get("ActiveState", ""),
                   "enabled": block.get("UnitFileState", "")} for unit, block in zip(units, blocks)}


def unit_reasons(states, active, enabled):
    """Why the units are not as wanted (``active``/``enabled`` True, False, or None for either)."""
    reasons = []
    for unit, state in states.items():
        if state["load"] != "loaded":
            reasons.append("unit %s is not loaded (%s)" % (unit, state["load"] or "unknown"))
            continue
        if active is not None and (state["active"] == "active") != active:
            reasons.append("unit %s is %s, wanted %s" % (unit, state["active"], "active" if active else "inactive"))
        if enabled is not None and (state["enabled"] in ("enabled", "enabled-runtime", "static", "alias")) != enabled:
            wanted = "enabled" if enabled else "disabled"
            reasons.append("unit %s is %s at boot, wanted %s" % (unit, state["enabled"] or "unknown", wanted))
    return reasons


def health_reason(url, contains="", timeout=5):
    """None when ``url`` answers 2xx (with ``contains`` in its body when given), else why not."""
    try:
        with open_url(url, timeout=timeout) as response:
            status = response.status
            body = response.read(1 << 20).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return "health URL %s answered HTTP %s" % (url, exc.code)
    except (urllib.error.URLError, UrlError, OSError, ValueError) as exc:
        return "health URL %s did not answer: %s" % (url, getattr(exc, "reason", None) or exc)
    if not 200 <= status < 300:
        return "health URL %s answered HTTP %s" % (url, status)
    if contains and contains not in body:
        return "health URL %s answered without %r in its body" % (url, contains)
    return None


def observe(files, package, manager, units):
    """What the host holds now: the files' digests, the package's installed version, the units' states."""
    observed = {"files": file_digests(files), "package": None, "units": unit_states(units)}
    if package:
        observed["package"] = {"name": package, "version": installed_version(package, package_manager(manager))}
    return observed


def compare(stamp, inputs, observed, version=""):
    """Why the host no longer holds what ``stamp`` recorded (an empty list: it does)."""
    if stamp is None:
        return ["no stamp of an earlier run"]
    reasons = []
    if stamp.get("inputs") != inputs:
        reasons.append("the role's inputs changed")
    recorded_files = stamp.get("files") or {}
    for path, digest in observed["files"].items():
        if path not in recorded_files:
            reasons.append("file %s was not recorded" % path)
        elif recorded_files[path] != digest:
            reasons.append("file %s %s" % (path, "is gone" if digest is None else "changed"
                                           if recorded_files[path] is not None else "appeared"))
    pkg = observed["package"]
    if pkg is not None:
        recorded = (stamp.get("package") or {}).get("version")
        if not pkg["version"]:
            reasons.append("package %s is not installed" % pkg["name"])
        elif version and pkg["version"] != version:
            reasons.append("package %s is at %s, wanted %s" % (pkg["name"], pkg["version"], version))
        elif pkg["version"] != recorded:
            reasons.append("package %s is at %s, recorded %s" % (pkg["name"], pkg["version"], recorded))
    return reasons


def check(path, inputs, files=(), package="", manager="auto", version="", units=(), active=None, enabled=None,
          health_url="", health_contains="", health_timeout=5):
    """(confirmed, reasons, stamp): one read-only look at the host against its stamp."""
    stamp = read_stamp(path)
    observed = observe(files, package, manager, ())
    reasons = compare(stamp, inputs, observed, version)
    try:  # a host whose systemd cannot answer is not confirmed: the role's own tasks then say what is wrong
        reasons.extend(unit_reasons(unit_states(units), active, enabled))
    except StateError as exc:
        reasons.append(str(exc))
    if health_url and not reasons:  # an unconfirmed host runs the role anyway: no need to wait for its URL
        reason = health_reason(health_url, health_contains, health_timeout)
        if reason:
            reasons.append(reason)
    return not reasons, reasons, stamp


def new_stamp(name, inputs, files=(), package="", manager="auto", data=None):
    """The stamp of the host as it is now, after a successful run of the role."""
    observed = observe(files, package, manager, ())
    if observed["package"] is not None and not observed["package"]["version"]:
        raise StateError("Package %s is not installed: record the host's state after the role installed it." % package)
    return {"format": FORMAT, "name": name, "inputs": inputs, "files": observed["files"],
            "package": observed["package"], "data": data or {}}


def dump(stamp):
    """The stamp's text: stable, so an unchanged stamp is an unchanged file."""
    return json.dumps(stamp, indent=2, sort_keys=True) + "\n"
