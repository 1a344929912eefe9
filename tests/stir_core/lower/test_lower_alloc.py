from lower_cases import axis, block, chain, find_block, nest, nodes_of, root_func

from stir_core.ir import (
    Allocate,
    BufferLoad,
    BufferStore,
    For,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
    realize,
    seq,
)
from stir_core.lower import alloc_buffers, allocation_scope, allocation_shape


def _buffers_used(func) -> set[int]:
    loads = nodes_of(func.body, BufferLoad)
    stores = nodes_of(func.body, BufferStore)
    return {id(node.buffer) for node in [*loads, *stores]}


def test_root_alloc_becomes_allocate_at_top_of_body():
    case = chain()
    lowered = alloc_buffers(case.func)
    root = case.func.body.block
    expected = Allocate(case.B, case.func.body.replace(block=root.replace(alloc_buffers=())))
    assert_structural_equal(lowered.body, expected)
    assert lowered.body.buffer is case.B  # global scope, full shape: the same buffer
    assert lowered.params == case.func.params


def test_inner_block_alloc_wraps_its_realize_inside_the_loop():
    A = decl_buffer((4, 8), name="A")
    T = decl_buffer((8,), name="T", scope="local")
    vi, vj = axis("vi", 4), axis("vj", 8)
    inner = block("T", (vj,), buffer_store(T, A[vi.var, vj] + 1.0, (vj,)), reads=(A,))
    j = Var("j")
    outer = block("outer", (vi,), nest([(j, 8)], realize(inner, (j,))), allocs=(T,))
    i = Var("i")
    func = root_func((A,), nest([(i, 4)], realize(outer, (i,))))
    loop = alloc_buffers(func).body.block.body
    assert isinstance(loop, For)
    assert isinstance(loop.body, Allocate)
    assert loop.body.buffer is T  # "local" stays "local"
    assert_structural_equal(loop.body.body, realize(outer.replace(alloc_buffers=()), (i,)))


def test_first_buffer_is_outermost_allocation():
    case = chain()
    D = decl_buffer((2,), name="D")
    root = case.func.body.block.replace(alloc_buffers=(case.B, D))
    func = case.func.replace(body=case.func.body.replace(block=root))
    body = alloc_buffers(func).body
    assert body.buffer is case.B
    assert body.body.buffer is D
    assert not body.body.body.block.alloc_buffers


def test_non_local_scope_becomes_global_and_every_use_follows():
    case = chain(b_scope="shared")
    lowered = alloc_buffers(case.func)
    allocated = lowered.body.buffer
    assert allocated.scope == "global"
    assert allocated.data is case.B.data
    assert id(case.B) not in _buffers_used(lowered)
    assert id(allocated) in _buffers_used(lowered)
    reads = find_block(lowered, "C").reads
    assert reads[0].buffer is allocated


def test_allocation_decision_functions():
    n = Var("n")
    buf = decl_buffer((n, 4), name="X", scope="shared")
    stmt = seq([buffer_store(buf, 0.0, (0, 0))])
    assert allocation_shape(buf, stmt) is buf.shape
    assert allocation_scope(buf) == "global"
    assert allocation_scope(buf.replace(scope="local")) == "local"


def test_function_without_allocations_is_unchanged():
    case = chain()
    root = case.func.body.block.replace(alloc_buffers=())
    func = root_func(case.func.params, root.body)
    assert alloc_buffers(func) is func
