"""The classic-InferBound model against the numbers old TVM's own tests fixed
(tests/python/unittest/test_te_schedule_bound_inference.py)."""

import te_compat as tvm
from stir_core.ir import structural_equal
from te_compat import te


def _extent(bounds, iv):
    return tvm.arith.Analyzer().simplify(bounds[iv].extent)


def _chain(shape):
    A = te.placeholder(shape, name="A")
    A1 = te.compute(shape, lambda i, j: A[i, j], name="A1")
    A2 = te.compute(shape, lambda i, j: A1[i, j] + 3, name="A2")
    return A, A1, A2


def test_bound1_split_compute_at():
    _, A1, A2 = _chain((te.var("m"), te.var("l")))
    s = te.create_schedule([A2.op])
    xo, _ = s[A2].split(s[A2].op.axis[0], 8)
    s[A1].compute_at(s[A2], xo)
    bounds = tvm.classic_infer_bound(s)
    assert _extent(bounds, A1.op.axis[0]).value == 8


def test_bound2_tile_compute_at():
    _, A1, A2 = _chain((te.var("m"), te.var("l")))
    s = te.create_schedule(A2.op)
    _, yo, _, _ = s[A2].tile(A2.op.axis[0], A2.op.axis[1], 8, 8)
    s = s.normalize()
    s[A1].compute_at(s[A2], yo)
    bounds = tvm.classic_infer_bound(s)
    assert _extent(bounds, A1.op.axis[0]).value == 8
    assert _extent(bounds, A1.op.axis[1]).value == 8


def test_bound3_shared_scope_relaxes_threads():
    _, A1, A2 = _chain((te.var("m"), te.var("l")))
    s = te.create_schedule(A2.op)
    s[A1].set_scope("shared")
    xo, xi = s[A2].split(A2.op.axis[0], 32)
    xi0, xi1 = s[A2].split(xi, nparts=16)
    s[A2].bind(xi0, te.thread_axis("threadIdx.x"))
    yo, yi = s[A2].split(A2.op.axis[1], 16)
    s[A2].reorder(xo, xi0, yo, xi1, yi)
    s[A1].compute_at(s[A2], yo)
    bounds = tvm.classic_infer_bound(s)
    assert _extent(bounds, A1.op.axis[0]).value == 32
    assert _extent(bounds, A1.op.axis[1]).value == 16


def _ef(**split):
    inp = te.placeholder((8,), name="I")
    EF = te.compute((8,), lambda i: inp[i] * 2, name="EF")
    E = te.compute((8,), lambda i: EF[i] * 2, name="E")
    s = te.create_schedule([E.op])
    xo, xi = s[E].split(s[E].op.axis[0], **split)
    s[EF].compute_at(s[E], xo)
    return s, xo, xi


def test_bound_split_ext_less_than_factor():
    s, _, xi = _ef(factor=32)
    assert _extent(tvm.classic_infer_bound(s), xi).value == 8


def test_bound_split_ext_less_than_nparts():
    s, xo, _ = _ef(nparts=32)
    assert _extent(tvm.classic_infer_bound(s), xo).value == 8


def test_bound_split_divisible():
    m, ln = te.var("m"), te.var("l")
    A = te.placeholder((8 * m, ln), name="A")
    B = te.compute((8 * m, ln), lambda i, j: A[i, j], name="B")
    s = te.create_schedule(B.op)
    xo, xi = s[B].split(B.op.axis[0], 8)
    bounds = tvm.classic_infer_bound(s)
    assert structural_equal(_extent(bounds, xo), m)
    assert _extent(bounds, xi).value == 8


def test_bound_tile_divisible():
    m, ln = te.var("m"), te.var("l")
    shape = (8 * m, 32 * ln)
    A = te.placeholder(shape, name="A")
    B = te.compute(shape, lambda i, j: A[i, j], name="B")
    s = te.create_schedule(B.op)
    xo, yo, xi, yi = s[B].tile(B.op.axis[0], B.op.axis[1], 8, 32)
    bounds = tvm.classic_infer_bound(s)
    assert structural_equal(_extent(bounds, xo), m)
    assert structural_equal(_extent(bounds, yo), ln)
    assert _extent(bounds, xi).value == 8
    assert _extent(bounds, yi).value == 32


def test_bound_fusesplit1_symbolic():
    m, ln, split1 = te.var("m"), te.var("l"), te.var("s")
    _, A1, A2 = _chain((m, ln))
    s = te.create_schedule(A2.op)
    fused = s[A2].fuse(A2.op.axis[0], A2.op.axis[1])
    xo, _ = s[A2].split(fused, split1)
    s[A1].compute_at(s[A2], xo)
    bounds = tvm.classic_infer_bound(s)
    idxdiv = tvm.tir.indexdiv
    expected = idxdiv((xo.var + 1) * split1 - 1, ln) - idxdiv(xo.var * split1, ln) + 1
    ana = tvm.arith.Analyzer()
    for i in range(1, 6):
        for j in range(1, 6):
            for k in range(1, 6):
                vmap = {split1: i, ln: j, xo.var: k}
                got = tvm.tir.stmt_functor.substitute(bounds[A1.op.axis[0]].extent, vmap)
                want = tvm.tir.stmt_functor.substitute(expected, vmap)
                assert ana.simplify(got).value == ana.simplify(want).value
                got_min = tvm.tir.stmt_functor.substitute(bounds[A1.op.axis[0]].min, vmap)
                assert ana.simplify(got_min).value == (k * i) // j
    assert structural_equal(_extent(bounds, A1.op.axis[1]), ln)


def test_bound_fusesplit2_constant():
    _, A1, A2 = _chain((te.var("m"), 6))
    s = te.create_schedule(A2.op)
    fused = s[A2].fuse(A2.op.axis[0], A2.op.axis[1])
    xo, _ = s[A2].split(fused, 3)
    s[A1].compute_at(s[A2], xo)
    bounds = tvm.classic_infer_bound(s)
    ana = tvm.arith.Analyzer()

    def at5(expr):
        return ana.simplify(tvm.tir.stmt_functor.substitute(expr, {xo.var: 5})).value

    assert at5(bounds[A1.op.axis[0]].min) == 2
    assert at5(bounds[A1.op.axis[1]].min) == 3
    assert at5(bounds[A1.op.axis[0]].extent) == 1
    assert at5(bounds[A1.op.axis[1]].extent) == 3


def test_bound_warp():
    _, A1, A2 = _chain((te.var("m"), te.var("l")))
    s = te.create_schedule(A2.op)
    s[A1].set_scope("warp")
    _xo, xi = s[A2].split(A2.op.axis[0], 32)
    xi0, xi1 = s[A2].split(xi, factor=16)
    tx = te.thread_axis("threadIdx.x")
    s[A2].bind(xi1, tx)
    s[A2].bind(xi0, te.thread_axis("threadIdx.y"))
    s[A1].compute_at(s[A2], s[A2].op.axis[1])
    _, a1i = s[A1].split(s[A1].op.axis[0], factor=16)
    s[A1].bind(a1i, tx)
    assert _extent(tvm.classic_infer_bound(s), A1.op.axis[0]).value == 16


def test_bound_conv1d():
    n = te.var("n")
    A = te.compute((n + 2,), lambda i: 1, name="A")
    B = te.compute((n,), lambda ii: A[ii] + A[ii + 1] + A[ii + 2], name="B")
    s = te.create_schedule(B.op)
    s[A].compute_at(s[B], B.op.axis[0])
    assert _extent(tvm.classic_infer_bound(s), A.op.axis[0]).value == 3


def test_bound_blur():
    A = te.compute((12, 12), lambda i, j: 1, name="A")

    def blur(ii, jj):
        i, j = ii + 1, jj + 1
        return A[i][j] + A[i - 1][j] + A[i + 1][j] + A[i][j + 1] + A[i][j - 1]

    B = te.compute((10, 10), blur, name="B")
    s = te.create_schedule(B.op)
    s[A].compute_at(s[B], B.op.axis[1])
    bounds = tvm.classic_infer_bound(s)
    assert _extent(bounds, A.op.axis[0]).value == 3
    assert _extent(bounds, A.op.axis[1]).value == 3


def test_bound_nest_thread():
    m = te.var("m")
    A = te.placeholder((m,), name="A")
    A1 = te.compute((m,), lambda i: A[i], name="A1")
    A2 = te.compute((m,), lambda i: A1[i] + 2, name="A2")
    A3 = te.compute((m,), lambda i: A2[i] + 3, name="A3")
    s = te.create_schedule(A3.op)
    s[A2].set_scope("shared")
    s[A1].set_scope("local")
    thread_x = te.thread_axis("threadIdx.x")
    bx, tx = s[A3].split(A3.op.axis[0], factor=32)
    s[A3].bind(bx, te.thread_axis("blockIdx.x"))
    s[A3].bind(tx, thread_x)
    s[A2].compute_at(s[A3], tx)
    _, xi = s[A2].split(A2.op.axis[0], nparts=1)
    s[A2].bind(xi, thread_x)
    s[A1].compute_at(s[A3], tx)
    bounds = tvm.classic_infer_bound(s)
    assert _extent(bounds, A1.op.axis[0]).value == 1
    assert _extent(bounds, A2.op.axis[0]).value == 32
    assert structural_equal(_extent(bounds, A3.op.axis[0]), m)


def test_gemm_bound():
    n = 1024
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda ii, jj: te.sum(A[ii, k] * B[jj, k], axis=k), name="CC")
    s = te.create_schedule(C.op)
    num_thread, block_factor = 8, 64
    thread_x, thread_y = te.thread_axis("threadIdx.x"), te.thread_axis("threadIdx.y")
    CC = s.cache_write(C, "local")
    AA = s.cache_read(A, "shared", [CC])
    BB = s.cache_read(B, "shared", [CC])
    by, yi = s[C].split(C.op.axis[0], factor=block_factor)
    bx, xi = s[C].split(C.op.axis[1], factor=block_factor)
    s[C].reorder(by, bx, yi, xi)
    s[C].bind(by, te.thread_axis("blockIdx.y"))
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    ty, yi = s[C].split(yi, nparts=num_thread)
    tx, xi = s[C].split(xi, nparts=num_thread)
    s[C].reorder(ty, tx, yi, xi)
    s[C].bind(ty, thread_y)
    s[C].bind(tx, thread_x)
    yo, xo = CC.op.axis
    kc = CC.op.reduce_axis[0]
    s[CC].reorder(kc, yo, xo)
    s[CC].compute_at(s[C], tx)
    s[AA].compute_at(s[CC], kc)
    s[BB].compute_at(s[CC], kc)
    for cached in (AA, BB):
        ty, xi = s[cached].split(s[cached].op.axis[0], nparts=num_thread)
        tx, xi = s[cached].split(xi, nparts=num_thread)
        s[cached].bind(ty, thread_y)
        s[cached].bind(tx, thread_x)
    bounds = tvm.classic_infer_bound(s)
    assert _extent(bounds, BB.op.axis[0]).value == 64
    assert _extent(bounds, AA.op.axis[0]).value == 64
    assert _extent(bounds, CC.op.axis[0]).value == 8
    assert _extent(bounds, CC.op.axis[1]).value == 8
