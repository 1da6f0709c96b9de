# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build real PyPI projects as .deb and .rpm with deb_build's and rpm_build's defaults.

Each project of projects.json (pinned by version and the sdist's sha256) is downloaded once
into ``${XDG_CACHE_HOME:-~/.cache}/pkgops-release/corpus/``, unpacked into a scratch directory
and built in-process with ``_debian.build`` and ``_rpm.build`` of the checkout this script sits
in. A table says, per project, ok or the first line of each format's error; ``--json`` keeps the
whole messages. The exit status is 1 when any build failed (0 with ``--report-only``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import random
import re
import shutil
import sys
import tarfile
import tempfile
import time
import traceback
import typing as t
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]  # the collection checkout this script belongs to
PROJECTS = HERE / "projects.json"
DATE = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
MAINTAINER = "Corpus Tester <corpus@example.org>"
CHANGES = ["Packaged from PyPI."]


def _import_root():
    """The directory to put on sys.path so ansible_collections.pkgops.release is this checkout
    (the same rule as tests/unit/conftest.py)."""
    if ROOT.parent.name == "pkgops" and ROOT.parent.parent.name == "ansible_collections":
        return ROOT.parent.parent.parent
    base = ROOT / "tests" / "output" / "import-root"
    link = base / "ansible_collections" / "pkgops" / "release"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(ROOT, link)
    return base


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pkgops-release" / "corpus"


def _sha256(path):
    # the collection's own reader (main() has put the checkout's import root on sys.path before any fetch)
    from ansible_collections.pkgops.release.plugins.module_utils._files import sha256_of

    return sha256_of(str(path))


def fetch(project, cache):
    """The cached sdist of ``project``, downloaded and checked against its sha256 when absent."""
    path = cache / project["sdist"].rsplit("/", 1)[1]
    if path.exists() and _sha256(path) == project["sha256"]:
        return path
    cache.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with urllib.request.urlopen(project["sdist"], timeout=120) as response, open(part, "wb") as handle:
        shutil.copyfileobj(response, handle)
    got = _sha256(part)
    if got != project["sha256"]:
        part.unlink()
        raise ValueError("The sdist '%s' has sha256 %s, not the pinned %s." % (project["sdist"], got, project["sha256"]))
    part.replace(path)
    return path


def unpack(sdist, dest):
    """Unpack ``sdist`` under ``dest``; returns the project's directory (the archive's one top directory)."""
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(dest, filter="data")
        else:  # Python without extraction filters (3.11.2): refuse what would land outside dest
            members = archive.getmembers()
            for member in members:
                parts = Path(member.name).parts
                if member.name.startswith("/") or ".." in parts or member.issym() or member.islnk() or member.isdev():
                    raise ValueError("The sdist '%s' holds '%s', which is not unpacked." % (sdist, member.name))
            archive.extractall(dest, members=members)
    tops = [p for p in Path(dest).iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise ValueError("The sdist '%s' does not hold exactly one top directory." % sdist)
    return str(tops[0])


def choose(projects, only, subset, today):
    if only:
        names = [n.strip() for n in only.split(",") if n.strip()]
        unknown = sorted(set(names) - {p["name"] for p in projects})
        if unknown:
            raise SystemExit("Unknown project(s) %s; projects.json has %s." % (
                ", ".join(unknown), ", ".join(p["name"] for p in projects)))
        return [p for p in projects if p["name"] in names]
    if subset:
        picked = set(random.Random(today.isoformat()).sample(range(len(projects)), min(subset, len(projects))))
        return [p for i, p in enumerate(projects) if i in picked]
    return list(projects)


def describe(exc):
    """The whole message of a failure: the exception's text, and a command's output when it has one."""
    text = "%s: %s" % (type(exc).__name__, exc)
    for key in ("stderr", "stdout"):
        value = getattr(exc, key, "")
        if value and value not in text:
            text += "\n--- %s ---\n%s" % (key, value[-20000:])
    if not hasattr(exc, "rc") and type(exc).__name__.endswith(("Error", "Exception")) and \
            type(exc).__module__.startswith("ansible_collections."):
        return text  # the collection's own error: its message is the whole story
    return text + "\n--- traceback ---\n" + "".join(traceback.format_exception(exc))


def options(cls, project, overrides):
    """The backend's Options: the defaults, with the project's kind and license when ``overrides``
    (license only where the checkout's Options has that field)."""
    given = {}
    if overrides:
        fields = {f.name for f in dataclasses.fields(cls)}
        given = dict((k, project[k]) for k in ("kind", "license") if k in project and k in fields)
    return cls(**given)


def build_one(project, sdist, fmt, modules, overrides=True, keep=None):
    """(None, seconds) when ``fmt``'s build of ``project`` passes, else (the whole error text, seconds).
    With ``keep``, the binary packages built are copied into that directory."""
    _changelog, _debian, _rpm = modules
    release = _changelog.Release(version=project["version"], changes=CHANGES, date=DATE, maintainer=MAINTAINER)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pkgops-corpus-") as tmp:
        try:
            root = unpack(sdist, os.path.join(tmp, "src"))
            out = os.path.join(tmp, "out")
            if fmt == "deb":
                _debian.build(root, out, release, options(_debian.Options, project, overrides))
            else:
                _rpm.build(root, out, release, options(_rpm.Options, project, overrides))
            error = None
            if keep:
                os.makedirs(keep, exist_ok=True)
                for built in binary_packages(out, fmt):
                    shutil.copy2(built, keep)
        except Exception as exc:  # every failure is a finding of the corpus, whatever its type
            error = describe(exc)
    return error, round(time.monotonic() - start, 1)


def binary_packages(out, fmt):
    """The binary packages a build delivered into ``out`` (no source package, no debug symbols)."""
    found = []
    for folder, _dirs, files in os.walk(out):
        for name in files:
            if fmt == "deb" and name.endswith(".deb") and "-dbgsym_" not in name:
                found.append(os.path.join(folder, name))
            elif fmt == "rpm" and name.endswith(".rpm") and not name.endswith(".src.rpm"):
                found.append(os.path.join(folder, name))
    return sorted(found)


@dataclasses.dataclass
class Outcome:
    name: str
    version: str
    shape: str
    deb: t.Optional[str] = None  # None when not built, "" for ok, else the whole error text
    rpm: t.Optional[str] = None
    deb_seconds: float = 0.0
    rpm_seconds: float = 0.0

    expect: t.Dict[str, str] = dataclasses.field(default_factory=dict)  # format -> words of its known failure
    uses: t.Dict[str, t.Any] = dataclasses.field(default_factory=dict)  # format -> install.Use (with --install)

    @property
    def failed(self):
        return bool(self.deb or self.rpm)

    def surprises(self):
        """What differs from projects.json: a build that failed without an expectation, failed otherwise than
        expected, or now passes although a failure is expected (then the expectation goes)."""
        found = []
        for fmt in ("deb", "rpm"):
            error, expected = getattr(self, fmt), self.expect.get(fmt)
            if error is None:
                continue
            if expected and not error:
                found.append("%s %s: builds now; remove its expected failure from projects.json" % (self.name, fmt))
            elif error and not expected:
                found.append("%s %s: %s" % (self.name, fmt, first_line(error)))
            elif error and expected not in error:
                found.append("%s %s: failed otherwise than expected (%r): %s"
                             % (self.name, fmt, expected, first_line(error)))
            use, expected = self.uses.get(fmt), self.expect.get(fmt + "-use")
            if use is None:
                continue
            if use.failed and not (expected and expected in use.summary()):
                found.append("%s %s installed: %s" % (self.name, fmt, use.summary()))
            elif expected and not use.failed:
                found.append("%s %s installed: works now; remove its expected failure from projects.json" % (self.name, fmt))
        return found


def first_line(error):
    """What the table shows: ok, or the error's first line (with the lines it introduces, when it ends in ':')."""
    if error is None:
        return "-"
    if not error:
        return "ok"
    lines = [line.strip() for line in error.strip().splitlines()]
    text = lines[0]
    if text.endswith(":"):
        text += " " + "; ".join(line for line in lines[1:4] if line and not line.startswith("---"))
    return re.sub(r"/tmp/pkgops-corpus-[^/]+/src/", "", text)


def use_cells(outcome):
    """The table's installs, imports and scripts cells: per format, what installing the package showed."""
    installs, imports, scripts = [], [], []
    for fmt in ("deb", "rpm"):
        use = outcome.uses.get(fmt)
        if use is None:
            continue
        installs.append("%s %s" % (fmt, "ok" if use.install == "ok" else use.install[:80]))
        if use.install == "ok":
            for cells, done in ((imports, use.imports), (scripts, use.scripts)):
                bad = [n for n, e in done if e]
                cells.append("%s %d/%d%s" % (fmt, len(done) - len(bad), len(done), " (%s fail)" % ", ".join(bad) if bad else ""))
    return tuple(", ".join(c) or "-" for c in (installs, imports, scripts))


def table(outcomes):
    installed = any(o.uses for o in outcomes)
    head = ("project", "shape", "deb", "rpm") + (("installs", "imports", "scripts") if installed else ()) + ("seconds",)
    rows = [head]
    for o in outcomes:
        seconds = o.deb_seconds + o.rpm_seconds + sum(u.seconds for u in o.uses.values())
        rows.append(("%s %s" % (o.name, o.version), o.shape, first_line(o.deb), first_line(o.rpm))
                    + (use_cells(o) if installed else ()) + ("%.1f" % seconds,))
    lines = []
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        if len(lines) == 1:
            lines.append("|" + "---|" * len(head))
    return "\n".join(lines)


def install_all(outcomes, keep, formats):
    """Install each built package in the test image of its format, use it and remove it (tests/corpus/install.py)."""
    sys.path.insert(0, str(HERE))
    import install  # pylint: disable=import-outside-toplevel

    for fmt in formats:
        built = [o for o in outcomes if getattr(o, fmt) == ""]
        if not built:
            continue
        box = install.Box(fmt, keep)
        try:
            for outcome in built:
                start = time.monotonic()
                for path in binary_packages(os.path.join(keep, outcome.name, fmt), fmt):
                    inside = "/corpus/%s/%s/%s" % (outcome.name, fmt, os.path.basename(path))
                    outcome.uses[fmt] = install.try_package(box, path, inside)
                    outcome.uses[fmt].seconds = round(time.monotonic() - start, 1)
                print("%-16s %s installed: %s" % (outcome.name, fmt, outcome.uses[fmt].summary()[:100]), flush=True)
        finally:
            box.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--only", help="comma-separated project names")
    parser.add_argument("--subset", type=int, help="N projects, chosen by today's date")
    parser.add_argument("--json", dest="json_file", help="write the full results (whole error messages) here")
    parser.add_argument("--formats", default="deb,rpm", help="deb,rpm (default) or one of them")
    parser.add_argument("--no-overrides", action="store_true",
                        help="ignore the projects' kind and license: the modules' bare defaults")
    parser.add_argument("--report-only", action="store_true", help="exit 0 even when builds fail")
    parser.add_argument("--install", action="store_true",
                        help="also install each package in the test images (podman), import its modules, run its commands")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(_import_root()))
    from ansible_collections.pkgops.release.plugins.module_utils import _changelog, _debian, _rpm

    projects = json.loads(PROJECTS.read_text(encoding="utf-8"))["projects"]
    chosen = choose(projects, args.only, args.subset, datetime.date.today())
    formats = [f for f in args.formats.split(",") if f]
    cache, outcomes, started = cache_dir(), [], time.monotonic()
    keep = tempfile.mkdtemp(prefix="pkgops-corpus-packages-") if args.install else None
    for project in chosen:
        outcome = Outcome(project["name"], project["version"], project["shape"],
                          expect=dict((k, v) for k, v in project.get("expect", {}).items() if k in ("deb", "rpm")))
        try:
            sdist = fetch(project, cache)
        except Exception as exc:  # a download that fails is reported like a build that fails
            outcome.deb = outcome.rpm = "Download failed: %s" % exc
        else:
            for fmt in formats:
                error, seconds = build_one(project, sdist, fmt, (_changelog, _debian, _rpm),
                                           overrides=not args.no_overrides,
                                           keep=keep and os.path.join(keep, project["name"], fmt))
                setattr(outcome, fmt, error or "")
                setattr(outcome, fmt + "_seconds", seconds)
        print("%-16s deb: %-6s rpm: %-6s %.1fs" % (
            outcome.name, first_line(outcome.deb)[:60], first_line(outcome.rpm)[:60],
            outcome.deb_seconds + outcome.rpm_seconds), flush=True)
        outcomes.append(outcome)
    if keep:
        try:
            install_all(outcomes, keep, formats)
        finally:
            shutil.rmtree(keep, ignore_errors=True)
    total = round(time.monotonic() - started, 1)
    print()
    print(table(outcomes))
    failed = [o.name for o in outcomes if o.failed]
    surprises = [s for o in outcomes for s in o.surprises()]
    print("\n%d project(s), %d with a failed build (%d as expected in projects.json), %.1f s in all."
          % (len(outcomes), len(failed), len(failed) - len({s.split()[0] for s in surprises} & set(failed)), total))
    for surprise in surprises:
        print(("note: " if "builds now" in surprise else "unexpected: ") + surprise)
    surprises = [s for s in surprises if "builds now" not in s]  # better than expected: a note, not a failure
    if args.json_file:
        data = dict(checkout=str(ROOT), date=datetime.date.today().isoformat(), seconds=total,
                    overrides=not args.no_overrides,
                    results=[dict(dataclasses.asdict(o), deb_ok=o.deb == "", rpm_ok=o.rpm == "",
                                  used=dict((f, u.summary()) for f, u in o.uses.items())) for o in outcomes])
        Path(args.json_file).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0 if args.report_only or not surprises else 1


if __name__ == "__main__":
    sys.exit(main())
