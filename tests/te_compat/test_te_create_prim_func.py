"""``te.create_prim_func``: the S-TIR built from TE graphs (structure, regions, errors)."""

import textwrap

import pytest

from stir_core.analysis import verify
from stir_core.ir import (
    Block,
    BlockRealize,
    For,
    IfThenElse,
    IterType,
    LetStmt,
    PrimFunc,
    SeqStmt,
    Var,
    post_order_visit,
)
from te_compat import te, tir


def blocks_of(func: PrimFunc) -> list[Block]:
    found: list[Block] = []
    post_order_visit(func.body, lambda n: found.append(n) if isinstance(n, Block) else None)
    return [b for b in found if b.name_hint != "root"]


def region_text(regions) -> list[str]:
    return [r.script() for r in regions]


def matmul(n=32, m=16, red=64):
    A = te.placeholder((n, red), name="A")
    B = te.placeholder((red, m), name="B")
    k = te.reduce_axis((0, red), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    return A, B, C


def test_matmul_prints_as_tvmscript():
    func = te.create_prim_func(list(matmul()))
    verify(func)
    expected = textwrap.dedent(
        """\
        for i, j, k in T.grid(32, 16, 64):
            with T.block("C"):
                v_i, v_j, v_k = T.axis.remap("SSR", [i, j, k])
                T.reads(A[v_i, v_k], B[v_k, v_j])
                T.writes(C[v_i, v_j])
                with T.init():
                    C[v_i, v_j] = T.float32(0.0)
                C[v_i, v_j] = C[v_i, v_j] + A[v_i, v_k] * B[v_k, v_j]
        """
    )
    body = func.script().split('# with T.block("root"):\n')[1]
    assert textwrap.dedent(body).strip() == expected.strip()


def test_params_attrs_and_root_block():
    A, B, C = matmul()
    func = te.create_prim_func([A, B, C])
    assert func.params == (A.buffer, B.buffer, C.buffer)
    assert dict(func.attrs) == {"global_symbol": "main", "tir.noalias": True}
    assert isinstance(func.body, BlockRealize)
    root = func.body.block
    assert root.name_hint == "root" and root.iter_vars == () and root.alloc_buffers == ()


def test_loops_then_block_with_plain_bindings():
    func = te.create_prim_func(list(matmul()))
    loops = []
    node = func.body.block.body
    while isinstance(node, For):
        loops.append(node)
        node = node.body
    assert [lp.loop_var.name for lp in loops] == ["i", "j", "k"]
    assert [lp.extent.value for lp in loops] == [32, 16, 64]
    assert isinstance(node, BlockRealize)
    assert all(v is lp.loop_var for v, lp in zip(node.iter_values, loops, strict=True))
    block = node.block
    assert [iv.iter_type for iv in block.iter_vars] == [
        IterType.DATA_PAR,
        IterType.DATA_PAR,
        IterType.COMM_REDUCE,
    ]
    assert [iv.var.name for iv in block.iter_vars] == ["v_i", "v_j", "v_k"]


def test_intermediates_are_root_allocations_in_stage_order():
    X = te.placeholder((4, 8), name="X")
    k = te.reduce_axis((0, 8), name="k")
    mx = te.compute((4,), lambda i: te.max(X[i, k], axis=k), name="mx")
    ex = te.compute((4, 8), lambda i, j: te.exp(X[i, j] - mx[i]), name="ex")
    out = te.compute((4, 8), lambda i, j: ex[i, j] * 2.0, name="out")
    func = te.create_prim_func([X, out])
    verify(func)
    assert func.body.block.alloc_buffers == (mx.buffer, ex.buffer)
    assert [b.name_hint for b in blocks_of(func)] == ["mx", "ex", "out"]


def test_read_region_is_hull_with_iter_vars_fixed():
    A = te.placeholder((10,), name="A")
    B = te.compute((8,), lambda i: A[i] + A[i + 2] + A[i + 1], name="B")
    (block,) = blocks_of(te.create_prim_func([A, B]))
    assert region_text(block.reads) == ["A[v_i:v_i + 3]"]
    assert region_text(block.writes) == ["B[v_i]"]


def test_padding_stage_reads_shifted_point():
    data = te.placeholder((2, 5), name="data")
    padded = te.compute(
        (2, 7),
        lambda c, x: tir.if_then_else(
            tir.all(x >= 1, x < 6), data[c, x - 1], tir.const(0.0, "float32")
        ),
        name="pad",
    )
    (block,) = blocks_of(te.create_prim_func([data, padded]))
    assert region_text(block.reads) == ["data[v_c, v_x - 1]"]


def test_where_guards_the_update_only():
    A = te.placeholder((4, 6), name="A")
    k = te.reduce_axis((0, 6), name="k")
    S = te.compute((4,), lambda i: te.sum(A[i, k], axis=k, where=k < 3), name="S")
    (block,) = blocks_of(te.create_prim_func([A, S]))
    assert isinstance(block.body, IfThenElse)
    assert block.body.condition.script() == "v_k < 3"
    assert block.init.script() == "S[v_i] = T.float32(0.0)"


def test_reduction_axis_with_nonzero_min():
    A = te.placeholder((10,), name="A")
    k = te.reduce_axis((2, 7), name="k")
    S = te.compute((1,), lambda i: te.sum(A[k], axis=k), name="S")
    func = te.create_prim_func([A, S])
    verify(func)
    inner = func.body.block.body.body
    assert isinstance(inner, For)
    assert inner.min.value == 2 and inner.extent.value == 5
    (block,) = blocks_of(func)
    assert block.iter_vars[1].dom.min.value == 2


def test_multi_output_compute_is_one_block_writing_both():
    A = te.placeholder((5,), name="A")
    X, Y = te.compute((5,), lambda i: (A[i] + 1.0, A[i] * 2.0), name="XY")
    func = te.create_prim_func([A, X, Y])
    verify(func)
    (block,) = blocks_of(func)
    assert block.name_hint == "XY"
    assert [r.buffer for r in block.writes] == [X.buffer, Y.buffer]
    assert isinstance(block.body, SeqStmt) and len(block.body.seq) == 2


def argmax_reducer():
    def fcombine(x, y):
        lhs = tir.Select((x[1] >= y[1]), x[0], y[0])
        rhs = tir.Select((x[1] >= y[1]), x[1], y[1])
        return lhs, rhs

    def fidentity(t0, t1):
        return tir.const(-1, t0), te.min_value(t1)

    return te.comm_reducer(fcombine, fidentity, name="argmax")


def test_tuple_reducer_combines_into_lets_before_storing():
    argmax = argmax_reducer()
    n, m = te.var("n"), te.var("m")
    idx = te.placeholder((n, m), name="idx", dtype="int32")
    val = te.placeholder((n, m), name="val", dtype="int32")
    k = te.reduce_axis((0, m), "k")
    T0, T1 = te.compute((n,), lambda i: argmax((idx[i, k], val[i, k]), axis=k), name="T")
    func = te.create_prim_func([idx, val, T0, T1])
    verify(func)
    (block,) = blocks_of(func)
    assert [r.buffer for r in block.writes] == [T0.buffer, T1.buffer]
    assert isinstance(block.body, LetStmt) and isinstance(block.body.body, LetStmt)
    assert block.init.script().splitlines() == ["T_v0[v_i] = -1", "T_v1[v_i] = -2147483648"]


def test_symbolic_shape_stays_symbolic():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0, name="B")
    func = te.create_prim_func([A, B])
    loop = func.body.block.body
    assert loop.extent is n
    assert func.params == (A.buffer, B.buffer)


def test_scalar_var_parameter():
    alpha = te.var("alpha", "float32")
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i] * alpha, name="B")
    func = te.create_prim_func([A, alpha, B])
    assert func.params[1] is alpha
    assert isinstance(func.params[1], Var)


def test_duplicate_stage_names_get_unique_block_names():
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i] + 1.0)
    C = te.compute((4,), lambda i: B[i] * 2.0)
    func = te.create_prim_func([A, C])
    assert [b.name_hint for b in blocks_of(func)] == ["compute", "compute_1"]


def test_shared_reduce_axis_gets_fresh_block_vars():
    A = te.placeholder((4, 4), name="A")
    k = te.reduce_axis((0, 4), name="k")
    S1 = te.compute((4,), lambda i: te.sum(A[i, k], axis=k), name="S1")
    S2 = te.compute((4,), lambda i: te.sum(A[k, i], axis=k), name="S2")
    func = te.create_prim_func([A, S1, S2])
    verify(func)
    b1, b2 = blocks_of(func)
    assert b1.iter_vars[1].var is not b2.iter_vars[1].var


def test_compute_attrs_become_block_annotations():
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i], name="B", attrs={"note": 1})
    (block,) = blocks_of(te.create_prim_func([A, B]))
    assert dict(block.annotations) == {"note": 1}


def test_missing_placeholder_is_an_error():
    A, _, C = matmul()
    with pytest.raises(te.CreatePrimFuncError, match="placeholder 'B'"):
        te.create_prim_func([A, C])


def test_bad_argument_is_an_error():
    A, _, C = matmul()
    with pytest.raises(te.CreatePrimFuncError, match="tensors or tir Vars"):
        te.create_prim_func([A, "B", C])
    with pytest.raises(te.CreatePrimFuncError, match="given twice"):
        te.create_prim_func([A, A, C])


def test_only_placeholders_is_an_error():
    A = te.placeholder((4,), name="A")
    with pytest.raises(te.CreatePrimFuncError, match="no compute stage"):
        te.create_prim_func([A])
