# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The systemd unit a service package ships, and the sysusers.d line for its user.

One renderer for the .deb and the .rpm: the packages differ only in where the optional
EnvironmentFile lives (/etc/default on Debian, /etc/sysconfig on EL). Host settings (bind
address, port) belong in that file or in a drop-in, never in the packaged unit.

The hardening is what the test bed showed to work inside containers as well as on hosts:
``DynamicUser=yes`` and ``PrivateUsers=yes`` fail there (226/NAMESPACE), so the service runs
as a fixed system user created from the package's sysusers.d file.
"""

from __future__ import annotations

import dataclasses
import typing as t

HARDENING = (
    ("NoNewPrivileges", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"),
    ("PrivateDevices", "yes"),
    ("ProtectKernelTunables", "yes"),
    ("ProtectKernelModules", "yes"),
    ("ProtectKernelLogs", "yes"),
    ("ProtectControlGroups", "yes"),
    ("ProtectClock", "yes"),
    ("ProtectHostname", "yes"),
    ("ProtectProc", "invisible"),
    ("ProcSubset", "pid"),
    ("RestrictNamespaces", "yes"),
    ("RestrictRealtime", "yes"),
    ("RestrictSUIDSGID", "yes"),
    ("RemoveIPC", "yes"),
    ("LockPersonality", "yes"),
    ("MemoryDenyWriteExecute", "yes"),
    ("CapabilityBoundingSet", ""),
    ("AmbientCapabilities", ""),
    ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
    ("SystemCallArchitectures", "native"),
    ("SystemCallFilter", "@system-service"),
    ("SystemCallFilter", "~@privileged @resources"),
    ("UMask", "0077"),
)


@dataclasses.dataclass
class Service:
    name: str  # the unit's and the user's name
    description: str
    command: t.List[str]  # absolute program path first
    environment_file: str = ""  # e.g. /etc/default/NAME; optional ("-" prefix)
    man_page: str = ""  # e.g. NAME(1)
    homepage: str = ""


def unit(service):
    """The unit file text."""
    if not service.command or not service.command[0].startswith("/"):
        raise ValueError("The service's command must start with an absolute path, not %r." % (service.command,))
    docs = []
    if service.man_page:
        docs.append("man:" + service.man_page)
    if service.homepage:
        docs.append(service.homepage)
    lines = ["[Unit]", "Description=%s" % service.description]
    if docs:
        lines.append("Documentation=%s" % " ".join(docs))
    lines += [
        "Wants=network-online.target",
        "After=network.target network-online.target",
        "StartLimitIntervalSec=60",
        "StartLimitBurst=5",
        "",
        "[Service]",
        "Type=exec",
        "User=%s" % service.name,
        "Group=%s" % service.name,
        "StateDirectory=%s" % service.name,
        "WorkingDirectory=/var/lib/%s" % service.name,
    ]
    if service.environment_file:
        lines.append("EnvironmentFile=-%s" % service.environment_file)
    lines += [
        "ExecStart=%s" % " ".join(service.command),
        "StandardOutput=journal",
        "StandardError=journal",
        "SyslogIdentifier=%s" % service.name,
        "Restart=on-failure",
        "RestartSec=2",
    ]
    lines += ["%s=%s" % pair for pair in HARDENING]
    lines += ["", "[Install]", "WantedBy=multi-user.target", ""]
    return "\n".join(lines)


def sysusers(service):
    """The sysusers.d(5) line creating the service's system user and group."""
    return 'u %s - "%s" /var/lib/%s\n' % (service.name, service.name + " service", service.name)
