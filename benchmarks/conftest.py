"""Benchmark session hooks: print the ratio ours / numpy per group at the end of a run.

Each group holds one ``ours`` benchmark and one ``numpy`` benchmark (see ``runners.py``).
"""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    session = getattr(terminalreporter.config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    medians: dict[str, dict[str, float]] = {}
    for bench in session.benchmarks:
        side = "numpy" if "numpy" in bench.name else "ours"
        medians.setdefault(bench.group or bench.name, {})[side] = bench.stats.median
    terminalreporter.section("ours / numpy (ratio of medians, lower is better)")
    for group, sides in sorted(medians.items()):
        if {"ours", "numpy"} <= sides.keys():
            ratio = sides["ours"] / sides["numpy"]
            terminalreporter.write_line(
                f"{group:32s} ours {sides['ours'] * 1e3:9.3f} ms   numpy "
                f"{sides['numpy'] * 1e3:9.3f} ms   ratio {ratio:7.2f}x"
            )
