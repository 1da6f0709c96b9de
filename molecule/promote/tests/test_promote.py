"""After promote.yml: the stable repositories serve the testing ones' bytes, the targets installed from them, pip
installs from both stable Python indexes, and the manifest lists the promotions, signed."""
import base64
import hashlib
import json
import os
import re
import subprocess

import pytest
import testinfra
import yaml


def _hosts():
    with open(os.environ["MOLECULE_INVENTORY_FILE"], encoding="utf-8") as handle:
        return sorted(yaml.safe_load(handle)["all"]["hosts"])


REPO = next(h for h in _hosts() if h.endswith("-repo"))
DEBIAN = next(h for h in _hosts() if h.endswith("-debian"))
EL = next(h for h in _hosts() if h.endswith("-el"))
MANIFEST = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "hello-world-1.0.0.manifest.json")
SHA256SUM = "sha256sum %s | cut -d' ' -f1"
FETCH = "python3 -c \"import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())\" %s"


def repo():
    return testinfra.get_host("podman://" + REPO)


def stanza(host, codename, package):
    text = host.file("/srv/pkgops/apt/current/public/dists/%s/main/binary-amd64/Packages" % codename).content_string
    found = [block for block in text.split("\n\n") if re.search(r"^Package: %s$" % package, block, re.M)]
    assert len(found) == 1, text
    return dict(re.findall(r"^(Filename|SHA256|Version): (.*)$", found[0], re.M))


def test_the_stable_apt_suite_lists_the_testing_suites_files():
    host = repo()
    stable, testing = stanza(host, "bookworm", "hello-world"), stanza(host, "bookworm-testing", "hello-world")
    assert stable == testing and stable["Version"] == "1.0.0-1"
    assert host.check_output(SHA256SUM % ("/srv/pkgops/apt/current/public/" + stable["Filename"])) == stable["SHA256"]


def test_the_stable_yum_repository_serves_the_testing_rpms_byte_for_byte():
    host = repo()
    names = sorted(host.file("/srv/pkgops/yum-testing/current/packages").listdir())
    assert "hello-world-1.0.0-1.noarch.rpm" in names
    for name in names:
        assert host.check_output(SHA256SUM % ("/srv/pkgops/yum/current/packages/" + name)) == \
            host.check_output(SHA256SUM % ("/srv/pkgops/yum-testing/current/packages/" + name))


def simple_links(host, url):
    return dict(re.findall(r'href="[^"#]*?([^"/#]+)#sha256=([0-9a-f]{64})"', host.check_output(FETCH % url)))


def test_the_stable_python_indexes_list_the_testing_files_with_their_sha256():
    host = repo()
    static = simple_links(host, "http://127.0.0.1:8080/simple/hello-world/")
    assert sorted(static) == ["hello-world-1.0.0.tar.gz", "hello_world-1.0.0-py3-none-any.whl"]
    for name, digest in static.items():
        assert host.check_output(SHA256SUM % ("/srv/pkgops/pypi-testing/packages/hello-world/" + name)) == digest
    stable = simple_links(host, "http://127.0.0.1:3141/uploader/stable/+simple/hello-world/")
    assert stable == simple_links(host, "http://127.0.0.1:3141/uploader/testing/+simple/hello-world/") == static


def test_the_debian_target_installed_from_the_stable_suite():
    host = testinfra.get_host("podman://" + DEBIAN)
    assert host.package("hello-world").version == "1.0.0-1"
    policy = host.check_output("apt-cache policy hello-world")
    assert "http://%s:8081 bookworm/main" % REPO in policy, policy
    assert host.check_output("hello-world --version") == "hello-world 1.0.0"


def test_the_el_target_installed_the_signed_rpm_from_the_stable_repository():
    host = testinfra.get_host("podman://" + EL)
    assert host.check_output("rpm -q --qf '%{VERSION}-%{RELEASE}' hello-world") == "1.0.0-1"
    repo_file = host.file("/etc/yum.repos.d/pkgops.repo").content_string
    assert "baseurl = http://%s:8083" % REPO in repo_file and "gpgcheck = 1" in repo_file
    sig = host.check_output("rpm -qi hello-world | grep '^Signature'")
    assert "Key ID" in sig and "(none)" not in sig, sig


@pytest.mark.parametrize("index", ["http://%s:8080/simple/" % REPO, "http://%s:3141/uploader/stable/+simple/" % REPO])
def test_pip_installs_from_the_stable_index(index):
    host = testinfra.get_host("podman://" + DEBIAN)
    venv = "/tmp/venv-" + hashlib.sha256(index.encode()).hexdigest()[:8]
    host.run("rm -rf %s" % venv)
    host.check_output("python3 -m venv %s" % venv)
    out = host.run("%s/bin/pip install --isolated --no-cache-dir --trusted-host %s -i %s hello-world==1.0.0"
                   % (venv, REPO, index))
    assert out.rc == 0, out.stdout + out.stderr
    assert host.check_output("%s/bin/hello-world --version" % venv) == "hello-world 1.0.0"


def test_the_manifest_lists_the_promotions_and_gpgv_accepts_its_signature(tmp_path):
    with open(MANIFEST, encoding="utf-8") as handle:
        data = json.load(handle)
    records = {r["type"]: r for r in data["promotions"]}
    assert sorted(records) == ["apt", "devpi", "pypi", "yum"] and len(data["promotions"]) == 4
    assert (records["apt"]["from"], records["apt"]["to"]) == ("bookworm-testing", "bookworm")
    assert (records["yum"]["from"], records["yum"]["to"]) == ("/srv/pkgops/yum-testing", "/srv/pkgops/yum")
    assert (records["pypi"]["from"], records["pypi"]["to"]) == ("/srv/pkgops/pypi-testing", "/srv/pkgops/pypi")
    assert (records["devpi"]["from"], records["devpi"]["to"]) == ("uploader/testing", "uploader/stable")
    built = {a["name"]: a["sha256"] for a in data["artifacts"]}
    for kind in ("apt", "pypi", "devpi"):  # the same bytes as built (a yum repository signs its RPMs)
        matched = [e for e in records[kind]["files"] if e["filename"] in built]
        assert matched and all(built[e["filename"]] == e["sha256"] for e in matched), (kind, records[kind])
    host = repo()
    for entry in records["yum"]["files"]:
        assert host.check_output(SHA256SUM % ("/srv/pkgops/yum/current/packages/" + entry["filename"])) == \
            entry["sha256"]
    keyring = tmp_path / "archive-keyring.gpg"
    keyring.write_bytes(base64.b64decode(
        host.check_output("base64 -w0 /srv/pkgops/apt/current/public/archive-keyring.gpg")))
    proc = subprocess.run(["gpgv", "--keyring", str(keyring), MANIFEST + ".asc", MANIFEST],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "Good signature" in proc.stderr, proc.stderr
