# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import datetime
import email.utils
import os
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.pkgops.release.plugins.module_utils import _changelog as c

DATE = datetime.datetime(2026, 11, 25, 20, 19, 2, tzinfo=datetime.timezone.utc)
MAINTAINER = "Dev Eloper <dev@example.com>"


def release(version="1.1.0", changes=("Added a thing",), **kwargs):
    kwargs.setdefault("date", DATE)
    kwargs.setdefault("package", "hello-world")
    kwargs.setdefault("maintainer", MAINTAINER)
    return c.Release(version=version, changes=list(changes), **kwargs)


# --- debian: byte for byte what dch writes ----------------------------------------------

needs_dch = pytest.mark.skipif(shutil.which("dch") is None, reason="dch (devscripts) is not installed")


def dch(tmp_path, args):
    env = dict(os.environ, DEBEMAIL="dev@example.com", DEBFULLNAME="Dev Eloper", HOME=str(tmp_path),
               LC_ALL="C.UTF-8")
    subprocess.run(["dch", "-c", str(tmp_path / "changelog")] + args, env=env, check=True,
                   capture_output=True, cwd=tmp_path)
    return (tmp_path / "changelog").read_text(encoding="utf-8")


def dch_release(tmp_path, version, changes, create):
    first = (["--create", "--package", "hello-world"] if create else []) + \
        ["-v", version, "-D", "unstable", "-u", "medium", "--", changes[0]]
    text = dch(tmp_path, first)
    for change in changes[1:]:
        text = dch(tmp_path, ["-a", "--", change])
    return text


def trailer_date(text):
    line = next(line for line in text.splitlines() if line.startswith(" -- "))
    return email.utils.parsedate_to_datetime(line.split(">  ", 1)[1])


LONG = ("Fixed the long line that goes on and on beyond the width of the terminal window, "
        "with words-joined-by-hyphens and a-very-long-hyphenated-compound-that-must-break somewhere")

DCH_CASES = {
    "one": ["New upstream release"],
    "two": ["Answer HEAD requests", "Read the port from the environment"],
    "long": [LONG],
    "exact-68": ["x" * 60 + " abcdefg", "y" * 68 + " next word"],
    "huge-word": ["z" * 150 + " tail"],
    "hyphen-past-the-edge": ["a aa aaaaaaa aaaaaaaaaa aaaaaaaaaa aaaaaaaaaaaaa aaaaaaaaaaaaaaaaaaa-",
                             "x" * 68 + "- b", "x" * 69 + "- b", "x" * 66 + " a-b"],
    "utf-8": ["Gère les caractères accentués dans le message d'accueil, même très long, sans casser"],
    # dch keeps an item's leading spaces, writes each tab (and form feed, vertical tab) as one space,
    # drops trailing spaces, and starts a new line at a carriage return.
    "leading-spaces": ["   three leading spaces", "  two", " " + "x" * 70 + " wrapped after a leading space",
                       "    " + "y" * 66 + " z", " " * 3 + "w" * 65 + " next"],
    "tabs": ["\tleading tab", "mid\ttab\there", "\t\ttwo tabs", "  two\tmixed ", "trailing tab\t",
             "x" * 67 + "\ttail", "\t" + "t" * 68 + " after"],
    "other-whitespace": ["form\ffeed and vertical\vtab", "carriage\rreturn", "trailing spaces   ",
                         "double  space  inside"],
}


@needs_dch
@pytest.mark.parametrize("name", sorted(DCH_CASES))
def test_debian_new_file_is_what_dch_writes(tmp_path, name):
    changes = DCH_CASES[name]
    expected = dch_release(tmp_path, "1.1.0-1", changes, create=True)
    plan = c.plan_entry("changelog", "debian", None, release(changes=changes, date=trailer_date(expected)))
    assert plan.after == expected


@needs_dch
def test_debian_added_entry_is_what_dch_writes(tmp_path):
    first = dch_release(tmp_path, "1.0.0-1", ["First release"], create=True)
    expected = dch_release(tmp_path, "1.1.0-1", ["Second", LONG], create=False)
    plan = c.plan_entry("changelog", "debian", first,
                        release(changes=["Second", LONG], date=trailer_date(expected)))
    assert plan.action == "added"
    assert plan.after == expected


_words = st.text(alphabet="abcdefghijk-", min_size=1, max_size=30)


@needs_dch
@settings(max_examples=60, deadline=None)
@given(st.tuples(st.text(alphabet=" \t", max_size=4), st.lists(_words, min_size=1, max_size=30).map(" ".join),
                 st.text(alphabet=" \t", max_size=3)).map("".join))
def test_dch_wrap_matches_dch(tmp_path_factory, text):
    tmp_path = tmp_path_factory.mktemp("dch")
    expected = dch_release(tmp_path, "1.0.0-1", [text], create=True)
    plan = c.plan_entry("changelog", "debian", None,
                        release(version="1.0", changes=[text], date=trailer_date(expected), deb_revision="1"))
    assert plan.after == expected


def test_dch_wrap_rules():
    assert c.dch_wrap("a" * 10) == ["a" * 10]
    assert c.dch_wrap("aaa bbb ccc", width=7) == ["aaa bbb", "ccc"]
    assert c.dch_wrap("aaa-bbb-ccc", width=5) == ["aaa-", "bbb-", "ccc"]
    assert c.dch_wrap("abcdefghij", width=4) == ["abcd", "efgh", "ij"]


def test_debian_needs_package_and_maintainer():
    with pytest.raises(c.ChangelogError, match="needs the source package name"):
        c.plan_entry("debian/changelog", "debian", None, release(package=""))
    with pytest.raises(c.ChangelogError, match=r"needs a maintainer \('Name <email>'\)"):
        c.plan_entry("debian/changelog", "debian", None, release(maintainer=""))


def test_debian_broken_trailer_is_an_error_naming_the_file():
    broken = "hello-world (1.0.0-1) unstable; urgency=medium\n\n  * x\n\n--Dev <d@e>  Wed, 25 Nov 2026 20:19:02 +0000\n"
    with pytest.raises(c.ChangelogError) as exc:
        c.plan_entry("debian/changelog", "debian", broken, release())
    assert str(exc.value) == (
        "File 'debian/changelog' line 5: not a valid debian/changelog: Could not parse changelog: Unexpected line "
        "while looking for more change data or trailer: --Dev <d@e>  Wed, 25 Nov 2026 20:19:02 +0000")


# --- rst ----------------------------------------------------------------------------

RST = """1.0.0
^^^^^
02-Nov-2026

* First release
"""


def test_rst_added_on_top_then_unchanged():
    plan = c.plan_entry("CHANGELOG.rst", "rst", RST, release(compatible=False))
    assert plan.action == "added"
    assert plan.after == ("1.1.0\n^^^^^\n25-Nov-2026\n\nBackward compatible: no\n\n* Added a thing\n\n" + RST)
    again = c.plan_entry("CHANGELOG.rst", "rst", plan.after, release(compatible=False))
    assert (again.changed, again.action, again.after) == (False, "unchanged", plan.after)


def test_rst_keeps_its_date_on_a_rerun_another_day():
    first = c.plan_entry("CHANGELOG.rst", "rst", RST, release()).after
    later = release(date=DATE + datetime.timedelta(days=3), date_given=False)
    assert c.plan_entry("CHANGELOG.rst", "rst", first, later).changed is False
    with pytest.raises(c.ChangelogError):
        c.plan_entry("CHANGELOG.rst", "rst", first, release(date=DATE + datetime.timedelta(days=3)))


def test_rst_keeps_a_title_above_the_entries():
    text = "Changelog\n=========\n\n" + RST
    after = c.plan_entry("CHANGELOG.rst", "rst", text, release()).after
    assert after.startswith("Changelog\n=========\n\n1.1.0\n^^^^^\n")
    assert after.endswith(RST)


def test_same_version_other_text_is_refused_unless_forced():
    with pytest.raises(c.ChangelogError) as exc:
        c.plan_entry("CHANGELOG.rst", "rst", RST, release(version="1.0.0", changes=["Other"], date=DATE))
    assert str(exc.value) == ("File 'CHANGELOG.rst' line 1: the entry for version 1.0.0 differs from the "
                              "requested one; set force to replace it.")
    plan = c.plan_entry("CHANGELOG.rst", "rst", RST, release(version="1.0.0", changes=["Other"]), force=True)
    assert plan.action == "replaced"
    assert plan.after == "1.0.0\n^^^^^\n25-Nov-2026\n\n* Other\n"


def test_older_version_is_refused_unless_allowed_then_goes_in_order():
    text = c.plan_entry("CHANGELOG.rst", "rst", RST, release(version="2.0.0")).after
    with pytest.raises(c.ChangelogError) as exc:
        c.plan_entry("CHANGELOG.rst", "rst", text, release(version="1.5.0"))
    assert str(exc.value) == ("File 'CHANGELOG.rst' line 1: version 1.5.0 is lower than the newest entry "
                              "2.0.0; set allow_older to add it.")
    after = c.plan_entry("CHANGELOG.rst", "rst", text, release(version="1.5.0"), allow_older=True).after
    assert [line for line in after.splitlines() if line[:1].isdigit() and "-" not in line] == \
        ["2.0.0", "1.5.0", "1.0.0"]
    oldest = c.plan_entry("CHANGELOG.rst", "rst", text, release(version="0.9"), allow_older=True).after
    assert oldest.endswith("* First release\n\n0.9\n^^^\n25-Nov-2026\n\n* Added a thing\n")


@pytest.mark.parametrize("text,message", [
    ("1.0.0\n^^^^\n02-Nov-2026\n\n* x\n",
     "File 'C' line 2: the underline of '1.0.0' has 4 '^', expected 5."),
    ("1.0.0\n^^^^^\n2026-11-02\n\n* x\n",
     "File 'C' line 3: the date '2026-11-02' does not match the date format '%d-%b-%Y'."),
    ("one\n^^^\n02-Nov-2026\n\n* x\n",
     "File 'C' line 1: Invalid version 'one': it is not a PEP 440 version."),
])
def test_rst_bad_input(text, message):
    with pytest.raises(c.ChangelogError) as exc:
        c.plan_entry("C", "rst", text, release())
    assert str(exc.value) == message


# --- markdown -------------------------------------------------------------------------

MD = """# Changelog

## [Unreleased]

- Nothing yet

## [1.0.0] - 2026-11-02

### Added

- First release

[1.0.0]: https://example.com/releases/1.0.0
"""


def test_markdown_below_unreleased_and_above_links():
    after = c.plan_entry("CHANGELOG.md", "markdown", MD, release()).after
    assert after == MD.replace(
        "## [1.0.0]", "## [1.1.0] - 2026-11-25\n\n### Changed\n\n- Added a thing\n\n## [1.0.0]")
    assert c.plan_entry("CHANGELOG.md", "markdown", after, release()).changed is False


def test_markdown_new_file_and_bad_heading():
    assert c.plan_entry("CHANGELOG.md", "markdown", None, release()).after == \
        "# Changelog\n\n## [1.1.0] - 2026-11-25\n\n### Changed\n\n- Added a thing\n"
    with pytest.raises(c.ChangelogError) as exc:
        c.plan_entry("CHANGELOG.md", "markdown", "# Changelog\n\n## 1.0.0 (2026-11-02)\n", release())
    assert str(exc.value) == ("File 'CHANGELOG.md' line 3: the heading '## 1.0.0 (2026-11-02)' is not "
                              "'## [VERSION] - YYYY-MM-DD'.")


# --- rpm ------------------------------------------------------------------------------

SPEC = """Name: hello-world
Version: 1.0.0
Release: 1
Summary: Says hello
License: MIT

%description
Says hello.

%changelog
* Mon Nov 02 2026 Dev Eloper <dev@example.com> - 1.0.0-1
- First release
"""


def test_rpm_added_then_unchanged():
    plan = c.plan_entry("x.spec", "rpm", SPEC, release(changes=["Added a thing"]))
    assert plan.after == SPEC.replace(
        "%changelog\n", "%changelog\n* Wed Nov 25 2026 Dev Eloper <dev@example.com> - 1.1.0-1\n- Added a thing\n\n")
    assert c.plan_entry("x.spec", "rpm", plan.after, release(changes=["Added a thing"])).changed is False


def test_rpm_pre_release_sorts_before_final():
    with pytest.raises(c.ChangelogError, match="version 1.0.0rc1 is lower than the newest entry 1.0.0-1"):
        c.plan_entry("x.spec", "rpm", SPEC, release(version="1.0.0rc1"))


@pytest.mark.parametrize("text,message", [
    (SPEC.split("%changelog", maxsplit=1)[0], "File 'x.spec': the spec has no %changelog section."),
    ("Name: x\n", "File 'x.spec': not a spec file that rpm can parse: "),
])
def test_rpm_bad_input(text, message):
    with pytest.raises(c.ChangelogError) as exc:
        c.plan_entry("x.spec", "rpm", text, release())
    assert str(exc.value).startswith(message)


# --- shared ---------------------------------------------------------------------------

def test_decode_names_the_line_of_a_bad_byte():
    with pytest.raises(c.ChangelogError) as exc:
        c.decode("C", b"1.0\n^^^\n\xff\n")
    assert str(exc.value) == "File 'C' line 3: not valid UTF-8 (byte 0xff)."


@pytest.mark.parametrize("changes", [[], ["ok", "  "]])
def test_changes_must_be_texts(changes):
    with pytest.raises(c.ChangelogError) as exc:
        c.plan_entry("C", "rst", None, release(changes=changes))
    assert str(exc.value) == "File 'C': changes must be a non-empty list of non-empty texts."


def test_one_release_renders_the_same_words_everywhere():
    rel = release(changes=["Answer HEAD requests"])
    for fmt, current in (("rst", None), ("markdown", None), ("debian", None), ("rpm", SPEC)):
        assert "Answer HEAD requests" in c.plan_entry("f", fmt, current, rel).entry


# --- the file as found: line ends, byte order mark, separators inside lines ----------------------

@pytest.mark.parametrize("fmt,current", [("rst", RST), ("markdown", MD), ("rpm", SPEC)])
def test_crlf_files_stay_crlf(fmt, current):
    crlf = current.replace("\n", "\r\n")
    plan = c.plan_entry("f", fmt, crlf, release())
    lf = c.plan_entry("f", fmt, current, release())
    assert plan.after == lf.after.replace("\n", "\r\n")
    assert "\r\n" in plan.after and "\n" not in plan.after.replace("\r\n", "")
    assert c.plan_entry("f", fmt, plan.after, release()).changed is False


def test_crlf_debian_changelog_stays_crlf():
    first = c.plan_entry("debian/changelog", "debian", None, release(version="1.0.0")).after
    plan = c.plan_entry("debian/changelog", "debian", first.replace("\n", "\r\n"), release())
    assert plan.after == c.plan_entry("debian/changelog", "debian", first, release()).after.replace("\n", "\r\n")


def test_byte_order_mark_and_form_feed_are_kept():
    text = "\ufeff" + RST.replace("* First release", "* First\frelease")
    after = c.plan_entry("C", "rst", text, release()).after
    assert after.startswith("\ufeff1.1.0\n^^^^^\n")
    assert after.endswith("* First\frelease\n")


def test_markdown_fenced_code_is_not_a_heading():
    text = MD.replace("- First release", "- First release\n\n```sh\n##not-a-heading\n## neither\n```")
    after = c.plan_entry("CHANGELOG.md", "markdown", text, release()).after
    assert after.endswith("```sh\n##not-a-heading\n## neither\n```\n\n[1.0.0]: https://example.com/releases/1.0.0\n")


# --- fields the packaging tools check --------------------------------------------------------

@pytest.mark.parametrize("field,value,message", [
    ("urgency", "urgent", "urgency 'urgent' is not one of low, medium, high, emergency, critical."),
    ("package", "a", "package 'a' is not a Debian source package name"),
    ("distribution", "bookworm-backports stable", None),
    ("package", "libfoo2.0+x", None),
    ("maintainer", "Jürgen Müller <jm@example.de>", None),
])
def test_debian_fields(field, value, message):
    rel = release(**{field: value})
    if message is None:
        assert c.plan_entry("debian/changelog", "debian", None, rel).changed is True
        return
    with pytest.raises(c.ChangelogError) as exc:
        c.plan_entry("debian/changelog", "debian", None, rel)
    assert str(exc.value).startswith("File 'debian/changelog': " + message)


def test_a_release_is_not_changed_by_planning():
    rel = release(changes=["  leading", "a\nb"])
    c.plan_entry("C", "rst", None, rel)
    assert rel.changes == ["  leading", "a\nb"]


def test_rpm_dates_may_be_equal_and_an_older_version_fits_between():
    two = c.plan_entry("x.spec", "rpm", SPEC, release(version="2.0.0")).after  # dated Nov 25 above Nov 02
    same_day = c.plan_entry("x.spec", "rpm", two, release(version="2.1.0")).after
    assert same_day.index("2.1.0-1") < same_day.index("2.0.0-1")
    between = c.plan_entry("x.spec", "rpm", two, release(version="1.5.0", date=DATE - datetime.timedelta(days=10)),
                           allow_older=True).after
    assert between.index("2.0.0-1") < between.index("1.5.0-1") < between.index("1.0.0-1")


# --- the path ------------------------------------------------------------------------------------

def test_target_follows_a_link_only_when_asked(tmp_path):
    (tmp_path / "real.rst").write_text(RST)
    (tmp_path / "CHANGELOG.rst").symlink_to("real.rst")
    with pytest.raises(c.ChangelogError, match="is a symbolic link to 'real.rst': set follow=true"):
        c.target(str(tmp_path / "CHANGELOG.rst"))
    assert c.target(str(tmp_path / "CHANGELOG.rst"), follow=True) == str(tmp_path / "real.rst")
    assert c.target(str(tmp_path / "new.rst")) == str(tmp_path / "new.rst")


# --- what the module accepts, the packaging tools read -------------------------------------------

@pytest.mark.skipif(shutil.which("dpkg-parsechangelog") is None, reason="dpkg-dev is not installed")
def test_dpkg_parsechangelog_reads_an_entry_with_unusual_valid_fields(tmp_path):
    rel = release(version="2!1.0rc1", package="lib+x.y-z", distribution="bookworm-security", urgency="critical",
                  deb_revision="0ubuntu1~22.04", maintainer="Jürgen Müller <jm@example.de>",
                  changes=["   indented", "\ttabbed\titem"])
    (tmp_path / "changelog").write_text(c.plan_entry("changelog", "debian", None, rel).after, encoding="utf-8")
    out = subprocess.run(["dpkg-parsechangelog", "-l", str(tmp_path / "changelog")], capture_output=True,
                         text=True, check=True)
    assert out.stderr == ""
    fields = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line and line[0] != " ")
    assert (fields["Source"], fields["Version"], fields["Distribution"], fields["Urgency"]) == \
        ("lib+x.y-z", "2:1.0.0~rc1-0ubuntu1~22.04", "bookworm-security", "critical")
    assert fields["Maintainer"] == "Jürgen Müller <jm@example.de>"


@pytest.mark.skipif(shutil.which("rpmspec") is None, reason="rpm is not installed")
def test_rpmspec_reads_entries_put_in_date_order(tmp_path):
    two = c.plan_entry("x.spec", "rpm", SPEC, release(version="2.0.0")).after
    text = c.plan_entry("x.spec", "rpm", two, release(version="1.5.0", date=DATE - datetime.timedelta(days=1)),
                        allow_older=True).after
    (tmp_path / "x.spec").write_text(text, encoding="utf-8")
    out = subprocess.run(["rpmspec", "-q", "--qf", "[%{CHANGELOGNAME}\\n]", str(tmp_path / "x.spec")],
                         capture_output=True, text=True, check=True)
    assert out.stderr == ""
    assert [line.rsplit(" - ", 1)[1] for line in out.stdout.splitlines()] == ["2.0.0-1", "1.5.0-1", "1.0.0-1"]


@pytest.mark.parametrize("fmt, fields, message", [
    ("debian", dict(maintainer="nobody"), "Maintainer 'nobody' is not 'Name <email>'."),
    ("debian", dict(urgency="urgent"), "Urgency 'urgent' is not one of low, medium, high, emergency, critical."),
    ("debian", dict(changes=[" "]), "Changes must be a non-empty list of non-empty texts."),
    ("rpm", dict(rpm_release="1\u00e9"), "Rpm_release '1\u00e9' is not an RPM release: use ASCII letters, digits and '._+~^'."),
    ("rpm", dict(changes=["a\x07"]), "Change 1 holds the control character U+0007; remove it."),
])
def test_check_release_refuses_without_a_file(fmt, fields, message):
    """A build module checks the release's fields before it reads or makes any file: the error names none."""
    base = dict(version="1.0.0", changes=["First release"], date=datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc))
    c.check_release(fmt, c.Release(**base))
    base.update(fields)
    with pytest.raises(c.ChangelogError) as exc:
        c.check_release(fmt, c.Release(**base))
    assert str(exc.value) == message
