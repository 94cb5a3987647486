"""Compile an AIR's constraints into a program for the vectorized constraint kernel.

Design note (measured): generating one Numba function per AIR, with a vector loop per
expression node, compiled in time superlinear in the AIR's size: 9 s for a 4-column AIR, 21 s
for 8 columns, 336 s for 30 columns, and the VM's AIR is larger still. So the expressions are
compiled here, in Python and in milliseconds, into a register program, and one fixed Numba
kernel (:mod:`zkvm.stark.eval_kernels`, compiled once and cached on disk like every other
kernel) runs it: each instruction is a loop over a chunk of rows, so the dispatch cost is
paid once per chunk, not per row, and each loop vectorizes.

The program:

* loads every referenced column (current and next row) of the chunk into registers;
* evaluates each DAG node once (common subexpressions are shared), base-field nodes in one
  register, extension nodes in two; registers are reused after a node's last reader;
* folds every constant subexpression (constants, challenges, public inputs and anything
  computed from them alone) in Python into a table of scalars;
* accumulates alpha_k * constraint_k into the accumulator of the constraint's group (the
  transitions, the cyclic transitions, each boundary row) and stores the group sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zkvm.field.ext2 import Ext2
from zkvm.field.goldilocks import P
from zkvm.stark import eval_kernels as ek
from zkvm.stark.air import Air
from zkvm.stark.expr import ADD, AUX, CHALLENGE, CONST, MAIN, MUL, NEG, POW, PUBCOL, PUBLIC, SUB, Expr, topological


def group_of(c) -> str:
    """Constraints sharing a vanishing polynomial share a group: "transition", "cyclic", or
    "row:<spec>" for the boundary constraints of one row."""
    return c.kind if c.kind in ("transition", "cyclic") else f"row:{c.row}"


def group_specs(air: Air) -> list[str]:
    """Constraint groups in order of first appearance."""
    specs: list[str] = []
    for c in air.constraints:
        g = group_of(c)
        if g not in specs:
            specs.append(g)
    return specs


@dataclass
class ConstraintProgram:
    """A compiled AIR: the instruction table, the register count, the group order, and how to
    build the scalar table for given challenges, public inputs and alphas."""

    code: np.ndarray  # (ops, 4) int64: opcode, dst, a, b
    num_registers: int
    groups: list[str]
    scalar_nodes: list[Expr]  # scalar subexpressions, in table order
    scalar_index: dict[tuple, int]
    num_constraints: int
    alpha_base: int  # table index of alpha_0 (each alpha takes two slots)

    def scalars(self, challenges: Sequence[tuple[int, int]], publics: Sequence[int], alphas: np.ndarray) -> np.ndarray:
        """The scalar table: every constant subexpression (two slots each, c0 and c1),
        followed by the alphas."""
        values: dict[tuple, Ext2] = {}
        table = np.zeros(self.alpha_base + 2 * self.num_constraints, dtype=np.uint64)
        chs = [Ext2(*c) for c in challenges]
        for node in self.scalar_nodes:
            values[node.key()] = v = _fold(node, values, chs, publics)
            i = self.scalar_index[node.key()]
            table[i], table[i + 1] = v.c0, v.c1
        table[self.alpha_base :] = np.asarray(alphas, dtype=np.uint64).reshape(-1)
        return table


def _fold(node: Expr, values: dict[tuple, Ext2], chs: list[Ext2], publics: Sequence[int]) -> Ext2:
    k = node.kind
    if k == CONST:
        return Ext2(node.value)
    if k == CHALLENGE:
        return chs[node.value]
    if k == PUBLIC:
        return Ext2(int(publics[node.value]) % P)
    a = values[node.args[0].key()]
    if k == NEG:
        return -a
    if k == POW:
        return a**node.value
    b = values[node.args[1].key()]
    return a + b if k == ADD else a - b if k == SUB else a * b


class _Compiler:
    def __init__(self, air: Air | None) -> None:
        self.air = air
        self.code: list[tuple[int, int, int, int]] = []
        self.free: list[int] = []
        self.free_pairs: list[int] = []
        self.num_regs = 0
        self.loc: dict[tuple, tuple[str, int, bool]] = {}  # key -> ("reg"|"scalar", index, is_ext)
        self.scalar_nodes: list[Expr] = []
        self.scalar_index: dict[tuple, int] = {}

    def alloc(self, ext: bool) -> int:
        if ext:
            if self.free_pairs:
                return self.free_pairs.pop()
            self.num_regs += 2
            return self.num_regs - 2
        if self.free:
            return self.free.pop()
        self.num_regs += 1
        return self.num_regs - 1

    def release(self, key: tuple) -> None:
        kind, idx, ext = self.loc[key]
        if kind == "reg":
            (self.free_pairs if ext else self.free).append(idx)

    def emit(self, op: int, d: int, a: int, b: int = 0) -> None:
        self.code.append((op, d, a, b))

    def compile(self) -> ConstraintProgram:
        """Constraints -> per-group sums of alpha_k * constraint_k."""
        air = self.air
        assert air is not None
        constraints = list(air.constraints)
        self.body([c.expr for c in constraints])
        return self.finish_groups(air, constraints)

    def compile_values(self, exprs: list[Expr]) -> ConstraintProgram:
        """Expressions -> each value stored as an extension element (out[k, row])."""
        self.body(exprs)
        for k, e in enumerate(exprs):
            kind, idx, ext = self.loc[e.key()]
            if kind == "scalar":
                self.emit(ek.STORE_S, k, 0, idx)
            else:
                self.emit(ek.STORE_E if ext else ek.STORE_B, k, idx)
        return ConstraintProgram(
            code=np.array(self.code, dtype=np.int64).reshape(-1, 4),
            num_registers=max(1, self.num_regs),
            groups=[f"value {k}" for k in range(len(exprs))],
            scalar_nodes=self.scalar_nodes,
            scalar_index=self.scalar_index,
            num_constraints=0,
            alpha_base=2 * len(self.scalar_nodes),
        )

    def body(self, roots: list[Expr]) -> None:
        """Loads and node evaluations for the DAG under ``roots`` (roots stay live)."""
        order = topological(roots)
        vector = {}
        for node in order:
            vector[node.key()] = node.kind in (MAIN, AUX, PUBCOL) or any(vector[a.key()] for a in node.args)
        last_use: dict[tuple, int] = {}
        for idx, node in enumerate(order):
            for a in node.args:
                last_use[a.key()] = idx
        root_keys = {r.key() for r in roots}

        # scalar subexpressions go to the table (folded per proof in Python)
        for node in order:
            if not vector[node.key()]:
                self.scalar_index[node.key()] = 2 * len(self.scalar_nodes)
                self.scalar_nodes.append(node)
                self.loc[node.key()] = ("scalar", self.scalar_index[node.key()], True)

        # column loads first, then nodes in topological order
        for node in order:
            if node.kind == MAIN:
                d = self.alloc(False)
                self.emit(ek.LOAD_MAIN, d, node.value, node.offset)
                self.loc[node.key()] = ("reg", d, False)
            elif node.kind == AUX:
                d = self.alloc(True)
                self.emit(ek.LOAD_AUX, d, node.value, node.offset)
                self.loc[node.key()] = ("reg", d, True)
            elif node.kind == PUBCOL:
                d = self.alloc(False)
                self.emit(ek.LOAD_PUB, d, node.value, 0)
                self.loc[node.key()] = ("reg", d, False)
        for idx, node in enumerate(order):
            key = node.key()
            if not vector[key] or node.kind in (MAIN, AUX, PUBCOL):
                continue
            self.node(node)
            for ak in {a.key() for a in node.args}:
                if last_use.get(ak) == idx and ak not in root_keys and self.loc[ak][0] == "reg":
                    self.release(ak)

    def finish_groups(self, air: Air, constraints: list) -> ConstraintProgram:
        """Accumulate alpha_k * constraint_k per group, then store the group sums."""
        groups = group_specs(air)
        acc_regs = []
        for g, spec in enumerate(groups):
            acc = self.alloc(True)
            acc_regs.append(acc)
            self.emit(ek.ZERO_E, acc, 0)
        alpha_base = 2 * len(self.scalar_nodes)
        for ci, c in enumerate(constraints):
            g = groups.index(group_of(c))
            _, reg, ext = self.loc[c.expr.key()]
            self.emit(ek.ACC_E if ext else ek.ACC_B, acc_regs[g], reg, alpha_base + 2 * ci)
        for g in range(len(groups)):
            self.emit(ek.STORE_GROUP, g, acc_regs[g])
        return ConstraintProgram(
            code=np.array(self.code, dtype=np.int64).reshape(-1, 4),
            num_registers=max(1, self.num_regs),
            groups=groups,
            scalar_nodes=self.scalar_nodes,
            scalar_index=self.scalar_index,
            num_constraints=len(constraints),
            alpha_base=alpha_base,
        )

    def node(self, node: Expr) -> None:
        k = node.kind
        a_kind, a_idx, a_ext = self.loc[node.args[0].key()]
        if k == NEG:
            d = self.alloc(a_ext)
            self.emit(ek.NEG_E if a_ext else ek.NEG_B, d, a_idx)
            self.loc[node.key()] = ("reg", d, a_ext)
            return
        if k == POW:
            self.power(node, a_idx, a_ext)
            return
        b_kind, b_idx, b_ext = self.loc[node.args[1].key()]
        if a_kind == "scalar":  # scalar op vector
            s_ext = node.args[0].is_ext
            if k == ADD:
                self.binary_vs(node, ek.ADD, b_idx, b_ext, a_idx, s_ext)
            elif k == MUL:
                self.binary_vs(node, ek.MUL, b_idx, b_ext, a_idx, s_ext)
            else:  # s - v
                self.binary_vs(node, ek.RSUB, b_idx, b_ext, a_idx, s_ext)
            return
        if b_kind == "scalar":  # vector op scalar
            s_ext = node.args[1].is_ext
            if k == ADD:
                self.binary_vs(node, ek.ADD, a_idx, a_ext, b_idx, s_ext)
            elif k == MUL:
                self.binary_vs(node, ek.MUL, a_idx, a_ext, b_idx, s_ext)
            else:  # v - s: add the negated scalar, folded into a fresh table entry
                neg = Expr(NEG, (node.args[1],))
                self.add_scalar(neg)
                self.binary_vs(node, ek.ADD, a_idx, a_ext, self.scalar_index[neg.key()], s_ext)
            return
        ext = a_ext or b_ext
        d = self.alloc(ext)
        if not ext:
            op = {ADD: ek.ADD_BB, SUB: ek.SUB_BB, MUL: ek.MUL_BB}[k]
            self.emit(op, d, a_idx, b_idx)
        elif a_ext and b_ext:
            op = {ADD: ek.ADD_EE, SUB: ek.SUB_EE, MUL: ek.MUL_EE}[k]
            self.emit(op, d, a_idx, b_idx)
        elif a_ext:  # ext op base
            op = {ADD: ek.ADD_EB, SUB: ek.SUB_EB, MUL: ek.MUL_EB}[k]
            self.emit(op, d, a_idx, b_idx)
        else:  # base op ext
            if k == SUB:
                self.emit(ek.SUB_BE, d, a_idx, b_idx)
            else:
                op = ek.ADD_EB if k == ADD else ek.MUL_EB
                self.emit(op, d, b_idx, a_idx)
        self.loc[node.key()] = ("reg", d, ext)

    def add_scalar(self, node: Expr) -> None:
        if node.key() not in self.scalar_index:
            self.scalar_index[node.key()] = 2 * len(self.scalar_nodes)
            self.scalar_nodes.append(node)

    def binary_vs(self, node: Expr, family: int, v_idx: int, v_ext: bool, s_idx: int, s_ext: bool) -> None:
        """A vector register with a scalar from the table (``family`` is ADD, MUL or RSUB);
        a base vector with a base scalar stays in the base field."""
        ext = v_ext or s_ext
        d = self.alloc(ext)
        if not ext:
            op = {ek.ADD: ek.ADD_BS, ek.MUL: ek.MUL_BS, ek.RSUB: ek.RSUB_BS}[family]
        elif v_ext:
            op = {ek.ADD: ek.ADD_ES, ek.MUL: ek.MUL_ES, ek.RSUB: ek.RSUB_ES}[family]
        else:
            op = {ek.ADD: ek.ADD_BS_E, ek.MUL: ek.MUL_BS_E, ek.RSUB: ek.RSUB_BS_E}[family]
        self.emit(op, d, v_idx, s_idx)
        self.loc[node.key()] = ("reg", d, ext)

    def power(self, node: Expr, a_idx: int, a_ext: bool) -> None:
        e = node.value
        result = None
        base = a_idx
        owned: list[int] = []
        while e:
            if e & 1:
                if result is None:
                    result = base
                else:
                    d = self.alloc(a_ext)
                    self.emit(ek.MUL_EE if a_ext else ek.MUL_BB, d, result, base)
                    owned.append(d)
                    result = d
            e >>= 1
            if e:
                d = self.alloc(a_ext)
                self.emit(ek.MUL_EE if a_ext else ek.MUL_BB, d, base, base)
                owned.append(d)
                base = d
        assert result is not None and result != a_idx  # exponents are >= 2
        for r in owned:
            if r != result:
                (self.free_pairs if a_ext else self.free).append(r)
        self.loc[node.key()] = ("reg", result, a_ext)


_cache: dict[bytes, ConstraintProgram] = {}


def compile_air(air: Air) -> ConstraintProgram:
    """The constraint program of an AIR (memoized by the AIR's digest)."""
    key = air.digest()
    if key not in _cache:
        _cache[key] = _Compiler(air).compile()
    return _cache[key]


_value_cache: dict[tuple, ConstraintProgram] = {}


def evaluate_values(
    exprs: list[Expr],
    main: np.ndarray,
    challenges: Sequence[tuple[int, int]],
    publics: Sequence[int],
    pub: np.ndarray | None = None,
    aux: np.ndarray | None = None,
    *,
    window: bool = False,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Each expression's value on every row of a trace (natural order; the next row of the
    last row is the first): a (len(exprs), n, 2) extension array. Fast path of the prover's
    auxiliary-trace builders.

    With ``window=True`` the arrays are a window of a trace plus one more row, the next row of
    the window's last: the values of its first n = rows - 1 rows are computed (a trace is then
    processed in windows, with small reused buffers; ``out`` may be such a buffer)."""
    key = tuple(e.key() for e in exprs)
    program = _value_cache.get(key)
    if program is None:
        program = _value_cache[key] = _Compiler(None).compile_values(list(exprs))
    rows = main.shape[0]
    n = rows - 1 if window else rows
    if out is None:
        out = np.empty((len(exprs), n, 2), dtype=np.uint64)
    table = program.scalars(challenges, publics, np.zeros((0, 2), dtype=np.uint64))
    nxt = np.arange(1, n + 1, dtype=np.int64) if window else np.roll(np.arange(n, dtype=np.int64), -1)
    if pub is None:
        pub = np.zeros((rows, 0), dtype=np.uint64)
    if aux is None:
        aux = np.zeros((rows, 0), dtype=np.uint64)
    ek.run_program(program.code, table, main, aux, pub, nxt, n, 1, program.num_registers, out)
    return out


def evaluate_groups(
    program: ConstraintProgram,
    main: np.ndarray,
    aux: np.ndarray,
    n: int,
    blocks: int,
    challenges: Sequence[tuple[int, int]],
    publics: Sequence[int],
    alphas: np.ndarray,
    pub: np.ndarray | None = None,
    nxt: np.ndarray | None = None,
) -> np.ndarray:
    """Group sums over LDE rows [0, blocks * n): an (groups, blocks * n, 2) array. ``pub``
    holds the public columns' extension on those rows. ``nxt[u]``: the row within a block
    holding the next point of row u (default: the bit-reversed LDE's own next row)."""
    from zkvm.stark.kernels import next_row_permutation

    out = np.empty((len(program.groups), blocks * n, 2), dtype=np.uint64)
    table = program.scalars(challenges, publics, alphas)
    if pub is None:
        pub = np.zeros((blocks * n, 0), dtype=np.uint64)
    if nxt is None:
        nxt = next_row_permutation(n)
    ek.run_program(program.code, table, main, aux, pub, nxt, n, blocks, program.num_registers, out)
    return out
