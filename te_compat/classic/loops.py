"""Stage methods as replayable records, each applied to the S-TIR schedule.

A stage's ``split``/``fuse``/``reorder``/loop kinds/annotations are kept in order as
records. Applying a record calls the S-TIR primitive at once and updates the stage's
IterVar -> LoopRV map. When ``compute_at`` gives a stage new loops (S-TIR regenerates the
producer's loop nest under the target loop), the records are applied again to the new loops,
so classic code may split a producer before or after attaching it.

The schedule also logs every record of every stage in call order (``Schedule.log``), with
the block-level calls (``AttachRecord``, ``BlockRecord``) and markers of the calls that
create stages (``StructureRecord``): ``compute_root`` after ``compute_at`` replays that log,
without the attach, on a fresh S-TIR schedule.

>>> SplitRecord(x, xo, xi, factor=8, nparts=None).apply(stage)
# sch.split(loops[x], [None, 8]) -> loops[xo], loops[xi]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stir_core.ir import IterVar, PrimExpr

if TYPE_CHECKING:
    from .stage import Stage


@dataclass(frozen=True, eq=False)
class SplitRecord:
    parent: IterVar
    outer: IterVar
    inner: IterVar
    factor: PrimExpr | int | None
    nparts: PrimExpr | int | None

    def apply(self, stage: Stage) -> None:
        factors = [None, self.factor] if self.factor is not None else [self.nparts, None]
        outer, inner = stage.sch.sch.split(stage.loops.pop(self.parent), factors)
        stage.loops[self.outer], stage.loops[self.inner] = outer, inner


@dataclass(frozen=True, eq=False)
class FuseRecord:
    axes: tuple[IterVar, ...]
    fused: IterVar

    def apply(self, stage: Stage) -> None:
        loops = [stage.loops.pop(iv) for iv in self.axes]
        stage.loops[self.fused] = stage.sch.sch.fuse(*loops)


@dataclass(frozen=True, eq=False)
class ReorderRecord:
    axes: tuple[IterVar, ...]

    def apply(self, stage: Stage) -> None:
        stage.sch.sch.reorder(*[stage.loops[iv] for iv in self.axes])


@dataclass(frozen=True, eq=False)
class LoopRecord:
    """A primitive taking one loop: ``parallel``/``vectorize``/``unroll``/``annotate``."""

    name: str
    axis: IterVar
    args: tuple[Any, ...] = ()

    def apply(self, stage: Stage) -> None:
        method: Callable[..., Any] = getattr(stage.sch.sch, self.name)
        method(stage.loops[self.axis], *self.args)


@dataclass(frozen=True, eq=False)
class AttachRecord:
    """``compute_at``: the stage under ``parent``'s loop ``scope``."""

    parent: Stage
    scope: IterVar

    def apply(self, stage: Stage) -> None:
        stage.attach_in_stir(self.parent, self.scope)


@dataclass(frozen=True, eq=False)
class BlockRecord:
    """A primitive taking the stage's block: ``compute_inline``/``set_scope``/..."""

    name: str
    args: tuple[Any, ...] = ()

    def apply(self, stage: Stage) -> None:
        method: Callable[..., Any] = getattr(stage.sch.sch, self.name)
        method(stage.block, *self.args)


@dataclass(frozen=True, eq=False)
class StructureRecord:
    """A call creating a stage (``cache_read``/``cache_write``/``rfactor``): not replayed."""

    name: str

    def apply(self, stage: Stage) -> None:
        """Nothing: the log marks the call; replaying such a schedule is refused."""


Record = SplitRecord | FuseRecord | ReorderRecord | LoopRecord
LOOP_RECORDS = (SplitRecord, FuseRecord, ReorderRecord, LoopRecord)
AnyRecord = Record | AttachRecord | BlockRecord | StructureRecord
