"""Commutative reductions: ``te.sum``, ``te.max``, ``te.min`` and ``te.comm_reducer``.

A reduction is a ``Reduce`` expression node that only ``te.compute`` understands: it must be
the whole body of a stage, and ``create_prim_func`` turns it into a block with an ``init``
and an update ``C = combine(C, value)``. stir_core never sees a ``Reduce``.

>>> k = te.reduce_axis((0, m), name="k")
>>> te.compute((n,), lambda i: te.sum(A[i, k], axis=k))   # one reduction stage
>>> te.max(a, b)                                          # two expressions: plain Max(a, b)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from stir_core.errors import UserError
from stir_core.ir import (
    REDUCE,
    DataType,
    IterVar,
    PrimExpr,
    Var,
    op,
    substitute,
)
from stir_core.ir.node import ir_node


class ReduceError(UserError, ValueError):
    """A reduction was built from invalid parts (axis, combiner, identity, condition)."""


@dataclass(frozen=True, eq=False)
class CommReducer:
    """A commutative combiner ``result(lhs, rhs)`` with its identity (TVM's ``CommReducer``).

    One entry per reduced value: a tuple reducer (argmax) has two of each.
    """

    lhs: tuple[Var, ...]
    rhs: tuple[Var, ...]
    result: tuple[PrimExpr, ...]
    identity_element: tuple[PrimExpr, ...]
    name: str = "reduce"

    def __call__(self, lhs: Sequence[Any], rhs: Sequence[Any]) -> tuple[PrimExpr, ...]:
        """The combined values for ``lhs`` (the accumulator) and ``rhs`` (the new value)."""
        vmap = dict(zip(self.lhs, lhs, strict=True)) | dict(zip(self.rhs, rhs, strict=True))
        return tuple(substitute(expr, vmap) for expr in self.result)


@ir_node
class Reduce(PrimExpr):
    """Output ``value_index`` of reducing ``source`` over ``axis`` where ``condition`` holds.

    ``init`` (optional, one per output) replaces the identity as the initial value.
    """

    dtype: DataType
    combiner: CommReducer
    source: tuple[PrimExpr, ...]
    axis: tuple[IterVar, ...]
    condition: PrimExpr
    value_index: int
    init: tuple[PrimExpr, ...] = ()


def min_value(dtype: str, span: Any = None) -> PrimExpr:
    """The smallest value of ``dtype`` as a constant (the identity of ``max``)."""
    dt = DataType(dtype)
    return op.const(dt.min_value(), dt)


def max_value(dtype: str, span: Any = None) -> PrimExpr:
    """The largest value of ``dtype`` as a constant (the identity of ``min``)."""
    dt = DataType(dtype)
    return op.const(dt.max_value(), dt)


class Reducer:
    """What ``comm_reducer`` returns: call it as ``r(expr, axis=k, where=...)`` to reduce,
    or with plain expressions ``r(a, b, c)`` to combine them directly."""

    def __init__(
        self, fcombine: Callable[..., Any], fidentity: Callable[..., Any], name: str
    ) -> None:
        self.fcombine, self.fidentity, self.name = fcombine, fidentity, name
        self.__doc__ = f"Create a {name} reduction over axis (or combine expressions)."

    def __call__(
        self, expr: Any, axis: Any, where: Any = None, init: Any = None, *args: Any
    ) -> Any:
        if isinstance(axis, (IterVar, list, tuple)):
            if args:
                raise ReduceError(f"{self.name}: unexpected extra arguments {args!r}")
            return self._make_reduce(expr, axis, where, init)
        values = [v for v in (expr, axis, where, init, *args) if v is not None]
        result = values[0]
        for value in values[1:]:
            result = self.fcombine(result, value)
        return result

    def __repr__(self) -> str:
        return f"comm_reducer({self.name})"

    def _make_reduce(self, expr: Any, axis: Any, where: Any, init: Any) -> Any:
        is_tuple = isinstance(expr, (list, tuple))
        sources = tuple(op.convert(e) for e in (expr if is_tuple else (expr,)))
        axes = _reduce_axes(axis, self.name)
        combiner = self._combiner(sources, is_tuple)
        condition = _condition(where, self.name)
        inits = _init_values(init, sources, is_tuple, self.name)
        outputs = tuple(
            Reduce(src.dtype, combiner, sources, axes, condition, i, inits)
            for i, src in enumerate(sources)
        )
        return outputs if is_tuple else outputs[0]

    def _combiner(self, sources: tuple[PrimExpr, ...], is_tuple: bool) -> CommReducer:
        names = _operand_names(self.fcombine)
        dtypes = [s.dtype for s in sources]
        if is_tuple:
            lhs = tuple(Var(f"{names[0]}_{i}", dt) for i, dt in enumerate(dtypes))
            rhs = tuple(Var(f"{names[1]}_{i}", dt) for i, dt in enumerate(dtypes))
            result = self.fcombine(lhs, rhs)
            identity = self.fidentity(*dtypes)
        else:
            lhs, rhs = (Var(names[0], dtypes[0]),), (Var(names[1], dtypes[0]),)
            result = self.fcombine(lhs[0], rhs[0])
            identity = self.fidentity(dtypes[0])
        results = _per_output(result, dtypes, f"{self.name}: fcombine result")
        identities = _per_output(identity, dtypes, f"{self.name}: fidentity result")
        return CommReducer(lhs, rhs, results, identities, self.name)


def _operand_names(fcombine: Callable[..., Any]) -> tuple[str, str]:
    code = getattr(fcombine, "__code__", None)
    if code is not None and code.co_argcount == 2:
        return code.co_varnames[0], code.co_varnames[1]
    return "x", "y"


def _per_output(value: Any, dtypes: Sequence[DataType], what: str) -> tuple[PrimExpr, ...]:
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    if len(values) != len(dtypes):
        raise ReduceError(f"{what} has {len(values)} value(s), expected {len(dtypes)}")
    try:
        return tuple(op.cast(dt, v) for v, dt in zip(values, dtypes, strict=True))
    except UserError as err:
        raise ReduceError(f"{what}: {err}") from None


def _reduce_axes(axis: Any, name: str) -> tuple[IterVar, ...]:
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    if not axes:
        raise ReduceError(f"{name}: needs at least one reduction axis")
    for iv in axes:
        if not isinstance(iv, IterVar) or iv.iter_type is not REDUCE:
            raise ReduceError(
                f"{name}: axis must be created with te.reduce_axis, got {iv!r} "
                f"({type(iv).__name__})"
            )
    return axes


def _condition(where: Any, name: str) -> PrimExpr:
    condition = op.const(True) if where is None else op.convert(where)
    if not condition.dtype.is_bool:
        raise ReduceError(
            f"{name}: where= must be a boolean condition, got dtype {condition.dtype}"
        )
    return condition


def _init_values(
    init: Any, sources: tuple[PrimExpr, ...], is_tuple: bool, name: str
) -> tuple[PrimExpr, ...]:
    if init is None:
        return ()
    return _per_output(init if is_tuple else (init,), [s.dtype for s in sources], f"{name} init")


def comm_reducer(
    fcombine: Callable[..., Any], fidentity: Callable[..., Any], name: str = "reduce"
) -> Reducer:
    """A commutative reducer from ``fcombine(x, y)`` and ``fidentity(dtype)``.

    For a tuple reducer ``fcombine`` takes two tuples and ``fidentity`` one dtype per value:

    >>> argmax = te.comm_reducer(
    ...     lambda x, y: (tir.Select(x[1] >= y[1], x[0], y[0]),
    ...                   tir.Select(x[1] >= y[1], x[1], y[1])),
    ...     lambda t0, t1: (tir.const(-1, t0), te.min_value(t1)), name="argmax")
    """
    return Reducer(fcombine, fidentity, name)


sum = comm_reducer(op.add, lambda t: op.const(0, t), name="sum")
min = comm_reducer(op.minimum, max_value, name="min")
max = comm_reducer(op.maximum, min_value, name="max")
