# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""release_manifest with promotions: added to the manifest once (check mode writes nothing), artifacts unchanged."""
from __future__ import annotations

import base64
import json

from bad_input import run

from ansible_collections.pkgops.release.plugins.modules import release_manifest

FILES = [{"filename": "hello_world-1.1.0-py3-none-any.whl", "sha256": "c" * 64, "promote_from": "release/testing"}]
DEVPI = {"type": "devpi", "from": "release/testing", "to": "release/stable", "files": FILES}


def test_promotions_are_added_once(tmp_path, capsys):
    wheel = tmp_path / "hello_world-1.1.0-py3-none-any.whl"
    wheel.write_bytes(b"wheel")
    path = str(tmp_path / "m.json")
    made = run(release_manifest, dict(path=path, release={"name": "hello-world", "version": "1.1.0"}, sbom=False,
                                      artifacts=[{"paths": [str(wheel)]}]), capsys)
    written = open(path, encoding="utf-8").read()
    args = dict(path=path, promotions=[DEVPI], date="2026-12-06T19:00:00Z")
    checked = run(release_manifest, dict(args, _ansible_check_mode=True), capsys)
    assert checked["changed"] and len(checked["promotions_added"]) == 1
    assert open(path, encoding="utf-8").read() == written  # check mode wrote nothing
    done = run(release_manifest, args, capsys)
    data = json.loads(open(path, encoding="utf-8").read())
    assert done["changed"] and base64.b64decode(done["content"]).decode() == open(path, encoding="utf-8").read()
    assert data["artifacts"] == made["manifest"]["artifacts"]
    assert data["promotions"] == [{"type": "devpi", "from": "release/testing", "to": "release/stable",
                                   "date": "2026-12-06T19:00:00Z",
                                   "files": [{"filename": FILES[0]["filename"], "sha256": "c" * 64}]}]
    again = run(release_manifest, dict(args, date="2026-12-07T08:00:00Z"), capsys)
    assert not again["changed"] and again["promotions_added"] == [] and again["content"] == done["content"]
