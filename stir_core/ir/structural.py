"""PLACEHOLDER (being replaced): structural equality and hashing."""

from __future__ import annotations

from typing import Any


def structural_equal(a: Any, b: Any, map_free_vars: bool = False) -> bool:
    raise NotImplementedError


def assert_structural_equal(a: Any, b: Any, map_free_vars: bool = False) -> None:
    raise NotImplementedError


def structural_hash(node: Any, map_free_vars: bool = False) -> int:
    raise NotImplementedError
