"""Schedule facade: queries, handles across rewrites, errors, copy, printing, traces."""

from __future__ import annotations

import pytest
from test_sched_common import elementwise, fails_unchanged, matmul, new_schedule

from stir_core.ir import IRModule, assert_structural_equal, to_text
from stir_core.schedule import (
    AmbiguousBlockError,
    BlockNotFoundError,
    ForeignHandleError,
    RemovedHandleError,
    Schedule,
    ScheduleInputError,
    TraceNotPrintableError,
    WrongHandleTypeError,
)


def test_construct_from_func_or_module() -> None:
    func = matmul()
    sch = Schedule(func)
    assert sch.func is func
    assert sch.mod["main"] is func
    assert Schedule(IRModule({"main": func})).func is func
    with pytest.raises(ScheduleInputError):
        Schedule("main")  # type: ignore[arg-type]


def test_queries() -> None:
    sch = new_schedule(elementwise())
    b, c = sch.get_block("B"), sch.get_block("C")
    assert sch.get(b).name_hint == "B"
    assert [sch.get(loop).loop_var.name for loop in sch.get_loops(c)] == ["i", "j"]
    children = sch.get_child_blocks(sch.get_block("root"))
    assert [sch.get(x).name_hint for x in children] == ["B", "C"]
    (outer, _) = sch.get_loops(b)
    assert [sch.get(x).name_hint for x in sch.get_child_blocks(outer)] == ["B"]
    assert [sch.get(x).name_hint for x in sch.get_producers(c)] == ["B"]
    assert [sch.get(x).name_hint for x in sch.get_consumers(b)] == ["C"]
    assert sch.get_producers(b) == []
    assert sch.get_consumers(c) == []


def test_reduction_block_is_not_its_own_producer() -> None:
    sch = new_schedule(matmul())
    assert sch.get_producers(sch.get_block("C")) == []


def test_get_block_errors() -> None:
    sch = new_schedule(elementwise())
    with fails_unchanged(sch, BlockNotFoundError):
        sch.get_block("D")
    assert "'B', 'C'" in _message(sch, "D")
    func = elementwise()
    twice = IRModule({"main": func, "other": func})
    sch2 = Schedule(twice)
    assert sch2.get(sch2.get_block("B", func_name="other")).name_hint == "B"


def _message(sch: Schedule, name: str) -> str:
    with pytest.raises(BlockNotFoundError) as info:
        sch.get_block(name)
    return str(info.value)


def test_ambiguous_block() -> None:
    func = elementwise()
    top = func.body.block  # type: ignore[attr-defined]
    blk_c = top.body.seq[1].body.body.block
    renamed = top.body.seq[1].body.body.replace(block=blk_c.replace(name_hint="B"))
    inner = top.body.seq[1].body.replace(body=renamed)
    outer = top.body.seq[1].replace(body=inner)
    body = top.body.replace(seq=(top.body.seq[0], outer))
    sch = new_schedule(func.replace(body=func.body.replace(block=top.replace(body=body))))
    with fails_unchanged(sch, AmbiguousBlockError):
        sch.get_block("B")


def test_handles_survive_unrelated_rewrites() -> None:
    sch = new_schedule(matmul())
    blk = sch.get_block("C")
    i, j, k = sch.get_loops(blk)
    sch.split(i, factors=[None, 8])
    sch.parallel(j)  # rebuilds j, keeps its var
    assert sch.get(k).loop_var.name == "k"
    assert sch.get(j).kind.value == "parallel"
    assert sch.get(blk).name_hint == "C"
    sch.annotate(blk, "key", "value")  # the block itself is rebuilt
    assert sch.get(blk).annotations == {"key": "value"}


def test_removed_handle_is_reported() -> None:
    sch = new_schedule(matmul())
    i, j, _ = sch.get_loops(sch.get_block("C"))
    sch.split(i, factors=[None, 8])
    with pytest.raises(RemovedHandleError, match="removed by split"):
        sch.get(i)
    with fails_unchanged(sch, RemovedHandleError):
        sch.fuse(i, j)
    sch2 = new_schedule(elementwise())
    b = sch2.get_block("B")
    sch2.compute_inline(b)
    with pytest.raises(RemovedHandleError, match="compute_inline"):
        sch2.get(b)


def test_wrong_and_foreign_handles() -> None:
    sch = new_schedule(matmul())
    blk = sch.get_block("C")
    (i, _, _) = sch.get_loops(blk)
    with fails_unchanged(sch, WrongHandleTypeError):
        sch.split(blk, factors=[2, None])  # type: ignore[arg-type]
    with fails_unchanged(sch, WrongHandleTypeError):
        sch.compute_inline(i)  # type: ignore[arg-type]
    other = new_schedule(matmul())
    with fails_unchanged(other, ForeignHandleError):
        other.parallel(i)


def test_copy_is_independent() -> None:
    func = matmul()
    sch = new_schedule(func)
    i, _, _ = sch.get_loops(sch.get_block("C"))
    other = sch.copy()
    other.split(i, factors=[None, 4])
    assert sch.mod["main"] is func
    assert sch.get(i).loop_var.name == "i"
    assert len(other.trace) == len(sch.trace) + 1


def test_printing(capsys: pytest.CaptureFixture[str]) -> None:
    sch = new_schedule(matmul())
    sch.show()
    out = capsys.readouterr().out
    assert 'with T.block("C")' in out
    assert str(sch) == to_text(sch.mod)


def test_trace_text() -> None:
    sch = new_schedule(matmul())
    blk = sch.get_block("C")
    i, j, k = sch.get_loops(blk)
    sch.split(i, factors=[None, 32])
    assert sch.reorder(k, j) is None
    assert sch.trace.as_python().splitlines() == [
        'b0 = sch.get_block(name="C", func_name="main")',
        "l1, l2, l3 = sch.get_loops(block=b0)",
        "l4, l5 = sch.split(loop=l1, factors=[None, 32], preserve_unit_iters=True)",
        "sch.reorder(l3, l2)",
    ]


def test_trace_with_expression_is_not_printable() -> None:
    sch = new_schedule(matmul())
    (i, _, _) = sch.get_loops(sch.get_block("C"))
    sch.annotate(i, "expr", sch.get(i).loop_var + 1)
    with pytest.raises(TraceNotPrintableError):
        sch.trace.as_python()


def test_replay_onto_fresh_schedule_matches() -> None:
    func = elementwise()
    sch = new_schedule(func)
    sch.compute_inline(sch.get_block("B"))
    i, j = sch.get_loops(sch.get_block("C"))
    sch.fuse(i, j)
    fresh = new_schedule(func)
    sch.trace.apply_to_schedule(fresh)
    assert_structural_equal(fresh.mod["main"], sch.mod["main"])
