# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PEP 440 versions: parse, bump, and map to Debian and RPM versions.

This is the one place that knows how a project version becomes a package version.
Everything else (filters, modules, roles) calls it.

The mapping (``deb_upstream`` and ``rpm_evr``) keeps PEP 440 order under
``dpkg --compare-versions`` and rpm's ``rpmvercmp``:

=====================  ====================  ======================
PEP 440                Debian upstream       RPM Version
=====================  ====================  ======================
1.2 / 1.2.0 / 1.2.0.0  1.2.0                 1.2.0
1.2.3.4                1.2.3.4               1.2.3.4
1.0.dev2               1.0.0~~dev2           1.0.0~~dev2
1.0a1.dev2             1.0.0~a1~dev2         1.0.0~a1~dev2
1.0a1 / 1.0b2 / 1.0rc3 1.0.0~a1 / ~b2 / ~rc3 1.0.0~a1 / ~b2 / ~rc3
1.0a1.post2            1.0.0~a1+post2        1.0.0~a1^post2
1.0.post1.dev2         1.0.0+post1~dev2      1.0.0^post1~dev2
1.0.post1              1.0.0+post1           1.0.0^post1
2!1.0                  epoch 2: ``2:1.0.0``  Epoch: 2, Version 1.0.0
1.0+local              refused               refused
=====================  ====================  ======================

Why it holds: the release segment is written with at least three components and no
trailing zeros beyond them, so versions PEP 440 calls equal (1.0 == 1.0.0) map to the same
string and a shorter release never meets a suffix where the longer one has a digit. ``~``
sorts before everything (also the end of the string) in both dpkg and rpm, so ``~~dev``
< ``~a`` < ``~b`` < ``~rc`` < end; a dev release of a pre-release gets a further ``~``.
After the end of the string, dpkg sorts ``+`` before ``.`` (and after the end), rpm's caret
``^`` sorts after the end and before any further segment, so post-releases sit between
the release and the next one. The caret needs rpm >= 4.15 (EL 9, Fedora 31).
Local versions are refused: they are not meant for distribution (PyPI refuses them too).
"""

from __future__ import annotations

import dataclasses

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover - reported by the callers via missing_required_lib
    HAS_PACKAGING = False
    Version = InvalidVersion = None
else:
    HAS_PACKAGING = True

BUMP_PARTS = ("major", "minor", "micro", "a", "b", "rc", "post", "dev", "release")
_PRE_KINDS = ("a", "b", "rc")
_MIN_RELEASE_LEN = 3


class VersionError(ValueError):
    """An invalid version, or a bump or mapping that cannot be done."""


def parse(text):
    """Return a ``packaging.version.Version`` for ``text`` or raise ``VersionError``."""
    if not isinstance(text, str):
        text = str(text)
    try:
        return Version(text.strip())
    except InvalidVersion:
        raise VersionError("Invalid version '%s': it is not a PEP 440 version." % text)


def _release_text(release):
    parts = list(release)
    while len(parts) > _MIN_RELEASE_LEN and parts[-1] == 0:
        parts.pop()
    parts.extend([0] * (_MIN_RELEASE_LEN - len(parts)))
    return ".".join(str(p) for p in parts)


def _mappable(text):
    version = parse(text)
    if version.local is not None:
        raise VersionError(
            "Version '%s' has a local label '+%s': local versions are not for distribution "
            "and have no Debian or RPM form." % (text, version.local))
    return version


def _suffix(version, post_sep):
    out = ""
    if version.pre is not None:
        kind, number = version.pre
        out += "~%s%d" % (kind, number)
    if version.post is not None:
        out += "%spost%d" % (post_sep, version.post)
    if version.dev is not None:
        # A dev release sorts before everything else of the same release: one more '~'
        # than a pre-release when it is the dev of the release itself.
        out += ("~dev%d" if (version.pre is not None or version.post is not None) else "~~dev%d") % version.dev
    return out


def deb_upstream(text):
    """The Debian upstream_version (without epoch or revision) of a PEP 440 version."""
    version = _mappable(text)
    return _release_text(version.release) + _suffix(version, "+")


def deb_version(text, revision="1"):
    """The full Debian version ``[epoch:]upstream[-revision]`` of a PEP 440 version."""
    version = _mappable(text)
    revision = "" if revision is None else str(revision)
    if revision and not all(c.isalnum() or c in "+.~" for c in revision):
        raise VersionError(
            "Invalid Debian revision '%s': only letters, digits and '+.~' are allowed." % revision)
    out = deb_upstream(text)
    if version.epoch:
        out = "%d:%s" % (version.epoch, out)
    if revision:
        out += "-" + revision
    return out


@dataclasses.dataclass(frozen=True)
class RpmEVR:
    epoch: int
    version: str
    release: str

    @property
    def evr(self):
        return "%s%s-%s" % ("%d:" % self.epoch if self.epoch else "", self.version, self.release)

    def as_dict(self):
        return {"epoch": self.epoch, "version": self.version, "release": self.release, "evr": self.evr}


def rpm_evr(text, release="1"):
    """The RPM Epoch, Version and Release of a PEP 440 version."""
    version = _mappable(text)
    release = str(release)
    if not release or not all(c.isalnum() or c in "._+~^" for c in release):
        raise VersionError(
            "Invalid RPM release '%s': use letters, digits and '._+~^' only." % release)
    return RpmEVR(version.epoch, _release_text(version.release) + _suffix(version, "^"), release)


def _replace(version, **changes):
    """A new Version from ``version`` with some parts replaced (packaging has no API)."""
    fields = {
        "epoch": version.epoch, "release": version.release, "pre": version.pre,
        "post": version.post, "dev": version.dev,
    }
    fields.update(changes)
    text = ""
    if fields["epoch"]:
        text += "%d!" % fields["epoch"]
    text += ".".join(str(p) for p in fields["release"])
    if fields["pre"] is not None:
        text += "%s%d" % fields["pre"]
    if fields["post"] is not None:
        text += ".post%d" % fields["post"]
    if fields["dev"] is not None:
        text += ".dev%d" % fields["dev"]
    return Version(text)


def _bump_one(version, part):
    if part in ("major", "minor", "micro"):
        index = ("major", "minor", "micro").index(part)
        release = list(version.release) + [0] * max(0, index + 1 - len(version.release))
        release[index] += 1
        release[index + 1:] = [0] * (len(release) - index - 1)
        return _replace(version, release=tuple(release), pre=None, post=None, dev=None)
    if part in _PRE_KINDS:
        if version.pre is not None and version.pre[0] == part:
            if version.dev is not None and version.post is None:
                return _replace(version, dev=None)  # 1.0rc1.dev2 -> 1.0rc1
            return _replace(version, pre=(part, version.pre[1] + 1), post=None, dev=None)
        return _replace(version, pre=(part, 1), post=None, dev=None)
    if part == "post":
        if version.post is not None and version.dev is not None:
            return _replace(version, dev=None)
        return _replace(version, post=(version.post or 0) + 1, dev=None)
    if part == "dev":
        return _replace(version, dev=version.dev + 1 if version.dev is not None else 1)
    # release: the final release of what this version leads to
    if version.post is not None and version.pre is None:
        return _replace(version, dev=None)
    return _replace(version, pre=None, post=None, dev=None)


def bump(text, parts):
    """Bump a version by one part or a comma-separated sequence of parts.

    Parts: ``major`` (incompatible), ``minor`` (compatible feature), ``micro`` (fix),
    ``a``/``b``/``rc`` (pre-release), ``post``, ``dev`` and ``release`` (drop pre/dev).
    Steps apply in order (``minor,rc`` turns 1.2.3 into 1.3.0rc1); the result must sort
    after the input, else the bump is impossible and ``VersionError`` says why.
    """
    version = parse(text)
    if version.local is not None:
        raise VersionError("Cannot bump '%s': it has a local label '+%s'." % (text, version.local))
    steps = [p.strip() for p in (parts.split(",") if isinstance(parts, str) else parts)]
    if not steps or any(step not in BUMP_PARTS for step in steps):
        raise VersionError(
            "Invalid bump '%s': use one or more of %s, separated by commas."
            % (",".join(str(s) for s in steps), ", ".join(BUMP_PARTS)))
    result = version
    for step in steps:
        result = _bump_one(result, step)
    if result <= version:
        raise VersionError(
            "Cannot bump '%s' by '%s': the result '%s' does not sort after it."
            % (text, ",".join(steps), result))
    return str(result)


def compare(left, right):
    """-1, 0 or 1 as PEP 440 orders two versions."""
    a, b = parse(left), parse(right)
    return (a > b) - (a < b)
