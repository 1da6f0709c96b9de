# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one command runner, with real commands."""
from __future__ import annotations

import os

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _cmd


def test_a_command_that_succeeds_returns_its_output_and_its_resolved_argv():
    result = _cmd.run(["printf", "%s\\n", "hello"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "hello\n", "")
    assert os.path.isabs(result.cmd[0]) and os.path.basename(result.cmd[0]) == "printf"
    assert result.cmd[1:] == ["%s\\n", "hello"]
    assert _cmd.run(["true"]).returncode == 0


def test_a_failure_carries_cmd_rc_and_both_outputs_and_says_why_in_one_sentence():
    with pytest.raises(_cmd.CommandError) as exc:
        _cmd.run(["sh", "-c", "echo progress; echo 'warning: slow' >&2; echo 'error: the real cause' >&2; "
                              "echo 'There have been errors!' >&2; exit 3"])
    err = exc.value
    assert err.cmd == [_cmd.find("sh"), "-c", err.cmd[2]] and err.rc == 3
    assert err.stdout == "progress\n"
    assert err.stderr == "warning: slow\nerror: the real cause\nThere have been errors!\n"
    assert str(err) == "sh failed (rc 3): error: the real cause"


def test_the_reason_falls_back_to_the_last_line_of_stderr_then_stdout():
    with pytest.raises(_cmd.CommandError, match=r"^sh failed \(rc 2\): second$"):
        _cmd.run(["sh", "-c", "printf 'first\\nsecond\\n\\n'; exit 2"])
    with pytest.raises(_cmd.CommandError, match=r"^sh failed \(rc 4\): on stderr$"):
        _cmd.run(["sh", "-c", "echo on stdout; echo on stderr >&2; exit 4"])
    with pytest.raises(_cmd.CommandError) as exc:
        _cmd.run(["false"])
    assert str(exc.value) == "false failed (rc 1): no output"


def test_what_names_the_step_and_the_callers_error_type_is_raised():
    class StepError(ValueError):
        pass

    class StepCommandError(_cmd.CommandError, StepError):
        pass

    with pytest.raises(StepError) as exc:
        _cmd.run(["sh", "-c", "echo 'gpg: signing failed: No secret key' >&2; exit 2"],
                 what="Signing 2 package(s)", error=StepCommandError)
    assert isinstance(exc.value, _cmd.CommandError) and exc.value.rc == 2
    assert str(exc.value) == "Signing 2 package(s) failed (rc 2): gpg: signing failed: No secret key"


def test_check_false_returns_the_failure_and_the_caller_may_still_raise_it():
    result = _cmd.run(["sh", "-c", "echo nope >&2; exit 64"], check=False)
    assert (result.returncode, result.stderr) == (64, "nope\n")
    err = _cmd.CommandError.of(result, "rpmlint")
    assert (err.cmd, err.rc, str(err)) == (result.cmd, 64, "rpmlint failed (rc 64): nope")


def test_a_missing_program_names_it_and_its_debian_package(monkeypatch):
    with pytest.raises(_cmd.MissingCommand) as exc:
        _cmd.find("gpg", extra_paths=(), path="/nonexistent")
    assert str(exc.value) == "gpg is not installed (not found in /nonexistent); install the Debian package gnupg."
    assert (exc.value.cmd, exc.value.rc, exc.value.package) == (["gpg"], 127, "gnupg")
    monkeypatch.setenv("PATH", "/usr/bin:/bin:/usr/bin")
    with pytest.raises(_cmd.MissingCommand) as exc:
        _cmd.run(["pkgops-no-such-tool", "--help"])
    assert str(exc.value) == "pkgops-no-such-tool is not installed (not found in /usr/bin, /bin, /usr/sbin, /sbin)."
    with pytest.raises(_cmd.MissingCommand, match=r"^/nonexistent/createrepo_c does not exist; install the Debian "
                                                  r"package createrepo-c\.$"):
        _cmd.run(["/nonexistent/createrepo_c"])


def test_a_program_is_looked_up_once_per_process_also_in_sbin(tmp_path):
    tool = tmp_path / "pkgops-tool"
    tool.write_text("#!/bin/sh\necho tool\n")
    tool.chmod(0o755)
    assert _cmd.find("pkgops-tool", path=str(tmp_path)) == str(tool)
    tool.unlink()  # a second lookup would not find it: the first answer is kept
    assert _cmd.find("pkgops-tool", path=str(tmp_path)) == str(tool)
    assert _cmd.search_path("/usr/bin") == ["/usr/bin", "/usr/sbin", "/sbin"]
    assert _cmd.find("ldconfig", path="/nonexistent") in ("/usr/sbin/ldconfig", "/sbin/ldconfig")


def test_an_absolute_program_is_run_as_given_and_cwd_applies(tmp_path):
    result = _cmd.run(["/bin/sh", "-c", "pwd"], cwd=str(tmp_path))
    assert result.cmd[0] == "/bin/sh" and result.stdout == "%s\n" % tmp_path


def test_secrets_are_masked_in_cmd_stdout_stderr_and_the_message():
    script = 'echo "token=$1"; echo "rejected $1" >&2; exit 4'
    record = []
    with pytest.raises(_cmd.CommandError) as exc:
        _cmd.run(["sh", "-c", script, "sh", "s3cr3t-pw"], secrets=["s3cr3t-pw", ""], record=record)
    err = exc.value
    assert err.cmd[-1] == "********" and record == [err.cmd]
    assert (err.stdout, err.stderr) == ("token=********\n", "rejected ********\n")
    assert str(err) == "sh failed (rc 4): rejected ********"
    assert "s3cr3t-pw" not in repr((err.cmd, err.stdout, err.stderr, str(err), _cmd.fail_keys(err)))


def test_a_dry_recorder_records_the_command_and_runs_nothing(tmp_path):
    target = tmp_path / "made-by-touch"
    dry = _cmd.Recorder(dry=True)
    result = _cmd.run(["touch", str(target)], record=dry)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not target.exists()
    assert dry.commands == [[_cmd.find("touch"), str(target)]] and len(dry) == 1
    real = _cmd.Recorder()
    _cmd.run(["touch", str(target)], record=real)
    assert target.exists() and list(real) == dry.commands


def test_a_dry_recorder_keeps_a_program_not_installed_yet_by_its_name():
    dry = _cmd.Recorder(dry=True)
    _cmd.run(["pkgops-no-such-tool", "upload"], record=dry, secrets=["upload"])
    assert dry.commands == [["pkgops-no-such-tool", "********"]]


def test_the_locale_is_fixed_unless_the_caller_sets_it(monkeypatch):
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    monkeypatch.setenv("LANGUAGE", "de")
    show = ["sh", "-c", 'echo "$LC_ALL|$LANG|${LANGUAGE-unset}"']
    assert _cmd.run(show).stdout == "C.UTF-8|C.UTF-8|unset\n"
    assert _cmd.run(show, env={"LC_ALL": "C"}).stdout == "C|C.UTF-8|unset\n"
    assert _cmd.run(["locale"]).stdout.splitlines()[0] == "LANG=C.UTF-8"


def test_env_adds_removes_and_can_start_empty(monkeypatch):
    monkeypatch.setenv("PKGOPS_KEEP", "kept")
    monkeypatch.setenv("PKGOPS_DROP", "dropped")
    show = ["sh", "-c", 'echo "${PKGOPS_KEEP-unset}|${PKGOPS_DROP-unset}|${PKGOPS_NEW-unset}"']
    assert _cmd.run(show, env={"PKGOPS_DROP": None, "PKGOPS_NEW": 1}).stdout == "kept|unset|1\n"
    clean = _cmd.run(["/usr/bin/env"], env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"}, inherit_env=False)
    assert sorted(clean.stdout.splitlines()) == ["HOME=/tmp", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "PATH=/usr/bin:/bin"]


def test_an_argv_string_is_refused():
    with pytest.raises(TypeError, match="takes an argv list, not a string"):
        _cmd.run("touch /tmp/never")
    with pytest.raises(TypeError, match="takes an argv list, not a string"):
        _cmd.run(b"true")
    with pytest.raises(TypeError, match="argv is empty"):
        _cmd.run([])


def test_merged_output_binary_input_and_a_timeout():
    merged = _cmd.run(["sh", "-c", "echo a; echo b >&2; echo c"], merge_stderr=True)
    assert (merged.stdout, merged.stderr) == ("a\nb\nc\n", "")
    assert _cmd.run(["cat"], input=b"\x00\xff", text=False).stdout == b"\x00\xff"
    with pytest.raises(_cmd.CommandError) as exc:
        _cmd.run(["sleep", "5"], timeout=0.2, what="Waiting")
    assert exc.value.rc is None and str(exc.value) == "Waiting did not finish within 0.2 s."


def test_a_program_that_cannot_start_is_a_command_error(tmp_path):
    script = tmp_path / "not-executable"
    script.write_text("echo hi\n")
    with pytest.raises(_cmd.CommandError) as exc:
        _cmd.run([str(script)])
    assert exc.value.rc == 126 and str(exc.value) == "not-executable failed (rc 126): %s: Permission denied" % script
    with pytest.raises(_cmd.CommandError, match=r"^true failed \(rc 126\): /nonexistent: No such file or directory$"):
        _cmd.run(["true"], cwd="/nonexistent")


def test_fail_keys_are_the_same_for_every_module():
    with pytest.raises(_cmd.CommandError) as exc:
        _cmd.run(["sh", "-c", "echo out; echo err >&2; exit 5"])
    keys = _cmd.fail_keys(exc.value, dict(changed=False, msg="replaced", path="/x"))
    assert keys == dict(changed=False, path="/x", msg="sh failed (rc 5): err", cmd=exc.value.cmd, rc=5,
                        stdout="out\n", stderr="err\n")
    try:
        raise ValueError("Publishing failed.") from exc.value
    except ValueError as wrapped:
        assert _cmd.fail_keys(wrapped)["rc"] == 5 and _cmd.fail_keys(wrapped)["msg"] == "Publishing failed."
    assert _cmd.fail_keys(ValueError("Bad input.")) == {"msg": "Bad input."}
