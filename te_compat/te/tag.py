"""Operator tags (TVM's ``te.tag``): ``tag_scope`` sets the ``tag`` of the computes it wraps.

>>> with te.tag_scope(tag="conv"):
...     C = te.compute(...)                      # C.op.tag == "conv"
>>> @te.tag_scope(tag="elemwise")
... def relu(x): return te.compute(x.shape, lambda *i: te.max(x(*i), 0.0))
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

from stir_core.errors import UserError


class NestedTagError(UserError, ValueError):
    """A tag scope was opened inside another one, or a compute inside a scope has its own tag."""


class TagScope:
    """Context manager and decorator setting the tag of the operations built inside it."""

    _current: ClassVar[TagScope | None] = None

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.accessed = False

    @classmethod
    def get_current(cls) -> TagScope | None:
        if cls._current is not None:
            cls._current.accessed = True
        return cls._current

    def __enter__(self) -> TagScope:
        if TagScope._current is not None:
            raise NestedTagError(
                f"tag_scope {self.tag!r} opened inside tag_scope {TagScope._current.tag!r}: "
                "nested tag scopes are not allowed"
            )
        TagScope._current = self
        return self

    def __exit__(self, *exc: object) -> None:
        TagScope._current = None
        if not self.accessed:
            warnings.warn(f"Tag '{self.tag}' declared via TagScope was not used.", stacklevel=2)

    def __call__(self, fdecl: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fdecl)
        def tagged(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fdecl(*args, **kwargs)

        return tagged


def tag_scope(tag: str) -> TagScope:
    """The operator tag scope (usable with ``with`` or as a decorator)."""
    return TagScope(tag)


def current_tag(tag: str) -> str:
    """The tag an operation gets: the scope's tag, or ``tag`` outside any scope."""
    scope = TagScope.get_current()
    if scope is None:
        return tag
    if tag:
        raise NestedTagError(
            f"operation tagged {tag!r} inside tag_scope {scope.tag!r}: nested tags are not allowed"
        )
    return scope.tag
