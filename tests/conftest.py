"""Test-suite configuration: hypothesis profiles and shared oracles.

Profiles: ``dev`` (default, a few more examples), ``ci`` (bounded, for the 15-minute budget on
two cores; chosen automatically when CI is set) and ``thorough`` (for a long local run). Select
one explicitly with HYPOTHESIS_PROFILE.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=25, derandomize=True, print_blob=True, **_common)
settings.register_profile("dev", max_examples=50, **_common)
settings.register_profile("thorough", max_examples=1000, **_common)

_profile = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(_profile)
