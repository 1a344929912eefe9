"""Every intrinsic of ``INTRINSICS`` compiled and checked against numpy / math."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stir_core import ir
from stir_core.codegen import build
from stir_core.ir import op

N = 24


def run(make, inputs, out_dtype):
    n = len(inputs[0])
    bufs = [ir.decl_buffer((n,), str(a.dtype), f"in{k}") for k, a in enumerate(inputs)]
    out = ir.decl_buffer((n,), out_dtype, "out")
    i = ir.Var("i")
    store = ir.buffer_store(out, make(*[b[i] for b in bufs]), [i])
    kernel = build(
        ir.PrimFunc((*bufs, out), ir.For(i, op.const(0), op.const(n), ir.ForKind.SERIAL, store))
    )
    result = np.zeros(n, np.dtype(out_dtype))
    kernel(*inputs, result)
    return result


def _grid(low, high):
    return lambda: [np.linspace(low, high, N)]


def _pair(low, high):
    return lambda: [np.linspace(low, high, N), np.linspace(high, low, N) + 0.3]


# name -> (input generator, numpy reference on float64 inputs)
FLOAT_MATH = {
    "exp": (_grid(-5, 5), np.exp),
    "exp2": (_grid(-5, 5), np.exp2),
    "exp10": (_grid(-3, 3), lambda x: 10.0**x),
    "expm1": (_grid(-2, 2), np.expm1),
    "log": (_grid(0.1, 50), np.log),
    "log2": (_grid(0.1, 50), np.log2),
    "log10": (_grid(0.1, 50), np.log10),
    "log1p": (_grid(-0.5, 5), np.log1p),
    "sqrt": (_grid(0, 50), np.sqrt),
    "rsqrt": (_grid(0.1, 50), lambda x: 1 / np.sqrt(x)),
    "fabs": (_grid(-5, 5), np.abs),
    "floor": (_grid(-5.5, 5.5), np.floor),
    "ceil": (_grid(-5.5, 5.5), np.ceil),
    "trunc": (_grid(-5.5, 5.5), np.trunc),
    "round": (lambda: [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.2, -3.7] * 3)], np.round),
    "nearbyint": (lambda: [np.array([-2.5, -1.5, 0.5, 1.5, 2.6, -3.2] * 4)], np.rint),
    "sin": (_grid(-3, 3), np.sin),
    "cos": (_grid(-3, 3), np.cos),
    "tan": (_grid(-1.2, 1.2), np.tan),
    "tanh": (_grid(-4, 4), np.tanh),
    "sinh": (_grid(-3, 3), np.sinh),
    "cosh": (_grid(-3, 3), np.cosh),
    "asin": (_grid(-0.99, 0.99), np.arcsin),
    "acos": (_grid(-0.99, 0.99), np.arccos),
    "atan": (_grid(-5, 5), np.arctan),
    "asinh": (_grid(-5, 5), np.arcsinh),
    "acosh": (_grid(1, 6), np.arccosh),
    "atanh": (_grid(-0.9, 0.9), np.arctanh),
    "erf": (_grid(-2, 2), np.vectorize(math.erf)),
    "sigmoid": (_grid(-6, 6), lambda x: 1 / (1 + np.exp(-x))),
    "pow": (lambda: [np.linspace(0.1, 4, N), np.linspace(-2, 3, N)], np.power),
    "copysign": (_pair(-3, 3), np.copysign),
    "atan2": (_pair(-3, 3), np.arctan2),
    "fmod": (_pair(-7, 7), np.fmod),
    "hypot": (_pair(-3, 3), np.hypot),
    "nextafter": (_pair(-3, 3), np.nextafter),
    "ldexp": (lambda: [np.linspace(-3, 3, N), np.arange(N) % 7 - 3.0], None),
}
PREDICATES = {"isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite}
INTEGER = {"bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "shift_left",
           "shift_right", "popcount"}  # fmt: skip
SPECIAL = {"if_then_else", "likely"}  # tested below


def test_every_intrinsic_is_covered():
    covered = set(FLOAT_MATH) | set(PREDICATES) | INTEGER | SPECIAL
    assert set(ir.INTRINSICS) == covered
    # the integer ones run in test_codegen_expr.py::test_bitwise


def _tolerance(dtype):
    return {"float16": 1e-2, "float32": 1e-5, "float64": 1e-12}[dtype]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(FLOAT_MATH))
def test_float_math(name, dtype):
    make_inputs, reference = FLOAT_MATH[name]
    inputs = [x.astype(dtype) for x in make_inputs()]
    got = run(lambda *args: op.call_intrin(None, name, *args), inputs, dtype)
    wide = [x.astype(np.float64) for x in inputs]
    if name == "ldexp":
        want = np.ldexp(wide[0], wide[1].astype(np.int32))
    elif name == "nextafter":
        want = np.nextafter(inputs[0], inputs[1]).astype(np.float64)
    else:
        want = reference(*wide)
    tol = _tolerance(dtype)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(PREDICATES))
def test_float_predicates(name, dtype):
    values = np.array([0.0, -1.5, np.inf, -np.inf, np.nan, 3.0, -np.nan, 1e-3], dtype=dtype)
    got = run(lambda x: op.call_intrin(None, name, x), [values], "bool")
    assert got.tolist() == PREDICATES[name](values).tolist()


def test_vector_math_lane_by_lane_and_llvm_intrinsic():
    lanes = 8
    A = ir.decl_buffer((lanes,), "float32", "A")
    B = ir.decl_buffer((lanes,), "float32", "B")
    C = ir.decl_buffer((lanes,), "float32", "C")
    ramp = ir.Ramp("int32x8", op.const(0), op.const(1), lanes)
    x = ir.BufferLoad("float32x8", A, (ramp,))
    body = ir.seq(
        [
            ir.BufferStore(B, op.call_intrin(None, "tanh", x), (ramp,)),
            ir.BufferStore(C, op.call_intrin(None, "exp", x), (ramp,)),
        ]
    )
    kernel = build(ir.PrimFunc((A, B, C), body))
    a = np.linspace(-2, 2, lanes).astype(np.float32)
    b, c = np.zeros_like(a), np.zeros_like(a)
    kernel(a, b, c)
    np.testing.assert_allclose(b, np.tanh(a), rtol=1e-6)
    np.testing.assert_allclose(c, np.exp(a), rtol=1e-6)
    assert "llvm.exp.v8f32" in kernel.llvm_ir_unoptimized
    assert '@"tanhf"' in kernel.llvm_ir_unoptimized


def test_libm_names_by_width():
    A = ir.decl_buffer((4,), "float64", "A")
    B = ir.decl_buffer((4,), "float32", "B")
    i = ir.Var("i")
    store = ir.buffer_store(
        B,
        op.cast("float32", op.call_intrin(None, "tanh", A[i]))
        + op.call_intrin(None, "tanh", op.cast("float32", A[i])),
        [i],
    )
    kernel = build(
        ir.PrimFunc((A, B), ir.For(i, op.const(0), op.const(4), ir.ForKind.SERIAL, store))
    )
    assert "@tanh(" in kernel.llvm_ir_unoptimized.replace('"', "")
    assert "@tanhf(" in kernel.llvm_ir_unoptimized.replace('"', "")
    a = np.linspace(-1, 1, 4)
    b = np.zeros(4, np.float32)
    kernel(a, b)
    np.testing.assert_allclose(b, 2 * np.tanh(a), rtol=1e-6)


def test_if_then_else_guards_out_of_bounds_loads():
    n = 16
    A = ir.decl_buffer((n,), "float32", "A")
    B = ir.decl_buffer((n + 4,), "float32", "B")
    i = ir.Var("i")
    # B[i] = A[i - 2] if 2 <= i < n + 2 else -1: A is never read out of bounds
    cond = op.logical_and(i >= 2, i < n + 2)
    value = op.if_then_else(cond, A[i - 2], op.const(-1.0))
    loop = ir.For(
        i, op.const(0), op.const(n + 4), ir.ForKind.SERIAL, ir.buffer_store(B, value, [i])
    )
    kernel = build(ir.PrimFunc((A, B), loop))
    a = np.arange(n, dtype=np.float32) + 1
    b = np.zeros(n + 4, np.float32)
    kernel(a, b)
    assert b.tolist() == [-1, -1, *a.tolist(), -1, -1]
    text = kernel.llvm_ir_unoptimized
    assert "phi" in text  # branches, not a select


def test_if_then_else_does_not_evaluate_the_untaken_branch():
    n = 8
    A = ir.decl_buffer((n,), "int64", "A")
    B = ir.decl_buffer((n,), "int64", "B")
    i = ir.Var("i")
    far = A[i + 200_000_000]  # would fault if it were loaded
    value = op.if_then_else(i < n, A[i] * 2, far)
    loop = ir.For(i, op.const(0), op.const(n), ir.ForKind.SERIAL, ir.buffer_store(B, value, [i]))
    kernel = build(ir.PrimFunc((A, B), loop))
    a = np.arange(n, dtype=np.int64)
    b = np.zeros(n, np.int64)
    kernel(a, b)
    assert b.tolist() == (2 * a).tolist()


def test_likely_is_transparent():
    a = np.array([1, 5, 9], dtype=np.int32)
    got = run(lambda x: op.select(op.call_intrin("bool", "likely", x > 4), x, x * 0), [a], "int32")
    assert got.tolist() == [0, 5, 9]
