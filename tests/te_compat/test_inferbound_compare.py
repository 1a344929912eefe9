"""Exact bounds vs the classic model, and the ``bounds`` command."""

import json

from te_compat import te
from te_compat.cli import main
from te_compat.inferbound.compare import compare_bounds

SCRIPT = """
import te_compat as tvm
from te_compat import te
A = te.placeholder((20, 12), name="A")
B = te.compute((20, 12), lambda i, j: A[i, j] * 2, name="B")
C = te.compute((18, 12), lambda i, j: B[i, j] + B[i + 2, j], name="C")
s = te.create_schedule(C.op)
xo, xi = s[C].split(C.op.axis[0], factor=8)
s[B].compute_at(s[C], xo)
"""


def _loose_schedule():
    A = te.placeholder((20, 12), name="A")
    B = te.compute((20, 12), lambda i, j: A[i, j] * 2, name="B")
    C = te.compute((18, 12), lambda i, j: B[i, j] + B[i + 2, j], name="C")
    s = te.create_schedule(C.op)
    xo, _ = s[C].split(C.op.axis[0], factor=8)
    s[B].compute_at(s[C], xo)
    return s


def test_exact_never_larger_and_strictly_smaller_on_non_divisible_split():
    report = compare_bounds(_loose_schedule())
    for stage in report.stages:
        for row in stage.itervars:
            assert row.exact_max <= row.classic_max
    b = report.stages[0]
    assert (b.computed_classic, b.computed_exact) == (360, 288)
    assert b.alloc_classic == b.alloc_exact == 120


def test_exact_equals_model_when_tiles_divide():
    A = te.placeholder((16, 16), name="A")
    B = te.compute((16, 16), lambda i, j: A[i, j] + 1, name="B")
    C = te.compute((16, 16), lambda i, j: B[i, j] * 2, name="C")
    s = te.create_schedule(C.op)
    _, yo, _, _ = s[C].tile(C.op.axis[0], C.op.axis[1], 4, 4)
    s[B].compute_at(s[C], yo)
    report = compare_bounds(s)
    assert all(r.exact_max == r.classic_max for st in report.stages for r in st.itervars)
    assert "alloc classic" in report.table()


def test_bounds_command_table_and_json(tmp_path, capsys):
    path = tmp_path / "sched.py"
    path.write_text(SCRIPT)
    assert main(["bounds", str(path)]) == 0
    assert "computed classic" in capsys.readouterr().out
    assert main(["bounds", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["totals"]["computed_exact"] < data[0]["totals"]["computed_classic"]


def test_bounds_command_without_schedule(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("x = 1\n")
    assert main(["bounds", str(path)]) == 1
