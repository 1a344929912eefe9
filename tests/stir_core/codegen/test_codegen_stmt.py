"""Statements compiled by codegen: loops of every kind, allocations, lets, branches,
symbolic shapes; each kernel checked against numpy."""

from __future__ import annotations

import os
import threading
import time

import numpy as np

from stir_core import ir
from stir_core.codegen import build, get_pool
from stir_core.ir import op

SERIAL, PARALLEL = ir.ForKind.SERIAL, ir.ForKind.PARALLEL
VECTORIZED, UNROLLED = ir.ForKind.VECTORIZED, ir.ForKind.UNROLLED


def loop(var, extent, body, kind=SERIAL, start=0):
    return ir.For(var, op.convert(start), op.convert(extent), kind, body)


def scale_kernel(kind, n=64, factor=2.0):
    """``B[i] = A[i] * factor`` with the loop of the given kind."""
    A = ir.decl_buffer((n,), "float32", "A")
    B = ir.decl_buffer((n,), "float32", "B")
    i = ir.Var("i")
    return build(ir.PrimFunc((A, B), loop(i, n, ir.buffer_store(B, A[i] * factor, [i]), kind)))


def check_scale(kernel, n=64, factor=2.0):
    a = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    b = np.zeros(n, np.float32)
    kernel(a, b)
    assert np.array_equal(b, a * np.float32(factor))


def test_serial_loop_with_offset_start_and_int64_var():
    A = ir.decl_buffer((10,), "int64", "A")
    i = ir.Var("i", "int64")
    body = loop(i, op.const(6, "int64"), ir.buffer_store(A, i * i, [i]), start=op.const(3, "int64"))
    kernel = build(ir.PrimFunc((A,), body))
    a = np.full(10, -1, np.int64)
    kernel(a)
    assert a.tolist() == [-1, -1, -1, 9, 16, 25, 36, 49, 64, -1]


def test_unrolled_constant_loop_is_copied():
    kernel = scale_kernel(UNROLLED, n=8)
    check_scale(kernel, n=8)
    assert "for.head" not in kernel.llvm_ir_unoptimized
    assert kernel.llvm_ir_unoptimized.count("fmul") == 8


def test_unrolled_symbolic_loop_gets_metadata():
    n = ir.SizeVar("n")
    A = ir.decl_buffer((n,), "float32", "A")
    i = ir.Var("i")
    kernel = build(ir.PrimFunc((A,), loop(i, n, ir.buffer_store(A, A[i] + 1.0, [i]), UNROLLED)))
    assert "llvm.loop.unroll.full" in kernel.llvm_ir_unoptimized
    a = np.arange(5, dtype=np.float32)
    kernel(a)
    assert a.tolist() == [1, 2, 3, 4, 5]


def test_vectorized_loop_becomes_vector_code():
    kernel = scale_kernel(VECTORIZED, n=64)
    check_scale(kernel, n=64)
    text = kernel.llvm_ir_unoptimized
    assert "store <64 x float>" in text and "for.head" not in text
    assert "llvm.loop.vectorize" not in text


def test_vectorized_loop_too_wide_uses_llvm_vectorizer():
    kernel = scale_kernel(VECTORIZED, n=256)
    check_scale(kernel, n=256)
    text = kernel.llvm_ir_unoptimized
    assert "llvm.loop.vectorize.enable" in text
    assert "llvm.loop.vectorize.width" in text
    assert "x float>" in kernel.llvm_ir  # LLVM's loop vectorizer produced vector code


def test_parallel_loop_runs_on_the_pool():
    pool = get_pool()
    n = 1 << 20
    kernel = scale_kernel(PARALLEL, n=n, factor=3.0)
    assert kernel.llvm_ir_unoptimized.count('call void @"stir_parallel_for"') == 1
    threads_before = len(os.listdir("/proc/self/task"))
    launches, worker_chunks = pool.launches, pool.worker_chunks
    for _ in range(10):
        check_scale(kernel, n=n, factor=3.0)
    assert pool.workers >= 1
    assert pool.launches == launches + 10
    assert pool.worker_chunks > worker_chunks  # the workers did part of the work
    assert len(os.listdir("/proc/self/task")) == threads_before  # no thread per call


def test_parallel_loop_small_extents():
    for n in (1, 2, 3, 7):
        check_scale(scale_kernel(PARALLEL, n=n), n=n)


def test_nested_parallel_runs_inner_serially():
    n, m = 12, 33
    A = ir.decl_buffer((n, m), "int32", "A")
    i, j = ir.Var("i"), ir.Var("j")
    inner = loop(j, m, ir.buffer_store(A, i * 100 + j, [i, j]), PARALLEL)
    kernel = build(ir.PrimFunc((A,), loop(i, n, inner, PARALLEL)))
    assert kernel.llvm_ir_unoptimized.count('call void @"stir_parallel_for"') == 1
    a = np.zeros((n, m), np.int32)
    kernel(a)
    assert np.array_equal(a, np.arange(n)[:, None] * 100 + np.arange(m)[None, :])


def test_parallel_body_captures_scalars_and_allocates_locally():
    n = ir.SizeVar("n")
    A = ir.decl_buffer((n, 4), "float64", "A")
    B = ir.decl_buffer((n,), "float64", "B")
    scale = ir.Var("scale", "float64")
    i, k = ir.Var("i"), ir.Var("k")
    tmp = ir.decl_buffer((4,), "float64", "tmp", scope="local")
    fill = loop(k, 4, ir.buffer_store(tmp, A[i, k] * scale, [k]))
    total = tmp[0] + tmp[1] + tmp[2] + tmp[3]
    body = ir.Allocate(tmp, ir.seq([fill, ir.buffer_store(B, total, [i])]))
    kernel = build(ir.PrimFunc((A, B, scale), loop(i, n, body, PARALLEL)))
    assert "alloca [4 x double]" in kernel.llvm_ir_unoptimized
    for rows in (1, 5, 1000):
        a = np.random.default_rng(rows).standard_normal((rows, 4))
        b = np.zeros(rows)
        kernel(a, b, 0.5)
        np.testing.assert_allclose(b, a.sum(axis=1) * 0.5)


def test_allocate_global_on_heap_with_symbolic_size():
    n = ir.SizeVar("n")
    A = ir.decl_buffer((n,), "float32", "A")
    B = ir.decl_buffer((n,), "float32", "B")
    T = ir.decl_buffer((n,), "float32", "T")
    i = ir.Var("i")
    body = ir.Allocate(
        T,
        ir.seq(
            [
                loop(i, n, ir.buffer_store(T, A[i] + 1.0, [i])),
                loop(i, n, ir.buffer_store(B, T[n - 1 - i] * 2.0, [i])),
            ]
        ),
    )
    kernel = build(ir.PrimFunc((A, B), body))
    text = kernel.llvm_ir_unoptimized
    assert "aligned_alloc" in text and '@"free"' in text
    for size in (1, 3, 100):
        a = np.arange(size, dtype=np.float32)
        b = np.zeros(size, np.float32)
        kernel(a, b)
        assert np.array_equal(b, (a[::-1] + 1) * 2)


def test_allocate_large_constant_uses_heap_and_small_uses_stack():
    def kernel_for(size, scope):
        A = ir.decl_buffer((size,), "int32", "A")
        T = ir.decl_buffer((size,), "int32", "T", scope=scope)
        i = ir.Var("i")
        body = ir.Allocate(
            T,
            ir.seq(
                [
                    loop(i, size, ir.buffer_store(T, i * 3, [i])),
                    loop(i, size, ir.buffer_store(A, T[i] + 1, [i])),
                ]
            ),
        )
        return build(ir.PrimFunc((A,), body))

    small, large = kernel_for(16, "global"), kernel_for(1 << 16, "global")
    assert "alloca [16 x i32]" in small.llvm_ir_unoptimized
    assert "aligned_alloc" in large.llvm_ir_unoptimized
    for kernel, size in ((small, 16), (large, 1 << 16)):
        a = np.zeros(size, np.int32)
        kernel(a)
        assert np.array_equal(a, np.arange(size, dtype=np.int32) * 3 + 1)


def test_let_stmt_if_then_else_and_evaluate():
    n = 10
    A = ir.decl_buffer((n,), "int32", "A")
    B = ir.decl_buffer((n,), "int32", "B")
    i = ir.Var("i")
    t = ir.Var("t")
    branch = ir.IfThenElse(
        t > 10, ir.buffer_store(B, t, [i]), ir.buffer_store(B, op.const(0) - t, [i])
    )
    guarded = ir.IfThenElse(i == 3, ir.buffer_store(A, op.const(99), [i]))
    body = ir.seq([ir.LetStmt(t, A[i] * 3, branch), guarded, ir.Evaluate(op.const(0))])
    kernel = build(ir.PrimFunc((A, B), loop(i, n, body)))
    a = np.arange(n, dtype=np.int32)
    b = np.zeros(n, np.int32)
    expected = np.where(a * 3 > 10, a * 3, -a * 3)
    kernel(a, b)
    assert b.tolist() == expected.tolist()
    assert a[3] == 99 and a[4] == 4


def test_symbolic_shapes_several_lengths_and_expressions():
    n = ir.SizeVar("n")
    A = ir.decl_buffer((n,), "float32", "A")
    P = ir.decl_buffer((n + 2,), "float32", "P")
    i = ir.Var("i")
    # P[i + 1] = A[i]; P[0] = P[n + 1] = 0
    body = ir.seq(
        [
            loop(i, n, ir.buffer_store(P, A[i], [i + 1])),
            ir.buffer_store(P, op.const(0.0), [op.const(0)]),
            ir.buffer_store(P, op.const(0.0), [n + 1]),
        ]
    )
    kernel = build(ir.PrimFunc((A, P), body))
    for size in (0, 1, 7, 1000):
        a = np.arange(1, size + 1, dtype=np.float32)
        p = np.full(size + 2, -5, np.float32)
        kernel(a, p)
        assert p.tolist() == [0, *a.tolist(), 0]


def test_shape_var_bound_only_through_an_expression():
    n = ir.SizeVar("n")
    P = ir.decl_buffer((n * 2 + 1,), "int32", "P")
    i = ir.Var("i")
    kernel = build(ir.PrimFunc((P,), loop(i, n, ir.buffer_store(P, n, [i]))))
    p = np.zeros(9, np.int32)
    kernel(p)
    assert p.tolist() == [4, 4, 4, 4, 0, 0, 0, 0, 0]


def test_multidimensional_buffers_are_flattened_row_major():
    n, m = ir.SizeVar("n"), ir.SizeVar("m")
    A = ir.decl_buffer((n, m), "float32", "A")
    B = ir.decl_buffer((m, n), "float32", "B")
    i, j = ir.Var("i"), ir.Var("j")
    body = loop(i, n, loop(j, m, ir.buffer_store(B, A[i, j], [j, i])))
    kernel = build(ir.PrimFunc((A, B), body))
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.zeros((4, 3), np.float32)
    kernel(a, b)
    assert np.array_equal(b, a.T)


def test_bool_buffers():
    n = 6
    A = ir.decl_buffer((n,), "bool", "A")
    B = ir.decl_buffer((n,), "bool", "B")
    i = ir.Var("i")
    kernel = build(ir.PrimFunc((A, B), loop(i, n, ir.buffer_store(B, op.logical_not(A[i]), [i]))))
    a = np.array([True, False, True, True, False, False])
    b = np.zeros(n, np.bool_)
    kernel(a, b)
    assert b.tolist() == (~a).tolist()
    assert b.view(np.uint8).max() == 1  # stored as 0/1 bytes


def test_scalar_params_of_every_kind():
    A = ir.decl_buffer((3,), "float64", "A")
    x = ir.Var("x", "float16")
    k = ir.Var("k", "int64")
    flag = ir.Var("flag", "bool")
    u = ir.Var("u", "uint8")
    i = ir.Var("i")
    value = op.select(flag, op.cast("float64", x) * op.cast("float64", k), op.cast("float64", u))
    kernel = build(ir.PrimFunc((A, x, k, flag, u), loop(i, 3, ir.buffer_store(A, value, [i]))))
    a = np.zeros(3)
    kernel(a, 1.5, 4, True, 200)
    assert a.tolist() == [6.0, 6.0, 6.0]
    kernel(a, 1.5, 4, False, 200)
    assert a.tolist() == [200.0, 200.0, 200.0]


def test_parallel_kernels_called_from_several_python_threads():
    n = 50_000
    kernel = scale_kernel(PARALLEL, n=n, factor=5.0)
    errors = []

    def work(seed):
        try:
            for _ in range(5):
                a = np.random.default_rng(seed).standard_normal(n).astype(np.float32)
                b = np.zeros(n, np.float32)
                kernel(a, b)
                assert np.array_equal(b, a * np.float32(5.0))
        except AssertionError as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_pool_is_reset_in_a_forked_child():
    kernel = scale_kernel(PARALLEL, n=4096, factor=2.0)
    get_pool()
    pid = os.fork()
    if pid == 0:  # child: no workers were inherited; the loop must run serially
        try:
            a = np.arange(4096, dtype=np.float32)
            b = np.zeros_like(a)
            kernel(a, b)
            os._exit(0 if np.array_equal(b, 2 * a) and get_pool().workers == 0 else 1)
        finally:
            os._exit(2)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError("the forked child hung in a parallel loop")
