"""FRI prove and verify at degree 2^20, blowup 8, 100 conjectured bits; and start-up costs.

Targets (issue 3): prove <= 1.5 s, verify <= 10 ms warm; `import zkvm` and the verifier path
import no Numba; with the Numba cache warm a second process reaches its first NTT in <= 2 s.
Baseline in the same run: the blake3 package hashing the layer-0 codeword's bytes as one
buffer (a floor for any commitment to it).
Usage: python bench/bench_fri.py [--quick]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import blake3
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402
from zkvm.crypto.transcript import Transcript  # noqa: E402
from zkvm.field import goldilocks as gl  # noqa: E402
from zkvm.field import ntt  # noqa: E402
from zkvm.fri import prover, verifier  # noqa: E402
from zkvm.fri.options import FriOptions  # noqa: E402
from zkvm.fri.proof import FriProof  # noqa: E402


def bench_fri(rows: list, log_d: int, folding: int) -> None:
    options = FriOptions(blowup=8, num_queries=27, grinding_bits=20, folding_factor=folding, final_degree=7)
    d = 1 << log_d
    size = d * options.blowup
    rng = np.random.default_rng(1)
    coeffs = np.zeros((size, 2), dtype=np.uint64)
    coeffs[:d] = rng.integers(0, gl.P, (d, 2), dtype=np.uint64)
    codeword = ntt.lde_from_coefficients(coeffs, 1)
    del coeffs
    holder = {}

    def prove():
        holder["r"] = prover.prove(codeword, d, options, Transcript(b"bench"))

    def hash_codeword():
        blake3.blake3(codeword.view(np.uint8)).digest()

    for threads in (1, 2):
        harness.set_threads(threads)
        harness.reset_peak_rss()
        res = harness.interleaved({"prove": prove, "baseline": hash_codeword}, rounds=3, repeats=1)
        peak = harness.peak_rss_bytes()
        data = holder["r"].proof.to_bytes()
        proof = FriProof.from_bytes(data, options, size, d)
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            verifier.verify(proof, options, Transcript(b"bench"), size, d)
            times.append(time.perf_counter() - t0)
        verify = sorted(times)[len(times) // 2]
        rows.append(
            {
                "degree": f"2^{log_d}",
                "folding": folding,
                "threads": threads,
                "prove": harness.fmt_seconds(res["prove"].median),
                "baseline: blake3 pkg over codeword": harness.fmt_seconds(res["baseline"].median),
                "prove / baseline": f"{res['prove'].median / res['baseline'].median:.1f}x",
                "verify (warm)": harness.fmt_seconds(verify),
                "proof": f"{len(data) / 1024:.1f} KiB",
                "security": f"{options.security_bits(size)} bits",
                "peak RSS": harness.fmt_bytes(peak),
            }
        )


def bench_startup(rows: list) -> None:
    code_import = "import time; t=time.perf_counter(); import zkvm, zkvm.fri.verifier, sys; print(time.perf_counter()-t, 'numba' in sys.modules)"
    code_ntt = (
        "import time; t=time.perf_counter(); import numpy as np; from zkvm.field import ntt; "
        "a=np.arange(1<<20, dtype=np.uint64); ntt.forward_bitrev(a); print(time.perf_counter()-t)"
    )
    subprocess.run([sys.executable, "-c", code_ntt], check=True, capture_output=True, cwd=ROOT)  # warm the cache
    imp, ntt_t = [], []
    numba_loaded = None
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code_import], check=True, capture_output=True, text=True, cwd=ROOT).stdout.split()
        imp.append(float(out[0]))
        numba_loaded = out[1]
        ntt_t.append(float(subprocess.run([sys.executable, "-c", code_ntt], check=True, capture_output=True, text=True, cwd=ROOT).stdout))
    rows.append(
        {
            "what": "import zkvm + zkvm.fri.verifier",
            "median": harness.fmt_seconds(sorted(imp)[2]),
            "note": f"numba imported: {numba_loaded}",
        }
    )
    rows.append({"what": "new process to first 2^20 NTT (cache warm)", "median": harness.fmt_seconds(sorted(ntt_t)[2]), "note": "target <= 2 s"})


def main() -> None:
    quick = "--quick" in sys.argv
    rows: list[dict] = []
    for folding in (4, 8) if not quick else (4,):
        bench_fri(rows, 14 if quick else 20, folding)
    print(f"FRI, blowup 8, 27 queries, 20 grinding bits; threads available {harness.max_threads()}")
    harness.print_table(rows, list(rows[0].keys()))
    startup: list[dict] = []
    bench_startup(startup)
    harness.print_table(startup, ["what", "median", "note"])
    harness.write_results("fri", rows + startup)


if __name__ == "__main__":
    main()
