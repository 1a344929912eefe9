"""``@primitive``: what every schedule primitive shares.

A primitive is a module-level function ``fn(state: ScheduleState, *args) -> result``; the
decorator turns it into a ``Primitive`` that the ``Schedule`` facade exposes as a method with
one line (``split = loops.split``). Calling it through a schedule

1. normalizes the arguments (a single list for a ``*loops`` parameter is spread, tuples
   become lists, ``IntImm``/numpy integers become ``int``),
2. runs ``fn`` under the name of the primitive (used in errors and "removed by" messages),
3. is atomic: on any error the module and every handle are restored exactly, and a
   ``ScheduleError`` learns the primitive's name and the function it failed on,
4. verifies the result with ``stir_core.ir.verify`` when the schedule's ``debug_mask`` asks,
5. appends an ``Instruction`` to the schedule's trace.

``Primitive.impl`` is the undecorated function, for primitives built from other primitives.
"""

from __future__ import annotations

import functools
import inspect
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis import verify
from ..errors import StirError
from ..ir import IntImm, IRModule
from .errors import ScheduleError
from .handles import Handle, ScheduleState
from .trace import Instruction

if TYPE_CHECKING:
    from .schedule import Schedule


def _normalize(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_normalize(item) for item in value]
    if isinstance(value, IntImm) and value.dtype.is_integer:
        return value.value
    if isinstance(value, (np.integer, np.bool_)) or (
        isinstance(value, numbers.Integral) and not isinstance(value, (int, bool))
    ):
        return int(value)
    return value


def _first_handle(values: list[Any]) -> Handle | None:
    for value in values:
        if isinstance(value, Handle):
            return value
        if isinstance(value, list):
            found = _first_handle(value)
            if found is not None:
                return found
    return None


class Primitive:
    """A schedule primitive; see the module docstring."""

    def __init__(self, impl: Callable[..., Any], pure: bool = False) -> None:
        self.impl = impl
        self.name = impl.__name__
        #: pure primitives (queries such as ``get_loops``) never change the IR
        self.pure = pure
        params = list(inspect.signature(impl).parameters.values())[1:]
        self.signature = inspect.Signature(params)
        functools.update_wrapper(self, impl)  # type: ignore[arg-type]

    def __get__(self, sch: Schedule | None, owner: type | None = None) -> Any:
        if sch is None:
            return self
        return functools.wraps(self.impl)(functools.partial(self.apply, sch))

    def _arguments(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> list[tuple[str, Any, bool]]:
        params = self.signature.parameters.values()
        variadic = [p.name for p in params if p.kind is inspect.Parameter.VAR_POSITIONAL]
        if variadic and len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return [
            (name, _normalize(value), name in variadic) for name, value in bound.arguments.items()
        ]

    def apply(self, sch: Schedule, *args: Any, **kwargs: Any) -> Any:
        """Run the primitive on ``sch`` (steps 1-5 of the module docstring)."""
        arguments = self._arguments(args, kwargs)
        positional: list[Any] = []
        keywords: dict[str, Any] = {}
        for name, value, variadic in arguments:
            if variadic:
                positional.extend(value)
            else:
                keywords[name] = value
        state: ScheduleState = sch.state
        snap, previous = state.snapshot(), state.current
        state.current = self.name
        try:
            result = self.impl(state, *positional, **keywords)
            if sch.debug_mask and not self.pure:
                _verify_changed(snap.mod, state.mod)
        except StirError as err:
            state.restore(snap)
            self._describe(err, snap.mod, [value for _, value, _ in arguments])
            raise
        except BaseException:
            state.restore(snap)
            raise
        finally:
            state.current = previous
        sch.trace.append(Instruction(self.name, tuple(arguments), result))
        return result

    def _describe(self, err: StirError, mod: IRModule, values: list[Any]) -> None:
        if not isinstance(err, ScheduleError):
            err.add_note(f"raised by the schedule primitive {self.name}")
            return
        if err.primitive is None:
            err.primitive = self.name
        if err.func is None:
            handle = _first_handle(values)
            name = handle.func_name if handle is not None else None
            if name is None or name not in mod:
                name = next(iter(mod))
            err.func = mod[name]


def _verify_changed(before: IRModule, after: IRModule) -> None:
    for name, func in after.items():
        if name not in before or before[name] is not func:
            verify(func)


def primitive(fn: Callable[..., Any] | None = None, *, pure: bool = False) -> Any:
    """Decorator making ``fn(state, ...)`` a schedule primitive (``@primitive`` or
    ``@primitive(pure=True)`` for queries)."""
    if fn is None:
        return functools.partial(Primitive, pure=pure)
    return Primitive(fn, pure=pure)
