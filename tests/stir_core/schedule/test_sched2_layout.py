"""transform_layout: IR, numerics, replay, errors."""

from __future__ import annotations

import pytest
from test_sched2_helpers import run, schedule
from test_sched_common import elementwise, fails_unchanged, new_schedule, verify_trace_roundtrip

from stir_core.ir import op, to_text
from stir_core.schedule import (
    BufferNotFoundError,
    IndexMap,
    IndexMapError,
    PadValueError,
    TraceNotPrintableError,
)


def _replays(sch, func) -> None:
    """The printed trace (with its lambdas) and ``replay`` both give the same IR."""
    assert "index_map=lambda " in sch.trace.as_python()
    verify_trace_roundtrip(sch, func)


def test_pack_matmul_operand() -> None:
    sch, example, func = schedule("matmul")
    c = sch.get_block("C")
    packed = sch.cache_read(c, 1, "global")
    sch.transform_layout(packed, ("write", 0), lambda k, j: (j // 4, k, j % 4))
    text = to_text(sch.mod["main"])
    assert "B_global = T.alloc_buffer((4, 16, 4))" in text
    assert "B_global[v_j // 4, v_k, v_j % 4]" in text
    run(sch.mod["main"], example)
    _replays(sch, func)


def test_by_name_on_intermediate_with_padding_and_index_map_object() -> None:
    sch, example, func = schedule("chain")
    sch.transform_layout(sch.get_block("C"), "B", lambda i, j: (i // 5, j, i % 5))
    shapes = {b.name: [int(d) for d in b.shape] for b in sch.mod["main"].body.block.alloc_buffers}
    assert shapes["B"] == [5, 20, 5]  # 24 rows padded to 25
    mapping = IndexMap.from_func(lambda a, b: (b, a))
    assert str(mapping) == "lambda a, b: (b, a)"
    sch.transform_layout(sch.get_block("C"), ("write", 0), mapping)
    run(sch.mod["main"], example)
    _replays(sch, func)


def test_errors() -> None:
    sch = new_schedule(elementwise(16, 8))
    b = sch.get_block("B")
    with fails_unchanged(sch, BufferNotFoundError):
        sch.transform_layout(b, "Z", lambda i, j: (j, i))
    with fails_unchanged(sch, BufferNotFoundError):
        sch.transform_layout(b, ("both", 0), lambda i, j: (j, i))
    with fails_unchanged(sch, IndexMapError):
        sch.transform_layout(b, ("write", 0), lambda i: (i,))
    with fails_unchanged(sch, IndexMapError):
        sch.transform_layout(b, ("write", 0), lambda i, j: (i - 1, j))
    with fails_unchanged(sch, IndexMapError):
        sch.transform_layout(b, ("write", 0), lambda i, j: (i // 2, j))
    with fails_unchanged(sch, PadValueError, match=r"only index maps using each index"):
        sch.transform_layout(b, ("write", 0), lambda i, j: (i * 2, j), pad_value=0.0)
    with fails_unchanged(sch, PadValueError, match=r"no block writes it"):
        sch.transform_layout(b, ("read", 0), lambda i, j: (i // 3, j, i % 3), pad_value=0.0)


def test_trace_prints_index_maps_exactly() -> None:
    sch, _, func = schedule("chain")
    c = sch.get_block("C")
    sch.transform_layout(c, "B", lambda i, j: (j // 4, i * 2 + 1, j % 4))
    assert "index_map=lambda i, j: (j // 4, i * 2 + 1, j % 4)" in sch.trace.as_python(), (
        sch.trace.as_python()
    )
    verify_trace_roundtrip(sch, func)
    # A map using T.* functions has no plain Python form: a clear error, not bad text.
    sch, _, _ = schedule("chain")
    sch.transform_layout(sch.get_block("C"), "B", lambda i, j: (op.minimum(i, 30), j, i // 24))
    with pytest.raises(TraceNotPrintableError, match=r"T\.min"):
        sch.trace.as_python()
