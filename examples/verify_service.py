"""A proof-checking HTTP endpoint built on the standard library only.

A lender publishes a credit model; applicants' banks send back a proof that the model, run on
the applicant's private data, approved the application. This service checks such proofs:

    python3 -m zkvm compile programs/credit_logistic.py --input programs/credit_logistic.input.json --out credit.json
    python3 examples/verify_service.py credit.json --port 8080
    curl --data-binary @programs/credit_logistic.proof http://localhost:8080/verify

It answers ``{"valid": true, "output": ..., "program_hash": ..., "security_bits": ...}`` with
status 200, or ``{"valid": false, "check": ..., "error": ...}`` with status 422 for any proof the
verifier rejects, malformed ones included (400 or 413 for a missing or oversized body). It loads the
compiled program once (JSON from ``zkvm compile --out``) and imports only the verifier: no
Numba, no compiler, so it starts in a fraction of a second and each check takes milliseconds.
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from zkvm.isa.program import Program
from zkvm.verifier import VerificationError, verify

MAX_PROOF_BYTES = 64 << 20
"""A zkvm proof is ~100-600 KiB, a segmented run's about that per segment; refuse anything
absurd up front."""


def make_handler(program: Program, min_security_bits: int = 100) -> type[BaseHTTPRequestHandler]:
    """A request handler class that verifies POSTed proofs against ``program``."""

    class VerifyHandler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 (the http.server naming)
            if self.path != "/verify":
                return self._reply(404, {"error": "POST the proof bytes to /verify"})
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 < length <= MAX_PROOF_BYTES:
                status = 413 if length > MAX_PROOF_BYTES else 400
                return self._reply(status, {"valid": False, "error": f"send one proof file (at most {MAX_PROOF_BYTES >> 20} MiB) as the body"})
            proof = self.rfile.read(length)
            try:
                claim = verify(proof, program, min_security_bits=min_security_bits)
            except VerificationError as e:  # every malformed or false proof
                return self._reply(422, {"valid": False, "check": e.check, "error": str(e)})
            except Exception as e:  # a bug in zkvm: answer (500) rather than drop the connection
                self.log_error("internal error verifying a proof: %s: %s", type(e).__name__, e)
                return self._reply(500, {"valid": False, "error": "internal error"})
            self._reply(200, {"valid": True, "output": claim.output, "program_hash": claim.program_hash,
                              "public_inputs": list(claim.public_inputs), "security_bits": claim.security_bits,
                              "segments": claim.segments})

        def log_message(self, fmt: str, *args) -> None:  # one quiet line per request
            sys.stderr.write("verify-service: " + (fmt % args) + "\n")

    return VerifyHandler


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve POST /verify for one compiled zkvm program.")
    ap.add_argument("program_json", help="the compiled program (zkvm compile PROGRAM --out FILE)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--min-security", type=int, default=100)
    args = ap.parse_args(argv)
    program = Program.from_json(json.loads(Path(args.program_json).read_text()))
    server = ThreadingHTTPServer((args.host, args.port), make_handler(program, args.min_security))
    print(f"verifying proofs of program {program.hex_hash()[:16]}... at http://{args.host}:{server.server_port}/verify")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
