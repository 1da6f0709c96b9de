# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad role variables: each role's meta/argument_specs.yml refuses them with one exact message, before any task.

One ansible-playbook run holds every case (a block per case, its rescue keeping the failed task's message),
so the cases cost one Ansible start. The run's directory - playbook and inventory - is byte-identical
afterwards: argument validation runs before any of the role's tasks.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bad_input import register, tree_state

ROOT = Path(__file__).resolve().parents[4]
V = "Validation of arguments failed:\n"

# case: (role, variables, the message of the validation task)
ROLE_CASES = {
    "build-required-missing": ("build", {},
                               "build_project_dir and build_changes are required; set them to the project's directory and the "
                               "release's changes."),
    "build-changelog-format-unknown": ("build", {"build_project_dir": "/src", "build_changes": ["x"],
                                                 "build_changelog_format": "asciidoc"},
                                       V + "value of build_changelog_format must be one of: rst, markdown, got: "
                                       "asciidoc"),
    "service-health-timeout-not-int": ("service", {"service_package": "hello", "service_health_timeout": "soon"},
                                       V + "argument 'service_health_timeout' is of type str and we were unable "
                                       "to convert to int: \"'soon'\" cannot be converted to an int"),
    "apt-repo-port-not-int": ("apt_repo", {"apt_repo_port": "http"},
                              V + "argument 'apt_repo_port' is of type str and we were unable to "
                              "convert to int: \"'http'\" cannot be converted to an int"),
    "apt-repo-key-type-unknown": ("apt_repo", {"apt_repo_key_type": "dsa1024"},
                                  V + "value of apt_repo_key_type must be one of: ed25519, rsa3072, "
                                  "rsa4096, got: dsa1024"),
    "yum-repo-keep-not-int": ("yum_repo", {"yum_repo_keep": "all"},
                              V + "argument 'yum_repo_keep' is of type str and we were unable to "
                              "convert to int: \"'all'\" cannot be converted to an int"),
    "service-package-missing": ("service", {},
                                "service_package must name the package, and service_state be started, stopped or restarted."),
    "service-state-unknown": ("service", {"service_package": "hello", "service_state": "running"},
                              V + "value of service_state must be one of: started, stopped, restarted, "
                              "got: running"),
    "package-format-unknown": ("package", {"package_project_dir": "/src", "package_version": "1.0", "package_date": "2026-11-25",
                                           "package_changes": ["x"], "package_formats": ["python", "snap"]},
                               V + "value of package_formats must be one or more of: python, deb, rpm. "
                               "Got no match for: snap"),
    "stage-dir-missing": ("stage", {"stage_files": ["/etc/hostname"]},
                          "stage_dir is required; set it to the directory the artifacts go to on the repository host."),
    "build-changes-empty": ("build", {"build_project_dir": "/src", "build_changes": []},
                            "build_project_dir and build_changes are required; set them to the project's directory and the "
                            "release's changes."),
    "package-required-missing": ("package", {"package_changes": ["x"]},
                                 "package_project_dir, package_version and package_date (YYYY-MM-DD) are required; package_formats "
                                 "takes python, deb and rpm (got ['python', 'deb', 'rpm'])."),
    "yum-repo-key-type-unknown": ("yum_repo", {"yum_repo_key_type": "elgamal"},
                                  V + "value of yum_repo_key_type must be one of: ed25519, rsa3072, "
                                  "rsa4096, got: elgamal"),
    "nginx-site-locations-not-dicts": ("nginx_site", {"nginx_site_locations": ["/"]},
                                       V + "dictionary requested, could not parse JSON or key=value\nElements "
                                       "value for option 'nginx_site_locations' is of type str and we were unable to convert to dict: "
                                       "dictionary requested, could not parse JSON or key=value"),
    "nginx-site-port-not-int": ("nginx_site", {"nginx_site_port": "8o"},
                                V + "argument 'nginx_site_port' is of type str and we were unable to "
                                "convert to int: \"'8o'\" cannot be converted to an int"),
    "pypi-index-port-not-int": ("pypi_index", {"pypi_index_port": "eighty"},
                                V + "argument 'pypi_index_port' is of type str and we were unable to "
                                "convert to int: \"'eighty'\" cannot be converted to an int"),
}


def playbook():
    tasks = [{"name": "Start with no messages", "ansible.builtin.set_fact": {"bad_input_messages": {}}}]
    for case, (role, variables, _message) in sorted(ROLE_CASES.items()):
        tasks.append({"name": case, "block": [
            {"name": "Include the role", "ansible.builtin.include_role": {"name": "pkgops.release." + role}, "vars": variables},
            {"name": "Say it was taken", "ansible.builtin.set_fact": {
                "bad_input_messages": "{{ bad_input_messages | combine({%r: 'no error'}) }}" % case}},
        ], "rescue": [{"name": "Keep the message", "ansible.builtin.set_fact": {
            "bad_input_messages": "{{ bad_input_messages | combine({%r: ansible_failed_result.msg}) }}" % case}}]})
    tasks.append({"name": "Print the messages", "ansible.builtin.debug": {"msg": "BAD-INPUT {{ bad_input_messages | to_json }}"}})
    return [{"name": "Bad role variables", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]


def collections_path():
    if ROOT.parent.name == "pkgops" and ROOT.parent.parent.name == "ansible_collections":
        return str(ROOT.parent.parent.parent)
    return str(ROOT / "tests" / "output" / "import-root")  # conftest.py links the checkout there


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """(the messages by case, the run's directory before, after, seconds) of the one ansible-playbook run."""
    run_dir, home = tmp_path_factory.mktemp("roles"), tmp_path_factory.mktemp("ansible-home")
    (run_dir / "play.yml").write_text(yaml.safe_dump(playbook(), sort_keys=False))
    (run_dir / "hosts").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    before = tree_state(run_dir)
    program = shutil.which("ansible-playbook", path=os.path.dirname(sys.executable)) or shutil.which("ansible-playbook")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([collections_path(), os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")]),
               ANSIBLE_HOME=str(home), ANSIBLE_LOCAL_TEMP=str(home / "tmp"), ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_DEPRECATION_WARNINGS="0")
    proc = subprocess.run([program, "-i", "hosts", "play.yml"], cwd=str(run_dir), env=env, capture_output=True, text=True,
                          check=False, timeout=300)
    line = next((x for x in proc.stdout.splitlines() if '"msg": "BAD-INPUT ' in x), None)
    assert proc.returncode == 0 and line is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
    messages = json.loads(json.loads("{" + line.strip().rstrip(",") + "}")["msg"][len("BAD-INPUT "):])
    return messages, before, tree_state(run_dir)


@pytest.mark.parametrize("name", register("roles", ROLE_CASES))
def test_role_refuses(outcome, name):
    messages, before, after = outcome
    assert messages[name] == ROLE_CASES[name][2]
    assert after == before
