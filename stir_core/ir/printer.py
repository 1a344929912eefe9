"""PLACEHOLDER (being replaced): TVMScript-style printer."""

from __future__ import annotations

from .node import Node, install_printer


def to_text(node: Node) -> str:
    return f"<{type(node).__name__}>"


install_printer(to_text)
