# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""twine uploads through the command runner, with a stand-in twine that shows what it was given."""
from __future__ import annotations

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils import _pypi_upload as up

URL = "http://127.0.0.1:3141/ci/dev/"


def fake_twine(tmp_path, body):
    twine = tmp_path / "twine"
    twine.write_text("#!/bin/sh\n" + body)
    twine.chmod(0o755)
    return str(twine)


def test_credentials_go_through_the_environment_and_are_masked_in_a_failure(tmp_path, monkeypatch):
    monkeypatch.setenv("https_proxy", "http://proxy.invalid:3128")
    twine = fake_twine(tmp_path, 'echo "as $TWINE_USERNAME:$TWINE_PASSWORD via ${https_proxy-no proxy}: $*"\n'
                                 'echo "HTTPError: 403 Forbidden for $TWINE_PASSWORD" >&2\nexit 1\n')
    with pytest.raises(up.UploadError) as exc:
        up.upload(["/dist/a.whl"], URL, "ci", "pw-123", twine)
    err = exc.value
    assert isinstance(err, _cmd.CommandError) and err.rc == 1
    assert err.cmd == [twine, "upload", "--disable-progress-bar", "--repository-url", URL, "/dist/a.whl"]
    assert err.stdout == ("as ci:******** via no proxy: upload --disable-progress-bar --repository-url %s /dist/a.whl\n"
                          % URL)
    assert err.stderr == "HTTPError: 403 Forbidden for ********\n"
    assert str(err) == "twine upload to %s failed (rc 1): HTTPError: 403 Forbidden for ********" % URL


def test_check_mode_records_the_upload_and_runs_nothing(tmp_path):
    twine = fake_twine(tmp_path, 'touch "%s"\n' % (tmp_path / "uploaded"))
    dry = _cmd.Recorder(dry=True)
    up.upload(["/dist/a.whl"], URL, "ci", "pw-123", twine, record=dry)
    assert dry.commands == [[twine, "upload", "--disable-progress-bar", "--repository-url", URL, "/dist/a.whl"]]
    assert not (tmp_path / "uploaded").exists()
    up.upload(["/dist/a.whl"], URL, "ci", "pw-123", twine)
    assert (tmp_path / "uploaded").exists()


@pytest.mark.parametrize("url, user, index, says", [
    ("ftp://127.0.0.1:3141", "u", "dev", "url 'ftp://127.0.0.1:3141' is not the http:// or https:// URL of a devpi-server "
                                         "(for example http://127.0.0.1:3141)."),
    ("127.0.0.1:3141", "u", "dev", "url '127.0.0.1:3141' is not the http:// or https:// URL of a devpi-server (for example "
                                   "http://127.0.0.1:3141)."),
    ("http://h:3141", "root/pypi", "dev", "user 'root/pypi' is not a devpi user name: use letters, digits, '.', '_' and '-', "
                                          "starting with a letter or digit."),
    ("http://h:3141", "u", "../root", "index '../root' is not a devpi index name: use letters, digits, '.', '_' and '-', "
                                      "starting with a letter or digit."),
])
def test_devpi_account_input_is_refused_before_any_request(monkeypatch, url, user, index, says):
    def no_request(*args, **kwargs):
        raise AssertionError("a request was sent")

    monkeypatch.setattr(up, "_request", no_request)
    up.check_devpi_account("https://devpi.example.com/", "r", "uploader", "p", "dev.2")
    with pytest.raises(up.UploadError) as exc:
        up.check_devpi_account(url, "r", user, "p", index)
    assert str(exc.value) == says
    with pytest.raises(up.UploadError, match=r"^password is empty: give the password\.$"):
        up.check_devpi_account("http://h:3141", "r", "u", "", "dev")
