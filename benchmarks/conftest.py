"""Benchmark session hooks: print the ratio ours / numpy per group at the end of a run,
then the lines benchmarks added to ``runners.SUMMARY`` (the bound-query share).

Each ratio group holds one ``ours`` benchmark and one ``numpy`` benchmark (see
``runners.py``); groups without both (``bench_bounds.py``) are left out of the table.
"""

from __future__ import annotations

import pytest

from .runners import SUMMARY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    session = getattr(terminalreporter.config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    medians: dict[str, dict[str, float]] = {}
    for bench in session.benchmarks:
        side = "numpy" if "numpy" in bench.name else "ours"
        medians.setdefault(bench.group or bench.name, {})[side] = bench.stats.median
    pairs = {group: sides for group, sides in medians.items() if {"ours", "numpy"} <= sides.keys()}
    if pairs:
        terminalreporter.section("ours / numpy (ratio of medians, lower is better)")
    for group, sides in sorted(pairs.items()):
        ratio = sides["ours"] / sides["numpy"]
        terminalreporter.write_line(
            f"{group:32s} ours {sides['ours'] * 1e3:9.3f} ms   numpy "
            f"{sides['numpy'] * 1e3:9.3f} ms   ratio {ratio:7.2f}x"
        )
    if SUMMARY:
        terminalreporter.section("compile time")
        for line in SUMMARY:
            terminalreporter.write_line(line)
