"""Test-suite configuration: hypothesis profiles.

CI runs a bounded number of examples per property test; set ``STIR_FUZZ_EXAMPLES=N`` for
longer fuzzing runs (tests marked ``slow`` scale with it).
"""

from __future__ import annotations

from fuzz_budget import FUZZ_EXAMPLES, examples
from hypothesis import HealthCheck, settings

settings.register_profile(
    "bounded",
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not FUZZ_EXAMPLES,
)
settings.load_profile("bounded")
