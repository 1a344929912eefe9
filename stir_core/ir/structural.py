"""Structural equality and hashing up to renaming of bound variables (alpha-equivalence).

Both are computed from one canonical token stream: a variable at its definition site
(``For.loop_var``, ``IterVar.var``, ``Let``/``LetStmt`` var, a ``PrimFunc``'s scalar params
and the shape variables of its buffer params) gets the next number and every use refers to
that number; buffers (params, ``alloc_buffers``, ``Allocate``) likewise, their first
occurrence spelling out shape, dtype, scope, strides and offset. Two nodes are equal iff
their streams are equal, so the mapping is a bijection and the hash is consistent.

Free variables are equal only when they are the same object, unless ``map_free_vars``.

>>> i, j = Var("i"), Var("j")
>>> loop_i = For(i, const(0), const(8), ForKind.SERIAL, Evaluate(i))
>>> structural_equal(loop_i, For(j, const(0), const(8), ForKind.SERIAL, Evaluate(j)))
True
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any

from ..errors import UserError
from .block import Block
from .buffer import Buffer
from .expr import Var
from .function import PrimFunc
from .functor import _BINDING_FIELDS, _method
from .node import Node
from .stmt import Allocate


class StructuralMismatchError(UserError, AssertionError):
    """``assert_structural_equal`` found a difference; the message gives its path."""


def structural_equal(a: Any, b: Any, map_free_vars: bool = False) -> bool:
    """Whether ``a`` and ``b`` are the same IR up to renaming of bound variables."""
    return _Stream(map_free_vars).tokens(a) == _Stream(map_free_vars).tokens(b)


def structural_hash(node: Any, map_free_vars: bool = False) -> int:
    """A hash consistent with ``structural_equal`` (same ``map_free_vars``)."""
    return hash(tuple(_Stream(map_free_vars).tokens(node)))


def assert_structural_equal(a: Any, b: Any, map_free_vars: bool = False) -> None:
    """Raise ``StructuralMismatchError`` naming the path of the first difference."""
    if structural_equal(a, b, map_free_vars):
        return
    left = _Stream(map_free_vars, record=True)
    right = _Stream(map_free_vars, record=True)
    lhs, rhs = left.tokens(a), right.tokens(b)
    index = next((n for n, (x, y) in enumerate(zip(lhs, rhs, strict=False)) if x != y), None)
    index = min(len(lhs), len(rhs)) if index is None else index
    raise StructuralMismatchError(_report(left, right, index))


def _report(left: _Stream, right: _Stream, index: int) -> str:
    lpath, lnode, ltoken = left.where(index)
    rpath, rnode, rtoken = right.where(index)
    path = lpath if lpath == rpath else f"{lpath} (lhs) / {rpath} (rhs)"
    return (
        f"structural mismatch at {path}: {_describe(ltoken)} vs {_describe(rtoken)}\n"
        f"lhs:\n{_show(lnode)}\nrhs:\n{_show(rnode)}"
    )


def _describe(token: Any) -> str:
    if token is None:
        return "nothing (the other side has more)"
    kind, *rest = token
    names = {
        "bound": "bound variable #{0} ({1})",
        "free": "free variable {1} ({2})",
        "def": "definition of a {0} variable",
        "buffer": "first use of buffer #{0}",
        "bufref": "buffer #{0}",
        "node": "a {0} node",
        "seq": "a sequence of length {0}",
        "map": "a mapping with keys {0}",
    }
    template = names.get(kind)
    return template.format(*rest) if template else f"{kind} {rest[-1]!r}"


def _show(node: Any) -> str:
    text = str(node) if node is not None else "<nothing>"
    return "\n".join("    " + line for line in text.splitlines())


class _Stream:
    """Serializes a value into canonical tokens (optionally remembering where each came from)."""

    def __init__(self, map_free_vars: bool, record: bool = False) -> None:
        self.map_free_vars = map_free_vars
        self.record = record
        self.out: list[Any] = []
        self.origins: list[tuple[str, Any]] = []
        self.path: list[str] = []
        self.vars: dict[int, tuple[Any, ...]] = {}
        self.buffers: dict[int, int] = {}
        self.nodes: list[Node] = []  # the nodes being streamed, innermost last
        self.keep: list[Any] = []  # keeps ids of numbered objects unique while streaming

    def tokens(self, value: Any) -> list[Any]:
        self.path.append(type(value).__name__)
        self.value(value)
        return self.out

    def where(self, index: int) -> tuple[str, Any, Any]:
        if index >= len(self.out):
            path, node = self.origins[-1] if self.origins else ("<root>", None)
            return path, node, None
        path, node = self.origins[index]
        return path, node, self.out[index]

    def emit(self, token: Any, origin: Any) -> None:
        self.out.append(token)
        if self.record:
            self.origins.append(("".join(self.path), origin))

    def field(self, name: str, value: Any, define: bool = False) -> None:
        self.path.append(name)
        if define:
            self.define_var(value)
        else:
            self.value(value)
        self.path.pop()

    # ------------------------------------------------------------------ values

    def value(self, value: Any) -> None:
        if isinstance(value, Node):
            self.nodes.append(value)
            _method(self, value)(self, value)
            self.nodes.pop()
        elif isinstance(value, tuple | list):
            self.emit(("seq", len(value)), value)
            for index, item in enumerate(value):
                self.field(f"[{index}]", item)
        elif isinstance(value, Mapping):
            keys = sorted(value, key=repr)
            self.emit(("map", tuple(keys)), value)
            for key in keys:
                self.field(f"[{key!r}]", value[key])
        else:
            self.emit(_scalar(value), self.nodes[-1] if self.nodes else value)

    def generic_visit(self, node: Node, skip: tuple[str, ...] = ()) -> None:
        self.emit(("node", type(node).__name__), node)
        binding = _BINDING_FIELDS.get(type(node))
        for name in node._field_names:
            if name not in skip:
                self.field(f".{name}", getattr(node, name), define=name == binding)

    # --------------------------------------------------------------- variables

    def define_var(self, var: Var) -> None:
        self.keep.append(var)
        self.vars[id(var)] = ("bound", len(self.vars), var.dtype, type(var).__name__)
        self.emit(("def", var.dtype, type(var).__name__), var)

    def visit_Var(self, node: Var) -> None:
        token = self.vars.get(id(node))
        if token is None and self.map_free_vars:
            self.keep.append(node)
            token = self.vars[id(node)] = ("bound", len(self.vars), node.dtype, type(node).__name__)
        if token is None:
            token = ("free", id(node), node.name, node.dtype)
        self.emit(token, node)

    # ----------------------------------------------------------------- buffers

    def visit_Buffer(self, node: Buffer) -> None:
        self.buffer(node, define=False, shape_vars=False)

    def buffer(self, node: Buffer, define: bool, shape_vars: bool) -> None:
        number = self.buffers.get(id(node))
        if number is not None:
            self.emit(("bufref", number), node)
            return
        self.keep.append(node)
        self.buffers[id(node)] = len(self.buffers)
        self.emit(("buffer", self.buffers[id(node)]), node)
        if shape_vars:
            self._define_shape_vars(node)
        for name in node._field_names:
            if name != "name":
                self.field(f".{name}", getattr(node, name), define=define and name == "data")

    def _define_shape_vars(self, buffer: Buffer) -> None:
        for dim in (*buffer.shape, *buffer.strides, buffer.elem_offset):
            if isinstance(dim, Var) and id(dim) not in self.vars:
                self.define_var(dim)

    def visit_Block(self, node: Block) -> None:
        self.path.append(".alloc_buffers")
        for buffer in node.alloc_buffers:
            self.buffer(buffer, define=True, shape_vars=False)
        self.path.pop()
        self.generic_visit(node, skip=("alloc_buffers",))

    def visit_Allocate(self, node: Allocate) -> None:
        self.emit(("node", "Allocate"), node)
        self.path.append(".buffer")
        self.buffer(node.buffer, define=True, shape_vars=False)
        self.path.pop()
        self.field(".body", node.body)

    def visit_PrimFunc(self, node: PrimFunc) -> None:
        self.emit(("node", "PrimFunc", len(node.params)), node)
        for index, param in enumerate(node.params):
            self.path.append(f".params[{index}]")
            if isinstance(param, Buffer):
                self.buffer(param, define=True, shape_vars=True)
            else:
                self.define_var(param)
            self.path.pop()
        self.field(".body", node.body)
        self.field(".attrs", node.attrs)


def _scalar(value: Any) -> tuple[Any, ...]:
    """The token of a non-node value: its kind and value (``True`` differs from ``1``)."""
    if isinstance(value, str):
        return ("str", str(value))
    if isinstance(value, enum.Enum):
        return ("enum", type(value).__name__, value.name)
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)
