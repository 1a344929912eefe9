"""How many examples the property and fuzz tests draw.

CI runs a bounded number; ``STIR_FUZZ_EXAMPLES=N`` asks for N per property test (long runs).
"""

from __future__ import annotations

import os

#: examples requested through the environment, 0 when unset (use the test's small default)
FUZZ_EXAMPLES = int(os.environ.get("STIR_FUZZ_EXAMPLES") or 0)


def examples(default: int) -> int:
    """``default`` in CI, or the number asked for with ``STIR_FUZZ_EXAMPLES``."""
    return FUZZ_EXAMPLES or default
