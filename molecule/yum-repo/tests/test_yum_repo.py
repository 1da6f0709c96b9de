"""The EL target installs the example from the signed yum repository, runs it, and removes it."""
import os

import yaml


def _hosts():
    with open(os.environ["MOLECULE_INVENTORY_FILE"], encoding="utf-8") as handle:
        return sorted(yaml.safe_load(handle)["all"]["hosts"])


REPO = next(h for h in _hosts() if h.endswith("-repo"))
testinfra_hosts = ["podman://" + next(h for h in _hosts() if h.endswith("-el"))]
URL = "http://%s:8083" % REPO


def test_the_repo_file_checks_packages_and_metadata(host):
    repo = host.file("/etc/yum.repos.d/pkgops.repo").content_string
    for line in ("baseurl = %s" % URL, "gpgcheck = 1", "repo_gpgcheck = 1",
                 "gpgkey = file:///etc/pki/rpm-gpg/RPM-GPG-KEY-pkgops"):
        assert line in repo, repo


def test_the_package_came_signed_from_the_repository(host):
    assert host.check_output("rpm -q --qf '%{VERSION}-%{RELEASE}' hello-world") == "1.0.0-1"
    info = host.check_output("dnf -q repoquery --installed --qf '%{from_repo}' hello-world || "
                             "dnf -q list installed hello-world")
    assert "pkgops" in info
    sig = host.check_output("rpm -qi hello-world | grep '^Signature'")
    assert "Key ID" in sig and "(none)" not in sig, sig
    assert host.check_output("hello-world --version") == "hello-world 1.0.0"
    assert host.user("hello-world").exists and host.user("hello-world").shell == "/sbin/nologin"
    assert host.file("/usr/lib/systemd/system/hello-world.service").exists


def test_unsigned_metadata_would_be_refused(host):
    # the same repository with another key (Debian's archive key) cannot be read: repo_gpgcheck is enforced
    host.check_output("mkdir -p /tmp/otherkey/repos")
    host.check_output("printf '[otherkey]\\nname=otherkey\\nbaseurl=%s\\ngpgcheck=1\\nrepo_gpgcheck=1\\n"
                      "skip_if_unavailable=0\\ngpgkey=file:///usr/share/keyrings/debian-archive-keyring.gpg\\n' "
                      "> /tmp/otherkey/repos/otherkey.repo" % URL)
    out = host.run("dnf -y --setopt=reposdir=/tmp/otherkey/repos --setopt=cachedir=/tmp/otherkey/cache makecache")
    assert out.rc != 0, out.stdout + out.stderr


def test_remove(host):
    host.check_output("dnf -y remove hello-world")
    assert host.run("rpm -q hello-world").rc != 0
    assert not host.file("/usr/bin/hello-world").exists
