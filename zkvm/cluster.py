"""Proving a segmented run's segments on a Ray cluster (``pip install -e ".[cluster]"``).

Each segment's proof is one Ray task (:func:`zkvm.segmented.prove_task` on a
:class:`~zkvm.segmented.SegmentTask`, one CPU each by default). Ray does the distributed work:
scheduling on the cluster's workers, moving the program (put in the object store once) and
each segment's start, retrying a task whose worker died (``max_retries``) while the finished
segments' proofs stay in the object store, and returning the proofs' bytes, which the caller
assembles in order into the same proof file a single machine writes.

``address``: a running cluster's address ("auto", "ray://host:10001", "host:6379"), or "local"
to start a cluster in this process (``num_cpus`` workers' CPUs). Prover side.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Sequence

from zkvm.errors import ParameterError

RAY_ADDRESS_ENV = "ZKVM_RAY_ADDRESS"
TASK_RETRIES = 3
"""How often Ray re-runs a segment's task whose worker died before giving up on the proof."""


def ray_address(cli_value: str | None) -> str | None:
    """The cluster to prove on: the --ray value, else ZKVM_RAY_ADDRESS, else None (here)."""
    value = cli_value if cli_value else os.environ.get(RAY_ADDRESS_ENV, "")
    return value or None


def _ray():
    try:
        import ray
    except ImportError:
        raise ParameterError("--ray", 'proving on a cluster needs Ray: pip install -e ".[cluster]" (or pip install ray)') from None
    return ray


def connect(address: str, num_cpus: int | None = None):
    """Connect to the cluster at ``address`` ("local": start one here with ``num_cpus`` CPUs)."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    kwargs = dict(include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    _check_reachable(address)
    try:
        if address == "local":
            ray.init(num_cpus=num_cpus, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except Exception as e:  # Ray raises ConnectionError, RuntimeError, ValueError ... for a bad address
        raise ParameterError("--ray", f"cannot reach a Ray cluster at {address!r}: {e}") from None
    return ray


def _check_reachable(address: str, timeout: float = 3.0) -> None:
    """A "host:port" or "ray://host:port" address must accept a connection within a few
    seconds (Ray itself waits about a minute before giving up on an unreachable one)."""
    import socket

    target = address[len("ray://"):] if address.startswith("ray://") else address
    if address in ("local", "auto") or ":" not in target:
        return
    host, _, port = target.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return
    except (OSError, ValueError) as e:
        raise ParameterError("--ray", f"cannot reach a Ray cluster at {address!r}: {e}") from None


def _prove_remote(program, task):
    """A Ray worker's task: prove one segment on as many threads as CPUs Ray assigned it."""
    import numba
    import ray

    from zkvm.segmented import prove_task

    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1.0)
    numba.set_num_threads(max(1, min(int(cpus), numba.config.NUMBA_NUM_THREADS)))
    return prove_task(dataclasses.replace(task, program=program))


def runner(address: str, *, num_cpus: int | None = None, cpus_per_segment: float = 1.0,
           retries: int = TASK_RETRIES) -> Callable[[Sequence, Callable[[str], None] | None], list[bytes]]:
    """A segment runner for :func:`zkvm.prover.prove` (``segment_runner=``) that proves every
    segment as a Ray task on the cluster at ``address`` and reports segments done / total and
    the cluster's workers."""

    def run(tasks: Sequence, progress: Callable[[str], None] | None = None) -> list[bytes]:
        say = progress or (lambda _m: None)
        ray = connect(address, num_cpus)
        remote = ray.remote(num_cpus=cpus_per_segment, max_retries=retries, retry_exceptions=False)(_prove_remote)
        program_ref = ray.put(tasks[0].program)
        refs = [remote.remote(program_ref, dataclasses.replace(t, program=None)) for t in tasks]
        index = {ref: k for k, ref in enumerate(refs)}
        results: dict[int, bytes] = {}
        pending = list(refs)
        t0 = time.perf_counter()
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                results[index[ref]] = ray.get(ref)
            nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
            cpus = int(ray.cluster_resources().get("CPU", 0))
            say(f"segments proven: {len(results)}/{len(refs)} ({time.perf_counter() - t0:.1f} s; cluster: {nodes} "
                f"node{'s' if nodes != 1 else ''}, {cpus} CPUs)")
        return [results[k] for k in range(len(refs))]

    return run


__all__ = ["runner", "connect", "ray_address", "RAY_ADDRESS_ENV"]
