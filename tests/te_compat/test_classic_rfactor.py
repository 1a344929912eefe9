"""``s.rfactor``, ``cache_write`` of a list, and the bound numbers of TVM's rfactor test."""

import numpy as np
import pytest

import te_compat as tvm
from te_compat import te
from te_compat.classic.cache import CacheError
from te_compat.classic.rfactor import RFactorError
from te_compat.classic.schedule import UnloweredScheduleError

RNG = np.random.default_rng(1)


def _row_sum(n=40, m=64):
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), "k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    return A, B


def _check(s, A, B, expected):
    f = tvm.build(s, [A, B], target="llvm", name="f")
    a = RNG.random([int(d) for d in A.shape]).astype("float32")
    b = tvm.nd.empty([int(d) for d in B.shape], "float32")
    f(tvm.nd.array(a), b)
    np.testing.assert_allclose(b.numpy(), expected(a), rtol=1e-4)


def test_rfactor_returns_tvm_stages_and_loop_order():
    A, B = _row_sum()
    s = te.create_schedule(B.op)
    _ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    BF = s.rfactor(B, ki)
    assert BF.op.name == "B.rf" and [int(d) for d in BF.shape] == [16, 40]
    assert [iv.var.name for iv in BF.op.axis] == ["k.inner", "i"]
    assert [iv.var.name for iv in BF.op.reduce_axis] == ["k.outer"]
    assert s[B].op.name == "B.repl"
    assert [iv.var.name for iv in s[B].op.reduce_axis] == ["k.inner.v"]
    assert [st.op.name for st in s.stages] == ["A", "B.rf", "B.repl"]
    text = str(tvm.lower(s, [A, B], simple_mode=True))
    assert "B_rf" in text
    loops = s.sch.get_loops(s[BF].block)
    assert [s.sch.get(lp).extent.value for lp in loops] == [16, 40, 4]  # TVM's order
    _check(s, A, B, lambda a: a.sum(1))


@pytest.mark.parametrize("factor_axis", [1, -1])
def test_rfactor_factor_axis_last_then_schedule_both(factor_axis):
    A, B = _row_sum()
    s = te.create_schedule(B.op)
    ko, _ki = s[B].split(B.op.reduce_axis[0], nparts=4)
    BF = s.rfactor(B, ko, factor_axis=factor_axis)
    assert [int(d) for d in BF.shape] == [40, 4]
    i, kf = BF.op.axis
    s[BF].parallel(i)
    s[BF].unroll(kf)
    xo, _xi = s[B].split(s[B].op.axis[0], factor=8)
    s[B].parallel(xo)
    _check(s, A, B, lambda a: a.sum(1))
    bounds = tvm.te.schedule.InferBound(s)
    assert bounds[BF.op.axis[1]].extent.value == 4


def test_reduction_tutorial_compute_at_reduce_axis_bounds():
    A, B = _row_sum(96, 128)
    s = te.create_schedule(B.op)
    _ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    BF = s.rfactor(B, ki)
    xo, _xi = s[B].split(s[B].op.axis[0], factor=32)
    s[B].parallel(xo)
    s[BF].compute_at(s[B], s[B].op.reduce_axis[0])
    classic, exact = tvm.classic_infer_bound(s), tvm.te.schedule.InferBound(s)
    for bounds in (classic, exact):
        assert [bounds[iv].extent.value for iv in BF.op.axis] == [1, 1]
        assert bounds[BF.op.reduce_axis[0]].extent.value == 8
    _check(s, A, B, lambda a: a.sum(1))


def test_bound_rfactor_numbers_of_tvm():
    """TVM's test_bound_rfactor: where= makes S-TIR refuse rfactor (its reducer pattern),
    the classic view is kept, the model gives TVM's numbers and lower reports the refusal."""
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    k = te.reduce_axis((0, n), name="k")
    B = te.compute((1,), lambda i: te.sum(A[k], axis=k, where=(i > 1)), name="B")
    s = te.create_schedule(B.op)
    kf, _ki = s[B].split(k, nparts=4)
    BF = s.rfactor(B, kf)
    s[BF].compute_at(s[B], s[B].op.reduce_axis[0])
    s = s.normalize()
    bounds = tvm.classic_infer_bound(s)
    assert bounds[BF.op.axis[0]].extent.value == 1
    assert bounds[BF.op.axis[1]].extent.value == 1
    with pytest.raises(UnloweredScheduleError, match="rfactor"):
        tvm.lower(s, [A, B])


def test_rfactor_errors():
    A, B = _row_sum()
    s = te.create_schedule(B.op)
    with pytest.raises(RFactorError, match="not a reduction axis"):
        s.rfactor(B, B.op.axis[0])
    _ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    with pytest.raises(RFactorError, match="not a leaf"):
        s.rfactor(B, B.op.reduce_axis[0])
    with pytest.raises(RFactorError, match="factor_axis"):
        s.rfactor(B, ki, factor_axis=3)
    s[B].split(B.op.axis[0], factor=8)
    with pytest.raises(RFactorError, match="data-parallel"):
        s.rfactor(B, ki)
    s2 = te.create_schedule(B.op)
    s2[B].parallel(B.op.axis[0])
    with pytest.raises(RFactorError, match="before parallel"):
        s2.rfactor(B, B.op.reduce_axis[0])
    C = te.compute((40, 64), lambda i, j: A[i, j] * 2, name="C")
    s3 = te.create_schedule(C.op)
    with pytest.raises(RFactorError, match="not a reduction"):
        s3.rfactor(C, C.op.axis[1])


def test_cache_write_list_returns_list_and_part_of_the_outputs_refused():
    A, B = _row_sum()
    s = te.create_schedule(B.op)
    (BL,) = s.cache_write([B], "local")
    assert BL.op.name == "B.local"
    s[BL].compute_at(s[B], s[B].op.axis[0])
    _check(s, A, B, lambda a: a.sum(1))
    T0, T1 = te.compute((8,), lambda i: (A[i, 0] + 1, A[i, 1] * 2), name="T")
    s2 = te.create_schedule(T0.op)
    with pytest.raises(CacheError, match="give all its outputs"):
        s2.cache_write([T1], "local")


# ------------------------------------------------------ stir_core bugs (failing on purpose)


def test_stir_compute_at_keeps_split_guard_of_rfactor_block():
    """FAILS until stir_core compute_at keeps the realize predicate of the moved block:
    compute_at of the rfactor block (k split 70 = 5 x 16 with guard k_0 * 16 + k_1 < 70)
    regenerates the predicate from the iter var domains only and drops the guard, so the
    block reads A[i, 70..79] (out of bounds / the next row)."""
    A, B = _row_sum(40, 70)
    s = te.create_schedule(B.op)
    _ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    BF = s.rfactor(B, ki)
    s[BF].compute_at(s[B], s[B].op.reduce_axis[0])
    f = tvm.build(s, [A, B], target="llvm")
    a = RNG.random((40, 70)).astype("float32")
    b = np.zeros(40, "float32")
    f(a, b)
    assert np.allclose(b, a.sum(1), rtol=1e-4), (
        "stir_core bug: compute_at dropped the split guard of block B_rf (wrong sums)"
    )


def test_stir_compute_at_keeps_symbolic_extent():
    """FAILS until stir_core compute_at keeps a loop-invariant symbolic extent: the reduce
    loop of B_rf (extent (m + 15) // 16) becomes a loop of 2147483647 iterations guarded by
    a predicate (the const upper bound of the extent), which never finishes."""
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), "k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    _ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    BF = s.rfactor(B, ki)
    s[BF].compute_at(s[B], s[B].op.reduce_axis[0])
    extents = [s.sch.get(lp).extent for lp in s.sch.get_loops(s[BF].block)]
    assert not any(getattr(e, "value", 0) == 2**31 - 1 for e in extents), (
        "stir_core bug: compute_at replaced the symbolic extent (m + 15) // 16 by INT32_MAX"
    )
