"""Generic IR traversal: ``IRVisitor`` and ``IRMutator`` dispatch to ``visit_<ClassName>``.

The default traversal is derived from the dataclass fields of each node, so a new node class
needs no edit here. Leaves (``Var``, ``Buffer``, constants) are visited but not entered;
binding sites (a ``For``'s loop var, a ``Let``'s var, an ``IterVar``'s var) are not visited
by the mutator, so a substitution never rewrites a definition.

>>> class CountLoads(IRVisitor):
...     def __init__(self): self.count = 0
...     def visit_BufferLoad(self, node):
...         self.count += 1
...         self.generic_visit(node)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .block import IterVar
from .buffer import Buffer
from .expr import FloatImm, IntImm, Let, PrimExpr, StringImm, Var
from .node import Node
from .op import convert
from .stmt import For, LetStmt

_LEAVES = (Var, Buffer, IntImm, FloatImm, StringImm)
#: fields that define a variable: visited by IRVisitor, left alone by IRMutator
_BINDING_FIELDS: dict[type, str] = {For: "loop_var", LetStmt: "var", Let: "var", IterVar: "var"}

N = TypeVar("N", bound=Node)

_DISPATCH: dict[tuple[type, type], Callable[[Any, Any], Any]] = {}


def _method(functor: Any, node: Node) -> Callable[[Any, Any], Any]:
    key = (type(functor), type(node))
    method = _DISPATCH.get(key)
    if method is None:
        method = type(functor).generic_visit
        for cls in type(node).__mro__:
            found = getattr(type(functor), "visit_" + cls.__name__, None)
            if found is not None:
                method = found
                break
        _DISPATCH[key] = method
    return method


def children(node: Node) -> list[Node]:
    """The direct child nodes of ``node`` in field order (empty for leaves)."""
    if isinstance(node, _LEAVES):
        return []
    found: list[Node] = []
    for value in node.field_values():
        if isinstance(value, Node):
            found.append(value)
        elif isinstance(value, tuple):
            found.extend(item for item in value if isinstance(item, Node))
    return found


class IRVisitor:
    """Walks a tree; override ``visit_<ClassName>`` and call ``generic_visit`` to recurse."""

    def visit(self, node: Node) -> None:
        _method(self, node)(self, node)

    def generic_visit(self, node: Node) -> None:
        for child in children(node):
            self.visit(child)


class IRMutator:
    """Rebuilds a tree bottom-up; unchanged subtrees are returned as the same objects."""

    def visit(self, node: Any) -> Any:
        return _method(self, node)(self, node)

    def generic_visit(self, node: N) -> N:
        if isinstance(node, _LEAVES):
            return node
        binding = _BINDING_FIELDS.get(type(node))
        changes: dict[str, Any] = {}
        for name in node._field_names:
            if name == binding:
                continue
            value = getattr(node, name)
            new_value = self._visit_value(value)
            if new_value is not value:
                changes[name] = new_value
        return node.replace(**changes) if changes else node

    def _visit_value(self, value: Any) -> Any:
        if isinstance(value, Node):
            return self.visit(value)
        if isinstance(value, tuple) and value and any(isinstance(v, Node) for v in value):
            new_items = tuple(self.visit(v) if isinstance(v, Node) else v for v in value)
            if all(a is b for a, b in zip(new_items, value, strict=False)):
                return value
            return new_items
        return value


def post_order_visit(node: Node, callback: Callable[[Node], None]) -> None:
    """Call ``callback`` on every node below (and including) ``node``, children first."""

    class _PostOrder(IRVisitor):
        def generic_visit(self, current: Node) -> None:
            super().generic_visit(current)
            callback(current)

    _PostOrder().visit(node)


class _Substitute(IRMutator):
    def __init__(self, vmap: Mapping[Var, PrimExpr]):
        self.vmap = vmap

    def visit_Var(self, var: Var) -> PrimExpr:
        return self.vmap.get(var, var)


def substitute(node: Any, vmap: Mapping[Var, Any]) -> Any:
    """Replace free occurrences of the variables in ``vmap`` (TVM's ``substitute``)."""
    if not vmap:
        return node
    converted = {var: convert(value) for var, value in vmap.items()}
    return _Substitute(converted).visit(node)
