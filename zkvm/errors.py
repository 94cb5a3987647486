"""The one exception tree of zkvm.

Every error the package raises on purpose derives from :class:`ZkvmError`, so a caller can
catch everything zkvm-specific with one clause and the CLI can map classes to exit codes.
Verification failures carry a ``check`` attribute naming the protocol check that failed,
which is what a user needs to know ("merkle opening of FRI layer 3" rather than "invalid").
"""

from __future__ import annotations


class ZkvmError(Exception):
    """Base class of every error zkvm raises deliberately."""


class ParameterError(ZkvmError, ValueError):
    """Options or arguments that are out of range (names the offending parameter)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class FieldError(ZkvmError, ValueError):
    """An arithmetic request with no answer in the field (inverse of zero, bad element)."""


class InsufficientMemory(ZkvmError, MemoryError):
    """The prover's estimated peak memory exceeds the caller's budget."""


class VerificationError(ZkvmError):
    """A proof was rejected. ``check`` names the failed protocol check."""

    check = "verification"

    def __init__(self, message: str, check: str | None = None) -> None:
        if check is not None:
            self.check = check
        self.detail = message
        super().__init__(f"{self.check}: {message}")


class ProofFormatError(VerificationError):
    """Proof bytes or objects of the wrong shape: bad magic, version, lengths, trailing data."""

    check = "proof format"


class MerkleError(VerificationError):
    """A Merkle opening does not match the committed root."""

    check = "merkle opening"


class FriError(VerificationError):
    """The FRI low-degree test rejected the committed codeword."""

    check = "fri"


class PowError(VerificationError):
    """The proof-of-work nonce does not meet the grinding target."""

    check = "proof of work"


class InsufficientSecurity(VerificationError):
    """The proof's conjectured security is below what the verifier requires."""

    check = "security level"


class StatementMismatch(VerificationError):
    """The proof is about another statement (AIR, public inputs, program or output)."""

    check = "statement"


class OodMismatch(VerificationError):
    """The out-of-domain values do not satisfy the constraints (the composition check)."""

    check = "out-of-domain consistency"


class DeepMismatch(VerificationError):
    """The opened trace rows do not match the DEEP composition that FRI tested."""

    check = "deep composition"


class KeyFormatError(VerificationError):
    """Verifying-key bytes of the wrong shape (bad magic, version, lengths, trailing data)."""

    check = "verifying key"


class ExecutionError(ZkvmError):
    """The program stopped with an error (a value out of a checked range, an invalid memory
    access, the cycle limit...). Names the pc, the cycle and, when known, the source line."""

    def __init__(self, message: str, pc: int | None = None, cycle: int | None = None, location: str | None = None) -> None:
        self.pc, self.cycle, self.location, self.reason = pc, cycle, location, message
        where = []
        if pc is not None:
            where.append(f"pc {pc}")
        if cycle is not None:
            where.append(f"cycle {cycle}")
        text = f"{message} ({', '.join(where)})" if where else message
        super().__init__(f"{location}: {text}" if location else text)


class InputError(ZkvmError, ValueError):
    """Inputs that do not match the program's signature; names the parameter (or the file, or
    the command-line flag). ``file``, ``line`` and ``column`` locate the problem when it is
    known (a JSON syntax error in an input file); None otherwise."""

    def __init__(self, parameter: str, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(f"input {parameter!r}: {message}")
        self.parameter = parameter
        self.detail = message
        self.file, self.line, self.column = file, line, column


class ImportRefused(ZkvmError):
    """A model ``zkvm import`` cannot turn into a program: an unsupported operator or attribute,
    or a quantization that would leave the VM's integer range. ``node`` and ``op`` name the
    ONNX node (None when the refusal is about the whole model); nothing has been written."""

    def __init__(self, message: str, node: str | None = None, op: str | None = None) -> None:
        where = f"node {node!r} ({op}): " if node is not None else (f"{op}: " if op else "")
        super().__init__(where + message)
        self.node, self.op, self.detail = node, op, message


class CompileError(ZkvmError):
    """A DSL program the compiler refuses. Holds every diagnostic found, each starting with
    ``file:line:col:``, naming the construct and saying what to write instead."""

    def __init__(self, diagnostics: list["Diagnostic"], rendered: list[str] | None = None) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.span.line, d.span.col))
        self.rendered = rendered or [d.message_line() for d in self.diagnostics]
        super().__init__("\n".join(self.rendered))

    @property
    def first(self) -> "Diagnostic":
        return self.diagnostics[0]


class Diagnostic:
    """One compile problem: where, what, and what to do instead."""

    def __init__(self, span, message: str, help: str = "") -> None:
        self.span = span
        self.message = message
        self.help = help

    def message_line(self) -> str:
        text = f"{self.span}: {self.message}"
        if self.help:
            text += f"; {self.help}"
        return text

    def __repr__(self) -> str:
        return f"Diagnostic({self.message_line()!r})"
