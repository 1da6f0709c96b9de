# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make ``ansible_collections.pkgops.release`` importable for plain pytest runs.

Under ansible-test (or scripts/test.sh) the tree already sits at
``.../ansible_collections/pkgops/release``; a plain checkout gets a symlink under
tests/output/ so the same imports work.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

if ROOT.parent.name == "pkgops" and ROOT.parent.parent.name == "ansible_collections":
    _base = ROOT.parent.parent.parent
else:
    _base = ROOT / "tests" / "output" / "import-root"
    _link = _base / "ansible_collections" / "pkgops" / "release"
    if not _link.exists():
        _link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(ROOT, _link)
if str(_base) not in sys.path:
    sys.path.insert(0, str(_base))

# Hypothesis keeps no example database: test runs leave nothing behind in the tree.
from hypothesis import settings  # noqa: E402

settings.register_profile("pkgops", database=None)
settings.load_profile("pkgops")


def pytest_sessionfinish(session, exitstatus):
    """The repositories' tests start a gpg-agent per GnuPG home under pytest's tmp: stop them."""
    import subprocess
    import tempfile

    subprocess.run(["pkill", "-f", "gpg-agent --homedir %s/pytest-of-" % tempfile.gettempdir()], check=False)
