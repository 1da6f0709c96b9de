# SPDX-License-Identifier: GPL-3.0-or-later
"""Publish one package into apt repositories pre-filled with N small packages.

Prints, for each N, the time of repo_publish's apt path (plan + apply: a new generation with
conf/db copied, dists copied, pool hard-linked, reprepro includedeb, export and signing,
signature verification, the switch) against bare ``reprepro includedeb`` on a plain repository
with the same content and key, the ratio, and whether it meets the goal (--goal, the ratio
repo_publish may cost at most). The median of --runs runs is reported.

Run from a checkout after scripts/setup.sh:
    .venv/bin/python benchmarks/apt_publish.py [--sizes 1000,10000] [--runs 5] [--goal 1.2]
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, ".venv", "collections"))

from ansible_collections.pkgops.release.plugins.module_utils import _apt_repo as apt  # noqa: E402


def _tar_gz(files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as archive:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1764028800
            archive.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def write_deb(folder, name, version):
    """A minimal valid .deb (ar: debian-binary, control.tar.gz, data.tar.gz), written directly:
    dpkg-deb takes ~10 ms a package, which makes 10,000 of them slow to prepare."""
    control = ("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: Bench <bench@example.com>\n"
               "Section: misc\nPriority: optional\nDescription: benchmark package\n filler\n" % (name, version))
    members = [("debian-binary", b"2.0\n"), ("control.tar.gz", _tar_gz([("./control", control.encode())])),
               ("data.tar.gz", _tar_gz([("./usr/share/%s/data" % name, name.encode())]))]
    out = io.BytesIO()
    out.write(b"!<arch>\n")
    for member, data in members:
        out.write(("%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (member, 1764028800, 0, 0, "100644", len(data))).encode())
        out.write(data + (b"\n" if len(data) % 2 else b""))
    path = os.path.join(folder, "%s_%s_all.deb" % (name, version))
    with open(path, "wb") as handle:
        handle.write(out.getvalue())
    return path


def bulk_include(basedir, outdir, gnupghome, files):
    for start in range(0, len(files), 2000):
        subprocess.run(["reprepro", "--silent", "--basedir", basedir, "--outdir", outdir, "--gnupghome", gnupghome,
                        "--export=never", "includedeb", "bookworm"] + files[start:start + 2000], check=True,
                       stderr=subprocess.DEVNULL)
    subprocess.run(["reprepro", "--silent", "--basedir", basedir, "--outdir", outdir, "--gnupghome", gnupghome,
                    "export"], check=True)


def prefill(work, size):
    debs = os.path.join(work, "debs")
    os.makedirs(debs)
    files = [write_deb(debs, "bench%05d" % i, "1.0-1") for i in range(size)]
    cfg = apt.Config(root=os.path.join(work, "managed"), suites=[apt.Suite("bookworm", "stable")])
    apt.apply(cfg, apt.plan(cfg, files[:1]))
    gen = apt.current(cfg.root)
    bulk_include(gen, os.path.join(gen, "public"), apt.gnupg_home(cfg.root), files[1:])
    bare = os.path.join(work, "bare")
    os.makedirs(os.path.join(bare, "conf"))
    shutil.copy(os.path.join(gen, "conf", "distributions"), os.path.join(bare, "conf", "distributions"))
    bulk_include(bare, os.path.join(bare, "public"), apt.gnupg_home(cfg.root), files)
    return cfg, bare


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--goal", type=float, default=1.2, help="the ratio repo_publish may cost at most")
    args = parser.parse_args()
    print("%8s  %10s  %14s  %6s  %s" % ("packages", "reprepro s", "repo_publish s", "ratio", "goal"))
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix="pkgops-bench-apt-") as work:
            started = time.monotonic()
            cfg, bare = prefill(work, size)
            setup = time.monotonic() - started
            new = os.path.join(work, "new")
            os.makedirs(new)
            ours, theirs = [], []
            for run in range(args.runs):
                deb = write_deb(new, "newpkg%02d" % run, "1.0-1")
                started = time.monotonic()
                change = apt.plan(cfg, [deb])
                apt.apply(cfg, change)
                ours.append(time.monotonic() - started)
                started = time.monotonic()
                subprocess.run(["reprepro", "--silent", "--basedir", bare, "--outdir", os.path.join(bare, "public"),
                                "--gnupghome", apt.gnupg_home(cfg.root), "includedeb", "bookworm", deb], check=True)
                theirs.append(time.monotonic() - started)
            assert len(apt.packages(cfg.root, "bookworm")) == size + args.runs
            mine, bare_t = statistics.median(ours), statistics.median(theirs)
            ratio = mine / bare_t
            print("%8d  %10.3f  %14.3f  %6.2f  <= %.2f %s  (setup %.0fs)"
                  % (size, bare_t, mine, ratio, args.goal, "met" if ratio <= args.goal else "NOT met", setup))


if __name__ == "__main__":
    main()
