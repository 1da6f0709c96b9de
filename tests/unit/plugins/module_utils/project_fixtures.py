# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The projects the Debian and RPM packaging tests build: the example (a service) and a library."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "hello-world"


def example(tmp_path, version="1.1.0"):
    dest = tmp_path / "hello-world"
    shutil.copytree(EXAMPLE, dest)
    toml = dest / "pyproject.toml"
    toml.write_text(toml.read_text().replace('version = "1.0.0"', 'version = "%s"' % version))
    return str(dest)


DEPENDENCIES = """["requests>=2.28,<3", "tomli; python_version < '3.11'"]"""


def library(tmp_path, license_text="Apache-2.0"):
    dest = tmp_path / "fancy"
    (dest / "fancy_lib").mkdir(parents=True)
    (dest / "fancy_lib" / "__init__.py").write_text("VALUE = 1\n")
    (dest / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "Fancy_Lib"
        version = "2.0.0"
        description = "The fancy helpers"
        license = {text = "%s"}
        authors = [{name = "Fancy Dev", email = "dev@example.org"}]
        dependencies = %s

        [project.optional-dependencies]
        pretty = ["rich>=13"]

        [project.urls]
        Homepage = "https://example.org/fancy"

        [tool.setuptools]
        packages = ["fancy_lib"]
        """ % (license_text, DEPENDENCIES)))
    return str(dest)


def application(tmp_path):
    """A command-line tool: one console script, no man page, no declared kind."""
    dest = tmp_path / "greet"
    (dest / "greet").mkdir(parents=True)
    (dest / "greet" / "__init__.py").write_text("")
    (dest / "greet" / "cli.py").write_text(textwrap.dedent('''\
        import sys


        def main():
            print("hello, " + (sys.argv[1] if len(sys.argv) > 1 else "world"))
        '''))
    (dest / "LICENSE").write_text("Copyright (c) 2026 Greet Dev\n\nPermission is hereby granted, free of charge.\n")
    (dest / "README.md").write_text("# greet\n\nGreet prints a friendly greeting on the command line.\n")
    (dest / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "greet"
        version = "0.3.0"
        description = "Print a friendly greeting"
        readme = "README.md"
        license = {text = "MIT"}
        authors = [{name = "Greet Dev", email = "dev@example.org"}]

        [project.scripts]
        greet = "greet.cli:main"

        [project.urls]
        Source = "https://example.org/greet"

        [tool.setuptools]
        packages = ["greet"]
        """))
    return str(dest)
