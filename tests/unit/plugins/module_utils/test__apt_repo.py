# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reprepro repository: real reprepro, gpg, gpgv and apt-get on real .deb files.

The kill test publishes in a child process, SIGKILLs it at random moments and runs
``apt-get update`` (signatures checked) against the served tree after every kill.
"""
from __future__ import annotations

import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _apt_repo as apt
from ansible_collections.pkgops.release.plugins.module_utils import _repo_base

pytestmark = pytest.mark.skipif(not shutil.which("reprepro") or not shutil.which("apt-get"),
                                reason="needs reprepro and apt-get (scripts/setup.sh installs them)")

EPOCH = "1795564800"


def make_deb(folder, name="hello", version="1.0-1", payload=b"hello\n", arch="all"):
    """A real (tiny) .deb built by dpkg-deb, reproducible for the same inputs."""
    tree = os.path.join(folder, "tree-%s-%s-%d-%s" % (name, version, len(payload), arch))
    os.makedirs(os.path.join(tree, "DEBIAN"))
    os.makedirs(os.path.join(tree, "usr", "share", name))
    with open(os.path.join(tree, "DEBIAN", "control"), "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent("""\
            Package: %s
            Version: %s
            Architecture: %s
            Maintainer: Test <test@example.com>
            Section: misc
            Priority: optional
            Description: test package %s
             A package for the repository tests.
            """ % (name, version, arch, name)))
    with open(os.path.join(tree, "usr", "share", name, "data"), "wb") as handle:
        handle.write(payload)
    out = os.path.join(folder, "%s_%s_%s.deb" % (name, version, arch))
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", tree, out], check=True, capture_output=True,
                   env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH))
    shutil.rmtree(tree)
    return out


def config(root, **kw):
    suites = kw.pop("suites", [apt.Suite("bookworm", "stable"), apt.Suite("bookworm-testing", "testing")])
    return apt.Config(root=str(root), suites=suites, **kw)


def publish(cfg, files=(), **kw):
    change = apt.plan(cfg, files, **kw)
    if change.changed:
        apt.apply(cfg, change)
    return change


def apt_update(root, codename="bookworm", workdir=None):
    """apt-get update against the served tree only, with its key as Signed-By; returns the output."""
    work = workdir or os.path.join(str(root), "..", "apt-client")
    shutil.rmtree(work, ignore_errors=True)
    for sub in ("lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(work, sub))
    served = os.path.join(str(root), "current", "public")
    with open(os.path.join(work, "sources.list"), "w", encoding="utf-8") as handle:
        handle.write("deb [signed-by=%s/archive-keyring.asc] file:%s %s main\n" % (served, served, codename))
    proc = subprocess.run(
        ["apt-get", "-o", "Dir::Etc::sourcelist=%s/sources.list" % work, "-o", "Dir::Etc::sourceparts=-",
         "-o", "Dir::State::Lists=%s/lists" % work, "-o", "Dir::Cache=%s/cache" % work,
         "-o", "APT::Get::List-Cleanup=0", "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root", "update"],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "W:" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture()
def debs(tmp_path):
    folder = tmp_path / "debs"
    folder.mkdir()
    return {
        "hello1": make_deb(str(folder), "hello", "1.0-1"),
        "hello2": make_deb(str(folder), "hello", "2.0-1"),
        "other": make_deb(str(folder), "other", "0.1-1"),
    }


def test_create_publish_and_rerun(tmp_path, debs):
    root = tmp_path / "repo"
    cfg = config(root)
    first = apt.plan(cfg, [debs["hello1"]])
    assert first.changed and first.create and first.new_key
    assert not root.exists(), "planning wrote nothing"
    apt.apply(cfg, first)
    rows = apt.packages(str(root), "bookworm")
    assert [(r[2], r[3], r[5]) for r in rows] == [("hello", "1.0-1", "pool/main/h/hello/hello_1.0-1_all.deb")]
    assert "InRelease" in apt_update(root)
    again = apt.plan(cfg, [debs["hello1"]])
    assert not again.changed and again.unchanged == ["hello_1.0-1_all.deb"]
    # db and conf are outside the served tree; the key is exported into it
    served = root / "current" / "public"
    assert sorted(os.listdir(served)) == ["archive-keyring.asc", "archive-keyring.gpg", "dists", "pool"]
    assert (root / "current" / "db").is_dir() and (root / "current" / "conf" / "distributions").is_file()
    assert oct((root / "gnupg").stat().st_mode & 0o777) == "0o700"


def test_signatures_are_ed25519_sha512_and_verify(tmp_path, debs):
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])
    keys = apt.secret_keys(str(root))
    assert len(keys) == 1 and keys[0][1] == 22  # EdDSA
    dists = root / "current/public/dists/bookworm"
    proc = subprocess.run(["gpg", "--batch", "--list-packets", str(dists / "Release.gpg")],
                          capture_output=True, text=True, check=True, env=dict(os.environ, GNUPGHOME=str(root / "gnupg")))
    assert "digest algo 10," in proc.stdout, proc.stdout  # SHA-512, never SHA-1 (2)
    assert "Hash: SHA512" in (dists / "InRelease").read_text()


def test_other_bytes_for_a_published_version_are_refused(tmp_path, debs):
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])
    before = apt.digest_of_tree(str(root))
    other = tmp_path / "other"
    other.mkdir()
    changed = make_deb(str(other), "hello", "1.0-1", payload=b"different\n")
    with pytest.raises(apt.AptRepoError, match="already published .* with other bytes"):
        apt.plan(cfg, [changed])
    assert apt.digest_of_tree(str(root)) == before


def test_upgrade_withdraw_and_promote(tmp_path, debs):
    root = tmp_path / "repo"
    cfg = config(root, keep=1)  # the archive suites list what the suites list: a replaced file leaves the pool
    publish(cfg, [debs["hello1"], debs["other"]], codename="bookworm-testing")
    publish(cfg, [debs["hello2"]], codename="bookworm-testing")
    assert {(r[2], r[3]) for r in apt.packages(str(root), "bookworm-testing")} == {("hello", "2.0-1"), ("other", "0.1-1")}
    assert apt.packages(str(root), "bookworm") == []
    assert not (root / "current/public/pool/main/h/hello/hello_1.0-1_all.deb").exists(), "replaced files leave the pool"

    promoted = publish(cfg, codename="bookworm", promote=("bookworm-testing", "hello", "2.0-1"))
    assert promoted.copy == [("bookworm", "bookworm-testing", "hello", "2.0-1")]
    stable = apt.packages(str(root), "bookworm")
    testing = apt.packages(str(root), "bookworm-testing")
    assert [r[5] for r in stable] == [r[5] for r in testing if r[2] == "hello"], "the very same pool file"
    assert not apt.plan(cfg, codename="bookworm", promote=("bookworm-testing", "hello", "2.0-1")).changed
    with pytest.raises(apt.AptRepoError, match="not in bookworm-testing"):
        apt.plan(cfg, codename="bookworm", promote=("bookworm-testing", "hello", "9.9-1"))

    withdrawn = publish(cfg, codename="bookworm-testing", withdraw=("other", "0.1-1"))
    assert withdrawn.remove == [("bookworm-testing", "other", "0.1-1")]
    assert {r[2] for r in apt.packages(str(root), "bookworm-testing")} == {"hello"}
    assert not apt.plan(cfg, codename="bookworm-testing", withdraw=("other", "0.1-1")).changed
    apt_update(root, "bookworm")
    apt_update(root, "bookworm-testing")


def test_a_key_that_is_not_the_repositorys_is_refused(tmp_path, debs):
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])
    fpr = apt.secret_keys(str(root))[0][0]
    before = apt.digest_of_tree(str(root))
    with pytest.raises(apt.AptRepoError, match="not a secret key of the repository"):
        apt.plan(config(root, signing_key="0123456789ABCDEF0123456789ABCDEF01234567"), [debs["hello2"]])
    # a second key in the home that is not the one the suites are signed with
    env = dict(os.environ, GNUPGHOME=str(root / "gnupg"))
    subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                    "intruder <x@example.com>", "ed25519", "sign", "never"], check=True, capture_output=True, env=env)
    other = [k[0] for k in apt.secret_keys(str(root)) if k[0] != fpr][0]
    with pytest.raises(apt.AptRepoError, match="is signed by %s; refusing to sign it with %s" % (fpr, other)):
        apt.plan(config(root, signing_key=other), [debs["hello2"]])
    with pytest.raises(apt.AptRepoError, match="holds 2 secret keys"):
        apt.plan(cfg, [debs["hello2"]])
    assert apt.digest_of_tree(str(root)) == before
    assert publish(config(root, signing_key=fpr[-16:]), [debs["hello2"]]).changed


def test_a_weak_key_is_refused(tmp_path, debs):
    root = tmp_path / "repo"
    home = root / "gnupg"
    home.mkdir(parents=True, mode=0o700)
    subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                    "weak <weak@example.com>", "rsa2048", "sign", "never"], check=True, capture_output=True,
                   env=dict(os.environ, GNUPGHOME=str(home)))
    with pytest.raises(apt.AptRepoError, match="too weak"):
        apt.plan(config(root), [debs["hello1"]])
    assert not (root / "current").exists()


def test_bad_input_names_the_file(tmp_path):
    cfg = config(tmp_path / "repo")
    with pytest.raises(apt.AptRepoError, match="'/nonexistent.deb' does not exist"):
        apt.plan(cfg, ["/nonexistent.deb"])
    junk = tmp_path / "junk.txt"
    junk.write_text("x")
    with pytest.raises(apt.AptRepoError, match="junk.txt' is not a .deb"):
        apt.plan(cfg, [str(junk)])
    with pytest.raises(apt.AptRepoError, match="Codename 'sid' is not one of"):
        apt.plan(cfg, [], codename="sid")


def agents(root):
    """The gpg-agents running for a GnuPG home under ``root`` (pgrep, independent of the code)."""
    out = subprocess.run(["pgrep", "-af", "gpg-agent.*%s" % root], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if "pgrep" not in line]


def publish_params(root, files, **kw):
    from test__repo_publish import params

    return params(type="apt", path=str(root), files=files, **kw)


@pytest.mark.skipif(not shutil.which("pgrep"), reason="needs pgrep")
def test_a_failed_first_publish_leaves_no_repository(tmp_path, debs):
    """A first publish failing under the lock (reprepro refuses a package, the plan refuses a codename, the key
    cannot sign) leaves no repository: no key it made, no generation, no pool, no lock file, not even the
    directory when it made it."""
    from ansible_collections.pkgops.release.plugins.module_utils import _repo_publish as rp

    # the verifier accepts it; reprepro refuses it: arm64 is none of the suite's architectures
    foreign = make_deb(str(tmp_path), "hello", "3.0-1", arch="arm64")
    root = tmp_path / "repo"
    with pytest.raises(_repo_base.RepoCommandError, match="^Adding '%s' to bookworm failed" % foreign):
        rp.run(publish_params(root, [foreign]))
    assert not root.exists(), sorted(os.listdir(root))
    with pytest.raises(apt.AptRepoError, match="^Codename 'sid' is not one of"):  # refused by the plan, under the lock
        rp.run(publish_params(root, [debs["hello1"]], codename="sid"))
    assert not root.exists(), sorted(os.listdir(root))
    root.mkdir()  # a directory that was there stays, empty
    with pytest.raises(_repo_base.RepoCommandError, match="^Adding '%s' to bookworm failed" % foreign):
        rp.run(publish_params(root, [debs["hello1"], foreign]))
    assert os.listdir(root) == [] and agents(root) == []
    # the repository's own key, made beforehand, stays; what the failed change made goes. This one has a
    # passphrase: reprepro cannot sign with it in a task
    home = root / "gnupg"
    home.mkdir(mode=0o700)
    subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "secret", "--quick-gen-key",
                    "own <own@example.com>", "ed25519", "sign", "never"], check=True, capture_output=True,
                   env=dict(os.environ, GNUPGHOME=str(home)))
    keys = apt.secret_keys(str(root))
    with pytest.raises(_repo_base.RepoCommandError, match="^Exporting and signing the indices failed"):
        rp.run(publish_params(root, [debs["hello1"]]))
    assert os.listdir(root) == ["gnupg"] and agents(root) == []
    assert apt.secret_keys(str(root)) == keys
    _repo_base.stop_agent(str(root))


def test_what_a_killed_first_publish_made_is_removed_by_the_next_change(tmp_path, debs):
    import ansible_collections

    base = os.path.dirname(os.path.abspath(list(ansible_collections.__path__)[0]))
    script = tmp_path / "publish.py"
    script.write_text(KILL_SCRIPT)

    def start(root):  # in a process group of its own: the kill takes reprepro and gpg with it, as a stopped task's
        proc = subprocess.Popen([sys.executable, str(script), base, str(root), "bookworm", debs["hello1"]],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        assert proc.stdout.readline() == b"ready\n"
        return proc

    began = time.monotonic()
    assert start(tmp_path / "measure").wait() == 0
    duration = time.monotonic() - began
    root = tmp_path / "repo"
    left = []
    for fraction in (0.15, 0.3, 0.45, 0.6, 0.75, 0.9):
        proc = start(root)
        time.sleep(duration * fraction)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if (root / "current").exists():
            break
        left.append(sorted(os.listdir(root)) if root.exists() else [])
        with _repo_base.locked(str(root)):
            _repo_base.recover(str(root))
        assert os.listdir(root) == [".lock"], "a killed first publish's key, generation and pool are removed"
    assert [entries for entries in left if set(entries) - {".lock"}], "no kill left anything: %s" % left
    print("apt first publish: %d kills, left %s, all removed" % (len(left), left))


KILL_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.pkgops.release.plugins.module_utils import _apt_repo as apt
cfg = apt.Config(root=sys.argv[2], suites=[apt.Suite("bookworm", "stable"), apt.Suite("bookworm-testing", "testing")])
print("ready", flush=True)
if sys.argv[3] == "withdraw":
    change = apt.plan(cfg, codename="bookworm", withdraw=(sys.argv[4], sys.argv[5]))
else:
    change = apt.plan(cfg, sys.argv[4:], codename=sys.argv[3])
assert change.changed
apt.apply(cfg, change)
"""


def served_pool(root):
    """(files in the pool, the pool paths the served indices name)."""
    pool = {str(p.relative_to(root)) for p in (root / "pool").rglob("*") if p.is_file() or p.is_symlink()}
    named = {r[5] for c in ("bookworm", "bookworm-testing", "bookworm-archive", "bookworm-testing-archive")
             for r in apt.packages(str(root), c)}
    return pool, named


def test_publishes_killed_at_random_moments_leave_a_working_repository(tmp_path, debs):
    """Kills land after the child is under way (it says "ready" once imported), at random moments of its plan
    and apply; after each, the served state is the old one or the complete new one, and apt-get reads it."""
    import ansible_collections

    base = os.path.dirname(os.path.abspath(list(ansible_collections.__path__)[0]))
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])
    script = tmp_path / "publish.py"
    script.write_text(KILL_SCRIPT)

    def run_publish(args, codename="bookworm"):
        proc = subprocess.Popen([sys.executable, str(script), base, str(root), codename] + args,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read()
        return proc

    timings = []
    for args in (([debs["other"]], "bookworm-testing"), ([debs["hello2"]],), (["hello", "2.0-1"], "withdraw")):
        proc = run_publish(*args)
        start = time.monotonic()
        assert proc.wait() == 0, proc.stderr.read()
        timings.append(time.monotonic() - start)
    duration = sorted(timings)[1]  # the median of three: one slow run on a busy machine does not set the window
    rng = random.Random(20261125)
    kills = completed = switched = orphans = 0
    attempts = 0
    while attempts < 30 or (kills < 24 and attempts < 60):  # a busy machine runs some faster than the window
        attempts += 1
        before = apt.digest_of_tree(str(root))
        # every attempt is a real change: add hello 2.0-1 when it is not there, else withdraw it
        there = any(r[3] == "2.0-1" for r in apt.packages(str(root), "bookworm"))
        proc = run_publish(["hello", "2.0-1"], "withdraw") if there else run_publish([debs["hello2"]])
        time.sleep(rng.uniform(0.0, duration * 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        if proc.returncode == 0:
            completed += 1
        after = apt.digest_of_tree(str(root))
        now_there = any(r[3] == "2.0-1" for r in apt.packages(str(root), "bookworm"))
        # the old state exactly, or the complete new one (a kill after the switch, before exit)
        assert after == before or now_there != there, "a killed publish left a third state"
        assert after != before or now_there == there
        if proc.returncode == 0:
            assert after != before
        switched += after != before
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read()
        pool, named = served_pool(root)
        assert named <= pool, "a file the served indices name is missing: %s" % (named - pool)
        orphans += len(pool - named)
        apt_update(root, "bookworm")
        apt_update(root, "bookworm-testing")
    assert kills >= 20, "only %d of %d publishes were killed (publish takes %.3fs)" % (kills, attempts, duration)
    assert switched, "no publish switched: the kills never came after the switch"
    # the repository still takes changes after all that, and cleans up the killed attempts
    publish(cfg, [debs["hello2"]] if not any(r[3] == "2.0-1" for r in apt.packages(str(root), "bookworm"))
            else [debs["other"]])
    assert ("hello", "2.0-1") in {(r[2], r[3]) for r in apt.packages(str(root), "bookworm")}
    assert len(os.listdir(root / "generations")) == 1
    # the shared pool holds exactly the files the indices name: no leftovers of the killed changes
    pool, named = served_pool(root)
    assert pool == named
    assert not [n for n in os.listdir(root) if n.startswith(".") and n != ".lock"]
    apt_update(root, "bookworm")
    print("apt kill test: %d attempts, %d kills, %d completed, %d switched, %d orphans seen after kills, publish %.3fs"
          % (attempts, kills, completed, switched, orphans, duration))


def test_orphans_are_collected_and_served_files_never(tmp_path, debs):
    """What killed changes leave in the shared pool (a package file copied in before the switch that never came)
    and beside it goes on the next change under the lock, whatever that change is; a served file never goes."""
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])
    publish(cfg, [debs["other"]], codename="bookworm-testing")
    served = apt.digest_of_tree(str(root))
    hello = root / "pool/main/h/hello/hello_1.0-1_all.deb"
    kept = hello.read_bytes()
    # as kills leave them: a new package's file, another version beside a served one, a partial copy
    orphans = ["pool/main/z/zebra/zebra_1.0-1_all.deb", "pool/main/h/hello/hello_2.0-1_all.deb",
               "pool/main/o/other/other_0.2-1_all.deb.new"]
    for rel in orphans:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(debs["hello2"], root / rel)
    (root / "generations" / "1-killed" / "db").mkdir(parents=True)
    os.symlink("generations/1-killed", root / ".current.new")
    (root / ".gc.part").write_text("pool/main/h/hello/hello_1.0-1_all.deb\n")
    # a .gc naming a file the served indices name (a killed change's list): the file stays
    (root / ".gc").write_text("pool/main/h/hello/hello_1.0-1_all.deb\n")
    assert apt.digest_of_tree(str(root)) == served, "nothing of that is served"
    publish(cfg, codename="bookworm-testing", withdraw=("other", "0.1-1"))  # a change about something else
    assert not [rel for rel in orphans if (root / rel).exists()], "the orphans are collected"
    assert not (root / "pool/main/z").exists(), "and the directories they leave empty"
    assert sorted(os.listdir(root)) == [".lock", "current", "generations", "gnupg", "pool"]
    assert len(os.listdir(root / "generations")) == 1
    assert hello.read_bytes() == kept, "the served file stays"
    pool, named = served_pool(root)
    assert pool == named == {"pool/main/h/hello/hello_1.0-1_all.deb"}
    assert "InRelease" in apt_update(root, "bookworm")


@pytest.mark.skipif(not shutil.which("pgrep"), reason="needs pgrep")
def test_no_gpg_agent_outlives_a_publish(tmp_path, debs):
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])  # plan (lists the secret keys) and apply (signs), as the module does
    assert agents(root) == []
    _repo_base.change(str(root), lambda: apt.plan(cfg, [debs["hello2"]]), lambda c: apt.apply(cfg, c))
    assert agents(root) == [], "the repository's gpg-agent was stopped"
    # the probe sees an agent when there is one
    subprocess.run(["gpg", "--homedir", str(root / "gnupg"), "--batch", "--list-secret-keys"], check=True,
                   capture_output=True)
    assert agents(root) != []
    _repo_base.stop_agent(str(root))
    assert agents(root) == []


def test_a_publish_never_writes_through_the_served_generation(tmp_path, debs):
    """The new generation's dists are hard links to the served one's: every file the two share keeps the bytes it
    had, at the same place; what reprepro rewrote (the changed suite's indices, Release, signatures) are new files,
    and the database files are real copies (Berkeley DB writes them in place)."""
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])
    publish(cfg, [debs["other"]], codename="bookworm-testing")
    old = apt.current(str(root))

    def files(gen):
        return {os.stat(p).st_ino: (os.path.relpath(p, gen), pathlib.Path(p).read_bytes())
                for p in (os.path.join(d, n) for d, dirs, names in os.walk(gen) for n in names)
                if not os.path.islink(p)}

    before = files(old)
    publish(cfg, [debs["hello2"]])
    new = apt.current(str(root))
    assert new != old and not os.path.exists(old)
    after = files(new)
    shared = set(before) & set(after)
    assert all(after[ino] == before[ino] for ino in shared), "a file shared with the served generation was changed"
    kept = {"public/dists/bookworm-testing/InRelease", "public/dists/bookworm-testing/main/binary-amd64/Packages"}
    assert {before[ino][0] for ino in shared} >= kept, "the suite the change left alone is shared, not copied"
    rewritten = ["public/dists/bookworm/" + name for name in (
        "InRelease", "Release", "Release.gpg", "main/binary-amd64/Packages", "main/binary-amd64/Packages.gz")]
    assert not [rel for rel, _data in after.values() if (rel.startswith("db/") or rel in rewritten)
                and os.stat(os.path.join(new, rel)).st_ino in before], "the database and the changed indices are new files"
    assert set(rewritten) <= {rel for rel, _data in after.values()}
    assert [r[3] for r in apt.packages(str(root), "bookworm")] == ["2.0-1"]
    apt_update(root, "bookworm")
    apt_update(root, "bookworm-testing")


def test_the_pool_is_walked_only_after_a_killed_change(tmp_path, debs):
    """Files nothing serves reach the pool only from changes killed before their switch, which leave traces (their
    .dirty mark, a generation). A change that finds none does not walk the pool (in a large repository that costs
    more than the change itself); one that finds them collects what the served state does not name."""
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])
    assert not (root / ".dirty").exists(), "a change that finished leaves no mark"
    stray = root / "pool/main/z/zebra/zebra_1.0-1_all.deb"
    stray.parent.mkdir(parents=True)
    shutil.copy(debs["other"], stray)
    publish(cfg, [debs["other"]], codename="bookworm-testing")
    assert stray.exists(), "no trace of a killed change: the pool is not walked"
    # a change killed after reprepro put its file into the pool, whose generation a later killed change removed
    (root / ".dirty").touch()
    publish(cfg, codename="bookworm-testing", withdraw=("other", "0.1-1"))
    assert not stray.exists() and not (root / "pool/main/z").exists()
    assert not (root / ".dirty").exists()
    pool, named = served_pool(root)
    assert pool == named == {"pool/main/h/hello/hello_1.0-1_all.deb"}


def test_unreferenced_files_are_listed_when_a_change_can_leave_some(tmp_path, debs):
    """A new package name leaves every pool file referenced (reprepro is not asked); an upgrade, a withdrawal or a
    promotion can leave some, which are collected (keep 1: the archive suites list what the suites list)."""
    root = tmp_path / "repo"
    cfg = config(root, keep=1)
    publish(cfg, [debs["hello1"]])
    first = publish(cfg, [debs["other"]])
    assert not first.unreferences
    upgrade = apt.plan(cfg, [debs["hello2"]])
    assert upgrade.unreferences
    apt.apply(cfg, upgrade)
    pool, named = served_pool(root)
    assert pool == named == {"pool/main/h/hello/hello_2.0-1_all.deb", "pool/main/o/other/other_0.1-1_all.deb"}
    assert publish(cfg, codename="bookworm-testing", promote=("bookworm", "hello", "2.0-1")).unreferences
    withdraw = publish(cfg, withdraw=("other", "0.1-1"))
    assert withdraw.unreferences
    pool, named = served_pool(root)
    assert pool == named == {"pool/main/h/hello/hello_2.0-1_all.deb"}
    assert not apt.holds_name(apt.current(str(root)), "bookworm", "deb", "hell")
    assert apt.holds_name(apt.current(str(root)), "bookworm", "deb", "hello")
    assert not apt.holds_name(apt.current(str(root)), "bookworm", "dsc", "hello")


def test_a_listing_reads_the_stanzas_of_its_source_only(tmp_path, debs):
    """A source's rows, found by searching the index, are the rows of the whole index for that source, also for
    names that start or contain others' and for the first and last stanza."""
    root = tmp_path / "repo"
    cfg = config(root)
    folder = str(tmp_path / "debs")
    extra = [make_deb(folder, name) for name in ("hello-doc", "ahello", "zhello")]
    publish(cfg, extra + [debs["hello1"], debs["other"]])
    gen = apt.current(str(root))
    every = apt.packages(str(root), "bookworm")
    assert len(every) == 5
    for name in ("hello", "hello-doc", "ahello", "zhello", "other", "hell"):
        assert apt.listing(gen, "bookworm", name) == [r for r in every if r.source == name]


def apt_client(work, *args, cwd=None):
    """apt-get or apt-cache (``args[0]``) with the scratch configuration ``apt_update`` wrote into ``work``."""
    proc = subprocess.run(
        [args[0], "-o", "Dir::Etc::sourcelist=%s/sources.list" % work, "-o", "Dir::Etc::sourceparts=-",
         "-o", "Dir::State::Lists=%s/lists" % work, "-o", "Dir::Cache=%s/cache" % work, "-o", "Debug::NoLocking=1",
         "-o", "APT::Sandbox::User=root"] + list(args[1:]), capture_output=True, text=True, check=False, cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def archive_versions(root, codename="bookworm"):
    return sorted(r[3] for r in apt.packages(str(root), codename + "-archive"))


def test_the_archive_suite_keeps_the_newest_versions_installable(tmp_path):
    """keep 3 after four versions: CODENAME-archive lists the newest three, signed with the repository's key, apt
    sees and fetches each of them; the oldest leaves the pool, the others stay; check mode says what would be."""
    folder = tmp_path / "debs"
    folder.mkdir()
    made = {v: make_deb(str(folder), "hello", v) for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0")}
    root = tmp_path / "repo"
    cfg = config(root, keep=3)
    for version in ("1.0.0", "1.1.0", "1.2.0", "1.3.0"):
        publish(cfg, [made[version]])
    assert archive_versions(root) == ["1.1.0", "1.2.0", "1.3.0"]
    assert [r[3] for r in apt.packages(str(root), "bookworm")] == ["1.3.0"], "the suite itself holds one"
    assert apt.archive_kept(str(root), "bookworm") == [("hello", "1.1.0"), ("hello", "1.2.0"), ("hello", "1.3.0")]
    served = root / "current" / "public"
    archive = served / "dists" / "bookworm-archive"
    release = (archive / "Release").read_text()
    assert "Codename: bookworm-archive\n" in release and "Suite: stable-archive\n" in release
    assert "Origin: pkgops.release\n" in release and "Components: main\n" in release
    fpr = apt.secret_keys(str(root))[0][0]
    for files in (["InRelease"], ["Release.gpg", "Release"]):
        signers, proc = _repo_base.gpgv_signers(str(served / "archive-keyring.gpg"), files, cwd=str(archive))
        assert fpr in signers, proc.stderr
    assert (archive / "InRelease").read_text().startswith("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n")
    work = str(tmp_path / "client")
    apt_update(root, "bookworm-archive", workdir=work)
    madison = apt_client(work, "apt-cache", "madison", "hello")
    assert sorted(line.split("|")[1].strip() for line in madison.splitlines()) == ["1.1.0", "1.2.0", "1.3.0"]
    apt_client(work, "apt-get", "download", "hello=1.1.0", cwd=str(tmp_path))
    assert (tmp_path / "hello_1.1.0_all.deb").read_bytes() == pathlib.Path(made["1.1.0"]).read_bytes()
    pool = root / "pool/main/h/hello"
    assert sorted(os.listdir(pool)) == ["hello_1.1.0_all.deb", "hello_1.2.0_all.deb", "hello_1.3.0_all.deb"]
    assert served_pool(root)[0] == served_pool(root)[1]

    digest = apt.digest_of_tree(str(root))
    assert not apt.plan(cfg, [made["1.3.0"]]).changed, "re-run unchanged"
    assert not apt.plan(cfg).changed
    fewer = config(root, keep=2)
    planned = apt.plan(fewer)  # check mode: planned only
    assert planned.changed and planned.archive["bookworm"] == [("hello", "1.2.0"), ("hello", "1.3.0")]
    assert apt.digest_of_tree(str(root)) == digest and archive_versions(root) == ["1.1.0", "1.2.0", "1.3.0"]
    apt.apply(fewer, planned)
    assert apt.archive_kept(str(root), "bookworm") == planned.archive["bookworm"]
    assert sorted(os.listdir(pool)) == ["hello_1.2.0_all.deb", "hello_1.3.0_all.deb"], "collected after the switch"
    assert not apt.plan(fewer).changed

    gone = publish(fewer, withdraw=("hello", "1.2.0"))  # only in the archive
    assert gone.changed and not gone.remove and gone.archive_drop == [("hello", "1.2.0")]
    assert archive_versions(root) == ["1.3.0"] and sorted(os.listdir(pool)) == ["hello_1.3.0_all.deb"]
    publish(fewer, withdraw=("hello", "1.3.0"))  # in the suite and the archive
    assert archive_versions(root) == [] and apt.packages(str(root), "bookworm") == []
    assert not pool.exists()
    assert not apt.plan(fewer, withdraw=("hello", "1.3.0")).changed
    apt_update(root, "bookworm-archive", workdir=work)


def test_a_promotion_adds_to_the_target_archive(tmp_path, debs):
    root = tmp_path / "repo"
    cfg = config(root, keep=0)
    publish(cfg, [debs["hello1"]], codename="bookworm-testing")
    publish(cfg, codename="bookworm", promote=("bookworm-testing", "hello", "1.0-1"))
    publish(cfg, [debs["hello2"]], codename="bookworm-testing")
    publish(cfg, codename="bookworm", promote=("bookworm-testing", "hello", "2.0-1"))
    assert archive_versions(root) == ["1.0-1", "2.0-1"] == archive_versions(root, "bookworm-testing")
    assert [r[3] for r in apt.packages(str(root), "bookworm")] == ["2.0-1"]
    assert (root / "pool/main/h/hello/hello_1.0-1_all.deb").is_file()
    apt_update(root, "bookworm-archive")


def test_an_archive_suite_name_that_is_a_suite_is_refused(tmp_path):
    cfg = config(tmp_path / "repo", suites=[apt.Suite("bookworm"), apt.Suite("bookworm-archive")])
    with pytest.raises(apt.AptRepoError) as exc:
        apt.plan(cfg)
    assert str(exc.value) == "Codename 'bookworm-archive' is the name of the archive suite of suite 'bookworm': rename it."


def test_a_version_only_the_archive_lists_is_immutable_too(tmp_path, debs):
    root = tmp_path / "repo"
    cfg = config(root)
    publish(cfg, [debs["hello1"]])
    publish(cfg, [debs["hello2"]])
    other = tmp_path / "other"
    other.mkdir()
    changed = make_deb(str(other), "hello", "1.0-1", payload=b"other bytes\n")
    with pytest.raises(apt.AptRepoError, match="is already published as pool/main/h/hello/hello_1.0-1_all.deb with "
                                               "other bytes"):
        apt.plan(cfg, [changed])
    assert archive_versions(root) == ["1.0-1", "2.0-1"]


def _native_source(folder, version):
    """A native source package of hello at ``version`` (dpkg-source -b): its .dsc and tarball."""
    tree = folder / ("hello-" + version)
    (tree / "debian" / "source").mkdir(parents=True)
    (tree / "debian" / "source" / "format").write_text("3.0 (native)\n")
    (tree / "debian" / "control").write_text("Source: hello\nMaintainer: T <t@example.com>\nSection: misc\n"
                                             "Priority: optional\n\nPackage: hello\nArchitecture: all\nDescription: x\n y\n")
    (tree / "debian" / "changelog").write_text("hello (%s) unstable; urgency=medium\n\n  * Test.\n\n"
                                               " -- T <t@example.com>  Wed, 02 Dec 2026 00:00:00 +0000\n" % version)
    (tree / "README").write_text("hello %s\n" % version)
    subprocess.run(["dpkg-source", "-b", tree.name], cwd=str(folder), check=True, capture_output=True)
    return str(folder / ("hello_%s.dsc" % version))


def test_the_archive_keeps_the_tarballs_of_the_sources_it_lists(tmp_path):
    """A source version only the archive lists keeps its tarball: the archive is rebuilt from it again later (here
    when keep changes), and apt-ftparchive reads every file its .dsc names."""
    folder = tmp_path / "src"
    folder.mkdir()
    root = tmp_path / "repo"
    for version in ("1.0", "1.1"):
        publish(config(root, keep=3), [_native_source(folder, version)])
    pool = root / "pool/main/h/hello"
    assert sorted(os.listdir(pool)) == ["hello_1.0.dsc", "hello_1.0.tar.xz", "hello_1.1.dsc", "hello_1.1.tar.xz"]
    publish(config(root, keep=2))  # a full rebuild of the archive, which reads 1.0's .dsc and tarball again
    assert sorted(os.listdir(pool)) == ["hello_1.0.dsc", "hello_1.0.tar.xz", "hello_1.1.dsc", "hello_1.1.tar.xz"]
    assert apt.archive_kept(str(root), "bookworm") == [("hello", "1.0"), ("hello", "1.1")]
