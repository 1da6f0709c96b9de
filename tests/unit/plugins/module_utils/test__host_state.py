# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host stamp: recorded after a role's run, checked in one call; every reason a host is not confirmed.

Real dpkg-query (this is a Debian host) and rpm for the installed versions, a local http.server thread for the
health URL, files in tmp dirs. systemctl cannot run without systemd as PID 1: its output is parsed from the text
systemctl prints, a stand-in systemctl on PATH prints it for the checks, and the real one's failure is tested.
"""
from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import threading

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _host_state as hs

needs_dpkg = pytest.mark.skipif(not shutil.which("dpkg-query"), reason="needs dpkg-query (a Debian host)")

SHOW_OK = """LoadState=loaded
ActiveState=active
UnitFileState=enabled

LoadState=loaded
ActiveState=inactive
UnitFileState=disabled
"""


def _installed(package):
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], stdout=subprocess.PIPE, text=True,
                         check=True)
    return out.stdout


@pytest.fixture(name="health")
def _health():
    """A local HTTP server: /health answers 200 'ok 1.2.0', /bad answers 500."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            code, body = (200, b"ok 1.2.0") if self.path == "/health" else (500, b"down")
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(name="systemctl")
def _systemctl(tmp_path, monkeypatch):
    """A stand-in systemctl first on PATH that prints the text written to the returned file."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    out = tmp_path / "show.txt"
    out.write_text(SHOW_OK)
    script = bindir / "systemctl"
    script.write_text("#!/bin/sh\necho \"$@\" > %s/argv\ncat %s\n" % (tmp_path, out))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (bindir, os.environ["PATH"]))
    return out


@pytest.fixture(name="host")
def _host(tmp_path):
    """A recorded host: one file written, one file absent, dpkg's own version recorded."""
    conf = tmp_path / "etc" / "app.conf"
    conf.parent.mkdir()
    conf.write_text("A=1\n")
    absent = str(tmp_path / "etc" / "gone.conf")
    stamp = hs.new_stamp("app", "digest-1", [str(conf), absent], package="dpkg", manager="dpkg", data={"x": 1})
    path = hs.stamp_path(str(tmp_path / "state"), "app")
    os.makedirs(os.path.dirname(path))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(hs.dump(stamp))
    return {"path": path, "files": [str(conf), absent], "conf": conf, "absent": absent}


def _check(host, **kw):
    args = dict(inputs="digest-1", files=host["files"], package="dpkg", manager="dpkg")
    args.update(kw)
    return hs.check(host["path"], **args)


@needs_dpkg
def test_the_stamp_records_digests_absence_version_and_data(host):
    stamp = json.loads(open(host["path"], encoding="utf-8").read())
    assert stamp["format"] == 1 and stamp["inputs"] == "digest-1" and stamp["data"] == {"x": 1}
    assert stamp["files"][str(host["conf"])] == hashlib.sha256(b"A=1\n").hexdigest()
    assert stamp["files"][host["absent"]] is None
    assert stamp["package"] == {"name": "dpkg", "version": _installed("dpkg")}
    assert hs.dump(stamp) == open(host["path"], encoding="utf-8").read()  # stable text


@needs_dpkg
def test_an_unchanged_host_is_confirmed_with_its_data(host, health):
    confirmed, reasons, stamp = _check(host, version=_installed("dpkg"), health_url=health + "/health",
                                       health_contains="1.2.0")
    assert (confirmed, reasons) == (True, [])
    assert stamp["data"] == {"x": 1}


def test_no_stamp(tmp_path):
    assert hs.check(str(tmp_path / "none.json"), "d") == (False, ["no stamp of an earlier run"], None)


def test_a_stamp_of_another_format_or_broken_is_no_stamp(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": 0, "inputs": "d"}))
    assert hs.check(str(path), "d")[1] == ["no stamp of an earlier run"]
    path.write_text("{not json")
    assert hs.check(str(path), "d")[1] == ["no stamp of an earlier run"]


@needs_dpkg
def test_changed_inputs(host):
    assert _check(host, inputs="digest-2")[:2] == (False, ["the role's inputs changed"])


@needs_dpkg
def test_a_file_edited_by_hand(host):
    host["conf"].write_text("A=2\n")
    assert _check(host)[1] == ["file %s changed" % host["conf"]]


@needs_dpkg
def test_a_file_removed_or_appeared(host):
    os.unlink(host["conf"])
    with open(host["absent"], "w", encoding="utf-8") as handle:
        handle.write("x")
    assert _check(host)[1] == ["file %s is gone" % host["conf"], "file %s appeared" % host["absent"]]


@needs_dpkg
def test_a_file_not_recorded(host, tmp_path):
    other = str(tmp_path / "other")
    assert _check(host, files=host["files"] + [other])[1] == ["file %s was not recorded" % other]


@needs_dpkg
def test_the_package_at_another_version_than_wanted(host):
    reasons = _check(host, version="0.1-1")[1]
    assert reasons == ["package dpkg is at %s, wanted 0.1-1" % _installed("dpkg")]


@needs_dpkg
def test_the_package_at_another_version_than_recorded(host):
    stamp = json.loads(open(host["path"], encoding="utf-8").read())
    stamp["package"]["version"] = "0.1-1"  # downgraded (or upgraded) by hand since
    with open(host["path"], "w", encoding="utf-8") as handle:
        handle.write(hs.dump(stamp))
    assert _check(host)[1] == ["package dpkg is at %s, recorded 0.1-1" % _installed("dpkg")]


@needs_dpkg
def test_the_package_removed(host):
    assert _check(host, package="pkgops-no-such-package")[1] == ["package pkgops-no-such-package is not installed"]


def test_rpm_reads_no_version_of_a_package_it_does_not_have():
    if not shutil.which("rpm"):
        pytest.skip("needs rpm")
    assert hs.installed_version("pkgops-no-such-package", "rpm") == ""


@needs_dpkg
def test_dpkg_reads_the_installed_version():
    assert hs.installed_version("dpkg", "dpkg") == _installed("dpkg")
    assert hs.installed_version("pkgops-no-such-package", "dpkg") == ""
    assert hs.package_manager("auto") == "dpkg"


@needs_dpkg
def test_recording_a_package_not_installed_fails(tmp_path):
    with pytest.raises(hs.StateError, match="^Package pkgops-no-such-package is not installed: record"):
        hs.new_stamp("x", "d", [], package="pkgops-no-such-package", manager="dpkg")


def test_parse_systemctl_show():
    assert hs.parse_systemctl_show(SHOW_OK) == [
        {"LoadState": "loaded", "ActiveState": "active", "UnitFileState": "enabled"},
        {"LoadState": "loaded", "ActiveState": "inactive", "UnitFileState": "disabled"}]


@needs_dpkg
def test_units_in_the_wanted_states_in_one_call(host, systemctl, tmp_path):
    assert _check(host, units=["a", "b"], active=None, enabled=None)[1] == []
    assert (tmp_path / "argv").read_text().split() == ["show", "--no-pager", "-p", "LoadState,ActiveState,UnitFileState",
                                                       "a", "b"]
    assert _check(host, units=["a", "b"], active=True, enabled=True)[1] == [
        "unit b is inactive, wanted active", "unit b is disabled at boot, wanted enabled"]
    assert _check(host, units=["a", "b"], active=False, enabled=False)[1] == [
        "unit a is active, wanted inactive", "unit a is enabled at boot, wanted disabled"]


@needs_dpkg
def test_a_unit_not_loaded(host, systemctl):
    systemctl.write_text("LoadState=not-found\nActiveState=inactive\nUnitFileState=\n")
    assert _check(host, units=["a"], active=True)[1] == ["unit a is not loaded (not-found)"]


def test_systemctl_answering_for_fewer_units(systemctl):
    systemctl.write_text("LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n")
    with pytest.raises(hs.StateError, match="^systemctl show returned 1 blocks for the 2 units a, b; expected one each"):
        hs.unit_states(["a", "b"])


def test_systemctl_that_cannot_answer():
    if not shutil.which("systemctl") or os.path.isdir("/run/systemd/system"):
        pytest.skip("needs a systemctl without systemd running")
    with pytest.raises(hs.StateError, match="^The states of the units nope cannot be read: "):
        hs.unit_states(["nope"])
    confirmed, reasons, _stamp = hs.check("/nonexistent/stamp.json", "d", units=["nope"], active=True)
    assert not confirmed and reasons[0] == "no stamp of an earlier run"
    assert reasons[1].startswith("The states of the units nope cannot be read: ") and len(reasons) == 2


@needs_dpkg
def test_the_health_url_failing(host, health):
    assert _check(host, health_url=health + "/bad")[1] == ["health URL %s/bad answered HTTP 500" % health]
    assert _check(host, health_url=health + "/health", health_contains="1.3.0")[1] == [
        "health URL %s/health answered without '1.3.0' in its body" % health]


def test_the_health_url_not_answering(health):
    reason = hs.health_reason("http://127.0.0.1:9/health", timeout=2)
    assert reason.startswith("health URL http://127.0.0.1:9/health did not answer: ")


@needs_dpkg
def test_the_health_url_is_not_asked_when_something_else_failed(host):
    assert _check(host, inputs="other", health_url="http://127.0.0.1:9/health")[1] == ["the role's inputs changed"]


def test_stamp_names():
    assert hs.stamp_path("/var/lib/x", "service-hello-world") == "/var/lib/x/service-hello-world.json"
    with pytest.raises(hs.StateError, match="^Stamp name '../x' is not usable as a file name"):
        hs.stamp_path("/var/lib/x", "../x")


def test_a_directory_given_as_a_file(tmp_path):
    with pytest.raises(hs.StateError, match="^Path '%s' is a directory: give the files" % tmp_path):
        hs.file_digests([str(tmp_path)])


def test_an_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "secret"
    path.write_text("x")
    path.chmod(0)
    with pytest.raises(hs.StateError, match="^File '%s' cannot be read to take its sha256: Permission denied" % path):
        hs.file_digests([str(path)])
