# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one place where the collection runs a command.

- argv lists only, never a shell string; the program is found once per process (PATH, then
  /usr/sbin and /sbin) and a missing one is named with the Debian package that provides it;
- a fixed locale (C.UTF-8), so that the output the collection parses and quotes is never translated;
- a failure is a ``CommandError`` carrying ``cmd``, ``rc``, ``stdout`` and ``stderr`` as fields, with
  a one-sentence message; secrets given to ``run`` are replaced by ``********`` in all of them;
- a ``Recorder`` keeps the commands of a run, and in dry mode runs nothing: a module in check mode
  reports the commands it would run (as containers.podman's ``_perform_action`` does);
- ``fail_keys`` turns an exception into the result keys every module fails with.

A module util that has its own error type passes a subclass of both (``error=``), so its callers'
``except`` clauses keep working and the failure still carries the command's fields.

Plain ``subprocess``: no Ansible import, so the module utils using it are unit-tested without Ansible.
"""

from __future__ import annotations

import os
import re
import subprocess
import typing as t

LOCALE = "C.UTF-8"
EXTRA_PATHS = ("/usr/sbin", "/sbin")
MASK = "********"

# The Debian package of each program the collection runs (where it is not the program's own name).
PACKAGES = {
    "createrepo_c": "createrepo-c",
    "dpkg-buildpackage": "dpkg-dev",
    "dpkg-deb": "dpkg",
    "git": "git",
    "gpg": "gnupg",
    "gpgv": "gpgv",
    "lintian": "lintian",
    "reprepro": "reprepro",
    "rm": "coreutils",
    "rpm": "rpm",
    "rpmbuild": "rpm",
    "rpmkeys": "rpm",
    "rpmlint": "rpmlint",
    "rpmsign": "rpm",
    "tar": "tar",
    "twine": "twine",
}

# Lines that say something failed, and closing lines that say only that (reprepro's).
_ERROR_LINE = re.compile(r"error|fail|fatal|cannot|can't|unable|denied|not found|no such|invalid|refus|^E: ", re.I)
_CLOSING_LINE = re.compile(r"^There have been errors!?$")

_found: t.Dict[t.Tuple[str, str, t.Tuple[str, ...]], str] = {}


def redact(value, secrets):
    """``value`` (str, bytes or an argv list) with every non-empty secret replaced by ``********``."""
    if isinstance(value, (list, tuple)):
        return [redact(item, secrets) for item in value]
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        if isinstance(value, bytes):
            value = value.replace(secret.encode() if isinstance(secret, str) else secret, MASK.encode())
        else:
            value = value.replace(secret, MASK)
    return value


def _text(value):
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _meaningful(text):
    """The last line of ``text`` that says what failed, else its last non-blank line ("" when blank)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not _CLOSING_LINE.match(line.strip())]
    errors = [line for line in lines if _ERROR_LINE.search(line)]
    return (errors or lines or [""])[-1]


class CommandError(Exception):
    """A command failed: ``cmd`` (the argv, secrets masked), ``rc``, ``stdout`` and ``stderr`` (masked).

    ``what`` names the step in the message ("Signing 2 package(s) failed (rc 1): ..."); without it the
    program's name does. ``rc`` is None when the command ran out of time.
    """

    def __init__(self, cmd, rc, stdout="", stderr="", what=None, timeout=None):
        self.cmd = list(cmd)
        self.rc = rc
        self.stdout = _text(stdout)
        self.stderr = _text(stderr)
        self.what = what
        self.timeout = timeout
        super().__init__(self.describe())

    @property
    def binary(self):
        return os.path.basename(self.cmd[0]) if self.cmd else "command"

    @property
    def reason(self):
        """The last meaningful line of stderr, else of stdout, shortened."""
        line = _meaningful(self.stderr) or _meaningful(self.stdout) or "no output"
        return line if len(line) <= 300 else line[:297] + "..."

    def tail(self, count):
        """The last ``count`` lines of stdout and stderr together."""
        return "\n".join((self.stdout + self.stderr).strip().splitlines()[-count:])

    def describe(self):
        subject = self.what or self.binary
        if self.rc is None:
            return "%s did not finish within %s s." % (subject, self.timeout)
        return "%s failed (rc %d): %s" % (subject, self.rc, self.reason)

    def __str__(self):
        return self.describe()

    @classmethod
    def of(cls, result, what=None):
        """The error for a ``run(..., check=False)`` result the caller judged a failure."""
        secrets = getattr(result, "secrets", ())
        return cls(result.cmd, result.returncode, redact(_text(result.stdout), secrets),
                   redact(_text(result.stderr), secrets), what=what)


class MissingCommand(CommandError):
    """The program is not installed: the message names it and, where known, its Debian package."""

    def __init__(self, binary, searched, cmd=None):
        self.program = binary
        self.searched = list(searched)
        self.package = PACKAGES.get(os.path.basename(binary))
        super().__init__(cmd or [binary], 127)

    def describe(self):
        hint = "; install the Debian package %s" % self.package if self.package else ""
        if not self.searched:
            return "%s does not exist%s." % (self.program, hint)
        return "%s is not installed (not found in %s)%s." % (self.program, ", ".join(self.searched), hint)


class Recorder:
    """The commands of a run (argv lists, secrets masked); with ``dry`` true they are recorded and not run."""

    def __init__(self, dry=False):
        self.dry = dry
        self.commands: t.List[t.List[str]] = []

    def add(self, cmd):
        self.commands.append(list(cmd))

    def __iter__(self):
        return iter(self.commands)

    def __len__(self):
        return len(self.commands)


def search_path(path=None, extra_paths=EXTRA_PATHS):
    """The directories ``find`` looks in: ``path`` (default: $PATH), then ``extra_paths``."""
    dirs = []
    for folder in (os.environ.get("PATH", os.defpath) if path is None else path).split(os.pathsep) + list(extra_paths):
        if folder and folder not in dirs:
            dirs.append(folder)
    return dirs


def find(binary, extra_paths=EXTRA_PATHS, path=None):
    """The absolute path of the program ``binary``, looked up once per process; else MissingCommand."""
    dirs = search_path(path, extra_paths)
    key = (binary, os.pathsep.join(dirs), tuple(extra_paths))
    if key not in _found:
        for folder in dirs:
            candidate = os.path.join(folder, binary)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                _found[key] = os.path.abspath(candidate)
                break
        else:
            raise MissingCommand(binary, dirs)
    return _found[key]


def environment(env=None, inherit=True):
    """The command's environment: the process's (unless ``inherit`` is false), the fixed locale, then ``env``.

    A value None in ``env`` removes the variable. LANGUAGE is dropped: it would override LC_ALL's language.
    """
    out = dict(os.environ) if inherit else {}
    out.pop("LANGUAGE", None)
    out.update(LC_ALL=LOCALE, LANG=LOCALE)
    for name, value in (env or {}).items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = str(value)
    return out


def _resolve(argv, env, dry):
    program = argv[0]
    if os.path.isabs(program) or "/" in program:
        return program  # a path the caller chose (relative ones from cwd)
    try:
        return find(program, path=env.get("PATH", os.defpath))
    except MissingCommand:
        if dry:
            return program  # check mode: an earlier task of a real run may install it
        raise


def run(argv, *, cwd=None, env=None, inherit_env=True, input=None, check=True, secrets=(), record=None,
        text=True, timeout=None, merge_stderr=False, what=None, error=CommandError):
    """Run ``argv``; returns a ``subprocess.CompletedProcess`` with ``cmd``, the argv with secrets masked.

    ``env`` adds to (or, with a None value, removes from) the environment, see ``environment``;
    ``merge_stderr`` interleaves stderr into stdout (build logs); ``record`` is a Recorder (or a list)
    that gets the masked argv, and a dry Recorder means: do not run, return rc 0 and empty output.
    With ``check``, a non-zero rc raises ``error`` (CommandError or a subclass), ``what`` naming the step.
    """
    if isinstance(argv, (str, bytes)):
        raise TypeError("run() takes an argv list, not a string: %r" % (argv,))
    argv = [os.fspath(a) if isinstance(a, os.PathLike) else a for a in argv]
    if not argv:
        raise TypeError("run() needs a program to run: the argv is empty")
    full_env = environment(env, inherit_env)
    dry = bool(getattr(record, "dry", False))
    argv[0] = _resolve(argv, full_env, dry)
    cmd = redact(argv, secrets)
    if record is not None:
        (record.add if hasattr(record, "add") else record.append)(cmd)
    empty = "" if text else b""
    if dry:
        result = subprocess.CompletedProcess(argv, 0, empty, empty)
    else:
        try:
            result = subprocess.run(argv, cwd=cwd, env=full_env, input=input, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                                    encoding="utf-8" if text else None, errors="replace" if text else None,
                                    timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise error(cmd, None, redact(_text(exc.stdout), secrets), redact(_text(exc.stderr), secrets),
                        what=what, timeout=timeout)
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) and exc.filename == argv[0]:
                raise MissingCommand(argv[0], [], cmd)
            raise error(cmd, 126, "", "%s: %s" % (exc.filename or argv[0], exc.strerror), what=what)
        if result.stderr is None:
            result.stderr = empty
    result.cmd = cmd
    result.secrets = tuple(secrets)
    if check and result.returncode != 0:
        raise error.of(result, what)
    return result


def command_error(exc):
    """The CommandError behind ``exc`` (itself, or its cause), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, CommandError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__
    return None


def fail_keys(exc, result=None):
    """``result`` updated with the keys a module fails with: ``msg``, and for a command cmd, rc, stdout, stderr.

    ``module.fail_json(**_cmd.fail_keys(exc, result))``: the failure's keys win over the result's.
    """
    keys = dict(result or {}, msg=str(exc))
    failed = command_error(exc)
    if failed is not None:
        keys.update(cmd=failed.cmd, rc=failed.rc, stdout=failed.stdout, stderr=failed.stderr)
    return keys


__all__: t.List[str] = ["CommandError", "MissingCommand", "Recorder", "PACKAGES", "LOCALE", "find", "run",
                        "environment", "redact", "command_error", "fail_keys"]
