"""``PrimFunc`` and ``IRModule``.

A ``PrimFunc``'s ``params`` are its buffers (arrays passed by the caller) and scalar ``Var``s,
in calling order. Shape variables (``SizeVar``/``Var`` inside a buffer's shape) are not
parameters: a kernel binds them from the arrays' shapes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any

from ..errors import UserError
from .buffer import Buffer
from .expr import Var
from .node import Node, ir_node
from .stmt import Stmt


@ir_node
class PrimFunc(Node):
    params: tuple[Buffer | Var, ...]
    body: Stmt
    attrs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def buffer_params(self) -> tuple[Buffer, ...]:
        return tuple(p for p in self.params if isinstance(p, Buffer))

    @property
    def name(self) -> str:
        return str(self.attrs.get("global_symbol", "main"))

    def with_attr(self, key: str, value: Any) -> PrimFunc:
        return self.replace(attrs={**self.attrs, key: value})


@ir_node
class IRModule(Node):
    """Named functions (TVM's ``IRModule``): ``mod["main"]``, ``mod.script()``."""

    functions: Mapping[str, PrimFunc]

    def __getitem__(self, name: str) -> PrimFunc:
        try:
            return self.functions[name]
        except KeyError:
            known = ", ".join(self.functions) or "none"
            raise UserError(f"IRModule has no function {name!r} (it has: {known})") from None

    def __contains__(self, name: object) -> bool:
        return name in self.functions

    def __iter__(self) -> Iterator[str]:
        return iter(self.functions)

    def items(self) -> Any:
        return self.functions.items()

    @staticmethod
    def from_expr(func: PrimFunc, name: str = "main") -> IRModule:
        return IRModule({name: func})
