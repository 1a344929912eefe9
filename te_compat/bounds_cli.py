"""``te-compat bounds FILE.py [--json]``: classic InferBound beside the exact bounds.

Runs a classic schedule script (TVM code with ``import te_compat as tvm``) and, for every
``te.create_schedule`` it made, prints per stage and IterVar the classic extent beside the
exact one, the allocation of each intermediate buffer and the elements computed each way.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import runpy
import sys
from typing import Any

from .classic.schedule import record_schedules
from .inferbound.compare import BoundsReport, compare_bounds


def collect_reports(path: str) -> tuple[list[BoundsReport], str | None]:
    """Run the script at ``path``; the reports of the schedules it created, and the error
    that stopped it (if any)."""
    error = None
    with record_schedules() as created, contextlib.redirect_stdout(sys.stderr):
        try:  # the script's own output goes to stderr: stdout holds the table or JSON
            runpy.run_path(path, run_name="__main__")
        except SystemExit:
            pass
        except Exception as err:
            error = f"{type(err).__name__}: {err}"
    return [compare_bounds(s) for s in created], error


def add_bounds_command(subparsers: Any) -> None:
    """Register ``bounds`` on the ``te-compat`` argument parser's subparsers."""
    parser = subparsers.add_parser(
        "bounds", help="compare classic InferBound with the exact bounds of a schedule script"
    )
    parser.add_argument("file", help="a Python script building classic TE schedules")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run_bounds)


def run_bounds(args: argparse.Namespace) -> int:
    """Print the comparison; 1 if the script created no schedule."""
    reports, error = collect_reports(args.file)
    if error:
        print(f"warning: {args.file} stopped with {error}", file=sys.stderr)
    if not reports:
        print(f"{args.file}: no te.create_schedule schedule was created", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([json.loads(r.to_json()) for r in reports], indent=2))
        return 0
    for number, report in enumerate(reports):
        print(f"== schedule {number} ==")
        print(report.table())
    return 0
