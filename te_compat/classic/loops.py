"""Loop-level stage methods as replayable records, each applied to the S-TIR schedule.

A stage's ``split``/``fuse``/``reorder``/loop kinds/annotations are kept in order as
records. Applying a record calls the S-TIR primitive at once and updates the stage's
IterVar -> LoopRV map. When ``compute_at`` gives a stage new loops (S-TIR regenerates the
producer's loop nest under the target loop), the records are applied again to the new loops,
so classic code may split a producer before or after attaching it.

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


Record = SplitRecord | FuseRecord | ReorderRecord | LoopRecord
