"""Building TE graphs: ``placeholder``, ``compute``, ``reduce_axis``, ``var``/``size_var``.

``compute(shape, fcompute)`` calls ``fcompute`` once with one index ``Var`` per dimension;
what it returns (an expression, or a tuple of them for several outputs) is the stage's
body, already S-TIR. Nothing is lowered here: ``create_prim_func`` does that.

>>> C = te.compute((n, m), lambda i, j: A[i, j] + B[j], name="C")
>>> C.op.axis              # (IterVar i in [0, n), IterVar j in [0, m))
>>> C.op.input_tensors     # [A, B]
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from stir_core.errors import UserError
from stir_core.ir import (
    REDUCE,
    SPATIAL,
    BufferLoad,
    DataType,
    IRVisitor,
    IterVar,
    PrimExpr,
    Range,
    SizeVar,
    Var,
    op,
    post_order_visit,
    promote,
)

from .reduce import Reduce
from .tag import current_tag
from .tensor import (
    ComputeOp,
    PlaceholderOp,
    Tensor,
    TensorShapeError,
    tensor_of_buffer,
)


class ComputeArityError(UserError, ValueError):
    """``fcompute`` does not take one index argument per output dimension."""


class ComputeBodyError(UserError, TypeError):
    """``fcompute`` returned something that is not an expression (or a bad reduction)."""


# ------------------------------------------------------------------------------ leaves


def var(name: str = "tindex", dtype: str = "int32", span: Any = None) -> Var:
    """A new scalar variable (e.g. a symbolic shape)."""
    return Var(name, DataType(dtype))


def size_var(name: str = "size", dtype: str = "int32", span: Any = None) -> SizeVar:
    """A new variable known to be non-negative (a shape dimension)."""
    return SizeVar(name, DataType(dtype))


def const(value: Any, dtype: str = "int32", span: Any = None) -> PrimExpr:
    """A constant of ``dtype`` (``int32`` by default, as ``te.const`` in TVM)."""
    return op.const(value, dtype)


def reduce_axis(dom: Any, name: str = "rv", thread_tag: str = "", span: Any = None) -> IterVar:
    """A reduction iteration variable over ``dom``: a ``Range`` or a ``(begin, end)`` pair."""
    if isinstance(dom, Range):
        rng = dom
    elif isinstance(dom, (tuple, list)) and len(dom) == 2:
        rng = Range.from_begin_end(dom[0], dom[1])
    else:
        raise TensorShapeError(f"reduce_axis {name!r}: dom must be (begin, end) or a Range")
    dtype = promote(rng.min.dtype, rng.extent.dtype)
    if not dtype.is_integer:
        raise TensorShapeError(f"reduce_axis {name!r}: bounds must be integers, got {dtype}")
    return IterVar(Var(name, dtype), rng, REDUCE, thread_tag)


# ----------------------------------------------------------------------------- tensors


def placeholder(shape: Any, dtype: str | None = None, name: str = "placeholder") -> Tensor:
    """An input tensor of ``shape`` and ``dtype`` (``float32`` by default)."""
    dims = _shape(shape, f"placeholder {name!r}")
    return PlaceholderOp(name, dims, "float32" if dtype is None else dtype).output(0)


def compute(
    shape: Any,
    fcompute: Callable[..., Any],
    name: str = "compute",
    tag: str = "",
    attrs: Mapping[str, Any] | None = None,
    varargs_names: Sequence[str] | None = None,
) -> Any:
    """A tensor whose element at index ``(i, j, ...)`` is ``fcompute(i, j, ...)``.

    Returns one ``Tensor``, or a tuple of them when ``fcompute`` returns several values.
    """
    tag = current_tag(tag)
    dims = _shape(shape, f"compute {name!r}")
    names = _index_names(fcompute, len(dims), name, varargs_names)
    axis = tuple(
        IterVar(Var(n, d.dtype), Range(op.const(0, d.dtype), d), SPATIAL)
        for n, d in zip(names, dims, strict=True)
    )
    bodies = _bodies(fcompute(*(iv.var for iv in axis)), name)
    reduce_axis = _reduction_axes(bodies, name)
    node = ComputeOp(
        name, tag, attrs or {}, axis, bodies, reduce_axis, _input_tensors(bodies, name)
    )
    return node.outputs[0] if node.num_outputs == 1 else node.outputs


def _shape(shape: Any, owner: str) -> tuple[PrimExpr, ...]:
    if isinstance(shape, (PrimExpr, numbers.Integral)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TensorShapeError(f"{owner}: shape must be a tuple or list, got {shape!r}")
    return tuple(_dim(d, owner) for d in shape)


def _dim(dim: Any, owner: str) -> PrimExpr:
    if isinstance(dim, float) and dim.is_integer():
        dim = int(dim)
    if isinstance(dim, bool) or not isinstance(dim, (numbers.Integral, PrimExpr, IterVar)):
        raise TensorShapeError(f"{owner}: shape entry {dim!r} is not an integer")
    if isinstance(dim, numbers.Integral) and dim < 0:
        raise TensorShapeError(f"{owner}: shape entry {dim} is negative")
    expr = op.convert(dim)
    if not expr.dtype.is_integer:
        raise TensorShapeError(f"{owner}: shape entry {expr} has dtype {expr.dtype}")
    return expr


def _index_names(
    fcompute: Callable[..., Any], ndim: int, name: str, varargs_names: Sequence[str] | None
) -> list[str]:
    """One index name per dimension, from ``fcompute``'s parameters (``*args`` fills up)."""
    try:
        spec = inspect.getfullargspec(fcompute)
    except TypeError:
        raise ComputeArityError(
            f"compute {name!r}: fcompute {fcompute!r} is not callable"
        ) from None
    fixed = spec.args[1:] if inspect.ismethod(fcompute) else list(spec.args)
    if spec.varkw or spec.kwonlyargs or spec.defaults:
        raise ComputeArityError(
            f"compute {name!r}: fcompute may only take positional index arguments "
            "(no defaults, keyword-only or **kwargs)"
        )
    if spec.varargs is None:
        if len(fixed) != ndim:
            raise ComputeArityError(
                f"compute {name!r}: fcompute takes {len(fixed)} index argument(s) but the "
                f"shape has {ndim} dimension(s)"
            )
        return fixed
    if len(fixed) > ndim:
        raise ComputeArityError(
            f"compute {name!r}: fcompute takes at least {len(fixed)} index argument(s) but "
            f"the shape has only {ndim} dimension(s)"
        )
    rest = ndim - len(fixed)
    if varargs_names is not None and len(varargs_names) != rest:
        raise ComputeArityError(
            f"compute {name!r}: {len(varargs_names)} varargs_names for {rest} *args index(es)"
        )
    return fixed + list(varargs_names or [f"i{i}" for i in range(rest)])


def _bodies(result: Any, name: str) -> tuple[PrimExpr, ...]:
    items = tuple(result) if isinstance(result, (list, tuple)) else (result,)
    if not items:
        raise ComputeBodyError(f"compute {name!r}: fcompute returned an empty tuple")
    return tuple(_body(item, name) for item in items)


def _body(item: Any, name: str) -> PrimExpr:
    if item is None or isinstance(item, (str, bytes)):
        raise ComputeBodyError(
            f"compute {name!r}: fcompute must return an expression, got "
            f"{type(item).__name__} {item!r}"
        )
    try:
        expr = op.convert(item)
    except UserError as err:
        raise ComputeBodyError(
            f"compute {name!r}: fcompute must return an expression, got "
            f"{type(item).__name__} ({err})"
        ) from None
    if expr.dtype.is_handle or not expr.dtype.is_scalar:
        raise ComputeBodyError(f"compute {name!r}: body {expr} has unsupported dtype {expr.dtype}")
    return expr


class _ReduceCounter(IRVisitor):
    def __init__(self) -> None:
        self.count = 0

    def visit_Reduce(self, node: Reduce) -> None:
        self.count += 1
        self.generic_visit(node)


def _reduction_axes(bodies: tuple[PrimExpr, ...], name: str) -> tuple[IterVar, ...]:
    """Check that reductions are whole bodies of one combiner; return their axes."""
    for body in bodies:
        counter = _ReduceCounter()
        counter.visit(body)
        if counter.count > (1 if isinstance(body, Reduce) else 0):
            raise ComputeBodyError(
                f"compute {name!r}: a reduction (te.sum/max/min/comm_reducer) must be the whole "
                "body of the stage; compute it in its own stage and use that tensor"
            )
    reductions = [b for b in bodies if isinstance(b, Reduce)]
    if not reductions:
        return ()
    first = reductions[0]
    for index, body in enumerate(bodies):
        if (
            not isinstance(body, Reduce)
            or body.combiner is not first.combiner
            or body.value_index != index
            or len(body.axis) != len(first.axis)
            or any(a is not b for a, b in zip(body.axis, first.axis, strict=True))
        ):
            raise ComputeBodyError(
                f"compute {name!r}: all outputs of a reduction stage must come from one "
                "(tuple) reducer call, in order"
            )
    return first.axis


def _input_tensors(bodies: tuple[PrimExpr, ...], name: str) -> list[Tensor]:
    """The tensors the bodies load, in order of first use."""
    found: dict[Any, Tensor] = {}

    def visit(node: Any) -> None:
        if isinstance(node, BufferLoad) and node.buffer not in found:
            tensor = tensor_of_buffer(node.buffer)
            if tensor is None:
                raise ComputeBodyError(
                    f"compute {name!r}: the body loads buffer {node.buffer.name!r}, which is "
                    "not a live te tensor"
                )
            found[node.buffer] = tensor

    for body in bodies:
        post_order_visit(body, visit)
    return list(found.values())
