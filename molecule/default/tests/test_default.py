"""What a user would check by hand on the test bed's hosts (testinfra, podman:// backend)."""
import json
import os

import pytest
import yaml


def _instances():
    # The scenario's hosts, from the inventory molecule wrote for this run.
    with open(os.environ["MOLECULE_INVENTORY_FILE"], encoding="utf-8") as handle:
        return sorted(yaml.safe_load(handle)["all"]["hosts"])


# The probe runs on the targets; the repository host has its own scenarios.
testinfra_hosts = ["podman://" + name for name in _instances() if not name.endswith("-repo")]


def _is_el(host):
    return host.file("/etc/redhat-release").exists


def test_systemd_is_pid_1(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state in ("running", "degraded"), state


def test_probe_unit_is_enabled_active_and_answers(host):
    unit = host.service("pkgops-probe")
    assert unit.is_enabled
    assert unit.is_running
    out = host.check_output("python3 -c \"import urllib.request; "
                            "print(urllib.request.urlopen('http://127.0.0.1:8081/index.html').read().decode())\"")
    assert out.startswith("pkgops probe on ")


def test_probe_does_not_run_as_root(host):
    pid = host.check_output("systemctl show -P MainPID pkgops-probe")
    assert host.check_output("ps -o user= -p %s" % pid) != "root"


def test_el_image_installs_rpms_with_dnf(host):
    if not _is_el(host):
        pytest.skip("EL-family host only")
    assert host.package("pkgops-probe").is_installed
    assert host.file("/var/lib/pkgops-probe-post").content_string == "installed\n"  # %post ran
    assert host.check_output("python3 -c 'import pkgops_probe; print(pkgops_probe.ANSWER)'") == "42"
    info = json.loads(host.check_output("python3 -c \"import json, dnf; print(json.dumps(dnf.const.VERSION))\""))
    assert info.startswith("4.")


def test_hosts_reach_each_other_by_name(host):
    for name in _instances():
        out = host.run("python3 -c \"import socket; print(socket.gethostbyname('%s'))\"" % name)
        assert out.rc == 0, out.stderr
