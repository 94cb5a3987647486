"""A readable assembly text format, its assembler and disassembler.

Example::

    ; sum the three private inputs and output the result
    .inputs 3
    .outputs 1
    .stack 8
        lda 0, @in+0        ; c, imm: fp[0] = input 0
        lda 1, @in+1
        add 0, 0, 1         ; c, a, b
        lda 1, @in+2
        add 0, 0, 1
        sta 0, @out+0       ; a, imm
        halt

Syntax: one instruction per line, ``;`` or ``#`` start a comment, ``name:`` defines a label
(usable wherever an immediate is), operands follow the order of :mod:`zkvm.isa.opcodes`
(``c``, ``a``, ``b``, ``imm`` subsets), immediates may be ``@data``, ``@pubin``, ``@in``,
``@out``, ``@stack`` or ``@heap`` plus an offset. Directives: ``.data v, v, ...`` appends
constants, ``.inputs N``, ``.pubinputs N``, ``.outputs N`` and ``.stack N`` size the regions.
"""

from __future__ import annotations

import re

from zkvm.errors import ParameterError, ZkvmError
from zkvm.isa.instruction import Instruction
from zkvm.isa.opcodes import BY_CODE, BY_NAME
from zkvm.isa.program import Layout, Program


class AssemblyError(ZkvmError, ValueError):
    """A malformed assembly program; the message carries the line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


_LABEL = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*):")
_REGION = re.compile(r"^@(data|pubin|in|out|stack|heap)\s*(?:([+-])\s*(\d+))?$")


def assemble(text: str, signature: dict | None = None) -> Program:
    """Assemble text into a :class:`Program`. Raises AssemblyError naming the line."""
    sizes = {"inputs": 0, "pubinputs": 0, "outputs": 0, "stack": 64}
    data: list[int] = []
    labels: dict[str, int] = {}
    pending: list[tuple[int, str, list[str]]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = re.split(r"[;#]", raw, maxsplit=1)[0].strip()
        while True:
            m = _LABEL.match(line)
            if not m:
                break
            name = m.group(1)
            if name in labels:
                raise AssemblyError(lineno, f"label {name!r} defined twice")
            labels[name] = len(pending)
            line = line[m.end() :].strip()
        if not line:
            continue
        if line.startswith("."):
            parts = line[1:].split(None, 1)
            directive = parts[0]
            arg = parts[1] if len(parts) > 1 else ""
            if directive == "data":
                for tok in filter(None, (t.strip() for t in arg.split(","))):
                    data.append(_int(tok, lineno))
            elif directive in sizes:
                sizes[directive] = _int(arg.strip(), lineno)
                if sizes[directive] < 0:
                    raise AssemblyError(lineno, f".{directive} must be non-negative")
            else:
                raise AssemblyError(lineno, f"unknown directive .{directive}")
            continue
        mnemonic, _, rest = line.partition(" ")
        mnemonic = mnemonic.lower()
        if mnemonic not in BY_NAME:
            raise AssemblyError(lineno, f"unknown instruction {mnemonic!r}")
        operands = [t.strip() for t in rest.split(",")] if rest.strip() else []
        pending.append((lineno, mnemonic, operands))
    layout = Layout.build(len(data), sizes["pubinputs"], sizes["inputs"], sizes["outputs"], sizes["stack"])
    regions = {
        "data": layout.data_base,
        "pubin": layout.pubin_base,
        "in": layout.in_base,
        "out": layout.out_base,
        "stack": layout.stack_base,
        "heap": layout.heap_base,
    }
    code = []
    for lineno, mnemonic, operands in pending:
        info = BY_NAME[mnemonic]
        if len(operands) != len(info.operands):
            raise AssemblyError(lineno, f"{mnemonic} takes {len(info.operands)} operands ({', '.join(info.operands) or 'none'}), got {len(operands)}")
        fields = {"a": 0, "b": 0, "c": 0, "imm": 0}
        for name, tok in zip(info.operands, operands):
            fields[name] = _operand(tok, name, labels, regions, lineno)
        try:
            code.append(Instruction(info.code, fields["a"], fields["b"], fields["c"], fields["imm"]))
        except ParameterError as e:
            raise AssemblyError(lineno, str(e)) from None
    if not code:
        raise AssemblyError(1, "the program has no instructions")
    return Program(tuple(code), tuple(data), layout, signature or {})


def _int(tok: str, lineno: int) -> int:
    try:
        return int(tok, 0)
    except ValueError:
        raise AssemblyError(lineno, f"expected an integer, got {tok!r}") from None


def _operand(tok: str, name: str, labels: dict[str, int], regions: dict[str, int], lineno: int) -> int:
    if name != "imm":
        return _int(tok, lineno)
    m = _REGION.match(tok)
    if m:
        base = regions[m.group(1)]
        off = int(m.group(3) or 0)
        return base - off if m.group(2) == "-" else base + off
    if tok in labels:
        return labels[tok]
    if re.match(r"^[A-Za-z_]", tok):
        raise AssemblyError(lineno, f"unknown label {tok!r}")
    return _int(tok, lineno)


def disassemble(program: Program, with_debug: bool = True) -> str:
    """Text that assembles back to the same program (labels ``L<pc>`` mark jump targets)."""
    targets = {ins.imm for ins in program.code if ins.name in ("jmp", "bz", "call")}
    lay = program.layout
    lines = [
        f"; program {program.hex_hash()[:16]}...",
        f".inputs {lay.in_size}",
        f".pubinputs {lay.pubin_size}",
        f".outputs {lay.out_size}",
        f".stack {lay.heap_base - lay.stack_base}",
    ]
    for i in range(0, len(program.data), 16):
        lines.append(".data " + ", ".join(str(v) for v in program.data[i : i + 16]))
    for pc, ins in enumerate(program.code):
        if pc in targets:
            lines.append(f"L{pc}:")
        info = BY_CODE[ins.op]
        ops = []
        for name in info.operands:
            v = getattr(ins, name)
            if name == "imm" and info.name in ("jmp", "bz", "call") and 0 <= v < len(program.code):
                ops.append(f"L{v}")
            else:
                ops.append(str(v))
        text = f"    {info.name} {', '.join(ops)}".rstrip()
        comment = f"pc {pc}"
        if with_debug and pc < len(program.debug) and program.debug[pc]:
            comment += f"  {program.debug[pc]}"
        lines.append(f"{text:<40} ; {comment}")
    return "\n".join(lines) + "\n"
