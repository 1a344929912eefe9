"""Expressions compiled by codegen, each checked against numpy: arithmetic per dtype,
floor/trunc division with negatives, min/max, comparisons, logic, select, casts, let,
bitwise ops, ramps and broadcasts."""

from __future__ import annotations

import numpy as np
import pytest

from stir_core import ir
from stir_core.codegen import build
from stir_core.ir import op

INTS = ["int8", "int16", "int32", "int64"]
UINTS = ["uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64"]
N = 37


def run(make, inputs, out_dtypes=None):
    """Build ``out_k[i] = make(in_0[i], ...)[k]`` over 1-D arrays and run it."""
    n = len(inputs[0])
    bufs = [ir.decl_buffer((n,), str(a.dtype), f"in{k}") for k, a in enumerate(inputs)]
    i = ir.Var("i")
    values = make(*[b[i] for b in bufs])
    dtypes = out_dtypes or [v.dtype for v in values]
    outs = [ir.decl_buffer((n,), dt, f"out{k}") for k, dt in enumerate(dtypes)]
    stores = [ir.buffer_store(o, v, [i]) for o, v in zip(outs, values, strict=True)]
    body = ir.For(i, op.const(0), op.const(n), ir.ForKind.SERIAL, ir.seq(stores))
    kernel = build(ir.PrimFunc((*bufs, *outs), body))
    results = [np.zeros(n, o.dtype.numpy_dtype) for o in outs]
    kernel(*inputs, *results)
    return results


def operands(dtype, rng, nonzero=False):
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is None:
        a = rng.uniform(-50, 50, N)
        b = rng.uniform(-50, 50, N)
        b[np.abs(b) < 0.5] = 1.5
        return a.astype(dtype), b.astype(dtype)
    low = max(info.min, -1000)
    high = min(info.max, 1000)
    a = rng.integers(low, high, N, endpoint=True).astype(dtype)
    b = rng.integers(max(low, -30), min(high, 30), N, endpoint=True).astype(dtype)
    if nonzero:
        b[b == 0] = 7
    return a, b


def truncdiv_ref(a, b):
    q = [
        abs(int(x)) // abs(int(y)) * (1 if (x < 0) == (y < 0) else -1)
        for x, y in zip(a, b, strict=True)
    ]
    return np.array(q, dtype=object)


@pytest.mark.parametrize("dtype", INTS + UINTS)
def test_integer_arithmetic(dtype):
    rng = np.random.default_rng(0)
    a, b = operands(dtype, rng, nonzero=True)
    outs = run(
        lambda x, y: [
            x + y,
            x - y,
            x * y,
            op.truncdiv(x, y),
            op.truncmod(x, y),
            x // y,
            x % y,
            op.minimum(x, y),
            op.maximum(x, y),
        ],
        [a, b],
    )
    wide_a, wide_b = a.astype(object), b.astype(object)
    quotient = truncdiv_ref(wide_a, wide_b)
    expected = [
        wide_a + wide_b,
        wide_a - wide_b,
        wide_a * wide_b,
        quotient,
        wide_a - quotient * wide_b,
        wide_a // wide_b,
        wide_a % wide_b,
        np.minimum(a, b),
        np.maximum(a, b),
    ]
    bits = np.dtype(dtype).itemsize * 8
    for got, want in zip(outs, expected, strict=True):
        assert got.dtype == np.dtype(dtype)
        assert [int(v) % (1 << bits) for v in got] == [int(v) % (1 << bits) for v in want]


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_arithmetic(dtype):
    rng = np.random.default_rng(1)
    a, b = operands(dtype, rng)
    outs = run(
        lambda x, y: [
            x + y,
            x - y,
            x * y,
            x / y,
            ir.Mod(x.dtype, x, y),
            ir.FloorDiv(x.dtype, x, y),
            ir.FloorMod(x.dtype, x, y),
            op.minimum(x, y),
            op.maximum(x, y),
            -x,
        ],
        [a, b],
    )
    wide_a, wide_b = a.astype(np.float64), b.astype(np.float64)
    expected = [
        a + b,
        a - b,
        a * b,
        a / b,
        np.fmod(a, b),
        np.floor(wide_a / wide_b),
        wide_a - np.floor(wide_a / wide_b) * wide_b,
        np.minimum(a, b),
        np.maximum(a, b),
        -a,
    ]
    tolerance = 2e-2 if dtype == "float16" else 1e-5
    for got, want in zip(outs, expected, strict=True):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got.astype(np.float64), want, rtol=tolerance, atol=tolerance)


def test_floor_division_signs():
    a = np.array([7, -7, 7, -7, 0, 6, -6, -1, 1], dtype=np.int32)
    b = np.array([2, 2, -2, -2, 3, 3, -3, 5, -5], dtype=np.int32)
    div, mod, tdiv, tmod = run(
        lambda x, y: [x // y, x % y, op.truncdiv(x, y), op.truncmod(x, y)], [a, b]
    )
    assert div.tolist() == (a // b).tolist()
    assert mod.tolist() == (a % b).tolist()
    assert tdiv.tolist() == [3, -3, -3, 3, 0, 2, 2, 0, 0]
    assert tmod.tolist() == [1, -1, 1, -1, 0, 0, 0, -1, 1]


def test_floor_division_by_constant():
    a = np.arange(-20, 20, dtype=np.int64)
    div, mod = run(lambda x: [x // 4, x % 4], [a])
    assert div.tolist() == (a // 4).tolist()
    assert mod.tolist() == (a % 4).tolist()


def test_integer_division_by_zero_and_minus_one_does_not_trap():
    a = np.array([5, -5, np.iinfo(np.int32).min, 9], dtype=np.int32)
    b = np.array([0, 0, -1, -1], dtype=np.int32)
    div, mod, tdiv = run(lambda x, y: [x // y, x % y, op.truncdiv(x, y)], [a, b])
    assert div.tolist() == [0, 0, np.iinfo(np.int32).min, -9]
    assert mod.tolist() == [0, 0, 0, 0]
    assert tdiv.tolist() == [0, 0, np.iinfo(np.int32).min, -9]


@pytest.mark.parametrize("dtype", ["int16", "uint32", "float32", "float16"])
def test_comparisons(dtype):
    rng = np.random.default_rng(2)
    a, b = operands(dtype, rng)
    b[:5] = a[:5]
    outs = run(lambda x, y: [x == y, x != y, x < y, x <= y, x > y, x >= y], [a, b])
    expected = [a == b, a != b, a < b, a <= b, a > b, a >= b]
    for got, want in zip(outs, expected, strict=True):
        assert got.dtype == np.bool_
        assert np.array_equal(got, want)


def test_nan_comparisons_and_min_max():
    a = np.array([np.nan, 1.0, np.nan], dtype=np.float32)
    b = np.array([1.0, np.nan, np.nan], dtype=np.float32)
    eq, ne, lt, mn, mx = run(
        lambda x, y: [x == y, x != y, x < y, op.minimum(x, y), op.maximum(x, y)], [a, b]
    )
    assert not eq.any() and ne.all() and not lt.any()
    assert np.isnan(mn).all() and np.isnan(mx).all()


def test_logic_and_select():
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    x = np.array([1.5, 2.5, 3.5, 4.5], dtype=np.float32)
    outs = run(
        lambda p, q, v: [
            op.logical_and(p, q),
            op.logical_or(p, q),
            op.logical_not(p),
            p ^ q,
            op.select(p, v, v * 2),
        ],
        [a, b, x],
    )
    assert outs[0].tolist() == (a & b).tolist()
    assert outs[1].tolist() == (a | b).tolist()
    assert outs[2].tolist() == (~a).tolist()
    assert outs[3].tolist() == (a ^ b).tolist()
    assert outs[4].tolist() == np.where(a, x, x * 2).tolist()


@pytest.mark.parametrize("dtype", ["int8", "int64", "uint16", "uint64"])
def test_bitwise(dtype):
    rng = np.random.default_rng(3)
    a, b = operands(dtype, rng)
    shift = (np.abs(b.astype(np.int64)) % 5).astype(dtype)
    outs = run(
        lambda x, y, s: [
            x & y,
            x | y,
            x ^ y,
            ~x,
            x << s,
            x >> s,
            op.call_intrin(None, "popcount", x),
        ],
        [a, b, shift],
    )
    expected = [a & b, a | b, a ^ b, ~a, a << shift, a >> shift]
    for got, want in zip(outs[:-1], expected, strict=True):
        assert np.array_equal(got, want)
    popcount = [bin(int(v) % (1 << (8 * a.itemsize))).count("1") for v in a]
    assert outs[-1].tolist() == popcount


ALL = ["bool", *INTS, *UINTS, *FLOATS]


@pytest.mark.parametrize("src", ALL)
def test_casts_from(src):
    values = np.array([0, 1, 2, 3.75, 100.25, 127, 0.5, 64], dtype=np.float64)
    source = values.astype(src)
    targets = [t for t in ALL if t != src]
    outs = run(lambda x: [op.cast(t, x) for t in targets], [source], targets)
    for target, got in zip(targets, outs, strict=True):
        assert np.array_equal(got, source.astype(target)), (src, target)


def test_signed_casts_with_negatives():
    values = np.array([-1, -100, 5, -128, 127], dtype=np.int8)
    targets = ["int16", "int64", "float32", "float64", "float16", "bool", "uint8"]
    outs = run(lambda x: [op.cast(t, x) for t in targets], [values], targets)
    for target, got in zip(targets, outs, strict=True):
        assert np.array_equal(got, values.astype(target)), target
    floats = np.array([-1.75, -100.5, 5.25, np.nan], dtype=np.float32)
    to_int, to_bool = run(lambda x: [op.cast("int32", x), op.cast("bool", x)], [floats[:3]])
    assert to_int.tolist() == [-1, -100, 5]
    (nan_bool,) = run(lambda x: [op.cast("bool", x)], [floats])
    assert nan_bool.tolist() == [True, True, True, True]
    assert to_bool.tolist() == [True, True, True]


def test_let_expression():
    a = np.arange(10, dtype=np.float32)
    t = ir.Var("t", "float32")
    (out,) = run(lambda x: [ir.Let("float32", t, x * 2, t * t + t)], [a])
    assert np.array_equal(out, (2 * a) ** 2 + 2 * a)


def test_ramp_broadcast_vector_load_store():
    n, lanes = 32, 8
    A = ir.decl_buffer((n,), "float32", "A")
    B = ir.decl_buffer((n,), "float32", "B")
    C = ir.decl_buffer((n // 2,), "float32", "C")
    o = ir.Var("o")
    dense = ir.Ramp("int32x8", o * lanes, op.const(1), lanes)
    strided = ir.Ramp("int32x8", op.const(0), op.const(2), lanes)
    vec_ty = "float32x8"
    value = ir.BufferLoad(vec_ty, A, (dense,)) * ir.Broadcast(vec_ty, op.const(3.0), lanes)
    body = ir.seq(
        [
            ir.For(
                o,
                op.const(0),
                op.const(n // lanes),
                ir.ForKind.SERIAL,
                ir.BufferStore(B, value, (dense,)),
            ),
            ir.BufferStore(
                C,
                ir.BufferLoad(vec_ty, A, (strided,)),
                (ir.Ramp("int32x8", op.const(1), op.const(2), lanes),),
            ),
        ]
    )
    kernel = build(ir.PrimFunc((A, B, C), body))
    a = np.arange(n, dtype=np.float32)
    b, c = np.zeros(n, np.float32), np.zeros(n // 2, np.float32)
    kernel(a, b, c)
    assert np.array_equal(b, 3 * a)
    expected = np.zeros(n // 2, np.float32)
    expected[1::2] = a[0:16:2]
    assert np.array_equal(c, expected)
    assert "<8 x float>" in kernel.llvm_ir_unoptimized


def test_vector_bool_and_cast_lanes():
    n = 8
    A = ir.decl_buffer((n,), "int32", "A")
    M = ir.decl_buffer((n,), "bool", "M")
    ramp = ir.Ramp("int32x8", op.const(0), op.const(1), n)
    load = ir.BufferLoad("int32x8", A, (ramp,))
    body = ir.BufferStore(
        M, ir.GT("boolx8", load, ir.Broadcast("int32x8", op.const(3), n)), (ramp,)
    )
    kernel = build(ir.PrimFunc((A, M), body))
    a = np.arange(n, dtype=np.int32)
    m = np.zeros(n, np.bool_)
    kernel(a, m)
    assert m.tolist() == (a > 3).tolist()
