"""Expression half of the TVMScript printer: unique names, marks, constants, precedence.

Used by ``printer.py``; ``ExprPrinter.text(i * 4 + j)`` gives ``"i * 4 + j"`` with the fewest
parentheses Python's precedence allows. Names are unique per printed object: two distinct
variables called ``i`` print as ``i`` and ``i_1``.
"""

from __future__ import annotations

import enum
import json
import keyword
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .block import IterVar
from .buffer import Buffer, BufferLoad, BufferRegion
from .dtype import DataType
from .expr import (
    EQ,
    GE,
    GT,
    LE,
    LT,
    NE,
    Add,
    And,
    BinaryOp,
    Broadcast,
    Call,
    Cast,
    CmpOp,
    Div,
    FloatImm,
    FloorDiv,
    FloorMod,
    IntImm,
    Let,
    Max,
    Min,
    Mod,
    Mul,
    Not,
    Or,
    PrimExpr,
    Ramp,
    Select,
    StringImm,
    Sub,
    Var,
)
from .functor import _method
from .node import Node
from .op import add
from .range import Range

# Python precedence levels, loosest first
OR, AND, NOT, CMP, ADD, MUL, UNARY, ATOM = range(1, 9)

_INFIX: dict[type, tuple[str, int]] = {
    Add: ("+", ADD),
    Sub: ("-", ADD),
    Mul: ("*", MUL),
    FloorDiv: ("//", MUL),
    FloorMod: ("%", MUL),
    EQ: ("==", CMP),
    NE: ("!=", CMP),
    LT: ("<", CMP),
    LE: ("<=", CMP),
    GT: (">", CMP),
    GE: (">=", CMP),
    And: ("and", AND),
    Or: ("or", OR),
}
_FUNCTIONS: dict[type, str] = {Min: "T.min", Max: "T.max", Mod: "T.truncmod"}
_RESERVED = frozenset({"T", "I"})


class Namer:
    """Unique printable names, keyed by object identity and assigned in printing order."""

    def __init__(self) -> None:
        self._names: dict[int, tuple[object, str]] = {}
        self._used: set[str] = set(_RESERVED)

    def get(self, obj: object, hint: str) -> str:
        """The name of ``obj``, assigning a fresh one (from ``hint``) on first sight."""
        entry = self._names.get(id(obj))
        if entry is not None:
            return entry[1]
        base = _sanitize(hint)
        name, suffix = base, 0
        while name in self._used:
            suffix += 1
            name = f"{base}_{suffix}"
        self._used.add(name)
        self._names[id(obj)] = (obj, name)  # keep obj alive so its id stays unique
        return name

    def known(self, obj: object) -> bool:
        return id(obj) in self._names


def _sanitize(hint: str) -> str:
    name = re.sub(r"\W", "_", hint) or "v"
    if name[0].isdigit():
        name = "_" + name
    return name + "_" if keyword.iskeyword(name) else name


class Marks:
    """Labels to underline. Expressions are wrapped in sentinels, resolved by ``render``."""

    _SENTINEL = re.compile("\x01(\\d+)\x02|\x03(\\d+)\x04")

    def __init__(self, marks: Mapping[Node, str] | None) -> None:
        self._pending: dict[int, str] = {id(node): label for node, label in (marks or {}).items()}
        self.labels: list[str] = []

    def has(self, node: object) -> bool:
        return id(node) in self._pending

    def take(self, node: object) -> str | None:
        """The label of ``node`` if it is marked and not yet printed (each mark prints once)."""
        return self._pending.pop(id(node), None)

    def wrap(self, node: object, text: str) -> str:
        label = self.take(node)
        if label is None:
            return text
        index = len(self.labels)
        self.labels.append(label)
        return f"\x01{index}\x02{text}\x03{index}\x04"

    def render(self, indent: str, text: str, line_labels: Iterable[str]) -> list[str]:
        """The printed line followed by one caret line per mark on it."""
        clean, spans, opened = [], [], {}
        position, length = 0, 0
        for match in self._SENTINEL.finditer(text):
            clean.append(text[position : match.start()])
            length += match.start() - position
            position = match.end()
            if match.group(1) is not None:
                opened[int(match.group(1))] = length
            else:
                index = int(match.group(2))
                spans.append((opened.pop(index), length, self.labels[index]))
        clean.append(text[position:])
        line = indent + "".join(clean)
        out = [line]
        for label in line_labels:
            out.append(_carets(len(indent), len(line), label))
        for start, end, label in spans:
            out.append(_carets(len(indent) + start, len(indent) + end, label))
        return out


def _carets(start: int, end: int, label: str) -> str:
    text = " " * start + "^" * max(end - start, 1)
    return f"{text} {label}" if label else text


def dtype_text(dtype: DataType) -> str:
    """``T.float32``, ``T.int32x4``, ``T.bool``: the annotation form of a dtype."""
    return f"T.{dtype}"


def float_text(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return json.dumps(repr(value))
    return repr(float(value))


class ExprPrinter:
    """Prints expressions (and regions, ranges, attribute values) as TVMScript."""

    def __init__(self, names: Namer, marks: Marks) -> None:
        self.names = names
        self.marks = marks

    def text(self, node: Node) -> str:
        return self.visit(node)[0]

    def visit(self, node: Node) -> tuple[str, int]:
        text, prec = _method(self, node)(self, node)
        return self.marks.wrap(node, text), prec

    def join(self, nodes: Iterable[Node]) -> str:
        return ", ".join(self.text(node) for node in nodes)

    def generic_visit(self, node: Node) -> tuple[str, int]:
        return f"<{type(node).__name__}>", ATOM

    def _operand(self, expr: PrimExpr, prec: int, strict: bool) -> str:
        text, inner = self.visit(expr)
        return f"({text})" if inner < prec or (strict and inner == prec) else text

    def _call(self, func: str, *args: Node) -> tuple[str, int]:
        return f"{func}({self.join(args)})", ATOM

    # ------------------------------------------------------------------ leaves

    def visit_IntImm(self, node: IntImm) -> tuple[str, int]:
        if node.dtype == "int32":
            return str(node.value), (UNARY if node.value < 0 else ATOM)
        if node.dtype.is_bool:
            return f"T.bool({bool(node.value)})", ATOM
        return f"T.{node.dtype}({node.value})", ATOM

    def visit_FloatImm(self, node: FloatImm) -> tuple[str, int]:
        return f"T.{node.dtype}({float_text(node.value)})", ATOM

    def visit_StringImm(self, node: StringImm) -> tuple[str, int]:
        return json.dumps(node.value), ATOM

    def visit_Var(self, node: Var) -> tuple[str, int]:
        return self.names.get(node, node.name), ATOM

    def visit_IterVar(self, node: IterVar) -> tuple[str, int]:
        return self.visit(node.var)

    def visit_Buffer(self, node: Buffer) -> tuple[str, int]:
        return self.names.get(node, node.name), ATOM

    # --------------------------------------------------------------- operators

    def visit_BinaryOp(self, node: BinaryOp) -> tuple[str, int]:
        func = _FUNCTIONS.get(type(node))
        if type(node) is Div:
            if node.dtype.is_float:
                return self._infix(node, "/", MUL, chained=False)
            func = "T.truncdiv"
        if func is not None:
            return self._call(func, node.a, node.b)
        symbol, prec = _INFIX[type(node)]
        return self._infix(node, symbol, prec, chained=False)

    def visit_CmpOp(self, node: CmpOp) -> tuple[str, int]:
        symbol, prec = _INFIX[type(node)]
        return self._infix(node, symbol, prec, chained=True)

    def visit_And(self, node: And) -> tuple[str, int]:
        return self._infix(node, "and", AND, chained=False)

    def visit_Or(self, node: Or) -> tuple[str, int]:
        return self._infix(node, "or", OR, chained=False)

    def _infix(self, node: Any, symbol: str, prec: int, chained: bool) -> tuple[str, int]:
        left = self._operand(node.a, prec, strict=chained)
        right = self._operand(node.b, prec, strict=True)
        return f"{left} {symbol} {right}", prec

    def visit_Not(self, node: Not) -> tuple[str, int]:
        return f"not {self._operand(node.a, NOT, strict=False)}", NOT

    def visit_Cast(self, node: Cast) -> tuple[str, int]:
        return f'T.Cast("{node.dtype}", {self.text(node.value)})', ATOM

    def visit_Select(self, node: Select) -> tuple[str, int]:
        return self._call("T.Select", node.condition, node.true_value, node.false_value)

    def visit_Let(self, node: Let) -> tuple[str, int]:
        value = self.text(node.value)
        var = self.text(node.var)
        return f"T.Let({self.text(node.body)}, where={{{var}: {value}}})", ATOM

    def visit_Call(self, node: Call) -> tuple[str, int]:
        return self._call(f"T.{node.op}", *node.args)

    def visit_Ramp(self, node: Ramp) -> tuple[str, int]:
        return f"T.Ramp({self.text(node.base)}, {self.text(node.stride)}, {node.lanes})", ATOM

    def visit_Broadcast(self, node: Broadcast) -> tuple[str, int]:
        return f"T.Broadcast({self.text(node.value)}, {node.lanes})", ATOM

    def visit_BufferLoad(self, node: BufferLoad) -> tuple[str, int]:
        return f"{self.text(node.buffer)}[{self.join(node.indices) or '()'}]", ATOM

    # ------------------------------------------------------- regions and ranges

    def visit_Range(self, node: Range) -> tuple[str, int]:
        return f"T.Range({self.text(node.min)}, {self.end(node)})", ATOM

    def visit_BufferRegion(self, node: BufferRegion) -> tuple[str, int]:
        parts = [self.region_part(r) for r in node.region]
        return f"{self.text(node.buffer)}[{', '.join(parts) or '()'}]", ATOM

    def region_part(self, rng: Range) -> str:
        if isinstance(rng.extent, IntImm) and rng.extent.value == 1:
            return self.text(rng.min)
        return f"{self.text(rng.min)}:{self.end(rng)}"

    def end(self, rng: Range) -> str:
        return self.text(add(rng.min, rng.extent))

    def shape(self, dims: tuple[PrimExpr, ...]) -> str:
        inner = self.join(dims)
        return f"({inner},)" if len(dims) == 1 else f"({inner})"

    # ------------------------------------------------------- attribute values

    def value(self, value: Any) -> str:
        """A Python attribute value (annotations, attrs) as TVMScript source."""
        for kind, render in self._VALUE_RENDERERS:
            if isinstance(value, kind):
                return render(self, value)
        return repr(value)

    def _mapping(self, value: Mapping[Any, Any]) -> str:
        items = list(value.items())
        if all(isinstance(key, str) for key, _ in items):
            items.sort(key=lambda item: item[0])
        return "{" + ", ".join(f"{self.value(k)}: {self.value(v)}" for k, v in items) + "}"

    def _sequence(self, value: Iterable[Any]) -> str:
        return "[" + ", ".join(self.value(item) for item in value) + "]"

    _VALUE_RENDERERS: tuple[tuple[type | tuple[type, ...], Callable[[Any, Any], str]], ...] = (
        (Node, text),
        (bool, lambda self, v: repr(v)),
        (enum.Enum, lambda self, v: json.dumps(str(v.value))),
        (str, lambda self, v: json.dumps(str(v))),
        (int, lambda self, v: repr(v)),
        (float, lambda self, v: float_text(v)),
        (Mapping, _mapping),
        ((tuple, list), _sequence),
    )
