"""build(): kernel cache, target parsing and host CPU configuration, input checks,
unsupported IR, S-TIR lowered first, and the kernel's IR/assembly views."""

from __future__ import annotations

import gc

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
    clear_cache,
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
    assert options.slp_vectorization and options.loop_unrolling
    assert not options.loop_vectorization  # LLVM 22.1 miscompiles it: see target.pipeline_options


def test_avx512_used_where_present():
    """A loop a schedule vectorized (16 lanes, under a serial loop) uses zmm registers
    exactly when the host has AVX-512."""
    A = ir.decl_buffer((256,), "float32", "A")
    i, v = ir.Var("i"), ir.Var("v")
    index = i * 16 + v
    inner = ir.For(
        v,
        op.const(0),
        op.const(16),
        ir.ForKind.VECTORIZED,
        ir.buffer_store(A, A[index] * 2.0, [index]),
    )
    kernel = build(
        ir.PrimFunc((A,), ir.For(i, op.const(0), op.const(16), ir.ForKind.SERIAL, inner))
    )
    has_avx512 = "+avx512f" in host_target().features.split(",")
    assert ("zmm" in kernel.assembly) == has_avx512
    a = np.arange(256, dtype=np.float32)
    kernel(a)
    assert np.array_equal(a, np.arange(256, dtype=np.float32) * 2)


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


def test_functions_carry_target_attributes():
    n = 64
    A = ir.decl_buffer((n,), "float32", "A")
    i = ir.Var("i")
    body = ir.buffer_store(A, A[i] + 1.0, [i])
    func = ir.PrimFunc((A,), ir.For(i, op.const(0), op.const(n), ir.ForKind.PARALLEL, body))
    target = parse_target("llvm -mcpu=skylake-avx512")
    text = build(func, target).llvm_ir_unoptimized
    defines = [line for line in text.splitlines() if line.startswith("define")]
    assert len(defines) == 3  # the kernel, the outlined body and its task
    for line in defines:
        assert '"target-cpu"="skylake-avx512"' in line
    assert '"target-features"' not in text  # -mcpu alone: the CPU's own features
    host = host_target()
    host_text = build(func).llvm_ir_unoptimized
    assert f'"target-cpu"="{host.cpu}"' in host_text
    assert f'"target-features"="{codegen_features(host)}"' in host_text
    assert ('"prefer-vector-width"="512"' in host_text) == host.has_avx512


def test_buffer_parameters_are_noalias_and_dereferenceable():
    n = ir.SizeVar("n")
    A = ir.decl_buffer((16, 4), "float64", "A")
    B = ir.decl_buffer((n,), "float64", "B")
    store = ir.buffer_store(B, A[op.const(0), op.const(1)], [op.const(0)])
    text = build(ir.PrimFunc((A, B), store)).llvm_ir_unoptimized
    header = next(line for line in text.splitlines() if line.startswith("define"))
    assert "double* noalias dereferenceable(512)" in header  # 16 * 4 * 8 bytes
    assert header.count("dereferenceable") == 1  # B's size is only known at the call


def test_float_mul_add_is_contractible_and_index_math_is_nsw():
    n = 8
    A = ir.decl_buffer((n * n,), "float32", "A")
    B = ir.decl_buffer((n * n,), "int32", "B")
    i, j = ir.Var("i"), ir.Var("j")
    at = i * n + j
    body = ir.seq(
        [
            ir.buffer_store(A, A[at] * 2.0 + 1.0, [at]),
            ir.buffer_store(B, B[at] * 65536 + 7, [at]),  # value math: wraps, no nsw
        ]
    )
    serial = ir.ForKind.SERIAL
    loops = ir.For(
        i, op.const(0), op.const(n), serial, ir.For(j, op.const(0), op.const(n), serial, body)
    )
    kernel = build(ir.PrimFunc((A, B), loops))
    text = kernel.llvm_ir_unoptimized
    assert "fmul contract float" in text and "fadd contract float" in text
    assert "mul nsw i32" in text and "add nsw i32" in text
    assert "mul i32" in text  # B[at] * 65536 keeps wrapping like numpy
    a = np.ones(n * n, np.float32)
    b = np.full(n * n, 1 << 20, np.int32)
    kernel(a, b)
    assert (a == 3).all()
    assert (b == 7).all()  # (1 << 20) * 65536 wraps to 0 in int32


def test_freed_kernels_leave_the_shared_target_machine_alive():
    kernel = build(add_one(n=6, name="freed"))
    del kernel
    clear_cache()
    gc.collect()  # the engine (and the machine it owns) is gone
    for n in (6, 7):
        kernel = build(add_one(n=n, name="rebuilt"))
        a = np.arange(n, dtype=np.float32)
        b = np.zeros(n, np.float32)
        kernel(a, b)
        assert np.array_equal(b, a + 1)
    assert "rebuilt" in kernel.assembly  # rendered with the shared machine
