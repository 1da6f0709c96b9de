# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The createrepo_c repository: real rpmbuild, rpmsign, rpmkeys, createrepo_c, gpg and dnf.

The kill test publishes in a child process, SIGKILLs it at random moments and runs
``dnf makecache`` with gpgcheck and repo_gpgcheck against the served tree after every kill.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _repo_base
from ansible_collections.pkgops.release.plugins.module_utils import _yum_repo as yum

pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("rpmbuild", "createrepo_c", "dnf", "rpmsign")),
                                reason="needs rpmbuild, rpmsign, createrepo_c and dnf (scripts/setup.sh)")

SPEC = """Name: %(name)s
Version: %(version)s
Release: 1
Summary: Test package
License: MIT
BuildArch: noarch

%%description
A package for the repository tests (%(payload)s).

%%install
mkdir -p %%{buildroot}/usr/share/%(name)s
echo %(payload)s > %%{buildroot}/usr/share/%(name)s/data

%%files
/usr/share/%(name)s/data
"""


def make_rpm(folder, name, version, payload="one"):
    top = os.path.join(folder, "top-%s-%s-%s" % (name, version, payload))
    os.makedirs(os.path.join(top, "SPECS"))
    spec = os.path.join(top, "SPECS", "p.spec")
    with open(spec, "w", encoding="utf-8") as handle:
        handle.write(SPEC % {"name": name, "version": version, "payload": payload})
    subprocess.run(["rpmbuild", "-bb", "--nodeps", "--define", "_topdir %s" % top, "--define",
                    "_dbpath %s/db" % top, spec], check=True, capture_output=True,
                   env=dict(os.environ, SOURCE_DATE_EPOCH="1795564800"))
    built = os.path.join(top, "RPMS", "noarch", "%s-%s-1.noarch.rpm" % (name, version))
    # one folder per payload: the same name-version-release with other bytes keeps its true file name
    os.makedirs(os.path.join(folder, payload), exist_ok=True)
    out = os.path.join(folder, payload, os.path.basename(built))
    shutil.copy(built, out)
    return out


@pytest.fixture(scope="module")
def rpms(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("rpms"))
    return {key: make_rpm(folder, *args) for key, args in {
        "hello1": ("hello", "1.0"), "hello2": ("hello", "2.0"), "hello3": ("hello", "3.0"),
        "other": ("other", "0.1"), "hello1b": ("hello", "1.0", "two")}.items()}


def publish(cfg, files=(), **kw):
    change = yum.plan(cfg, files, **kw)
    if change.changed:
        yum.apply(cfg, change)
    return change


def dnf_makecache(root, work):
    """dnf makecache of the served tree only, gpgcheck and repo_gpgcheck on; returns dnf's output."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "repos"))
    with open(os.path.join(work, "dnf.conf"), "w", encoding="utf-8") as handle:
        handle.write("[main]\ncachedir=%s/cache\nreposdir=%s/repos\npersistdir=%s/persist\nlogdir=%s\n"
                     "gpgcheck=1\nrepo_gpgcheck=1\n" % (work, work, work, work))
    with open(os.path.join(work, "repos", "t.repo"), "w", encoding="utf-8") as handle:
        handle.write("[t]\nname=t\nbaseurl=file://%s/current\ngpgcheck=1\nrepo_gpgcheck=1\n"
                     "gpgkey=file://%s/current/RPM-GPG-KEY-pkgops\nmetadata_expire=0\n" % (root, root))
    return subprocess.run(["dnf", "-y", "--config", os.path.join(work, "dnf.conf"), "--releasever", "9",
                           "repoquery", "--repo", "t", "--qf", "%{name}-%{version}"],
                          capture_output=True, text=True, check=False)


def test_publish_sign_rerun_and_dnf_reads_it(tmp_path, rpms):
    root = str(tmp_path / "repo")
    cfg = yum.Config(root=root)
    first = yum.plan(cfg, [rpms["hello1"], rpms["other"]])
    assert first.changed and first.create and not os.path.exists(root)
    yum.apply(cfg, first)
    assert sorted(yum.holdings(root)) == ["hello-1.0-1.noarch.rpm", "other-0.1-1.noarch.rpm"]
    again = yum.plan(cfg, [rpms["hello1"], rpms["other"]])
    assert not again.changed and sorted(again.unchanged) == ["hello-1.0-1.noarch.rpm", "other-0.1-1.noarch.rpm"]
    proc = dnf_makecache(root, str(tmp_path / "dnf"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split()) == ["hello-1.0", "other-0.1"]
    # the published file is signed with the repository's key: rpmkeys at signature level says so
    db = str(tmp_path / "rpmdb")
    subprocess.run(["rpmkeys", "--dbpath", db, "--import", root + "/current/RPM-GPG-KEY-pkgops"], check=True)
    signed = subprocess.run(["rpmkeys", "--dbpath", db, "--define", "_pkgverify_level signature", "--checksig",
                             root + "/packages/hello-1.0-1.noarch.rpm"], capture_output=True, text=True, check=False)
    assert signed.returncode == 0 and "signatures OK" in signed.stdout, signed.stdout
    unsigned = subprocess.run(["rpmkeys", "--dbpath", db, "--define", "_pkgverify_level signature", "--checksig",
                               rpms["hello1"]], capture_output=True, text=True, check=False)
    assert unsigned.returncode != 0, unsigned.stdout


def test_tampered_metadata_fails_repo_gpgcheck(tmp_path, rpms):
    root = str(tmp_path / "repo")
    publish(yum.Config(root=root), [rpms["hello1"]])
    repomd = os.path.join(root, "current", "repodata", "repomd.xml")
    with open(repomd, "a", encoding="utf-8") as handle:
        handle.write("<!-- tampered -->\n")
    proc = dnf_makecache(root, str(tmp_path / "dnf"))
    assert proc.returncode != 0, proc.stdout


def test_immutable_withdraw_and_retention(tmp_path, rpms):
    root = str(tmp_path / "repo")
    cfg = yum.Config(root=root)
    publish(cfg, [rpms["hello1"]])
    with pytest.raises(yum.YumRepoError, match="already published as hello-1.0-1.noarch.rpm with another header"):
        yum.plan(cfg, [rpms["hello1b"]])
    publish(cfg, [rpms["hello2"], rpms["hello3"], rpms["other"]])
    kept = yum.Config(root=root, keep=2)
    change = publish(kept)
    assert change.remove == ["hello-1.0-1.noarch.rpm"]
    assert sorted(yum.holdings(root)) == ["hello-2.0-1.noarch.rpm", "hello-3.0-1.noarch.rpm", "other-0.1-1.noarch.rpm"]
    assert not os.path.exists(os.path.join(root, "packages", "hello-1.0-1.noarch.rpm")), "retired files leave the disk"
    withdrawn = publish(cfg, withdraw=("hello", "3.0-1"))
    assert withdrawn.remove == ["hello-3.0-1.noarch.rpm"]
    assert not publish(cfg, withdraw=("hello", "3.0-1")).changed
    proc = dnf_makecache(root, str(tmp_path / "dnf"))
    assert sorted(proc.stdout.split()) == ["hello-2.0", "other-0.1"], proc.stderr


def test_bad_input_and_a_foreign_key(tmp_path, rpms):
    root = str(tmp_path / "repo")
    cfg = yum.Config(root=root)
    with pytest.raises(yum.YumRepoError, match="'/nonexistent.rpm' does not exist"):
        yum.plan(cfg, ["/nonexistent.rpm"])
    junk = tmp_path / "junk.rpm"
    junk.write_text("not an rpm")
    with pytest.raises(yum.YumRepoError, match="junk.rpm' is not a readable RPM"):
        yum.plan(cfg, [str(junk)])
    publish(cfg, [rpms["hello1"]])
    with pytest.raises(yum.YumRepoError, match="not a secret key of the repository"):
        yum.plan(yum.Config(root=root, signing_key="0123456789ABCDEF"), [rpms["hello2"]])


def agents(root):
    """The gpg-agents running for a GnuPG home under ``root`` (pgrep, independent of the code)."""
    out = subprocess.run(["pgrep", "-af", "gpg-agent.*%s" % root], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if "pgrep" not in line]


INTERRUPTED = """
import sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from test__repo_publish import params
from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish as rp
print("ready", flush=True)
rp.run(params(type="yum", path=sys.argv[3], files=sys.argv[4:]))
"""


@pytest.mark.skipif(not shutil.which("pgrep"), reason="needs pgrep")
def test_a_failed_first_publish_leaves_no_repository(tmp_path, rpms):
    """A first publish interrupted (SIGINT, as Ctrl-C) at moments of its apply, or failing to sign with the
    repository's key, leaves no repository; a key home that was there before stays."""
    import ansible_collections
    from test__repo_publish import params

    from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish as rp

    base = os.path.dirname(os.path.abspath(list(ansible_collections.__path__)[0]))
    script = tmp_path / "publish.py"
    script.write_text(INTERRUPTED)

    def start(root):
        proc = subprocess.Popen([sys.executable, str(script), base, os.path.dirname(os.path.abspath(__file__)), str(root),
                                 rpms["hello1"], rpms["other"]], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read()
        return proc

    began = time.monotonic()
    assert start(tmp_path / "measure").wait() == 0
    duration = time.monotonic() - began
    interrupted = 0
    for number, fraction in enumerate((0.2, 0.35, 0.5, 0.65, 0.8)):
        root = tmp_path / ("repo%d" % number)
        proc = start(root)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGINT)
        proc.wait()  # a SIGINT after its end, at the interpreter's exit, kills it without a KeyboardInterrupt
        # no repository, or (interrupted after its switch, or not at all) the complete one
        if root.exists():
            assert sorted(yum.holdings(str(root))) == ["hello-1.0-1.noarch.rpm", "other-0.1-1.noarch.rpm"]
            assert sorted(os.listdir(root)) == [".lock", "current", "generations", "gnupg", "packages"]
        else:
            interrupted += 1
        assert agents(root) == []
    assert interrupted, "no publish was interrupted before its switch"
    root = tmp_path / "repo"
    home = root / "gnupg"
    home.mkdir(parents=True, mode=0o700)
    subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "secret", "--quick-gen-key",
                    "own <own@example.com>", "ed25519", "sign", "never"],
                   check=True, capture_output=True, env=dict(os.environ, GNUPGHOME=str(home)))
    with pytest.raises(_repo_base.RepoCommandError, match="^Signing 2 package"):  # a passphrase: not in a task
        rp.run(params(type="yum", path=str(root), files=[rpms["hello1"], rpms["other"]]))
    assert os.listdir(root) == ["gnupg"] and agents(root) == []
    assert len(_repo_base.secret_keys(str(root))) == 1
    _repo_base.stop_agent(str(root))
    print("yum first publish: %d of 5 interrupted before the switch, none left anything" % interrupted)


def test_orphans_are_collected_and_served_files_never(tmp_path, rpms):
    """Signed packages a killed change left in packages/ (staged, or renamed but never switched to) go on the
    next change under the lock, whatever it is; the files the served metadata names stay."""
    root = tmp_path / "repo"
    cfg = yum.Config(root=str(root))
    publish(cfg, [rpms["hello1"], rpms["other"]])
    served = {name: (root / "packages" / name).read_bytes() for name in yum.holdings(str(root))}
    orphans = ["packages/hello-2.0-1.noarch.rpm", "packages/.incoming-hello-3.0-1.noarch.rpm", "packages/sub/x.rpm"]
    for rel in orphans:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(rpms["hello2"], root / rel)
    (root / "generations" / "1-killed" / "repodata").mkdir(parents=True)
    (root / ".work-killed").mkdir()
    os.symlink("generations/1-killed", root / ".current.new")
    publish(cfg, withdraw=("other", "0.1"))
    assert not [rel for rel in orphans if (root / rel).exists()] and not (root / "packages" / "sub").exists()
    assert sorted(os.listdir(root)) == [".lock", "current", "generations", "gnupg", "packages"]
    assert sorted(os.listdir(root / "packages")) == ["hello-1.0-1.noarch.rpm"] == sorted(yum.holdings(str(root)))
    assert (root / "packages" / "hello-1.0-1.noarch.rpm").read_bytes() == served["hello-1.0-1.noarch.rpm"]
    out = dnf_makecache(str(root), str(tmp_path / "dnf"))
    assert out.returncode == 0 and out.stdout.split() == ["hello-1.0"], out.stdout + out.stderr


@pytest.mark.skipif(not shutil.which("pgrep"), reason="needs pgrep")
def test_no_gpg_agent_outlives_a_publish(tmp_path, rpms):
    root = str(tmp_path / "repo")
    cfg = yum.Config(root=root)
    publish(cfg, [rpms["hello1"]])
    assert agents(root) == []
    _repo_base.change(root, lambda: yum.plan(cfg, [rpms["hello2"]]), lambda c: yum.apply(cfg, c))
    assert agents(root) == [], "the repository's gpg-agent was stopped"
    subprocess.run(["gpg", "--homedir", os.path.join(root, "gnupg"), "--batch", "--list-secret-keys"], check=True,
                   capture_output=True)
    assert agents(root) != [], "the probe sees an agent when there is one"
    _repo_base.stop_agent(root)


KILL_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.pkgops.release.plugins.module_utils import _yum_repo as yum
cfg = yum.Config(root=sys.argv[2])
print("ready", flush=True)
if sys.argv[3] == "withdraw":
    change = yum.plan(cfg, withdraw=("hello", "2.0-1"))
else:
    change = yum.plan(cfg, sys.argv[4:])
assert change.changed
yum.apply(cfg, change)
"""


def test_publishes_killed_at_random_moments_leave_a_working_repository(tmp_path, rpms):
    """Kills land at random moments of the child's plan and apply (it says "ready" once imported)."""
    import ansible_collections

    base = os.path.dirname(os.path.abspath(list(ansible_collections.__path__)[0]))
    root = str(tmp_path / "repo")
    cfg = yum.Config(root=root)
    publish(cfg, [rpms["hello1"]])
    script = tmp_path / "publish.py"
    script.write_text(KILL_SCRIPT)

    def run(*args):
        proc = subprocess.Popen([sys.executable, str(script), base, root] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read()
        return proc

    timings = {"add": [], "withdraw": []}  # a withdrawal signs no package: each kind gets its own window
    for kind in ("add", "withdraw", "add", "withdraw", "add", "withdraw"):
        proc = run(kind, rpms["hello2"]) if kind == "add" else run(kind)
        started = time.monotonic()
        assert proc.wait() == 0, proc.stderr.read()
        timings[kind].append(time.monotonic() - started)
    window = {kind: sorted(times)[1] for kind, times in timings.items()}  # the median: one slow run does not set it
    rng = random.Random(20261125)
    kills = completed = switched = orphans = 0
    attempts = 0
    while attempts < 30 or (kills < 24 and attempts < 60):  # a busy machine runs some faster than the window
        attempts += 1
        before = dict(yum.holdings(root))
        there = "hello-2.0-1.noarch.rpm" in before
        proc = run("withdraw") if there else run("add", rpms["hello2"])
        time.sleep(rng.uniform(0.0, window["withdraw" if there else "add"] * 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read()
        completed += proc.returncode == 0
        after = yum.holdings(root)
        switched += after != before
        # the old state exactly, or the complete new one (a kill after the switch, before exit)
        assert after == before or ("hello-2.0-1.noarch.rpm" in after) != there
        on_disk = set(os.listdir(os.path.join(root, "packages")))
        assert set(after) <= on_disk, "a file the served metadata names is missing"
        orphans += len(on_disk - set(after))
        out = dnf_makecache(root, str(tmp_path / "dnf"))
        assert out.returncode == 0, out.stdout + out.stderr
        assert sorted(out.stdout.split()) == sorted("%s-%s" % (e["name"], e["version"]) for e in after.values())
    assert kills >= 20, "only %d of %d changes were killed (windows %s)" % (kills, attempts, window)
    assert switched, "no publish switched: the kills never came after the switch"
    publish(cfg, [rpms["hello3"]])
    assert len(os.listdir(os.path.join(root, "generations"))) == 1
    on_disk = sorted(n for n in os.listdir(os.path.join(root, "packages")))
    assert on_disk == sorted(yum.holdings(root)), "no leftovers of the killed changes"
    assert not [n for n in os.listdir(root) if n.startswith(".") and n != ".lock"]
    print("yum kill test: %d attempts, %d kills, %d completed, %d switched, %d orphans seen after kills, windows %s"
          % (attempts, kills, completed, switched, orphans, window))


def sha256(path):
    import hashlib

    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def checksig(root, path, db):
    """rpmkeys at signature level against the public key ``root`` serves (independent of the code)."""
    subprocess.run(["rpmkeys", "--dbpath", db, "--import", root + "/current/RPM-GPG-KEY-pkgops"], check=True)
    return subprocess.run(["rpmkeys", "--dbpath", db, "--define", "_pkgverify_level signature", "--checksig", path],
                          capture_output=True, text=True, check=False)


def test_promote_copies_the_same_signed_bytes_from_a_testing_repository(tmp_path, rpms):
    testing, stable = str(tmp_path / "testing"), str(tmp_path / "stable")
    publish(yum.Config(root=testing), [rpms["hello1"], rpms["hello2"], rpms["other"]])
    os.makedirs(stable)
    shutil.copytree(os.path.join(testing, "gnupg"), os.path.join(stable, "gnupg"))  # the same key
    cfg = yum.Config(root=stable)
    change = yum.plan(cfg, promote=(testing, "hello", "2.0"))
    assert change.changed and [p.filename for p in change.copy] == ["hello-2.0-1.noarch.rpm"] and not change.add
    assert os.listdir(stable) == ["gnupg"], "planning writes nothing"
    yum.apply(cfg, change)
    name = "hello-2.0-1.noarch.rpm"
    assert sorted(yum.holdings(stable)) == [name]
    assert sha256(os.path.join(stable, "packages", name)) == sha256(os.path.join(testing, "packages", name))
    assert change.copy[0].sha256 == sha256(os.path.join(testing, "packages", name))
    assert sha256(os.path.join(stable, "packages", name)) != sha256(rpms["hello2"]), "the signed file, not the input"
    signed = checksig(stable, os.path.join(stable, "current", "packages", name), str(tmp_path / "rpmdb"))
    assert signed.returncode == 0 and "signatures OK" in signed.stdout, signed.stdout + signed.stderr
    proc = dnf_makecache(stable, str(tmp_path / "dnf"))
    assert proc.returncode == 0 and proc.stdout.split() == ["hello-2.0"], proc.stdout + proc.stderr
    again = yum.plan(cfg, promote=(testing, "hello", "2.0-1"))
    assert not again.changed and again.unchanged == [name] and [p.filename for p in again.promote] == [name]
    with pytest.raises(yum.YumRepoError, match="^hello 9.9 is not in the yum repository '%s': nothing to promote "
                       "into '%s'.$" % (testing, stable)):
        yum.plan(cfg, promote=(testing, "hello", "9.9"))
    nowhere = str(tmp_path / "none")
    with pytest.raises(yum.YumRepoError, match="^hello 1.0 is not in the yum repository '%s' \\(it serves nothing\\): "
                       "nothing to promote into '%s'.$" % (nowhere, stable)):
        yum.plan(cfg, promote=(nowhere, "hello", "1.0"))


def test_promote_refusals(tmp_path, rpms):
    testing, other = str(tmp_path / "testing"), str(tmp_path / "other")
    publish(yum.Config(root=testing), [rpms["hello1"], rpms["hello2"]])
    signer = yum.state(_repo_base.current(testing))["signer"]
    publish(yum.Config(root=other), [rpms["other"]])  # a repository with a key of its own
    mine = yum.state(_repo_base.current(other))["signer"]
    with pytest.raises(yum.YumRepoError, match="^hello 2.0 in the yum repository '%s' is signed with key %s, and '%s' "
                       "signs with %s: a promotion copies the same bytes" % (testing, signer, other, mine)):
        yum.plan(yum.Config(root=other), promote=(testing, "hello", "2.0"))
    fresh = str(tmp_path / "fresh")
    with pytest.raises(yum.YumRepoError, match="and '%s' has no signing key yet" % fresh):
        yum.plan(yum.Config(root=fresh), promote=(testing, "hello", "2.0"))
    assert not os.path.exists(fresh)
    with pytest.raises(yum.YumRepoError, match="^promote_from '%s' is the repository itself" % testing):
        yum.plan(yum.Config(root=testing), promote=(testing, "hello", "2.0"))
    with pytest.raises(yum.YumRepoError, match="^nope 1.0 is not in the yum repository '%s': nothing to promote into "
                       "'%s'.$" % (testing, other)):
        yum.plan(yum.Config(root=other), promote=(testing, "nope", "1.0"))


def test_a_source_changed_after_planning_fails_the_promotion_and_applies_nothing(tmp_path, rpms):
    testing, stable = str(tmp_path / "testing"), str(tmp_path / "stable")
    publish(yum.Config(root=testing), [rpms["hello1"], rpms["hello2"]])
    cfg = yum.Config(root=stable)
    shutil.copytree(os.path.join(testing, "gnupg"), os.path.join(stable, "gnupg"))
    publish(cfg, [rpms["other"]])
    change = yum.plan(cfg, promote=(testing, "hello", "2.0"))
    source = os.path.join(testing, "packages", "hello-2.0-1.noarch.rpm")
    shutil.copyfile(rpms["hello1"], source + ".new")
    os.replace(source + ".new", source)  # other bytes under the planned name
    with pytest.raises(yum.YumRepoError, match="^'%s' changed after this promotion was planned" % source):
        yum.apply(cfg, change)
    assert sorted(yum.holdings(stable)) == ["other-0.1-1.noarch.rpm"]
    assert sorted(os.listdir(os.path.join(stable, "packages"))) == ["other-0.1-1.noarch.rpm"]
    os.unlink(source)
    with pytest.raises(yum.YumRepoError, match="^'%s' left its repository after this promotion was planned" % source):
        yum.apply(cfg, change)
    assert sorted(yum.holdings(stable)) == ["other-0.1-1.noarch.rpm"]


def test_a_promoted_rpm_that_does_not_verify_with_the_repository_key_is_refused_when_applied(tmp_path, rpms):
    """The plan's signer check aside, apply's rpmkeys check refuses bytes this repository's key did not sign."""
    testing, stable = str(tmp_path / "testing"), str(tmp_path / "stable")
    publish(yum.Config(root=testing), [rpms["hello2"]])
    publish(yum.Config(root=stable), [rpms["other"]])
    cfg = yum.Config(root=stable)
    src = yum.state(_repo_base.current(testing))
    name = "hello-2.0-1.noarch.rpm"
    path = os.path.join(testing, "packages", name)
    change = yum.plan(cfg)
    change.copy = [yum.Rpm(path=path, filename=name, sha256=sha256(path), **src["files"][name])]
    change.holds[name] = src["files"][name]
    with pytest.raises(_repo_base.RepoCommandError, match="^Checking the promoted packages' signatures"):
        yum.apply(cfg, change)
    assert sorted(yum.holdings(stable)) == ["other-0.1-1.noarch.rpm"]
