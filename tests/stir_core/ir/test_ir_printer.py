"""The TVMScript-style printer: golden text for whole functions, expressions, and marks."""

from __future__ import annotations

import textwrap

import pytest

from stir_core.ir import (
    Block,
    BlockRealize,
    Broadcast,
    BufferRegion,
    Call,
    Evaluate,
    For,
    ForKind,
    IfThenElse,
    IRModule,
    IterType,
    IterVar,
    Let,
    LetStmt,
    Ramp,
    Range,
    Select,
    SizeVar,
    StringImm,
    Var,
    buffer_store,
    decl_buffer,
    op,
    realize,
    to_text,
)


def golden(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


HEADER = "# from tvm.script import tir as T\n\n@T.prim_func\n"
ATTRS = '    T.func_attr({"global_symbol": "main", "tir.noalias": True})\n'


def test_elementwise(ir):
    expected = HEADER + golden(
        """
        def main(A: T.Buffer((128, 128), "float32"), B: T.Buffer((128, 128), "float32")):
            T.func_attr({"global_symbol": "main", "tir.noalias": True})
            # with T.block("root"):
            for i, j in T.grid(128, 128):
                with T.block("B"):
                    v_i, v_j = T.axis.remap("SS", [i, j])
                    T.reads(A[v_i, v_j])
                    T.writes(B[v_i, v_j])
                    B[v_i, v_j] = A[v_i, v_j] * T.float32(2.0)
        """
    )
    assert to_text(ir.elementwise()) == expected


def test_matmul_with_init(ir):
    expected = HEADER + golden(
        """
        def main(A: T.Buffer((128, 128), "float32"), B: T.Buffer((128, 128), "float32"), C: T.Buffer((128, 128), "float32")):
            T.func_attr({"global_symbol": "main", "tir.noalias": True})
            # with T.block("root"):
            D = T.alloc_buffer((128, 128))
            for i, j, k in T.grid(128, 128, 128):
                with T.block("C"):
                    v_i, v_j, v_k = T.axis.remap("SSR", [i, j, k])
                    T.reads(A[v_i, v_k], B[v_k, v_j])
                    T.writes(C[v_i, v_j])
                    with T.init():
                        C[v_i, v_j] = T.float32(0.0)
                    C[v_i, v_j] = C[v_i, v_j] + A[v_i, v_k] * B[v_k, v_j]
        """  # noqa: E501
    )
    func = ir.matmul()
    assert to_text(func) == expected
    assert str(func) == repr(func) == func.script() == expected


def test_split_loop_with_axis_spatial_and_where(ir):
    expected = HEADER + golden(
        """
        def main(A: T.Buffer((126,), "float32"), B: T.Buffer((126,), "float32")):
            T.func_attr({"global_symbol": "main", "tir.noalias": True})
            # with T.block("root"):
            for i_0, i_1 in T.grid(32, 4):
                with T.block("B"):
                    v_i = T.axis.spatial(126, i_0 * 4 + i_1)
                    T.where(i_0 * 4 + i_1 < 126)
                    T.reads(A[v_i])
                    T.writes(B[v_i])
                    B[v_i] = A[v_i] + T.float32(1.0)
        """
    )
    assert to_text(ir.split()) == expected


def test_symbolic_shape(ir):
    expected = HEADER + golden(
        """
        def main(var_A: T.handle, var_B: T.handle):
            T.func_attr({"global_symbol": "main", "tir.noalias": True})
            n = T.int32()
            A = T.match_buffer(var_A, (n,))
            B = T.match_buffer(var_B, (n,))
            # with T.block("root"):
            for i in range(n):
                with T.block("B"):
                    v_i = T.axis.remap("S", [i])
                    T.reads(A[v_i])
                    T.writes(B[v_i])
                    B[v_i] = A[v_i]
        """
    )
    assert to_text(ir.symbolic()) == expected


def test_nstir_allocate_if_let_and_flattened_view(ir):
    expected = HEADER + golden(
        """
        def main(A: T.Buffer((4, 4), "float32"), B: T.Buffer((16,), "float32")):
            T.func_attr({"global_symbol": "main", "tir.noalias": True})
            A_1 = T.Buffer((16,), data=A.data)
            C = T.allocate([16], "float32", "global")
            for i in T.parallel(16):
                C[i] = A_1[i] * T.float32(2.0)
            for i_1 in range(16):
                if i_1 < 8:
                    x: T.float32 = C[i_1] + T.float32(1.0)
                    B[i_1] = x
                else:
                    B[i_1] = T.float32(0.0)
        """
    )
    assert to_text(ir.nstir()) == expected


def test_module_sorts_functions_and_names_per_function(ir):
    mod = IRModule({"main": ir.elementwise(), "add": ir.split()})
    text = to_text(mod)
    assert text.startswith(
        "# from tvm.script import ir as I\n# from tvm.script import tir as T\n\n"
        "@I.ir_module\nclass Module:\n    @T.prim_func\n    def add("
    )
    assert "\n\n    @T.prim_func\n    def main(A: T.Buffer((128, 128)" in text
    assert "        for i, j in T.grid(128, 128):\n" in text  # names restart per function
    assert '            with T.block("B"):\n                v_i = T.axis.spatial(126' in text


def test_marks_underline_statements_and_expressions(ir):
    func = ir.matmul()
    loop_j = func.body.block.body.body
    block = loop_j.body.body.block
    load_product = block.body.value.b
    text = to_text(func, marks={block: "Block#0", loop_j: "For#1", load_product: "here"})
    expected = golden(
        """
            for i in range(128):
                for j, k in T.grid(128, 128):
                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ For#1
                    with T.block("C"):
                    ^^^^^^^^^^^^^^^^^^ Block#0
                        v_i, v_j, v_k = T.axis.remap("SSR", [i, j, k])
                        T.reads(A[v_i, v_k], B[v_k, v_j])
                        T.writes(C[v_i, v_j])
                        with T.init():
                            C[v_i, v_j] = T.float32(0.0)
                        C[v_i, v_j] = C[v_i, v_j] + A[v_i, v_k] * B[v_k, v_j]
                                                    ^^^^^^^^^^^^^^^^^^^^^^^^^ here
        """
    )
    assert text.endswith("\n" + textwrap.indent(expected, "    ").replace("\n    \n", "\n\n"))
    assert "\x01" not in text and "\x03" not in text


def test_marks_on_parameter_root_and_standalone_expression(ir):
    func = ir.elementwise()
    a = func.params[0]
    text = to_text(func, marks={a: "buffer A", func.body: "root"})
    lines = text.splitlines()
    def_line = lines.index(next(line for line in lines if line.startswith("def main")))
    assert (
        lines[def_line + 1]
        == " " * 9 + "^" * len('A: T.Buffer((128, 128), "float32")') + " buffer A"
    )
    root_line = lines.index('    # with T.block("root"):')
    assert lines[root_line + 1] == "    " + "^" * 23 + " root"
    i, j = Var("i"), Var("j")
    assert to_text(i * 4 + j, marks={j: "j"}) == "i * 4 + j\n        ^ j"


def test_expressions_precedence_and_functions():
    i, j, k = Var("i"), Var("j"), Var("k")
    cases = [
        (i * 4 + j, "i * 4 + j"),
        ((i + j) * 4, "(i + j) * 4"),
        (i - (j - k), "i - (j - k)"),
        (i - j - k, "i - j - k"),
        ((i // 4) % 8, "i // 4 % 8"),
        (i // (j * 4), "i // (j * 4)"),
        (op.equal(i < j, j < k), "(i < j) == (j < k)"),
        (op.logical_not(op.logical_and(i < j, j < k)), "not (i < j and j < k)"),
        (op.logical_or(op.logical_and(i < j, j < k), k < 3), "i < j and j < k or k < 3"),
        (op.logical_and(i < j, op.logical_or(j < k, k < 3)), "i < j and (j < k or k < 3)"),
        (-i, "i * -1"),
        (op.truncdiv(i, j), "T.truncdiv(i, j)"),
        (op.truncmod(i, j), "T.truncmod(i, j)"),
        (op.minimum(i, j) + op.maximum(j, 3), "T.min(i, j) + T.max(j, 3)"),
        (op.cast("float32", i), 'T.Cast("float32", i)'),
        (op.call_math("exp", op.cast("float32", i)), 'T.exp(T.Cast("float32", i))'),
        (op.select(i < j, i, j), "T.Select(i < j, i, j)"),
        (op.if_then_else(i < 4, i, 0), "T.if_then_else(i < 4, i, 0)"),
        (Ramp("int32x4", i, op.const(1), 4), "T.Ramp(i, 1, 4)"),
        (Broadcast("float32x4", op.const(0.5), 4), "T.Broadcast(T.float32(0.5), 4)"),
        (StringImm('a"b'), '"a\\"b"'),
    ]
    for expr, text in cases:
        assert to_text(expr) == text


def test_float_division_and_let_expression():
    x, y = Var("x", "float32"), Var("y", "float32")
    assert to_text(x / (y * 2.0)) == "x / (y * T.float32(2.0))"
    shadowed = Let("int32", Var("t"), op.const(5), Var("t") + 1)
    assert to_text(shadowed) == "T.Let(t_1 + 1, where={t: 5})"
    t = Var("t")
    assert to_text(Let("int32", t, op.const(5), t + 1)) == "T.Let(t + 1, where={t: 5})"


def test_constants():
    cases = [
        (op.const(3), "3"),
        (op.const(-3), "-3"),
        (op.const(3, "int64"), "T.int64(3)"),
        (op.const(3, "uint8"), "T.uint8(3)"),
        (op.const(True), "T.bool(True)"),
        (op.const(0.0), "T.float32(0.0)"),
        (op.const(1.5, "float64"), "T.float64(1.5)"),
        (op.const(float("inf")), 'T.float32("inf")'),
    ]
    for expr, text in cases:
        assert to_text(expr) == text
    x = Var("x", "int64")
    assert to_text(x * 2) == "x * T.int64(2)"


def test_unique_names_are_identity_based():
    first, second, third = Var("i"), Var("i"), Var("i_1")
    assert to_text(first + second + first) == "i + i_1 + i"
    assert to_text(first + second + third) == "i + i_1 + i_1_1"
    weird = Var("a.b"), Var("0x"), Var("in"), Var("T")
    assert to_text(weird[0] + weird[1] + weird[2] + weird[3]) == "a_b + _0x + in_ + T_1"


def _loop(var: Var, body, kind=ForKind.SERIAL, start=0, extent=8, **kw) -> For:
    return For(var, op.const(start), op.const(extent), kind, body, **kw)


def test_loop_kinds_and_ranges():
    b = decl_buffer((64,), name="B")
    i = Var("i")
    store = buffer_store(b, 1.0, (i,))
    cases = [
        (_loop(i, store), "for i in range(8):"),
        (_loop(i, store, start=2, extent=6), "for i in range(2, 8):"),
        (_loop(i, store, ForKind.PARALLEL), "for i in T.parallel(8):"),
        (_loop(i, store, ForKind.VECTORIZED), "for i in T.vectorized(8):"),
        (_loop(i, store, ForKind.UNROLLED), "for i in T.unroll(8):"),
        (_loop(i, store, ForKind.PARALLEL, start=1, extent=4), "for i in T.parallel(1, 5):"),
        (
            _loop(i, store, ForKind.THREAD_BINDING, thread_binding="threadIdx.x"),
            'for i in T.thread_binding(8, thread="threadIdx.x"):',
        ),
        (
            _loop(i, store, annotations={"pragma_unroll": 1}),
            'for i in T.serial(8, annotations={"pragma_unroll": 1}):',
        ),
    ]
    for loop, header in cases:
        assert to_text(loop) == f"{header}\n    B[i] = T.float32(1.0)"


def test_grid_collapse_rules():
    b = decl_buffer((64, 64), name="B")
    i, j = Var("i"), Var("j")
    store = buffer_store(b, 1.0, (i, j))
    assert to_text(_loop(i, _loop(j, store))).startswith("for i, j in T.grid(8, 8):")
    parallel_inner = _loop(i, _loop(j, store, ForKind.PARALLEL))
    assert to_text(parallel_inner).startswith("for i in range(8):\n    for j in T.parallel(8):")
    dependent = _loop(i, For(j, op.const(0), i + 1, ForKind.SERIAL, store))
    assert to_text(dependent).startswith("for i in range(8):\n    for j in range(i + 1):")
    offset = _loop(i, _loop(j, store, start=1, extent=3))
    assert to_text(offset).startswith("for i in range(8):\n    for j in range(1, 4):")


def _block_text(iter_vars, values, predicate=True, **block_kw) -> str:
    b = decl_buffer((64,), name="B")
    body = buffer_store(b, 0.0, (iter_vars[0].var,))
    block = Block("blk", tuple(iter_vars), (), (), body, **block_kw)
    return to_text(realize(block, tuple(values), predicate))


def test_block_axes_and_attributes():
    i, v, w = Var("i"), Var("v"), Var("w")
    rng = Range.from_min_extent
    text = _block_text([IterVar(v, rng(2, 6), IterType.DATA_PAR)], [i])
    assert "v = T.axis.spatial((2, 8), i)" in text
    text = _block_text(
        [IterVar(v, rng(0, 4)), IterVar(w, rng(0, 8), IterType.COMM_REDUCE)], [i * 2, i + 1]
    )
    assert "v = T.axis.spatial(4, i * 2)\n    w = T.axis.reduce(8, i + 1)" in text
    text = _block_text([IterVar(v, rng(0, 4), IterType.OPAQUE)], [i])
    assert "v = T.axis.opaque(4, i)" in text
    c = decl_buffer((16, 16), "float16", name="C", scope="shared")
    text = _block_text([IterVar(v, rng(0, 4))], [i], annotations={"meta": "x"}, alloc_buffers=(c,))
    assert (
        golden(
            """
        with T.block("blk"):
            v = T.axis.spatial(4, i)
            T.reads()
            T.writes()
            T.block_attr({"meta": "x"})
            C = T.alloc_buffer((16, 16), "float16", scope="shared")
            B[v] = T.float32(0.0)
        """
        )
        == text
    )


def test_remap_needs_matching_loop_ranges():
    b = decl_buffer((64,), name="B")
    i, v = Var("i"), Var("v")
    block = Block(
        "blk", (IterVar(v, Range.from_min_extent(0, 4)),), (), (), buffer_store(b, 0.0, (v,))
    )
    same = _loop(i, realize(block, (i,)), extent=4)
    assert 'v = T.axis.remap("S", [i])' in to_text(same)
    different = _loop(i, realize(block, (i,)), extent=8)
    assert "v = T.axis.spatial(4, i)" in to_text(different)
    outside_loop = realize(block, (i,))
    assert "v = T.axis.spatial(4, i)" in to_text(outside_loop)


def test_regions_statements_and_standalone_nodes():
    a = decl_buffer((16, 16), name="A")
    v = Var("v")
    region = ir_region(a, v)
    assert to_text(region) == "A[v, 0:16]"
    assert to_text(Range.from_min_extent(v, 4)) == "T.Range(v, v + 4)"
    assert to_text(a) == "A"
    assert to_text(IterVar(v, Range.from_min_extent(0, 4))) == "v"
    x = Var("x")
    stmt = LetStmt(x, v * 2, Evaluate(Call("int32", "popcount", (x,))))
    assert to_text(stmt) == "x: T.int32 = v * 2\nT.evaluate(T.popcount(x))"
    cond = IfThenElse(v < 2, Evaluate(op.const(0)))
    assert to_text(cond) == "if v < 2:\n    T.evaluate(0)"
    assert to_text(op.select(v < 1, v, 1)) == to_text(Select("int32", v < 1, v, op.const(1)))
    assert to_text(3) == "3"


def ir_region(buffer, index):
    return BufferRegion(buffer, (Range.from_min_extent(index, 1), Range.from_min_extent(0, 16)))


def test_bare_block_and_non_root_body():
    v = Var("v")
    b = decl_buffer((4,), name="B")
    block = Block(
        "blk", (IterVar(v, Range.from_min_extent(0, 4)),), (), (), buffer_store(b, 0.0, (v,))
    )
    assert to_text(block).startswith('with T.block("blk"):\n    v = T.axis.spatial(4)\n')
    named_root = BlockRealize((), op.const(True), block.replace(name_hint="other", iter_vars=()))
    assert 'with T.block("other"):' in to_text(named_root)


def test_symbolic_size_var_and_scalar_param(ir):
    n = SizeVar("n")
    a = decl_buffer((n, 4), "int32", name="A")
    m = Var("m")
    i = Var("i")
    body = _loop(i, buffer_store(a, m, (i, 0)))
    func = ir.func((a, m), ir.root(body.replace(extent=n)))
    text = to_text(func)
    assert "def main(var_A: T.handle, m: T.int32):" in text
    assert '    n = T.int32()\n    A = T.match_buffer(var_A, (n, 4), "int32")\n' in text


def test_output_is_deterministic(ir):
    func = ir.matmul()
    assert to_text(func) == to_text(func)
    assert to_text(ir.matmul()) == to_text(func)


@pytest.mark.parametrize("free", [True, False])
def test_free_variables_are_declared_in_functions(ir, free):
    b = decl_buffer((8,), "int32", name="B")
    i, k = Var("i"), Var("k")
    value = k if free else i
    func = ir.func((b,), _loop(i, buffer_store(b, value, (i,))))
    assert ("    k = T.int32()\n" in to_text(func)) is free
