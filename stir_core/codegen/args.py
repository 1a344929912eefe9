"""Argument validation of a kernel call, precomputed once per kernel.

``ArgumentValidator(signature).native_args(args)`` checks every argument and returns what
the native function takes (data pointers, scalars, shape variable values) or raises a
``KernelArgumentError`` subclass naming the parameter. Checks: count; numpy array for a
buffer (number of the right kind for a scalar); dtype; ndim; shape, where a shape variable
(``n``) is bound by the first array that has it and checked against the others and an
expression (``n + 2``) is evaluated once its variables are bound (or solved for its one
unbound variable when it is affine in it); C-contiguity and element alignment (the native
code loads whole elements); writeability of written buffers;
no overlap between a written buffer and any other array argument.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..ir import (
    Add,
    Buffer,
    Cast,
    Div,
    FloorDiv,
    FloorMod,
    IntImm,
    Max,
    Min,
    Mod,
    Mul,
    PrimExpr,
    Sub,
    Var,
)
from .errors import (
    AliasedArgumentError,
    ArgumentCountError,
    ArgumentDTypeError,
    ArgumentLayoutError,
    ArgumentShapeError,
    ArgumentTypeError,
    ReadOnlyArgumentError,
)
from .signature import Signature

_INT_OPS: dict[type, Callable[[int, int], int]] = {
    Add: operator.add,
    Sub: operator.sub,
    Mul: operator.mul,
    FloorDiv: lambda a, b: a // b if b else 0,
    FloorMod: lambda a, b: a % b if b else 0,
    Div: lambda a, b: int(a / b) if b else 0,
    Mod: lambda a, b: a - int(a / b) * b if b else 0,
    Min: min,
    Max: max,
}


def evaluate(expr: PrimExpr, env: Mapping[Var, int]) -> int | None:
    """The integer value of a shape expression, or None if a variable is unbound."""
    if isinstance(expr, IntImm):
        return expr.value
    if isinstance(expr, Var):
        return env.get(expr)
    if isinstance(expr, Cast):
        return evaluate(expr.value, env)
    op = _INT_OPS.get(type(expr))
    if op is None:
        return None
    a, b = evaluate(expr.a, env), evaluate(expr.b, env)  # type: ignore[attr-defined]
    return None if a is None or b is None else op(a, b)


def _solve(expr: PrimExpr, var: Var, target: int, env: dict[Var, int]) -> int | None:
    """``v`` with ``expr[var := v] == target`` when ``expr`` is affine in ``var``, else None."""
    at = [evaluate(expr, {**env, var: point}) for point in (0, 1)]
    if at[0] is None or at[1] is None or at[1] == at[0]:
        return None
    slope = at[1] - at[0]
    value, remainder = divmod(target - at[0], slope)
    if remainder or evaluate(expr, {**env, var: value}) != target:
        return None
    return value


def _free_vars(expr: PrimExpr) -> list[Var]:
    if isinstance(expr, Var):
        return [expr]
    found: list[Var] = []
    for name in ("a", "b", "value"):
        child = getattr(expr, name, None)
        if isinstance(child, PrimExpr):
            found.extend(v for v in _free_vars(child) if v not in found)
    return found


#: one shape (or stride) entry to check: (axis, constant size, variable, expression, what)
_Dim = tuple[int, int | None, Var | None, PrimExpr, str]


def _dim_specs(exprs: Sequence[PrimExpr], what: str) -> list[_Dim]:
    specs: list[_Dim] = []
    for axis, expr in enumerate(exprs):
        const = expr.value if isinstance(expr, IntImm) else None
        var = expr if isinstance(expr, Var) else None
        specs.append((axis, const, var, expr, what))
    return specs


class _BufferParam:
    """The checks of one buffer parameter, precomputed."""

    def __init__(self, position: int, buffer: Buffer, written: bool):
        self.position = position
        self.buffer = buffer
        self.dtype = buffer.dtype.numpy_dtype
        self.ndim = buffer.ndim
        self.written = written
        self.where = f"argument {position} (buffer {buffer.name!r})"
        self.dims = _dim_specs(buffer.shape, "shape")
        self.strides = _dim_specs(buffer.strides, "stride")

    def check_array(self, arg: object) -> np.ndarray:
        where = self.where
        if not isinstance(arg, np.ndarray):
            raise ArgumentTypeError(f"{where} must be a numpy array, got {type(arg).__name__}")
        if arg.dtype != self.dtype:
            wanted = self.buffer.dtype
            raise ArgumentDTypeError(f"{where} must have dtype {wanted}, got {arg.dtype}")
        if arg.ndim != self.ndim:
            raise ArgumentShapeError(
                f"{where} must have {self.ndim} dimension(s), got shape {arg.shape}"
            )
        flags = arg.flags
        if not flags.c_contiguous:
            raise ArgumentLayoutError(f"{where} must be C-contiguous (use np.ascontiguousarray)")
        if not flags.aligned:
            raise ArgumentLayoutError(
                f"{where} is not aligned to its element size (use np.require(a, requirements='A'))"
            )
        if self.written and not flags.writeable:
            raise ReadOnlyArgumentError(f"{where} is written by the kernel but is read-only")
        return arg

    def bind(self, array: np.ndarray, env: dict[Var, int], pending: list) -> None:
        """Bind or check every dimension; expressions with unbound variables wait."""
        _bind_dims(self, self.dims, array.shape, env, pending)
        if self.strides:
            _bind_dims(self, self.strides, _compact_strides(array.shape), env, pending)


def _compact_strides(shape: tuple[int, ...]) -> list[int]:
    """Row-major strides in elements."""
    step, strides = 1, list[int]()
    for size in reversed(shape):
        strides.insert(0, step)
        step *= size
    return strides


def _bind_dims(
    param: _BufferParam, dims: list[_Dim], sizes: Sequence[int], env: dict[Var, int], pending: list
) -> None:
    for axis, const, var, expr, what in dims:
        size = sizes[axis]
        if const is not None:
            if size != const:
                _dim_error(param, axis, expr, size, env, what)
        elif var is not None:
            bound = env.setdefault(var, size)
            if bound != size:
                _dim_error(param, axis, expr, size, env, what)
        elif evaluate(expr, env) is None:
            pending.append((param, axis, expr, size, what))
        elif evaluate(expr, env) != size:
            _dim_error(param, axis, expr, size, env, what)


@dataclass
class _ScalarParam:
    position: int
    var: Var

    def check(self, arg: object) -> int | float | bool:
        dtype = self.var.dtype
        where = f"argument {self.position} (scalar {self.var.name!r} of dtype {dtype})"
        if dtype.is_bool:
            if not isinstance(arg, (bool, np.bool_)):
                raise ArgumentTypeError(f"{where} must be a bool, got {type(arg).__name__}")
            return bool(arg)
        if dtype.is_float:
            if not isinstance(arg, numbers.Real):
                raise ArgumentTypeError(f"{where} must be a real number, got {type(arg).__name__}")
            return float(arg)
        if not isinstance(arg, numbers.Integral):
            raise ArgumentTypeError(f"{where} must be an integer, got {type(arg).__name__}")
        if not dtype.min_value() <= int(arg) <= dtype.max_value():
            raise ArgumentTypeError(f"{where}: {int(arg)} does not fit in {dtype}")
        return int(arg)


class ArgumentValidator:
    """Checks a call's arguments against ``signature`` (see the module docstring)."""

    def __init__(self, signature: Signature):
        func = signature.func
        self.count = len(func.params)
        self.name = func.name
        self.buffers: list[_BufferParam] = []
        self.scalars: list[_ScalarParam] = []
        for position, param in enumerate(func.params):
            if isinstance(param, Buffer):
                self.buffers.append(_BufferParam(position, param, signature.is_written(param)))
            else:
                self.scalars.append(_ScalarParam(position, param))
        self.shape_vars = [
            (var, int(var.dtype.min_value()), int(var.dtype.max_value()))
            for var in signature.shape_vars
        ]
        self.check_overlap = any(p.written for p in self.buffers) and len(self.buffers) > 1

    def native_args(self, args: Sequence[object]) -> list[object]:
        """The native call's arguments for ``args``, or a ``KernelArgumentError``."""
        if len(args) != self.count:
            raise ArgumentCountError(
                f"kernel {self.name!r} takes {self.count} argument(s), got {len(args)}"
            )
        native: list[object] = list(args)
        env: dict[Var, int] = {}
        for scalar in self.scalars:
            native[scalar.position] = value = scalar.check(args[scalar.position])
            if isinstance(value, int):
                env[scalar.var] = value
        arrays = [param.check_array(args[param.position]) for param in self.buffers]
        pending: list[tuple[_BufferParam, int, PrimExpr, int, str]] = []
        for param, array in zip(self.buffers, arrays, strict=True):
            param.bind(array, env, pending)
        if pending:
            _resolve(pending, env)
        pointers = [array.ctypes.data for array in arrays]
        if self.check_overlap:
            self._check_overlap(arrays, pointers)
        for param, pointer in zip(self.buffers, pointers, strict=True):
            native[param.position] = pointer
        return native + [_shape_value(var, low, high, env) for var, low, high in self.shape_vars]

    def _check_overlap(self, arrays: list[np.ndarray], pointers: list[int]) -> None:
        spans = [(p, p + a.nbytes) for p, a in zip(pointers, arrays, strict=True)]
        for i, param in enumerate(self.buffers):
            start, stop = spans[i]
            if not param.written or start == stop:
                continue
            for j, other in enumerate(self.buffers):
                lo, hi = spans[j]
                if j != i and lo != hi and lo < stop and start < hi:
                    raise AliasedArgumentError(
                        f"{param.where} is written by the kernel and overlaps "
                        f"{other.where}; pass distinct arrays"
                    )


def _resolve(pending: list, env: dict[Var, int]) -> None:
    """Check the expressions left over, solving each for its one unbound variable."""
    for param, axis, expr, size, what in pending:
        unbound = [v for v in _free_vars(expr) if v not in env]
        if len(unbound) == 1:
            solved = _solve(expr, unbound[0], size, env)
            if solved is not None:
                env[unbound[0]] = solved
        if evaluate(expr, env) != size:
            _dim_error(param, axis, expr, size, env, what)


def _shape_value(var: Var, low: int, high: int, env: dict[Var, int]) -> int:
    value = env.get(var)
    if value is None:
        raise ArgumentShapeError(f"cannot infer shape variable {var.name!r} from the arrays")
    if not low <= value <= high:
        raise ArgumentShapeError(
            f"shape variable {var.name!r} = {value} does not fit in {var.dtype}"
        )
    return value


def _dim_error(
    param: _BufferParam, axis: int, expr: PrimExpr, size: int, env: Mapping[Var, int], what: str
) -> None:
    expected = evaluate(expr, env)
    bound = ", ".join(f"{var.name}={value}" for var, value in env.items())
    detail = f" with {bound}" if bound else ""
    wanted = "cannot be determined" if expected is None else f"must be {expected}"
    raise ArgumentShapeError(
        f"{param.where}: {what} of axis {axis} is {size} but {wanted} (declared {expr}{detail})"
    )
