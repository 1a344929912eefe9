"""parallel / vectorize: dependences between different blocks under the loop (regression:
only one block at a time was checked), and fused loops seen through their digits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from test_sched_common import block, fails_unchanged, new_schedule, point, root

from stir_core.codegen import build
from stir_core.ir import (
    SPATIAL,
    BufferRegion,
    For,
    ForKind,
    PrimExpr,
    PrimFunc,
    Var,
    buffer_store,
    decl_buffer,
    op,
    realize,
    seq,
)
from stir_core.schedule import LoopCarriedDependenceError
from te_compat import te

N = 16
A = decl_buffer((N + 1,), "float32", "A")
B = decl_buffer((N + 1,), "float32", "B")
C = decl_buffer((N,), "float32", "C")

Reader = Callable[[Var], tuple[PrimExpr, list[BufferRegion]]]


def _one_loop(read_c: Reader, write_b: Callable[[Var], PrimExpr] = lambda v: v) -> PrimFunc:
    """``for i: B[write_b(i)] = A[i] * 2; C[i] = read_c(i)`` (two blocks, one loop)."""

    def make_b(v: Var) -> tuple:
        at = write_b(v)
        return buffer_store(B, A[v] * 2.0, (at,)), None, [point(A, v)], [point(B, at)]

    def make_c(v: Var) -> tuple:
        value, reads = read_c(v)
        return buffer_store(C, value, (v,)), None, reads, [point(C, v)]

    blk_b, _ = block("B", [("i", N, SPATIAL)], make_b)
    blk_c, _ = block("C", [("i", N, SPATIAL)], make_c)
    i = Var("i")
    body = seq([realize(blk_b, (i,)), realize(blk_c, (i,))])
    return root(For(i, op.const(0), op.const(N), ForKind.SERIAL, body), [A, C], [B])


def _neighbour(v: Var) -> tuple[PrimExpr, list[BufferRegion]]:
    return B[v + 1] + 1.0, [point(B, v + 1)]


def _own(v: Var) -> tuple[PrimExpr, list[BufferRegion]]:
    """Reads what this iteration wrote, and an input no iteration writes."""
    return B[v] + A[v + 1], [point(B, v), point(A, v + 1)]


@pytest.mark.parametrize("kind", ["parallel", "vectorize"])
def test_read_of_another_iterations_write_is_refused(kind: str) -> None:
    sch = new_schedule(_one_loop(_neighbour))
    (i,) = sch.get_loops(sch.get_block("C"))
    with fails_unchanged(sch, LoopCarriedDependenceError):
        getattr(sch, kind)(i)


def _input_only(v: Var) -> tuple[PrimExpr, list[BufferRegion]]:
    return A[v + 1], [point(A, v + 1)]


def test_writes_of_different_iterations_must_differ() -> None:
    sch = new_schedule(_one_loop(_own, write_b=lambda v: N - v))
    (i,) = sch.get_loops(sch.get_block("C"))
    with fails_unchanged(sch, LoopCarriedDependenceError):
        sch.parallel(i)  # C reads B[i], which iteration 16 - i writes
    sch = new_schedule(_one_loop(_input_only, write_b=lambda v: N - v))
    (i,) = sch.get_loops(sch.get_block("C"))
    sch.parallel(i)  # B[16 - i]: every iteration writes its own element
    sch = new_schedule(_one_loop(_input_only, write_b=lambda v: op.floordiv(v, 2)))
    (i,) = sch.get_loops(sch.get_block("C"))
    with fails_unchanged(sch, LoopCarriedDependenceError):
        sch.parallel(i)  # B[i // 2]: iterations 2k and 2k + 1 write the same element


@pytest.mark.parametrize("kind", ["parallel", "vectorize"])
def test_independent_blocks_are_accepted(kind: str) -> None:
    sch = new_schedule(_one_loop(_own))
    (i,) = sch.get_loops(sch.get_block("C"))
    getattr(sch, kind)(i)
    a = np.arange(N + 1, dtype="float32")
    c = np.zeros(N, dtype="float32")
    build(sch.mod["main"])(a, c)
    np.testing.assert_allclose(c, a[:N] * 2 + a[1:])


def test_fused_tiles_are_independent_but_fused_overlapping_tiles_are_not() -> None:
    """A tiled, fused loop writes disjoint tiles; after compute_at of a producer that
    needs a halo, the producer's tiles overlap and the fused loop is refused."""
    a = te.placeholder((N, N), name="A")
    b = te.compute((N, N), lambda i, j: a[i, j] * 2.0, name="B")
    c = te.compute((N - 1, N), lambda i, j: b[i, j] + b[i + 1, j], name="C")
    sch = new_schedule(te.create_prim_func([a, c]))
    i, j = sch.get_loops(sch.get_block("C"))
    i0, i1 = sch.split(i, factors=[None, 5])
    j0, j1 = sch.split(j, factors=[None, 4])
    sch.reorder(i0, j0, i1, j1)
    fused = sch.fuse(i0, j0)
    sch.compute_at(sch.get_block("B"), fused)
    with fails_unchanged(sch, LoopCarriedDependenceError):
        sch.parallel(fused)  # rows 5k + 5 of B are made by two tiles
    sch.compute_inline(sch.get_block("B"))
    sch.parallel(fused)
    x = np.random.default_rng(0).standard_normal((N, N), dtype=np.float32)
    out = np.zeros((N - 1, N), dtype="float32")
    build(sch.mod["main"])(x, out)
    np.testing.assert_allclose(out, x[:-1] * 2 + x[1:] * 2, rtol=1e-6)
