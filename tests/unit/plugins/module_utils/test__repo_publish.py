# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""repo_publish's type table, and concurrent publishes into one repository with the real tools.

The concurrency tests start 8 processes per type that publish 8 different packages into the same
fresh repository at the same moment (each runs ``_repo_publish.run``, the module's whole path),
then check what is served with tools independent of the code: python-debian and gpgv for apt,
the primary metadata and gpgv for yum, the pages and sha256 of the files for the static index.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest
import yaml

from ansible_collections.pkgops.release.plugins.module_utils import _apt_repo, _pypi_index, _repo_base
from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish as rp
from ansible_collections.pkgops.release.plugins.modules import repo_publish

CONCURRENT = 8

SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish
params = json.loads(sys.argv[2])
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # all start at the same moment
try:
    print(json.dumps({"result": _repo_publish.run(params)}))
except _repo_publish.ERRORS as exc:
    print(json.dumps({"error": str(exc)}))
"""


def params(**kw):
    """The module's parameters as AnsibleModule gives them: the spec's defaults, None for options not set."""
    out = {name: spec.get("default") for name, spec in repo_publish.ARGUMENT_SPEC.items()}
    out.update(kw)
    return out


# --- the table ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, option, value, message", [
    ("pypi", "keep", 3, "option 'keep' does not apply to type=pypi (it applies to: apt, yum)."),
    ("yum", "suites", [{"codename": "bookworm"}], "option 'suites' does not apply to type=yum (it applies to: apt)."),
    ("devpi", "keep", 3, "option 'keep' does not apply to type=devpi (it applies to: apt, yum)."),
    ("pypi", "key_type", "ed25519", "option 'key_type' does not apply to type=pypi (it applies to: apt, yum)."),
    ("devpi", "path", "/srv/x",
     "option 'path' does not apply to type=devpi (it applies to: pypi, apt, yum)."),
    ("yum", "twine", "twine", "option 'twine' does not apply to type=yum (it applies to: devpi, pypiserver)."),
    ("devpi", "keep", 0, "option 'keep' does not apply to type=devpi (it applies to: apt, yum)."),
    ("pypi", "renew_key", True, "option 'renew_key' does not apply to type=pypi (it applies to: apt, yum)."),
    ("pypi", "key_renew_days", 0, "option 'key_renew_days' does not apply to type=pypi (it applies to: apt, yum)."),
])
def test_an_option_of_another_type_is_refused_by_name(tmp_path, kind, option, value, message):
    server = dict(url="http://127.0.0.1:1/", username="u", password="p") if kind == "devpi" else {}
    p = params(type=kind, path=None if kind == "devpi" else str(tmp_path / "repo"), **server)
    p[option] = value
    with pytest.raises(rp.PublishError) as exc:
        rp.run(p, check_mode=True)
    assert str(exc.value) == message
    assert not (tmp_path / "repo").exists()


def test_every_refused_option_is_named_in_one_error(tmp_path):
    p = params(type="pypi", path=str(tmp_path / "repo"), keep=2, twine="twine")
    with pytest.raises(rp.PublishError) as exc:
        rp.run(p)
    assert str(exc.value) == ("option 'keep' does not apply to type=pypi (it applies to: apt, yum); option 'twine' "
                              "does not apply to type=pypi (it applies to: devpi, pypiserver).")


def test_unset_options_take_the_types_defaults():
    apt = rp.effective(rp.TYPES["apt"], params(type="apt", path="/r"))
    assert (apt["suites"], apt["component"], apt["key_name"], apt["key_type"]) == (
        [{"codename": "bookworm", "suite": "stable"}], "main", "archive-keyring", "ed25519")
    yum = rp.effective(rp.TYPES["yum"], params(type="yum", path="/r", key_name="K"))
    assert (yum["keep"], yum["key_name"], yum["key_uid"]) == (0, "K", "pkgops.release repository <repository@localhost>")
    assert rp.effective(rp.TYPES["devpi"], params(type="devpi"))["twine"] == "twine"
    assert rp.inapplicable(rp.TYPES["pypi"], params(type="pypi", path="/r")) == ""


def test_every_module_option_belongs_to_the_table_and_the_docs_say_which_types():
    """The argument spec, the table and DOCUMENTATION name the same options and the same types."""
    assert set(repo_publish.ARGUMENT_SPEC) == set(rp.COMMON) | set(rp.OPTIONS)
    doc = yaml.safe_load(repo_publish.DOCUMENTATION)["options"]
    assert set(doc) == set(repo_publish.ARGUMENT_SPEC)
    for name in rp.OPTIONS:
        users = [k.name for k in rp.TYPES.values() if name in k.options]
        text = " ".join(doc[name]["description"] if isinstance(doc[name]["description"], list)
                        else [doc[name]["description"]])
        said = re.search(r"Applies to (?:and is required for )?(.*?)\.(?: |$)", text)
        assert said, "option %s: the docs do not say which types it applies to" % name
        assert re.findall(r"O\(type=(\w+)\)", said.group(1)) == users, name
        assert repo_publish.ARGUMENT_SPEC[name].get("default") is None, "%s: only a set option counts" % name
    assert doc["type"]["choices"] == list(rp.TYPES)


def test_server_types_keep_their_checks():
    with pytest.raises(rp.PublishError, match="^type is devpi but the following are missing: url, password$"):
        rp.run(params(type="devpi", username="u", files=["/x.whl"]))
    with pytest.raises(rp.PublishError, match="^type pypiserver supports state present only"):
        rp.run(params(type="pypiserver", url="http://127.0.0.1:1/", username="u", password="p", state="absent"))


def test_pypi_run_in_check_mode_writes_nothing_then_publishes(tmp_path):
    from test__pypi_index import wheel

    root = str(tmp_path / "index")
    whl = wheel(str(tmp_path))
    p = params(type="pypi", path=root, files=[whl])
    check = rp.run(p, check_mode=True)
    assert check["changed"] and check["added"] == [os.path.basename(whl)] and not os.path.exists(root)
    done = rp.run(p)
    assert done["changed"] and done["artifacts"][0]["project"] == "hello-world"
    assert rp.run(p) == dict(done, changed=False, added=[], unchanged=[os.path.basename(whl)])
    with pytest.raises(rp.PublishError, match="^state is present but files is empty"):
        rp.run(params(type="pypi", path=root))


# --- promotion ---------------------------------------------------------------------------------------

def _sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_pypi_promotion_through_run_check_apply_again(tmp_path):
    from test__pypi_index import sdist, wheel

    testing, stable = str(tmp_path / "testing"), str(tmp_path / "stable")
    files = [wheel(str(tmp_path)), sdist(str(tmp_path))]
    rp.run(params(type="pypi", path=testing, files=files))
    p = params(type="pypi", path=stable, promote_from=testing, name="hello-world", version="1.0.0")
    check = rp.run(p, check_mode=True)
    assert not os.path.exists(stable)
    done = rp.run(p)
    names = sorted(os.path.basename(f) for f in files)
    promotions = [dict(filename=n, sha256=_sha256(os.path.join(testing, "packages", "hello-world", n)),
                       promote_from=testing) for n in names]
    assert check == done
    assert done["changed"] and sorted(done["promoted"]) == names and done["added"] == []
    assert sorted(done["promotions"], key=lambda d: d["filename"]) == promotions
    again = rp.run(p)
    assert again == dict(done, changed=False, promoted=[], unchanged=again["unchanged"])
    assert sorted(again["unchanged"]) == names
    assert rp.run(p, check_mode=True) == again
    assert rp.run(params(type="pypi", path=stable, files=files))["changed"] is False


def test_apt_promotion_reports_the_promoted_files_with_their_sha256(tmp_path):
    from test__apt_repo import make_deb

    root = str(tmp_path / "apt")
    deb = make_deb(str(tmp_path), "hello", "2.0-1")
    suites = [dict(codename="bookworm", suite="stable"), dict(codename="bookworm-testing", suite="testing")]
    rp.run(params(type="apt", path=root, suites=suites, codename="bookworm-testing", files=[deb]))
    p = params(type="apt", path=root, suites=suites, codename="bookworm", promote_from="bookworm-testing",
               name="hello", version="2.0-1")
    expected = [dict(filename="hello_2.0-1_all.deb", sha256=_sha256(deb), promote_from="bookworm-testing")]
    assert rp.run(p, check_mode=True)["promotions"] == expected
    done = rp.run(p)
    assert done["changed"] and done["promoted"] == ["hello 2.0-1"] and done["promotions"] == expected
    again = rp.run(p)
    assert not again["changed"] and again["promotions"] == expected
    assert rp.run(dict(p, promote_from=None, name=None, version=None))["promotions"] == []


@pytest.mark.skipif(not all(shutil.which(t) for t in ("createrepo_c", "rpmsign", "rpmbuild")),
                    reason="needs rpmbuild, rpmsign and createrepo_c")
def test_yum_promotion_through_run_check_apply_again(tmp_path):
    from test__yum_repo import make_rpm

    testing, stable = str(tmp_path / "testing"), str(tmp_path / "stable")
    rp.run(params(type="yum", path=testing, files=[make_rpm(str(tmp_path), "hello", "2.0")]))
    os.makedirs(stable)
    shutil.copytree(os.path.join(testing, "gnupg"), os.path.join(stable, "gnupg"))
    p = params(type="yum", path=stable, promote_from=testing, name="hello", version="2.0")
    check = rp.run(p, check_mode=True)
    assert os.listdir(stable) == ["gnupg"]
    done = rp.run(p)
    name = "hello-2.0-1.noarch.rpm"
    digest = _sha256(os.path.join(testing, "packages", name))
    assert check["promoted"] == done["promoted"] == [name] and done["changed"] and done["added"] == []
    assert done["promotions"] == [dict(filename=name, sha256=digest, promote_from=testing)]
    assert _sha256(os.path.join(stable, "packages", name)) == digest
    again = rp.run(p)
    assert not again["changed"] and again["promoted"] == [] and again["unchanged"] == [name]
    assert again["promotions"] == done["promotions"] and again["fingerprint"] == done["fingerprint"]


@pytest.mark.parametrize("kind, extra, message", [
    ("pypi", dict(state="absent"), "promote_from promotes with state present, not absent: withdraw and promote in two "
                                   "tasks."),
    ("apt", dict(state="absent", promote_from="bookworm-testing"), "promote_from promotes with state present, not "
                                                                   "absent: withdraw and promote in two tasks."),
    ("yum", dict(promote_from="yum-testing"), "promote_from 'yum-testing' is not an absolute path: for type=yum give "
                                              "the root directory of the repository to promote from."),
    ("pypi", dict(promote_from="bookworm"), "promote_from 'bookworm' is not an absolute path: for type=pypi give the "
                                            "root directory of the repository to promote from."),
])
def test_promotion_parameters_that_are_refused(tmp_path, kind, extra, message):
    p = params(type=kind, path=str(tmp_path / "repo"), promote_from="/srv/testing", name="hello", version="1.0")
    p.update(extra)
    with pytest.raises(rp.PublishError, match="^%s$" % re.escape(message)):
        rp.run(p)
    assert not os.path.exists(tmp_path / "repo")


# --- a plan made outside the lock is refused, not applied -----------------------------------------

def test_a_stale_plan_is_refused_for_every_type(tmp_path):
    from test__pypi_index import wheel

    root = str(tmp_path / "index")
    first = _pypi_index.plan(root, [wheel(str(tmp_path), version="1.0.0")])
    _pypi_index.apply(root, _pypi_index.plan(root, [wheel(str(tmp_path), version="2.0.0")]))
    with pytest.raises(_pypi_index.PypiIndexError, match="changed after this change was planned"):
        _pypi_index.apply(root, first)
    assert "2.0.0" in open(os.path.join(root, "simple", "hello-world", "index.html")).read()


@pytest.mark.skipif(not shutil.which("reprepro"), reason="needs reprepro")
def test_a_stale_apt_plan_is_refused(tmp_path):
    from test__apt_repo import make_deb

    cfg = _apt_repo.Config(root=str(tmp_path / "repo"), suites=[_apt_repo.Suite("bookworm")])
    stale = _apt_repo.plan(cfg, [make_deb(str(tmp_path), "one")])
    _apt_repo.apply(cfg, _apt_repo.plan(cfg, [make_deb(str(tmp_path), "two")]))
    with pytest.raises(_repo_base.RepoError, match="^The repository '%s' changed after this change was planned"
                       % re.escape(cfg.root)):
        _apt_repo.apply(cfg, stale)
    assert [r.package for r in _apt_repo.packages(cfg.root, "bookworm")] == ["two"]
    assert len(_repo_base.secret_keys(cfg.root)) == 1, "the stale plan generated no second key"


# --- concurrent publishes ---------------------------------------------------------------------------

def _race(tmp_path, each_params):
    """Run one publish per parameter set, all in their own process, started at the same moment."""
    import ansible_collections

    base = os.path.dirname(os.path.abspath(list(ansible_collections.__path__)[0]))
    script = tmp_path / "publish.py"
    script.write_text(SCRIPT)
    start = time.time() + 1.0
    procs = [subprocess.Popen([sys.executable, str(script), base, json.dumps(p), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in each_params]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(json.loads(out))
    return outs


def _tally(kind, outs, names, served):
    """Per publish: it reported its one file (``names``) added and that is served, or it failed saying why."""
    landed = losers = 0
    for out, name in zip(outs, names):
        if "error" in out:
            losers += 1
            assert name not in served, out
            continue
        assert out["result"]["changed"] and out["result"]["added"] == [name], out
        assert name in served, "%s reported %s added but it is not served" % (kind, name)
        landed += 1
    print("%s: %d publishes started, %d landed, %d losers" % (kind, len(outs), landed, losers))
    return landed, losers


def _gpgv(keyring, files, cwd):
    proc = subprocess.run(["gpgv", "--keyring", keyring] + files, cwd=cwd, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0 and "Good signature" in proc.stderr, proc.stderr


@pytest.mark.skipif(not shutil.which("reprepro") or not shutil.which("gpgv"), reason="needs reprepro and gpgv")
def test_concurrent_apt_publishes_all_land(tmp_path):
    from debian.deb822 import Packages

    from test__apt_repo import make_deb

    debs = [make_deb(str(tmp_path), "pkg%d" % i) for i in range(CONCURRENT)]
    root = str(tmp_path / "repo")
    outs = _race(tmp_path, [params(type="apt", path=root, files=[deb]) for deb in debs])
    served_dir = os.path.join(root, "current", "public")
    with open(os.path.join(served_dir, "dists/bookworm/main/binary-amd64/Packages"), encoding="utf-8") as handle:
        paras = list(Packages.iter_paragraphs(handle))
    served = {os.path.basename(p["Filename"]): p for p in paras}
    assert _tally("apt", outs, [os.path.basename(d) for d in debs], served) == (CONCURRENT, 0)
    assert sorted(p["Package"] for p in paras) == ["pkg%d" % i for i in range(CONCURRENT)]
    for para in paras:
        with open(os.path.join(served_dir, para["Filename"]), "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == para["SHA256"]
    _gpgv(os.path.join(served_dir, "archive-keyring.gpg"), ["InRelease"], os.path.join(served_dir, "dists/bookworm"))
    assert len(_repo_base.secret_keys(root)) == 1, "one signing key, generated once"
    assert {o["result"]["fingerprint"] for o in outs} == {_repo_base.secret_keys(root)[0][0]}


@pytest.mark.skipif(not all(shutil.which(t) for t in ("rpmbuild", "createrepo_c", "rpmsign", "gpgv")),
                    reason="needs rpmbuild, createrepo_c, rpmsign and gpgv")
def test_concurrent_yum_publishes_all_land(tmp_path):
    from test__yum_repo import make_rpm

    rpms = [make_rpm(str(tmp_path), "pkg%d" % i, "1.0") for i in range(CONCURRENT)]
    root = str(tmp_path / "repo")
    outs = _race(tmp_path, [params(type="yum", path=root, files=[rpm]) for rpm in rpms])
    served_dir = os.path.join(root, "current")
    ns = {"repo": "http://linux.duke.edu/metadata/repo", "common": "http://linux.duke.edu/metadata/common"}
    repomd = ET.parse(os.path.join(served_dir, "repodata", "repomd.xml"))
    primary = repomd.find("repo:data[@type='primary']/repo:location", ns).get("href")
    with gzip.open(os.path.join(served_dir, primary)) as handle:
        packages = ET.parse(handle).findall("common:package", ns)
    served = {}
    for pkg in packages:
        href = pkg.find("common:location", ns).get("href")
        served[os.path.basename(href)] = pkg
        with open(os.path.join(served_dir, href), "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == pkg.find("common:checksum", ns).text
    names = ["pkg%d-1.0-1.noarch.rpm" % i for i in range(CONCURRENT)]  # the repository's name-version-release.arch
    assert sorted(served) == names
    assert _tally("yum", outs, names, served) == (CONCURRENT, 0)
    keyring = str(tmp_path / "key.gpg")
    subprocess.run(["gpg", "--batch", "--yes", "--dearmor", "--output", keyring,
                    os.path.join(served_dir, "RPM-GPG-KEY-pkgops")], check=True, capture_output=True)
    _gpgv(keyring, ["repomd.xml.asc", "repomd.xml"], os.path.join(served_dir, "repodata"))
    assert len(_repo_base.secret_keys(root)) == 1, "one signing key, generated once"


def test_concurrent_pypi_publishes_all_land(tmp_path):
    from test__pypi_index import wheel

    wheels = [wheel(str(tmp_path), name="proj%d" % i) for i in range(CONCURRENT)]
    root = str(tmp_path / "index")
    outs = _race(tmp_path, [params(type="pypi", path=root, files=[whl]) for whl in wheels])
    served = {}
    top = open(os.path.join(root, "simple", "index.html"), encoding="utf-8").read()
    for i in range(CONCURRENT):
        assert '<a href="proj%d/">proj%d</a>' % (i, i) in top
        page = open(os.path.join(root, "simple", "proj%d" % i, "index.html"), encoding="utf-8").read()
        for href, digest in re.findall(r'href="([^"#]+)#sha256=([0-9a-f]{64})"', page):
            path = os.path.normpath(os.path.join(root, "simple", "proj%d" % i, href))
            with open(path, "rb") as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == digest, href
            served[os.path.basename(path)] = digest
    assert _tally("pypi", outs, [os.path.basename(w) for w in wheels], served) == (CONCURRENT, 0)
    assert sorted(served) == sorted(os.path.basename(w) for w in wheels)


# --- damaged artifacts never reach a repository ----------------------------------------------------

def _truncated(path, folder):
    """A copy of ``path`` cut to half its size, under the same name in ``folder``."""
    os.makedirs(folder, exist_ok=True)
    out = os.path.join(folder, os.path.basename(path))
    with open(path, "rb") as src, open(out, "wb") as dest:
        dest.write(src.read(os.path.getsize(path) // 2))
    return out


@pytest.mark.skipif(not shutil.which("reprepro") or not shutil.which("rpmbuild"), reason="needs reprepro and rpmbuild")
@pytest.mark.parametrize("kind", ["apt", "yum"])
def test_a_truncated_package_is_refused_before_the_repository_is_touched(tmp_path, kind):
    from test__apt_repo import make_deb
    from test__yum_repo import make_rpm

    good = make_deb(str(tmp_path), "good") if kind == "apt" else make_rpm(str(tmp_path), "good", "1.0")
    bad = _truncated(make_deb(str(tmp_path), "bad") if kind == "apt" else make_rpm(str(tmp_path), "bad", "1.0"),
                     str(tmp_path / "cut"))
    root = str(tmp_path / "repo")
    with pytest.raises(ValueError) as exc:
        rp.run(params(type=kind, path=root, files=[good, bad]))
    assert str(exc.value).startswith("File '%s' " % bad), str(exc.value)
    assert not os.path.exists(root), "no repository, no key, no lock made for a refused publish"
    result = rp.run(params(type=kind, path=root, files=[good]))
    assert result["changed"] and len(result["added"]) == 1


def test_a_wheel_whose_project_name_is_dotdot_is_refused(tmp_path):
    import zipfile

    wheel = tmp_path / "dotdot-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("dotdot-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: ..\nVersion: 1.0\n")
    root = tmp_path / "index"
    root.mkdir()
    with pytest.raises(ValueError) as exc:
        rp.run(params(type="pypi", path=str(root), files=[str(wheel)]))
    assert str(exc.value).startswith("File '%s' " % wheel) and "'..'" in str(exc.value), str(exc.value)
    assert os.listdir(root) == []


def _agents(home):
    out = subprocess.run(["pgrep", "-af", "gpg-agent"], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if home in line]


@pytest.mark.skipif(not shutil.which("rpmbuild") or not shutil.which("pgrep"), reason="needs rpmbuild and pgrep")
def test_a_yum_publish_leaves_no_agent_and_no_scratch_directory_behind(tmp_path):
    from test__yum_repo import make_rpm

    rpm = make_rpm(str(tmp_path), "tidy", "1.0")
    root = str(tmp_path / "repo")
    os.makedirs(os.path.join(root, ".work-killed"))  # what a killed change left
    before = set(os.listdir("/tmp"))
    result = rp.run(params(type="yum", path=root, files=[rpm]))
    assert result["changed"] and result["added"] == ["tidy-1.0-1.noarch.rpm"]
    assert _agents(os.path.join(root, "gnupg")) == [], "the repository's gpg-agent was stopped"
    assert not [n for n in os.listdir(root) if n.startswith(".work-")], "scratch directories are removed"
    assert not [n for n in set(os.listdir("/tmp")) - before if n.startswith("pkgops-yum-")]


@pytest.mark.skipif(not shutil.which("rpmbuild"), reason="needs rpmbuild")
def test_a_generated_key_expires_and_a_near_expiry_is_warned(tmp_path):
    import datetime

    from test__yum_repo import make_rpm

    rpm = make_rpm(str(tmp_path), "dated", "1.0")
    root = str(tmp_path / "repo")
    result = rp.run(params(type="yum", path=root, files=[rpm], key_expiry="30d", key_renew_days=0))  # no renewal
    expires = datetime.datetime.strptime(result["key_expires"], "%Y-%m-%d").date()
    assert 29 <= (expires - datetime.datetime.utcnow().date()).days <= 31, result["key_expires"]
    listing = subprocess.run(["gpg", "--homedir", os.path.join(root, "gnupg"), "--with-colons", "--list-keys"],
                             capture_output=True, text=True, check=True).stdout
    sec = [line.split(":") for line in listing.splitlines() if line.startswith("pub:")][0]
    assert sec[6], "gpg itself says the key expires"
    assert len(result["warnings"]) == 1 and result["warnings"][0].startswith(
        "The repository's signing key %s expires on %s, in " % (result["fingerprint"], result["key_expires"]))
    date, warnings = _repo_base.expiry_report(root, result["fingerprint"], now=time.time() + 40 * 86400)
    assert date == result["key_expires"] and warnings[0].startswith(
        "The repository's signing key %s expired on %s: clients refuse what it signs" % (result["fingerprint"], date))
    fresh = rp.run(params(type="yum", path=str(tmp_path / "repo2"), files=[rpm]))  # the default: two years
    years = (datetime.datetime.strptime(fresh["key_expires"], "%Y-%m-%d").date() - datetime.date.today()).days
    assert 729 <= years <= 732 and "warnings" not in fresh


def test_a_key_expiry_gpg_does_not_take_is_refused(tmp_path):
    with pytest.raises(rp.PublishError, match="^key_expiry 'soon' is not an expiry gpg takes"):
        rp.run(params(type="apt", path=str(tmp_path / "repo"), files=[], key_expiry="soon"))
    assert not os.path.exists(tmp_path / "repo")


@pytest.mark.parametrize("options, message", [
    (dict(key_renew_days=-1), "key_renew_days is -1: use 0 (no renewal unless renew_key) or the days before the key's "
                              "expiry from which it is renewed."),
    (dict(key_expiry="90d"), "key_expiry '90d' does not reach past the renewal window (key_renew_days 90): a renewed "
                             "key would be due again at once; give a longer key_expiry or fewer key_renew_days (0 "
                             "turns renewal off)."),
    (dict(key_expiry="1m", key_renew_days=31), "key_expiry '1m' does not reach past the renewal window "
                                               "(key_renew_days 31): a renewed key would be due again at once; give a "
                                               "longer key_expiry or fewer key_renew_days (0 turns renewal off)."),
    (dict(key_expiry="2000-01-01"), "key_expiry '2000-01-01' does not reach past the renewal window (key_renew_days "
                                    "90): a renewed key would be due again at once; give a longer key_expiry or fewer "
                                    "key_renew_days (0 turns renewal off)."),
])
@pytest.mark.parametrize("kind", ["apt", "yum"])
def test_a_renewal_that_would_be_due_again_at_once_is_refused(tmp_path, kind, options, message):
    with pytest.raises(rp.PublishError) as exc:
        rp.run(params(type=kind, path=str(tmp_path / "repo"), files=[], **options))
    assert str(exc.value) == message
    assert not os.path.exists(tmp_path / "repo")


def test_the_renewal_settings_that_are_taken():
    def settings(**kw):
        return rp._key_settings(dict(dict(key_expiry="2y", key_renew_days=90, renew_key=None), **kw), now=0)

    assert settings() == dict(expiry="2y", renew_days=90, renew=False)
    assert settings(key_expiry="91d", renew_key=True) == dict(expiry="91d", renew_days=90, renew=True)
    assert settings(key_expiry="30d", key_renew_days=0)["renew_days"] == 0, "no window: any lifetime"
    assert settings(key_expiry="never")["expiry"] == "never"


@pytest.mark.parametrize("kind, extra, message", [
    ("apt", dict(codename="trixie"), "Codename 'trixie' is not one of the repository's suites (bookworm)."),
    ("apt", dict(component="contrib"), "Component 'contrib' is not one of bookworm's components (main)."),
    ("yum", dict(keep=-1), "keep must be 0 (keep every version) or more, not -1."),
    ("apt", dict(keep=-1), "keep must be 0 (keep every version) or more, not -1."),
])
def test_a_refused_first_change_leaves_no_repository(tmp_path, kind, extra, message):
    """The repository a change was to create is removed again when the change fails (no root, no .lock)."""
    with pytest.raises(rp.ERRORS) as exc:
        rp.run(params(type=kind, path=str(tmp_path / "repo"), **extra))
    assert str(exc.value) == message
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kind", ["pypi", "apt", "yum"])
def test_a_root_that_is_a_file_is_refused_by_name(tmp_path, kind):
    (tmp_path / "repo").write_text("x")
    with pytest.raises(rp.ERRORS) as exc:
        rp.run(params(type=kind, path=str(tmp_path / "repo"), state="absent", name="hello", version="1.0"))
    assert str(exc.value) == "Path '%s/repo' (path) is a file, not a directory: remove it or give another path." % tmp_path
    assert os.listdir(tmp_path) == ["repo"] and (tmp_path / "repo").read_text() == "x"


def test_a_pypi_file_that_exists_but_is_no_artifact_is_not_called_missing(tmp_path):
    (tmp_path / "dist.whl").mkdir()
    with pytest.raises(rp.ERRORS) as exc:
        rp.run(params(type="pypi", path=str(tmp_path / "index"), files=[str(tmp_path / "dist.whl")]))
    assert str(exc.value) == "File '%s/dist.whl' is not a regular file; give the artifact itself." % tmp_path


def test_apt_keep_through_run_check_apply_again(tmp_path):
    """keep for type=apt: the result's ``archive`` says what CODENAME-archive keeps of the change's source, the same
    in check mode (nothing written) as after the change; a re-run is unchanged."""
    from test__apt_repo import make_deb

    root = str(tmp_path / "repo")
    one, two = (make_deb(str(tmp_path), "hello", v) for v in ("1.0-1", "2.0-1"))
    assert rp.run(params(type="apt", path=root, files=[one], keep=1))["archive"] == {
        "bookworm": {"codename": "bookworm-archive", "suite": "stable-archive", "kept": ["hello 1.0-1"]}}
    served = _apt_repo.digest_of_tree(root)
    checked = rp.run(params(type="apt", path=root, files=[two], keep=2), check_mode=True)
    assert checked["changed"] and checked["archive"]["bookworm"]["kept"] == ["hello 1.0-1", "hello 2.0-1"]
    assert _apt_repo.digest_of_tree(root) == served
    applied = rp.run(params(type="apt", path=root, files=[two], keep=2))
    assert applied["archive"] == checked["archive"]
    again = rp.run(params(type="apt", path=root, files=[two], keep=2))
    assert not again["changed"] and again["archive"] == checked["archive"]
    withdraw = rp.run(params(type="apt", path=root, name="hello", version="1.0-1", state="absent", keep=2),
                      check_mode=True)
    assert withdraw["changed"] and withdraw["removed"] == [] and withdraw["archive"]["bookworm"]["kept"] == ["hello 2.0-1"]
