"""Workloads and helpers shared by the schedule tests (imported as ``test_sched_common``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest

from stir_core.ir import (
    REDUCE,
    SPATIAL,
    Block,
    BlockRealize,
    Buffer,
    BufferRegion,
    For,
    ForKind,
    IterType,
    IterVar,
    PrimExpr,
    PrimFunc,
    Range,
    Stmt,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
    op,
    realize,
    seq,
    structural_equal,
)
from stir_core.schedule import Schedule, ScheduleError, replay

Axis = tuple[str, int, IterType]


def point(buffer: Buffer, *indices: PrimExpr) -> BufferRegion:
    """The one-element region ``buffer[indices]``."""
    return BufferRegion(buffer, tuple(Range(op.convert(i), op.const(1)) for i in indices))


def loops(names_extents: Sequence[tuple[str, int]]) -> list[Var]:
    return [Var(name) for name, _ in names_extents]


def nest(loop_vars: Sequence[Var], extents: Sequence[int], body: Stmt) -> Stmt:
    for var, extent in reversed(list(zip(loop_vars, extents, strict=True))):
        body = For(var, op.const(0), op.const(extent), ForKind.SERIAL, body)
    return body


def block(
    name: str,
    axes: Sequence[Axis],
    make: Callable[..., tuple[Stmt, Stmt | None, list[BufferRegion], list[BufferRegion]]],
) -> tuple[Block, list[IterVar]]:
    """A block whose body/init/reads/writes ``make(*iter_vars)`` returns."""
    ivs = [
        IterVar(Var("v" + axis_name), Range(op.const(0), op.const(extent)), kind)
        for axis_name, extent, kind in axes
    ]
    body, init, reads, writes = make(*[iv.var for iv in ivs])
    return Block(name, tuple(ivs), tuple(reads), tuple(writes), body, init), ivs


def root(body: Stmt, params: Sequence[Buffer], allocs: Sequence[Buffer] = ()) -> PrimFunc:
    top = Block("root", (), (), (), body, alloc_buffers=tuple(allocs))
    return PrimFunc(tuple(params), realize(top))


def bound_nest(blk: Block, values: Sequence[PrimExpr] | None = None) -> Stmt:
    """``blk`` under one loop per iter var (named like the axis), each bound to its loop."""
    loop_vars = [Var(iv.var.name[1:]) for iv in blk.iter_vars]
    extents = [iv.dom.extent.value for iv in blk.iter_vars]  # type: ignore[attr-defined]
    return nest(loop_vars, extents, realize(blk, tuple(values or loop_vars)))


# ----------------------------------------------------------------------------- workloads


def matmul(n: int = 128) -> PrimFunc:
    """C[i, j] = sum_k A[i, k] * B[k, j], with an init block part."""
    a, b, c = (decl_buffer((n, n), "float32", name) for name in "ABC")

    def make(vi: Var, vj: Var, vk: Var) -> tuple:
        body = buffer_store(c, c[vi, vj] + a[vi, vk] * b[vk, vj], (vi, vj))
        init = buffer_store(c, op.const(0.0), (vi, vj))
        reads = [point(c, vi, vj), point(a, vi, vk), point(b, vk, vj)]
        return body, init, reads, [point(c, vi, vj)]

    blk, _ = block("C", [("i", n, SPATIAL), ("j", n, SPATIAL), ("k", n, REDUCE)], make)
    return root(bound_nest(blk), [a, b, c])


def elementwise(n: int = 128, m: int = 128) -> PrimFunc:
    """B = A * 2 (intermediate), C = B + 1."""
    a, c = decl_buffer((n, m), "float32", "A"), decl_buffer((n, m), "float32", "C")
    b = decl_buffer((n, m), "float32", "B")

    def make_b(vi: Var, vj: Var) -> tuple:
        body = buffer_store(b, a[vi, vj] * 2.0, (vi, vj))
        return body, None, [point(a, vi, vj)], [point(b, vi, vj)]

    def make_c(vi: Var, vj: Var) -> tuple:
        body = buffer_store(c, b[vi, vj] + 1.0, (vi, vj))
        return body, None, [point(b, vi, vj)], [point(c, vi, vj)]

    axes = [("i", n, SPATIAL), ("j", m, SPATIAL)]
    blk_b, _ = block("B", axes, make_b)
    blk_c, _ = block("C", axes, make_c)
    return root(seq([bound_nest(blk_b), bound_nest(blk_c)]), [a, c], [b])


def row_sum(n: int = 128, m: int = 64) -> PrimFunc:
    """B[i] = sum_k A[i, k]."""
    a, b = decl_buffer((n, m), "float32", "A"), decl_buffer((n,), "float32", "B")

    def make(vi: Var, vk: Var) -> tuple:
        body = buffer_store(b, b[vi] + a[vi, vk], (vi,))
        init = buffer_store(b, op.const(0.0), (vi,))
        return body, init, [point(b, vi), point(a, vi, vk)], [point(b, vi)]

    blk, _ = block("B", [("i", n, SPATIAL), ("k", m, REDUCE)], make)
    return root(bound_nest(blk), [a, b])


# ------------------------------------------------------------------------------- helpers


def new_schedule(func: PrimFunc) -> Schedule:
    return Schedule(func, debug_mask="all")


def verify_trace_roundtrip(sch: Schedule, func: PrimFunc) -> None:
    """The printed trace and ``replay`` both rebuild ``sch``'s IR from ``func``."""
    text = sch.trace.as_python()
    fresh = new_schedule(func)
    exec(text, {"sch": fresh})
    assert_structural_equal(fresh.mod["main"], sch.mod["main"])
    replayed = replay(sch.trace, new_schedule(func))
    assert_structural_equal(replayed.mod["main"], sch.mod["main"])


@contextmanager
def fails_unchanged(
    sch: Schedule, error: type[ScheduleError], match: str | None = None
) -> Iterator[None]:
    """The body raises ``error`` (its message matching ``match``); the schedule (module
    object, IR, trace) is unchanged and the message shows the IR."""
    mod, func, length = sch.mod, sch.mod["main"], len(sch.trace)
    with pytest.raises(error, match=match) as info:
        yield
    assert sch.mod is mod
    assert structural_equal(sch.mod["main"], func)
    assert len(sch.trace) == length
    text = str(info.value)
    assert type(info.value).__name__ in text
    assert "T.prim_func" in text or "prim_func" in text


def leaf_blocks(func: PrimFunc) -> list[Block]:
    """The blocks of ``func`` other than the root, in program order."""
    found: list[Block] = []

    def walk(stmt: Stmt) -> None:
        if isinstance(stmt, BlockRealize):
            found.append(stmt.block)
            walk(stmt.block.body)
        elif isinstance(stmt, For):
            walk(stmt.body)
        elif hasattr(stmt, "seq"):
            for item in stmt.seq:  # type: ignore[attr-defined]
                walk(item)

    walk(func.body)
    return found[1:]


def renest(
    blk: Block,
    spec: Sequence[tuple[str, int]],
    values: Callable[..., Sequence[PrimExpr]],
    predicate: Callable[..., PrimExpr] | None = None,
    kinds: dict[str, ForKind] | None = None,
) -> Stmt:
    """``blk`` under new loops ``spec`` with iter values ``values(*loop_vars)``."""
    loop_vars = [Var(name) for name, _ in spec]
    cond = predicate(*loop_vars) if predicate is not None else True
    body: Stmt = realize(blk, tuple(op.convert(v) for v in values(*loop_vars)), cond)
    for var, (name, extent) in reversed(list(zip(loop_vars, spec, strict=True))):
        kind = (kinds or {}).get(name, ForKind.SERIAL)
        body = For(var, op.const(0), op.const(extent), kind, body)
    return body


def with_body(func: PrimFunc, body: Stmt, allocs: Sequence[Buffer] | None = None) -> PrimFunc:
    """``func`` with the root block's body (and allocations) replaced."""
    top = func.body.block  # type: ignore[attr-defined]
    new_top = top.replace(body=body)
    if allocs is not None:
        new_top = new_top.replace(alloc_buffers=tuple(allocs))
    return func.replace(body=realize(new_top))
