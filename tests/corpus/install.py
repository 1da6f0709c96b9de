# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Install the corpus's packages in the test images and use them, with the distributions' own tools.

One container per format (``localhost/pkgops-debian12`` for .deb, ``localhost/pkgops-el9`` for
.rpm, see containers/README.md) takes each project's package in turn: ``apt-get install`` of the
.deb (its dependencies from the Debian mirror the image was made from) or ``dnf install`` of the
.rpm (no repositories: the EL-family stand-in provides only its base system, so a runtime
dependency it lacks is reported as such), then every top-level module the package ships is
imported with the image's python3 and every command it puts in /usr/bin runs with ``--help``
(or, when that fails, ``--version``); then the package is removed again (``apt-get purge``,
``dnf remove``), so that each project is tried on its own. What is imported and run comes
from the package's file list as dpkg-deb and rpm read it, not from the collection's code.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import subprocess
import typing as t

IMAGES = {"deb": ("localhost/pkgops-debian12", "pkgops-corpus-debian"),
          "rpm": ("localhost/pkgops-el9", "pkgops-corpus-el")}
SITE = {"deb": "usr/lib/python3/dist-packages/", "rpm": "usr/lib/python3.11/site-packages/"}


@dataclasses.dataclass
class Use:
    """What installing one package and using it showed."""
    install: str = ""  # "ok", "lacks DEPENDENCY" (EL image), or the error
    imports: t.List[t.Tuple[str, str]] = dataclasses.field(default_factory=list)  # (module, "" or error)
    scripts: t.List[t.Tuple[str, str]] = dataclasses.field(default_factory=list)  # (command, "" or error)
    removed: str = ""  # "ok" or the error
    seconds: float = 0.0

    @property
    def lacking(self):
        return self.install.startswith("lacks ")

    @property
    def failed(self):
        """A failure of the package itself (a dependency the EL stand-in lacks is not one)."""
        if self.lacking:
            return False
        return self.install != "ok" or self.removed != "ok" or any(error for _name, error in self.imports + self.scripts)

    def summary(self):
        if self.install != "ok":
            return self.install
        bad = ["import %s: %s" % (m, e) for m, e in self.imports if e] + ["%s: %s" % (s, e) for s, e in self.scripts if e]
        if self.removed != "ok":
            bad.append("remove: " + self.removed)
        return "; ".join(bad) or "ok"


def package_files(path):
    """The paths a .deb or .rpm installs, read by dpkg-deb or rpm (without a leading slash)."""
    if path.endswith(".deb"):
        out = subprocess.run(["dpkg-deb", "-c", path], capture_output=True, text=True, check=True).stdout
        return [line.split(None, 5)[5].split(" -> ")[0].lstrip("./") for line in out.splitlines() if line.strip()]
    out = subprocess.run(["rpm", "-qpl", "--nosignature", path], capture_output=True, text=True, check=True).stdout
    return [line.lstrip("/") for line in out.splitlines() if line.startswith("/")]


def package_name(path):
    if path.endswith(".deb"):
        cmd = ["dpkg-deb", "-f", path, "Package"]
    else:
        cmd = ["rpm", "-qp", "--nosignature", "--qf", "%{NAME}", path]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def modules_and_commands(files, site):
    """(modules to import, commands to run): each top-level module or package the list installs under
    ``site`` (for a namespace package, the packages inside it), and each file in usr/bin/."""
    under = [f[len(site):] for f in files if f.startswith(site)]
    inits = {f.rsplit("/", 1)[0] for f in under if f.endswith("/__init__.py")}
    modules = set()
    for rel in under:
        parts = rel.split("/")
        top = parts[0]
        if top.endswith((".dist-info", ".egg-info")) or top == "__pycache__" or not top.isidentifier() and not top.endswith(".py"):
            continue
        if len(parts) == 1:
            if top.endswith(".py") and top[:-3].isidentifier():
                modules.add(top[:-3])
        elif top in inits:
            modules.add(top)
        elif len(parts) >= 3 and "/".join(parts[:2]) in inits:  # a namespace package: its packages
            modules.add("%s.%s" % (top, parts[1]))
    commands = sorted({os.path.basename(f) for f in files if f.startswith("usr/bin/") and f != "usr/bin/"})
    return sorted(modules), commands


class Box:
    """A running container of one of the test images, for one format."""

    def __init__(self, fmt, pkgdir):
        self.fmt = fmt
        # the project's podman configuration (containers/README.md), as every script of the test bed passes it
        os.environ.setdefault("CONTAINERS_CONF", os.path.join(os.path.dirname(__file__), "..", "..", "containers", "containers.conf"))
        image, self.name = IMAGES[fmt]
        subprocess.run(["podman", "rm", "-f", self.name], capture_output=True, check=False)
        subprocess.run(["podman", "run", "-d", "--rm", "--systemd=false", "--name", self.name,
                        "-v", "%s:/corpus:ro" % pkgdir, image, "sleep", "infinity"],
                       capture_output=True, text=True, check=True)
        if fmt == "deb":  # the image keeps no apt lists: the dependencies come from the mirror it was made from
            rc, out = self.sh("apt-get update -q")
            if rc:
                raise RuntimeError("apt-get update failed in %s:\n%s" % (self.name, out))

    def sh(self, script, timeout=600):
        proc = subprocess.run(["podman", "exec", "-e", "DEBIAN_FRONTEND=noninteractive", self.name, "sh", "-c", script],
                              capture_output=True, text=True, timeout=timeout, check=False)
        return proc.returncode, (proc.stdout + proc.stderr).strip()

    def close(self):
        subprocess.run(["podman", "rm", "-f", "-t", "0", self.name], capture_output=True, check=False)

    def install(self, inside):
        if self.fmt == "deb":
            rc, out = self.sh("apt-get install -y -q --no-install-recommends %s" % shlex.quote(inside))
        else:
            rc, out = self.sh("dnf install -y -q --disablerepo='*' %s" % shlex.quote(inside))
        if rc == 0:
            return "ok"
        lacking = [name.lstrip("(") for name in re.findall(r"nothing provides (\S+)", out)]  # rich deps start with "("
        if self.fmt == "rpm" and lacking:
            return "lacks " + ", ".join(sorted(set(lacking)))
        return last_lines(out)

    def remove(self, name):
        cmd = "apt-get purge -y -q %s" if self.fmt == "deb" else "dnf remove -y -q %s"
        rc, out = self.sh(cmd % shlex.quote(name))
        if rc:
            return last_lines(out)
        rc, out = self.sh(("dpkg -s %s" if self.fmt == "deb" else "rpm -q %s") % shlex.quote(name))
        return "ok" if rc else "still installed after removal"


def last_lines(out, n=3):
    lines = [line for line in out.splitlines() if line.strip()]
    return " / ".join(lines[-n:]) or "(no output)"


def try_package(box, path, inside):
    """Install the package at host ``path`` (``inside`` in the container), use it, remove it."""
    use = Use()
    use.install = box.install(inside)
    if use.install != "ok":
        return use
    modules, commands = modules_and_commands(package_files(path), SITE[box.fmt])
    for module in modules:
        rc, out = box.sh("cd / && python3 -c %s" % shlex.quote("import " + module))
        use.imports.append((module, last_lines(out, 1) if rc else ""))
    for command in commands:
        rc, out = box.sh("cd / && %s --help >/dev/null 2>&1 || %s --version" % (shlex.quote(command), shlex.quote(command)),
                         timeout=60)
        use.scripts.append((command, last_lines(out, 1) if rc else ""))
    use.removed = box.remove(package_name(path))
    return use
