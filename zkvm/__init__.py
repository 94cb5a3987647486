"""zkvm: prove the execution of machine-learning inference written in plain Python.

The package root stays light: importing ``zkvm`` loads no Numba, no Lark and no prover code.
Heavy layers are imported only when a function that needs them is first used.
"""

from __future__ import annotations

__version__ = "0.1.0"

from zkvm.errors import (  # noqa: F401  (re-exported)
    FieldError,
    FriError,
    MerkleError,
    ParameterError,
    PowError,
    ProofFormatError,
    VerificationError,
    ZkvmError,
)


def compile(path_or_source, inputs=None):  # noqa: A001 - the documented name (zkvm.compile)
    """Compile a DSL program (a path to a .py file, or its source text) to a Program.

    ``inputs`` (main's parameter names to values, as in an input file) fixes the lengths of
    list parameters; a program whose main takes only ints needs none. Raises CompileError
    (file:line:col) or InputError.
    """
    import os
    from pathlib import Path

    from zkvm import compiler

    is_path = isinstance(path_or_source, Path) or (
        isinstance(path_or_source, str) and "\n" not in path_or_source and path_or_source.endswith(".py")
        and os.path.exists(path_or_source))
    # parsed and checked once, whatever is asked of it (a model file can hold a million literals)
    checked = compiler.check_file(path_or_source) if is_path else compiler.check_source(str(path_or_source))
    shapes = compiler.input_shapes_of(checked.main_parameters(), inputs) if inputs is not None else None
    return checked.compile(shapes)


def __getattr__(name: str):
    """Lazy public API: heavy layers load only when first used."""
    if name == "prove":
        from zkvm.prover import prove

        return prove
    if name == "verify":
        from zkvm.verifier import verify

        return verify
    if name == "run":
        from zkvm.vm.run import run

        return run
    if name == "assemble":
        from zkvm.isa.asm import assemble

        return assemble
    raise AttributeError(f"module 'zkvm' has no attribute {name!r}")
