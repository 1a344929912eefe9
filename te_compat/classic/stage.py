"""``Stage``: one operation of a classic schedule (TVM's ``te.Stage``).

Every method is translated at once into ``stir_core.schedule`` primitives on the stage's
block and loops; the stage itself only keeps what the classic API and the classic-InferBound
model need: root and leaf IterVars, the split/fuse relations, the attach point, thread
bindings and the storage scope.

>>> xo, xi = s[C].split(C.op.axis[0], factor=8)     # sch.split(i, [None, 8])
>>> s[B].compute_at(s[C], xo)                        # sch.compute_at(B, xo)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from stir_core.errors import UserError
from stir_core.ir import IterType, IterVar, PrimExpr, op
from stir_core.schedule import BlockRV, LoopRV, ScheduleError

from ..te.tensor import Operation
from .itervar import Fuse, LoopMap, Split, UnknownIterVarError, contains, derived, index_of
from .loops import (
    AttachRecord,
    BlockRecord,
    FuseRecord,
    LoopRecord,
    Record,
    ReorderRecord,
    SplitRecord,
)

if TYPE_CHECKING:
    from .schedule import Schedule


class StageArgumentError(UserError, ValueError):
    """A stage method got inconsistent arguments (both ``factor`` and ``nparts``...)."""


class PlaceholderStageError(UserError, TypeError):
    """A loop method was called on the stage of a placeholder (it has no loops)."""


class AttachError(UserError, ValueError):
    """``compute_at``/``compute_inline``/``compute_root`` cannot be done as asked."""


class Stage:
    """The schedule of one operation: IterVars, relations, attach point, scope, bindings."""

    def __init__(self, sch: Schedule, op: Operation, block: BlockRV | None) -> None:
        self.sch = sch
        self.op = op
        self.block = block
        #: the stage's axes and body: the op's, until cache_write/rfactor rewrite the stage
        self.axis: tuple[IterVar, ...] = tuple(getattr(op, "axis", ()))
        self.reduce_axis: tuple[IterVar, ...] = tuple(getattr(op, "reduce_axis", ()))
        self.body: tuple[PrimExpr, ...] = tuple(getattr(op, "body", ()))
        roots = list(self.axis) + list(self.reduce_axis)
        self.all_iter_vars: list[IterVar] = list(roots)
        self.leaf_iter_vars: list[IterVar] = list(roots)
        self.relations: list[Split | Fuse] = []
        self.records: list[Record] = []
        self.attach_type = "root"
        self.attach_ivar: IterVar | None = None
        self.attach_stage: Stage | None = None
        self.scope = ""
        self.bind_map: dict[IterVar, IterVar] = {}
        self.is_output = False
        self.loops = LoopMap(op.name)
        self.double_buffered = False
        #: false when S-TIR could not follow an attach (the stage keeps its old loops)
        self.in_stir = True
        #: for each root IterVar, the position of its iter var in the block (rfactor
        #: blocks order them differently)
        self.iter_index: list[int] = list(range(len(roots)))

    def __repr__(self) -> str:
        return f"stage({self.op.name}, {type(self.op).__name__})"

    @property
    def root_iter_vars(self) -> list[IterVar]:
        return list(self.axis) + list(self.reduce_axis)

    # ------------------------------------------------------------------ loop methods

    def split(
        self, parent: IterVar, factor: Any = None, nparts: Any = None
    ) -> tuple[IterVar, IterVar]:
        """Split ``parent`` by ``factor`` (inner extent) or ``nparts`` (outer extent)."""
        if (factor is None) == (nparts is None):
            raise StageArgumentError(
                f"split of {parent.var.name!r} in stage {self.op.name!r}: give exactly one of "
                "factor= and nparts="
            )
        self._check_leaf(parent)
        outer = derived(f"{parent.var.name}.outer", parent)
        inner = derived(f"{parent.var.name}.inner", parent)
        factor_expr = None if factor is None else op.convert(factor)
        nparts_expr = None if nparts is None else op.convert(nparts)
        self.relations.append(Split(parent, outer, inner, factor_expr, nparts_expr))
        self._replace_leaves([parent], [outer, inner])
        self._record(SplitRecord(parent, outer, inner, factor_expr, nparts_expr))
        return outer, inner

    def fuse(self, *args: IterVar) -> IterVar:
        """Fuse consecutive leaf IterVars (outermost first) into one."""
        axes = list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        if not axes:
            raise StageArgumentError(f"fuse in stage {self.op.name!r}: no IterVar given")
        for iv in axes:
            self._check_leaf(iv)
        if len(axes) == 1:
            return axes[0]
        self._check_consecutive(axes)
        fused = axes[0]
        for inner in axes[1:]:
            kind = max(fused.iter_type, inner.iter_type, key=lambda t: t.value)
            new = derived(f"{fused.var.name}.{inner.var.name}.fused", fused)
            new = new.replace(iter_type=kind)
            self.relations.append(Fuse(fused, inner, new))
            fused = new
        self._replace_leaves(list(axes), [fused])
        self._record(FuseRecord(tuple(axes), fused))
        return fused

    def reorder(self, *args: IterVar) -> None:
        """Put ``args`` in this order, in the positions they occupy among the leaves."""
        axes = list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        for iv in axes:
            self._check_leaf(iv)
        positions = sorted(index_of(self.leaf_iter_vars, iv) for iv in axes)
        for position, iv in zip(positions, axes, strict=True):
            self.leaf_iter_vars[position] = iv
        self._record(ReorderRecord(tuple(axes)))

    def tile(
        self, x_parent: IterVar, y_parent: IterVar, x_factor: Any, y_factor: Any
    ) -> tuple[IterVar, IterVar, IterVar, IterVar]:
        """Split both axes and reorder to ``(x.outer, y.outer, x.inner, y.inner)``."""
        xo, xi = self.split(x_parent, factor=x_factor)
        yo, yi = self.split(y_parent, factor=y_factor)
        self.reorder(xo, yo, xi, yi)
        return xo, yo, xi, yi

    def parallel(self, var: IterVar) -> None:
        self._loop_primitive("parallel", var)

    def vectorize(self, var: IterVar) -> None:
        self._loop_primitive("vectorize", var)

    def unroll(self, var: IterVar) -> None:
        self._loop_primitive("unroll", var)

    def pragma(self, var: IterVar, pragma_type: str, pragma_value: Any = None) -> None:
        """An annotation ``pragma_<type>`` on the loop (TVM's ``Stage.pragma``)."""
        value = 1 if pragma_value is None else pragma_value
        self._loop_primitive("annotate", var, f"pragma_{pragma_type}", value)

    def bind(self, ivar: IterVar, thread_ivar: IterVar) -> None:
        """Bind a leaf to a thread axis: recorded for bounds and printing (annotation
        ``thread_binding`` on the loop); building such a schedule for the CPU is refused."""
        if ivar.iter_type is IterType.COMM_REDUCE and not thread_ivar.thread_tag:
            raise StageArgumentError(f"bind: {thread_ivar!r} is not a thread axis")
        self._check_leaf(ivar)
        self.bind_map[ivar] = thread_ivar
        self._loop_primitive("annotate", ivar, "thread_binding", thread_ivar.thread_tag)

    def env_threads(self, threads: Any) -> None:
        """Accepted for compatibility (launch threads of a scan/extern stage): no effect."""

    # -------------------------------------------------------------- stage methods

    def set_scope(self, scope: str) -> None:
        """The storage scope of the stage's output (``"global"``, ``"shared"``, ``"local"``,
        ``"warp"``)."""
        self.scope = scope
        if self.block is not None and scope in ("global", "local"):
            self._block_call(BlockRecord("set_scope", (0, scope)))

    def storage_align(self, axis: IterVar, factor: int, offset: int) -> None:
        """Pad the stride of ``axis``'s dimension to ``factor * k + offset``."""
        index = self._axis_index(axis)
        self._block()
        self._block_call(BlockRecord("storage_align", (0, index, factor, offset)))

    def double_buffer(self) -> None:
        """Accepted; annotates the block (it has no effect on the CPU)."""
        self._block()
        self.double_buffered = True
        self._block_call(BlockRecord("annotate", ("double_buffer_scope", 0)))

    def compute_inline(self) -> None:
        """Inline the stage into its consumers (``sch.compute_inline``)."""
        self._block()
        self._block_call(BlockRecord("compute_inline"))
        self.attach_type = "inline"

    def compute_root(self) -> None:
        """Compute the stage at the root (the default). After ``compute_at``, S-TIR having
        no primitive moving a block back, the schedule is rebuilt from the unscheduled
        function by replaying its log without that attach (``Schedule.replay_without``)."""
        if self.attach_type == "inline":
            raise AttachError(f"compute_root of stage {self.op.name!r}: it was inlined")
        if self.attach_type == "scope":
            self.sch.replay_without(self)
        self.attach_type, self.attach_stage, self.attach_ivar = "root", None, None

    def compute_at(self, parent: Stage, scope: IterVar) -> None:
        """Compute the stage inside ``parent``'s loop ``scope`` (``sch.compute_at``).

        The stage's loops are regenerated by S-TIR; its earlier loop methods are applied
        again to the new loops.
        """
        if parent is self:
            raise AttachError(f"compute_at: stage {self.op.name!r} cannot attach to itself")
        if not contains(parent.leaf_iter_vars, scope):
            raise UnknownIterVarError(
                f"compute_at: {scope.var.name!r} is not a leaf axis of stage {parent.op.name!r}"
            )
        self.attach_type, self.attach_stage, self.attach_ivar = "scope", parent, scope
        self._block_call(AttachRecord(parent, scope))

    def attach_in_stir(self, parent: Stage, scope: IterVar) -> None:
        """``sch.compute_at`` under ``parent``'s loop for ``scope``; a refusal is kept in
        ``Schedule.failures`` (the stage then stays out of S-TIR)."""
        if not (self.in_stir and parent.in_stir):
            self.sch.failures.append(f"compute_at of stage {self.op.name!r}: not in S-TIR")
            self.in_stir = False
            return
        try:
            self.sch.sch.compute_at(self._block(), parent.loops[scope], preserve_unit_loops=True)
        except ScheduleError as err:
            # Kept for the bounds comparison; lower/build report it (Schedule.to_prim_func).
            self.sch.failures.append(f"compute_at of stage {self.op.name!r}: {err}")
            self.in_stir = False
            return
        self.rebind_loops()

    # --------------------------------------------------------------------- helpers

    def reset(self, operation: Operation) -> None:
        """The stage now computes ``operation`` (after ``rfactor``/``cache_write``): its
        root IterVars are the leaves again, with no relations and no loop methods."""
        self.op = operation
        self.axis = tuple(getattr(operation, "axis", ()))
        self.reduce_axis = tuple(getattr(operation, "reduce_axis", ()))
        self.body = tuple(getattr(operation, "body", ()))
        self.all_iter_vars = self.root_iter_vars
        self.leaf_iter_vars = self.root_iter_vars
        self.relations, self.records = [], []
        self.iter_index = list(range(len(self.all_iter_vars)))

    def adopt_loops(self, loops: Sequence[LoopRV]) -> None:
        """Map the root IterVars to ``loops`` (one each), reordering them into the roots'
        order when the S-TIR nest has them in another."""
        sch = self.sch.sch
        nest = [sch.get(lp) for lp in sch.get_loops(self._block())]
        where = [next(k for k, lp in enumerate(nest) if lp is sch.get(loop)) for loop in loops]
        if where != sorted(where):
            sch.reorder(*loops)
        self.loops = LoopMap(self.op.name)
        for iv, loop in zip(self.root_iter_vars, loops, strict=True):
            self.loops[iv] = loop

    def bind_iter_index(self) -> None:
        """Record which block iter var each root's loop is bound to (loops adopted from a
        fresh S-TIR nest, each bound to exactly one iter var)."""
        sch = self.sch.sch
        node = sch.get(self._block())
        realize = sch.state.index_of(self._block()).realize[node]
        loop_vars = [sch.get(self.loops[iv]).loop_var for iv in self.root_iter_vars]
        self.iter_index = [
            next(k for k, value in enumerate(realize.iter_values) if value is var)
            for var in loop_vars
        ]

    def rebind_loops(self) -> None:
        """Map the root IterVars to the block's innermost loops (S-TIR made them one per
        block iter var, in the block's order), then re-apply the loop methods."""
        roots = self.root_iter_vars
        loops = self.sch.sch.get_loops(self._block())[-len(roots) :] if roots else []
        self.adopt_loops([loops[k] for k in self.iter_index])
        for record in self.records:
            record.apply(self)

    def _block(self) -> BlockRV:
        if self.block is None:
            raise PlaceholderStageError(f"stage {self.op.name!r} is a placeholder: no loops")
        return self.block

    def _record(self, record: Record) -> None:
        """Apply a loop record (when the stage is in S-TIR) and keep it for replays."""
        self._block()
        if self.in_stir:
            record.apply(self)
        self.records.append(record)
        self.sch.log.append((self, record))

    def _block_call(self, record: AttachRecord | BlockRecord) -> None:
        """Apply a block-level record and log it."""
        record.apply(self)
        self.sch.log.append((self, record))

    def replay(self, record: Any) -> None:
        """Apply a logged record again (on a rebuilt S-TIR schedule), logging it anew."""
        if isinstance(record, (AttachRecord, BlockRecord)):
            self._block_call(record)
        else:
            self._record(record)

    def _loop_primitive(self, name: str, var: IterVar, *args: Any) -> None:
        self._check_leaf(var)
        self._record(LoopRecord(name, var, args))

    def _check_leaf(self, iv: Any) -> None:
        if not isinstance(iv, IterVar) or not contains(self.leaf_iter_vars, iv):
            name = iv.var.name if isinstance(iv, IterVar) else repr(iv)
            raise UnknownIterVarError(
                f"{name!r} is not a leaf IterVar of stage {self.op.name!r} (leaves: "
                f"{', '.join(v.var.name for v in self.leaf_iter_vars)})"
            )

    def _check_consecutive(self, axes: Sequence[IterVar]) -> None:
        positions = [index_of(self.leaf_iter_vars, iv) for iv in axes]
        if positions != list(range(positions[0], positions[0] + len(axes))):
            raise StageArgumentError(
                f"fuse in stage {self.op.name!r}: "
                f"{', '.join(iv.var.name for iv in axes)} are not consecutive leaves, "
                "outermost first"
            )

    def _replace_leaves(self, old: list[IterVar], new: list[IterVar]) -> None:
        position = index_of(self.leaf_iter_vars, old[0])
        kept = [iv for iv in self.leaf_iter_vars if not contains(old, iv)]
        self.leaf_iter_vars = kept[:position] + new + kept[position:]
        self.all_iter_vars.extend(new)

    def _axis_index(self, axis: IterVar) -> int:
        axes = list(self.axis)
        if not contains(axes, axis):
            raise UnknownIterVarError(
                f"{axis.var.name!r} is not a root axis of stage {self.op.name!r}"
            )
        return index_of(axes, axis)
