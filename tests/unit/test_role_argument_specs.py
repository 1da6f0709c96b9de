# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every role's meta/argument_specs.yml and defaults/main.yml agree (plain pytest, no Ansible run).

defaults/main.yml is the one place a default lives; the argument spec documents it. For each role:

- every variable of defaults/main.yml is documented as an option of an entry point;
- every documented option with a ``default`` has that very value in defaults/main.yml (the loaded
  YAML values compared, types included, so ``"1"`` is not ``1`` and ``true`` is not ``1``;
  templated strings compare as strings);
- every documented option that is not ``required`` has a default in defaults/main.yml (else the
  role would read an undefined variable);
- the other way round, a default in defaults/main.yml of an option that is not ``required`` is
  documented as the option's ``default`` (so ansible-doc shows it), unless it is null ("not set").
  A required option's empty default is only the "not given" value its tasks check for.

Internal variables (``__ROLE_...``) are exempt.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())


def _load(path: Path):
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def same(a, b) -> bool:
    """Equal values of the same types, all the way down (Python's ``True == 1`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def disagreements(role: Path) -> list[str]:
    """What is wrong between the role's argument specs and its defaults, one sentence each."""
    specs = _load(role / "meta" / "argument_specs.yml")
    if not specs or not isinstance(specs.get("argument_specs"), dict) or not specs["argument_specs"]:
        return ["%s: meta/argument_specs.yml has no argument_specs entry point" % role.name]
    defaults = _load(role / "defaults" / "main.yml") or {}
    problems = []
    documented = set()
    for entry, spec in sorted(specs["argument_specs"].items()):
        for name, option in sorted(((spec or {}).get("options") or {}).items()):
            documented.add(name)
            if name.startswith("__"):
                continue
            where = "%s: option %s (entry point %s)" % (role.name, name, entry)
            if "default" in option:
                if name not in defaults:
                    problems.append("%s documents default %r, but defaults/main.yml does not set it"
                                    % (where, option["default"]))
                elif not same(option["default"], defaults[name]):
                    problems.append("%s documents default %r, defaults/main.yml has %r"
                                    % (where, option["default"], defaults[name]))
            if not option.get("required", False):
                if name not in defaults:
                    problems.append("%s is not required, but defaults/main.yml has no default for it" % where)
                elif "default" not in option and defaults[name] is not None:
                    problems.append("%s does not document its default %r from defaults/main.yml"
                                    % (where, defaults[name]))
    for name in sorted(set(defaults) - documented):
        if not name.startswith("__"):
            problems.append("%s: defaults/main.yml sets %s, which meta/argument_specs.yml does not document"
                            % (role.name, name))
    return problems


def test_there_are_roles_to_check():
    assert len(ROLES) >= 8, ROLES


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_argument_specs_and_defaults_agree(role):
    assert disagreements(role) == []


def _role(tmp_path, specs: str, defaults: str) -> Path:
    role = tmp_path / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "defaults").mkdir()
    (role / "meta" / "argument_specs.yml").write_text(specs, encoding="utf-8")
    (role / "defaults" / "main.yml").write_text(defaults, encoding="utf-8")
    return role


SPECS = """
argument_specs:
  main:
    options:
      demo_port: {type: int, default: 8080}
      demo_name: {type: str, default: ""}
      demo_path: {type: path, required: true}
      demo_flag: {type: bool, default: true}
      demo_tmpl: {type: str, default: "{{ demo_name }}/x"}
      demo_unset: {type: bool}
"""
AGREEING = """
demo_port: 8080
demo_name: ""
demo_path: ""
demo_flag: true
demo_tmpl: "{{ demo_name }}/x"
demo_unset: null
__demo_internal: 1
"""


def test_a_role_that_agrees_has_no_disagreements(tmp_path):
    assert disagreements(_role(tmp_path, SPECS, AGREEING)) == []


def test_each_kind_of_disagreement_is_named(tmp_path):
    defaults = (AGREEING.replace("demo_port: 8080", 'demo_port: "8080"').replace("demo_flag: true", "demo_flag: 1")
                .replace("}}/x", "}}/y").replace('demo_name: ""\n', "").replace("demo_unset: null", "demo_unset: false")
                + "demo_extra: 1\n")
    assert disagreements(_role(tmp_path, SPECS, defaults)) == [
        "demo: option demo_flag (entry point main) documents default True, defaults/main.yml has 1",
        "demo: option demo_name (entry point main) documents default '', but defaults/main.yml does not set it",
        "demo: option demo_name (entry point main) is not required, but defaults/main.yml has no default for it",
        "demo: option demo_port (entry point main) documents default 8080, defaults/main.yml has '8080'",
        "demo: option demo_tmpl (entry point main) documents default '{{ demo_name }}/x',"
        " defaults/main.yml has '{{ demo_name }}/y'",
        "demo: option demo_unset (entry point main) does not document its default False from defaults/main.yml",
        "demo: defaults/main.yml sets demo_extra, which meta/argument_specs.yml does not document",
    ]


def test_a_required_option_needs_no_default(tmp_path):
    assert disagreements(_role(tmp_path, SPECS, AGREEING.replace('demo_path: ""\n', ""))) == []


def test_a_role_without_argument_specs_is_named(tmp_path):
    role = tmp_path / "bare"
    role.mkdir()
    assert disagreements(role) == ["bare: meta/argument_specs.yml has no argument_specs entry point"]
