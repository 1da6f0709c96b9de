# -*- coding: utf-8 -*-
# Copyright (c) pkgops.release contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""repo_publish's repository types as data: each declares its options, its plan, its apply and its result.

``TYPES`` maps a type name to a ``RepoType``. ``run`` looks the type up and does the same for each:
a refusal of every option set that does not apply to the type, the type's configuration from the
parameters (with its own checks), then plan and apply - for a repository on this host (``lock`` not None)
read, planned and applied under the repository's one lock (``_repo_base.change``), in check mode
only planned; for an index server (no lock) planned, and applied through a ``_cmd.Recorder`` that in
check mode records the commands without running them - and the type's result.

Parameters are the module's: an option the user did not set is None (or, for ``files`` and
``state``, which apply to every type, its default), and a type's effective defaults are filled in
from ``RepoType.defaults`` after the check, so only options the user actually set are refused.
Every file to publish is verified (``_verify``: whole, readable by its format's tool, named as its
content says, its listed files inside its directory) before the lock is taken or anything written.
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
import typing as t

from ansible_collections.pkgops.release.plugins.module_utils import _apt_archive, _apt_repo, _cmd, _devpi_push, _pypi_index, _pypi_upload
from ansible_collections.pkgops.release.plugins.module_utils import _repo_base as _base
from ansible_collections.pkgops.release.plugins.module_utils import _verify, _yum_repo
from ansible_collections.pkgops.release.plugins.module_utils._files import check_dest_dir, sha256_of

COMMON = ("type", "files", "state")  # options of every type
KEY_OPTIONS = ("signing_key", "signing_keys", "key_type", "key_uid", "key_name", "key_expiry", "key_renew_days", "renew_key")
KEY_DEFAULTS = {"key_type": "ed25519", "key_uid": "pkgops.release repository <repository@localhost>",
                "key_expiry": _base.KEY_EXPIRY, "key_renew_days": _base.RENEW_DAYS, "renew_key": False}
APT_SUITES = [{"codename": "bookworm", "suite": "stable"}]


class PublishError(ValueError):
    """Parameters that do not fit the chosen type."""


@dataclasses.dataclass(frozen=True)
class RepoType:
    """One kind of repository: the options that apply to it and the four steps of a change."""

    name: str
    options: t.Tuple[str, ...]  # the options that apply, besides COMMON
    defaults: t.Dict[str, t.Any]  # effective defaults of those left unset (None)
    config: t.Callable[[dict], t.Any]  # parameters -> the backend's configuration; raises on bad input
    plan: t.Callable[[t.Any, dict], t.Any]  # (config, parameters) -> plan, with .changed
    apply: t.Callable[[t.Any, t.Any, _cmd.Recorder], t.Any]  # (config, plan, recorder) -> what apply returns
    result: t.Callable[[t.Any, dict, t.Any, t.Any, _cmd.Recorder], dict]  # -> the module's result
    lock: t.Optional[t.Callable[[t.Any], t.Tuple[str, str]]] = None  # config -> (root, lock file)
    artifacts: t.Tuple[str, ...] = ("wheel", "sdist")  # what ``files`` may hold (_verify's kinds)


def _withdraw(p):
    return (p["name"], p["version"]) if p["state"] == "absent" else None


def _files(p):
    return p["files"] if p["state"] == "present" else ()


def _promote(p):
    """(promote_from, name, version), or None; promote_from is a suite (apt), an index USER/INDEX on the same server
    (devpi) or the root of the repository of the same type (pypi, yum), checked."""
    origin = p.get("promote_from")
    if not origin:
        return None
    if p["state"] != "present":
        raise PublishError("promote_from promotes with state present, not absent: withdraw and promote in two tasks.")
    if p["type"] == "devpi":
        _devpi_push.check_index(origin, "promote_from")
    elif p["type"] != "apt" and not os.path.isabs(origin):
        raise PublishError("promote_from '%s' is not an absolute path: for type=%s give the root directory of the "
                           "repository to promote from." % (origin, p["type"]))
    return origin, p["name"], p["version"]


def _promotions(plan, origin):
    """The result's ``promotions``: every file of the promoted version, copied now or already here."""
    return [dict(filename=d.filename, sha256=d.sha256, promote_from=origin) for d in plan.promote]


# --- pypi: a static PEP 503 index --------------------------------------------------------------

def _pypi_config(p):
    if p["state"] == "present" and not p["files"] and not _promote(p):
        raise PublishError("state is present but files is empty: name the artifacts to publish (or promote_from).")
    missing = [f for f in p["files"] if not os.path.lexists(f)]  # the rest: _verify says what is wrong
    if missing:
        raise _pypi_index.PypiIndexError("File '%s' does not exist." % missing[0])
    return p["path"]


def _pypi_result(root, p, change, applied, record):
    return dict(changed=change.changed, added=[os.path.basename(f) for f in change.add], unchanged=change.unchanged,
                removed=[d.filename for d in change.remove], promoted=[os.path.basename(f) for f in change.copy],
                promotions=_promotions(change, p["promote_from"]),
                artifacts=[dict(filename=d.filename, project=d.project, version=d.version, sha256=d.sha256)
                           for d in change.dists])


PYPI = RepoType(
    name="pypi", options=("path", "name", "version", "promote_from"), defaults={},
    config=_pypi_config,
    plan=lambda root, p: _pypi_index.plan(root, _files(p), _withdraw(p), _promote(p)),
    apply=lambda root, change, record: _pypi_index.apply(root, change),
    result=_pypi_result,
    lock=lambda root: (root, _pypi_index.LOCKFILE))


# --- apt: reprepro ------------------------------------------------------------------------------

def _key_settings(p, now=None):
    """The key's lifetime and renewal, checked: ``expiry``, ``renew_days`` and ``renew`` of a repository's Config."""
    expiry, days = p["key_expiry"], p["key_renew_days"]
    if not re.match(_base.KEY_EXPIRY_FORMAT, expiry):
        raise PublishError("key_expiry '%s' is not an expiry gpg takes: use Ny, Nm, Nw, Nd (years, months, weeks, "
                           "days), a date YYYY-MM-DD, or never." % expiry)
    if days < 0:
        raise PublishError("key_renew_days is %d: use 0 (no renewal unless renew_key) or the days before the key's "
                           "expiry from which it is renewed." % days)
    now = time.time() if now is None else now
    until = _base.expiry_after(expiry, now)
    if days and until is not None and until - now <= days * _base.DAY:
        raise PublishError("key_expiry '%s' does not reach past the renewal window (key_renew_days %d): a renewed key "
                           "would be due again at once; give a longer key_expiry or fewer key_renew_days (0 turns "
                           "renewal off)." % (expiry, days))
    return dict(expiry=expiry, renew_days=days, renew=bool(p["renew_key"]))


def _signing_keys(p):
    """The ``signing_keys`` (list, maybe empty), after refusing it together with ``signing_key``."""
    keys = list(p.get("signing_keys") or [])
    if keys and p.get("signing_key"):
        raise PublishError("signing_key and signing_keys are mutually exclusive: give one key as signing_key, or every "
                           "key that signs as signing_keys.")
    if any(not (k or "").strip() for k in keys):
        raise PublishError("signing_keys has an empty entry: give a fingerprint or a user ID ('Name <email>') each.")
    return keys


def _apt_config(p):
    _promote(p)
    return _apt_repo.Config(root=p["path"], suites=[_apt_repo.Suite(**s) for s in p["suites"]], uid=p["key_uid"],
                            key_type=p["key_type"], signing_key=p["signing_key"] or "", signing_keys=_signing_keys(p),
                            key_name=p["key_name"], keep=p["keep"], **_key_settings(p))


def _apt_plan(cfg, p):
    return _apt_repo.plan(cfg, _files(p), p["codename"] or "", p["component"], _withdraw(p), _promote(p))


def _apt_result(cfg, p, change, applied, record):
    sources = sorted({u.source for u in change.add} | ({p["name"]} if p["name"] else set()))
    rows = [r for source in sources for r in _apt_repo.packages(cfg.root, change.codename, source)]
    result = dict(
        changed=change.changed, added=[os.path.basename(u.path) for u in change.add], unchanged=change.unchanged,
        removed=["%s %s" % (w.source, w.version) for w in change.remove],
        promoted=["%s %s" % (c.source, c.version) for c in change.copy],
        fingerprint=applied or change.fingerprint,
        signing_keys=(_apt_repo.served_signers(cfg.root) if applied else change.fingerprints),
        packages=[dict(source=r.source, package=r.package, version=r.version, architecture=r.architecture,
                       filekey=r.filekey) for r in rows],
        promotions=_apt_promotions(cfg.root, _promote(p)),
        archive=_apt_archive_result(cfg, change, set(sources) | set(change.sources)))
    return _with_key(cfg.root, result, _apt_repo.public_key(cfg.root, cfg.key_name), change, record)


def _apt_promotions(root, promote):
    """The result's ``promotions`` for apt: each pool file of the promoted source package and version (binaries and
    the .dsc) as the source suite lists it - the pool is shared, so the same file in both suites."""
    gen = _apt_repo.current(root) if promote else None
    if not gen:
        return []
    origin, name, version = promote
    files = {os.path.basename(r.filekey): os.path.join(gen, "public", r.filekey)
             for r in _apt_repo.packages(root, origin, name) if r.source_version == version}
    return [dict(filename=f, sha256=sha256_of(path), promote_from=origin) for f, path in sorted(files.items())]


def _apt_archive_result(cfg, change, sources):
    """The result's ``archive``: for the change's codename, its archive suite and the "source version" pairs it
    keeps of the change's sources (planned in check mode, served after the change)."""
    suite = next(s for s in cfg.suites if s.codename == change.codename)
    kept = change.archive.get(change.codename)
    kept = _apt_repo.archive_kept(cfg.root, change.codename) if kept is None else kept
    return {change.codename: dict(codename=_apt_archive.name(suite.codename),
                                  suite=_apt_archive.name(suite.suite) if suite.suite else "",
                                  kept=["%s %s" % pair for pair in kept if pair[0] in sources])}


def _with_key(root, result, key, change, record):
    """The result with the public key, the signing key's expiry, whether the change renews it, and a warning when the
    expiry is near or the key had expired."""
    if key is not None:
        result["public_key"] = key
    result["key_renewed"] = bool(change.renewals)
    renewed = {r.fingerprint: r for r in change.renewals}
    warnings, last = [], result.get("fingerprint")
    for fpr in [f for f in result["signing_keys"] if f != last] + [last]:
        if fpr in renewed:
            expires, more = _base.renewal_report(root, renewed[fpr], applied=not record.dry)
        else:
            expires, more = _base.expiry_report(root, fpr)
        warnings += more
    result["key_expires"] = expires
    if warnings:
        result["warnings"] = warnings
    return result


APT = RepoType(
    name="apt", options=("path", "name", "version", "suites", "codename", "component", "keep", "promote_from")
    + KEY_OPTIONS,
    defaults=dict(KEY_DEFAULTS, suites=APT_SUITES, component="main", key_name="archive-keyring", keep=0),
    config=_apt_config, plan=_apt_plan,
    apply=lambda cfg, change, record: _apt_repo.apply(cfg, change),
    result=_apt_result,
    lock=lambda cfg: (cfg.root, ".lock"),
    artifacts=("deb", "dsc", "changes"))


# --- yum: createrepo_c --------------------------------------------------------------------------

def _yum_config(p):
    _promote(p)
    return _yum_repo.Config(root=p["path"], uid=p["key_uid"], key_type=p["key_type"],
                            signing_key=p["signing_key"] or "", signing_keys=_signing_keys(p), key_name=p["key_name"],
                            keep=p["keep"], **_key_settings(p))


def _yum_result(cfg, p, change, applied, record):
    keys = _yum_repo.served_signers(cfg.root) if applied is not None else change.fingerprints
    resigned = applied if applied is not None else sorted(change.resign + (
        [r.filename for r in change.copy] if change.copy and change.promote_signer != change.fingerprint else []))
    result = dict(changed=change.changed, added=[u.filename for u in change.add], unchanged=change.unchanged,
                  removed=change.remove, promoted=[r.filename for r in change.copy],
                  promotions=_yum_promotions(cfg.root, change, p["promote_from"]), fingerprint=keys[-1] if keys else "",
                  signing_keys=keys, rpm_signer=keys[-1] if keys else "", resigned=resigned,
                  packages=[dict(entry, filename=name) for name, entry in sorted(change.holds.items())])
    return _with_key(cfg.root, result, _yum_repo.public_key(cfg.root, cfg.key_name), change, record)


def _yum_promotions(root, change, origin):
    """The result's ``promotions`` for yum: the sha256 of each file as this repository serves it - a promoted RPM
    signed again with this repository's RPM signer has other bytes than the source's (its header is the same)."""
    promotions = _promotions(change, origin)
    gen = _base.current(root)
    held = _yum_repo.state(gen) if gen else None
    for entry in promotions if held else ():
        served = os.path.join(root, "packages", _yum_repo.location(held, entry["filename"]))
        if entry["filename"] in held["files"] and os.path.isfile(served):
            entry["sha256"] = sha256_of(served)
    return promotions


YUM = RepoType(
    name="yum", options=("path", "name", "version", "keep", "promote_from") + KEY_OPTIONS,
    defaults=dict(KEY_DEFAULTS, key_name="RPM-GPG-KEY-pkgops", keep=0),
    config=_yum_config,
    plan=lambda cfg, p: _yum_repo.plan(cfg, _files(p), _withdraw(p), _promote(p)),
    apply=lambda cfg, change, record: _yum_repo.apply(cfg, change),
    result=_yum_result,
    lock=lambda cfg: (cfg.root, ".lock"),
    artifacts=("rpm",))


# --- devpi and pypiserver: upload to an index server with twine --------------------------------

@dataclasses.dataclass(frozen=True)
class Server:
    url: str
    simple: str
    username: str
    password: str
    twine: str


def _server_config(p):
    missing = [k for k in ("url", "username", "password") if not p[k]]
    if missing:
        raise PublishError("type is %s but the following are missing: %s" % (p["type"], ", ".join(missing)))
    if p["state"] != "present":
        raise PublishError("type %s supports state present only: withdraw files on the server itself." % p["type"])
    if _promote(p):
        _devpi_push.split_index_url(p["url"])
    url = p["url"].rstrip("/") + "/"
    simple = p["simple_url"] or url + ("+simple/" if p["type"] == "devpi" else "simple/")
    return Server(url, simple, p["username"], p["password"], p["twine"])


@dataclasses.dataclass
class ServerChange:
    """An upload (``_pypi_upload.Plan``) and, for devpi with promote_from, a push (``_devpi_push.PushPlan``)."""

    upload: _pypi_upload.Plan
    push: t.Optional[_devpi_push.PushPlan] = None
    auth: t.Dict[str, str] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def changed(self):
        return self.upload.changed or bool(self.push and self.push.changed)


def _server_plan(server, p):
    """The upload's plan and, with promote_from, devpi's push planned first: a release the source index does not have
    is refused before anything is uploaded or pushed."""
    origin = _promote(p)
    pushed, auth = _devpi_push.promotion(server.url, server.username, server.password, *origin) if origin else (None, {})
    return ServerChange(_pypi_upload.plan(p["files"], server.simple), pushed, auth)


def _server_apply(server, change, record):
    """The push (the release, from the source index), then the upload of files: each recorded, run unless dry."""
    if change.push and change.push.changed:
        _devpi_push.push(change.push, change.auth, record)
    if change.upload.changed:
        _pypi_upload.upload(change.upload.add, server.url, server.username, server.password, server.twine, record=record)


def _server_result(server, p, change, applied, record):
    pushed = change.push
    result = dict(changed=change.changed, added=[os.path.basename(f) for f in change.upload.add],
                  unchanged=change.upload.unchanged + (pushed.unchanged if pushed else []), removed=[],
                  commands=record.commands)
    if p["type"] == "devpi":
        result["promoted"] = pushed.add if pushed else []
        result["promotions"] = [dict(filename=f, sha256=pushed.files[f], promote_from=pushed.source)
                                for f in sorted(pushed.files)] if pushed else []
    return result


def _server_type(name, options=()):
    return RepoType(
        name=name, options=("url", "simple_url", "username", "password", "twine") + options, defaults={"twine": "twine"},
        config=_server_config,
        plan=_server_plan, apply=_server_apply,
        result=_server_result)


SERVERS = (_server_type("devpi", ("name", "version", "promote_from")), _server_type("pypiserver"))
TYPES: t.Dict[str, RepoType] = {kind.name: kind for kind in (PYPI, APT, YUM) + SERVERS}
OPTIONS = sorted({name for kind in TYPES.values() for name in kind.options})  # every type-specific option


def inapplicable(kind, params):
    """The message refusing the options set (not None) that do not apply to ``kind``, or ""."""
    refused = []
    for name in OPTIONS:
        if params.get(name) is not None and name not in kind.options:
            users = ", ".join(k.name for k in TYPES.values() if name in k.options)
            refused.append("option '%s' does not apply to type=%s (it applies to: %s)" % (name, kind.name, users))
    return "; ".join(refused)


def effective(kind, params):
    """``params`` with the type's defaults for its options left unset."""
    return dict(params, **{k: v for k, v in kind.defaults.items() if params.get(k) is None})


def run(params, check_mode=False):
    """The result of publishing with the module's ``params``: plan and apply as the type declares."""
    if params["type"] not in TYPES:
        raise PublishError("type %s is not one of %s." % (params["type"], ", ".join(TYPES)))
    kind = TYPES[params["type"]]
    refused = inapplicable(kind, params)
    if refused:
        raise PublishError(refused + ".")
    p = effective(kind, params)
    cfg = kind.config(p)
    for path in _files(p):  # every artifact whole and named as it is, before the lock and any write
        _verify.verify(path, kinds=kind.artifacts)
    record = _cmd.Recorder(dry=check_mode)
    if kind.lock is None:  # an index server: its commands go through the Recorder, which runs none in check mode
        change = kind.plan(cfg, p)
        applied = kind.apply(cfg, change, record) if change.changed else None
    else:
        root, lockfile = kind.lock(cfg)
        change, applied = _change_or_nothing(root, lambda: _base.change(
            root, lambda: kind.plan(cfg, p), lambda c: kind.apply(cfg, c, record), check_mode, lockfile))
    return kind.result(cfg, p, change, applied, record)


def _change_or_nothing(root, change):
    """``change()``, after refusing a root that cannot be a directory. A failed first change leaves no
    repository: the change itself removes what it made, under the repository's lock (``_repo_base.applying``),
    so it can never remove a repository another change began meanwhile."""
    check_dest_dir(root, "path")
    return change()


ERRORS = (_base.RepoError, _pypi_index.PypiIndexError, _pypi_upload.UploadError, _cmd.CommandError, OSError,
          ValueError)  # what ``run`` raises for bad input or a failed change


__all__: t.List[str] = ["PublishError", "RepoType", "TYPES", "OPTIONS", "ERRORS", "inapplicable", "effective", "run"]
