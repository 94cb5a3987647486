"""The compile helper (zkvm.warmup) calls the prover's kernels as the prover does: every
stage's calls run without error (an API drift would otherwise only make first proofs slower,
silently), and `zkvm warmup` works from the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from zkvm import warmup


@pytest.mark.parametrize("name", [name for name, _ in warmup._stages()])
def test_each_stage_runs(name):
    dict(warmup._stages())[name]()


def test_the_cache_is_warm_after_a_warmup():
    warmup.warm()
    assert not warmup.cache_is_cold()


def test_warmup_command():
    r = subprocess.run([sys.executable, "-m", "zkvm", "warmup", "--quiet"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "compiled and cached" in r.stdout
