"""The S-TIR -> NS-TIR lowering pipeline: every pass, in order, in one place.

``lower(func)`` runs ``PIPELINE``; ``dump=True`` prints the IR after each pass (like
Halide's ``Lower.cpp`` logs) and ``check=True`` verifies the S-TIR input first.
"""

from __future__ import annotations

from collections.abc import Callable

from ..analysis import verify
from ..ir import IRModule, PrimFunc
from .alloc_buffers import alloc_buffers
from .compact_buffers import compact_buffers
from .convert_blocks import convert_blocks
from .flatten_buffer import flatten_buffer
from .lower_init import lower_init
from .plan_buffers import plan_buffers
from .simplify import simplify

Pass = Callable[[PrimFunc], PrimFunc]

PIPELINE: list[tuple[str, Pass]] = [
    # reduction init -> `if <first reduction step>: init` before the update
    ("lower_init", lower_init),
    # intermediate buffers allocated at the block/loop where all their accesses meet
    ("plan_buffers", plan_buffers),
    # allocations shrunk to the exact hull of their accesses, indices shifted by its min
    ("compact_buffers", compact_buffers),
    # block alloc_buffers -> Allocate statements around the owning block
    ("alloc_buffers", alloc_buffers),
    # blocks removed: iter vars bound to iter values, predicates -> IfThenElse
    ("convert_blocks", convert_blocks),
    # N-d loads/stores/allocations -> 1-D with strides, storage_align and elem_offset
    ("flatten_buffer", flatten_buffer),
    # arith.simplify in loop context; constant ifs, unit loops and no-ops removed
    ("simplify", simplify),
]


def lower(
    func: PrimFunc | IRModule, dump: bool = False, check: bool = False
) -> PrimFunc | IRModule:
    """Lower S-TIR to NS-TIR (every function of a module), running ``PIPELINE`` in order."""
    if isinstance(func, IRModule):
        return IRModule(
            {name: _lower_func(f, name, dump, check) for name, f in func.functions.items()}
        )
    return _lower_func(func, func.name, dump, check)


def _lower_func(func: PrimFunc, name: str, dump: bool, check: bool) -> PrimFunc:
    if check:
        verify(func)
    for pass_name, run in PIPELINE:
        func = run(func)
        if dump:
            print(f"# after {pass_name} ({name})")
            print(func.script())
    return func
