# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""A release published by the project's own code (the static PEP 503 index, reprepro, createrepo_c), served over
HTTP on 127.0.0.1, checked against its signed manifest - then tampered with in each way verify must report."""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _manifest, _release_sign, _sbom, _yum_repo
from ansible_collections.pkgops.release.plugins.module_utils import _release_verify as rv
import test__apt_repo as apt_tests
import test__pypi_index as pypi_tests
import test__yum_repo as yum_tests

pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("reprepro", "createrepo_c", "rpmsign", "gpgv"))
                                or not _sbom.HAS_CYCLONEDX, reason="needs reprepro, createrepo_c, rpmsign, gpgv, cyclonedx")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """A published release: {dist, manifest, keys, site, url, roots}."""
    tmp = tmp_path_factory.mktemp("release")
    build = tmp / "build"
    build.mkdir()
    whl = pypi_tests.wheel(str(build), "Hello_World", "1.1.0")
    deb = apt_tests.make_deb(str(build), "hello-world", "1.1.0-1")
    rpm = yum_tests.make_rpm(str(build), "hello-world", "1.1.0")
    roots = {"py": str(tmp / "pypi"), "apt": str(tmp / "apt"), "yum": str(tmp / "yum")}
    pypi_tests.publish(roots["py"], [whl])
    apt_tests.publish(apt_tests.config(roots["apt"]), [deb])
    yum_tests.publish(_yum_repo.Config(root=roots["yum"]), [rpm])
    site = tmp / "site"
    site.mkdir()
    os.symlink(roots["py"], str(site / "py"))
    os.symlink(os.path.join(roots["apt"], "current", "public"), str(site / "apt"))
    os.symlink(os.path.join(roots["yum"], "current"), str(site / "yum"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    groups = [{"paths": [whl], "published": [url + "/py/simple/hello-world/"]},
              {"paths": [deb], "published": [url + "/apt bookworm main"]},
              {"paths": [rpm], "published": [url + "/yum/"]}]
    dist = tmp / "dist"
    dist.mkdir()
    data = _manifest.manifest({"name": "hello-world", "version": "1.1.0", "date": "2026-12-06"}, groups, {})
    for path, text in _manifest.with_sboms(data, groups, str(dist)).items():
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    manifest = dist / "hello-world-1.1.0.manifest.json"
    manifest.write_text(_manifest.render(data))
    signature, fpr = _release_sign.sign(roots["apt"], manifest.read_bytes())[:2]
    (dist / "hello-world-1.1.0.manifest.json.asc").write_text(signature)
    keys = [os.path.join(roots["apt"], "current", "public", "archive-keyring.gpg"),
            os.path.join(roots["yum"], "current", "RPM-GPG-KEY-pkgops")]
    yield {"dist": dist, "manifest": str(manifest), "keys": keys, "site": site, "url": url, "roots": roots, "fpr": fpr}
    server.shutdown()


@pytest.fixture()
def copy(release, tmp_path):
    """The release with its served trees and dist copied, so a test may tamper with them."""
    site = tmp_path / "site"
    shutil.copytree(str(release["site"]), str(site), symlinks=False)
    shutil.copytree(str(release["dist"]), str(tmp_path / "dist"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    manifest = tmp_path / "dist" / os.path.basename(release["manifest"])
    yield {"site": site, "manifest": str(manifest), "url": url, "keys": release["keys"], "old": release["url"]}
    server.shutdown()


def resign(release, copy):
    """The copy's manifest points at the copy's server, signed again with the repository's key."""
    path = copy["manifest"]
    with open(path, encoding="utf-8") as handle:
        text = handle.read().replace(copy["old"], copy["url"])
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    signature = _release_sign.sign(release["roots"]["apt"], text.encode("utf-8"))[0]
    with open(path + ".asc", "w", encoding="utf-8") as handle:
        handle.write(signature)


def mismatches(copy, **kw):
    with pytest.raises(rv.VerifyFailed) as failed:
        rv.verify(copy["manifest"], kw.pop("keys", copy["keys"]), **kw)
    return [(m.artifact, m.where.replace(copy["url"], "URL"), m.expected, m.got) for m in failed.value.mismatches]


def test_a_published_release_verifies_everywhere(release):
    report = rv.verify(release["manifest"], release["keys"], fingerprint=release["fpr"])
    where = sorted(v["where"].replace(release["url"], "URL").replace(str(release["dist"]), "DIST") for v in report["verified"])
    assert where == ["DIST/Hello_World-1.1.0-py3-none-any.whl.cdx.json", "DIST/hello-world-1.1.0-1.noarch.rpm.cdx.json",
                     "DIST/hello-world_1.1.0-1_all.deb.cdx.json", "URL/apt/pool/main/h/hello-world/hello-world_1.1.0-1_all.deb",
                     "URL/py/packages/hello-world/Hello_World-1.1.0-py3-none-any.whl",
                     "URL/yum/packages/hello-world-1.1.0-1.noarch.rpm"]
    assert report["name"] == "hello-world" and report["artifacts"] == 3


def test_tampered_bytes_are_reported_with_where_expected_and_got(release, copy):
    resign(release, copy)
    pool = copy["site"] / "apt" / "pool" / "main" / "h" / "hello-world" / "hello-world_1.1.0-1_all.deb"
    pool.write_bytes(pool.read_bytes() + b"x")
    wheel = copy["site"] / "py" / "packages" / "hello-world" / "Hello_World-1.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not the wheel")
    found = mismatches(copy)
    assert [m[:2] for m in found] == [
        ("Hello_World-1.1.0-py3-none-any.whl", "URL/py/packages/hello-world/Hello_World-1.1.0-py3-none-any.whl"),
        ("hello-world_1.1.0-1_all.deb", "URL/apt/pool/main/h/hello-world/hello-world_1.1.0-1_all.deb")]
    assert found[0][3] == "sha256 " + rv.sha256(b"not the wheel") and found[0][2].startswith("sha256 ")


def test_a_changed_manifest_a_bad_signature_and_a_wrong_key_are_reported(release, copy):
    with open(copy["manifest"], "a", encoding="utf-8") as handle:
        handle.write(" ")
    found = mismatches(copy)
    assert found[0][:3] == ("the manifest", copy["manifest"] + ".asc", "a good signature by the release key")
    assert found[0][3].startswith("no good signature (")
    resign(release, copy)
    repomd = copy["site"] / "yum" / "repodata" / "repomd.xml"
    repomd.write_bytes(repomd.read_bytes().replace(b"<revision>", b"<revision>1"))
    found = mismatches(copy)
    assert [m[:2] for m in found] == [("hello-world-1.1.0-1.noarch.rpm", "URL/yum/repodata/repomd.xml.asc")]
    assert found[0][3].startswith("URL/yum/repodata/repomd.xml.asc: no good signature".replace("URL", copy["url"]))
    found = mismatches(copy, keys=release["keys"][1:])  # the yum key only: the manifest and InRelease do not verify
    assert [m[:2] for m in found] == [("the manifest", copy["manifest"] + ".asc"),
                                      ("hello-world-1.1.0-1.noarch.rpm", "URL/yum/repodata/repomd.xml.asc"),
                                      ("hello-world_1.1.0-1_all.deb", "URL/apt/dists/bookworm/InRelease")]
    found = mismatches(copy, fingerprint="0" * 40)
    assert found[0][3] == "a good signature by %s, not by %s" % (release["fpr"], "0" * 40)


def test_a_missing_artifact_sbom_and_signature_are_reported(release, copy):
    resign(release, copy)
    os.unlink(str(copy["site"] / "yum" / "packages" / "hello-world-1.1.0-1.noarch.rpm"))
    sbom = os.path.join(os.path.dirname(copy["manifest"]), "hello-world_1.1.0-1_all.deb.cdx.json")
    with open(sbom, "a", encoding="utf-8") as handle:
        handle.write("\n")
    os.unlink(copy["manifest"] + ".asc")
    found = mismatches(copy)
    assert [(m[0], m[1], m[3]) for m in found] == [
        ("the manifest", copy["manifest"] + ".asc", "no such file"),
        ("hello-world-1.1.0-1.noarch.rpm", "URL/yum/packages/hello-world-1.1.0-1.noarch.rpm",
         "HTTP 404 from %s/yum/packages/hello-world-1.1.0-1.noarch.rpm" % copy["url"]),
        ("hello-world_1.1.0-1_all.deb", sbom, "sha256 " + rv.sha256(open(sbom, "rb").read()))]
    with pytest.raises(rv.VerifyFailed, match=r"\(3 mismatches\): the manifest at .*: expected a detached signature, got no such file; "):
        rv.verify(copy["manifest"], copy["keys"])


def test_bad_input_is_named(tmp_path, release):
    with pytest.raises(rv.VerifyError, match="Manifest '%s' cannot be read: No such file or directory." % (tmp_path / "m.json")):
        rv.verify(str(tmp_path / "m.json"), release["keys"])
    (tmp_path / "m.json").write_text("[]")
    with pytest.raises(rv.VerifyError, match="has no list of artifacts"):
        rv.verify(str(tmp_path / "m.json"), release["keys"])
    with pytest.raises(rv.VerifyError, match="Public key file '%s' cannot be read" % (tmp_path / "key")):
        rv.verify(release["manifest"], [str(tmp_path / "key")])


def test_the_module_reports_in_check_mode_and_fails_with_every_mismatch(release, copy, capsys):
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.pkgops.release.plugins.modules import release_verify

    def run(**args):
        with patch_module_args(dict(args, _ansible_check_mode=True)):
            with pytest.raises(SystemExit):
                release_verify.main()
        return json.loads(capsys.readouterr().out)

    good = run(manifest=release["manifest"], keys=release["keys"])
    assert not good.get("failed") and not good["changed"] and len(good["verified"]) == 6
    resign(release, copy)
    os.unlink(str(copy["site"] / "yum" / "packages" / "hello-world-1.1.0-1.noarch.rpm"))
    bad = run(manifest=copy["manifest"], keys=copy["keys"])
    assert bad["failed"] and bad["mismatches"] == [{
        "artifact": "hello-world-1.1.0-1.noarch.rpm", "where": copy["url"] + "/yum/packages/hello-world-1.1.0-1.noarch.rpm",
        "expected": "the package", "got": "HTTP 404 from %s/yum/packages/hello-world-1.1.0-1.noarch.rpm" % copy["url"]}]
    assert bad["msg"].startswith("The published release does not match its manifest '%s' (1 mismatch): " % copy["manifest"])


def test_a_tampered_index_page_and_apt_index_are_reported(release, copy):
    import glob

    resign(release, copy)
    page = copy["site"] / "py" / "simple" / "hello-world" / "index.html"
    page.write_text(re.sub(r"#sha256=[0-9a-f]{64}", "#sha256=" + "0" * 64, page.read_text()))
    indexes = glob.glob(str(copy["site"] / "apt" / "dists" / "bookworm" / "main" / "binary-*" / "Packages*"))
    assert indexes
    for path in indexes:
        with open(path, "ab") as handle:
            handle.write(b"\n")
    found = mismatches(copy)
    with open(copy["manifest"], encoding="utf-8") as handle:
        wheel = json.load(handle)["artifacts"][0]
    assert [m[:3] for m in found] == [
        ("Hello_World-1.1.0-py3-none-any.whl", "URL/py/simple/hello-world/", "link #sha256=" + wheel["sha256"]),
        ("hello-world_1.1.0-1_all.deb", "URL/apt/dists/bookworm/InRelease", "signed indexes")]
    assert found[0][3] == "#sha256=" + "0" * 64 and wheel["name"] == "Hello_World-1.1.0-py3-none-any.whl"
    assert re.match(r"^%s/apt/dists/bookworm/main/binary-\S+/Packages\S* has sha256 [0-9a-f]{64}, InRelease lists [0-9a-f]{64}$"
                    % copy["url"], found[1][3]), found[1][3]
