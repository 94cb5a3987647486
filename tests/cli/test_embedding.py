"""The embedding example: a stdlib HTTP endpoint that verifies proofs, importing no Numba."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ROOT / "programs"


@pytest.fixture(scope="module")
def credit_proof():
    import zkvm
    from zkvm import programs

    inputs = json.loads((PROGRAMS / "credit_logistic.input.json").read_text())
    loaded = programs.load(PROGRAMS / "credit_logistic.py", inputs)
    result = zkvm.prove(loaded.program, loaded.inputs)
    return loaded.program, result


@pytest.fixture()
def server(credit_proof):
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import verify_service
    finally:
        sys.path.pop(0)
    from zkvm.isa.program import Program

    program = Program.from_json(json.loads(json.dumps(credit_proof[0].to_json())))  # as loaded from disk
    srv = ThreadingHTTPServer(("127.0.0.1", 0), verify_service.make_handler(program))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def post(url: str, body: bytes):
    req = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_valid_proof_is_accepted_with_its_output(server, credit_proof):
    program, result = credit_proof
    status, body = post(server + "/verify", result.proof)
    assert status == 200 and body["valid"] is True
    assert body["output"] == result.outputs[0]
    assert body["program_hash"] == program.hex_hash()


def test_tampered_and_garbage_proofs_are_rejected(server, credit_proof):
    data = bytearray(credit_proof[1].proof)
    data[len(data) // 2] ^= 1
    status, body = post(server + "/verify", bytes(data))
    assert status == 422 and body["valid"] is False and body["check"]
    status, body = post(server + "/verify", b"not a proof at all")
    assert status == 422 and body["valid"] is False


def test_wrong_path_is_404(server):
    assert post(server + "/nope", b"x")[0] == 404


def test_service_imports_no_numba_and_no_compiler():
    code = ("import sys; sys.path.insert(0, %r); import verify_service; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('numba', 'lark', 'llvmlite') or m.startswith('zkvm.compiler')]; "
            "print(bad)") % str(ROOT / "examples")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_a_proof_for_a_nearly_equal_program_hash_names_both_hashes(credit_proof):
    """Only the program hash differs, after its first 16 hex digits: the rejection must still
    show two different hashes."""
    from zkvm.errors import StatementMismatch
    from zkvm.verifier import verify

    program, result = credit_proof
    wrong = bytearray(program.hash())
    wrong[20] ^= 1
    with pytest.raises(StatementMismatch) as e:
        verify(result.proof, bytes(wrong))
    message = str(e.value)
    claimed, expected = message.split("program ")[1].split(", not ")
    assert claimed != expected and program.hex_hash().startswith(claimed.rstrip("."))


def test_hostile_proofs_get_an_answer_422(server, credit_proof):
    """A signature nested 100,000 deep dropped the connection (RecursionError in the handler);
    malformed shapes raised TypeError. Each is now a rejected proof like any other."""
    from tests.malformed import deep_json, program_with_signature, with_embedded, with_signature

    proof = credit_proof[1].proof
    for raw in (deep_json(100_000), b'{"params":5}', b'{"params":[{"name":"features","shape":"abc"}]}',
                b'{"output":{"shape":[-1]}}', b"not json", b"[]"):
        status, body = post(server + "/verify", with_signature(proof, raw))
        assert status == 422 and body["valid"] is False and body["check"] == "proof format", (raw[:30], body)
    embedded = zkvm_prove_embedded(credit_proof)
    status, body = post(server + "/verify", with_embedded(embedded, program_with_signature(credit_proof[0], deep_json(100_000))))
    assert status == 422 and body["valid"] is False


def zkvm_prove_embedded(credit_proof) -> bytes:
    """The credit proof with its program embedded (the service checks it against its own)."""
    import dataclasses

    from zkvm.proof_file import ProofFile

    program, result = credit_proof
    return dataclasses.replace(ProofFile.from_bytes(result.proof), program=program).to_bytes()


def test_bad_content_length_is_400_not_a_dropped_connection(server):
    import http.client
    from urllib.parse import urlparse

    url = urlparse(server)
    for value in ("abc", "-5", "0", str(1 << 40)):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.putrequest("POST", "/verify")
        conn.putheader("Content-Length", value)
        conn.endheaders()
        r = conn.getresponse()
        assert r.status in (400, 413) and json.loads(r.read())["valid"] is False, value
        conn.close()


def test_a_bug_in_the_verifier_is_answered_500(credit_proof, monkeypatch):
    """The service's last resort: an exception that is not a rejection (a bug) still gets an
    answer instead of a dropped connection (the verifier is replaced by one that fails)."""
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import verify_service
    finally:
        sys.path.pop(0)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(verify_service, "verify", broken)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), verify_service.make_handler(credit_proof[0]))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        status, body = post(f"http://127.0.0.1:{srv.server_port}/verify", credit_proof[1].proof)
    finally:
        srv.shutdown()
    assert status == 500 and body == {"valid": False, "error": "internal error"}
