# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release's git guard, commit and tag, against real git repositories."""
from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils import _git as g

ME = "Release Team <release@example.com>"


def git(path, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_GLOBAL="/dev/null")
    return subprocess.run(["git", "-C", str(path)] + list(args), check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # no identity from the machine's git config
    path = tmp_path / "project"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "pyproject.toml").write_text('version = "1.0.0"\n')
    (path / "CHANGELOG.rst").write_text("1.0.0\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "start")
    return path


def release_files(path):
    (path / "pyproject.toml").write_text('version = "1.1.0"\n')
    (path / "CHANGELOG.rst").write_text("1.1.0\n1.0.0\n")
    return [str(path / "pyproject.toml"), str(path / "CHANGELOG.rst")]


def test_not_a_checkout_and_an_ignored_copy_are_left_alone(tmp_path, repo):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert g.check(str(plain), "v1.1.0") is None
    (repo / ".gitignore").write_text(".build/\n")
    (repo / ".build" / "copy").mkdir(parents=True)
    assert g.check(str(repo / ".build" / "copy"), "v1.1.0") is None
    assert g.check(str(repo), "v1.1.0").dirty == []  # the new .gitignore is untracked: not dirty


def test_dirty_tree_is_refused_unless_allowed(repo):
    (repo / "pyproject.toml").write_text('version = "9"\n')
    with pytest.raises(g.GitError, match=r"project: uncommitted changes in pyproject.toml; commit or stash"):
        g.check(str(repo), "v1.1.0")
    assert g.check(str(repo), "v1.1.0", allow_dirty=True).dirty == [str(repo / "pyproject.toml")]


def test_release_commits_only_its_files_and_tags_them(repo):
    (repo / "other.txt").write_text("x\n")
    git(repo, "add", "other.txt")
    git(repo, "commit", "-q", "-m", "other")
    (repo / "other.txt").write_text("unrelated work in progress\n")
    co = g.check(str(repo), "v1.1.0", allow_dirty=True)
    files = release_files(repo)
    todo = g.plan(co, "v1.1.0", files)
    assert todo == g.Plan(["pyproject.toml", "CHANGELOG.rst"], True)
    commit = g.finish(co, "v1.1.0", todo, "Release 1.1.0", ME)
    assert git(repo, "rev-parse", "v1.1.0^{commit}") == commit
    assert git(repo, "cat-file", "-t", "v1.1.0") == "tag"  # annotated
    assert git(repo, "log", "-1", "--format=%an <%ae>|%s") == ME + "|Release 1.1.0"
    assert sorted(git(repo, "show", "--name-only", "--format=", "HEAD").split()) == ["CHANGELOG.rst", "pyproject.toml"]
    assert git(repo, "status", "--porcelain") == "M other.txt"  # the unrelated change stays uncommitted
    # the re-run: nothing to commit, the tag is on HEAD
    co = g.check(str(repo), "v1.1.0", allow_dirty=True)
    assert g.plan(co, "v1.1.0", files) == g.Plan([], False)


def test_check_mode_records_the_git_commands_and_runs_none(repo):
    co = g.check(str(repo), "v1.1.0")
    todo = g.plan(co, "v1.1.0", release_files(repo))
    dry = _cmd.Recorder(dry=True)
    assert g.finish(co, "v1.1.0", todo, "Release 1.1.0", ME, "1.1.0", record=dry) == co.head
    git_bin = _cmd.find("git")
    assert [c[:4] for c in dry.commands] == [[git_bin, "-C", co.top, "add"], [git_bin, "-C", co.top, "commit"],
                                             [git_bin, "-C", co.top, "tag"]]
    assert dry.commands[2] == [git_bin, "-C", co.top, "tag", "-a", "-m", "Release 1.1.0", "v1.1.0", "HEAD"]
    assert git(repo, "rev-parse", "HEAD") == co.head and git(repo, "tag") == ""
    assert git(repo, "status", "--porcelain") == "M CHANGELOG.rst\n M pyproject.toml"


def test_a_failing_git_command_is_a_git_error_with_the_commands_fields(tmp_path):
    with pytest.raises(g.GitError) as exc:
        g._git(str(tmp_path), "log")
    assert isinstance(exc.value, _cmd.CommandError) and exc.value.rc == 128
    assert exc.value.cmd == [_cmd.find("git"), "-C", str(tmp_path), "log"]
    assert str(exc.value) == "%s: git log failed (rc 128): %s" % (tmp_path, exc.value.stderr.strip().splitlines()[-1])
    assert str(exc.value).endswith("not a git repository (or any of the parent directories): .git")


def test_a_version_tagged_on_another_commit_is_refused(repo):
    git(repo, "tag", "-a", "-m", "old", "v1.1.0")
    (repo / "new.txt").write_text("y\n")
    git(repo, "add", "new.txt")
    git(repo, "commit", "-q", "-m", "later")
    with pytest.raises(g.GitError, match=r"v1.1.0 is already tagged on commit [0-9a-f]{12}, not on HEAD"):
        g.check(str(repo), "v1.1.0")


def test_tag_on_head_with_new_release_files_is_refused(repo):
    git(repo, "tag", "-a", "-m", "old", "v1.1.0")
    co = g.check(str(repo), "v1.1.0")
    with pytest.raises(g.GitError, match="v1.1.0 is already tagged on commit"):
        g.plan(co, "v1.1.0", release_files(repo))


def test_configured_identity_wins(repo):
    git(repo, "config", "user.name", "Dev")
    git(repo, "config", "user.email", "dev@example.com")
    assert g.identity_env(str(repo), ME) == {}
    co = g.check(str(repo), "v1.1.0")
    g.finish(co, "v1.1.0", g.plan(co, "v1.1.0", release_files(repo)), "Release 1.1.0", ME)
    assert git(repo, "log", "-1", "--format=%ae") == "dev@example.com"


def test_files_outside_the_tree_are_refused(repo, tmp_path):
    co = g.check(str(repo), "v1.1.0")
    (tmp_path / "elsewhere").write_text("z")
    with pytest.raises(g.GitError, match="is outside the git work tree"):
        g.plan(co, "v1.1.0", [str(tmp_path / "elsewhere")])


def test_the_releases_own_edits_are_not_dirty(repo, tmp_path):
    co = g.checkout(str(repo))
    expected = tmp_path / "expected"
    g.export_head(co, str(expected))
    assert (expected / "pyproject.toml").read_text() == 'version = "1.0.0"\n'
    release_files(expected)      # what the release writes on top of HEAD
    release_files(repo)          # an earlier run of it wrote the same
    assert g.check(str(repo), "v1.1.0", expected=str(expected)).dirty == [str(repo / "CHANGELOG.rst"),
                                                                          str(repo / "pyproject.toml")]
    (repo / "CHANGELOG.rst").write_text("1.1.0\nhand-edited\n1.0.0\n")  # anything else still is dirty
    with pytest.raises(g.GitError, match=r"uncommitted changes in CHANGELOG.rst; commit"):
        g.check(str(repo), "v1.1.0", expected=str(expected))


def test_release_base_from_tags_and_the_release_commit_trailer(repo):
    co = g.checkout(str(repo))
    assert g.release_base(co) == g.Base(None, None)
    git(repo, "tag", "-a", "-m", "x", "v1.0.0")
    git(repo, "tag", "-a", "-m", "x", "vnot-a-version")
    assert g.release_base(g.checkout(str(repo))) == g.Base("1.0.0", "1.0.0")
    (repo / "other.txt").write_text("x\n")
    git(repo, "add", "other.txt")
    git(repo, "commit", "-q", "-m", "work")
    assert g.release_base(g.checkout(str(repo))) == g.Base(None, "1.0.0")
    files = release_files(repo)
    co = g.checkout(str(repo))
    g.finish(co, "v1.1.0", g.Plan([os.path.relpath(f, co.top) for f in files], False), "Release 1.1.0", ME, "1.1.0")
    # a release commit not tagged yet (the release stopped between its commit and its tag) is that release
    assert g.release_base(g.checkout(str(repo))) == g.Base("1.1.0", "1.0.0")
    assert "Release-Version: 1.1.0" in git(repo, "log", "-1", "--format=%B")


@pytest.mark.parametrize("args, message", [
    (dict(path="nope"), "Project directory '{repo}/nope' does not exist."),
    (dict(path="CHANGELOG.rst"), "Project path '{repo}/CHANGELOG.rst' is a file, not a directory: give the project's directory."),
    (dict(tag="v1.0 rc"), "Tag 'v1.0 rc' (tag_prefix and version) is not a valid git tag name (git check-ref-format refuses it): "
                          "use a version and a tag_prefix without spaces, '..', '~', '^', ':', '?', '*', '['."),
    (dict(tag="v1..0"), "Tag 'v1..0' (tag_prefix and version) is not a valid git tag name (git check-ref-format refuses it): "
                        "use a version and a tag_prefix without spaces, '..', '~', '^', ':', '?', '*', '['."),
    (dict(identity="nobody"), "identity 'nobody' is not 'Name <email>'."),
    (dict(expected="nope"), "expected '{repo}/nope' is not a directory: give the directory holding the project as the release makes it."),
    (dict(files=["NEWS"]), "File '{repo}/NEWS' to commit does not exist: give the files the release wrote."),
])
def test_check_inputs_refuses_before_git_changes_anything(repo, args, message):
    where = dict(path=str(repo), tag="v1.0", identity=ME, expected=str(repo), files=[str(repo / "CHANGELOG.rst")])
    g.check_inputs(**where)
    for key in ("path", "expected"):
        if key in args:
            args[key] = str(repo / args[key])
    if "files" in args:
        args["files"] = [str(repo / f) for f in args["files"]]
    before = git(repo, "for-each-ref")
    with pytest.raises(g.GitError) as exc:
        g.check_inputs(**dict(where, **args))
    assert str(exc.value) == message.format(repo=repo)
    assert git(repo, "for-each-ref") == before


def test_the_maintainer_is_the_one_given_else_gits_user_else_an_error(repo, tmp_path, monkeypatch):
    from ansible_collections.pkgops.release.plugins.module_utils import _changelog

    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    assert g.user(str(repo)) == "", "no user.name nor user.email anywhere"
    outside = tmp_path / "outside"
    outside.mkdir()
    with pytest.raises(_changelog.ChangelogError) as exc:
        _changelog.maintainer(str(outside / "debian" / "changelog"), "", "packager")
    assert str(exc.value) == (
        "No maintainer ('Name <email>') to sign the package changelog of '%s/debian/changelog': set the packager "
        "option (the roles' build_maintainer or package_maintainer), or git's user.name and user.email for its "
        "repository (git config user.email ...)." % outside)
    git(repo, "config", "user.name", "Dev Eloper")
    assert g.user(str(repo)) == "", "a name without an email is no identity"
    git(repo, "config", "user.email", "dev@example.com")
    assert g.user(str(repo)) == g.user(str(repo / "debian" / "changelog")) == "Dev Eloper <dev@example.com>"
    assert _changelog.maintainer(str(repo), "", "maintainer") == "Dev Eloper <dev@example.com>"
    assert _changelog.maintainer(str(repo), ME, "maintainer") == ME
    # the user's own git configuration counts as well (as for a commit made there)
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Glo Bal\n\temail = global@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    assert g.user(str(outside)) == "Glo Bal <global@example.com>"
    assert g.user(str(repo)) == "Dev Eloper <dev@example.com>", "the repository's own setting wins"
