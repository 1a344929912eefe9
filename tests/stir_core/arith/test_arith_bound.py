"""Hand-written bound cases, one per pattern of issue 3, with the expected bound."""

from __future__ import annotations

import pytest
from arith_testlib import check_bound, rng, same

from stir_core.arith import (
    ArithTypeError,
    Domain,
    DomainError,
    bound,
    can_prove,
    const_int_bound,
)
from stir_core.ir import FloatImm, SizeVar, Var, decl_buffer, op

i, j, k, f = Var("i"), Var("j"), Var("k"), Var("f")
n, m = Var("n"), Var("m")


def test_constants_and_free_variables_stay_symbolic() -> None:
    result = bound(n - 1)
    assert same(result.min, n - 1) and same(result.max, n - 1) and result.exact
    assert bound(7).exact and bound(7).min.value == 7


def test_affine_with_signs() -> None:
    dom = Domain({i: rng(0, 4), j: rng(1, 5)})
    result, exact = check_bound(i * 3 - j * 2 + 5, dom)
    assert (result.min.value, result.max.value, exact) == (-5, 12, True)


def test_affine_cancellation_is_exact() -> None:
    dom = Domain({i: rng(0, 4), j: rng(0, 5)})
    result, exact = check_bound(i * 4 + j - i * 4, dom)
    assert (result.min.value, result.max.value, exact) == (0, 4, True)


def test_symbolic_extent() -> None:
    result = bound(i * 4 + j, {i: rng(0, n), j: rng(0, 4)})
    assert same(result.min, op.const(0)) and same(result.max, n * 4 - 1) and result.exact


def test_outer_loop_variable_stays_free() -> None:
    result = bound(i * 16 + j, {j: rng(0, 16)})
    assert same(result.min, i * 16) and same(result.max, i * 16 + 15) and result.exact


def test_split_division_and_modulo() -> None:
    dom = {i: rng(0, n), j: rng(0, 4)}
    div, mod = bound((i * 4 + j) // 4, dom), bound((i * 4 + j) % 4, dom)
    assert same(div.max, n - 1) and div.exact
    assert mod.min.value == 0 and mod.max.value == 3 and mod.exact


def test_fuse_division_by_symbolic_divisor() -> None:
    dom = Domain({f: rng(0, m * n), i: rng(0, m), j: rng(0, n)})
    div, mod = bound(f // n, dom), bound(f % n, dom)
    assert same(div.min, op.const(0)) and same(div.max, m - 1) and div.exact
    assert same(mod.max, n - 1) and mod.exact


def test_fused_index_of_split_loops() -> None:
    dom = Domain({i: rng(0, m), j: rng(0, n)})
    div, mod = bound((i * n + j) // n, dom), bound((i * n + j) % n, dom)
    assert same(div.max, m - 1) and div.exact
    assert same(mod.max, n - 1) and mod.exact


def test_modulo_lattice() -> None:
    result, exact = check_bound((i * 4) % 8, Domain({i: rng(0, 4)}))
    assert (result.min.value, result.max.value, exact) == (0, 4, True)


def test_non_divisible_split_predicate() -> None:
    dom = Domain({i: rng(0, (n + 3) // 4), j: rng(0, 4)}, [i * 4 + j < n])
    result = bound(i * 4 + j, dom)
    assert same(result.min, op.const(0)) and same(result.max, n - 1) and result.exact
    for value in range(1, 11):
        check_bound(i * 4 + j, dom, {n: value})


def test_min_max_with_bounds() -> None:
    dom = Domain({i: rng(0, (n + 3) // 4), j: rng(0, 4)})
    clipped = bound(op.minimum(i * 4 + j, n - 1), dom)
    assert same(clipped.min, op.const(0)) and same(clipped.max, n - 1) and clipped.exact
    shifted = bound(op.maximum(i - 1, 0), {i: rng(0, n)})
    assert same(shifted.min, op.const(0)) and shifted.exact


def test_correlated_min_is_sound_but_not_claimed_exact() -> None:
    result, exact = check_bound(op.minimum(i, 10 - i), Domain({i: rng(0, 11)}))
    assert not exact and result.max.value >= 5


def test_select_uses_its_guard() -> None:
    dom = Domain({i: rng(0, 10)})
    result, exact = check_bound(op.select(i < 3, i, 2), dom)
    assert (result.min.value, result.max.value, exact) == (0, 2, True)
    padded = bound(op.if_then_else(op.logical_and(i >= 1, i < 9), i - 1, 0), dom)
    assert (padded.min.value, padded.max.value, padded.exact) == (0, 7, True)


def test_triangular_domain() -> None:
    dom = Domain({i: rng(0, 6), j: rng(i, 3)})
    result, exact = check_bound(i + j, dom)
    assert (result.min.value, result.max.value, exact) == (0, 12, True)


def test_products_of_ranges() -> None:
    result, exact = check_bound(i * j, Domain({i: rng(-2, 4), j: rng(-3, 5)}))
    assert (result.min.value, result.max.value, exact) == (-3, 6, True)
    symbolic = bound(i * j, {i: rng(0, n), j: rng(0, m)})
    assert symbolic.exact and same(symbolic.min, op.const(0))


def test_unsupported_is_whole_dtype_range() -> None:
    table = decl_buffer((8,), "int32", "table")
    result = bound(table[i], {i: rng(0, 8)})
    assert not result.exact
    assert result.min.value == -(2**31) and result.max.value == 2**31 - 1


def test_size_var_and_uint_facts() -> None:
    size = SizeVar("size")
    assert const_int_bound(size)[0] == 0
    assert can_prove(size >= 0) and not can_prove(n >= 0)


def test_can_prove_through_floordiv_and_products() -> None:
    assert can_prove((n + 3) // 4 * 4 >= n)
    assert can_prove(m * n >= n, {i: rng(0, m), j: rng(0, n)})
    assert not can_prove(m * n >= n + 1, {i: rng(0, m), j: rng(0, n)})


def test_bool_bound() -> None:
    dom = {i: rng(0, 4)}
    assert bound(i < 4, dom).min.value == 1
    assert bound(i > 4, dom).max.value == 0
    assert not bound(i < 2, dom).exact


def test_results_are_cached() -> None:
    dom = Domain({i: rng(0, 4)})
    assert bound(i + 1, dom) is bound(i + 1, dom)


def test_errors() -> None:
    with pytest.raises(DomainError, match="variables"):
        Domain({op.const(1): rng(0, 4)})  # type: ignore[dict-item]
    with pytest.raises(DomainError, match="Range"):
        Domain({i: (0, 4)})  # type: ignore[dict-item]
    with pytest.raises(DomainError, match="boolean"):
        Domain({i: rng(0, 4)}, [i + 1])
    with pytest.raises(ArithTypeError, match="integer"):
        bound(FloatImm("float32", 1.5))
    with pytest.raises(ArithTypeError, match="boolean"):
        can_prove(i + 1)
