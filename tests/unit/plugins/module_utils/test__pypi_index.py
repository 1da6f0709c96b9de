# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The static PEP 503 index: normalization, hashes, immutability, atomic switch, withdrawal."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _pypi_index as idx


def wheel(folder, name="Hello_World", version="1.0.0", requires_python=">=3.9", extra=b""):
    path = os.path.join(folder, "%s-%s-py3-none-any.whl" % (name.replace("-", "_"), version))
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
    if requires_python:
        meta += "Requires-Python: %s\n" % requires_python
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello_world/__init__.py", b"X = 1\n" + extra)
        info = "%s-%s.dist-info/" % (name.replace("-", "_"), version)
        archive.writestr(info + "METADATA", meta)
        archive.writestr(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(info + "RECORD", "")
    return path


def sdist(folder, name="hello-world", version="1.0.0"):
    base = "%s-%s" % (name.replace("-", "_"), version)
    path = os.path.join(folder, base + ".tar.gz")
    data = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def publish(root, files=(), withdraw=None):
    the_plan = idx.plan(root, files, withdraw)
    idx.apply(root, the_plan)
    return the_plan


def page(root, project):
    with open(os.path.join(root, "simple", project, "index.html"), encoding="utf-8") as handle:
        return handle.read()


def test_pages_have_normalized_names_hashes_and_requires_python(tmp_path):
    src, root = tmp_path / "src", str(tmp_path / "index")
    src.mkdir()
    whl = wheel(str(src))
    plan = publish(root, [whl, sdist(str(src))])
    assert plan.changed and len(plan.add) == 2
    digest = hashlib.sha256(open(whl, "rb").read()).hexdigest()
    text = page(root, "hello-world")
    assert ('<a href="../../packages/hello-world/Hello_World-1.0.0-py3-none-any.whl#sha256=%s" '
            'data-requires-python="&gt;=3.9">' % digest) in text
    assert "hello_world-1.0.0.tar.gz#sha256=" in text
    assert '<a href="hello-world/">hello-world</a>' in open(os.path.join(root, "simple", "index.html")).read()
    assert os.path.islink(os.path.join(root, "simple"))


def test_same_bytes_again_change_nothing(tmp_path):
    root = str(tmp_path / "index")
    whl = wheel(str(tmp_path))
    publish(root, [whl])
    before = os.readlink(os.path.join(root, "simple"))
    again = publish(root, [whl])
    assert (again.changed, again.unchanged) == (False, [os.path.basename(whl)])
    assert os.readlink(os.path.join(root, "simple")) == before


def test_other_bytes_under_a_published_name_are_refused(tmp_path):
    root = str(tmp_path / "index")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    publish(root, [wheel(str(tmp_path / "a"))])
    state = sorted(os.walk(root))
    with pytest.raises(idx.PypiIndexError) as exc:
        idx.plan(root, [wheel(str(tmp_path / "b"), extra=b"# changed\n")])
    assert "Hello_World-1.0.0-py3-none-any.whl' is already published with other bytes" in str(exc.value)
    assert sorted(os.walk(root)) == state


def test_withdraw_one_version(tmp_path):
    root = str(tmp_path / "index")
    publish(root, [wheel(str(tmp_path), version="1.0.0"), wheel(str(tmp_path), version="1.1.0")])
    plan = publish(root, withdraw=("Hello.World", "1.0"))
    assert [d.filename for d in plan.remove] == ["Hello_World-1.0.0-py3-none-any.whl"]
    text = page(root, "hello-world")
    assert "1.0.0" not in text and "1.1.0" in text
    assert os.listdir(os.path.join(root, "packages", "hello-world")) == ["Hello_World-1.1.0-py3-none-any.whl"]
    assert [e for e in os.listdir(root) if e.startswith(".")] == [os.readlink(os.path.join(root, "simple"))]


def test_metadata_must_match_the_file_name(tmp_path):
    path = wheel(str(tmp_path), version="1.0.0")
    os.rename(path, path.replace("1.0.0", "2.0.0"))
    with pytest.raises(idx.PypiIndexError, match="names hello-world 2.0.0 but its metadata says Hello_World 1.0.0"):
        idx.read_dist(path.replace("1.0.0", "2.0.0"))


def test_not_a_distribution(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("x")
    with pytest.raises(idx.PypiIndexError) as exc:
        idx.read_dist(str(path))
    assert "has no valid distribution file name" in str(exc.value)


def test_interrupted_publish_leaves_the_served_index_whole(tmp_path, monkeypatch):
    """A publish that dies before the switch leaves the old pages, all links resolvable."""
    root = str(tmp_path / "index")
    publish(root, [wheel(str(tmp_path), version="1.0.0")])
    old = page(root, "hello-world")

    def die(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", die)
    new = wheel(str(tmp_path), version="1.1.0")
    with pytest.raises(KeyboardInterrupt):
        idx.apply(root, idx.plan(root, [new]))
    monkeypatch.undo()
    assert page(root, "hello-world") == old
    publish(root, [new])  # the next publish completes the job
    assert "1.1.0" in page(root, "hello-world")


def test_pip_installs_from_the_index(tmp_path):
    """pip itself, isolated from this machine's configuration, resolves from the pages."""
    src, root = tmp_path / "src", str(tmp_path / "index")
    src.mkdir()
    publish(root, [wheel(str(src), version="1.0.0"), wheel(str(src), version="1.1.0")])
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull)
    env.pop("PIP_FIND_LINKS", None)
    out = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--isolated", "--no-deps", "--no-cache-dir",
         "-i", "file://%s/simple/" % root, "-d", str(tmp_path / "got"), "hello-world<1.1"],
        env=env, capture_output=True, text=True, check=True)
    assert os.listdir(tmp_path / "got") == ["Hello_World-1.0.0-py3-none-any.whl"], out.stdout


def served_links(root):
    """{file name: sha256} of every link of the served pages, read with html.parser (independent of the code), after
    checking that each link's file is there with the bytes its #sha256= fragment names."""
    from html.parser import HTMLParser

    found = {}

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href", "")
            if tag == "a" and "#sha256=" in href:
                found[href.split("#")[0]] = href.split("#sha256=")[1]

    simple = os.path.join(root, "simple")
    for project in os.listdir(simple):
        if os.path.isdir(os.path.join(simple, project)):
            with open(os.path.join(simple, project, "index.html"), encoding="utf-8") as handle:
                Links().feed(handle.read())
    out = {}
    for href, digest in found.items():
        path = os.path.normpath(os.path.join(simple, "NAME", href))  # as a URL resolves from simple/NAME/index.html
        with open(path, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest, "served %s does not match its page" % path
        out[os.path.basename(path)] = digest
    return out


def on_disk(root):
    """The files under packages/ (relative paths)."""
    top = os.path.join(root, "packages")
    return {os.path.relpath(os.path.join(d, n), top) for d, _dirs, files in os.walk(top) for n in files}


def test_a_failed_first_publish_leaves_no_index(tmp_path):
    """A first publish that fails under the lock (a planned file vanished before it was copied) leaves no index:
    not the files copied before, not the directory when it made it; what was in a directory that was there stays."""
    from ansible_collections.pkgops.release.plugins.module_utils import _repo_base

    src = tmp_path / "src"
    src.mkdir()
    root = str(tmp_path / "index")

    def vanish_then_apply(the_plan):
        os.unlink(the_plan.add[-1])  # the build directory cleaned meanwhile
        idx.apply(root, the_plan)

    files = [wheel(str(src)), sdist(str(src))]
    with pytest.raises(idx.PypiIndexError, match="^File '%s' is gone since this change was planned: nothing was "
                       "applied; publish again.$" % files[1]):
        _repo_base.change(root, lambda: idx.plan(root, files), vanish_then_apply, lockfile=idx.LOCKFILE)
    assert not os.path.exists(root)
    os.makedirs(root)
    with open(os.path.join(root, "README"), "w", encoding="utf-8") as handle:
        handle.write("the index\n")
    files = [wheel(str(src)), sdist(str(src))]
    with pytest.raises(idx.PypiIndexError, match="is gone since this change was planned"):
        _repo_base.change(root, lambda: idx.plan(root, files), vanish_then_apply, lockfile=idx.LOCKFILE)
    assert os.listdir(root) == ["README"]
    nothing = str(tmp_path / "nothing")  # a change with nothing to do leaves no index either
    the_plan, _applied = _repo_base.change(nothing, lambda: idx.plan(nothing, withdraw=("hello-world", "1.0")),
                                           lambda p: idx.apply(nothing, p), lockfile=idx.LOCKFILE)
    assert not the_plan.changed and not os.path.exists(nothing)
    publish(root, [wheel(str(src))])
    assert sorted(os.listdir(root))[1:] == ["README", "packages", "simple"]


def test_orphans_are_collected_and_served_files_never(tmp_path):
    """Files the served pages do not link - copied in by a change killed before its switch, or withdrawn by one
    killed after it - are neither taken for published nor resurrected, and go on the next change."""
    src, root = tmp_path / "src", str(tmp_path / "index")
    src.mkdir()
    old, new = wheel(str(src), version="1.0.0"), wheel(str(src), version="1.1.0")
    publish(root, [old, new])
    publish(root, withdraw=("hello-world", "1.0.0"))
    served = served_links(root)
    # as kills leave them: a withdrawn file put back, a file copied in for a switch that never came, scratch trees
    folder = os.path.join(root, "packages", "hello-world")
    orphan = wheel(str(src), version="2.0.0")
    for path in (old, orphan):
        with open(path, "rb") as source, open(os.path.join(folder, os.path.basename(path)), "wb") as handle:
            handle.write(source.read())
    os.makedirs(os.path.join(root, "packages", "other"))
    with open(os.path.join(root, "packages", "other", "other-1.0.tar.gz"), "wb") as handle:
        handle.write(b"partial")
    with open(os.path.join(folder, ".incoming-x"), "wb") as handle:
        handle.write(b"partial")
    os.makedirs(os.path.join(root, ".staging-x", "hello-world"))
    os.makedirs(os.path.join(root, ".simple-0123456789abcdef"))
    os.symlink(".simple-0123456789abcdef", os.path.join(root, ".simple-link-1"))
    assert sorted(d.filename for d in idx.current(root)) == sorted(served), "the served pages are the record"
    again = idx.plan(root, [orphan])
    assert again.changed and again.add == [orphan], "a file copied in but never served is not published"
    publish(root, [sdist(str(src), version="3.0.0")])  # a change about something else
    assert on_disk(root) == {"hello-world/Hello_World-1.1.0-py3-none-any.whl", "hello-world/hello_world-3.0.0.tar.gz"}
    assert sorted(os.listdir(root)) == sorted(["packages", "simple", os.readlink(os.path.join(root, "simple"))])
    assert {k: v for k, v in served_links(root).items() if k in served} == served, "the served files stay"
    assert "1.0.0" not in page(root, "hello-world"), "a withdrawn version is not resurrected"


KILL_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.pkgops.release.plugins.module_utils import _pypi_index as idx
from ansible_collections.pkgops.release.plugins.module_utils import _repo_base
root = sys.argv[2]
withdraw = ("hello-world", "2.0.0") if sys.argv[3] == "withdraw" else None
print("ready", flush=True)
the_plan, _applied = _repo_base.change(root, lambda: idx.plan(root, sys.argv[4:], withdraw),
                                       lambda p: idx.apply(root, p), lockfile=idx.LOCKFILE)
assert the_plan.changed
"""


def test_publishes_killed_at_random_moments_leave_a_working_index(tmp_path):
    """Publishes and withdrawals of 2.0.0 (a wheel and an sdist), SIGKILLed at random moments of their plan and
    apply; after each, pip (resolving the newest version from the served pages, checking its #sha256=) and the
    sha256 of every served file against its page show the old index or the complete new one."""
    import random
    import signal
    import time

    import ansible_collections

    base = os.path.dirname(os.path.abspath(list(ansible_collections.__path__)[0]))
    src, root = tmp_path / "src", str(tmp_path / "index")
    src.mkdir()
    payload = random.Random(1).randbytes(3 << 20)  # a few MB to copy: the apply takes a while
    publish(root, [wheel(str(src), version="1.0.0")])
    new = [wheel(str(src), version="2.0.0", extra=payload), sdist(str(src), version="2.0.0")]
    script = tmp_path / "publish.py"
    script.write_text(KILL_SCRIPT)
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull)
    env.pop("PIP_FIND_LINKS", None)

    def run(*args):
        proc = subprocess.Popen([sys.executable, str(script), base, root] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read()
        return proc

    timings = {"add": [], "withdraw": []}  # a withdrawal copies nothing: each kind gets its own window
    for kind in ("add", "withdraw", "add", "withdraw", "add", "withdraw"):
        proc = run(kind, *new) if kind == "add" else run(kind)
        started = time.monotonic()
        assert proc.wait() == 0, proc.stderr.read()
        timings[kind].append(time.monotonic() - started)
    window = {kind: sorted(times)[1] for kind, times in timings.items()}  # the median: one slow run does not set it
    whole = {os.path.basename(p): hashlib.sha256(open(p, "rb").read()).hexdigest() for p in new}
    rng = random.Random(20261206)
    kills = completed = switched = orphans = 0
    attempt = 0
    while attempt < 30 or (kills < 24 and attempt < 60):  # a busy machine runs some faster than the window
        attempt += 1
        before = served_links(root)
        there = set(whole) <= set(before)
        proc = run("withdraw") if there else run("add", *new)
        time.sleep(rng.uniform(0.0, window["withdraw" if there else "add"] * 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read()
        completed += proc.returncode == 0
        after = served_links(root)  # every served file there, with the bytes its page says
        switched += after != before
        # the old index exactly, or the complete new one
        assert after == before or after == ({k: v for k, v in before.items() if k not in whole} if there
                                            else dict(before, **whole)), "a third state: %s" % sorted(after)
        orphans += len({os.path.basename(p) for p in on_disk(root)} - set(after))
        got = tmp_path / ("got-%d" % attempt)
        out = subprocess.run([sys.executable, "-m", "pip", "download", "--isolated", "--no-deps", "--no-cache-dir",
                              "--disable-pip-version-check", "--only-binary", ":all:", "--index-url",
                              "file://%s/simple" % root, "-d", str(got), "hello-world"],
                             env=env, capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stdout + out.stderr
        newest = "2.0.0" if set(whole) <= set(after) else "1.0.0"
        assert os.listdir(got) == ["Hello_World-%s-py3-none-any.whl" % newest], out.stdout
    assert kills >= 20, "only %d of %d changes were killed (windows %s)" % (kills, attempt, window)
    assert switched, "no publish switched: the kills never came after the switch"
    publish(root, [wheel(str(src), version="3.0.0")])
    assert {os.path.basename(p) for p in on_disk(root)} == set(served_links(root)), "no leftovers of the kills"
    assert sorted(os.listdir(root)) == sorted(["packages", "simple", os.readlink(os.path.join(root, "simple"))])
    print("pypi kill test: %d attempts, %d kills, %d completed, %d switched, %d orphans seen after kills, windows %s"
          % (attempt, kills, completed, switched, orphans, window))


def test_withdrawn_and_orphaned_files_go_also_through_a_symlinked_path(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink("real", tmp_path / "link")
    root = str(tmp_path / "link" / "index")
    publish(root, [wheel(str(tmp_path), version="1.0.0"), wheel(str(tmp_path), version="1.1.0")])
    with open(os.path.join(root, "packages", "hello-world", ".incoming-x"), "wb") as handle:
        handle.write(b"partial")
    publish(root, withdraw=("hello-world", "1.0.0"))
    assert on_disk(root) == {"hello-world/Hello_World-1.1.0-py3-none-any.whl"}


def _sha(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_promote_copies_the_same_files_from_a_testing_index_and_pip_gets_them(tmp_path):
    src, testing, stable = tmp_path / "src", str(tmp_path / "testing"), str(tmp_path / "stable")
    src.mkdir()
    publish(testing, [wheel(str(src), version="1.0.0"), sdist(str(src), version="1.0.0"),
                      wheel(str(src), version="1.1.0"), sdist(str(src), version="1.1.0")])
    change = idx.plan(stable, promote=(testing, "HELLO_world", "1.1"))
    names = ["Hello_World-1.1.0-py3-none-any.whl", "hello_world-1.1.0.tar.gz"]
    assert change.changed and sorted(os.path.basename(p) for p in change.copy) == names and not change.add
    assert not os.path.exists(stable), "planning writes nothing"
    idx.apply(stable, change)
    assert sorted(d.filename for d in idx.current(stable)) == names
    for dist in change.promote:
        folder = os.path.join("packages", "hello-world", dist.filename)
        assert _sha(os.path.join(stable, folder)) == _sha(os.path.join(testing, folder)) == dist.sha256
    again = idx.plan(stable, promote=(testing, "hello-world", "1.1.0"))
    assert not again.changed and sorted(again.unchanged) == names and len(again.promote) == 2
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull)
    env.pop("PIP_FIND_LINKS", None)
    got = tmp_path / "got"  # the wheel: pip would build the (test) sdist, which holds no project
    out = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--isolated", "--no-deps", "--no-cache-dir", "--only-binary", ":all:",
         "-i", "file://%s/simple/" % stable, "-d", str(got), "hello-world"],
        env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert os.listdir(got) == [names[0]], out.stdout
    assert _sha(str(got / names[0])) == _sha(os.path.join(testing, "packages", "hello-world", names[0]))


def test_promote_refusals_and_a_source_changed_after_planning(tmp_path):
    src, testing, stable = tmp_path / "src", str(tmp_path / "testing"), str(tmp_path / "stable")
    src.mkdir()
    publish(testing, [wheel(str(src), version="1.0.0")])
    with pytest.raises(idx.PypiIndexError, match="^hello-world 2.0 is not in the index '%s': nothing to promote into "
                       "'%s'.$" % (testing, stable)):
        idx.plan(stable, promote=(testing, "hello-world", "2.0"))
    nowhere = str(tmp_path / "none")
    with pytest.raises(idx.PypiIndexError, match=r"^hello-world 1.0 is not in the index '%s' \(it serves nothing\)"
                       % nowhere):
        idx.plan(stable, promote=(nowhere, "hello-world", "1.0"))
    with pytest.raises(idx.PypiIndexError, match="^promote_from '%s' is the index itself" % testing):
        idx.plan(testing, promote=(testing, "hello-world", "1.0"))
    with pytest.raises(idx.PypiIndexError, match="^Version 'x.y' is not a PEP 440 version.$"):
        idx.plan(stable, promote=(testing, "hello-world", "x.y"))
    other = tmp_path / "other"
    other.mkdir()
    publish(stable, [wheel(str(other), version="1.0.0", extra=b"other bytes")])
    with pytest.raises(idx.PypiIndexError, match="^File 'Hello_World-1.0.0-py3-none-any.whl' is already published "
                       "with other bytes"):
        idx.plan(stable, promote=(testing, "hello-world", "1.0.0"))
    fresh = str(tmp_path / "fresh")
    change = idx.plan(fresh, promote=(testing, "hello-world", "1.0.0"))
    served = os.path.join(testing, "packages", "hello-world", "Hello_World-1.0.0-py3-none-any.whl")
    os.replace(wheel(str(other), version="1.0.0", extra=b"other bytes"), served)  # other bytes, the same name
    with pytest.raises(idx.PypiIndexError, match="^File '%s' changed since this change was planned" % served):
        idx.apply(fresh, change)
    assert not os.path.exists(fresh), "a failed first change leaves no index"
    with pytest.raises(idx.PypiIndexError, match="^File '%s' is other, not the bytes the index '%s' links"
                       % (served, testing)):
        idx.plan(fresh, promote=(testing, "hello-world", "1.0.0"))


def test_an_artifact_that_cannot_be_read_is_named_with_the_reason(tmp_path):
    (tmp_path / "hello_world-1.0-py3-none-any.whl").mkdir()
    with pytest.raises(idx.PypiIndexError) as exc:
        idx.read_dist(str(tmp_path / "hello_world-1.0-py3-none-any.whl"))
    assert str(exc.value) == "File '%s/hello_world-1.0-py3-none-any.whl' is not a readable distribution: Is a directory." % tmp_path
