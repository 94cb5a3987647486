"""The ``zkvm`` command line.

Exit codes: 0 success, 1 a proof was rejected or execution failed, 2 usage errors and bad
input. User errors are printed as one clear message, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time

from zkvm.errors import ParameterError, VerificationError, ZkvmError

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


def _progress(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    """Prove and verify that a random codeword is low-degree with FRI (the foundations demo)."""
    import numpy as np

    from zkvm.crypto.transcript import Transcript
    from zkvm.field import goldilocks as gl
    from zkvm.field import ntt
    from zkvm.fri import prover, verifier
    from zkvm.fri.options import FriOptions
    from zkvm.fri.proof import FriProof

    log_d = args.log_degree
    if not 1 <= log_d <= 24:
        raise ParameterError("--log-degree", "must be in [1, 24]")
    options = FriOptions(blowup=args.blowup, folding_factor=args.folding)
    degree = 1 << log_d
    size = degree * options.blowup
    security = options.check_security(size)
    _progress(args.quiet, f"zkvm demo: FRI on a random polynomial of degree < 2^{log_d}, blowup {options.blowup}")
    rng = np.random.default_rng()
    coeffs = np.zeros((size, 2), dtype=np.uint64)
    coeffs[:degree] = rng.integers(0, gl.P, (degree, 2), dtype=np.uint64)
    t0 = time.perf_counter()
    _progress(args.quiet, "  compiling kernels (first run only) and evaluating the codeword ...")
    codeword = ntt.lde_from_coefficients(coeffs, 1)
    t1 = time.perf_counter()
    result = prover.prove(codeword, degree, options, Transcript(b"zkvm demo"))
    t2 = time.perf_counter()
    data = result.proof.to_bytes()
    t3 = time.perf_counter()
    proof = FriProof.from_bytes(data, options, size, degree)
    verifier.verify(proof, options, Transcript(b"zkvm demo"), size, degree)
    t4 = time.perf_counter()
    print(
        f"FRI proof verified: degree < 2^{log_d}, domain 2^{size.bit_length() - 1}, "
        f"{options.num_queries} queries, {options.grinding_bits} grinding bits, "
        f"{security} bits conjectured security"
    )
    print(
        f"codeword {t1 - t0:.2f} s, prove {t2 - t1:.2f} s, verify {(t4 - t3) * 1e3:.1f} ms, "
        f"proof {len(data) / 1024:.1f} KiB"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zkvm", description="Prove the execution of ML inference written in Python.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="prove and verify a FRI low-degree test (foundations demo)")
    demo.add_argument("--log-degree", type=int, default=16, help="log2 of the degree bound (default 16)")
    demo.add_argument("--blowup", type=int, default=8, help="LDE blowup factor (default 8)")
    demo.add_argument("--folding", type=int, default=4, help="FRI folding factor: 2, 4, 8 or 16 (default 4)")
    demo.add_argument("--quiet", action="store_true", help="no progress output on stderr")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse already printed the usage message
        return EXIT_USAGE if e.code else EXIT_OK
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except VerificationError as e:
        print(f"rejected: {e}", file=sys.stderr)
        return EXIT_REJECTED
    except ParameterError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ZkvmError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_REJECTED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
