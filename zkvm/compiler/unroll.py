"""Unrolling of short loops whose trip count is known at compile time.

A rotated loop (loops.py) pays three rows a turn for its control: the counter's increment, an
``eq`` against the limit and the ``bz`` back, plus one ``addi`` for every other pointer it walks
(the list it reads, the list it appends to). ML code is full of such loops over lists of a
fixed length (an activation over a layer's outputs, a dense layer's outputs), and the CPU
table's height, which is most of a model's proof, is set by their rows. Unrolling the body U
times pays the control once per U turns; the pointers' increments are folded into the
immediate offsets of the loads and stores that use them (copy ``k`` reads ``p + k`` as
``ld v, p, k``), so that a pointer advances once per U turns.

The transformation works on the instructions of one loop, right after codegen emitted it, and
only where it cannot change what the program computes:

- the body has no call and no loop: its jumps go forward inside it (an ``if``, an overflow
  guard) or to a trap (which stops the machine); each copy gets its own labels;
- the loop is ``... ; addi i, i, +-1 ; eq c, i, lim ; bz c, top`` with ``lim`` unchanged by the
  body, and the compiler knows the trip count exactly (a constant range, or a list whose
  length the type analysis fixes, which ``mac`` already relies on);
- an *induction slot* is one whose only write in the body is ``addi s, s, imm``: in copy ``k``
  it holds its value at the loop's top plus a known offset, tracked here instead of added.
  A read that can absorb the offset does (the address of ``ld`` and ``st``; an ``add``/``addi``
  whose result is only used as such an address before it is overwritten carries it on: its
  value is then off by the offset only where it is absorbed, never where an overflow or a
  comparison could see it); any
  other read gets the slot brought up to date first (one ``addi``), and so does every slot
  where control flow joins (before a jump inside the body and at its target: both ways in
  then agree) and at the bottom of each unrolled turn.

``T mod U`` copies run before the loop (with offsets folded too), ``T // U`` unrolled turns
after; a loop of at most ``U`` turns becomes straight-line code.
"""

from __future__ import annotations

from dataclasses import replace

from zkvm.compiler.ir import Ins, Label
from zkvm.isa import opcodes as op

MAX_UNROLL = 16
"""Copies of the body per unrolled turn (fewer when the body is long)."""

MAX_UNROLLED_CODE = 160
"""Instructions an unrolled turn may take: beyond that the rows saved per turn are few and the
program table grows."""

# which operand fields an instruction reads (besides imm); ``c`` is the written slot unless
# listed as read (mac accumulates into it; st, sta, bz, chk write no slot)
_READS = {
    op.ADD: "ab", op.SUB: "ab", op.MUL: "ab", op.ADDI: "a", op.MULI: "a", op.MOVI: "", op.EQ: "ab",
    op.LT: "ab", op.LT32: "ab", op.DIV: "ab", op.MOD: "ab", op.BZ: "a", op.LD: "a", op.ST: "ab",
    op.LDA: "", op.STA: "a", op.MAC: "abc", op.CHK: "ab",
}
_NO_WRITE = frozenset({op.ST, op.STA, op.BZ, op.CHK})


def unrolled(loop: list[Ins], top: Label, trips: int, trap_labels: set[int]) -> tuple[list[Ins], list[Ins]] | None:
    """The code replacing ``loop`` (the instructions from ``top`` to the loop's closing
    ``bz``): (copies that run before the loop, the unrolled loop, which starts at ``top`` and
    is empty when no turn is left), or None when the loop is not one this module can unroll
    (see the module docstring). The labels of the copies get their positions as if the two
    lists were placed one after the other where ``loop`` was."""
    if trips < 2 or len(loop) < 4:
        return None
    close, test, step = loop[-1], loop[-2], loop[-3]
    if not (close.op == op.BZ and close.imm is top and test.op == op.EQ and close.a == test.c
            and step.op == op.ADDI and step.a == step.c == test.a and step.imm in (1, -1) and test.b != test.a):
        return None
    body = loop[:-2]
    start = top.pos
    inner: dict[int, list[Label]] = {}  # body index -> the labels placed there that the body jumps to
    for i, ins in enumerate(body):
        if ins.op not in _READS and ins.op != op.JMP:
            return None  # a call, return or halt
        if any(isinstance(v, Label) for v in (ins.a, ins.b, ins.c)):
            return None
        target = ins.imm if ins.op in (op.BZ, op.JMP) else None
        if ins.op not in (op.BZ, op.JMP) and isinstance(ins.imm, Label):
            return None
        if target is None or (ins.op == op.BZ and id(target) in trap_labels):
            continue
        if not isinstance(target, Label) or target.pos is None or not start + i < target.pos < start + len(body):
            return None  # only forward jumps inside the body (an if, a guard), to a trap or nowhere else
        inner.setdefault(target.pos - start, [])
        if target not in inner[target.pos - start]:
            inner[target.pos - start].append(target)
    writes: dict[object, list[Ins]] = {}
    for ins in body:
        if ins.op in (op.JMP,) or ins.op in _NO_WRITE:
            continue
        writes.setdefault(ins.c, []).append(ins)
    if test.b in writes:
        return None  # the limit moves
    steps = {s: w[0] for s, w in writes.items()
             if len(w) == 1 and w[0].op == op.ADDI and w[0].a == s and isinstance(w[0].imm, int)}
    if step.c not in steps:
        return None
    copies = max(1, min(MAX_UNROLL, MAX_UNROLLED_CODE // len(body)))
    if copies < 2:
        return None
    if trips <= copies:
        return _Emitter(body, steps, inner, start).copies(trips), []
    rest = trips % copies
    before = _Emitter(body, steps, inner, start).copies(rest) if rest else []
    turn = _Emitter(body, steps, inner, start + len(before)).copies(copies)
    return before, turn + [replace(test), replace(close)]


class _Emitter:
    """Copies of a body with its induction slots' increments tracked as offsets (``pending``:
    slot -> what its true value exceeds its stored one by). Where control flow joins (a jump
    inside the body, the label it goes to) every slot is brought up to date first, so that
    both ways in agree; each copy gets labels of its own."""

    def __init__(self, body: list[Ins], steps: dict[object, Ins], inner: dict[int, list[Label]], base: int) -> None:
        self.body = body
        self.steps = steps
        self.inner = inner
        self.base = base  # the code position of out[0]
        self.pending: dict[object, int] = {}
        self.out: list[Ins] = []
        self.labels: dict[int, Label] = {}  # id of an inner label -> this copy's
        self.inner_ids = {id(lab) for labs in inner.values() for lab in labs}

    def copies(self, count: int) -> list[Ins]:
        for _ in range(count):
            self.labels = {id(lab): Label(lab.name) for labs in self.inner.values() for lab in labs}
            for i, ins in enumerate(self.body):
                if i in self.inner:
                    self.settle_all(ins.loc)
                    for lab in self.inner[i]:
                        self.labels[id(lab)].pos = self.base + len(self.out)
                self.one(i, ins)
        self.settle_all(self.body[-1].loc)
        return self.out

    def settle_all(self, loc: str) -> None:
        for slot, off in list(self.pending.items()):
            if off:
                self.settle(slot, self.steps[slot].loc if slot in self.steps else loc)

    def settle(self, slot, loc: str) -> None:
        """Bring ``slot`` up to date (one addi)."""
        off = self.pending.get(slot, 0)
        if off:
            self.out.append(Ins(op.ADDI, a=slot, c=slot, imm=off, loc=loc))
            self.pending[slot] = 0

    def one(self, i: int, ins: Ins) -> None:
        pend = self.pending
        if ins.op == op.ADDI and ins.c in self.steps and self.steps[ins.c] is ins:
            pend[ins.c] = pend.get(ins.c, 0) + ins.imm  # the increment itself: tracked, not run
            return
        new = replace(ins)
        if ins.op in (op.BZ, op.JMP) and id(ins.imm) in self.labels:
            self.settle_all(ins.loc)  # a join ahead: both ways arrive up to date
            new.imm = self.labels[id(ins.imm)]
            self.out.append(new)
            return
        reads = _READS.get(ins.op, "")
        carried = None
        if ins.op in (op.LD, op.ST) and isinstance(ins.imm, int):
            if ins.op == op.ST:
                self.settle(ins.b, ins.loc)  # (first: b may be the address slot too)
            new.imm = ins.imm + pend.get(ins.a, 0)  # the address absorbs the offset
        elif ins.op in (op.ADD, op.ADDI) and self.address_only(i, ins.c):
            carried = pend.get(ins.a, 0) + (pend.get(ins.b, 0) if ins.op == op.ADD else 0)
        else:
            for f in reads:
                self.settle(getattr(ins, f), ins.loc)
        self.out.append(new)
        if ins.op not in _NO_WRITE and ins.op != op.JMP:
            if carried:
                pend[ins.c] = carried
            else:
                pend.pop(ins.c, None)

    def address_only(self, i: int, slot) -> bool:
        """Is the value written to ``slot`` by body[i] read only as the address of ld/st
        before the body overwrites it (so that an offset it carries is absorbed)? Not an
        induction slot, whose offset the copies track."""
        if slot in self.steps:
            return False
        for j in range(i + 1, len(self.body)):
            ins = self.body[j]
            if j in self.inner or ins.op in (op.BZ, op.JMP) and id(ins.imm) in self.inner_ids:
                return False  # (a join: the value would be brought up to date there anyway)
            reads = [getattr(ins, f) for f in _READS[ins.op]]
            if slot in reads:
                absorbed = ins.op in (op.LD, op.ST) and isinstance(ins.imm, int) and ins.a == slot \
                    and not (ins.op == op.ST and ins.b == slot)
                # (or carried on to an address: base + i, then + 1 for xs[i + 1])
                carried = ins.op in (op.ADD, op.ADDI) and ins.c != slot and self.address_only(j, ins.c)
                if not (absorbed or carried):
                    return False
            if ins.op not in _NO_WRITE and ins.c == slot:
                return True
        return False


__all__ = ["unrolled", "MAX_UNROLL"]
