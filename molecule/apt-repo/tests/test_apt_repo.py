"""The Debian target installs the example from the signed repository, runs it, removes and purges it."""
import os

import yaml


def _hosts():
    with open(os.environ["MOLECULE_INVENTORY_FILE"], encoding="utf-8") as handle:
        return sorted(yaml.safe_load(handle)["all"]["hosts"])


REPO = next(h for h in _hosts() if h.endswith("-repo"))
testinfra_hosts = ["podman://" + next(h for h in _hosts() if h.endswith("-debian"))]
URL = "http://%s:8081" % REPO


def test_the_source_is_deb822_with_signed_by_and_never_trusted(host):
    sources = host.file("/etc/apt/sources.list.d/pkgops.sources").content_string
    assert "URIs: %s\n" % URL in sources
    assert "Signed-By: /etc/apt/keyrings/pkgops.asc\n" in sources
    assert "trusted" not in sources.lower()
    assert host.file("/etc/apt/keyrings/pkgops.asc").content_string.startswith("-----BEGIN PGP PUBLIC KEY BLOCK")


def test_the_package_came_from_the_repository_at_its_version(host):
    pkg = host.package("hello-world")
    assert pkg.is_installed and pkg.version == "1.0.0-1"
    policy = host.check_output("apt-cache policy hello-world")
    assert URL in policy, policy
    assert host.check_output("hello-world --version") == "hello-world 1.0.0"


def test_the_packaged_service_runs_as_its_own_user(host):
    service = host.service("hello-world")
    assert service.is_enabled and service.is_running
    pid = host.check_output("systemctl show -p MainPID --value hello-world")
    assert host.check_output("stat -c %%U /proc/%s" % pid) == "hello-world"
    body = host.check_output("python3 -c \"import urllib.request; "
                             "print(urllib.request.urlopen('http://127.0.0.1:8080/health').read().decode())\"")
    assert '"version": "1.0.0"' in body


def test_another_key_cannot_read_the_repository(host):
    # The same repository with Debian's archive key as Signed-By must fail: signatures are checked.
    host.check_output("mkdir -p /tmp/wrongkey/lists/partial")
    host.check_output("echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s bookworm main' "
                      "> /tmp/wrongkey/sources.list" % URL)
    out = host.run("apt-get -o Dir::Etc::sourcelist=/tmp/wrongkey/sources.list -o Dir::Etc::sourceparts=- "
                   "-o Dir::State::Lists=/tmp/wrongkey/lists -o APT::Get::List-Cleanup=0 update")
    assert out.rc != 0 and "NO_PUBKEY" in out.stdout + out.stderr, out.stdout + out.stderr


def test_remove_and_purge(host):
    host.check_output("DEBIAN_FRONTEND=noninteractive apt-get remove -y hello-world")
    assert host.check_output("dpkg-query -W -f '${db:Status-Abbrev}' hello-world").startswith("rc")
    host.check_output("DEBIAN_FRONTEND=noninteractive apt-get purge -y hello-world")
    assert host.run("dpkg-query -W hello-world").rc != 0 or \
        host.check_output("dpkg-query -W -f '${db:Status-Abbrev}' hello-world").startswith("un")
    assert not host.file("/lib/systemd/system/hello-world.service").exists
    assert not host.service("hello-world").is_running
