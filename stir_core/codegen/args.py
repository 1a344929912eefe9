"""Argument validation of a kernel call, precomputed once per kernel.

``ArgumentValidator(signature).native_args(args)`` checks every argument and returns what
the native function takes (data pointers, scalars, shape variable values) or raises a
``KernelArgumentError`` subclass naming the parameter. Checks: count; numpy array for a
buffer (number of the right kind for a scalar); dtype; ndim; shape, where a shape variable
(``n``) is bound by the first array that has it and checked against the others and an
expression (``n + 2``) is evaluated once its variables are bound (or solved for its one
unbound variable when it is affine in it); C-contiguity; writeability of written buffers;
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


@dataclass
class _BufferParam:
    position: int
    buffer: Buffer
    dtype: np.dtype
    written: bool

    def describe(self) -> str:
        return f"argument {self.position} (buffer {self.buffer.name!r})"

    def check_array(self, arg: object) -> np.ndarray:
        where = self.describe()
        if not isinstance(arg, np.ndarray):
            raise ArgumentTypeError(f"{where} must be a numpy array, got {type(arg).__name__}")
        if arg.dtype != self.dtype:
            raise ArgumentDTypeError(
                f"{where} must have dtype {self.buffer.dtype}, got {arg.dtype}"
            )
        if arg.ndim != self.buffer.ndim:
            raise ArgumentShapeError(
                f"{where} must have {self.buffer.ndim} dimension(s), got shape {arg.shape}"
            )
        if not arg.flags.c_contiguous:
            raise ArgumentLayoutError(f"{where} must be C-contiguous (use np.ascontiguousarray)")
        if self.written and not arg.flags.writeable:
            raise ReadOnlyArgumentError(f"{where} is written by the kernel but is read-only")
        return arg


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
        self.shape_vars = signature.shape_vars
        self.buffers: list[_BufferParam] = []
        self.scalars: list[_ScalarParam] = []
        for position, param in enumerate(func.params):
            if isinstance(param, Buffer):
                dtype = param.dtype.numpy_dtype
                written = signature.is_written(param)
                self.buffers.append(_BufferParam(position, param, dtype, written))
            else:
                self.scalars.append(_ScalarParam(position, param))

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
        self._bind_shapes(arrays, env)
        self._check_overlap(arrays)
        for param, array in zip(self.buffers, arrays, strict=True):
            native[param.position] = array.ctypes.data
        return native + [self._shape_value(var, env) for var in self.shape_vars]

    def _bind_shapes(self, arrays: list[np.ndarray], env: dict[Var, int]) -> None:
        pending: list[tuple[_BufferParam, int, PrimExpr, int]] = []
        for param, array in zip(self.buffers, arrays, strict=True):
            for axis, (expr, size) in enumerate(zip(param.buffer.shape, array.shape, strict=True)):
                if isinstance(expr, Var) and expr not in env:
                    env[expr] = size
                elif evaluate(expr, env) is None:
                    pending.append((param, axis, expr, size))
                else:
                    _check_dim(param, axis, expr, size, env)
            self._check_strides(param, array, env, pending)
        for param, axis, expr, size in pending:
            unbound = [v for v in _free_vars(expr) if v not in env]
            if len(unbound) == 1:
                solved = _solve(expr, unbound[0], size, env)
                if solved is not None:
                    env[unbound[0]] = solved
            _check_dim(param, axis, expr, size, env)

    @staticmethod
    def _check_strides(
        param: _BufferParam, array: np.ndarray, env: dict[Var, int], pending: list
    ) -> None:
        """Declared strides (in elements) must be the array's compact row-major strides."""
        step = 1
        compact = []
        for size in reversed(array.shape):
            compact.insert(0, step)
            step *= size
        for axis, (expr, stride) in enumerate(zip(param.buffer.strides, compact, strict=False)):
            if isinstance(expr, Var) and expr not in env:
                env[expr] = stride
            elif evaluate(expr, env) is None:
                pending.append((param, axis, expr, stride))
            else:
                _check_dim(param, axis, expr, stride, env, "stride")

    def _check_overlap(self, arrays: list[np.ndarray]) -> None:
        spans = [(a.ctypes.data, a.ctypes.data + a.nbytes) for a in arrays]
        for i, param in enumerate(self.buffers):
            if not param.written or spans[i][0] == spans[i][1]:
                continue
            for j, other in enumerate(self.buffers):
                lo, hi = spans[j]
                if j != i and lo != hi and lo < spans[i][1] and spans[i][0] < hi:
                    raise AliasedArgumentError(
                        f"{param.describe()} is written by the kernel and overlaps "
                        f"{other.describe()}; pass distinct arrays"
                    )

    def _shape_value(self, var: Var, env: dict[Var, int]) -> int:
        value = env.get(var)
        if value is None:
            raise ArgumentShapeError(f"cannot infer shape variable {var.name!r} from the arrays")
        if not var.dtype.min_value() <= value <= var.dtype.max_value():
            raise ArgumentShapeError(
                f"shape variable {var.name!r} = {value} does not fit in {var.dtype}"
            )
        return value


def _check_dim(
    param: _BufferParam,
    axis: int,
    expr: PrimExpr,
    size: int,
    env: Mapping[Var, int],
    what: str = "shape",
) -> None:
    expected = evaluate(expr, env)
    if expected == size:
        return
    bound = ", ".join(f"{var.name}={value}" for var, value in env.items())
    detail = f" with {bound}" if bound else ""
    wanted = "cannot be determined" if expected is None else f"must be {expected}"
    raise ArgumentShapeError(
        f"{param.describe()}: {what} of axis {axis} is {size} but {wanted} "
        f"(declared {expr}{detail})"
    )
