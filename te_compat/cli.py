"""The ``te-compat`` command.

``te-compat demo`` builds the built-in example operators (elementwise, matmul, conv2d with
padding, softmax) from TE code, checks each against numpy and prints a table of timings.
``te-compat bounds FILE.py [--json]`` runs a classic schedule script and compares the classic
InferBound with the exact bounds (see ``bounds_cli.py``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from . import driver, te
from .bounds_cli import add_bounds_command
from .examples import Example, all_examples


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``run`` (after one warm-up call)."""
    run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_example(example: Example, repeat: int, rng: np.random.Generator) -> dict[str, object]:
    """Build ``example``, check it against numpy, time both; one row of the demo table."""
    tensors = example.tensors()
    start = time.perf_counter()
    module = driver.build(te.create_prim_func(tensors), target="llvm")
    compile_seconds = time.perf_counter() - start
    inputs = example.inputs(rng)
    output_tensor = tensors[-1]
    output = np.empty([int(d) for d in output_tensor.shape], dtype=output_tensor.dtype)
    module(*inputs, output)
    expected = example.reference(*inputs)
    max_error = float(np.max(np.abs(output - expected)))
    correct = bool(np.allclose(output, expected, rtol=example.rtol, atol=example.rtol))
    ours = median_seconds(lambda: module(*inputs, output), repeat)
    reference = median_seconds(lambda: example.reference(*inputs), repeat)
    return {
        "operator": example.name,
        "shape": example.description,
        "check": "ok" if correct else f"MISMATCH (max err {max_error:.3g})",
        "compile_s": compile_seconds,
        "ours_ms": ours * 1e3,
        "numpy_ms": reference * 1e3,
        "ratio": ours / reference,
    }


def format_table(rows: Sequence[dict[str, object]]) -> str:
    header = ["operator", "shape", "check", "compile s", "ours ms", "numpy ms", "ours/numpy"]
    body = [
        [
            str(row["operator"]),
            str(row["shape"]),
            str(row["check"]),
            f"{row['compile_s']:.2f}",
            f"{row['ours_ms']:.3f}",
            f"{row['numpy_ms']:.3f}",
            f"{row['ratio']:.2f}x",
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
        for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def demo(repeat: int) -> int:
    """Run every built-in example; exit status 1 when any result differs from numpy."""
    rng = np.random.default_rng(0)
    rows = []
    for example in all_examples():
        print(f"building {example.name} ({example.description}) ...", flush=True)
        rows.append(run_example(example, repeat, rng))
    print()
    print(format_table(rows))
    print("\nunscheduled kernels (no tiling, vectorization or threads); times are medians")
    return 0 if all(row["check"] == "ok" for row in rows) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="te-compat", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="build, check and time the built-in examples")
    demo_parser.add_argument("--repeat", type=int, default=5, help="timed runs per kernel")
    demo_parser.set_defaults(func=lambda args: demo(args.repeat))
    add_bounds_command(commands)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
