"""Builders of malformed and hostile proof files for the robustness and fuzz tests.

They splice raw bytes into a valid proof file at the places its documented layout gives
(:mod:`zkvm.proof_file`): a signature or embedded program the encoder would refuse to write
(JSON nested 100,000 deep, non-canonical spacing), and STARK proofs that decode but claim a
trace length their bytes were never made for. Each builder checks that it found what it
expected, so a change of the file layout fails here loudly instead of testing nothing.
"""

from __future__ import annotations

import dataclasses

from zkvm.fri.proof import FriProof
from zkvm.isa.program import Program, signature_bytes
from zkvm.proof_file import ProofFile
from zkvm.stark.multi_proof import MultiProof


@dataclasses.dataclass(frozen=True)
class Sections:
    """A proof file cut at its variable-length fields: head (up to and including the output
    address), signature, embedded program (empty if none) and STARK proof."""

    head: bytes
    signature: bytes
    program: bytes
    stark: bytes

    def join(self) -> bytes:
        out = self.head + len(self.signature).to_bytes(4, "little") + self.signature
        if self.program:
            out += len(self.program).to_bytes(8, "little") + self.program
        return out + len(self.stark).to_bytes(8, "little") + self.stark


SOURCE = """\
def main(x: int, ys: list[int]) -> int:
    s = x
    for y in ys:
        s = s + y * y
    return s
"""
INPUTS = {"x": 3, "ys": [1, 2, 3]}
"""A small program with a list input: what the robustness and fuzz tests prove and attack."""


def sections(data: bytes) -> Sections:
    """Cut a valid proof file's bytes into its sections."""
    pf = ProofFile.from_bytes(data)
    pos = 8 + 2 + 32 + 1 + 4 + 8 * len(pf.public_inputs) + 4 + 8 * len(pf.outputs) + 8
    head = data[:pos]
    n_sig = int.from_bytes(data[pos : pos + 4], "little")
    sig = data[pos + 4 : pos + 4 + n_sig]
    assert sig == signature_bytes(pf.signature), "the proof file layout changed: update tests/malformed.py"
    pos += 4 + n_sig
    program = b""
    if pf.program is not None:
        size = int.from_bytes(data[pos : pos + 8], "little")
        program = data[pos + 8 : pos + 8 + size]
        assert program == pf.program.canonical_bytes()
        pos += 8 + size
    size = int.from_bytes(data[pos : pos + 8], "little")
    stark = data[pos + 8 : pos + 8 + size]
    assert pos + 8 + size == len(data) and stark == pf.stark.to_bytes()
    return Sections(head, sig, program, stark)


def with_signature(data: bytes, raw: bytes) -> bytes:
    """The proof file with ``raw`` as its signature copy."""
    return dataclasses.replace(sections(data), signature=raw).join()


def program_with_signature(program: Program, raw: bytes) -> bytes:
    """The program's canonical bytes with ``raw`` as its signature."""
    blob = program.canonical_bytes()
    old = signature_bytes(program.signature)
    assert blob.endswith(len(old).to_bytes(8, "little") + old)
    return blob[: len(blob) - 8 - len(old)] + len(raw).to_bytes(8, "little") + raw


def with_embedded(data: bytes, program_raw: bytes, program_hash: bytes | None = None) -> bytes:
    """The proof file with ``program_raw`` embedded (and, if given, this program hash)."""
    s = sections(data)
    head = s.head if program_hash is None else s.head[:10] + program_hash + s.head[42:]
    return dataclasses.replace(s, head=head, program=program_raw).join()


def deep_json(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


def claiming_trace_length(stark: MultiProof, log_n: int, system=None) -> MultiProof:
    """A multi-table proof of the same parameters whose (first and only) table decodes as
    2^log_n rows: every count fits the claimed size, every value is zero or the original
    proof's (so it is false). With ``system`` (the VM's table system for 2^log_n rows) it also
    has that system's digest, widths and the security its parameters give, so it passes every
    check of the proof's shape and fails only on the values."""
    from zkvm.fri.schedule import layer_sizes
    from zkvm.stark.proof import Opening, SALT_WIDTH
    from zkvm.stark.verifier import composition_pieces

    n = 1 << log_n
    options = stark.options
    sizes = layer_sizes([n * options.blowup], options)
    count = len(sizes) - 1
    layers = tuple(stark.fri.layers[i % len(stark.fri.layers)] for i in range(count))
    roots = tuple(stark.fri.layer_roots[i % len(stark.fri.layer_roots)] for i in range(count))
    fri = FriProof(roots, layers, ((0, 0),) * (sizes[-1] // options.blowup), stark.fri.pow_nonce)
    table = dataclasses.replace(stark.tables[0], trace_length=n)
    fake = dataclasses.replace(stark, fri=fri)
    if system is not None:
        air = system.tables[0]
        zero = (0, 0)
        w, a = air.width, air.aux_width
        d = composition_pieces(air, options.zk) + (1 if options.zk else 0)  # with zk: the batch randomizer
        salt = SALT_WIDTH if options.zk else 0

        def opening(old: Opening | None, width: int) -> Opening | None:
            return None if old is None else Opening(tuple((0,) * width for _ in old.rows), old.nodes)

        table = dataclasses.replace(
            table, ood_main=(zero,) * w, ood_main_next=(zero,) * w, ood_aux=(zero,) * a, ood_aux_next=(zero,) * a,
            ood_composition=(zero,) * d, main_opening=opening(table.main_opening, w + salt),
            aux_opening=opening(table.aux_opening, 2 * a + salt),
            composition_opening=opening(table.composition_opening, 2 * d + salt),
        )
        fake = dataclasses.replace(fake, system_digest=system.digest(),
                                   security_bits=options.security_bits(n * options.blowup))
    fake = dataclasses.replace(fake, tables=(table,))
    assert MultiProof.from_bytes(fake.to_bytes()).tables[0].trace_length == n
    return fake


@dataclasses.dataclass
class Cost:
    """What one call cost: wall time, peak traced allocation, and what it returned or raised."""

    seconds: float
    peak_bytes: int
    error: BaseException | None
    result: object = None


def cost_of(fn, *args, **kwargs) -> Cost:
    """Run fn once under tracemalloc (numpy reports its buffers to it too); never raises: the
    exception, MemoryError and RecursionError included, is returned for the caller to judge."""
    import time
    import tracemalloc

    tracemalloc.start()
    tracemalloc.reset_peak()
    t = time.perf_counter()
    result = error = None
    try:
        result = fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the caller asserts on its type
        error = e
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Cost(seconds, peak, error, result)


def untraced_cpu_seconds(fn, *args, **kwargs) -> float:
    """CPU time of one untraced call (exceptions ignored). Tracing allocations slows Python code
    down several times and the machine is shared: a traced call over a time limit is judged
    again by this."""
    import contextlib
    import time

    t = time.process_time()
    with contextlib.suppress(Exception):
        fn(*args, **kwargs)
    return time.process_time() - t
