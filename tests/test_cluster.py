"""Segments proven on a local Ray cluster (2 CPUs): the same proof a single machine makes (up
to zero-knowledge randomness), also when a worker is killed in the middle of a segment's proof
(Ray retries that task; the finished segments are not proven again)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.test_segments import ROWS, cpython, program
from zkvm.errors import ParameterError
from zkvm.proof_file import ProofFile
from zkvm.prover import prove
from zkvm.verifier import verify

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_cluster():
    from zkvm import cluster

    ray.shutdown()
    cluster.connect("local", num_cpus=2)
    yield cluster
    ray.shutdown()


def _segment_workers() -> list[int]:
    """Processes running a segment's proof (Ray titles a busy worker with its task's name)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"ray::_prove_remote"):
            pids.append(int(entry.name))
    return pids


def test_cluster_proof_is_the_single_machine_proof(local_cluster):
    prog = program()
    seed = bytes(range(32))
    here = prove(prog, [3, 1, 4, 1], segment_rows=ROWS, zk_seed=seed)
    messages: list[str] = []
    there = prove(prog, [3, 1, 4, 1], segment_rows=ROWS, zk_seed=seed, segment_runner=local_cluster.runner("local"),
                  progress=messages.append)
    assert there.proof == here.proof  # (the same randomness: byte for byte)
    assert verify(there.proof, prog).output == cpython([3, 1, 4, 1])
    assert any(f"segments proven: {here.segments}/{here.segments}" in m and "CPUs" in m for m in messages)


def test_killed_worker_is_retried_and_the_run_completes(local_cluster):
    prog = program(400)
    result: dict = {}

    def proving() -> None:
        try:
            result["proof"] = prove(prog, [2, 7, 1, 8], segment_rows=ROWS, segment_runner=local_cluster.runner("local"))
        except BaseException as e:  # (reported by the assertion below)
            result["error"] = e

    thread = threading.Thread(target=proving)
    thread.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and thread.is_alive() and time.monotonic() < deadline:
        busy = _segment_workers()
        if busy:
            time.sleep(0.05)  # mid-proof
            try:
                os.kill(busy[0], signal.SIGKILL)
                killed = busy[0]
            except ProcessLookupError:
                continue
        time.sleep(0.01)
    thread.join(timeout=600)
    assert killed is not None, "no segment's worker was seen running"
    assert "error" not in result, result.get("error")
    proof = result["proof"]
    assert proof.segments == len(ProofFile.from_bytes(proof.proof).segments) + 1 >= 8
    assert verify(proof.proof, prog).output == cpython([2, 7, 1, 8], 400)


def test_unreachable_cluster_is_a_parameter_error():
    from zkvm import cluster

    ray.shutdown()
    with pytest.raises(ParameterError, match="Ray cluster"):
        cluster.connect("127.0.0.1:1")
    ray.shutdown()
