"""Classic stage methods on S-TIR, built and checked against numpy."""

import numpy as np
import pytest

import te_compat as tvm
from te_compat import te
from te_compat.classic import (
    ScheduleArgumentError,
    StageArgumentError,
    ThreadAxisError,
    ThreadBindingOnCPUError,
    UnknownIterVarError,
    UnloweredScheduleError,
)

RNG = np.random.default_rng(0)


def _run(s, tensors, expected):
    f = tvm.build(s, tensors, target="llvm", name="f")
    arrays = [
        tvm.nd.array(RNG.random([int(d) for d in t.shape]).astype("float32")) for t in tensors[:-1]
    ]
    out = tvm.nd.empty([int(d) for d in tensors[-1].shape], "float32", tvm.cpu(0))
    f(*arrays, out)
    np.testing.assert_allclose(out.numpy(), expected(*[a.numpy() for a in arrays]), rtol=1e-4)
    return f


def _chain(n=20, m=12):
    A = te.placeholder((n, m), name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] * 2, name="B")
    C = te.compute((n, m), lambda i, j: B[i, j] + 1, name="C")
    return A, B, C, lambda a: a * 2 + 1


@pytest.mark.parametrize("how", ["factor", "nparts", "tile", "fuse", "reorder", "kinds", "pragma"])
def test_loop_methods(how):
    A, _B, C, ref = _chain()
    s = te.create_schedule(C.op)
    i, j = C.op.axis
    if how == "factor":
        s[C].split(i, factor=8)  # 20 % 8 != 0: guarded tail
    elif how == "nparts":
        s[C].split(j, nparts=5)
    elif how == "tile":
        xo, _yo, xi, _yi = s[C].tile(i, j, 4, 4)
        assert [iv.var.name for iv in s[C].leaf_iter_vars] == [
            "i.outer",
            "j.outer",
            "i.inner",
            "j.inner",
        ]
    elif how == "fuse":
        fused = s[C].fuse(i, j)
        assert fused.var.name == "i.j.fused"
        s[C].split(fused, factor=7)
    elif how == "reorder":
        s[C].reorder(j, i)
    elif how == "kinds":
        xo, xi = s[C].split(j, factor=4)
        s[C].parallel(i)
        s[C].vectorize(xi)
        s[C].unroll(xo)
    else:
        s[C].pragma(i, "auto_unroll_max_step", 16)
    _run(s, [A, C], ref)


def test_compute_at_then_split_consumer_and_producer():
    A, B, C, ref = _chain()
    s = te.create_schedule(C.op)
    xo, _xi = s[C].split(C.op.axis[0], factor=4)
    s[B].compute_at(s[C], xo)
    s[B].split(B.op.axis[1], factor=4)  # producer split after compute_at
    s[C].split(C.op.axis[1], factor=3)  # consumer split further
    _run(s, [A, C], ref)


def test_split_producer_before_compute_at_is_replayed():
    A, B, C, ref = _chain()
    s = te.create_schedule(C.op)
    bo, bi = s[B].split(B.op.axis[1], factor=4)
    xo, _ = s[C].split(C.op.axis[0], factor=5)
    s[B].compute_at(s[C], xo)
    assert s[B].leaf_iter_vars[-2:] == [bo, bi] or [v.var.name for v in s[B].leaf_iter_vars]
    _run(s, [A, C], ref)


def test_compute_inline_and_fused_loop_feeding_compute_at():
    A, B, C, ref = _chain(16, 16)
    D = te.compute((16, 16), lambda i, j: C[i, j] - 3, name="D")
    s = te.create_schedule(D.op)
    s[B].compute_inline()
    fused = s[D].fuse(*D.op.axis)
    fo, _ = s[D].split(fused, factor=32)
    s[C].compute_at(s[D], fo)
    _run(s, [A, D], lambda a: ref(a) - 3)


def test_tiled_matmul_with_cache_write_and_compute_at():
    n, bn = 64, 16
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda x, y: te.sum(A[x, k] * B[k, y], axis=k), name="C")
    s = te.create_schedule(C.op)
    CC = s.cache_write(C, "local")
    xo, yo, _xi, _yi = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
    s[CC].compute_at(s[C], yo)
    xc, yc = s[CC].op.axis
    (kc,) = s[CC].op.reduce_axis
    ko, ki = s[CC].split(kc, factor=4)
    s[CC].reorder(ko, xc, ki, yc)
    s[CC].unroll(ki)
    s[CC].vectorize(yc)
    s[C].parallel(xo)
    assert "C_local" in str(tvm.lower(s, [A, B, C], simple_mode=True))
    f = _run(s, [A, B, C], lambda a, b: a @ b)
    a = tvm.nd.array(np.ones((n, n), "float32"))
    timer = f.time_evaluator(f.entry_name, tvm.cpu(0), number=2)
    assert timer(a, a, tvm.nd.empty((n, n), "float32")).mean > 0


def test_cache_read_shared_copy():
    A, B, C, ref = _chain(16, 16)
    s = te.create_schedule(C.op)
    AA = s.cache_read(A, "local", [B])
    assert AA.op.name == "A.local"
    xo, _ = s[B].split(B.op.axis[0], factor=4)
    s[AA].compute_at(s[B], xo)
    _run(s, [A, C], ref)


def test_conv2d_padded_input_at_output_tile():
    ci, h, co = 3, 16, 4
    A = te.placeholder((ci, h, h), name="A")
    W = te.placeholder((co, ci, 3, 3), name="W")
    P = te.compute(
        (ci, h + 2, h + 2),
        lambda c, y, x: tvm.tir.if_then_else(
            tvm.tir.all(y >= 1, y <= h, x >= 1, x <= h), A[c, y - 1, x - 1], 0.0
        ),
        name="P",
    )
    rc, ry, rx = (te.reduce_axis((0, e), name=nm) for e, nm in ((ci, "rc"), (3, "ry"), (3, "rx")))
    Out = te.compute(
        (co, h, h),
        lambda f, y, x: te.sum(P[rc, y + ry, x + rx] * W[f, rc, ry, rx], axis=[rc, ry, rx]),
        name="Out",
    )
    s = te.create_schedule(Out.op)
    _f, y, x = Out.op.axis
    _yo, xo, _, _ = s[Out].tile(y, x, 4, 4)
    s[P].compute_at(s[Out], xo)
    bounds = tvm.te.schedule.InferBound(s)
    assert bounds[P.op.axis[1]].extent.value == 6

    def ref(a, w):
        p = np.pad(a, ((0, 0), (1, 1), (1, 1)))
        out = np.zeros((co, h, h), "float32")
        for dy in range(3):
            for dx in range(3):
                out += np.einsum("chw,fc->fhw", p[:, dy : dy + h, dx : dx + h], w[:, :, dy, dx])
        return out

    _run(s, [A, W, Out], ref)


def test_storage_align_set_scope_double_buffer_accepted():
    A, B, C, ref = _chain(16, 16)
    s = te.create_schedule(C.op)
    s[B].set_scope("global")
    s[B].storage_align(B.op.axis[0], 16, 1)
    s[B].double_buffer()
    _run(s, [A, C], ref)


def test_bind_is_printed_but_not_built_for_cpu():
    A, _B, C, _ = _chain(64, 4)
    s = te.create_schedule(C.op)
    bx, tx = s[C].split(C.op.axis[0], factor=32)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    assert "threadIdx.x" in str(tvm.lower(s, [A, C]))
    with pytest.raises(ThreadBindingOnCPUError, match=r"i\.outer"):
        tvm.build(s, [A, C], target="llvm")


def test_errors():
    A, B, C, _ = _chain()
    s = te.create_schedule(C.op)
    i, j = C.op.axis
    with pytest.raises(StageArgumentError):
        s[C].split(i, factor=2, nparts=2)
    with pytest.raises(UnknownIterVarError):
        s[C].split(B.op.axis[0], factor=2)
    xo, _xi = s[C].split(i, factor=4)
    with pytest.raises(StageArgumentError, match="consecutive"):
        s[C].fuse(xo, j)
    with pytest.raises(ThreadAxisError):
        te.thread_axis("threadIdx.w")
    with pytest.raises(ScheduleArgumentError):
        tvm.lower(s, [A, B, C])
    with pytest.raises(ScheduleArgumentError):
        te.create_schedule(A.op)


def test_unlowerable_attach_is_kept_for_bounds_but_refused_by_lower():
    m, ln, sv = te.var("m"), te.var("l"), te.var("s")
    A = te.placeholder((m, ln), name="A")
    B = te.compute((m, ln), lambda i, j: A[i, j], name="B")
    C = te.compute((m, ln), lambda i, j: B[i, j] + 3, name="C")
    s = te.create_schedule(C.op)
    xo, _ = s[C].split(s[C].fuse(*C.op.axis), sv)
    s[B].compute_at(s[C], xo)
    if s.failures:
        with pytest.raises(UnloweredScheduleError):
            tvm.lower(s, [A, C])
    assert B.op.axis[0] in tvm.classic_infer_bound(s)
