"""Where the rotation ends: both clients run 1.2.0 and hold only the new keys; the first keys sign nothing."""
import os
import subprocess

import yaml

WORK = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]


def _hosts():
    with open(os.environ["MOLECULE_INVENTORY_FILE"], encoding="utf-8") as handle:
        return sorted(yaml.safe_load(handle)["all"]["hosts"])


testinfra_hosts = ["podman://" + h for h in _hosts() if h.startswith("pkgops-")]


def _key_ids(armored):
    """The long key IDs of an armored key text (gpg, without importing it)."""
    out = subprocess.run(["gpg", "--batch", "--with-colons", "--import-options", "show-only", "--import"],
                         input=armored, capture_output=True, text=True, check=True).stdout
    return [line.split(":")[4].lower() for line in out.splitlines() if line.startswith("pub:")]


def _old(kind):
    with open(os.path.join(WORK, "old-%s.asc" % kind), encoding="utf-8") as handle:
        return _key_ids(handle.read())


def test_each_step_was_timed():
    for step in ("start", "add", "retire"):
        with open(os.path.join(WORK, "rotation-%s.seconds" % step), encoding="utf-8") as handle:
            assert handle.read().split()[0] == step


def test_the_clients_hold_one_key_and_not_the_first(host):
    if host.backend.get_hostname().endswith("-repo"):
        return
    if host.file("/etc/redhat-release").exists:
        held = _key_ids(host.file("/etc/pki/rpm-gpg/RPM-GPG-KEY-pkgops").content_string)
        imported = host.check_output("rpm -q gpg-pubkey --qf '%{VERSION}\\n'").split()
        assert _old("yum")[0][-8:] not in imported
        assert held[0][-8:] in imported
        assert host.check_output("rpm -q --qf '%{VERSION}' hello-world") == "1.2.0"
    else:
        held = _key_ids(host.file("/etc/apt/keyrings/pkgops.asc").content_string)
        assert host.check_output("dpkg-query -W -f '${Version}' hello-world") == "1.2.0-1"
        assert _old("apt")[0] not in held
    assert len(held) == 1


def test_the_first_keys_stay_in_the_homes_but_are_not_served(host):
    if not host.backend.get_hostname().endswith("-repo"):
        return
    for kind, served in (("apt", "/srv/pkgops/apt/current/public/archive-keyring.asc"),
                         ("yum", "/srv/pkgops/yum/current/RPM-GPG-KEY-pkgops")):
        old = _old(kind)[0]
        assert old.upper() in host.check_output("gpg --homedir /srv/pkgops/%s/gnupg --list-keys --with-colons" % kind)
        assert _key_ids(host.file(served).content_string) != [old]
        assert old not in _key_ids(host.file(served).content_string)
