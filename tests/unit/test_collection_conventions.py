# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collection conventions, checked on the tree (plain pytest, no Ansible run).

- The license: the file every header points to exists, is the GPL v3 text, and galaxy.yml names
  the same license.
- Integration targets: each has an ``aliases`` file for ``ansible-test integration`` (controller
  context, a CI group); the example project ansible-test must copy is listed file by file.
- One pin per version: requirements/index-servers.txt is the source of truth for the index
  servers' versions; the pypi_index role installs exactly those.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", ".build", ".ci", ".ansible", ".hypothesis", "__pycache__", ".pytest_cache"}
TARGETS = ROOT / "tests" / "integration" / "targets"
EXAMPLE = "examples/hello-world"
EXAMPLE_SETUP = "setup_hello_world"


def _galaxy():
    with (ROOT / "galaxy.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def _tree_files():
    """The collection's own files: no venv, test output, or the example project (its own license)."""
    for top, dirs, files in os.walk(ROOT):
        rel_top = Path(top).relative_to(ROOT)
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and (rel_top / d).as_posix() not in ("tests/output", "examples")]
        for name in files:
            path = Path(top) / name
            if path.is_file() and path.stat().st_size < 1_000_000:  # regular files, no FIFO or large data
                yield path


# --- the license ---------------------------------------------------------------------------------

def test_the_license_file_is_the_gpl_v3_text():
    text = (ROOT / "LICENSES" / "GPL-3.0-or-later.txt").read_text(encoding="utf-8")
    assert [line.strip() for line in text.splitlines()[:2]] == ["GNU GENERAL PUBLIC LICENSE", "Version 3, 29 June 2007"]
    assert "END OF TERMS AND CONDITIONS" in text and len(text) > 30000


def test_every_license_a_file_points_to_is_there():
    pointed = {}
    for path in _tree_files():
        for name in set(re.findall(r"LICENSES/([\w.+-]+\.txt)", path.read_text(encoding="utf-8", errors="replace"))):
            pointed.setdefault(name, []).append(path.relative_to(ROOT).as_posix())
    assert pointed, "no file points to LICENSES/"
    missing = {name: where for name, where in pointed.items() if not (ROOT / "LICENSES" / name).is_file()}
    assert missing == {}


def test_galaxy_yml_names_the_licenses_of_the_files():
    galaxy = _galaxy()
    assert "license_file" not in galaxy  # galaxy.yml takes license or license_file, not both
    spdx = set()
    for path in _tree_files():
        spdx.update(re.findall(r"SPDX-License-Identifier: ([\w.+-]+)", path.read_text(encoding="utf-8", errors="replace")))
    shipped = sorted(p.stem for p in (ROOT / "LICENSES").glob("*.txt"))
    assert galaxy["license"] == shipped == sorted(spdx) == ["GPL-3.0-or-later"]


# --- integration targets for ansible-test ---------------------------------------------------------

def _aliases(target: Path) -> list[str]:
    """The aliases as ansible-test reads them: text after '#' is a comment, blank lines dropped."""
    lines = [re.sub(r" *#.*$", "", line) for line in (target / "aliases").read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line]


ALL_TARGETS = sorted(p for p in TARGETS.iterdir() if p.is_dir())
TEST_TARGETS = [p for p in ALL_TARGETS if not p.name.startswith(("setup_", "prepare_"))]


def test_there_are_targets():
    assert len(TEST_TARGETS) >= 9 and (TARGETS / EXAMPLE_SETUP) in ALL_TARGETS


@pytest.mark.parametrize("target", TEST_TARGETS, ids=[t.name for t in TEST_TARGETS])
def test_each_target_runs_on_the_controller_in_a_ci_group(target):
    aliases = _aliases(target)
    assert (target / "tasks" / "main.yml").is_file()
    # The targets read on the controller the files their modules wrote on the "target": they
    # need both to be one host, which is what ansible-test's controller context gives.
    assert "context/controller" in aliases and "context/target" not in aliases
    assert [a for a in aliases if a.startswith("shippable/posix/group")] == ["shippable/posix/group1"]
    for needed in (a.split("/", 2)[2] for a in aliases if a.startswith("needs/target/")):
        assert (TARGETS / needed).is_dir(), needed
    uses_example = any(EXAMPLE in p.read_text(encoding="utf-8") for p in (target / "tasks").glob("*.yml"))
    assert uses_example == ("needs/target/%s" % EXAMPLE_SETUP in aliases)


def test_the_example_setup_target_lists_every_file_of_the_example():
    """ansible-test copies needs/file/ files (not directories) into its work directory."""
    listed = sorted(a[len("needs/file/"):] for a in _aliases(TARGETS / EXAMPLE_SETUP) if a.startswith("needs/file/"))
    present = []
    for top, dirs, files in os.walk(ROOT / EXAMPLE):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info") and d not in ("build", "dist")]
        present += [(Path(top) / f).relative_to(ROOT).as_posix() for f in files]
    assert listed == sorted(present)
    assert "pyproject.toml" in " ".join(listed)


# --- one pin per version --------------------------------------------------------------------------

def _requirement_lines(path: Path) -> list[str]:
    lines = [re.sub(r"#.*", "", line).strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line]


def test_the_pypi_index_role_installs_exactly_the_pinned_index_servers():
    """requirements/index-servers.txt is the source of truth (scripts/setup.sh downloads its wheels
    for offline hosts); the role's __pypi_index_requirements must name exactly those pins."""
    pinned = _requirement_lines(ROOT / "requirements" / "index-servers.txt")
    assert pinned and all(re.fullmatch(r"[A-Za-z0-9._-]+(\[[a-z0-9,_-]+\])?==[0-9][0-9A-Za-z.!+-]*", p) for p in pinned), pinned
    with (ROOT / "roles" / "pypi_index" / "vars" / "main.yml").open(encoding="utf-8") as f:
        groups = yaml.safe_load(f)["__pypi_index_requirements"]
    in_role = [req for reqs in groups.values() for req in reqs]
    assert sorted(in_role) == sorted(pinned) and len(set(in_role)) == len(in_role)


# --- the execution environment's dependency files ---------------------------------------------------

def _names(path: Path) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")
            for line in _requirement_lines(path)}


def test_the_execution_environment_files_are_where_both_readers_look():
    """ansible-builder takes the definition's paths relative to meta/ (and copies a link as a link into
    the build context); it takes a collection's metadata paths relative to the collection's top."""
    with (ROOT / "meta" / "execution-environment.yml").open(encoding="utf-8") as f:
        ee = yaml.safe_load(f)
    assert ee["version"] == 3
    assert (ee["dependencies"]["python"], ee["dependencies"]["system"]) == ("requirements.txt", "bindep.txt")
    for name in ("requirements.txt", "bindep.txt"):
        assert (ROOT / "meta" / name).is_file() and not (ROOT / "meta" / name).is_symlink()
        assert (ROOT / name).is_symlink() and os.readlink(ROOT / name) == "meta/" + name


def test_the_execution_environment_python_requirements_are_in_the_project_venv():
    """What an execution environment installs for the collection is what the tests run with."""
    wanted = _names(ROOT / "meta" / "requirements.txt")
    assert {"packaging", "python-debian", "specfile", "twine"} <= wanted
    assert wanted - _names(ROOT / "requirements" / "constraints.txt") == set()
    assert all("==" not in line for line in _requirement_lines(ROOT / "meta" / "requirements.txt"))
