# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print the bad-input cases by module at the end of a run that collected them (test_bad_input*.py)."""
from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter):
    shared = sys.modules.get("bad_input")
    counts = getattr(shared, "CASES_BY_MODULE", None)
    if counts:
        terminalreporter.write_sep("-", "bad-input cases by module")
        for module, count in sorted(counts.items()):
            terminalreporter.write_line("%-18s %4d" % (module, count))
        terminalreporter.write_line("%-18s %4d" % ("total", sum(counts.values())))
