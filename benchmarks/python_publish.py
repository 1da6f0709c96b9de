# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the example's sdist and wheel, and publish them to the three kinds of Python index.

Prints the median of --runs runs of: the reproducible build (python_dist's path: build,
normalize, twine check), a publish into a fresh static PEP 503 index (repo_publish type=pypi),
and twine uploads (repo_publish type=devpi / pypiserver: lookup, then upload) to a devpi-server
and a pypiserver started here from the wheelhouse scripts/setup.sh downloads.

Run from a checkout after scripts/setup.sh:
    .venv/bin/python benchmarks/python_publish.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, ".venv", "collections"))

from ansible_collections.pkgops.release.plugins.module_utils import _pydist, _pypi_index, _pypi_upload  # noqa: E402

WHEELHOUSE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "pkgops-release",
                          "index-servers")
TWINE = os.path.join(ROOT, ".venv", "bin", "twine")


def wait(url, seconds=60):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _attempt in range(seconds * 4):
        try:
            opener.open(url, timeout=2)
            return
        except OSError:
            time.sleep(0.25)
    raise SystemExit("%s did not answer" % url)


def servers(work):
    """Start devpi-server (port 3198) and pypiserver (8098) in venvs from the wheelhouse."""
    venv = os.path.join(work, "venv")
    subprocess.run(["/usr/bin/python3", "-m", "venv", venv], check=True)
    subprocess.run([venv + "/bin/pip", "install", "-q", "--no-index", "--find-links", WHEELHOUSE,
                    "devpi-server==6.20.3", "pypiserver[passlib]==2.4.2"], check=True)
    secret = os.path.join(work, "secret", "s")
    os.makedirs(os.path.dirname(secret), mode=0o700)
    subprocess.run([venv + "/bin/devpi-gen-secret", "--secretfile", secret], check=True, capture_output=True)
    subprocess.run([venv + "/bin/devpi-init", "--serverdir", work + "/devpi", "--no-root-pypi", "--root-passwd", "r"],
                   check=True, capture_output=True)
    subprocess.run([venv + "/bin/python", "-c", "import sys; from passlib.apache import HtpasswdFile; "
                    "h = HtpasswdFile(sys.argv[1], new=True); h.set_password('uploader', 'pw'); h.save()",
                    work + "/htpasswd"], check=True)
    os.makedirs(work + "/packages")
    procs = [subprocess.Popen([venv + "/bin/devpi-server", "--serverdir", work + "/devpi", "--port", "3198",
                               "--secretfile", secret], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             subprocess.Popen([venv + "/bin/pypi-server", "run", "--disable-fallback", "-p", "8098", "-P",
                               work + "/htpasswd", "-a", "update", work + "/packages"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    wait("http://127.0.0.1:3198/+api")
    wait("http://127.0.0.1:8098/simple/")
    return procs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = {"build": [], "static index": [], "devpi upload": [], "pypiserver upload": []}
    with tempfile.TemporaryDirectory(prefix="pkgops-bench-py-") as work:
        procs = servers(work)
        try:
            for run in range(args.runs):
                out = os.path.join(work, "dist%d" % run)
                started = time.monotonic()
                arts = _pydist.build(os.path.join(ROOT, "examples", "hello-world"), out, 1764028800)
                times["build"].append(time.monotonic() - started)
                files = [a.path for a in arts]
                index = os.path.join(work, "index%d" % run)
                started = time.monotonic()
                _pypi_index.apply(index, _pypi_index.plan(index, files))
                times["static index"].append(time.monotonic() - started)
                user = "u%d" % run
                _pypi_upload.devpi_account("http://127.0.0.1:3198", "r", user, "pw", "dev")
                for name, url, simple, who in (
                        ("devpi upload", "http://127.0.0.1:3198/%s/dev/" % user,
                         "http://127.0.0.1:3198/%s/dev/+simple/" % user, user),
                        ("pypiserver upload", "http://127.0.0.1:8098/", "http://127.0.0.1:8098/simple/", "uploader")):
                    if name == "pypiserver upload":
                        shutil.rmtree(os.path.join(work, "packages"))
                        os.makedirs(os.path.join(work, "packages"))
                    started = time.monotonic()
                    change = _pypi_upload.plan(files, simple)
                    _pypi_upload.upload(change.add, url, who, "pw", TWINE)
                    times[name].append(time.monotonic() - started)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait()
    for name, values in times.items():
        print("%-18s %7.3f s  (median of %d)" % (name, statistics.median(values), len(values)))


if __name__ == "__main__":
    main()
