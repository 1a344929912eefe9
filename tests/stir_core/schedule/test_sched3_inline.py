"""compute_inline / reverse_compute_inline hardening: the only-writer rule, inputs
overwritten in between, consumers with offsets and smaller domains (regressions)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from test_sched2_helpers import run
from test_sched_common import block, bound_nest, fails_unchanged, new_schedule, point, root

from stir_core.codegen import build
from stir_core.ir import (
    SPATIAL,
    Buffer,
    BufferRegion,
    PrimExpr,
    PrimFunc,
    Stmt,
    Var,
    buffer_store,
    decl_buffer,
    op,
    seq,
    to_text,
)
from stir_core.schedule import (
    ConsumerLoadPatternError,
    NotCompleteBlockError,
    ProducerCoverageError,
    StaleInputError,
)
from te_compat import te
from te_compat.examples import softmax

N = 16
X = decl_buffer((N,), "float32", "X")
T = decl_buffer((N,), "float32", "T")
B = decl_buffer((N,), "float32", "B")
Y = decl_buffer((N,), "float32", "Y")


def _stage(
    name: str,
    target: Buffer,
    value: Callable[[Var], PrimExpr],
    reads: Callable[[Var], list[BufferRegion]],
    extent: int = N,
) -> Stmt:
    """A 1-d block ``target[v] = value(v)`` with ``reads(v)`` declared."""

    def make(v: Var) -> tuple:
        return buffer_store(target, value(v), (v,)), None, reads(v), [point(target, v)]

    blk, _ = block(name, [("i", extent, SPATIAL)], make)
    return bound_nest(blk)


def _check(func: PrimFunc, expected: np.ndarray, *inputs: np.ndarray) -> None:
    out = np.zeros(expected.shape, dtype="float32")
    build(func)(*inputs, out)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_compute_inline_refuses_a_buffer_with_two_writers() -> None:
    """Regression: inlining row_max_init (row_max also written by the update) gave
    invalid IR; TVM requires the inlined block to be the buffer's only writer."""
    example = softmax(4, 8)
    sch = new_schedule(te.create_prim_func(example.tensors()))
    row_max = sch.get_block("row_max")
    init = sch.decompose_reduction(row_max, sch.get_loops(row_max)[0])
    with fails_unchanged(sch, NotCompleteBlockError):
        sch.compute_inline(init)
    sch.compute_inline(sch.get_block("exp"))  # the only writer of exp: fine
    run(sch.mod["main"], example)


def _overwritten_input() -> PrimFunc:
    """T = X; B = T * 2; T = 5; Y = B + T  (T changes between B and its consumer)."""
    body = seq(
        [
            _stage("T0", T, lambda v: X[v], lambda v: [point(X, v)]),
            _stage("B", B, lambda v: T[v] * 2.0, lambda v: [point(T, v)]),
            _stage("T1", T, lambda v: op.const(5.0), lambda v: []),
            _stage("Y", Y, lambda v: B[v] + T[v], lambda v: [point(B, v), point(T, v)]),
        ]
    )
    return root(body, [X, Y], [T, B])


def test_compute_inline_refuses_an_input_overwritten_before_the_consumer() -> None:
    func = _overwritten_input()
    sch = new_schedule(func)
    blk = sch.get_block("B")
    with fails_unchanged(sch, StaleInputError):
        sch.compute_inline(blk)
    x = np.arange(N, dtype="float32")
    _check(sch.mod["main"], x * 2 + 5, x)


def test_reverse_compute_inline_refuses_a_consumer_that_is_not_the_only_writer() -> None:
    """B = X * 2; Y = 5; Y = B + 1: moving the last store before ``Y = 5`` loses it."""
    body = seq(
        [
            _stage("B", B, lambda v: X[v] * 2.0, lambda v: [point(X, v)]),
            _stage("Y0", Y, lambda v: op.const(5.0), lambda v: []),
            _stage("Y", Y, lambda v: B[v] + 1.0, lambda v: [point(B, v)]),
        ]
    )
    sch = new_schedule(root(body, [X, Y], [B]))
    blk = sch.get_block("Y")
    with fails_unchanged(sch, NotCompleteBlockError):
        sch.reverse_compute_inline(blk)


def _shifted(n: int, m: int, offset: int) -> tuple[list[te.Tensor], np.ndarray]:
    a = te.placeholder((n,), name="A")
    b = te.compute((n,), lambda i: a[i] * 2.0, name="B")
    c = te.compute((m,), lambda i: b[i + offset] + 1.0, name="C")
    x = np.arange(n, dtype="float32")
    return [a, c], x[offset : offset + m] * 2 + 1


def test_reverse_compute_inline_offset_and_smaller_domain() -> None:
    """C[i] = B[i + 1] + 1 over 14 of B's 16 elements: the producer gets a predicate."""
    tensors, expected = _shifted(16, 14, 1)
    sch = new_schedule(te.create_prim_func(tensors))
    sch.reverse_compute_inline(sch.get_block("C"))
    text = to_text(sch.mod["main"])
    assert "T.where(i - 1 >= 0 and i - 1 < 14)" in text, text
    assert "C[v_i - 1] = A[v_i] * T.float32(2.0) + T.float32(1.0)" in text, text
    _check(sch.mod["main"], expected, np.arange(16, dtype="float32"))
    tensors, expected = _shifted(16, 10, 0)
    sch = new_schedule(te.create_prim_func(tensors))
    sch.reverse_compute_inline(sch.get_block("C"))
    _check(sch.mod["main"], expected, np.arange(16, dtype="float32"))


def test_reverse_compute_inline_refusals() -> None:
    # A consumer with a predicate (as in TVM).
    tensors, _ = _shifted(16, 16, 0)
    sch = new_schedule(te.create_prim_func(tensors))
    sch.split(sch.get_loops(sch.get_block("C"))[0], factors=[None, 5])
    blk = sch.get_block("C")
    with fails_unchanged(sch, ConsumerLoadPatternError):
        sch.reverse_compute_inline(blk)
    # A broadcast: the consumer has an iter var the producer does not make.
    a = te.placeholder((8,), name="A")
    b = te.compute((8,), lambda i: a[i] * 2.0, name="B")
    c = te.compute((8, 4), lambda i, j: b[i] + 1.0, name="C")
    sch = new_schedule(te.create_prim_func([a, c]))
    blk = sch.get_block("C")
    with fails_unchanged(sch, ConsumerLoadPatternError):
        sch.reverse_compute_inline(blk)
    # The consumer reads elements the producer does not make.
    wide = decl_buffer((N + 4,), "float32", "W")
    body = seq(
        [
            _stage("W", wide, lambda v: X[v], lambda v: [point(X, v)]),
            _stage("Y", Y, lambda v: wide[v + 4], lambda v: [point(wide, v + 4)]),
        ]
    )
    sch = new_schedule(root(body, [X, Y], [wide]))
    blk = sch.get_block("Y")
    with fails_unchanged(sch, ProducerCoverageError):
        sch.reverse_compute_inline(blk)
