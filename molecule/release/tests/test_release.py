"""The release on the build host: its annotated tag, and a manifest that names every artifact truly."""
import hashlib
import json
import os
import subprocess

testinfra_hosts = ["local://"]
WORK = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
PROJECT = os.path.join(WORK, "hello-world")
with open(os.path.join(WORK, "expected-version"), encoding="utf-8") as _f:
    EXPECTED = _f.read().strip()


def _git(*args):
    return subprocess.run(["git", "-C", PROJECT] + list(args), check=True, capture_output=True, text=True).stdout.strip()


def test_the_release_is_committed_and_tagged():
    assert _git("cat-file", "-t", "v" + EXPECTED) == "tag"
    assert _git("rev-parse", "v%s^{commit}" % EXPECTED) == _git("rev-parse", "HEAD" if EXPECTED == "1.0.0" else "HEAD~1")
    assert 'version = "%s"' % EXPECTED in _git("show", "v%s:pyproject.toml" % EXPECTED)


def test_the_manifest_names_every_artifact_truly():
    with open(os.path.join(PROJECT, "dist", "hello-world-%s.manifest.json" % EXPECTED), encoding="utf-8") as handle:
        manifest = json.load(handle)
    assert (manifest["version"], manifest["tag"]) == (EXPECTED, "v" + EXPECTED)
    assert manifest["commit"] == _git("rev-parse", "v%s^{commit}" % EXPECTED)
    assert set(manifest["steps"]) == {"version", "build", "publish", "deploy"}
    names = {a["name"]: a for a in manifest["artifacts"]}
    for name in ("hello-world-%s.tar.gz" % EXPECTED, "hello_world-%s-py3-none-any.whl" % EXPECTED,
                 "hello-world_%s-1_all.deb" % EXPECTED, "hello-world-%s-1.noarch.rpm" % EXPECTED):
        assert name in names
    for art in manifest["artifacts"]:
        kind = "python" if art["name"].endswith((".whl", ".tar.gz")) and "orig" not in art["name"] else (
            "rpm" if ".rpm" in art["name"] else "deb")
        with open(os.path.join(PROJECT, "dist", kind, art["name"]), "rb") as handle:
            data = handle.read()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (art["sha256"], art["size"])
        assert art["published"] and all(p.startswith("http://pkgops-release-repo:") for p in art["published"])
