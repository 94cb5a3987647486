"""Compile the prover's Numba kernels ahead of need, on the otherwise idle second core.

The kernels are cached on disk (``cache=True``), so only the first proof after installation
(or after an upgrade) compiles them: about 60 s on this project's 2-core machine, one kernel
after another on one core. When a proof starts and the cache looks cold,
:func:`start_background_warmup` starts a second process that compiles the kernels of the late
stages (the auxiliary-trace builder and the constraint evaluator, the slowest to compile,
then the other stages from the last backwards) on small random inputs of the same types the
prover uses, while the prover compiles the commitment kernels it needs first.
The prover then loads the kernels the helper finished from the cache instead of compiling
them. The helper ends with a complete small proof
(with the prover's checks off, on a random trace) so that nothing it missed stays cold.

``zkvm warmup`` runs the same compilation in the foreground (e.g. in a container build).
Nothing here changes a proof; a helper that fails only leaves the cache colder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

ROWS = 1 << 11


def cache_is_cold() -> bool:
    """Whether the late-stage kernels have no entry in Numba's on-disk cache (a fresh
    checkout, a new Numba version or changed kernel sources)."""
    try:
        from zkvm.stark import eval_kernels, logup_kernels

        for dispatcher in (eval_kernels.run_chunks, logup_kernels._helpers_parallel):
            index = dispatcher._cache._cache_file._index_path
            if not os.path.exists(index):
                return True
        return False
    except Exception:  # private Numba layout changed: do not guess
        return False


def start_background_warmup() -> subprocess.Popen | None:
    """Start the helper process if the cache looks cold (and ZKVM_WARMUP is not 0)."""
    if os.environ.get("ZKVM_WARMUP", "") == "0" or not cache_is_cold():
        return None
    # the helper imports this very copy of zkvm, even when it is not the installed one
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "zkvm.warmup"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "ZKVM_WARMUP": "0", "NUMBA_NUM_THREADS": "1", "PYTHONPATH": path},
        )
    except OSError:
        return None


def _stages() -> list[tuple[str, Callable[[], None]]]:
    """Small calls of each stage's kernels, in the helper's order, with the prover's types."""
    import numpy as np

    from zkvm.air.vm_air import vm_air_for
    from zkvm.crypto.merkle import MerkleTree
    from zkvm.crypto.transcript import Transcript
    from zkvm.field import arrays as fa
    from zkvm.field import goldilocks as gl
    from zkvm.field import ntt
    from zkvm.field.poly_kernels import evaluate_columns, ext_powers
    from zkvm.fri import prover as fri_prover
    from zkvm.fri.options import FriOptions
    from zkvm.stark import codegen, extra_coset
    from zkvm.stark import kernels as sk

    n = ROWS
    rng = np.random.default_rng(0)
    air = vm_air_for(n)
    width, aux_width = air.width, 2 * air.aux_width

    def field(*shape: int) -> np.ndarray:
        return rng.integers(0, gl.P, shape, dtype=np.uint64)

    main, aux, pub = field(n, width), field(n, aux_width), field(n, len(air.public_columns))
    high = field(72, width)
    challenges = [(int(a), int(b)) for a, b in field(air.num_challenges, 2)]
    publics = [int(v) for v in field(len(air.public_inputs))]
    alphas = field(len(air.constraints), 2)

    def queries() -> None:
        sk.evaluate_rows_pm(main, field(4))
        fa.add(field(8, width), fa.mul(field(8, width), field(8, width)))

    def fri() -> None:
        options = FriOptions(blowup=8, num_queries=28, grinding_bits=1, min_security_bits=0)
        codeword = ntt.lde_from_coefficients(field(n, 2), 8)
        fri_prover.prove(codeword, n, options, Transcript(b"warmup"), gl.GENERATOR)

    def deep() -> None:
        comp = field(n, 8)
        lt, la = np.empty((n, 2), dtype=np.uint64), np.empty((n, 2), dtype=np.uint64)
        sk.combine_coefficients(main, aux, comp, field(n, 6), field(width, 2), field(air.aux_width, 2), field(4, 2),
                                field(6, 2), lt, la)
        out = np.zeros((n, 2), dtype=np.uint64)
        sk.divide_by_linear(la, np.uint64(3), np.uint64(5), out)

    def ood() -> None:
        zpow = ext_powers((3, 5), n)
        evaluate_columns(main, (0, 0), zpow=zpow)
        evaluate_columns(np.ascontiguousarray(high), (0, 0), zpow=np.ascontiguousarray(zpow[:72]))

    def composition() -> None:
        values = field(2 * n, 2)
        ntt.inverse_from_bitrev(values)
        ntt._scale_rows_parallel(values, np.uint64(3), np.uint64(1))
        block = np.empty((n, 8), dtype=np.uint64)
        ntt.lde_block(field(n, 8), 1, 8, block, gl.GENERATOR)

    def constraints() -> None:
        program = codegen.compile_air(air)
        groups = codegen.evaluate_groups(program, main, aux, n, 1, challenges, publics, alphas, pub)
        kinds = np.zeros(len(program.groups), dtype=np.int64)
        points = np.zeros(len(program.groups), dtype=np.uint64)
        out = np.empty((n, 2), dtype=np.uint64)
        one = np.ones(1, dtype=np.uint64)
        sk.combine_groups(groups, kinds, points, np.uint64(1), one, one * np.uint64(7), sk.bitrev_powers(n), n, out)
        extra_coset._values_on_cosets(main, high, [7, 49], n, 256)
        extra_coset._values_on_cosets(field(2 * n, 2), None, [7], 2 * n, 256)

    def aux_trace() -> None:
        air.build_aux(main, challenges, publics, pub)

    def commit() -> None:
        block = np.empty((n, width), dtype=np.uint64)
        ntt.lde_block(main, 1, 8, block, gl.GENERATOR)
        MerkleTree.from_leaf_digests(MerkleTree.hash_leaves(block, field(n, 2)), keep_leaf_digests=False)
        ntt.interpolate_columns(main)

    # The prover meets the commitment kernels (NTTs, blake3: about 20 s to compile) first and
    # compiles them itself, while this helper compiles the auxiliary-trace builder and the
    # constraint evaluation (about as long), which the prover needs next; then the remaining
    # stages from the last one backwards, so that the two processes meet in the middle.
    return [("aux trace", aux_trace), ("constraints", constraints), ("queries", queries), ("fri", fri),
            ("deep", deep), ("ood", ood), ("composition", composition), ("commit", commit)]


def _small_proof() -> None:
    """A whole proof of a random trace with the prover's checks off: every kernel, with
    exactly the prover's types (the proof is invalid and discarded)."""
    import numpy as np

    from zkvm.air.vm_air import vm_system
    from zkvm.field import goldilocks as gl
    from zkvm.fri.options import FriOptions
    from zkvm.stark.multi_prover import prove_tables
    from zkvm.stark.public_columns import PublicColumns

    system = vm_system(ROWS)
    air = system.tables[0]
    trace = np.random.default_rng(1).integers(0, gl.P, (ROWS, air.width), dtype=np.uint64)
    entries = [([0], [1])] * len(air.public_columns)
    prove_tables(system, [trace], [[0] * len(air.public_inputs)], FriOptions(min_security_bits=0), check=False,
                 public_columns=[PublicColumns.from_entries(entries)])


def warm(say: Callable[[str], None] = lambda _m: None) -> None:
    """Compile every prover kernel (see :func:`_stages` for the order), then run a small proof."""
    for name, stage in _stages():
        say(f"compiling: {name}")
        try:
            stage()
        except Exception as e:  # a mismatch only means the prover compiles this one itself
            say(f"  ({name}: {type(e).__name__}: {e})")
    say("compiling: a small proof")
    _small_proof()


if __name__ == "__main__":
    warm()
