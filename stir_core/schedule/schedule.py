"""``Schedule``: the TensorIR schedule facade (TVM's ``tir.Schedule``).

>>> sch = Schedule(func)
>>> block = sch.get_block("C")
>>> i, j, k = sch.get_loops(block)
>>> i0, i1 = sch.split(i, factors=[None, 32])
>>> sch.reorder(i1, j)
>>> print(sch.trace.as_python())

Every primitive rewrites S-TIR into S-TIR; the schedule holds nothing but the module, the
handles (``BlockRV``/``LoopRV``, see ``handles.py``) and the trace (``trace.py``). A primitive
that fails raises a ``ScheduleError`` showing the IR with the offending nodes marked, and
leaves the schedule exactly as it was.

Adding a primitive
------------------
1. In a family module (``stir_core/schedule/<family>.py``): error classes first, then private
   helpers, then the primitive as a module function taking the ``ScheduleState`` first::

       @primitive
       def compute_at(state: ScheduleState, block: BlockRV, loop: LoopRV,
                      preserve_unit_loops: bool = False) -> None:
           '''Docstring with the IR before and after.'''
           # Step 1. Check ...   (state.get_block / state.get_loop / state.index_of(handle))
           # Step 2. Build ...   (new statements, immutable IR)
           # Step 3. Replace ... state.replace(old_stmt, new_stmt, {old_block: new_block})

   ``state.replace`` rebuilds the ancestors; loop handles follow their loop var, block
   handles follow the given old->new block map (ancestor blocks are followed
   automatically). New handles come from ``state.block_rv(block, handle.func_name)`` /
   ``state.loop_rv(loop, ...)``. Return handles (or lists of them) or ``None``.
2. Add one line in the class body below: ``compute_at = compute_at_module.compute_at``.

``@primitive`` (``primitive.py``) then gives it argument normalization, atomicity, the
primitive's name in errors, verification under ``debug_mask`` and the trace instruction.
"""

from __future__ import annotations

from ..errors import UserError
from ..ir import Block, For, IRModule, PrimFunc, to_text
from . import annotate as annotate_module
from . import blockize as blockize_module
from . import cache as cache_module
from . import compute_at as compute_at_module
from . import compute_inline as compute_inline_module
from . import for_kind, layout, loops, reduction, storage
from .errors import AmbiguousBlockError, BlockNotFoundError, ScheduleError
from .handles import BlockRV, Handle, LoopRV, ScheduleState
from .primitive import primitive
from .trace import Trace
from .tree import find_blocks


class ScheduleInputError(UserError, TypeError):
    """``Schedule`` was given something other than a PrimFunc or an IRModule."""


# ------------------------------------------------------------------ queries (traced)


@primitive(pure=True)
def get_block(state: ScheduleState, name: str, func_name: str = "main") -> BlockRV:
    """The block named ``name`` in function ``func_name``.

    Raises BlockNotFoundError, AmbiguousBlockError.
    """
    index = state.index(func_name)
    found = find_blocks(index, name)
    if not found:
        known = ", ".join(repr(b.name_hint) for b in index.blocks[1:]) or "none"
        raise BlockNotFoundError(f"no block named {name!r} in {func_name!r} (blocks: {known})")
    if len(found) > 1:
        raise AmbiguousBlockError(f"{len(found)} blocks are named {name!r}", *found)
    return state.block_rv(found[0], func_name)


@primitive(pure=True)
def get_loops(state: ScheduleState, block: BlockRV) -> list[LoopRV]:
    """The loops above ``block`` up to its scope block, outermost first."""
    node = state.get_block(block)
    loops_above = state.index_of(block).loops_above(node)
    return [state.loop_rv(loop, block.func_name) for loop in loops_above]


@primitive(pure=True)
def get_child_blocks(state: ScheduleState, block_or_loop: BlockRV | LoopRV) -> list[BlockRV]:
    """The blocks directly under a block or a loop, in program order."""
    node = state.get(block_or_loop)
    children = state.index_of(block_or_loop).child_blocks(node)
    return [state.block_rv(child, block_or_loop.func_name) for child in children]


@primitive(pure=True)
def get_producers(state: ScheduleState, block: BlockRV) -> list[BlockRV]:
    """The blocks of the same scope writing a buffer that ``block`` reads."""
    found = state.index_of(block).producers(state.get_block(block))
    return [state.block_rv(b, block.func_name) for b in found]


@primitive(pure=True)
def get_consumers(state: ScheduleState, block: BlockRV) -> list[BlockRV]:
    """The blocks of the same scope reading a buffer that ``block`` writes."""
    found = state.index_of(block).consumers(state.get_block(block))
    return [state.block_rv(b, block.func_name) for b in found]


# ----------------------------------------------------------------------------- facade


class Schedule:
    """A TensorIR schedule of ``mod`` (a PrimFunc, scheduled as ``"main"``, or an IRModule).

    ``debug_mask="all"`` (or any true value) verifies the IR after every primitive.
    """

    def __init__(self, mod: PrimFunc | IRModule, *, debug_mask: int | str = 0) -> None:
        if isinstance(mod, PrimFunc):
            mod = IRModule({"main": mod})
        if not isinstance(mod, IRModule):
            raise ScheduleInputError(
                f"Schedule needs a PrimFunc or an IRModule, got {type(mod).__name__}"
            )
        self.state = ScheduleState(mod)
        self.trace = Trace()
        self.debug_mask = debug_mask

    @property
    def mod(self) -> IRModule:
        """The scheduled module as it is now."""
        return self.state.mod

    @property
    def func(self) -> PrimFunc:
        """The scheduled function (the only one, or ``"main"``)."""
        functions = self.mod.functions
        return next(iter(functions.values())) if len(functions) == 1 else self.mod["main"]

    def get(self, rv: BlockRV | LoopRV) -> Block | For:
        """The block or loop a handle refers to now."""
        try:
            return self.state.get(rv)
        except ScheduleError as err:
            err.primitive = err.primitive or "get"
            if err.func is None and isinstance(rv, Handle) and rv.func_name in self.mod:
                err.func = self.mod[rv.func_name]
            raise

    def copy(self) -> Schedule:
        """An independent schedule in the same state; handles stay valid in both."""
        other = Schedule(self.mod, debug_mask=self.debug_mask)
        other.state = self.state.copy()
        other.trace = self.trace.copy()
        return other

    def show(self) -> None:
        """Print the scheduled module."""
        print(self)

    def __str__(self) -> str:
        return to_text(self.mod)

    def __repr__(self) -> str:
        return f"Schedule({', '.join(self.mod)}; {len(self.trace)} instructions)"

    # ------------------------------------------------- queries and primitives
    # One line per primitive (see the module docstring).

    get_block = get_block
    get_loops = get_loops
    get_child_blocks = get_child_blocks
    get_producers = get_producers
    get_consumers = get_consumers

    split = loops.split
    fuse = loops.fuse
    reorder = loops.reorder
    add_unit_loop = loops.add_unit_loop

    parallel = for_kind.parallel
    vectorize = for_kind.vectorize
    unroll = for_kind.unroll

    annotate = annotate_module.annotate
    unannotate = annotate_module.unannotate

    compute_inline = compute_inline_module.compute_inline
    reverse_compute_inline = compute_inline_module.reverse_compute_inline

    compute_at = compute_at_module.compute_at
    reverse_compute_at = compute_at_module.reverse_compute_at

    cache_read = cache_module.cache_read
    cache_write = cache_module.cache_write

    decompose_reduction = reduction.decompose_reduction
    rfactor = reduction.rfactor

    transform_layout = layout.transform_layout

    blockize = blockize_module.blockize
    tensorize = blockize_module.tensorize

    set_scope = storage.set_scope
    storage_align = storage.storage_align
