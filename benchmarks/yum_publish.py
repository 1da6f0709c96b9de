# SPDX-License-Identifier: GPL-3.0-or-later
"""Publish one RPM into yum repositories of N packages: repo_publish against bare createrepo_c.

repo_publish's yum path (plan + apply: sign the RPM with rpmsign and check it with rpmkeys, a
new generation, createrepo_c --update reusing the old metadata, repomd.xml signed and
verified, the switch) against the bare steps on a plain repository with the same packages:
rpmsign, copy, createrepo_c --update, gpg --detach-sign of repomd.xml. Prints the median of
--runs runs and the ratio. The N small RPMs come from one rpmbuild of a spec with a thousand
subpackages per batch, cached under ~/.cache/pkgops-release/bench-rpms.

Run from a checkout after scripts/setup.sh:
    .venv/bin/python benchmarks/yum_publish.py [--sizes 1000,10000] [--runs 5]
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, ".venv", "collections"))

from ansible_collections.pkgops.release.plugins.module_utils import _repo_base, _yum_repo as yum  # noqa: E402

CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "pkgops-release", "bench-rpms")
BATCH = 1000


def batch(index):
    """A thousand small noarch RPMs (bench<index>-NNNN), built once and cached."""
    out = os.path.join(CACHE, "batch%02d" % index)
    if os.path.isfile(os.path.join(out, ".done")):
        return sorted(glob.glob(os.path.join(out, "*.rpm")))
    with tempfile.TemporaryDirectory(prefix="pkgops-bench-rpm-") as work:
        parts = ["Name: bench%02d\nVersion: 1.0\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\n\n"
                 "%%description\nbench\n" % index]
        for i in range(BATCH):
            name = "bench%02d-%04d" % (index, i)
            parts.append("%%package -n %s\nSummary: bench\n\n%%description -n %s\nbench\n\n%%files -n %s\n"
                         "/usr/share/bench/%s\n" % (name, name, name, name))
        parts.append("%%install\nmkdir -p %%{buildroot}/usr/share/bench\nfor i in $(seq -f '%%04g' 0 %d); do "
                     "echo $i > %%{buildroot}/usr/share/bench/bench%02d-$i; done\n\n%%files\n" % (BATCH - 1, index))
        spec = os.path.join(work, "bench.spec")
        with open(spec, "w", encoding="utf-8") as handle:
            handle.write("\n".join(parts))
        subprocess.run(["rpmbuild", "-bb", "--nodeps", "--define", "_topdir %s" % work, "--define",
                        "_dbpath %s/db" % work, "--define", "_binary_payload w1.gzdio", spec],
                       check=True, capture_output=True)
        os.makedirs(out, exist_ok=True)
        for path in glob.glob(os.path.join(work, "RPMS", "noarch", "bench*-*.rpm")):
            if os.path.basename(path).startswith("bench%02d-1.0" % index):
                continue  # the empty main package
            shutil.copy(path, out)
        open(os.path.join(out, ".done"), "w").close()
    return sorted(glob.glob(os.path.join(out, "*.rpm")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("%8s  %14s  %14s  %6s" % ("packages", "repo_publish s", "bare s", "ratio"))
    for size in [int(s) for s in args.sizes.split(",")]:
        files = [f for i in range(size // BATCH) for f in batch(i)]
        new = batch(90)[:args.runs * 2]
        with tempfile.TemporaryDirectory(prefix="pkgops-bench-yum-") as work:
            cfg = yum.Config(root=os.path.join(work, "managed"))
            signer = yum._sign
            yum._sign = lambda *a: None  # the pre-fill is not measured: skip signing 10,000 packages
            yum.apply(cfg, yum.plan(cfg, files))
            yum._sign = signer
            bare = os.path.join(work, "bare")
            os.makedirs(bare)
            for path in files:
                os.link(path, os.path.join(bare, os.path.basename(path)))
            subprocess.run(["createrepo_c", "--quiet", "--no-database", "--workers", "2", bare], check=True)
            home = _repo_base.gnupg_home(cfg.root)
            fpr = _repo_base.secret_keys(cfg.root)[0][0]
            ours, theirs = [], []
            for run in range(args.runs):
                started = time.monotonic()
                yum.apply(cfg, yum.plan(cfg, [new[2 * run]]))
                ours.append(time.monotonic() - started)
                started = time.monotonic()
                dest = os.path.join(bare, os.path.basename(new[2 * run + 1]))
                shutil.copy(new[2 * run + 1], dest)
                subprocess.run(["rpmsign", "--addsign", "--define", "_gpg_path %s" % home, "--define",
                                "_gpg_name %s" % fpr, "--define", "__gpg /usr/bin/gpg", dest], check=True,
                               capture_output=True)
                subprocess.run(["createrepo_c", "--quiet", "--update", "--no-database", "--workers", "2", bare],
                               check=True)
                subprocess.run(["gpg", "--batch", "--yes", "--homedir", home, "--armor", "--detach-sign",
                                "--local-user", fpr, "--output", bare + "/repodata/repomd.xml.asc",
                                bare + "/repodata/repomd.xml"], check=True, capture_output=True)
                theirs.append(time.monotonic() - started)
            assert len(yum.holdings(cfg.root)) == size + args.runs
            mine, bare_t = statistics.median(ours), statistics.median(theirs)
            print("%8d  %14.3f  %14.3f  %6.1f" % (size, mine, bare_t, mine / bare_t))


if __name__ == "__main__":
    main()
