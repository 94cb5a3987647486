"""Merkle commitment of 2^20 rows x 32 Goldilocks elements (256 MiB of leaf data).

Target (issue 3): >= 0.5x the throughput of the `blake3` package hashing one 256 MiB buffer
(its own SIMD ceiling), measured in the same run; one and two threads reported separately.
Usage: python bench/bench_merkle.py [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

import blake3
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import harness  # noqa: E402
from zkvm.crypto import blake3_kernels as bk  # noqa: E402
from zkvm.crypto.merkle import MerkleTree  # noqa: E402
from zkvm.crypto.merkle_verify import LEAF_KEY  # noqa: E402

P = 2**64 - 2**32 + 1


def main() -> None:
    quick = "--quick" in sys.argv
    log_n = 16 if quick else 20
    rows = np.random.default_rng(1).integers(0, P, (1 << log_n, 32), dtype=np.uint64)
    wide = np.random.default_rng(2).integers(0, P, (1 << log_n, 40), dtype=np.uint64)
    nbytes = rows.nbytes
    buf = rows.view(np.uint8)
    leaf_key = bk.key_words(LEAF_KEY)
    results = []
    for threads in (1, 2):
        harness.set_threads(threads)
        harness.reset_peak_rss()
        res = harness.interleaved(
            {
                "zkvm Merkle tree (leaves + parents)": lambda: MerkleTree(rows),
                "zkvm leaf hashing only": lambda: bk.hash_rows(rows, leaf_key),
                "zkvm leaves of 40 columns": lambda: bk.hash_rows(wide, leaf_key),
                "blake3 package, one buffer, 1 thread": lambda: blake3.blake3(buf).digest(),
                "blake3 package, one buffer, AUTO threads": lambda: blake3.blake3(buf, max_threads=blake3.blake3.AUTO).digest(),
            },
            rounds=3 if quick else 5,
            repeats=3,
        )
        base = res["blake3 package, one buffer, 1 thread"].median
        for name, m in res.items():
            size = wide.nbytes if "40" in name else nbytes
            results.append(
                {
                    "threads": threads,
                    "what": name,
                    "rows": f"2^{log_n}",
                    "median": harness.fmt_seconds(m.median),
                    "GB/s": f"{size / m.median / 1e9:.2f}",
                    "throughput vs package (1 thread)": f"{(size / m.median) / (nbytes / base):.2f}x",
                    "peak RSS": harness.fmt_bytes(harness.peak_rss_bytes()),
                }
            )
    print(f"Merkle commit, {harness.fmt_bytes(nbytes)} of leaves")
    harness.print_table(results, list(results[0].keys()))
    harness.write_results("merkle", results)


if __name__ == "__main__":
    main()
