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
