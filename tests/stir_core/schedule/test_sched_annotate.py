"""annotate, unannotate."""

from __future__ import annotations

from test_sched_common import (
    fails_unchanged,
    leaf_blocks,
    matmul,
    new_schedule,
    verify_trace_roundtrip,
)

from stir_core.ir import assert_structural_equal
from stir_core.schedule import AnnotationNotFoundError, InvalidAnnotationError


def test_annotate_loop_and_block() -> None:
    func = matmul()
    sch = new_schedule(func)
    blk = sch.get_block("C")
    i, _, _ = sch.get_loops(blk)
    sch.annotate(i, "pragma_auto_unroll_max_step", 16)
    sch.annotate(blk, ann_key="meta", ann_val=["a", 1, 2.5, True])
    assert sch.get(i).annotations == {"pragma_auto_unroll_max_step": 16}
    assert sch.get(blk).annotations == {"meta": ["a", 1, 2.5, True]}
    verify_trace_roundtrip(sch, func)
    sch.unannotate(i, "pragma_auto_unroll_max_step")
    sch.unannotate(blk, "meta")
    assert_structural_equal(sch.mod["main"], func)
    assert sch.get(blk) is not leaf_blocks(func)[0]
    verify_trace_roundtrip(sch, func)


def test_annotation_errors() -> None:
    sch = new_schedule(matmul())
    blk = sch.get_block("C")
    with fails_unchanged(sch, InvalidAnnotationError):
        sch.annotate(blk, "bad", {"a": 1})
    with fails_unchanged(sch, InvalidAnnotationError):
        sch.annotate(blk, 3, 1)  # type: ignore[arg-type]
    with fails_unchanged(sch, AnnotationNotFoundError):
        sch.unannotate(blk, "missing")
