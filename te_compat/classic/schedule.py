"""``te.create_schedule``: a classic schedule over a TensorIR schedule.

``create_schedule(C.op)`` builds the S-TIR function of the graph (one block per compute
stage, ``te.create_prim_func``) and a ``stir_core.schedule.Schedule`` of it: that schedule is
the single source of truth. ``s[C]`` is the ``Stage`` of ``C``'s operation; its methods call
S-TIR primitives at once. ``tvm.lower(s, [A, B, C])`` / ``tvm.build(s, ...)`` take the
scheduled function with its parameters in the order given (``to_prim_func``).

>>> s = te.create_schedule(C.op)
>>> xo, xi = s[C].split(C.op.axis[0], factor=8)
>>> s[B].compute_at(s[C], xo)
>>> tvm.lower(s, [A, C], simple_mode=True)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from stir_core.errors import UserError
from stir_core.ir import IterVar, PrimFunc, Var
from stir_core.schedule import BlockRV
from stir_core.schedule import Schedule as TirSchedule

from ..te.create_prim_func import create_prim_func
from ..te.tensor import ComputeOp, Operation, PlaceholderOp, Tensor, ops_in_order
from . import cache
from . import rfactor as rfactor_module
from .loops import AnyRecord, AttachRecord, StructureRecord
from .stage import AttachError, Stage


class ScheduleArgumentError(UserError, TypeError):
    """``create_schedule``/``s[...]``/``lower(s, args)`` got something unexpected."""


class UnloweredScheduleError(UserError, ValueError):
    """A stage method was accepted for bounds comparison but S-TIR could not apply it."""


class ThreadBindingOnCPUError(UserError, NotImplementedError):
    """A schedule with loops bound to GPU threads was built for the CPU."""


def create_schedule(ops: Operation | Tensor | Sequence[Operation | Tensor]) -> Schedule:
    """A classic schedule of the graph computing ``ops`` (TVM's ``te.create_schedule``)."""
    items = list(ops) if isinstance(ops, (list, tuple)) else [ops]
    outputs = [item.op if isinstance(item, Tensor) else item for item in items]
    for out in outputs:
        if not isinstance(out, ComputeOp):
            raise ScheduleArgumentError(
                f"create_schedule needs compute operations, got {type(out).__name__} {out!r}"
            )
    return Schedule(outputs)


#: lists collecting the schedules created while ``record_schedules`` is active
_RECORDERS: list[list[Schedule]] = []


@contextmanager
def record_schedules() -> Iterator[list[Schedule]]:
    """Collect every classic schedule created inside the ``with`` block (for ``bounds``).

    >>> with record_schedules() as created:
    ...     runpy.run_path("my_schedule.py")
    """
    created: list[Schedule] = []
    _RECORDERS.append(created)
    try:
        yield created
    finally:
        _RECORDERS.remove(created)


class Schedule:
    """Classic schedule: ``stages`` in producer-first order, ``s[tensor]`` / ``s[op]``."""

    def __init__(self, outputs: Sequence[Operation]) -> None:
        for recorder in _RECORDERS:
            recorder.append(self)
        self.outputs = list(outputs)
        #: stage methods S-TIR refused (the schedule can be compared but not lowered)
        self.failures: list[str] = []
        ops = ops_in_order(self.outputs)
        placeholders = [o.output(0) for o in ops if isinstance(o, PlaceholderOp)]
        results = [t for o in self.outputs for t in o.outputs]
        #: the unscheduled function, and every stage call in order (replayed by compute_root)
        self.func = create_prim_func(placeholders + results)
        self.log: list[tuple[Stage, AnyRecord]] = []
        self.sch = TirSchedule(self.func)
        blocks = iter(self._root_blocks())
        self.stages: list[Stage] = []
        self.stage_map: dict[Operation, Stage] = {}
        for operation in ops:
            block = next(blocks) if isinstance(operation, ComputeOp) else None
            stage = Stage(self, operation, block)
            stage.is_output = operation in self.outputs
            if block is not None:
                stage.rebind_loops()
            self.stages.append(stage)
            self.stage_map[operation] = stage

    def __getitem__(self, key: Tensor | Operation) -> Stage:
        operation = key.op if isinstance(key, Tensor) else key
        stage = self.stage_map.get(operation)
        if stage is None:
            raise ScheduleArgumentError(f"{key!r} is not an operation of this schedule")
        return stage

    def __contains__(self, key: Tensor | Operation) -> bool:
        return (key.op if isinstance(key, Tensor) else key) in self.stage_map

    def normalize(self) -> Schedule:
        """Accepted (TVM rebases loops to start at 0; ours always do)."""
        return self

    def add_stage(self, stage: Stage, before: Stage) -> None:
        """Insert a new stage (a cache or rfactor stage) just before ``before``."""
        self.stages.insert(self.stages.index(before), stage)
        self.stage_map[stage.op] = stage

    def cache_read(self, tensor: Tensor, scope: str, readers: Any) -> Tensor:
        """TVM's ``s.cache_read(tensor, scope, readers)``; returns the cache tensor."""
        return self._made("cache_read", cache.cache_read(self, tensor, scope, readers))

    def cache_write(self, tensor: Tensor | Sequence[Tensor], scope: str) -> Any:
        """TVM's ``s.cache_write(tensor, scope)``; returns the cache tensor (a list of them
        when given a list)."""
        return self._made("cache_write", cache.cache_write(self, tensor, scope))

    def rfactor(self, tensor: Tensor, axis: IterVar, factor_axis: int = 0) -> Any:
        """TVM's ``s.rfactor(tensor, axis, factor_axis=0)``: the factored tensor (a list
        for a multi-output reduction); ``s[tensor]`` then reduces it."""
        return self._made("rfactor", rfactor_module.rfactor(self, tensor, axis, factor_axis))

    def _made(self, name: str, result: Any) -> Any:
        """Log that ``name`` made the stage of ``result`` (a tensor or a list of them)."""
        first = result[0] if isinstance(result, list) else result
        self.log.append((self[first], StructureRecord(name)))
        return result

    # ------------------------------------------------------------------ replay

    def replay_without(self, stage: Stage) -> None:
        """Rebuild the S-TIR schedule from the unscheduled function, replaying the log
        without ``stage``'s ``compute_at`` (S-TIR cannot move a block back to the root).
        The records hold the user's IterVars, which map onto the replayed loops.

        Refused (``AttachError``) once ``cache_read``/``cache_write``/``rfactor`` made new
        stages: their operations and tensors cannot be recreated for the user."""
        made = [r.name for _, r in self.log if isinstance(r, StructureRecord)]
        if made:
            raise AttachError(
                f"compute_root of stage {stage.op.name!r} after compute_at: S-TIR cannot move "
                "a block back to the root, and the schedule cannot be replayed without the "
                f"attach because {made[0]} created stages; call compute_root (or drop "
                f"compute_at) before {made[0]}"
            )
        log = [(s, r) for s, r in self.log if not (s is stage and isinstance(r, AttachRecord))]
        self.sch, self.log, self.failures = TirSchedule(self.func), [], []
        blocks = iter(self._root_blocks())
        for each in self.stages:
            if each.block is not None:
                each.block, each.in_stir, each.records = next(blocks), True, []
                each.rebind_loops()
        for each, record in log:
            each.replay(record)

    def _root_blocks(self) -> list[BlockRV]:
        return self.sch.get_child_blocks(self.sch.get_block("root"))

    # ----------------------------------------------------------------- lowering

    def to_prim_func(self, args: Sequence[Any] | None = None, name: str = "main") -> PrimFunc:
        """The scheduled function with parameters in the order of ``args`` (tensors and
        scalar ``Var``s); without ``args``, inputs then outputs."""
        if self.failures:
            raise UnloweredScheduleError(
                "the schedule cannot be lowered: S-TIR refused " + "; ".join(self.failures)
            )
        func = self.sch.mod["main"]
        if args is None:
            return func.replace(attrs={**func.attrs, "global_symbol": name})
        known = set(func.params)
        params = []
        for arg in args:
            param = arg.buffer if isinstance(arg, Tensor) else arg
            if not isinstance(param, Var) and param not in known:
                raise ScheduleArgumentError(
                    f"argument {arg!r} is not an input or an output of the schedule "
                    "(intermediate tensors cannot be arguments)"
                )
            params.append(param)
        missing = [p.name for p in func.params if p not in params]
        if missing:
            raise ScheduleArgumentError(f"the arguments miss tensor(s) {', '.join(missing)}")
        return func.replace(params=tuple(params), attrs={**func.attrs, "global_symbol": name})

    def check_buildable(self) -> None:
        """Raise ``ThreadBindingOnCPUError`` naming the first loop bound to a thread."""
        for stage in self.stages:
            for iv, thread in stage.bind_map.items():
                raise ThreadBindingOnCPUError(
                    f"loop {iv.var.name!r} of stage {stage.op.name!r} is bound to "
                    f"{thread.thread_tag}: GPU thread bindings cannot be built for the CPU "
                    "(target 'llvm'); use tvm.lower(s, ...) to inspect it, or remove bind()"
                )

    def __repr__(self) -> str:
        return f"Schedule({', '.join(s.op.name for s in self.stages)})"
