"""build(): kernel cache, target parsing and host CPU configuration, input checks,
unsupported IR, S-TIR lowered first, and the kernel's IR/assembly views."""

from __future__ import annotations

import llvmlite.binding as llvm_binding
import numpy as np
import pytest

from stir_core import ir
from stir_core.codegen import (
    BuildInputError,
    Kernel,
    UnsupportedIRError,
    UnsupportedTargetError,
    build,
    compile_count,
    host_target,
    parse_target,
)
from stir_core.codegen.target import codegen_features, pipeline_options, target_machine
from stir_core.ir import op


def add_one(n=16, name="add_one"):
    """A freshly built ``B[i] = A[i] + 1`` (new Var objects on every call)."""
    A = ir.decl_buffer((n,), "float32", "A")
    B = ir.decl_buffer((n,), "float32", "B")
    i = ir.Var("i")
    loop = ir.For(
        i, op.const(0), op.const(n), ir.ForKind.SERIAL, ir.buffer_store(B, A[i] + 1.0, [i])
    )
    return ir.PrimFunc((A, B), loop, {"global_symbol": name})


def test_cache_hits_do_not_recompile():
    first = build(add_one())
    count = compile_count()
    again = build(add_one())  # structurally equal, different objects
    assert again is first
    assert compile_count() == count
    other = build(add_one(n=17))
    assert other is not first
    assert compile_count() == count + 1
    a = np.arange(17, dtype=np.float32)
    b = np.zeros(17, np.float32)
    other(a, b)
    assert np.array_equal(b, a + 1)


def test_cache_is_per_target():
    func = add_one(n=5)
    host = build(func)
    count = compile_count()
    generic = build(func, "llvm -mcpu=x86-64")
    assert generic is not host and compile_count() == count + 1
    assert build(func, "llvm -mcpu=x86-64") is generic


def test_kernel_views():
    kernel = build(add_one(name="my_kernel"))
    assert isinstance(kernel, Kernel)
    assert kernel.name == "my_kernel"
    assert kernel.func.name == "my_kernel"
    assert 'define void @"stir_my_kernel"' in kernel.llvm_ir_unoptimized
    assert "stir_my_kernel" in kernel.llvm_ir
    assert "noalias" in kernel.llvm_ir_unoptimized
    assert "stir_my_kernel" in kernel.assembly and "ret" in kernel.assembly


def test_host_target_configuration():
    target = host_target()
    assert target.cpu == llvm_binding.get_host_cpu_name()
    assert target.features == llvm_binding.get_host_cpu_features().flatten()
    assert parse_target("llvm") == target
    assert parse_target("llvm -mcpu=native") == target
    features = codegen_features(target)
    assert features.startswith(target.features)
    assert ("-prefer-256-bit" in features) == ("+avx512f" in target.features.split(","))
    assert target_machine(target) is target_machine(parse_target("llvm"))
    options = pipeline_options()
    assert options.speed_level == 3
    assert options.loop_vectorization and options.slp_vectorization and options.loop_unrolling


def test_avx512_used_where_present():
    n = 256
    A = ir.decl_buffer((n,), "float32", "A")
    i = ir.Var("i")
    loop = ir.For(
        i, op.const(0), op.const(n), ir.ForKind.SERIAL, ir.buffer_store(A, A[i] * 2.0, [i])
    )
    kernel = build(ir.PrimFunc((A,), loop))
    has_avx512 = "+avx512f" in host_target().features.split(",")
    assert ("zmm" in kernel.assembly) == has_avx512
    assert ("<16 x float>" in kernel.llvm_ir) == has_avx512


def test_target_options():
    skylake = parse_target("llvm -mcpu=skylake")
    assert skylake.cpu == "skylake" and skylake.features == ""
    with_attr = parse_target("llvm -mcpu=skylake -mattr=+avx2")
    assert with_attr.features == "+avx2"
    kernel = build(add_one(n=3), "llvm -mcpu=x86-64")
    a = np.arange(3, dtype=np.float32)
    b = np.zeros(3, np.float32)
    kernel(a, b)
    assert np.array_equal(b, a + 1)


@pytest.mark.parametrize(
    "spec, match",
    [
        ("cuda", "only CPU targets"),
        ("", "only CPU targets"),
        ("llvm -device=arm_cpu", "unsupported option '-device=arm_cpu'"),
        ("llvm -mcpu=", "-mcpu needs a CPU name"),
    ],
)
def test_unsupported_targets(spec, match):
    with pytest.raises(UnsupportedTargetError, match=match):
        build(add_one(), spec)


def test_build_inputs():
    func = add_one(n=4)
    assert build(ir.IRModule({"main": func})) is build(func)
    assert build(ir.IRModule({"only": func})) is build(func)
    with pytest.raises(BuildInputError, match="several functions"):
        build(ir.IRModule({"f": func, "g": add_one(n=5)}))
    with pytest.raises(BuildInputError, match="got str"):
        build("not a function")


def test_unbound_variable_is_reported():
    A = ir.decl_buffer((4,), "int32", "A")
    i, free = ir.Var("i"), ir.Var("mystery")
    loop = ir.For(i, op.const(0), op.const(4), ir.ForKind.SERIAL, ir.buffer_store(A, free, [i]))
    with pytest.raises(UnsupportedIRError, match="'mystery' is used but not defined"):
        build(ir.PrimFunc((A,), loop))


def test_unknown_buffer_is_reported():
    A = ir.decl_buffer((4,), "int32", "A")
    T = ir.decl_buffer((4,), "int32", "T")
    store = ir.buffer_store(A, T[op.const(0)], [op.const(0)])
    with pytest.raises(UnsupportedIRError, match="buffer 'T' is used but neither"):
        build(ir.PrimFunc((A,), store))


def test_thread_binding_is_unsupported():
    A = ir.decl_buffer((4,), "int32", "A")
    i = ir.Var("i")
    loop = ir.For(
        i,
        op.const(0),
        op.const(4),
        ir.ForKind.THREAD_BINDING,
        ir.buffer_store(A, i, [i]),
        "threadIdx.x",
    )
    with pytest.raises(UnsupportedIRError, match="GPU thread"):
        build(ir.PrimFunc((A,), loop))


def test_handle_scalar_param_is_unsupported():
    A = ir.decl_buffer((4,), "int32", "A")
    h = ir.Var("h", "handle")
    with pytest.raises(UnsupportedIRError, match="scalar parameter 'h'"):
        build(ir.PrimFunc((A, h), ir.Evaluate(op.const(0))))


def test_s_tir_is_lowered_first():
    n = 8
    A = ir.decl_buffer((n,), "float32", "A")
    B = ir.decl_buffer((n,), "float32", "B")
    i = ir.Var("i")
    v = ir.IterVar(ir.Var("v"), ir.Range.from_min_extent(0, n), ir.SPATIAL)
    block = ir.Block(
        "B",
        (v,),
        (ir.BufferRegion.full(A),),
        (ir.BufferRegion.full(B),),
        ir.buffer_store(B, A[v.var] * 2.0, [v.var]),
    )
    loop = ir.For(i, op.const(0), op.const(n), ir.ForKind.SERIAL, ir.realize(block, (i,)))
    root = ir.Block("root", (), (), (), loop)
    kernel = build(ir.PrimFunc((A, B), ir.realize(root)))
    a = np.arange(n, dtype=np.float32)
    b = np.zeros(n, np.float32)
    kernel(a, b)
    assert np.array_equal(b, 2 * a)
