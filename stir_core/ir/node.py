"""``Node``: the base of every IR object.

Nodes are immutable slotted dataclasses compared by identity (``eq=False``); structural
comparison is ``structural_equal``. ``replace(**changes)`` returns ``self`` when nothing
changes, so mutators keep unchanged subtrees identical and rewrites stay cheap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform

N = TypeVar("N", bound="Node")

#: the text printer, installed by ``printer.py`` (which needs every node class first)
_text_printer: list[Callable[[Node], str]] = []


class Node:
    """Base of IR nodes. Subclasses are ``@ir_node`` dataclasses."""

    __slots__ = ()
    #: names of the dataclass fields, in order (filled in by ``ir_node``)
    _field_names: ClassVar[tuple[str, ...]] = ()

    def replace(self: N, **changes: Any) -> N:
        """A copy with ``changes`` applied, or ``self`` when every value is unchanged."""
        if all(getattr(self, key) is value for key, value in changes.items()):
            return self
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def field_values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._field_names)

    def script(self) -> str:
        """TVMScript-style text of this node."""
        if not _text_printer:
            return f"<{type(self).__name__}>"
        return _text_printer[0](self)

    def __str__(self) -> str:
        return self.script()

    def __repr__(self) -> str:
        return self.script()


def install_printer(printer: Callable[[Node], str]) -> None:
    """Called once by ``printer.py``: ``str(node)`` and ``node.script()`` use ``printer``."""
    _text_printer[:] = [printer]


@dataclass_transform(frozen_default=True, eq_default=False)
def ir_node(cls: type[N]) -> type[N]:
    """Decorator: make ``cls`` a frozen, slotted, identity-compared dataclass node."""
    new_cls = dataclasses.dataclass(frozen=True, eq=False, slots=True, repr=False)(cls)
    new_cls._field_names = tuple(f.name for f in dataclasses.fields(new_cls))  # type: ignore[arg-type]
    return new_cls
