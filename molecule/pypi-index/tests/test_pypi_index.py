"""The index as its clients see it: another host over HTTP by name, and pip on the controller."""
import json
import os
import re
import shlex
import subprocess
import sys

import pytest
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


TARGET = "podman://" + next(h for h in _hosts() if h.endswith("-debian"))
INDEXES = {
    "static": "http://%s:8080/simple/" % REPO,
    "devpi": "http://%s:3141/uploader/dev/+simple/" % REPO,
    "pypiserver": "http://%s:8082/simple/" % REPO,
}


@pytest.mark.parametrize("index", sorted(INDEXES))
def test_a_fresh_venv_on_another_host_installs_from_each_index(index):
    import testinfra

    host = testinfra.get_host(TARGET)
    venv = "/tmp/venv-%s" % index
    host.run("rm -rf %s" % venv)
    host.check_output("python3 -m venv %s" % venv)
    out = host.run("%s/bin/pip install --isolated --no-cache-dir --trusted-host %s -i %s hello-world==1.0.0"
                   % (venv, REPO, INDEXES[index]))
    assert out.rc == 0, out.stdout + out.stderr
    assert "Looking in indexes: %s" % INDEXES[index] in out.stdout
    assert host.check_output("%s/bin/hello-world --version" % venv) == "hello-world 1.0.0"


def test_pip_conf_points_at_the_static_index():
    import testinfra

    host = testinfra.get_host(TARGET)
    conf = host.file("/etc/pip.conf").content_string
    assert "index-url = %s\n" % INDEXES["static"] in conf and "trusted-host = %s\n" % REPO in conf
    out = host.run("python3 -m venv /tmp/venv-conf && /tmp/venv-conf/bin/pip download --no-deps -d /tmp/dl "
                   "hello-world==1.0.0")
    assert out.rc == 0 and "Looking in indexes: %s" % INDEXES["static"] in out.stdout, out.stdout + out.stderr


def test_servers_run_as_their_own_users_and_keep_uploads_immutable():
    import testinfra

    repo = testinfra.get_host("podman://" + REPO)
    for unit, user in (("pkgops-devpi", "pkgops-devpi"), ("pkgops-pypiserver", "pkgops-pypiserver")):
        service = repo.service(unit)
        assert service.is_enabled and service.is_running
        pid = repo.check_output("systemctl show -p MainPID --value %s" % unit)
        assert repo.check_output("stat -c %%U /proc/%s" % pid) == user
    # devpi keeps its secret across restarts: a login made before a restart is still valid after it
    assert repo.file("/var/lib/pkgops-devpi/.secret").mode == 0o600
    token = repo.check_output("python3 -c \"%s\"" % LOGIN.replace('"', '\\"'))
    repo.check_output("systemctl restart pkgops-devpi")
    status = repo.check_output("for i in $(seq 60); do python3 -c \"%s\" %s && break; sleep 1; done"
                               % (AUTHSTATUS.replace('"', '\\"'), shlex.quote(token)))
    assert status.splitlines()[-1] == "ok", status
    # other bytes under a published file name: the servers themselves refuse them
    repo.check_output("python3 -c \"%s\"" % RESTORED.replace('"', '\\"'))
    # (devpi answers 409 Conflict, pypiserver 400 Bad Request), and keep the original bytes
    for url, answer in (("http://127.0.0.1:3141/uploader/dev/", "409 Conflict"),
                        ("http://127.0.0.1:8082/", "400 Bad Request")):
        out = repo.run("TWINE_USERNAME=uploader TWINE_PASSWORD=molecule-upload-secret NO_COLOR=1 "
                       "/opt/pkgops/tools/bin/twine upload --disable-progress-bar --repository-url %s "
                       "/tmp/clash/*.whl" % url)
        assert out.rc != 0 and answer in out.stdout + out.stderr, out.stdout + out.stderr
    original = repo.check_output("sha256sum /srv/pkgops/pypi.incoming/*.whl").split()[0]
    assert repo.check_output("sha256sum /var/lib/pkgops-pypiserver/packages/*.whl").split()[0] == original
    _status, page = fetch(repo, "http://127.0.0.1:3141/uploader/dev/+simple/hello-world/")
    assert "#sha256=" + original in page


LOGIN = """import json, urllib.request
req = urllib.request.Request("http://127.0.0.1:3141/+login", method="POST", headers={"Content-Type": "application/json"},
      data=json.dumps({"user": "uploader", "password": "molecule-upload-secret"}).encode())
print(json.load(urllib.request.urlopen(req))["result"]["password"])"""
AUTHSTATUS = """import base64, json, sys, urllib.request
auth = base64.b64encode(("uploader:" + sys.argv[1]).encode()).decode()
req = urllib.request.Request("http://127.0.0.1:3141/+api", headers={"X-Devpi-Auth": auth, "Accept": "application/json"})
print(json.load(urllib.request.urlopen(req))["result"]["authstatus"][0])"""
RESTORED = """import glob, os, zipfile
os.makedirs("/tmp/clash", exist_ok=True)
src = sorted(glob.glob("/srv/pkgops/pypi.incoming/*.whl"))[0]
with zipfile.ZipFile(src) as old, zipfile.ZipFile("/tmp/clash/" + os.path.basename(src), "w", zipfile.ZIP_STORED) as new:
    for info in old.infolist():
        new.writestr(info.filename, old.read(info.filename))"""
