# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input corpus covers every module and the roles, with at least bad_input.MINIMUM cases."""
from __future__ import annotations

from pathlib import Path

import test_bad_input
import test_bad_input_build
import test_bad_input_other
import test_bad_input_release
import test_bad_input_repo
import test_bad_input_roles
from bad_input import MINIMUM

MODULES = Path(__file__).resolve().parents[4] / "plugins" / "modules"
CORPUS = {
    "changelog_entry": test_bad_input.CHANGELOG_CASES, "project_version": test_bad_input.PROJECT_CASES,
    "deb_build": test_bad_input_build.DEB_CASES, "rpm_build": test_bad_input_build.RPM_CASES,
    "python_dist": test_bad_input_build.DIST_CASES, "repo_publish": test_bad_input_repo.REPO_CASES,
    "release_manifest": test_bad_input_other.MANIFEST_CASES, "git_release": test_bad_input_other.GIT_CASES,
    "devpi_user": test_bad_input_other.DEVPI_CASES, "host_state": test_bad_input_other.HOST_STATE_CASES,
    "roles": test_bad_input_roles.ROLE_CASES,
    "release_sign": test_bad_input_release.SIGN_CASES, "release_verify": test_bad_input_release.VERIFY_CASES,
}


def test_every_module_has_cases_and_the_corpus_is_large_enough():
    modules = {p.stem for p in MODULES.glob("*.py") if p.stem != "__init__"}
    assert modules <= set(CORPUS), "modules without bad-input cases: %s" % sorted(modules - set(CORPUS))
    assert all(len(cases) >= 5 for cases in CORPUS.values()), {k: len(v) for k, v in CORPUS.items()}
    assert sum(len(cases) for cases in CORPUS.values()) >= MINIMUM


def test_the_repo_publish_cases_cover_every_repository_type():
    for kind in ("pypi", "apt", "yum", "devpi", "pypiserver"):
        assert any(name.startswith(kind + "-") for name in test_bad_input_repo.REPO_CASES), kind
