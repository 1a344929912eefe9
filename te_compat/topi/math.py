"""Elementwise operators (TVM's ``topi.math``): one stage computing ``f(x)`` per element."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import te, tir
from ..te import Tensor
from . import tag


def _elemwise(f: Callable[[Any], Any], name: str) -> Callable[[Tensor], Tensor]:
    @te.tag_scope(tag=tag.ELEMWISE)
    def op(x: Tensor) -> Tensor:
        return te.compute(x.shape, lambda *i: f(x(*i)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}`` of every element of ``x``."
    return op


exp = _elemwise(te.exp, "exp")
log = _elemwise(te.log, "log")
sqrt = _elemwise(te.sqrt, "sqrt")
rsqrt = _elemwise(te.rsqrt, "rsqrt")
tanh = _elemwise(te.tanh, "tanh")
sigmoid = _elemwise(te.sigmoid, "sigmoid")
erf = _elemwise(te.erf, "erf")
abs = _elemwise(tir.abs, "abs")
negative = _elemwise(lambda v: -v, "negative")


def cast(x: Tensor, dtype: str) -> Tensor:
    """Every element of ``x`` converted to ``dtype``."""
    with te.tag_scope(tag=tag.ELEMWISE):
        return te.compute(x.shape, lambda *i: x(*i).astype(dtype))
