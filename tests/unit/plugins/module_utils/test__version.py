# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The version mapping against the real comparators: dpkg and rpm.

Three comparators judge every pair: ``packaging.version.Version`` (the truth),
rpm's own ``rpmvercmp`` (python3-rpm's ``labelCompare``, or the ``rpm`` binary's
``rpm.vercmp``) and dpkg (python-debian's ``Version`` in process, cross-checked against
the ``dpkg --compare-versions`` binary). A summary of the pairs compared is written to
tests/output/version-order.json for the test command to print.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from debian.debian_support import Version as DebVersion
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from ansible_collections.pkgops.release.plugins.module_utils import _version as v

rpm = pytest.importorskip("rpm")  # python3-rpm through the 'rpm' shim in the venv

OUTPUT = Path(__file__).resolve().parents[3] / "output" / "version-order.json"
STATS = {"in_process_pairs": 0, "dpkg_binary_pairs": 0, "rpm_binary_pairs": 0,
         "disagreements": 0, "binary_seconds": 0.0}


def _record(**kwargs):
    for key, value in kwargs.items():
        STATS[key] += value
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(STATS, indent=2) + "\n")


def sign(x):
    return (x > 0) - (x < 0)


def pep_cmp(a, b):
    a, b = Version(a), Version(b)
    return (a > b) - (a < b)


def deb_cmp(a, b):
    return sign(DebVersion(v.deb_version(a))._compare(DebVersion(v.deb_version(b))))


def rpm_label(text):
    evr = v.rpm_evr(text)
    return (str(evr.epoch), evr.version, evr.release)


def rpm_cmp(a, b):
    return sign(rpm.labelCompare(rpm_label(a), rpm_label(b)))


# Small numbers on purpose: they make equal and neighbouring versions common.
_num = st.integers(min_value=0, max_value=3)


@st.composite
def pep440(draw):
    text = ""
    epoch = draw(st.sampled_from([0, 0, 0, 0, 1, 2]))
    if epoch:
        text += "%d!" % epoch
    text += ".".join(str(n) for n in draw(st.lists(_num, min_size=1, max_size=5)))
    if draw(st.booleans()):
        text += draw(st.sampled_from(["a", "b", "rc"])) + str(draw(_num))
    if draw(st.booleans()):
        text += ".post%d" % draw(_num)
    if draw(st.booleans()):
        text += ".dev%d" % draw(_num)
    return text


TRICKY_ORDER = [
    "1.0.dev1", "1.0a1.dev1", "1.0a1", "1.0a1.post1.dev1", "1.0a1.post1", "1.0b1.dev1",
    "1.0b1", "1.0rc1.dev1", "1.0rc1", "1.0rc2", "1.0rc10", "1.0", "1.0.post1.dev1",
    "1.0.post1", "1.0.post2", "1.0.0.1", "1.0.1", "1.1.dev0", "1.1", "1.10", "2.0",
    "10.0", "1!0.1", "1!1.0", "2!0.0.1",
]
EQUAL_SPELLINGS = [("1.0", "1.0.0"), ("1.0", "1.0.0.0"), ("1", "1.0.0"), ("1.0c1", "1.0rc1"),
                   ("1.0-1", "1.0.post1"), ("1.0alpha1", "1.0a1"), ("01.02", "1.2"), ("0!1.0", "1.0")]


def _dpkg_batch(pairs, relations):
    """For each pair, whether the dpkg binary holds ``a REL b`` (REL: lt, eq, gt).

    One dpkg run a pair, in two shells working in parallel.
    """
    script = ('while read -r a rel b; do if dpkg --compare-versions "$a" "$rel" "$b"; '
              'then echo 1; else echo 0; fi; done')

    def run(chunk):
        data = "".join("%s %s %s\n" % (a, rel, b) for (a, b), rel in chunk)
        out = subprocess.run(["sh", "-c", script], input=data, capture_output=True, text=True, check=True)
        return [x == "1" for x in out.stdout.split()]

    items = list(zip(pairs, relations))
    half = len(items) // 2
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(run, [items[:half], items[half:]])
    return first + second


REL = {-1: "lt", 0: "eq", 1: "gt"}


def _rpm_batch(pairs):
    """-1/0/1 from the rpm binary's rpm.vercmp (EVR strings) for each pair."""
    with tempfile.TemporaryDirectory() as tmp:
        data, lua = os.path.join(tmp, "pairs"), os.path.join(tmp, "cmp.lua")
        Path(data).write_text("".join("%s %s\n" % pair for pair in pairs))
        Path(lua).write_text(
            'for line in io.lines("%s") do\n'
            '  local sp = string.find(line, " ", 1, true)\n'
            '  io.write(rpm.vercmp(string.sub(line, 1, sp - 1), string.sub(line, sp + 1)), "\\n")\n'
            'end\n' % data)
        out = subprocess.run(["rpm", "--eval", "%%{lua: dofile('%s')}" % lua],
                             capture_output=True, text=True, check=True)
    return [int(x) for x in out.stdout.split()]


def test_tricky_cases_are_in_order():
    for a, b in zip(TRICKY_ORDER, TRICKY_ORDER[1:]):
        assert Version(a) < Version(b)
    pairs = list(itertools.combinations(TRICKY_ORDER, 2))
    deb_pairs = [(v.deb_version(a), v.deb_version(b)) for a, b in pairs]
    rpm_pairs = [(rpm_evr_str(a), rpm_evr_str(b)) for a, b in pairs]
    assert _dpkg_batch(deb_pairs, ["lt"] * len(pairs)) == [True] * len(pairs)
    assert _rpm_batch(rpm_pairs) == [-1] * len(pairs)


def rpm_evr_str(text):
    return v.rpm_evr(text).evr


@pytest.mark.parametrize("a,b", EQUAL_SPELLINGS)
def test_equal_spellings_map_to_the_same_versions(a, b):
    assert Version(a) == Version(b)
    assert v.deb_version(a) == v.deb_version(b)
    assert v.rpm_evr(a) == v.rpm_evr(b)


@pytest.mark.parametrize("text,deb,rpm_version", [
    ("1.2", "1.2.0-1", "1.2.0"),
    ("1.2.3.4.0", "1.2.3.4-1", "1.2.3.4"),
    ("1.0.dev2", "1.0.0~~dev2-1", "1.0.0~~dev2"),
    ("1.0a1.dev2", "1.0.0~a1~dev2-1", "1.0.0~a1~dev2"),
    ("1.0rc3", "1.0.0~rc3-1", "1.0.0~rc3"),
    ("1.0b2.post2", "1.0.0~b2+post2-1", "1.0.0~b2^post2"),
    ("1.0.post1.dev2", "1.0.0+post1~dev2-1", "1.0.0^post1~dev2"),
    ("2!1.0", "2:1.0.0-1", "1.0.0"),
])
def test_documented_mapping(text, deb, rpm_version):
    assert v.deb_version(text) == deb
    assert v.rpm_evr(text).version == rpm_version


def test_epoch_and_release_in_rpm_evr():
    evr = v.rpm_evr("2!1.0rc1", release="3")
    assert evr.as_dict() == {"epoch": 2, "version": "1.0.0~rc1", "release": "3", "evr": "2:1.0.0~rc1-3"}


def test_deb_revision_optional():
    assert v.deb_version("1.0", revision="") == "1.0.0"
    assert v.deb_version("1.0", revision="0pkgops1") == "1.0.0-0pkgops1"


@pytest.mark.parametrize("call,message", [
    (lambda: v.deb_version("1.0+ubuntu.1"),
     "Version '1.0+ubuntu.1' has a local label '+ubuntu.1': local versions are not for "
     "distribution and have no Debian or RPM form."),
    (lambda: v.rpm_evr("1.0+abc"),
     "Version '1.0+abc' has a local label '+abc': local versions are not for distribution "
     "and have no Debian or RPM form."),
    (lambda: v.deb_version("one.two"), "Invalid version 'one.two': it is not a PEP 440 version."),
    (lambda: v.deb_version("1.0", revision="1-2"),
     "Invalid Debian revision '1-2': only letters, digits and '+.~' are allowed."),
    (lambda: v.rpm_evr("1.0", release="1-2"),
     "Invalid RPM release '1-2': use letters, digits and '._+~^' only."),
    (lambda: v.bump("1.0", "patch"),
     "Invalid bump 'patch': use one or more of major, minor, micro, a, b, rc, post, dev, "
     "release, separated by commas."),
    (lambda: v.bump("1.2.3", "rc"), "Cannot bump '1.2.3' by 'rc': the result '1.2.3rc1' does not sort after it."),
    (lambda: v.bump("1.0rc1", "a"), "Cannot bump '1.0rc1' by 'a': the result '1.0a1' does not sort after it."),
    (lambda: v.bump("1.0", "release"), "Cannot bump '1.0' by 'release': the result '1.0' does not sort after it."),
    (lambda: v.bump("1.0+local", "micro"), "Cannot bump '1.0+local': it has a local label '+local'."),
    (lambda: v.bump("x", "micro"), "Invalid version 'x': it is not a PEP 440 version."),
])
def test_errors(call, message):
    with pytest.raises(v.VersionError) as exc:
        call()
    assert str(exc.value) == message


@pytest.mark.parametrize("start,parts,expected", [
    ("1.0.0", "major", "2.0.0"),
    ("1.2.3", "minor", "1.3.0"),
    ("1.2.3", "micro", "1.2.4"),
    ("1.2", "micro", "1.2.1"),
    ("1", "minor", "1.1"),
    ("1!1.2.3", "major", "1!2.0.0"),
    ("1.2.3", "minor,rc", "1.3.0rc1"),
    ("1.3.0rc1", "rc", "1.3.0rc2"),
    ("1.3.0a2", "b", "1.3.0b1"),
    ("1.3.0rc1.dev4", "rc", "1.3.0rc1"),
    ("1.3.0rc1", "release", "1.3.0"),
    ("1.3.0.dev2", "dev", "1.3.0.dev3"),
    ("1.3.0", "micro,dev", "1.3.1.dev1"),
    ("1.3.0", "post", "1.3.0.post1"),
    ("1.3.0.post1", "post", "1.3.0.post2"),
    ("1.3.0.post2.dev1", "post", "1.3.0.post2"),
    ("1.3.0.post2.dev1", "release", "1.3.0.post2"),
    ("1.3.0", ["major", "a"], "2.0.0a1"),
])
def test_bump(start, parts, expected):
    assert v.bump(start, parts) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(st.lists(pep440(), min_size=40, max_size=40))
def test_order_in_process(versions):
    """Every pair of a generated list: PEP 440 == librpm's rpmvercmp == python-debian."""
    pairs = list(itertools.combinations(versions, 2))
    wrong = [(a, b) for a, b in pairs
             if not pep_cmp(a, b) == rpm_cmp(a, b) == deb_cmp(a, b)]
    _record(in_process_pairs=len(pairs), disagreements=len(wrong))
    assert wrong == []


@settings(max_examples=14, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(st.lists(pep440(), min_size=40, max_size=40), st.randoms(use_true_random=False))
def test_order_against_dpkg_and_rpm_binaries(versions, rnd):
    """All 780 pairs of 40 generated versions, each way round at random: the binaries."""
    pairs = [(b, a) if rnd.random() < 0.5 else (a, b) for a, b in itertools.combinations(versions, 2)]
    expected = [pep_cmp(a, b) for a, b in pairs]
    started = time.monotonic()
    dpkg_ok = _dpkg_batch([(v.deb_version(a), v.deb_version(b)) for a, b in pairs],
                          [REL[e] for e in expected])
    rpm_bin = _rpm_batch([(rpm_evr_str(a), rpm_evr_str(b)) for a, b in pairs])
    elapsed = time.monotonic() - started
    assert len(dpkg_ok) == len(rpm_bin) == len(pairs)
    wrong = [p for p, e, d, r in zip(pairs, expected, dpkg_ok, rpm_bin) if not (d and e == r)]
    _record(dpkg_binary_pairs=len(pairs), rpm_binary_pairs=len(pairs),
            disagreements=len(wrong), binary_seconds=round(elapsed, 2))
    assert wrong == []


def test_python_debian_agrees_with_dpkg_on_a_sample():
    """python-debian stands in for dpkg in process: check that it may."""
    rnd = random.Random(4402)
    texts = TRICKY_ORDER + ["0.%d.%d~rc%d+x%d" % tuple(rnd.randrange(12) for _i in range(4)) for _j in range(80)]
    pairs = [(rnd.choice(texts), rnd.choice(texts)) for _k in range(400)]
    debs = [(a if "~" in a else v.deb_version(a), b if "~" in b else v.deb_version(b)) for a, b in pairs]
    in_process = [REL[sign(DebVersion(a)._compare(DebVersion(b)))] for a, b in debs]
    assert _dpkg_batch(debs, in_process) == [True] * len(debs)
