"""plan_buffers + compact_buffers: where intermediates are allocated, and how large."""

from compact_cases import conv_tile, tiled
from lower_cases import axis, block, chain, nest, nodes_of, root_func

from stir_core.ir import (
    Block,
    BlockRealize,
    BufferStore,
    Evaluate,
    For,
    IntImm,
    PrimFunc,
    SizeVar,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
    realize,
    seq,
    structural_equal,
)
from stir_core.ir.op import const, minimum
from stir_core.lower import PIPELINE, compact_buffers, lower_init, plan_buffers


def _planned(func: PrimFunc) -> PrimFunc:
    return compact_buffers(plan_buffers(lower_init(func)))


def _allocations(func: PrimFunc) -> dict[str, tuple]:
    """Buffer name -> (shape as ints where constant, allocating block name)."""
    found = {}
    for blk in nodes_of(func.body, Block):
        for buffer in blk.alloc_buffers:
            shape = tuple(d.value if isinstance(d, IntImm) else d for d in buffer.shape)
            found[buffer.name] = (shape, blk.name_hint)
    return found


def _allocated(func: PrimFunc, name: str):
    (found,) = [
        b for blk in nodes_of(func.body, Block) for b in blk.alloc_buffers if b.name == name
    ]
    return found


def _stores_to(func: PrimFunc, name: str) -> list[BufferStore]:
    return [s for s in nodes_of(func.body, BufferStore) if s.buffer.name == name]


TILED_AFTER = """\
# from tvm.script import tir as T

@T.prim_func
def main(A: T.Buffer((64, 64), "float32"), C: T.Buffer((64, 64), "float32")):
    # with T.block("root"):
    for i0 in range(8):
        with T.block(""):
            T.reads(A[0:64, 0:64])
            T.writes(C[0:64, 0:64])
            B = T.alloc_buffer((8, 64))
            for ax0, ax1 in T.grid(8, 64):
                with T.block("B"):
                    v_i = T.axis.spatial(64, i0 * 8 + ax0)
                    v_j = T.axis.spatial(64, ax1)
                    T.reads(A[0:64, 0:64])
                    T.writes(B[0:8, 0:64])
                    B[v_i - i0 * 8, v_j] = A[v_i, v_j] * T.float32(2.0)
            for i1, j in T.grid(8, 64):
                with T.block("C"):
                    v_i_1 = T.axis.spatial(64, i0 * 8 + i1)
                    v_j_1 = T.axis.spatial(64, j)
                    T.reads(B[0:8, 0:64])
                    T.writes(C[0:64, 0:64])
                    C[v_i_1, v_j_1] = B[v_i_1 - i0 * 8, v_j_1] + T.float32(1.0)"""


def test_passes_run_before_alloc_buffers():
    names = [name for name, _ in PIPELINE]
    assert names.index("lower_init") < names.index("plan_buffers")
    assert names.index("plan_buffers") + 1 == names.index("compact_buffers")
    assert names.index("compact_buffers") + 1 == names.index("alloc_buffers")


def test_compute_at_tile_is_allocated_under_its_loop_with_the_tile_shape():
    case = tiled()
    before = _allocations(case.func)
    after = _planned(case.func)
    assert before == {"B": ((64, 64), "root")}
    assert _allocations(after) == {"B": ((8, 64), "")}
    assert after.script() == TILED_AFTER
    (loop,) = [f for f in nodes_of(after.body, For) if f.loop_var is case.i0]
    assert isinstance(loop.body, BlockRealize) and loop.body.block.alloc_buffers
    (store,) = _stores_to(after, "B")
    vi = case.block_b.iter_vars[0].var
    assert_structural_equal(store.indices[0], vi - case.i0 * 8)
    assert store.buffer.data is case.B.data


def test_plan_alone_moves_the_full_buffer():
    case = tiled()
    planned = plan_buffers(case.func)
    assert _allocations(planned) == {"B": ((64, 64), "")}
    assert not planned.body.block.alloc_buffers
    (store,) = _stores_to(planned, "B")
    assert store.buffer is case.B


def test_padded_conv_input_tile_is_channels_by_6_by_6():
    case = conv_tile(channels=2, size=8)
    assert _allocations(case.func) == {"Pad": ((2, 10, 10), "root")}
    after = _planned(case.func)
    assert _allocations(after) == {"Pad": ((2, 6, 6), "")}


def test_accesses_in_separate_loop_nests_keep_the_full_shape():
    case = chain((4, 6))
    assert _planned(case.func) is case.func
    assert _allocations(_planned(case.func)) == {"B": ((4, 6), "root")}


def test_symbolic_rows_allocate_at_most_one_tile():
    n = SizeVar("n")
    after = _planned(tiled(n, 64).func)
    (((rows, cols), owner),) = _allocations(after).values()
    assert cols == 64 and owner == ""
    assert_structural_equal(rows, minimum(7, n - 1) + 1)


def test_storage_align_is_kept_on_the_compacted_buffer():
    case = tiled(b_attrs={"align_constraints": ((0, 16, 1),)})
    buffer = _allocated(_planned(case.func), "B")
    assert tuple(d.value for d in buffer.shape) == (8, 64)
    assert buffer.align_constraints == ((0, 16, 1),)


def test_buffer_with_explicit_strides_keeps_its_shape():
    case = tiled(b_attrs={"strides": (const(64), const(1))})
    assert _allocations(_planned(case.func)) == {"B": ((64, 64), "")}


def _indirect() -> PrimFunc:
    """``T[idx[i]]`` under loop i: moved under the loop, but of unknown extent."""
    idx = decl_buffer((4,), "int32", name="idx")
    out = decl_buffer((4,), name="out")
    tmp = decl_buffer((16,), name="T")
    vi, wi = axis("vi", 4), axis("wi", 4)
    write = block("W", (vi,), buffer_store(tmp, 1.0, (idx[vi],)), reads=(idx,), writes=(tmp,))
    read = block("R", (wi,), buffer_store(out, tmp[idx[wi]], (wi,)), reads=(idx, tmp))
    i = Var("i")
    body = seq([realize(write, (i,)), realize(read, (i,))])
    return root_func((idx, out), nest([(i, 4)], body), allocs=(tmp,))


def test_data_dependent_index_keeps_the_full_shape():
    assert _allocations(_planned(_indirect())) == {"T": ((16,), "")}


def test_opaque_use_of_the_data_var_keeps_the_full_shape():
    case = tiled()
    block_b = case.block_b
    opaque = block_b.replace(body=seq([block_b.body, Evaluate(case.B.data)]))
    loop = case.func.body.block.body
    first = loop.body.seq[0]
    inner = first.body.replace(body=first.body.body.replace(block=opaque))
    body = loop.replace(body=loop.body.replace(seq=(first.replace(body=inner), loop.body.seq[1])))
    func = root_func(case.func.params, body, allocs=(case.B,))
    assert _allocations(_planned(func)) == {"B": ((64, 64), "")}


def test_buffer_used_in_one_block_is_allocated_by_that_block():
    A, out = decl_buffer((4, 8), name="A"), decl_buffer((4, 8), name="out")
    tmp = decl_buffer((4, 8), name="T")
    vi = axis("vi", 4)
    wi, wj, xi, xj = axis("wi", 4), axis("wj", 8), axis("xi", 4), axis("xj", 8)
    write = block("W", (wi, wj), buffer_store(tmp, A[wi, wj], (wi, wj)), reads=(A,), writes=(tmp,))
    read = block("R", (xi, xj), buffer_store(out, tmp[xi, xj], (xi, xj)), reads=(tmp,))
    j, j2, i = Var("j"), Var("j2"), Var("i")
    inner = seq(
        [nest([(j, 8)], realize(write, (vi.var, j))), nest([(j2, 8)], realize(read, (vi.var, j2)))]
    )
    outer = block("outer", (vi,), inner, reads=(A, tmp), writes=(out, tmp))
    func = root_func((A, out), nest([(i, 4)], realize(outer, (i,))), allocs=(tmp,))
    after = _planned(func)
    assert _allocations(after) == {"T": ((1, 8), "outer")}
    outer_after = next(b for b in nodes_of(after.body, Block) if b.name_hint == "outer")
    assert [r.buffer.name for r in outer_after.reads] == ["A"]
    assert [r.buffer.name for r in outer_after.writes] == ["out"]
    (store,) = _stores_to(after, "T")
    assert_structural_equal(store.indices[0], wi.var - vi.var)


def test_unused_buffer_stays_where_it_is():
    case = chain((4, 6))
    unused = decl_buffer((3,), name="U")
    root = case.func.body.block
    func = root_func(case.func.params, root.body, allocs=(case.B, unused))
    assert _allocations(_planned(func)) == {"B": ((4, 6), "root"), "U": ((3,), "root")}


def test_extent_growing_with_an_outer_loop_is_bounded_or_full():
    """Under loop i, ``T[0:i + 1]``: its bound over i is the whole of T (kept)."""
    n = SizeVar("n")
    out = decl_buffer((n,), name="out")
    tmp = decl_buffer((n,), name="T")
    vj, wi = axis("vj", n), axis("wi", n)
    write = block("W", (vj,), buffer_store(tmp, 1.0, (vj,)), writes=(tmp,))
    read = block("R", (wi,), buffer_store(out, tmp[wi], (wi,)), reads=(tmp,), writes=(out,))
    i, j = Var("i"), Var("j")
    body = seq([nest([(j, i + 1)], realize(write, (j,))), realize(read, (i,))])
    func = root_func((out,), nest([(i, n)], body), allocs=(tmp,))
    ((shape, owner),) = _allocations(_planned(func)).values()
    assert owner == "" and structural_equal(shape[0], n)


def test_unchanged_function_is_returned_as_is():
    case = chain((4, 6))
    no_alloc = root_func(case.func.params, case.func.body.block.body)
    assert plan_buffers(no_alloc) is no_alloc
    assert compact_buffers(no_alloc) is no_alloc
