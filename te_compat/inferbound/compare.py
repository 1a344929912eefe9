"""Classic InferBound beside the exact bounds: per stage and IterVar, buffer sizes, work.

>>> report = compare_bounds(s)
>>> print(report.table())
>>> report.to_json()

Extents may be symbolic in the loops outside the attach point; each is also given as its
largest value over those loops (``arith.bound``), which is what a buffer allocated at the
attach point must hold. The allocation of an intermediate stage is the product of its axes'
largest extents; the elements computed are that box (with the reduction axes) times the
number of iterations of the loops outside the attach point.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from stir_core import arith
from stir_core.ir import IntImm, IterVar, PrimExpr, Range, Var, op, post_order_visit

from ..classic.schedule import Schedule
from ..classic.stage import Stage
from .count import largest, total
from .exact import exact_infer_bound
from .graph import attach_path
from .model import classic_infer_bound


@dataclass
class IterVarRow:
    name: str
    kind: str
    classic: str
    exact: str
    classic_max: int | None
    exact_max: int | None


@dataclass
class StageRow:
    name: str
    attach: str
    itervars: list[IterVarRow] = field(default_factory=list)
    alloc_classic: int | None = None
    alloc_exact: int | None = None
    computed_classic: int | None = None
    computed_exact: int | None = None


@dataclass
class BoundsReport:
    stages: list[StageRow]

    def totals(self) -> dict[str, int | None]:
        def total(key: str) -> int | None:
            values = [getattr(s, key) for s in self.stages]
            known = [v for v in values if v is not None]
            return sum(known) if known else None

        keys = ("alloc_classic", "alloc_exact", "computed_classic", "computed_exact")
        return {key: total(key) for key in keys}

    def to_json(self) -> str:
        return json.dumps(
            {"stages": [asdict(s) for s in self.stages], "totals": self.totals()}, indent=2
        )

    def table(self) -> str:
        lines = [f"{'stage':<14} {'itervar':<22} {'kind':<5} {'classic':>22} {'exact':>28}"]
        for stage in self.stages:
            for row in stage.itervars:
                mark = " <" if _smaller(row.exact_max, row.classic_max) else ""
                lines.append(
                    f"{stage.name:<14} {row.name:<22} {row.kind:<5} {row.classic:>22} "
                    f"{row.exact:>28}{mark}"
                )
        lines.append("")
        lines.append(
            f"{'stage':<14} {'attach':<22} {'alloc classic':>14} {'alloc exact':>12} "
            f"{'computed classic':>17} {'computed exact':>15}"
        )
        for s in self.stages:
            lines.append(
                f"{s.name:<14} {s.attach:<22} {_num(s.alloc_classic):>14} "
                f"{_num(s.alloc_exact):>12} {_num(s.computed_classic):>17} "
                f"{_num(s.computed_exact):>15}"
            )
        t = self.totals()
        lines.append(
            f"{'total':<14} {'':<22} {_num(t['alloc_classic']):>14} "
            f"{_num(t['alloc_exact']):>12} {_num(t['computed_classic']):>17} "
            f"{_num(t['computed_exact']):>15}"
        )
        return "\n".join(lines)


def _smaller(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and a < b


def _num(value: int | None) -> str:
    return "-" if value is None else str(value)  # outputs and placeholders allocate nothing


def _max_value(expr: PrimExpr, domain: dict[Var, Range]) -> int | None:
    """The largest value of ``expr`` over the loop domain: by enumerating the loops it
    uses when their ranges are constant, else ``arith.bound``."""
    free: set[Var] = set()
    post_order_visit(expr, lambda node: free.add(node) if isinstance(node, Var) else None)
    counted = largest(expr, {var: rng for var, rng in domain.items() if var in free})
    if counted is not None:
        return counted
    try:
        found = arith.bound(expr, domain).max
    except arith.ArithError:
        return None
    return found.value if isinstance(found, IntImm) else None


def _domain(bounds: dict[IterVar, Range], stages: list[Stage]) -> dict[Var, Range]:
    leaves = {iv for s in stages for iv in s.leaf_iter_vars}
    return {iv.var: rng for iv, rng in bounds.items() if iv in leaves}


def _product(values: list[int | None]) -> int | None:
    result = 1
    for value in values:
        if value is None:
            return None
        result *= value
    return result


def _stage_row(stage: Stage, classic: dict, exact: dict, doms: tuple[dict, dict]) -> StageRow:
    path = attach_path(stage)
    attach = "root" if not path else f"{stage.attach_stage.op.name}.{path[0].var.name}"
    row = StageRow(stage.op.name, attach)
    kinds = [("root", iv) for iv in stage.root_iter_vars]
    kinds += [("leaf", iv) for iv in stage.leaf_iter_vars if iv not in set(stage.root_iter_vars)]
    for kind, iv in kinds:
        c, e = classic.get(iv), exact.get(iv)
        row.itervars.append(
            IterVarRow(
                iv.var.name,
                kind,
                "-" if c is None else str(c.extent),
                "-" if e is None else str(e.extent),
                None if c is None else _max_value(c.extent, doms[0]),
                None if e is None else _max_value(e.extent, doms[1]),
            )
        )
    axes = list(stage.axis)
    for side, bounds, dom in (("classic", classic, doms[0]), ("exact", exact, doms[1])):
        box = [_max_value(bounds[iv].extent, dom) if iv in bounds else None for iv in axes]
        roots = box + [
            _max_value(bounds[iv].extent, dom) if iv in bounds else None for iv in stage.reduce_axis
        ]
        if not stage.is_output:
            setattr(row, f"alloc_{side}", _product(box))
        setattr(row, f"computed_{side}", _computed(stage, path, bounds, roots))
    return row


def _computed(
    stage: Stage, path: list[IterVar], bounds: dict, roots: list[int | None]
) -> int | None:
    """Sum over the attach path's iterations of the product of the root extents."""
    if any(iv not in bounds for iv in stage.root_iter_vars):
        return None
    work: PrimExpr = op.const(1)
    for iv in stage.root_iter_vars:  # tail iterations of a guarded split have extent <= 0
        work = op.mul(work, op.maximum(bounds[iv].extent, 0))
    counted = total(work, {iv.var: bounds[iv] for iv in path if iv in bounds})
    if counted is not None:
        return counted
    outer = [_max_value(bounds[iv].extent, {}) if iv in bounds else None for iv in path]
    return _product(roots + outer)


def compare_bounds(sch: Schedule) -> BoundsReport:
    """The classic and the exact bounds of every compute stage of ``sch``."""
    classic, exact = classic_infer_bound(sch), exact_infer_bound(sch)
    live = [s for s in sch.stages if s.block is not None and s.attach_type != "inline"]
    doms = (_domain(classic, live), _domain(exact, live))
    return BoundsReport([_stage_row(stage, classic, exact, doms) for stage in live])
