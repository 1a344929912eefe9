import numpy as np
import pytest
from lower_cases import axis, block, chain, nest, nodes_of, reduction, root_func
from lower_interp import run

from stir_core.analysis import IRVerifyError, verify
from stir_core.codegen import build
from stir_core.ir import (
    Allocate,
    Block,
    BlockRealize,
    BufferLoad,
    BufferStore,
    For,
    ForKind,
    IRModule,
    PrimFunc,
    SizeVar,
    Var,
    buffer_store,
    decl_buffer,
    realize,
)
from stir_core.lower import (
    PIPELINE,
    alloc_buffers,
    compact_buffers,
    convert_blocks,
    flatten_buffer,
    lower,
    lower_init,
    plan_buffers,
    simplify,
)

RNG = np.random.default_rng(0)


def _native(func: PrimFunc, *arrays: np.ndarray) -> None:
    build(func)(*arrays)


@pytest.fixture(params=[run, _native], ids=["interpreter", "llvm"])
def execute(request):
    """Runs a lowered function on numpy arrays: the test interpreter, then real codegen."""
    return request.param


def _matmul(n: int, m: int, l_: int, kind: ForKind = ForKind.SERIAL) -> PrimFunc:
    A, B = decl_buffer((n, l_), name="A"), decl_buffer((l_, m), name="B")
    C = decl_buffer((n, m), name="C")
    vi, vj, vk = axis("vi", n), axis("vj", m), axis("vk", l_, reduce=True)
    update = buffer_store(C, C[vi, vj] + A[vi, vk] * B[vk, vj], (vi, vj))
    init = buffer_store(C, 0.0, (vi, vj))
    blk = block("C", (vi, vj, vk), update, init=init, reads=(A, B, C), writes=(C,))
    i, j, k = Var("i"), Var("j"), Var("k")
    inner = nest([(k, l_)], realize(blk, (i, j, k)))
    return root_func((A, B, C), nest([(i, n), (j, m)], inner, kind))


def _is_ns_tir(func: PrimFunc) -> bool:
    verify(func)  # NS-TIR rules: no blocks, buffers defined, indices match dimensions
    accesses = [*nodes_of(func.body, BufferLoad), *nodes_of(func.body, BufferStore)]
    allocs = nodes_of(func.body, Allocate)
    return (
        not nodes_of(func.body, Block)
        and not nodes_of(func.body, BlockRealize)
        and all(node.buffer.ndim == 1 for node in [*accesses, *allocs])
    )


def test_pipeline_lists_the_passes_in_order():
    names = [name for name, _ in PIPELINE]
    assert names == [
        "lower_init",
        "plan_buffers",
        "compact_buffers",
        "alloc_buffers",
        "convert_blocks",
        "flatten_buffer",
        "simplify",
    ]
    assert [fn for _, fn in PIPELINE] == [
        lower_init,
        plan_buffers,
        compact_buffers,
        alloc_buffers,
        convert_blocks,
        flatten_buffer,
        simplify,
    ]


def test_lower_gives_ns_tir_and_keeps_params():
    func = _matmul(4, 3, 5)
    lowered = lower(func)
    assert _is_ns_tir(lowered)
    assert lowered.params == func.params
    assert all(p.ndim == 2 for p in lowered.buffer_params)


def test_lowered_matmul_matches_numpy(execute):
    a = RNG.standard_normal((4, 5)).astype("float32")
    b = RNG.standard_normal((5, 3)).astype("float32")
    c = np.full((4, 3), np.nan, "float32")
    execute(lower(_matmul(4, 3, 5)), a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5)


@pytest.mark.parametrize(
    "b_attrs",
    [{}, {"align_constraints": ((0, 8, 1),)}, {"align_constraints": ((1, 4, 3),)}],
)
@pytest.mark.parametrize("b_scope", ["global", "local", "shared"])
def test_elementwise_chain_through_intermediate_matches_numpy(execute, b_scope, b_attrs):
    case = chain((4, 6), b_scope, **b_attrs)
    a = RNG.standard_normal((4, 6)).astype("float32")
    c = np.full((4, 6), np.nan, "float32")
    execute(lower(case.func), a, c)
    np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


def test_symbolic_shapes_lower_and_run(execute):
    n, m = SizeVar("n"), SizeVar("m")
    case = chain((n, m))
    lowered = lower(case.func)
    assert _is_ns_tir(lowered)
    for rows, cols in [(3, 5), (1, 7)]:
        a = RNG.standard_normal((rows, cols)).astype("float32")
        c = np.zeros_like(a)
        execute(lowered, a, c)
        np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


def test_predicated_reduction_runs(execute):
    case = reduction()
    # realize C only for i < 3: row 3 of C keeps its sentinel
    pred = realize(case.realize.block, case.realize.iter_values, case.i < 3)
    func = root_func((case.A, case.C), nest([(case.i, 4), (case.k, 8)], pred))
    a = RNG.standard_normal((4, 8)).astype("float32")
    c = np.full(4, -7.0, "float32")
    execute(lower(func), a, c)
    np.testing.assert_allclose(c[:3], a[:3].sum(axis=1), rtol=1e-5)
    assert c[3] == -7.0


def test_loop_kinds_survive_lowering():
    lowered = lower(_matmul(4, 3, 5, ForKind.PARALLEL))
    kinds = {loop.loop_var.name: loop.kind for loop in nodes_of(lowered.body, For)}
    assert kinds == {"i": ForKind.PARALLEL, "j": ForKind.PARALLEL, "k": ForKind.SERIAL}


def test_dump_prints_ir_after_every_pass(capsys):
    func = _matmul(2, 2, 2)
    lower(func, dump=True)
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if line.startswith("# after ")]
    assert headers == [f"# after {name} (main)" for name, _ in PIPELINE]
    lower(func)
    assert capsys.readouterr().out == ""


def test_module_is_lowered_function_by_function():
    mod = IRModule({"mm": _matmul(2, 3, 4), "ew": chain().func})
    lowered = lower(mod)
    assert isinstance(lowered, IRModule)
    assert list(lowered) == ["mm", "ew"]
    assert all(_is_ns_tir(lowered[name]) for name in lowered)


def test_check_verifies_the_s_tir_input():
    case = reduction()
    # the block body reads the loop var k instead of its iter var vk (invariant 2)
    A, C, i, k = case.A, case.C, case.i, case.k
    leaky = case.realize.block.replace(body=buffer_store(C, A[case.vi, k], (case.vi,)))
    func = root_func((A, C), nest([(i, 4), (k, 8)], realize(leaky, (i, k))))
    with pytest.raises(IRVerifyError, match="variable k"):
        lower(func, check=True)
    assert _is_ns_tir(lower(case.func, check=True))
