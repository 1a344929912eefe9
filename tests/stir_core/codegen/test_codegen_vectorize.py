"""Vectorized loops emitted as vector IR (codegen/vectorize.py): power-of-two pieces, Ramp
folding, every expression kind, and the fallbacks to LLVM's loop vectorizer (dependences,
lane-dependent conditions, nested loops); each kernel checked against numpy."""

from __future__ import annotations

import numpy as np

from stir_core import ir
from stir_core.codegen import build
from stir_core.ir import op

VEC, SERIAL, UNROLLED = ir.ForKind.VECTORIZED, ir.ForKind.SERIAL, ir.ForKind.UNROLLED


def loop(var, extent, body, kind=VEC, start=0):
    return ir.For(var, op.convert(start), op.convert(extent), kind, body)


def is_fallback(kernel):
    return "llvm.loop.vectorize.enable" in kernel.llvm_ir_unoptimized


def elementwise(n, make, dtype="float32", out_dtype=None):
    """``B[i] = make(A[i], i)`` with ``i`` vectorized; returns the kernel and a runner."""
    A = ir.decl_buffer((n,), dtype, "A")
    B = ir.decl_buffer((n,), out_dtype or dtype, "B")
    i = ir.Var("i")
    kernel = build(ir.PrimFunc((A, B), loop(i, n, ir.buffer_store(B, make(A[i], i), [i]))))
    return kernel


def test_odd_widths_split_into_power_of_two_pieces():
    for n in (28, 7, 2, 3):
        kernel = elementwise(n, lambda a, i: a * 2.0 + 1.0)
        a = np.random.default_rng(n).standard_normal(n).astype(np.float32)
        b = np.zeros(n, np.float32)
        kernel(a, b)
        assert np.allclose(b, a * 2 + 1, rtol=1e-6)
        assert not is_fallback(kernel)
    text = elementwise(28, lambda a, i: a + 1.0).llvm_ir_unoptimized
    for lanes in (16, 8, 4):
        assert f"store <{lanes} x float>" in text


def test_loop_var_as_value_with_int64_offset_start():
    n = 12
    A = ir.decl_buffer((n,), "float64", "A")
    i = ir.Var("i", "int64")
    value = op.cast("float64", i) * 0.5 + op.cast("float64", op.floordiv(i, 3) * op.floormod(i, 3))
    start, extent = op.const(4, "int64"), op.const(8, "int64")
    body = ir.For(i, start, extent, VEC, ir.buffer_store(A, value, [i]))
    kernel = build(ir.PrimFunc((A,), body))
    a = np.full(n, -1.0)
    kernel(a)
    idx = np.arange(4, 12)
    expected = np.full(n, -1.0)
    expected[4:] = idx * 0.5 + (idx // 3) * (idx % 3)
    assert np.array_equal(a, expected)
    assert not is_fallback(kernel)


def test_expression_kinds_vectorize():
    n = 16
    t = ir.Var("t", "float32")

    def make(a, i):
        clipped = op.minimum(op.maximum(a, -1.0), 1.0)
        chosen = op.select(i < 5, clipped, op.call_intrin(None, "exp", a * 0.1))
        return ir.Let("float32", t, chosen, t * t - t)

    kernel = elementwise(n, make)
    a = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    b = np.zeros(n, np.float32)
    kernel(a, b)
    chosen = np.where(np.arange(n) < 5, np.clip(a, -1, 1), np.exp(a * np.float32(0.1)))
    assert np.allclose(b, chosen * chosen - chosen, rtol=1e-5, atol=1e-6)  # t*t-t fuses
    assert not is_fallback(kernel)


def test_bool_and_int_division_lanes():
    n = 8
    kernel = elementwise(n, lambda a, i: op.floormod(a, 3) == i % 3, "int32", "bool")
    a = np.arange(-8, 8, 2, dtype=np.int32)
    m = np.zeros(n, np.bool_)
    kernel(a, m)
    assert m.tolist() == ((a % 3) == (np.arange(n) % 3)).tolist()
    assert not is_fallback(kernel)


def test_strided_and_reversed_stores():
    n = 8
    A = ir.decl_buffer((n,), "int32", "A")
    B = ir.decl_buffer((2 * n,), "int32", "B")
    C = ir.decl_buffer((n,), "int32", "C")
    i = ir.Var("i")
    body = ir.seq(
        [ir.buffer_store(B, A[i] * 10, [i * 2 + 1]), ir.buffer_store(C, A[i], [(n - 1) - i])]
    )
    kernel = build(ir.PrimFunc((A, B, C), loop(i, n, body)))
    a = np.arange(n, dtype=np.int32)
    b, c = np.zeros(2 * n, np.int32), np.zeros(n, np.int32)
    kernel(a, b, c)
    assert b[1::2].tolist() == (a * 10).tolist() and not b[0::2].any()
    assert c.tolist() == a[::-1].tolist()
    assert not is_fallback(kernel)


def test_loop_carried_dependence_falls_back_and_stays_sequential():
    n = 16
    A = ir.decl_buffer((n + 1,), "float32", "A")
    i = ir.Var("i")
    kernel = build(ir.PrimFunc((A,), loop(i, n, ir.buffer_store(A, A[i] + 1.0, [i + 1]))))
    a = np.zeros(n + 1, np.float32)
    kernel(a)
    assert a.tolist() == list(range(n + 1))  # a prefix count: lanes are not independent
    assert is_fallback(kernel)


def test_store_independent_of_the_lane_falls_back():
    n = 16
    A = ir.decl_buffer((n,), "float32", "A")
    S = ir.decl_buffer((1,), "float32", "S")
    i = ir.Var("i")
    kernel = build(ir.PrimFunc((A, S), loop(i, n, ir.buffer_store(S, S[0] + A[i], [0]))))
    a = np.arange(n, dtype=np.float32)
    s = np.zeros(1, np.float32)
    kernel(a, s)
    assert s[0] == a.sum()
    assert is_fallback(kernel)


def test_non_constant_store_stride_falls_back():
    n = 8
    step = ir.Var("step")
    A = ir.decl_buffer((4 * n,), "int32", "A")
    i = ir.Var("i")
    kernel = build(ir.PrimFunc((A, step), loop(i, n, ir.buffer_store(A, i, [i * step]))))
    a = np.full(4 * n, -1, np.int32)
    kernel(a, 0)  # every lane writes A[0]: the last one wins, as in the serial loop
    assert a[0] == n - 1 and (a[1:] == -1).all()
    assert is_fallback(kernel)


def test_padding_guard_depending_on_the_lane_falls_back_safely():
    n = 16
    A = ir.decl_buffer((n,), "float32", "A")
    B = ir.decl_buffer((n + 2,), "float32", "B")
    i = ir.Var("i")
    guarded = op.if_then_else(op.logical_and(i >= 1, i < n + 1), A[i - 1], op.const(0.0))
    kernel = build(ir.PrimFunc((A, B), loop(i, n + 2, ir.buffer_store(B, guarded, [i]))))
    a = np.arange(1, n + 1, dtype=np.float32)
    b = np.full(n + 2, -1.0, np.float32)
    kernel(a, b)
    assert b.tolist() == [0.0, *a.tolist(), 0.0]
    assert is_fallback(kernel)


def test_uniform_conditions_stay_scalar():
    rows, n = 3, 8
    A = ir.decl_buffer((rows * n,), "float32", "A")
    B = ir.decl_buffer((rows * n,), "float32", "B")
    r, i = ir.Var("r"), ir.Var("i")
    flat = r * n + i
    value = op.if_then_else(r == 1, A[flat] * 2.0, op.const(-1.0))
    body = ir.IfThenElse(
        r < 2, ir.buffer_store(B, value, [flat]), ir.buffer_store(B, op.const(7.0), [flat])
    )
    kernel = build(ir.PrimFunc((A, B), loop(r, rows, loop(i, n, body), SERIAL)))
    a = np.arange(rows * n, dtype=np.float32)
    b = np.zeros(rows * n, np.float32)
    kernel(a, b)
    assert b[:n].tolist() == [-1.0] * n
    assert b[n : 2 * n].tolist() == (a[n : 2 * n] * 2).tolist()
    assert b[2 * n :].tolist() == [7.0] * n
    assert not is_fallback(kernel)
    assert "<8 x float>" in kernel.llvm_ir_unoptimized


def test_lane_dependent_if_statement_and_nested_loop_fall_back():
    n = 8
    A = ir.decl_buffer((n,), "int32", "A")
    i, j = ir.Var("i"), ir.Var("j")
    branchy = ir.IfThenElse(i < 3, ir.buffer_store(A, i, [i]))
    kernel = build(ir.PrimFunc((A,), loop(i, n, branchy)))
    a = np.full(n, -1, np.int32)
    kernel(a)
    assert a.tolist() == [0, 1, 2] + [-1] * (n - 3)
    assert is_fallback(kernel)
    nested = loop(j, 2, ir.buffer_store(A, i + j, [i]), SERIAL)
    kernel = build(ir.PrimFunc((A,), loop(i, n, nested)))
    kernel(a)
    assert a.tolist() == list(range(1, n + 1))
    assert is_fallback(kernel)


def test_let_statement_with_vector_value():
    n = 8
    A = ir.decl_buffer((n,), "int32", "A")
    i, t = ir.Var("i"), ir.Var("t")
    body = ir.LetStmt(t, i * 3, ir.buffer_store(A, t + 1, [i]))
    kernel = build(ir.PrimFunc((A,), loop(i, n, body)))
    a = np.zeros(n, np.int32)
    kernel(a)
    assert a.tolist() == [3 * k + 1 for k in range(n)]
    assert not is_fallback(kernel)


def micro_kernel(rows=4, cols=32, depth=64):
    """``C = A @ B`` for one ``rows x cols`` tile: a local accumulator, ``k`` serial, the
    rows unrolled and the columns vectorized (the matmul schedule's inner loops)."""
    A = ir.decl_buffer((rows, depth), "float32", "A")
    B = ir.decl_buffer((depth, cols), "float32", "B")
    C = ir.decl_buffer((rows, cols), "float32", "C")
    acc = ir.decl_buffer((rows * cols,), "float32", "acc", scope="local")
    A1, B1, C1 = (
        buf.replace(shape=(op.const(buf.shape[0].value * buf.shape[1].value),)) for buf in (A, B, C)
    )
    i, j, k = ir.Var("i"), ir.Var("j"), ir.Var("k")
    at = i * cols + j
    init = loop(i, rows, loop(j, cols, ir.buffer_store(acc, op.const(0.0), [at])), UNROLLED)
    update = acc[at] + A1[i * depth + k] * B1[k * cols + j]
    body = loop(i, rows, loop(j, cols, ir.buffer_store(acc, update, [at])), UNROLLED)
    compute = loop(k, depth, body, SERIAL)
    store = loop(i, rows, loop(j, cols, ir.buffer_store(C1, acc[at], [at])), UNROLLED)
    func = ir.PrimFunc((A, B, C), ir.Allocate(acc, ir.seq([init, compute, store])))
    return build(func), (rows, cols, depth)


def test_micro_kernel_accumulates_in_registers_with_fma():
    kernel, (rows, cols, depth) = micro_kernel()
    rng = np.random.default_rng(2)
    a = rng.standard_normal((rows, depth)).astype(np.float32)
    b = rng.standard_normal((depth, cols)).astype(np.float32)
    c = np.zeros((rows, cols), np.float32)
    kernel(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-4)
    optimized = kernel.llvm_ir
    assert "alloca" not in optimized  # the accumulator tile was promoted to registers
    assert "<32 x float>" in kernel.llvm_ir_unoptimized
    assembly = kernel.assembly
    if "+fma" in kernel.target:
        register = "zmm" if "+avx512f" in kernel.target else "ymm"
        assert f"vfmadd231ps\t%{register}" in assembly or f"vfmadd213ps\t%{register}" in assembly


def test_views_with_other_offsets_of_a_written_buffer_fall_back():
    n = 16
    A = ir.decl_buffer((n + 1,), "float32", "A")
    shifted = A.replace(shape=(op.const(n),), elem_offset=op.const(1))
    i = ir.Var("i")
    kernel = build(ir.PrimFunc((A,), loop(i, n, ir.buffer_store(shifted, A[i] + 1.0, [i]))))
    a = np.zeros(n + 1, np.float32)
    kernel(a)
    assert a.tolist() == list(range(n + 1))  # A[i + 1] = A[i] + 1, lane after lane
    assert is_fallback(kernel)
