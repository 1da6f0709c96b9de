"""The index as its clients see it: another host over HTTP by name, and pip on the controller."""
import json
import os
import re
import subprocess
import sys

import yaml


def _hosts():
    with open(os.environ["MOLECULE_INVENTORY_FILE"], encoding="utf-8") as handle:
        return sorted(yaml.safe_load(handle)["all"]["hosts"])


REPO = next(h for h in _hosts() if h.endswith("-repo"))
CLIENT = next(h for h in _hosts() if h.endswith("-el"))
testinfra_hosts = ["podman://" + CLIENT]
URL = "http://%s:8080" % REPO
FETCH = ("python3 -c \"import sys, urllib.request, urllib.error\n"
         "try:\n r = urllib.request.urlopen(sys.argv[1]); print(r.status); sys.stdout.flush(); "
         "sys.stdout.buffer.write(r.read())\n"
         "except urllib.error.HTTPError as e: print(e.code)\" %s")


def fetch(host, url):
    out = host.check_output(FETCH % url)
    status, _sep, body = out.partition("\n")
    return int(status), body


def test_project_page_links_files_with_their_sha256(host):
    status, page = fetch(host, URL + "/simple/hello-world/")
    assert status == 200
    links = re.findall(r'href="([^"#]+)#sha256=([0-9a-f]{64})"', page)
    assert sorted(os.path.basename(href) for href, _digest in links) == [
        "hello-world-1.0.0.tar.gz", "hello_world-1.0.0-py3-none-any.whl"]
    for href, digest in links:
        got = host.check_output("python3 -c \"import hashlib, urllib.request, urllib.parse; "
                                "print(hashlib.sha256(urllib.request.urlopen(urllib.parse.urljoin("
                                "'%s/simple/hello-world/', '%s')).read()).hexdigest())\"" % (URL, href))
        assert got == digest
    assert 'data-requires-python="&gt;=3.9"' in page


def test_only_the_index_is_served(host):
    assert fetch(host, URL + "/simple/")[0] == 200
    assert fetch(host, URL + "/")[0] == 404
    assert fetch(host, URL + "/packages/")[0] in (403, 404)
    assert fetch(host, URL + "/packages/hello-world/")[0] in (403, 404)


def test_pip_on_the_controller_installs_from_it(tmp_path):
    ip = json.loads(subprocess.check_output(["podman", "inspect", REPO]))[0]["NetworkSettings"]["Networks"]
    address = next(iter(ip.values()))["IPAddress"]
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull)
    env.pop("PIP_FIND_LINKS", None)
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    proc = subprocess.run([str(tmp_path / "venv/bin/pip"), "install", "--isolated", "--no-cache-dir",
                           "--trusted-host", address, "-i", "http://%s:8080/simple/" % address, "hello-world==1.0.0"],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "Looking in indexes: http://%s:8080/simple/" % address in out
    assert subprocess.check_output([str(tmp_path / "venv/bin/hello-world"), "--version"], text=True).strip() == \
        "hello-world 1.0.0"
