"""Traces: the primitives applied to a schedule, printable as Python and replayable.

Each call of a ``@primitive`` appends one ``Instruction`` (its name, its arguments with
handles in place, its outputs). ``Trace.as_python()`` prints TVM-style replay code::

    b0 = sch.get_block(name="C", func_name="main")
    l1, l2, l3 = sch.get_loops(block=b0)
    l4, l5 = sch.split(loop=l1, factors=[None, 32], preserve_unit_iters=True)
    sch.transform_layout(block=b0, buffer=("write", 0), index_map=lambda i, j: (j, i), ...)

and ``replay(trace, Schedule(func))`` (or ``exec`` of that text with ``sch`` bound) applies the same
primitives to a fresh schedule.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from .handles import Handle, LoopRV
from .index_map import IndexMap, IndexMapNotPrintableError, python_text

if TYPE_CHECKING:
    from .schedule import Schedule


class TraceNotPrintableError(UserError):
    """An argument has no Python literal form (e.g. a symbolic expression, or an index map
    using ``T.*`` functions)."""


@dataclass(frozen=True)
class Instruction:
    """One primitive call: ``args`` are (name, value, is_variadic) in signature order."""

    kind: str
    args: tuple[tuple[str, Any, bool], ...]
    outputs: Any

    def handles_out(self) -> list[Handle]:
        return list(_handles(self.outputs))


def _handles(value: Any) -> Iterable[Handle]:
    if isinstance(value, Handle):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _handles(item)


def map_handles(value: Any, mapping: Callable[[Handle], Any]) -> Any:
    """``value`` with each handle (also inside lists/tuples) replaced by ``mapping(handle)``."""
    if isinstance(value, Handle):
        return mapping(value)
    if isinstance(value, list):
        return [map_handles(item, mapping) for item in value]
    if isinstance(value, tuple):
        return tuple(map_handles(item, mapping) for item in value)
    return value


class Trace:
    """The instructions applied to a schedule, in order."""

    def __init__(self, instructions: Iterable[Instruction] = ()) -> None:
        self.instructions: list[Instruction] = list(instructions)

    def append(self, inst: Instruction) -> None:
        self.instructions.append(inst)

    def copy(self) -> Trace:
        return Trace(self.instructions)

    def __len__(self) -> int:
        return len(self.instructions)

    def __str__(self) -> str:
        return self.as_python()

    def as_python(self) -> str:
        """Python code replaying this trace on a schedule named ``sch``."""
        names: dict[Handle, str] = {}
        return "\n".join(_print_instruction(inst, names) for inst in self.instructions)

    def apply_to_schedule(self, sch: Schedule) -> None:
        """Apply every instruction to ``sch`` (handles are mapped to ``sch``'s own)."""
        mapping: dict[Handle, Handle] = {}
        for inst in self.instructions:
            method = getattr(sch, inst.kind)
            positional: list[Any] = []
            keywords: dict[str, Any] = {}
            for name, value, variadic in inst.args:
                mapped = map_handles(value, mapping.__getitem__)
                if variadic:
                    positional.extend(mapped)
                else:
                    keywords[name] = mapped
            result = method(*positional, **keywords)
            for old, new in zip(inst.handles_out(), _handles(result), strict=True):
                mapping[old] = new


def _name_of(handle: Handle, names: dict[Handle, str]) -> str:
    if handle not in names:
        prefix = "l" if isinstance(handle, LoopRV) else "b"
        names[handle] = f"{prefix}{len(names)}"
    return names[handle]


def _literal(value: Any, names: dict[Handle, str]) -> str:
    if isinstance(value, Handle):
        if value not in names:
            raise TraceNotPrintableError(f"{value!r} is used before it is defined in the trace")
        return names[value]
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_literal(item, names) for item in value)
        return (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(value) == 1 else ''})"
        )
    if isinstance(value, IndexMap) or (callable(value) and not isinstance(value, type)):
        try:
            return python_text(value)
        except IndexMapNotPrintableError as err:
            raise TraceNotPrintableError(str(err)) from err
    if isinstance(value, enum.Enum):
        raise TraceNotPrintableError(f"cannot print the enum value {value!r} as Python")
    if isinstance(value, str):
        return json.dumps(value)  # TVM prints double quotes; JSON strings are Python strings
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    raise TraceNotPrintableError(
        f"cannot print {value!r} ({type(value).__name__}) as a Python literal in a trace"
    )


def _print_instruction(inst: Instruction, names: dict[Handle, str]) -> str:
    parts: list[str] = []
    for name, value, variadic in inst.args:
        if variadic:
            parts.extend(_literal(item, names) for item in value)
        else:
            parts.append(f"{name}={_literal(value, names)}")
    call = f"sch.{inst.kind}({', '.join(parts)})"
    if isinstance(inst.outputs, Handle):
        return f"{_name_of(inst.outputs, names)} = {call}"
    if isinstance(inst.outputs, list):
        if not inst.outputs:
            return f"_ = {call}"
        targets = ", ".join(_name_of(h, names) for h in inst.outputs)
        return f"{targets}{',' if len(inst.outputs) == 1 else ''} = {call}"
    return call


def replay(trace: Trace, sch: Schedule) -> Schedule:
    """Apply ``trace`` to ``sch`` (a fresh schedule of the original function) and return it."""
    trace.apply_to_schedule(sch)
    return sch
