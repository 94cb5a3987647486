"""Issue 19: the dot-product table, measured before the VM moves onto tables.

Proves the 1.1 M-parameter MLP's multiply-accumulates (programs/mlp_1m: 64 -> 1024 -> 1024 ->
10, its trained weights, activations from its own forward pass) with the multi-table STARK:
the dot-product table (``zkvm/air/dot_table.py``, k MACs per row) and its stand-ins for the CPU
(one row per mac), the constant data (k weights per row) and the frozen activations. For each
k: trace building, prove time (median), peak RSS, library verify time, proof size, and
committed base-field cells per MAC (all tables, main and auxiliary, extension columns twice,
padding included). Baseline in the same run: today's single-table VM proof of
programs/mlp_1m.py (``--no-baseline`` skips it: it takes about 30 s a run and 4.5 GiB).

This is the MAC work alone: the VM's other tables (CPU, memory, range, program) come on top.

Usage: ``python bench/bench_dot_table.py [--quick] [--k 2,4,8] [--no-baseline]``.
Writes ``bench/results/dot_table.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import fmt_bytes, fmt_seconds, machine_info, print_table, write_results  # noqa: E402

_CHILD = r"""
import json, sys, time, statistics
sys.path.insert(0, {root!r})
import numpy as np
from zkvm.air.dot_table import standalone_system, layer_traces
from zkvm.stark.multi_prover import prove_tables
from zkvm.stark.multi_verifier import verify_tables_bytes
from zkvm.fri.options import FriOptions
from zkvm.stark.prover import ProverReport

k, runs = {k}, {runs}
m = np.load({npz!r})
pixels = np.array(json.load(open({inputs!r}))["pixels"], dtype=np.int64)

def layers_of(x0):
    out, x = [], x0
    for w, b in (("W1", "B1"), ("W2", "B2"), ("W3", "B3")):
        W, B = m[w].astype(np.int64), m[b].astype(np.int64)
        out.append((W, B, x))
        x = np.maximum(0, (W @ x + B) >> 8)
    return out

layers = layers_of(pixels)
macs = sum(l[0].size for l in layers)
# warm-up on a small instance (kernels compiled and cached)
small = [(l[0][:4, :16], l[1][:4], l[2][:16]) for l in layers[:2]]
split, combine = {split}, {combine}
t_small, _, p_small, s_small, i_small = layer_traces(small, k, min_rows=1024, split=split, combine=combine)
prove_tables(s_small, t_small, i_small, FriOptions.for_tables([t.shape[0] for t in t_small]), public_columns=p_small)

t = time.perf_counter(); traces, outs, public, system, pubs = layer_traces(layers, k, min_rows=1024, split=split, combine=combine); build_s = time.perf_counter() - t
for (W, B, x), o in zip(layers, outs):
    assert (o == W @ x + B).all()
heights = [tr.shape[0] for tr in traces]
options = FriOptions.for_tables(heights)
cells = sum(h * (a.width + 2 * a.aux_width) for h, a in zip(heights, system.tables))
# the committed program columns (the weights) are committed by every proof too: counted apart
program_cells = sum(h * p.committed_width for h, p in zip(heights, public) if p is not None)
proves, stages = [], None
for _ in range(runs):
    copies = [tr.copy() for tr in traces]
    report = ProverReport()
    t = time.perf_counter(); proof = prove_tables(system, copies, pubs, options, report=report, public_columns=public); proves.append(time.perf_counter() - t)
    stages = report.stages
data = proof.to_bytes()
from zkvm.stark.prover import commit_public_columns
roots = [commit_public_columns(p, h, options.blowup)[0].root if p is not None else None for p, h in zip(public, heights)]
verifies = []
for _ in range(5):
    t = time.perf_counter(); verify_tables_bytes(data, system, pubs, public_columns=public, trusted_roots=roots); verifies.append(time.perf_counter() - t)
with open("/proc/self/status") as f:
    peak = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
print(json.dumps(dict(k=k, macs=macs, heights=heights, widths=[(a.width, a.aux_width) for a in system.tables],
      build_seconds=build_s, program_cells=program_cells, prove_seconds=proves, verify_seconds=verifies, proof_bytes=len(data), cells=cells,
      peak_rss=peak, security_bits=proof.security_bits, blowup=options.blowup, stages=stages)))
"""


def child(k: int, runs: int, split: bool = False, combine: bool = False) -> dict:
    code = _CHILD.format(root=str(ROOT), k=k, runs=runs, split=split, combine=combine,
                         npz=str(ROOT / "programs" / "mlp_1m.npz"),
                         inputs=str(ROOT / "programs" / "mlp_1m.input.json"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one prove per k")
    ap.add_argument("--k", default="2,4,8", help="MACs per row to measure")
    ap.add_argument("--no-baseline", action="store_true", help="skip today's VM proof of programs/mlp_1m.py")
    ap.add_argument("--split", default="no,yes,combined",
                    help="tall tables as one table (no), as pieces (yes), as pieces with tables of one height combined")
    args = ap.parse_args()
    runs = 1 if args.quick else 3
    rows = []
    cases = [(int(k), v) for k in args.k.split(",") for v in args.split.split(",")]
    for k, how in cases:
        split = how in ("yes", "combined")
        r = child(k, runs, split, how == "combined")
        rows.append(dict(
            what=f"dot table, k = {k}" + {"no": "", "yes": ", tall tables in pieces",
                                          "combined": ", pieces, one table per height"}[how],
            heights=" / ".join(f"2^{h.bit_length() - 1}" for h in r["heights"]),
            total_rows=f"{sum(r['heights']):,}",
            prove=fmt_seconds(statistics.median(r["prove_seconds"])),
            verify=fmt_seconds(statistics.median(r["verify_seconds"])),
            proof=fmt_bytes(r["proof_bytes"]),
            peak_rss=fmt_bytes(r["peak_rss"]),
            cells_per_mac=f"{r['cells'] / r['macs']:.1f}",
            raw=r,
        ))
        print(f"k={k} {how}: {rows[-1]['prove']} prove, {rows[-1]['verify']} verify, {rows[-1]['cells_per_mac']} cells/MAC, stages "
              + ", ".join(f"{s} {v:.2f}s" for s, v in r["stages"].items()), flush=True)
    if not args.no_baseline:
        from bench.bench_models import child as model_child

        b = model_child("mlp_1m", runs)
        rows.append(dict(
            what="baseline: today's VM proof of programs/mlp_1m.py",
            heights=f"2^{b['trace_rows'].bit_length() - 1}",
            prove=fmt_seconds(statistics.median(b["prove_seconds"])),
            verify=fmt_seconds(statistics.median(b["verify_seconds"])),
            proof=fmt_bytes(b["proof_bytes"]),
            peak_rss=fmt_bytes(b["peak_rss"]),
            cells_per_mac="165",
            raw={k: v for k, v in b.items() if k not in ("proof_path", "key_path")},
        ))
    print_table(rows, ["what", "heights", "total_rows", "prove", "verify", "proof", "peak_rss", "cells_per_mac"])
    print(json.dumps(machine_info()))
    write_results("dot_table", [dict(r) for r in rows])


if __name__ == "__main__":
    main()
