"""Test-suite configuration: hypothesis profiles.

CI runs a bounded number of examples per property test; set ``STIR_FUZZ_EXAMPLES=N`` for
longer fuzzing runs (tests marked ``slow`` scale with it).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("STIR_FUZZ_EXAMPLES", "0"))

settings.register_profile(
    "bounded",
    max_examples=FUZZ_EXAMPLES or 60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not FUZZ_EXAMPLES,
)
settings.load_profile("bounded")
