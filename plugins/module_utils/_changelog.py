# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Add the entry of one release to a changelog: rst, Markdown, debian/changelog, spec.

``plan_entry`` reads the current text and returns a ``Plan`` (text before, text after,
whether it changed and why). It never writes: the module applies the plan. One
``Release`` (version, date, changes, compatibility) renders to every format, so a release
writes its project changelog, debian/changelog and %changelog from the same words.
"""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import os
import re
import textwrap
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _git, _version

try:
    from debian import changelog as deb_changelog
    from debian.debian_support import Version as DebVersion
except ImportError:  # pragma: no cover - reported by the module via missing_required_lib
    HAS_DEBIAN = False
else:
    HAS_DEBIAN = True

FORMATS = ("rst", "markdown", "debian", "rpm")
DEFAULT_RST_DATE_FORMAT = "%d-%b-%Y"
# dch writes each change through a Perl format whose text field is 68 columns wide.
DCH_FIELD_WIDTH = 68
PROSE_WIDTH = 79
URGENCIES = ("low", "medium", "high", "emergency", "critical")
# Debian policy 5.6.1: lowercase letters, digits, '+', '-', '.'; two characters or more, first alphanumeric.
_DEB_PACKAGE_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+\Z")
# dpkg-parsechangelog: each distribution is [-+0-9a-z.]+
_DEB_DISTRIBUTION_RE = re.compile(r"^[-+0-9a-z.]+(?: [-+0-9a-z.]+)*\Z")
# dpkg: [epoch:]upstream[-revision] in ASCII, upstream starting with a digit.
_DEB_VERSION_RE = re.compile(r"^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~]*(?:-[A-Za-z0-9.+~]+)?\Z")
_RPM_RELEASE_RE = re.compile(r"^[A-Za-z0-9._+~^]+\Z")
_MAINTAINER_RE = _git.IDENTITY_RE  # "Name <email>" as dpkg-parsechangelog reads the trailer and rpm the %changelog header
# Control characters other than whitespace, which no changelog format can hold.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# What Perl's isSPACE sees as whitespace: dch's format splits and blanks these.
_PERL_SPACE = " \t\f\v\r\n"


class ChangelogError(ValueError):
    """Bad input or a refused change; the message names the file and, where known, the line."""


def maintainer(path, given="", option="maintainer"):
    """Who signs the packages' changelog entries (debian/changelog, %changelog) and debian/control: ``given``
    (the module option ``option``), else git's user for ``path`` (``_git.user``: the release's own committer,
    not the project's upstream authors), else ChangelogError naming the option. deb_build, rpm_build and
    changelog_entry all take their default here."""
    found = (given or "").strip() or _git.user(path)
    if not found:
        raise ChangelogError("No maintainer ('Name <email>') to sign the package changelog of '%s': set the %s option "
                             "(the roles' build_maintainer or package_maintainer), or git's user.name and user.email "
                             "for its repository (git config user.email ...)." % (path, option))
    return found


@dataclasses.dataclass
class Release:
    version: str
    changes: t.List[str]
    date: datetime.datetime
    date_given: bool = True
    compatible: t.Optional[bool] = None
    package: str = ""
    maintainer: str = ""
    distribution: str = "unstable"
    urgency: str = "medium"
    deb_revision: str = "1"
    rpm_release: str = "1"
    date_format: str = DEFAULT_RST_DATE_FORMAT

    def with_date(self, date):
        return dataclasses.replace(self, date=date)


@dataclasses.dataclass
class Existing:
    """An entry already in the file: where it is, its version and its date."""
    key: t.Any  # comparable in the format's own version order
    version: str
    date: t.Optional[datetime.datetime]
    line: int  # 1-based
    text: str  # the entry as it stands, for comparison


@dataclasses.dataclass
class Plan:
    before: t.Optional[str]
    after: str
    changed: bool
    action: str  # created, added, replaced, unchanged
    line: int
    entry: str
    date: datetime.datetime  # the entry's date: the one asked for, or the kept one of an unchanged entry


def parse_date(text, path=None):
    """(date, given) from an option: YYYY-MM-DD or ISO 8601 (UTC when no offset); now when None.

    With ``path``, an error names the changelog it was meant for.
    """
    if text is None:
        return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0), False
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        message = "Invalid date '%s': use YYYY-MM-DD or an ISO 8601 date and time." % text
        raise ChangelogError(message if path is None else "File '%s': %s" % (path, message))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value, True


def _err(path, message, line=None):
    if path is None:  # a release checked before any file is read (check_release)
        return ChangelogError(message[:1].upper() + message[1:])
    where = "File '%s'" % path if line is None else "File '%s' line %d" % (path, line)
    return ChangelogError("%s: %s" % (where, message))


def dch_wrap(text, width=DCH_FIELD_WIDTH):
    """Split ``text`` the way a Perl ``^<<<`` format field of ``width`` does (dch).

    Written here because no library reproduces Perl's format chopping: break after the
    last space or hyphen that fits (a word, or a hyphen, may end exactly one past the
    edge), cut a word longer than the field, and drop the spaces the next line would
    start with. As Perl does, a carriage return ends the line, and each control character
    (a tab too) is written as one space: dch keeps an item's leading spaces.
    """
    lines = []
    rest = text
    while True:
        size, chop, item, i = 0, None, 0, 0
        while i < len(rest):
            ch = rest[i]
            if ch in _PERL_SPACE:
                item, chop = size, i
                if size == width or ch == "\r":
                    break
            else:
                # A hyphen right after the last column still counts (Perl processes the
                # possible split character before testing the field width).
                if ch == "-":
                    item, chop = size + 1, i + 1
                if size == width:
                    break
            i += 1
            size += 1
        if chop is None or i == len(rest):
            item, chop = size, i
        lines.append(re.sub(r"[\x00-\x1f\x7f]", " ", rest[:item]).rstrip(" "))
        rest = rest[chop:].lstrip(_PERL_SPACE)
        if not rest:
            return lines


def _prose(text, first, rest, width=PROSE_WIDTH):
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def _compat_line(compatible):
    if compatible is None:
        return []
    return ["Backward compatible: %s" % ("yes" if compatible else "no"), ""]


def _lines_text(lines):
    return "\n".join(lines).rstrip("\n") + "\n"


def _split_lines(text):
    """The lines of ``text`` split at LF only (a form feed or U+2028 inside a line stays there)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class _TextFormat:
    """Formats kept as plain lines: entries are spans between headings."""

    heading_lines = 1

    def __init__(self, path, text):
        self.path = path
        self.lines = _split_lines(text)
        self.entries, self.starts, self.end = self._scan()

    # -- to implement -------------------------------------------------------------
    def _heading(self, index):  # -> (version, date) or None
        raise NotImplementedError

    def render(self, release):
        raise NotImplementedError

    def empty_preamble(self):
        return []

    # -- shared -----------------------------------------------------------------------
    def key(self, version, line):
        try:
            return _version.parse(version)
        except _version.VersionError as exc:
            raise _err(self.path, str(exc), line)

    def new_key(self, release):
        return _version.parse(release.version)

    def _trailer_start(self):
        return len(self.lines)

    def _scan(self):
        end = self._trailer_start()
        entries, starts = [], []
        for index in range(end):
            found = self._heading(index)
            if found is None:
                continue
            version, date = found
            starts.append(index)
            entries.append(Existing(self.key(version, index + 1), version, date, index + 1, ""))
        for number, entry in enumerate(entries):
            stop = starts[number + 1] if number + 1 < len(starts) else end
            entry.text = _lines_text(self.lines[starts[number]:stop])
        return entries, starts, end

    def splice(self, index, entry_text, replace):
        lines = list(self.lines)
        new = entry_text.rstrip("\n").split("\n") + [""]
        if index < len(self.starts):
            at = self.starts[index]
            stop = (self.starts[index + 1] if index + 1 < len(self.starts) else self.end) if replace else at
            if replace and index + 1 == len(self.starts):
                new = new[:-1] + [""] * (1 if stop < len(lines) else 0)
            lines[at:stop] = new
        else:
            at = self.end
            head = lines[:at] or self.empty_preamble()
            while head and head[-1] == "":
                head.pop()
            if head:
                head.append("")
            trailer = lines[at:]
            lines = head + new[:-1] + ([""] + trailer if trailer else [])
        return _lines_text(lines)


class RstFormat(_TextFormat):
    """The classic Python-project changelog: version, ``^`` underline, date, bullets."""

    def _heading(self, index):
        lines = self.lines
        if index + 1 >= len(lines) or not lines[index + 1].startswith("^"):
            return None
        title, under = lines[index].rstrip(), lines[index + 1].rstrip()
        if set(under) != {"^"}:
            return None
        if len(under) != len(title):
            raise _err(self.path, "the underline of '%s' has %d '^', expected %d."
                       % (title, len(under), len(title)), index + 2)
        date = None
        if index + 2 < len(lines) and lines[index + 2].strip():
            date = lines[index + 2].strip()
        return title, date

    def _date_of(self, text, fmt, line):
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc)
        except (TypeError, ValueError):
            raise _err(self.path, "the date '%s' does not match the date format '%s'." % (text, fmt), line)

    def render(self, release):
        lines = [release.version, "^" * len(release.version), release.date.strftime(release.date_format), ""]
        lines += _compat_line(release.compatible)
        for change in release.changes:
            lines += _prose(change, "* ", "  ")
        return _lines_text(lines)

    def parse_dates(self, fmt):
        for entry in self.entries:
            if entry.date is not None:
                entry.date = self._date_of(entry.date, fmt, entry.line + 2)


class MarkdownFormat(_TextFormat):
    """Keep a Changelog: ``## [1.0.0] - 2026-11-25`` then ``### Changed`` bullets."""

    _heading_re = re.compile(r"^## (?:\[([^\[\]\s]+)\]|([^\[\]\s]+))(?:\s+-\s+(\S+))?\s*$")
    # A level-2 heading as CommonMark reads it (up to 3 spaces before), or one missing its space.
    _level2_re = re.compile(r"^ {0,3}##(?!#)")
    _fence_re = re.compile(r"^ {0,3}(`{3,}|~{3,})")
    _link_re = re.compile(r"^\[[^\]]+\]:\s")

    def __init__(self, path, text):
        self.fenced = set()
        fence = None
        for index, line in enumerate(_split_lines(text)):
            match = self._fence_re.match(line)
            if fence is None and match:
                fence = match.group(1)
            elif fence is not None:
                self.fenced.add(index)
                if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                    fence = None
        super().__init__(path, text)

    def _trailer_start(self):
        end = len(self.lines)
        while end > 0 and (not self.lines[end - 1].strip() or self._link_re.match(self.lines[end - 1])):
            end -= 1
        # keep blank lines with the entries; the trailer starts at the first link line
        start = end
        while start < len(self.lines) and not self._link_re.match(self.lines[start]):
            start += 1
        return start

    def _heading(self, index):
        line = self.lines[index]
        if index in self.fenced or not self._level2_re.match(line):
            return None
        match = self._heading_re.match(line)
        if not match:
            if line.startswith(" "):
                raise _err(self.path, "the heading '%s' is indented; start it at the first column." % line, index + 1)
            if not line.startswith("## "):
                raise _err(self.path, "the heading '%s' needs a space after '##'." % line, index + 1)
            raise _err(self.path, "the heading '%s' is not '## [VERSION] - YYYY-MM-DD'." % line, index + 1)
        version, date = match.group(1) or match.group(2), match.group(3)
        if version.lower() == "unreleased":
            return None
        if date is not None:
            try:
                date = datetime.datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
            except ValueError:
                raise _err(self.path, "the date '%s' is not YYYY-MM-DD." % date, index + 1)
        return version, date

    def empty_preamble(self):
        return ["# Changelog", ""]

    def render(self, release):
        lines = ["## [%s] - %s" % (release.version, release.date.strftime("%Y-%m-%d")), ""]
        lines += _compat_line(release.compatible)
        lines += ["### Changed", ""]
        for change in release.changes:
            lines += _prose(change, "- ", "  ")
        return _lines_text(lines)


class DebianFormat(_TextFormat):
    """debian/changelog, byte-identical to what dch writes."""

    _heading_re = re.compile(r"^(\w[-+0-9a-z.]*) \(([^()\s]+)\) ")

    def __init__(self, path, text):
        if text.strip():
            try:
                deb_changelog.Changelog(text, strict=True)
            except deb_changelog.ChangelogParseError as exc:
                # python-debian quotes the offending line but not its number: find it.
                bad = str(exc).rsplit(": ", 1)[-1]
                line = next((n for n, text_line in enumerate(_split_lines(text), 1) if text_line == bad), None)
                raise _err(path, "not a valid debian/changelog: %s" % exc, line)
        super().__init__(path, text)

    def _heading(self, index):
        line = self.lines[index]
        if not line or line[0] in " \t":
            return None
        match = self._heading_re.match(line)
        if not match:
            return None
        date = None
        for trailer in self.lines[index + 1:]:
            if trailer.startswith(" -- "):
                stamp = trailer.split(">  ", 1)[-1]
                try:
                    date = email.utils.parsedate_to_datetime(stamp)
                except (TypeError, ValueError):
                    raise _err(self.path, "the trailer date '%s' is not an RFC 5322 date." % stamp, index + 1)
                break
        return match.group(2), date

    def key(self, version, line):
        return DebVersion(version)

    def new_key(self, release):
        return DebVersion(self.deb_version(release))

    @staticmethod
    def deb_version(release):
        return _version.deb_version(release.version, release.deb_revision)

    def render(self, release):
        if not release.package:
            raise _err(self.path, "a debian/changelog entry needs the source package name (package).")
        if not release.maintainer:
            raise _err(self.path, "a debian/changelog entry needs a maintainer ('Name <email>').")
        changes = [""]
        for change in release.changes:
            wrapped = dch_wrap(change)
            changes.append(("  * " + wrapped[0]).rstrip())
            changes += [("    " + part).rstrip() for part in wrapped[1:]]
        changes.append("")
        block = deb_changelog.Changelog()
        block.new_block(package=release.package, version=self.deb_version(release),
                        distributions=release.distribution, urgency=release.urgency,
                        author=release.maintainer, date=email.utils.format_datetime(release.date),
                        changes=changes)
        return str(block)


class RpmFormat:
    """The %changelog of a spec file, through the specfile library."""

    def __init__(self, path, text):
        from specfile import Specfile
        from specfile.exceptions import SpecfileException

        self.path = path
        try:
            self.spec = Specfile(content=text, sourcedir="/nonexistent", force_parse=True)
            with self.spec.sections() as sections:
                names = [section.name.lower() for section in sections]
        except (SpecfileException, ValueError) as exc:
            raise _err(path, "not a spec file that rpm can parse: %s" % str(exc).strip())
        if "changelog" not in names:
            raise _err(path, "the spec has no %changelog section.")
        line_of = {}
        for number, line in enumerate(_split_lines(text), 1):
            line_of.setdefault(line, number)
        self.entries = []
        with self.spec.changelog() as changelog:
            for entry in reversed(list(changelog)):  # specfile keeps oldest first
                line = line_of.get(entry.header, 0)
                if not entry.evr:
                    raise _err(path, "the %%changelog entry '%s' names no version." % entry.header, line)
                self.entries.append(Existing(self.key(entry.evr, line), str(entry.evr),
                                             self._date(entry.header, line), line, str(entry)))

    def _date(self, header, line):
        match = re.match(r"^\*\s+(\w{3}\s+\w{3}\s+\d{1,2}\s+\d{4})", header)
        if not match:
            raise _err(self.path, "the %%changelog header '%s' has no date." % header, line)
        return datetime.datetime.strptime(" ".join(match.group(1).split()), "%a %b %d %Y").replace(
            tzinfo=datetime.timezone.utc)

    def key(self, evr, line):
        return _RpmKey((str(evr.epoch or 0), evr.version, evr.release or "0"))

    def new_key(self, release):
        evr = _version.rpm_evr(release.version, release.rpm_release)
        return _RpmKey((str(evr.epoch), evr.version, evr.release))

    def render(self, release):
        from specfile.changelog import ChangelogEntry

        if not release.maintainer:
            raise _err(self.path, "a %changelog entry needs a maintainer ('Name <email>').")
        content = []
        for change in release.changes:
            content += _prose(change, "- ", "  ")
        evr = _version.rpm_evr(release.version, release.rpm_release).evr
        return str(ChangelogEntry.assemble(release.date.date(), release.maintainer, content, evr=evr))

    def splice(self, index, entry_text, replace):
        from specfile.changelog import ChangelogEntry

        lines = entry_text.rstrip("\n").split("\n")
        with self.spec.changelog() as changelog:
            at = len(changelog) - 1 - index  # specfile keeps oldest first
            if replace:
                following = getattr(changelog[at], "_following_lines", [])
                changelog[at] = ChangelogEntry(lines[0], lines[1:], following)
            elif at < 0 and len(changelog):  # the oldest entry: goes to the bottom
                bottom = changelog[0]
                following = getattr(bottom, "_following_lines", [])
                changelog[0] = ChangelogEntry(bottom.header, bottom.content, [""])
                changelog.insert(0, ChangelogEntry(lines[0], lines[1:], following))
            else:
                changelog.insert(at + 1, ChangelogEntry(lines[0], lines[1:], [""] if len(changelog) else []))
        return str(self.spec)


class _RpmKey:
    """RPM EVR ordered by rpm's own rpmvercmp (python3-rpm)."""

    def __init__(self, evr):
        self.evr = evr

    def _cmp(self, other):
        import rpm

        return rpm.labelCompare(self.evr, other.evr)

    def __lt__(self, other):
        return self._cmp(other) < 0

    def __eq__(self, other):
        return self._cmp(other) == 0

    def __le__(self, other):
        return self._cmp(other) <= 0


_CLASSES = {"rst": RstFormat, "markdown": MarkdownFormat, "debian": DebianFormat, "rpm": RpmFormat}


def decode(path, data):
    """Text of a changelog file, or an error naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _err(path, "not valid UTF-8 (byte 0x%02x)." % data[exc.start], line)


def _check_release(path, fmt, release):
    """Refuse the fields of ``release`` that the format's own tools (dpkg, rpm) would refuse."""
    for number, change in enumerate(release.changes, 1):
        bad = _CONTROL_RE.search(change)
        if bad:
            raise _err(path, "change %d holds the control character U+%04X; remove it." % (number, ord(bad.group())))
    if fmt in ("debian", "rpm") and release.maintainer and not _MAINTAINER_RE.match(release.maintainer):
        raise _err(path, "maintainer '%s' is not 'Name <email>'." % release.maintainer)
    try:
        _version.parse(release.version)
        if fmt == "debian":
            _check_debian(path, release)
        elif fmt == "rpm":
            _version.rpm_evr(release.version, release.rpm_release)
            if not _RPM_RELEASE_RE.match(release.rpm_release):
                raise _err(path, "rpm_release '%s' is not an RPM release: use ASCII letters, digits and '._+~^'."
                           % release.rpm_release)
    except _version.VersionError as exc:
        raise _err(path, str(exc))


def _check_debian(path, release):
    if release.package and not _DEB_PACKAGE_RE.match(release.package):
        raise _err(path, "package '%s' is not a Debian source package name: use lowercase letters, digits, '+', "
                   "'-' and '.', two or more, starting with a letter or digit." % release.package)
    if not _DEB_DISTRIBUTION_RE.match(release.distribution or ""):
        raise _err(path, "distribution '%s' is not a Debian distribution name: use lowercase letters, digits, "
                   "'+', '-' and '.' (for example unstable)." % release.distribution)
    if release.urgency not in URGENCIES:
        raise _err(path, "urgency '%s' is not one of %s." % (release.urgency, ", ".join(URGENCIES)))
    version = _version.deb_version(release.version, release.deb_revision)
    if not _DEB_VERSION_RE.match(version):
        raise _err(path, "deb_revision '%s' gives the Debian version '%s', which dpkg refuses: use ASCII letters, "
                   "digits and '+.~'." % (release.deb_revision, version))


def _check_rst_date_format(path, release):
    """The date line written with ``date_format`` must read back with it, or the next run fails."""
    fmt, shown = release.date_format, ""
    try:
        shown = release.date.strftime(fmt)
        datetime.datetime.strptime(shown, fmt)
        readable = bool(shown) and shown.strip() == shown and "\n" not in shown
    except ValueError:
        readable = False
    if not readable:
        raise _err(path, "date_format '%s' writes the date as '%s', which cannot be read back with it; use a "
                   "format such as '%s'." % (fmt, shown, DEFAULT_RST_DATE_FORMAT))


def _normalized(path, fmt, release):
    """A copy of ``release`` with its texts as the format writes them, once checked."""
    if not release.changes or any(not str(c).strip() for c in release.changes):
        raise _err(path, "changes must be a non-empty list of non-empty texts.")
    changes = [" ".join(str(c).split("\n")) for c in release.changes]
    # dch keeps an item's leading spaces; the other formats wrap stripped prose.
    changes = changes if fmt == "debian" else [c.strip() for c in changes]
    release = dataclasses.replace(release, version=str(release.version).strip(), changes=changes)
    _check_release(path, fmt, release)
    if fmt == "rst":
        _check_rst_date_format(path, release)
    return release


def check_release(fmt, release):
    """Refuse the fields of ``release`` that ``fmt``'s tools would refuse, before any file is read or made.

    The errors name no file: a build module checks its options with it before it starts.
    """
    if fmt not in _CLASSES:
        raise ChangelogError("Unknown changelog format '%s': use one of %s." % (fmt, ", ".join(FORMATS)))
    _normalized(None, fmt, release)


def _line_ends(path, text):
    """(text with LF line ends, BOM, line end to write back); a file that mixes line ends is refused."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    if "\r" not in text:
        return text, bom, "\n"
    lines = text.split("\n")
    crlf = lines[0].endswith("\r") and len(lines) > 1
    for number, line in enumerate(lines, 1):
        ended = number < len(lines)
        if "\r" in (line[:-1] if ended else line) or (ended and line.endswith("\r") != crlf):
            raise _err(path, "the file mixes CRLF and LF line ends (or holds a lone carriage return); make its "
                       "line ends all one kind.", number)
    return text.replace("\r\n", "\n"), bom, "\r\n" if crlf else "\n"


def _check_date_order(doc, index, replace, release):
    """rpm wants %changelog newest first by date: refuse an entry whose date would break that."""
    if not isinstance(doc, RpmFormat):
        return
    day = release.date.date()
    newer = doc.entries[index - 1] if index > 0 else None
    below = index + 1 if replace else index
    older = doc.entries[below] if below < len(doc.entries) else None
    if newer is not None and newer.date is not None and day > newer.date.date():
        other, where, bound = newer, "below", "or earlier"
    elif older is not None and older.date is not None and day < older.date.date():
        other, where, bound = older, "above", "or later"
    else:
        return
    raise _err(doc.path, "the %%changelog entry for %s dated %s would stand %s the entry for %s dated %s, but rpm "
               "wants %%changelog in descending chronological order; set date to %s %s."
               % (release.version, day.isoformat(), where, other.version, other.date.date().isoformat(),
                  other.date.date().isoformat(), bound), other.line)


def target(path, follow=False):
    """The file to read and write for the changelog ``path``; ChangelogError for a path that cannot be one.

    A symbolic link is refused unless ``follow``: then the file it points to is the one edited
    (in place, so the link stays a link). A missing file is fine when its directory exists.
    """
    real = path
    if os.path.islink(path):
        link = os.readlink(path)
        if not follow:
            raise ChangelogError("File '%s' is a symbolic link to '%s': set follow=true to edit the file it points "
                                 "to (the link is kept), or give the path of the file itself." % (path, link))
        real = os.path.realpath(path)
        if not os.path.lexists(real):
            raise ChangelogError("File '%s' is a symbolic link to '%s', which does not exist: create that file or "
                                 "give the path of the file itself." % (path, link))
    if os.path.isdir(real):
        raise ChangelogError("Path '%s' is a directory: give the path of the changelog file." % real)
    if os.path.exists(real) and not os.path.isfile(real):
        raise ChangelogError("Path '%s' is not a regular file (a device, FIFO or socket): give the path of the "
                             "changelog file." % real)
    if not os.path.lexists(real):
        parent = os.path.dirname(os.path.abspath(real))
        ancestor = parent
        while not os.path.exists(ancestor):
            ancestor = os.path.dirname(ancestor)
        if not os.path.isdir(ancestor):
            raise ChangelogError("File '%s' cannot be created: '%s' is a file, not a directory." % (real, ancestor))
        if ancestor != parent:
            raise ChangelogError("Directory '%s' for file '%s' does not exist: create it first." % (parent, real))
    return real


def plan_entry(path, fmt, current, release, force=False, allow_older=False):
    """What adding ``release`` to the changelog at ``path`` (text ``current``) does.

    ``current`` is None when the file does not exist. Returns a ``Plan``; raises
    ``ChangelogError`` for bad input and refused changes. The result keeps the file's
    line ends (LF or CRLF) and byte order mark.
    """
    if fmt not in _CLASSES:
        raise ChangelogError("Unknown changelog format '%s': use one of %s." % (fmt, ", ".join(FORMATS)))
    release = _normalized(path, fmt, release)
    if fmt == "rpm" and current is None:
        raise _err(path, "the spec file does not exist.")
    text, bom, eol = _line_ends(path, current) if current is not None else ("", "", "\n")
    doc = _CLASSES[fmt](path, text)
    if fmt == "rst":
        doc.parse_dates(release.date_format)
    new_key = doc.new_key(release)

    def done(after, action, line, entry, date):
        after = bom + after.replace("\n", eol)
        return Plan(current, after, after != current, action, line, entry, date)

    for index, entry in enumerate(doc.entries):
        if entry.key == new_key:
            dated = release if release.date_given or entry.date is None else release.with_date(entry.date)
            rendered = doc.render(dated)
            if rendered.rstrip("\n") == entry.text.rstrip("\n"):
                return Plan(current, current, False, "unchanged", entry.line, rendered, dated.date)
            if not force:
                raise _err(path, "the entry for version %s differs from the requested one; "
                           "set force to replace it." % entry.version, entry.line)
            _check_date_order(doc, index, True, dated)
            return done(doc.splice(index, rendered, replace=True), "replaced", entry.line, rendered, release.date)

    rendered = doc.render(release)
    index = 0
    if doc.entries and new_key < doc.entries[0].key:
        if not allow_older:
            raise _err(path, "version %s is lower than the newest entry %s; set allow_older to add it."
                       % (release.version, doc.entries[0].version), doc.entries[0].line)
        index = next((i for i, e in enumerate(doc.entries) if e.key < new_key), len(doc.entries))
    _check_date_order(doc, index, False, release)
    line = doc.entries[index].line if index < len(doc.entries) else 0
    return done(doc.splice(index, rendered, replace=False), "created" if current is None else "added", line,
                rendered, release.date)
