"""The package layers stay acyclic: ir <- arith <- analysis <- schedule / lower <- codegen,
and stir_core never imports te_compat (STYLE: import discipline)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

STIR_CORE = Path(__file__).resolve().parents[2] / "stir_core"

#: package -> the stir_core packages it may import
ALLOWED = {
    "ir": {"ir"},
    "arith": {"ir", "arith"},
    "analysis": {"ir", "arith", "analysis"},
    "schedule": {"ir", "arith", "analysis", "schedule"},
    "lower": {"ir", "arith", "analysis", "lower"},
    "codegen": {"ir", "arith", "analysis", "lower", "codegen"},
}


def _imported_packages(path: Path) -> set[str]:
    """The stir_core sub-packages (and foreign roots) a module imports."""
    package = path.relative_to(STIR_CORE).parts[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level >= 2:  # from .. import arith
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            found.add(package)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_lower_layers(package: str) -> None:
    local = set(ALLOWED) | {"errors"}
    for path in (STIR_CORE / package).rglob("*.py"):
        imported = _imported_packages(path)
        assert "te_compat" not in imported, f"{path} imports te_compat"
        assert imported & local <= ALLOWED[package] | {"errors"}, (
            f"{path.relative_to(STIR_CORE)} imports {sorted(imported & local - ALLOWED[package])}"
        )


def test_importing_the_ir_does_not_load_the_analysis_or_sympy() -> None:
    code = (
        "import sys, stir_core.ir; print('stir_core.arith' in sys.modules, 'sympy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
