# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release manifest: content, and left alone when the same release is seen again."""
from __future__ import annotations

import hashlib
import json
import os

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _manifest as m
from ansible_collections.pkgops.release.plugins.module_utils._files import FileError

RELEASE = {"name": "hello-world", "version": "1.1.0", "tag": "v1.1.0"}


@pytest.fixture()
def files(tmp_path):
    deb = tmp_path / "hello-world_1.1.0-1_all.deb"
    deb.write_bytes(b"deb bytes")
    whl = tmp_path / "hello_world-1.1.0-py3-none-any.whl"
    whl.write_bytes(b"wheel")
    return [{"paths": [str(deb)], "published": ["http://repo:8081 bookworm main", "http://repo:8081 bookworm main"]},
            {"paths": [str(whl)], "published": ["http://repo:8080/simple/hello-world/"]}]


def test_manifest_names_each_artifact_with_digest_size_and_places(files):
    data = m.manifest(RELEASE, files, {"build": 1.23456, "publish": 2})
    assert data["version"] == "1.1.0" and data["tag"] == "v1.1.0"
    assert [a["name"] for a in data["artifacts"]] == ["hello-world_1.1.0-1_all.deb", "hello_world-1.1.0-py3-none-any.whl"]
    deb = data["artifacts"][0]
    assert deb == {"name": "hello-world_1.1.0-1_all.deb", "sha256": hashlib.sha256(b"deb bytes").hexdigest(),
                   "size": 9, "published": ["http://repo:8081 bookworm main"]}
    assert data["steps"] == {"build": 1.235, "publish": 2.0} and data["seconds"] == 3.235


def test_same_release_keeps_the_file_other_times_or_content_rewrite_it(files, tmp_path):
    path = str(tmp_path / "m.json")
    first = m.manifest(RELEASE, files, {"build": 5})
    before, after = m.plan(path, first)
    assert before is None and json.loads(after) == first
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(after)
    assert m.plan(path, m.manifest(RELEASE, files, {"build": 0.1}))[1] is None  # only the times differ
    with open(files[0]["paths"][0], "ab") as handle:
        handle.write(b"!")  # rebuilt with other bytes
    assert m.plan(path, m.manifest(RELEASE, files, {"build": 0.1}))[1] is not None
    assert m.plan(path, m.manifest(dict(RELEASE, version="1.2.0"), files, {}))[1] is not None


def test_missing_or_twice_named_artifacts_are_refused(files, tmp_path):
    with pytest.raises(FileError, match=r"Artifact '.*/gone.deb' does not exist"):
        m.manifest(RELEASE, files + [{"paths": [str(tmp_path / "gone.deb")]}], {})
    other = tmp_path / "sub"
    other.mkdir()
    (other / "hello-world_1.1.0-1_all.deb").write_bytes(b"x")
    with pytest.raises(FileError, match="appears twice"):
        m.manifest(RELEASE, files + [{"paths": [str(other / "hello-world_1.1.0-1_all.deb")]}], {})


def test_a_damaged_manifest_is_rewritten(files, tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"trunc')
    assert m.plan(str(path), m.manifest(RELEASE, files, {}))[1] is not None


@pytest.mark.parametrize("steps, says", [({"build": "fast"}, "'fast'"), ({"build": -1}, "-1"), ({"build": True}, "True"),
                                         ({"build": float("nan")}, "nan")])
def test_step_times_that_are_no_seconds_are_refused(files, steps, says):
    with pytest.raises(ValueError) as exc:
        m.manifest({"name": "hello"}, [], steps)
    assert str(exc.value) == "step 'build' took %s seconds, which is not a number of seconds (0 or more)." % says
    assert m.manifest({"name": "hello"}, [], {"build": "1.5", "test": 0})["seconds"] == 1.5


def test_release_keys_the_manifest_writes_are_refused():
    with pytest.raises(ValueError) as exc:
        m.manifest({"name": "hello", "steps": {}, "artifacts": []}, [], {})
    assert str(exc.value) == "release sets artifacts, steps, which the manifest writes itself: remove them from release."


def test_a_directory_or_a_symbolic_link_is_named_as_such(tmp_path):
    (tmp_path / "dist").mkdir()
    with pytest.raises(FileError, match=r"^Artifact '.*/dist' is a directory, not a file: list the files themselves\.$"):
        m.manifest({"name": "hello"}, [{"paths": [str(tmp_path / "dist")]}], {})
    (tmp_path / "m.json").symlink_to("real.json")
    with pytest.raises(FileError, match=r"^File '.*/m.json' is a symbolic link to 'real.json': give the path of the file "):
        m.plan(str(tmp_path / "m.json"), {"name": "hello"})


def test_sboms_are_sidecars_named_with_their_digest_and_a_rerun_writes_nothing(tmp_path):
    from ansible_collections.pkgops.release.plugins.module_utils import _sbom

    if not _sbom.HAS_CYCLONEDX:
        pytest.skip("needs cyclonedx-python-lib")
    from test__sbom import make_wheel

    groups = [{"paths": [make_wheel(str(tmp_path), ["packaging"])], "published": ["http://repo:8080/simple/fancy-lib/"]}]
    data = m.manifest(dict(RELEASE, date="2026-12-06"), groups, {})
    files = m.with_sboms(data, groups, str(tmp_path))
    side = str(tmp_path / "fancy_lib-2.0.0-py3-none-any.whl.cdx.json")
    assert list(files) == [side]
    assert data["artifacts"][0]["sbom"] == {"name": "fancy_lib-2.0.0-py3-none-any.whl.cdx.json",
                                            "sha256": hashlib.sha256(files[side].encode()).hexdigest()}
    assert m.sidecar_plan(files) == [(side, None, files[side])]
    with open(side, "w", encoding="utf-8") as handle:
        handle.write(files[side])
    again = m.manifest(dict(RELEASE, date="2026-12-06"), groups, {"build": 3})
    assert m.sidecar_plan(m.with_sboms(again, groups, str(tmp_path))) == []
    assert m.same_release(m.render(data), again)
    os.symlink(side, str(tmp_path / "link.cdx.json"))
    with pytest.raises(FileError, match="link.cdx.json' is a symbolic link"):
        m.sidecar_plan({str(tmp_path / "link.cdx.json"): "x"})


def test_an_sbom_is_made_once_per_artifact(tmp_path):
    """A sidecar that describes the same bytes stays as it is (the build host's packages may have changed since);
    one that describes other bytes is made again."""
    from ansible_collections.pkgops.release.plugins.module_utils import _sbom

    if not _sbom.HAS_CYCLONEDX:
        pytest.skip("needs cyclonedx-python-lib")
    from test__sbom import make_wheel

    groups = [{"paths": [make_wheel(str(tmp_path), ["packaging"])], "published": ["http://repo:8080/simple/fancy-lib/"]}]
    data = m.manifest(dict(RELEASE, date="2026-12-06"), groups, {})
    side = str(tmp_path / "fancy_lib-2.0.0-py3-none-any.whl.cdx.json")
    made = json.loads(m.with_sboms(data, groups, str(tmp_path))[side])
    made["components"][0]["version"] = "0.0-as-resolved-back-then"  # what another state of the build host gave
    kept = json.dumps(made, indent=2)
    with open(side, "w", encoding="utf-8") as handle:
        handle.write(kept)
    again = m.manifest(dict(RELEASE, date="2026-12-06"), groups, {})
    assert m.with_sboms(again, groups, str(tmp_path)) == {side: kept}
    assert again["artifacts"][0]["sbom"]["sha256"] == hashlib.sha256(kept.encode()).hexdigest()
    made["metadata"]["component"]["hashes"][0]["content"] = "0" * 64  # an SBOM of other bytes
    with open(side, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(made))
    remade = m.with_sboms(m.manifest(dict(RELEASE, date="2026-12-06"), groups, {}), groups, str(tmp_path))[side]
    assert json.loads(remade)["components"][0]["version"] != "0.0-as-resolved-back-then"
    assert data["artifacts"][0]["sha256"] in _sbom.artifact_hashes(json.loads(remade))


# --- promotions ------------------------------------------------------------------------------------

SHA = hashlib.sha256(b"deb bytes").hexdigest()
YUM = {"type": "yum", "from": "/srv/yum-testing", "to": "/srv/yum",
       "files": [{"filename": "b.rpm", "sha256": "b" * 64, "promote_from": "/srv/yum-testing"},
                 {"filename": "a.rpm", "sha256": "a" * 64}]}


def test_promotions_are_added_once_and_the_artifacts_stay(tmp_path, files):
    path = str(tmp_path / "m.json")
    with open(path, "w", encoding="utf-8") as out:
        out.write(m.render(m.manifest(RELEASE, files, {"build": 1})))
    before, after, data, added = m.promotion_plan(path, [YUM], "2026-12-06T19:00:00Z")
    assert added == [{"type": "yum", "from": "/srv/yum-testing", "to": "/srv/yum", "date": "2026-12-06T19:00:00Z",
                      "files": [{"filename": "a.rpm", "sha256": "a" * 64}, {"filename": "b.rpm", "sha256": "b" * 64}]}]
    assert data["artifacts"] == json.loads(before)["artifacts"] and data["promotions"] == added
    with open(path, "w", encoding="utf-8") as out:
        out.write(after)
    again = m.promotion_plan(path, [dict(YUM, files=list(reversed(YUM["files"])))], "2027-01-01T00:00:00Z")
    assert again[1] is None and again[3] == []  # the same promotion, another day: nothing added
    other = m.promotion_plan(path, [dict(YUM, to="/srv/yum-other")], "2027-01-01T00:00:00Z")
    assert [r["to"] for r in other[2]["promotions"]] == ["/srv/yum", "/srv/yum-other"]


def test_a_later_run_of_the_same_release_keeps_the_promotions(tmp_path, files):
    path = str(tmp_path / "m.json")
    with open(path, "w", encoding="utf-8") as out:
        out.write(m.render(m.manifest(RELEASE, files, {"build": 1})))
    after = m.promotion_plan(path, [YUM], "2026-12-06T19:00:00Z")[1]
    with open(path, "w", encoding="utf-8") as out:
        out.write(after)
    assert m.plan(path, m.manifest(RELEASE, files, {"build": 2}))[1] is None  # same release: left as it is
    rewritten = json.loads(m.plan(path, m.manifest(dict(RELEASE, tag="v1.1.0-b"), files, {}))[1])
    assert rewritten["promotions"] == json.loads(after)["promotions"]
    other = json.loads(m.plan(path, m.manifest(dict(RELEASE, version="1.2.0"), files, {}))[1])
    assert "promotions" not in other


def test_a_promotion_of_an_unknown_type_is_refused(tmp_path):
    with pytest.raises(ValueError, match="^promotion type 'ftp' is not one of apt, yum, pypi, devpi.$"):
        m.promotion_record(dict(YUM, type="ftp"), "2026-12-06")
    with pytest.raises(ValueError, match="^a yum promotion has no 'to': give the repository"):
        m.promotion_record(dict(YUM, to=""), "2026-12-06")
