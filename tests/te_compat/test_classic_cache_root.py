"""Classic ``s.cache_write([B0, B1], scope)`` of a multi-output stage, and
``compute_root`` after ``compute_at`` (a replay of the schedule's log), checked against
numpy."""

import numpy as np
import pytest

import te_compat as tvm
from te_compat import te
from te_compat.classic import AttachError, CacheError

N, M = 20, 12
RNG = np.random.default_rng(0)


def _check(s, args, ref):
    """Build ``s`` with ``args`` (input first, outputs after) and compare with ``ref(a)``."""
    f = tvm.build(s, args, target="llvm")
    a = RNG.random((N, M)).astype("float32")
    outs = [tvm.nd.empty([int(d) for d in t.shape], "float32", tvm.cpu(0)) for t in args[1:]]
    f(tvm.nd.array(a), *outs)
    for out, expected in zip(outs, ref(a), strict=True):
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5)


def _two_outputs():
    A = te.placeholder((N, M), name="A")
    B0, B1 = te.compute((N, M), lambda i, j: (A[i, j] * 2, A[i, j] + 3), name="B")
    C = te.compute((N, M), lambda i, j: B0[i, j] * B1[i, j], name="C")
    return A, B0, B1, C, lambda a: [(a * 2) * (a + 3)]


def _chain():
    A = te.placeholder((N, M), name="A")
    B = te.compute((N, M), lambda i, j: A[i, j] * 2, name="B")
    C = te.compute((N, M), lambda i, j: B[i, j] + 1, name="C")
    return A, B, C, lambda a: [a * 2 + 1]


# --------------------------------------------------------- multi-output cache_write


def test_multi_output_cache_write_returns_one_cache_stage():
    A, B0, B1, C, ref = _two_outputs()
    s = te.create_schedule(C.op)
    caches = s.cache_write([B0, B1], "local")
    assert isinstance(caches, list) and len(caches) == 2
    assert caches[0].op is caches[1].op and s[caches[0]] is s[caches[1]]
    assert [st.op.name for st in s.stages] == ["A", "B.local", "B", "C"]
    assert s[caches[0]].scope == "local"
    assert len(s[B0].body) == 2
    _check(s, [A, C], ref)


def test_multi_output_cache_stage_at_a_split_of_the_original_stage():
    A, B0, B1, C, ref = _two_outputs()
    s = te.create_schedule(C.op)
    c0, _c1 = s.cache_write([B0, B1], "local")
    xo, _xi = s[B0].split(s[B0].op.axis[0], factor=6)  # 20 % 6 != 0: guarded tail
    s[c0].compute_at(s[B0], xo)
    ci, cj = s[c0].op.axis
    s[c0].reorder(cj, ci)
    text = str(tvm.lower(s, [A, C], simple_mode=True))
    assert "B_v0_local" in text and "B_v1_local" in text
    _check(s, [A, C], ref)


def test_multi_output_stage_as_function_outputs():
    A = te.placeholder((N, M), name="A")
    B0, B1 = te.compute((N, M), lambda i, j: (A[i, j] - 1, A[i, j] * A[i, j]), name="B")
    s = te.create_schedule(B0.op)
    c0, _ = s.cache_write([B0, B1], "local")
    xo, _ = s[B0].split(s[B0].op.axis[1], factor=4)
    s[c0].compute_at(s[B0], xo)
    _check(s, [A, B0, B1], lambda a: [a - 1, a * a])


def test_multi_output_stage_compute_at_its_consumer():
    A, B0, _B1, C, ref = _two_outputs()
    s = te.create_schedule(C.op)
    xo, _ = s[C].split(C.op.axis[0], factor=4)
    s[B0].compute_at(s[C], xo)
    _check(s, [A, C], ref)


def test_multi_output_reduction_cache_write_at_a_split():
    def fcombine(x, y):
        keep = x[1] >= y[1]
        return tvm.tir.Select(keep, x[0], y[0]), tvm.tir.Select(keep, x[1], y[1])

    def fidentity(t0, t1):
        return tvm.tir.const(-1, t0), tvm.te.min_value(t1)

    argmax = te.comm_reducer(fcombine, fidentity, name="argmax")
    idx = te.placeholder((N, M), name="idx", dtype="int32")
    val = te.placeholder((N, M), name="val", dtype="int32")
    k = te.reduce_axis((0, M), "k")
    T0, T1 = te.compute((N,), lambda i: argmax((idx[i, k], val[i, k]), axis=k), name="T")
    s = te.create_schedule(T0.op)
    c0, _ = s.cache_write([T0, T1], "local")
    xo, _ = s[T0].split(s[T0].op.axis[0], factor=8)
    s[c0].compute_at(s[T0], xo)
    f = tvm.build(s, [idx, val, T0, T1])
    values = RNG.permutation(N * M).reshape(N, M).astype("int32")
    indices = np.tile(np.arange(M, dtype="int32"), (N, 1))
    t0, t1 = (tvm.nd.empty((N,), "int32", tvm.cpu(0)) for _ in range(2))
    f(tvm.nd.array(indices), tvm.nd.array(values), t0, t1)
    np.testing.assert_array_equal(t0.numpy(), values.argmax(axis=1))
    np.testing.assert_array_equal(t1.numpy(), values.max(axis=1))


def test_multi_output_cache_write_errors():
    _A, B0, B1, C, _ = _two_outputs()
    s = te.create_schedule(C.op)
    with pytest.raises(CacheError, match="give all its outputs"):
        s.cache_write([B0], "local")
    with pytest.raises(CacheError, match="give all its outputs"):
        s.cache_write([B1, B0], "local")
    with pytest.raises(CacheError, match="give all its outputs"):
        s.cache_write(B0, "local")
    with pytest.raises(CacheError, match="give all its outputs"):
        s.cache_write([B0, C], "local")
    with pytest.raises(CacheError, match="no tensor"):
        s.cache_write([], "local")
    s[B0].split(B0.op.axis[0], factor=4)
    with pytest.raises(CacheError, match="before scheduling"):
        s.cache_write([B0, B1], "local")


# ------------------------------------------------------- compute_root after compute_at


def test_compute_root_after_compute_at_replays_the_schedule():
    A, B, C, ref = _chain()
    s = te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[0], factor=4)
    bo, bi = s[B].split(B.op.axis[1], factor=3)
    s[B].compute_at(s[C], xo)
    s[C].parallel(xo)
    s[B].unroll(bi)
    s[B].compute_root()
    assert s[B].attach_type == "root" and s[B].attach_stage is None
    # the IterVars held before the replay still name loops of the replayed schedule
    s[C].unroll(xi)
    s[B].fuse(bo, bi)
    text = s.to_prim_func().script()
    assert "T.parallel(5)" in text and "T.unroll(4)" in text
    assert text.index('T.block("B")') < text.index("T.parallel(5)")  # B at the root, first
    _check(s, [A, C], ref)


def test_compute_root_then_compute_at_elsewhere():
    A, B, C, ref = _chain()
    s = te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[0], factor=4)
    s[B].compute_at(s[C], xi)
    s[B].compute_root()
    s[B].compute_at(s[C], xo)
    assert s[B].attach_ivar is xo
    _check(s, [A, C], ref)


def test_compute_root_keeps_stages_attached_to_the_stage():
    A = te.placeholder((N, M), name="A")
    B = te.compute((N, M), lambda i, j: A[i, j] + 1, name="B")
    C = te.compute((N, M), lambda i, j: B[i, j] * 2, name="C")
    D = te.compute((N, M), lambda i, j: C[i, j] - 3, name="D")
    s = te.create_schedule(D.op)
    do, _ = s[D].split(D.op.axis[0], factor=5)
    co, _ = s[C].split(C.op.axis[0], factor=2)
    s[C].compute_at(s[D], do)
    s[B].compute_at(s[C], co)
    s[C].compute_root()
    assert s[B].attach_stage is s[C]
    _check(s, [A, D], lambda a: [(a + 1) * 2 - 3])


def test_compute_root_replays_an_inlined_stage():
    A, B, C, ref = _chain()
    D = te.compute((N, M), lambda i, j: C[i, j] * 1, name="D")
    s = te.create_schedule(D.op)
    s[B].compute_inline()
    do, _ = s[D].split(D.op.axis[0], factor=4)
    s[C].compute_at(s[D], do)
    s[C].compute_root()
    _check(s, [A, D], ref)


def test_compute_root_errors():
    A, B, C, _ = _chain()
    s = te.create_schedule(C.op)
    s[B].compute_inline()
    with pytest.raises(AttachError, match=r"'B'.*inlined"):
        s[B].compute_root()
    A, B, C, _ = _chain()
    s = te.create_schedule(C.op)
    CL = s.cache_write(C, "local")
    xo, _ = s[C].split(C.op.axis[0], factor=4)
    s[CL].compute_at(s[C], xo)
    s[B].compute_at(s[CL], s[CL].op.axis[0])
    with pytest.raises(AttachError, match=r"stage 'B' after compute_at.*cache_write"):
        s[B].compute_root()
    assert s[B].attach_type == "scope"  # nothing changed
    _check(s, [A, C], lambda a: [a * 2 + 1])
