"""The statement leaks nothing private: two private inputs with the same output and the same
trace length give proof files whose public parts are identical.

Issue 17 found that the output record's address (in the statement) revealed how much the run
had allocated. The programs here are drawn at random so that their allocations depend on the
secret in many ways (a list built in one branch only, loops that append a secret number of
times, comprehensions filtered by the secret), while the output depends only on the public
part of the input. For each program and each pair of secrets whose runs have the same trace
length, everything public in the two proof files must be equal: the header bytes (program
hash, flags, public inputs, outputs, output address, signature) and every size or parameter
the STARK proof declares. Only the zero-knowledge randomness (roots, opened values) and the
sizes of sections that depend on the query positions (the Merkle openings, the number of
distinct rows opened) may differ.
"""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

import zkvm
from tests.stark.test_zk import SECRET_ALLOCATION
from zkvm.proof_file import ProofFile

BLOCKS = [
    "    if s > {t}:\n        tmp{k} = [x] * {n}\n        junk = junk + tmp{k}[0]\n",
    "    acc{k} = []\n    for i in range(s % {m}):\n        acc{k}.append(i * x)\n    junk = junk + len(acc{k})\n",
    "    sel{k} = [i for i in range({n}) if (s // (i + 1)) % 2 == 1]\n    junk = junk + len(sel{k})\n",
    "    w{k} = []\n    j = 0\n    while j < s % {m}:\n        w{k} = w{k} + [j]\n        j += 1\n",
    "    if s % 3 == {r}:\n        big{k} = [[x, s] for i in range({n})]\n        junk = junk + big{k}[0][1]\n",
]


@st.composite
def secret_programs(draw):
    blocks = []
    for k in range(draw(st.integers(1, 4))):
        template = draw(st.sampled_from(BLOCKS))
        blocks.append(template.format(k=k, t=draw(st.integers(0, 20)), n=draw(st.integers(1, 6)),
                                      m=draw(st.integers(2, 9)), r=draw(st.integers(0, 2))))
    width = draw(st.integers(1, 4))
    out = ", ".join(f"x * {i + 1}" for i in range(width))
    src = "def main(s: int, x: int) -> list[int]:\n    junk = 0\n" + "".join(blocks) + f"    return [{out}]\n"
    secrets = draw(st.lists(st.integers(0, 40), min_size=2, max_size=2, unique=True))
    return src, secrets, draw(st.integers(-50, 50))


def _public_parts(proof: bytes) -> dict:
    pf = ProofFile.from_bytes(proof)
    stark = pf.stark
    header = proof[: proof.index(stark.to_bytes()) - 8]  # without the STARK section's length (it moves with the queries)
    return {
        "header bytes": header,
        "options": stark.options,
        "security": stark.security_bits,
        "system": stark.system_digest,
        "claimed bus sums": tuple(len(t.claimed_sums) for t in stark.tables),
        "fri layers": len(stark.fri.layer_roots),
        "fri final length": len(stark.fri.final_coeffs),
        "tables": tuple(
            (t.trace_length, t.public_inputs, t.fixed_root,
             tuple(len(v) for v in (t.ood_main, t.ood_main_next, t.ood_aux, t.ood_aux_next, t.ood_composition, t.deep_high,
                                    t.ood_fixed)),
             tuple(len(o.rows[0]) for o in (t.main_opening, t.aux_opening, t.composition_opening) if o))
            for t in stark.tables),
    }


@given(secret_programs())
@settings(max_examples=6)
def test_same_output_and_trace_length_give_identical_public_fields(case):
    src, secrets, x = case
    program = zkvm.compile(src)
    runs = [zkvm.run(program, [s, x]) for s in secrets]
    assert runs[0].outputs == runs[1].outputs
    assume(runs[0].trace_length == runs[1].trace_length)
    parts = [_public_parts(zkvm.prove(program, [s, x]).proof) for s in secrets]
    for key in parts[0]:
        assert parts[0][key] == parts[1][key], (key, src, secrets)


def test_the_issue_program_no_longer_reveals_its_branch():
    """The program issue 17 found leaking: the output address was 39 for b = 0 and 45 for b = 1."""
    program = zkvm.compile(SECRET_ALLOCATION)
    proofs = [zkvm.prove(program, [b, 100]).proof for b in (0, 1)]
    files = [ProofFile.from_bytes(p) for p in proofs]
    assert files[0].outputs == files[1].outputs
    assert files[0].output_address == files[1].output_address == program.layout.heap_base
    assert _public_parts(proofs[0]) == _public_parts(proofs[1])
