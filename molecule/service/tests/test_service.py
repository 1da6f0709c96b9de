"""Both targets run the expected version of the example as a hardened service from the signed repositories
(scenarios service and release)."""
import json
import os
import re

import yaml


def _hosts():
    with open(os.environ["MOLECULE_INVENTORY_FILE"], encoding="utf-8") as handle:
        return sorted(yaml.safe_load(handle)["all"]["hosts"])


testinfra_hosts = ["podman://" + h for h in _hosts() if h.startswith("pkgops-") and not h.endswith("-repo")]
with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "expected-version"), encoding="utf-8") as _f:
    EXPECTED = _f.read().strip()


def _is_el(host):
    return host.file("/etc/redhat-release").exists


def test_the_package_is_at_the_expected_version(host):
    if _is_el(host):
        assert host.check_output("rpm -q --qf '%{VERSION}-%{RELEASE}' hello-world") == EXPECTED + "-1"
    else:
        assert host.check_output("dpkg-query -W -f '${Version}' hello-world") == EXPECTED + "-1"


def test_the_unit_is_enabled_active_and_answers_with_that_version(host):
    service = host.service("hello-world")
    assert service.is_enabled and service.is_running
    body = host.check_output("python3 -c \"import urllib.request; "
                             "print(urllib.request.urlopen('http://127.0.0.1:8080/health').read().decode())\"")
    assert json.loads(body)["version"] == EXPECTED
    greeting = host.check_output("python3 -c \"import urllib.request; "
                                 "print(urllib.request.urlopen('http://127.0.0.1:8080/').read().decode())\"")
    assert greeting.startswith("Hello from pkgops-%s-" % os.environ["MOLECULE_SCENARIO_NAME"])


def test_it_runs_as_its_own_user_and_logs_to_the_journal(host):
    pid = host.check_output("systemctl show -p MainPID --value hello-world")
    assert host.check_output("stat -c %%U /proc/%s" % pid) == "hello-world"
    journal = host.check_output("journalctl -u hello-world --no-pager -o cat")
    assert "version %s listening on 0.0.0.0:8080" % EXPECTED in journal


def test_the_unit_is_hardened(host):
    unit = host.check_output("systemctl cat hello-world")
    for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                    "CapabilityBoundingSet=", "SystemCallFilter=@system-service", "After=network.target"):
        assert setting in unit
    out = host.check_output("systemd-analyze security --no-pager hello-world.service | tail -n 1")
    exposure = float(out.split(":")[1].split()[0])
    assert exposure <= 3.0, out


def test_the_unit_settings_drop_in_applies(host):
    dropin = host.file("/etc/systemd/system/hello-world.service.d/50-pkgops.conf")
    timeout = host.check_output("systemctl show -p TimeoutStopUSec --value hello-world")
    if os.environ["MOLECULE_SCENARIO_NAME"] == "service":  # deploy.yml sets TimeoutStopSec=17
        assert dropin.is_file and "TimeoutStopSec=17" in dropin.content_string
        assert timeout == "17s"
    else:
        assert not dropin.exists
        assert timeout != "17s"


def test_the_versions_before_are_installable_from_the_repository(host):
    """The rollback's source is the repository, not a local copy: on Debian its archive suite, on EL the yum
    repository, list the versions published so far (the side effect rolls back from a broken release)."""
    if _is_el(host):
        listed = host.check_output("dnf -q repoquery --qf '%{version}-%{release}' hello-world")
    else:
        assert not host.file("/var/lib/pkgops-service/hello-world").exists
        listed = host.check_output("apt-cache madison hello-world")
    published = set(re.findall(r"\b(1\.[0-9]+\.0)-1\b", listed))
    assert EXPECTED in published, listed
    if EXPECTED != "1.0.0":  # after the side effect: 1.0.0, 1.1.0 and the broken 1.2.0
        assert {"1.0.0", EXPECTED} <= published, listed
