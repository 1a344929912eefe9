"""Time of the bound queries for a conv2d whose padded input is computed at the output's
tile loop (built by hand with stir_core.ir: stir_core.schedule's compute_at is not there
yet).

Output ``O[b, co, h, w] = sum(Pad[b, ci, h * s + kh, w * s + kw] * W[co, ci, kh, kw])``
tiled ``h = ho * 8 + hi``, ``w = wo * 8 + wi`` (the last tile guarded by
``ho * 8 + hi < OH``); ``Pad[b, c, y, x] = if_then_else(1 <= y < H + 1 and 1 <= x < W + 1,
A[b, c, y - 1, x - 1], 0)`` computed at ``wo``. The queries compute_at needs:

1. region of Pad read by the output tile (symbolic in ``b, co, ho, wo``),
2. region of A read by the Pad block over that region, under the padding guard,
3. the allocation size of the Pad tile (constant extents),
4. simplify of the padding guard on the tile domain.

Run ``python -m benchmarks.bench_bounds`` for a cold / warm summary, or through pytest.
"""

from __future__ import annotations

import time
from typing import Any

from stir_core.arith import Access, Domain, bound, clear_caches, region, simplify
from stir_core.ir import Range, Var, op

TILE, KERNEL, STRIDE, PADDING = 8, 3, 1, 1


def conv2d_queries(channels: int = 64, height: int = 56, width: int = 56) -> dict[str, Any]:
    """Build the conv2d's index expressions and run the four queries once."""
    b, ho, wo = Var("b"), Var("ho"), Var("wo")
    hi, wi, ci, kh, kw = (Var(name) for name in ("hi", "wi", "ci", "kh", "kw"))
    out_h = (height + 2 * PADDING - KERNEL) // STRIDE + 1
    r = Range.from_min_extent
    tile = Domain(
        {hi: r(0, TILE), wi: r(0, TILE), ci: r(0, channels), kh: r(0, KERNEL), kw: r(0, KERNEL)},
        [ho * TILE + hi < out_h, wo * TILE + wi < out_h],
    )
    y = (ho * TILE + hi) * STRIDE + kh
    x = (wo * TILE + wi) * STRIDE + kw
    pad_region = region([(b, ci, y, x)], tile)
    py, px, pc = Var("py"), Var("px"), Var("pc")
    pad_domain = Domain(
        {pc: pad_region.ranges[1], py: pad_region.ranges[2], px: pad_region.ranges[3]}
    )
    guard = op.logical_and(
        op.logical_and(py >= PADDING, py < height + PADDING),
        op.logical_and(px >= PADDING, px < width + PADDING),
    )
    input_region = region([Access((b, pc, py - PADDING, px - PADDING), guard)], pad_domain)
    sizes = [bound(rng.extent, Domain({ho: r(0, 7), wo: r(0, 7)})) for rng in pad_region.ranges]
    simple_guard = simplify(guard, pad_domain)
    return {"pad": pad_region, "input": input_region, "sizes": sizes, "guard": simple_guard}


def timed(repeat: int) -> float:
    """Median seconds of one conv2d's queries, cold (fresh IR, empty caches)."""
    samples = []
    for _ in range(repeat):
        clear_caches()
        start = time.perf_counter()
        conv2d_queries()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2]


def test_bounds_conv2d(benchmark: Any) -> None:
    result = conv2d_queries()
    assert result["sizes"][2].max.value == TILE + KERNEL - 1
    benchmark(lambda: (clear_caches(), conv2d_queries()))


def main() -> None:
    result = conv2d_queries()
    for name in ("pad", "input"):
        print(f"{name:6s} region: {result[name]}")
    print(f"guard on the tile: {result['guard']}")
    print(f"bound queries: {timed(20) * 1e3:.2f} ms per conv2d (median of 20, cold caches)")


if __name__ == "__main__":
    main()
