"""``tvm.tir.stmt_functor``: substitution and traversal of expressions and statements.

>>> tvm.tir.stmt_functor.substitute(i * 2 + j, {i: 3})   # 3 * 2 + j (not simplified, as TVM)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stir_core.ir import Node, Var
from stir_core.ir import post_order_visit as _post_order_visit
from stir_core.ir import substitute as _substitute


def substitute(node: Any, vmap: Mapping[Var, Any] | Callable[[Var], Any]) -> Any:
    """Replace the variables of ``vmap`` (a dict, or a function returning None to keep)."""
    if callable(vmap) and not isinstance(vmap, Mapping):
        mapping = {var: vmap(var) for var in _free_vars(node)}
        vmap = {var: value for var, value in mapping.items() if value is not None}
    return _substitute(node, vmap)


def post_order_visit(node: Node, fvisit: Callable[[Node], None]) -> None:
    """Call ``fvisit`` on every node below ``node``, children first (as TVM)."""
    _post_order_visit(node, fvisit)


def _free_vars(node: Node) -> list[Var]:
    found: list[Var] = []
    _post_order_visit(node, lambda n: found.append(n) if isinstance(n, Var) else None)
    return list(dict.fromkeys(found))
