"""Classic IterVars and the relations between them (TVM's ``IterVarRelation``).

A classic stage keeps its loop structure as IterVars: the op's root axes, and the leaves
created by ``split``/``fuse``. Each relation is recorded here for the classic-InferBound
model (``te_compat.inferbound``); the loops themselves live only in the S-TIR schedule, and
``LoopMap`` says which ``LoopRV`` each leaf IterVar is.

>>> xo, xi = new_split_vars(x)        # IterVars "i.outer", "i.inner"
>>> Split(parent=x, outer=xo, inner=xi, factor=const(8), nparts=None)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stir_core.errors import UserError
from stir_core.ir import IterType, IterVar, PrimExpr, Range, Var, op
from stir_core.schedule import LoopRV

THREAD_TAGS = (
    "blockIdx.x",
    "blockIdx.y",
    "blockIdx.z",
    "threadIdx.x",
    "threadIdx.y",
    "threadIdx.z",
    "vthread",
    "cthread",
)


class ThreadAxisError(UserError, ValueError):
    """``te.thread_axis`` got a tag that is not a CUDA-style thread index."""


class UnknownIterVarError(UserError, ValueError):
    """A stage method got an IterVar that is not a leaf of that stage."""


@dataclass(frozen=True, eq=False)
class Split:
    """``parent`` split into ``outer`` x ``inner`` by ``factor`` (inner extent) or ``nparts``."""

    parent: IterVar
    outer: IterVar
    inner: IterVar
    factor: PrimExpr | None
    nparts: PrimExpr | None


@dataclass(frozen=True, eq=False)
class Fuse:
    """``outer`` and ``inner`` (adjacent leaves) fused into ``fused``."""

    outer: IterVar
    inner: IterVar
    fused: IterVar


Relation = Split | Fuse

_UNKNOWN = Range(op.const(0), op.const(0))


def derived(name: str, like: IterVar) -> IterVar:
    """A new leaf IterVar named ``name`` of the same kind as ``like`` (no domain yet)."""
    return IterVar(Var(name, like.var.dtype), _UNKNOWN, like.iter_type)


def copy_axis(iv: IterVar, suffix: str) -> IterVar:
    """A fresh IterVar with ``iv``'s domain and kind (cache stages get copies of the axes)."""
    return IterVar(Var(f"{iv.var.name}{suffix}", iv.var.dtype), iv.dom, iv.iter_type)


def thread_axis(dom: object = None, tag: str = "", name: str = "", span: object = None) -> IterVar:
    """TVM's ``te.thread_axis``: ``te.thread_axis("threadIdx.x")`` (or ``(dom, tag)``)."""
    if isinstance(dom, str) and not tag:
        dom, tag = None, dom
    base = tag.split(".")[0] if tag else ""
    if tag not in THREAD_TAGS and base not in ("vthread", "cthread"):
        raise ThreadAxisError(f"thread_axis: unknown thread tag {tag!r}; use one of {THREAD_TAGS}")
    rng = _UNKNOWN
    if isinstance(dom, Range):
        rng = dom
    elif isinstance(dom, (tuple, list)):
        rng = Range.from_begin_end(dom[0], dom[1])
    return IterVar(Var(name or tag, "int32"), rng, IterType.THREAD_INDEX, tag)


def has_domain(iv: IterVar) -> bool:
    """Whether ``iv`` was given a domain (split/fuse results and bare thread axes were not)."""
    return iv.dom is not _UNKNOWN


@dataclass(frozen=True)
class ThreadScope:
    """TVM's ``runtime::ThreadScope``: rank 0 for blockIdx, 1 for threadIdx/vthread."""

    rank: int
    dim_index: int

    @staticmethod
    def of(tag: str) -> ThreadScope:
        if tag.startswith("blockIdx"):
            return ThreadScope(0, "xyz".index(tag[-1]))
        if tag.startswith("threadIdx"):
            return ThreadScope(1, "xyz".index(tag[-1]))
        return ThreadScope(1, -1)  # vthread / cthread


#: TVM's ``runtime::StorageRank`` by scope name
STORAGE_RANK = {"global": 0, "shared": 1, "warp": 2, "local": 3}


def default_storage_rank(thread_rank: int) -> int:
    """TVM's ``DefaultStorageRank``: global outside threads, shared in a block, local in one."""
    return {-1: 0, 0: 1}.get(thread_rank, 3)


def index_of(items: Sequence[IterVar], iv: IterVar) -> int:
    """Position of ``iv`` in ``items`` by identity (``==`` on IterVars builds IR)."""
    for position, item in enumerate(items):
        if item is iv:
            return position
    raise UnknownIterVarError(f"IterVar {iv.var.name!r} is not in the list")


def contains(items: Sequence[IterVar], iv: IterVar) -> bool:
    return any(item is iv for item in items)


class LoopMap:
    """Leaf IterVar -> ``LoopRV`` of the S-TIR schedule, for one stage."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.loops: dict[IterVar, LoopRV] = {}

    def __getitem__(self, iv: IterVar) -> LoopRV:
        loop = self.loops.get(iv)
        if loop is None:
            raise UnknownIterVarError(
                f"IterVar {iv.var.name!r} is not a leaf axis of stage {self.owner!r}"
            )
        return loop

    def __setitem__(self, iv: IterVar, loop: LoopRV) -> None:
        self.loops[iv] = loop

    def pop(self, iv: IterVar) -> LoopRV:
        return self.loops.pop(iv)
