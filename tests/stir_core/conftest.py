"""Hand-built IR shared by the IR-core and analysis tests (``ir`` fixture: a namespace of builders).

Every builder returns fresh nodes, so calling one twice gives two alpha-equivalent but
distinct functions (what the structural-equality tests need).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from stir_core.ir import (
    REDUCE,
    SPATIAL,
    Allocate,
    Block,
    Buffer,
    BufferRegion,
    For,
    ForKind,
    IfThenElse,
    IterVar,
    LetStmt,
    PrimFunc,
    Range,
    Stmt,
    Var,
    buffer_store,
    decl_buffer,
    op,
    realize,
    seq,
)


def rng(extent: Any, start: Any = 0) -> Range:
    return Range.from_min_extent(start, extent)


def loop(var: Var, extent: Any, body: Stmt, kind: ForKind = ForKind.SERIAL, **kw: Any) -> For:
    return For(var, op.const(0, var.dtype), op.convert(extent), kind, body, **kw)


def point(buffer: Buffer, *indices: Any) -> BufferRegion:
    """The region of one element (what ``T.reads(A[v_i, v_j])`` prints)."""
    return BufferRegion(buffer, tuple(rng(1, index) for index in indices))


def root(body: Stmt, allocs: tuple[Buffer, ...] = ()) -> Any:
    return realize(Block("root", (), (), (), body, alloc_buffers=allocs))


def func(params: tuple[Any, ...], body: Stmt, name: str = "main") -> PrimFunc:
    return PrimFunc(params, body, {"global_symbol": name, "tir.noalias": True})


def spatial(var: Var, extent: Any) -> IterVar:
    return IterVar(var, rng(extent), SPATIAL)


def elementwise() -> PrimFunc:
    """B[i, j] = A[i, j] * 2 over 128 x 128."""
    a, b = decl_buffer((128, 128), name="A"), decl_buffer((128, 128), name="B")
    i, j, vi, vj = Var("i"), Var("j"), Var("v_i"), Var("v_j")
    block = Block(
        "B",
        (spatial(vi, 128), spatial(vj, 128)),
        (point(a, vi, vj),),
        (point(b, vi, vj),),
        buffer_store(b, a[vi, vj] * 2.0, (vi, vj)),
    )
    return func((a, b), root(loop(i, 128, loop(j, 128, realize(block, (i, j))))))


def matmul() -> PrimFunc:
    """C = A @ B with an init and an unused intermediate D (the brief's example)."""
    a, b, c = (decl_buffer((128, 128), name=n) for n in "ABC")
    d = decl_buffer((128, 128), name="D")
    i, j, k = Var("i"), Var("j"), Var("k")
    vi, vj, vk = Var("v_i"), Var("v_j"), Var("v_k")
    block = Block(
        "C",
        (spatial(vi, 128), spatial(vj, 128), IterVar(vk, rng(128), REDUCE)),
        (point(a, vi, vk), point(b, vk, vj)),
        (point(c, vi, vj),),
        buffer_store(c, c[vi, vj] + a[vi, vk] * b[vk, vj], (vi, vj)),
        init=buffer_store(c, 0.0, (vi, vj)),
    )
    nest = loop(i, 128, loop(j, 128, loop(k, 128, realize(block, (i, j, k)))))
    return func((a, b, c), root(nest, (d,)))


def split() -> PrimFunc:
    """B[i] = A[i] + 1 over 126 elements, the loop split by 4 with a guard."""
    a, b = decl_buffer((126,), name="A"), decl_buffer((126,), name="B")
    i0, i1, vi = Var("i_0"), Var("i_1"), Var("v_i")
    block = Block(
        "B",
        (spatial(vi, 126),),
        (point(a, vi),),
        (point(b, vi),),
        buffer_store(b, a[vi] + 1.0, (vi,)),
    )
    body = realize(block, (i0 * 4 + i1,), i0 * 4 + i1 < 126)
    return func((a, b), root(loop(i0, 32, loop(i1, 4, body))))


def symbolic() -> PrimFunc:
    """B[i] = A[i] over a symbolic length n."""
    n = Var("n")
    a, b = decl_buffer((n,), name="A"), decl_buffer((n,), name="B")
    i, vi = Var("i"), Var("v_i")
    block = Block(
        "B", (spatial(vi, n),), (point(a, vi),), (point(b, vi),), buffer_store(b, a[vi], (vi,))
    )
    return func((a, b), root(loop(i, n, realize(block, (i,)))))


def nstir() -> PrimFunc:
    """NS-TIR: a 2-D param read through its flattened view, an Allocate, an If and a Let."""
    a, b = decl_buffer((4, 4), name="A"), decl_buffer((16,), name="B")
    flat = Buffer("A", (op.const(16),), a.dtype, a.data)
    c = decl_buffer((16,), name="C")
    i, i2, x = Var("i"), Var("i"), Var("x", "float32")
    fill = loop(i, 16, buffer_store(c, flat[i] * 2.0, (i,)), ForKind.PARALLEL)
    use = LetStmt(x, c[i2] + 1.0, buffer_store(b, x, (i2,)))
    guarded = IfThenElse(i2 < 8, use, buffer_store(b, 0.0, (i2,)))
    return func((a, b), Allocate(c, seq([fill, loop(i2, 16, guarded)])))


@pytest.fixture
def ir() -> SimpleNamespace:
    """Builders of test IR: ``ir.matmul()``, ``ir.point(A, i)``..."""
    names = "rng loop point root func spatial elementwise matmul split symbolic nstir".split()
    return SimpleNamespace(**{name: globals()[name] for name in names})
