# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""devpi's push between two indexes, against a real devpi-server (from the index servers' wheelhouse) on a free port."""
from __future__ import annotations

import hashlib
import io
import os
import re
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils import _devpi_push as dp
from ansible_collections.pkgops.release.plugins.module_utils import _pypi_upload as up
from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish as rp

from test__pypi_index import wheel  # the index tests' wheel

WHEELHOUSE = os.path.expanduser("~/.cache/pkgops-release/index-servers")
ROOT_PASSWORD = "root-pw"
USER, PASSWORD = "release", "release-pw"


def sdist(folder, name="hello-world", version="1.0.0"):
    """An sdist twine takes: its top directory and PKG-INFO in it."""
    base = "%s-%s" % (name.replace("-", "_"), version)
    path = os.path.join(folder, base + ".tar.gz")
    data = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)).encode()
    with tarfile.open(path, "w:gz") as archive:
        top = tarfile.TarInfo(base)
        top.type, top.mode = tarfile.DIRTYPE, 0o755
        archive.addfile(top)
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url, proc, log):
    for _attempt in range(120):
        if proc.poll() is not None:
            break
        try:
            with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("devpi-server did not answer at %s: %s" % (url, log.read_text()[-2000:]))


@pytest.fixture(scope="session")
def devpi(tmp_path_factory):
    """(server root URL, twine) of a devpi-server started with --init in a temporary server directory."""
    if not os.path.isdir(WHEELHOUSE) or not any(n.startswith("devpi_server-") for n in os.listdir(WHEELHOUSE)):
        pytest.skip("the index servers' wheelhouse %s (with devpi-server and twine) is missing: scripts/setup.sh "
                    "makes it" % WHEELHOUSE)
    work = tmp_path_factory.mktemp("devpi")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-index", "--find-links", WHEELHOUSE,
                    "devpi-server", "twine"], check=True)
    port, log = _free_port(), work / "devpi.log"
    subprocess.run([str(venv / "bin" / "devpi-init"), "--serverdir", str(work / "server"), "--root-passwd",
                    ROOT_PASSWORD], check=True, capture_output=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(venv / "bin" / "devpi-server"), "--serverdir", str(work / "server"), "--host",
                                 "127.0.0.1", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % port
    try:
        _wait(base + "/+api", proc, log)
        yield base, str(venv / "bin" / "twine")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def indexes(devpi, request):
    """(base, twine, source index, target index), both USER/INDEX, new for each test."""
    base, twine = devpi
    name = request.node.name.replace("_", "-")[5:40].strip("-")
    for index in (name + "-testing", name + "-stable"):
        up.devpi_account(base, ROOT_PASSWORD, USER, PASSWORD, index)
    return base, twine, "%s/%s-testing" % (USER, name), "%s/%s-stable" % (USER, name)


def released(tmp_path, base, twine, index, version="1.0.0", extra=b""):
    """Upload a wheel and an sdist of hello-world ``version`` to ``index``; {file name: sha256}."""
    folder = tmp_path / ("dist-" + index.replace("/", "-"))
    folder.mkdir(exist_ok=True)
    files = [wheel(str(folder), version=version, extra=extra), sdist(str(folder), version=version)]
    up.upload(files, "%s/%s/" % (base, index), USER, PASSWORD, twine)
    return {os.path.basename(f): hashlib.sha256(open(f, "rb").read()).hexdigest() for f in files}


def simple_page(base, index):
    return up.files_on_server("%s/%s/+simple/" % (base, index), "hello-world")


def promote(base, source, target, version="1.0.0", dry=False):
    record = _cmd.Recorder(dry=dry)
    change, auth = dp.promotion("%s/%s/" % (base, target), USER, PASSWORD, source, "hello-world", version)
    if change.changed:
        dp.push(change, auth, record)
    return change, record


def test_push_copies_the_same_bytes_and_a_second_push_changes_nothing(tmp_path, indexes):
    base, twine, source, target = indexes
    files = released(tmp_path, base, twine, source)
    change, record = promote(base, source, target)
    assert change.changed and change.add == sorted(files) and change.files == files
    assert record.commands == [["POST", "%s/%s/" % (base, source),
                                '{"name": "hello-world", "targetindex": "%s", "version": "1.0.0"}' % target]]
    assert simple_page(base, target) == files  # the target's simple page: same names, same sha256
    again, record = promote(base, source, target)
    assert not again.changed and again.unchanged == sorted(files) and record.commands == []


def test_check_mode_pushes_nothing(tmp_path, indexes):
    base, twine, source, target = indexes
    released(tmp_path, base, twine, source)
    change, record = promote(base, source, target, dry=True)
    assert change.changed and len(record.commands) == 1
    assert simple_page(base, target) == {}


def test_a_version_never_in_testing_is_refused(tmp_path, indexes):
    base, twine, source, target = indexes
    released(tmp_path, base, twine, source)
    with pytest.raises(up.UploadError) as exc:
        promote(base, source, target, version="9.9.9")
    assert str(exc.value) == ("hello-world 9.9.9 was never in testing: devpi index %s on %s does not have it; publish "
                              "it there first." % (source, base))
    assert simple_page(base, target) == {}


def test_a_file_on_the_target_with_other_bytes_is_refused(tmp_path, indexes):
    base, twine, source, target = indexes
    files = released(tmp_path, base, twine, source)
    other = released(tmp_path, base, twine, target, extra=b"other bytes\n")
    whl = [f for f in files if f.endswith(".whl")][0]
    with pytest.raises(up.UploadError) as exc:
        promote(base, source, target)
    assert str(exc.value) == ("%s is already on devpi index %s with other bytes (sha256 %s, the one of %s: %s); a "
                              "published file is immutable." % (whl, target, other[whl], source, files[whl]))


def test_a_missing_index_and_a_refused_login_are_named(tmp_path, indexes):
    base, _twine, source, target = indexes
    with pytest.raises(up.UploadError) as exc:
        promote(base, USER + "/no-such-index", target)
    assert str(exc.value) == ("devpi at %s has no index %s/no-such-index: create it (role pkgops.release.pypi_index, "
                              "pypi_index_devpi_index) or give the right USER/INDEX." % (base, USER))
    with pytest.raises(up.UploadError) as exc:
        dp.promotion("%s/%s/" % (base, target), USER, "wrong", source, "hello-world", "1.0.0")
    assert str(exc.value) == "devpi at %s refused the login of %s: check username and password." % (base, USER)


def params(**kw):
    p = {name: None for name in rp.OPTIONS}
    p.update(type="devpi", files=[], state="present")
    p.update(kw)
    return p


def test_repo_publish_promotes_with_devpi_and_reports_the_promotions(tmp_path, indexes):
    base, twine, source, target = indexes
    files = released(tmp_path, base, twine, source)
    p = params(url="%s/%s/" % (base, target), username=USER, password=PASSWORD, twine=twine, promote_from=source,
               name="hello-world", version="1.0.0")
    checked = rp.run(p, check_mode=True)
    assert checked["changed"] and checked["promoted"] == sorted(files) and simple_page(base, target) == {}
    done = rp.run(p)
    assert done["changed"] and done["promoted"] == sorted(files) and done["added"] == []
    assert done["promotions"] == [dict(filename=f, sha256=files[f], promote_from=source) for f in sorted(files)]
    assert simple_page(base, target) == files
    again = rp.run(p)
    assert not again["changed"] and again["commands"] == [] and again["unchanged"] == sorted(files)
    assert again["promotions"] == done["promotions"]


@pytest.mark.parametrize("url, says", [
    ("http://h:3141/", "url 'http://h:3141/' is not the URL of a devpi index: give http://HOST:PORT/USER/INDEX/."),
    ("ftp://h/u/i/", "url 'ftp://h/u/i/' is not the URL of a devpi index: give http://HOST:PORT/USER/INDEX/."),
])
def test_the_target_index_comes_from_url(url, says):
    root = ("https://h.example.com/devpi", "release/stable")
    assert dp.split_index_url("https://h.example.com/devpi/release/stable/") == root
    with pytest.raises(up.UploadError, match="^%s$" % re.escape(says)):
        dp.split_index_url(url)


def test_promote_from_must_be_user_slash_index():
    with pytest.raises(up.UploadError) as exc:
        rp.run(params(url="http://127.0.0.1:1/u/stable/", username="u", password="p", promote_from="testing",
                      name="hello-world", version="1.0.0"))
    assert str(exc.value) == ("promote_from 'testing' is not a devpi index USER/INDEX (letters, digits, '.', '_' and "
                              "'-', for example release/testing).")
