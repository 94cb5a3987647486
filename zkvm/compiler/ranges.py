"""Interval analysis: a sound range for every integer a program computes.

In the proof, ``+``, ``-``, ``*`` and ``mac`` are field operations: a forger could prove a run in
which one of them wrapped around p (our VM stops honest runs that overflow, a forger does not
run our VM). To make a valid proof imply CPython's result, the compiler proves each such
operation exact: either this analysis shows that its exact result lies in the value range
[-H, H] for every input allowed by ``main``'s declared bounds (``Int[lo, hi]``, checked in the
proof when the inputs are loaded), or the code generator inserts a run-time check (a guard) in
front of it. This module answers the first question.

The analysis is an abstract interpretation of the syntax tree:

* ints are intervals of exact integers (a value always lies in [-H, H]; the *result* of an
  operation may not, which is what the code generator asks about);
* lists are sets of allocation sites (a literal, a comprehension, a constant, an input, a
  concatenation); each site has one interval for all its elements (or, for a list of lists,
  the sites of its rows) and a length interval. Every store or append through any name joins
  the stored value into all the sites the name may point to, so aliasing and mutation through
  calls are covered;
* locals are flow-sensitive (branches join, comparisons in ``if``, ``while`` and ``assert``
  refine), functions are summarised by the join of their arguments over all call sites and of
  their return values; the whole program is iterated to a fixpoint;
* loops iterate to a fixpoint; a variable that keeps growing becomes unbounded, unless the loop
  runs at most T times and the variable is an *accumulator* (its only updates are ``v += e``,
  ``v -= e``, ``v = v + e`` with e not reading v): then it lies within v0 + T * [delta], where
  [delta] is its increment over one turn of the loop (computed by running the body from v = 0).
  That is what bounds dot products and sums by their lengths.

Anything the analysis does not model gives the whole value range, which is always sound (the
code generator then guards the operation).

The interval arithmetic is intervals.py's; the bounds main declares for its list inputs are
read by bounds.py. The analysis emits no code: the code generator asks it (through guards.py)
which operations need a guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from zkvm.compiler import ast as A
from zkvm.compiler.intervals import (
    BOOL,
    FLIP,
    LENGTHS,
    MAX_LENGTH,
    NEGATE,
    TOP,
    Interval,
    Lst,
    Value,
    binop,
    join,
    leq,
    point,
)
from zkvm.compiler.range_env import _assigned, _env_leq, _is_accumulator, _join_envs, _walk, _widen


# --- sites -----------------------------------------------------------------------------------------

@dataclass
class Site:
    """An allocation site: the join of every element stored in the lists created there, and
    their length: the created length plus, for each statement that appends (or extends), the
    number of times it can run per list, the product of the turns of the loops entered since
    the list was created (each at most MAX_LENGTH)."""

    elem: Value  # an Interval for list[int], an Lst (the rows) for list[list[int]], None: empty
    base: Interval  # the length it is created with
    depth: int = 0  # the loop nesting (across calls) where it is created
    growth: dict = field(default_factory=dict)  # appending statement -> elements it can add
    shrinks: bool = False  # some list created here may lose elements (pop, remove, del, clear)

    @property
    def length(self) -> Interval:
        return Interval(0 if self.shrinks else self.base.lo, min(MAX_LENGTH, self.base.hi + sum(self.growth.values())))


@dataclass
class Record:
    """What the analysis saw at one arithmetic node: the operands and the exact result."""

    left: Interval
    right: Interval
    result: Interval

    def join(self, other: "Record") -> "Record":
        return Record(self.left.join(other.left), self.right.join(other.right), self.result.join(other.result))


class _Unreachable(Exception):
    pass


Env = dict  # name -> Value; None for an unreachable path


@dataclass
class _LoopCtx:
    breaks: list = field(default_factory=list)
    continues: list = field(default_factory=list)


class RangeAnalysis:
    """Run with :meth:`run`; then :meth:`record` gives, for an arithmetic node of a function,
    the operand and exact result intervals over every context the node runs in."""

    MAX_ROUNDS = 12
    # statements analysed over all rounds before giving up (the example models take at most
    # a few thousand; deep nests of loops and calls could take hours: compile time stays bounded)
    MAX_STEPS = 50_000
    LOOP_ITERATIONS = 4

    def __init__(self, functions: dict[str, A.FunctionDef], constants: dict[str, object],
                 main_params: dict[str, Value] | None = None) -> None:
        self.functions = functions
        self.constants = constants  # name -> ConstValue
        self.sites: dict[object, Site] = {}
        self.records: dict[tuple[str, int, int, str], Record] = {}  # (function, line, col, operator)
        self.indexes: dict[tuple[str, int, int, str], Interval] = {}  # list indexes, keyed by the index
        self.changed = False
        self.gave_up = False  # recursion, or no fixpoint: every operation is guarded
        self.fn = ""
        self.ctx: tuple = ()  # the call nodes that led here: allocation sites are per context
        self._stack: list[str] = []
        self._ret: Value = None
        self._trips: list[int] = []  # the turn bounds of the loops being analysed (across calls)
        self._plain: dict[A.Expr, bool] = {}  # memo: is an expression plain arithmetic (_peek)
        self._loops: list = []
        self._last_breaks: list = []
        self._main_params = main_params or {}
        self._const_values: dict[str, Value] = {}

    # --- public API ------------------------------------------------------------------------------
    def input_list(self, name: str, depth: int, elements: Interval, shape: list[int]) -> Lst:
        """The value of a list parameter of main: its sites (the outer list, and the rows of
        a list of lists) with the declared element bounds and the input file's lengths."""
        if depth == 1:
            return self._site(("input", name), elements, point(shape[0] if shape else 0))
        cols = shape[1] if len(shape) > 1 else 0
        length = Interval(min(cols, default=0), max(cols, default=0)) if isinstance(cols, list) else point(cols)
        rows = self._site(("input rows", name), elements, length)
        return self._site(("input", name), rows, point(shape[0] if shape else 0))

    def run(self, main_params: dict[str, Value] | None = None) -> "RangeAnalysis":
        """Analyse main (and, inline at each call, every function it calls) until the heap's
        sites stop growing."""
        if main_params is not None:
            self._main_params = main_params
        for name, c in self.constants.items():
            self._const_values[name] = self._constant(name, c)
        main = self.functions.get("main")
        if main is None:
            return self
        args = [self._main_params.get(p.name, TOP) for p in main.params]
        self.steps = 0
        for rounds in range(self.MAX_ROUNDS + 1):
            self.changed = False
            self.records = {}
            self.indexes = {}
            before = self._snapshot()
            try:
                self._body("main", args, ())
            except _OutOfSteps:  # loops nested in loops in calls: too costly to follow, guard all
                self.gave_up = True
                return self
            if not self.changed:
                return self
            if rounds >= self.MAX_ROUNDS // 2:  # not converging: widen what keeps growing
                self._widen_globals(before, everything=rounds >= self.MAX_ROUNDS - 1)
        self.gave_up = True
        return self

    def record(self, fn: str, node: A.Node, op: str) -> Record | None:
        """The operation ``op`` at ``node`` of function ``fn`` (``op``: the binary or augmented
        operator, "~" for an inversion, "sum" for a sum's additions), over every context."""
        return self.records.get(_key(fn, node, op))

    def exact(self, fn: str, node: A.Node, op: str) -> bool:
        """True when the operation cannot overflow in any run the analysis covers."""
        if self.gave_up:
            return False
        r = self.record(fn, node, op)
        return r is not None and r.result.fits()

    def index(self, fn: str, index: A.Expr) -> Interval | None:
        """The values the list index ``index`` of function ``fn`` takes, over every context
        (None when unknown: not analysed, or the analysis gave up). The code generator counts a
        negative index from the end of the list only where this may be below 0."""
        if self.gave_up:
            return None
        return self.indexes.get(_key(fn, index, "[]"))

    # --- globals -----------------------------------------------------------------------------------
    def _site(self, key, elem: Value, length: Interval) -> Lst:
        s = self.sites.get(key)
        if s is None:
            self.sites[key] = Site(elem, length, len(self._trips))
            self.changed = True
        else:
            new_elem, new_base = join(s.elem, elem), s.base.join(length)
            if not leq(new_elem, s.elem) or not leq(new_base, s.base):
                s.elem, s.base = new_elem, new_base
                self.changed = True
        return Lst(frozenset([key]))

    def _store(self, lst: Value, v: Value, grows: int = 0, node: A.Node | None = None) -> None:
        """Join v into the elements of every site lst may be; ``grows``: the statement ``node``
        adds that many elements each time it runs."""
        if not isinstance(lst, Lst):
            return
        for key in lst.sites:
            s = self.sites[key]
            new_elem = join(s.elem, v)
            if not leq(new_elem, s.elem):
                s.elem = new_elem
                self.changed = True
            if grows:
                times = 1
                for t in self._trips[s.depth:]:
                    times = min(MAX_LENGTH, times * t)
                added = min(MAX_LENGTH, times * grows)
                gkey = (self.ctx, node)
                if s.growth.get(gkey, 0) < added:
                    s.growth[gkey] = added
                    self.changed = True

    def _elements(self, lst: Value) -> Value:
        if not isinstance(lst, Lst):
            return TOP
        out: Value = None
        for key in lst.sites:
            out = join(out, self.sites[key].elem)
        return out

    def _length(self, lst: Value) -> Interval:
        if not isinstance(lst, Lst) or not lst.sites:
            return LENGTHS
        out = None
        for key in lst.sites:
            out = self.sites[key].length.join(out)
        return out

    def _widen_globals(self, before: dict, everything: bool = False) -> None:
        """Stop a fixpoint that does not converge: the site intervals that grew since
        ``before`` become the whole value range, the lengths that grew the largest length
        (all of them, with ``everything``)."""
        for key, site in self.sites.items():
            old_elem, old_length = before.get(key, (None, None))
            if isinstance(site.elem, Interval) and (everything or old_elem is None or not leq(site.elem, old_elem)):
                site.elem = TOP
            if site.growth and (everything or old_length is None or not leq(site.length, old_length)):
                for g in site.growth:
                    site.growth[g] = MAX_LENGTH

    def _snapshot(self) -> dict:
        return {k: (s.elem, s.length) for k, s in self.sites.items()}

    def _constant(self, name: str, c) -> Value:
        import numpy as np

        v = c.value
        if isinstance(v, int):
            return point(v)
        if isinstance(v, list):  # nested rows (ragged, boxed, three deep): one site per level
            def level(items: list, depth: int, key) -> Value:
                lens = [len(x) for x in items]
                length = Interval(min(lens, default=0), max(lens, default=0))
                if depth == 1:
                    vals = [int(x) for row in items for x in row]
                    return self._site(key, Interval(min(vals), max(vals)) if vals else None, length)
                inner = level([y for x in items for y in x], depth - 1, key + ("rows",))
                return self._site(key, inner, length)

            return level([v], c.depth, ("const", name))
        arr = np.asarray(v)
        if getattr(c, "private", None):  # private weights: any value of their declared width
            from zkvm.isa.program import PRIVATE_BITS

            span = Interval(-(1 << (PRIVATE_BITS - 1)), (1 << (PRIVATE_BITS - 1)) - 1)
            if arr.ndim == 1:
                return self._site(("const", name), span, point(arr.shape[0]))
            rows = self._site(("const rows", name), span, point(arr.shape[1]))
            return self._site(("const", name), rows, point(arr.shape[0]))
        if arr.ndim == 1:
            elem = Interval(int(arr.min()), int(arr.max())) if arr.size else None
            return self._site(("const", name), elem, point(arr.shape[0]))
        rows = self._site(("const rows", name), Interval(int(arr.min()), int(arr.max())) if arr.size else None,
                          point(arr.shape[1]))
        return self._site(("const", name), rows, point(arr.shape[0]))

    # --- functions (analysed inline at each call: one context per call path) -----------------------
    def _body(self, name: str, args: list[Value], ctx: tuple) -> Value:
        fn = self.functions[name]
        saved = (self.fn, self.ctx, self._ret, self._loops)
        self.fn, self.ctx, self._ret, self._loops = name, ctx, None, []
        self._stack.append(name)
        env: Env = {p.name: v for p, v in zip(fn.params, list(args) + [TOP] * (len(fn.params) - len(args)))}
        try:
            self._block(fn.body, env)
        except _Unreachable:
            pass
        finally:
            self._stack.pop()
            ret = self._ret
            self.fn, self.ctx, self._ret, self._loops = saved
        return ret

    def _call(self, fn_name: str, args: list[Value], node: A.Node) -> Value:
        if fn_name in self._stack:  # recursion: not modelled, guard everything
            self.gave_up = True
            return TOP
        return self._body(fn_name, args, self.ctx + (node,))

    # --- statements --------------------------------------------------------------------------------
    def _block(self, stmts: Iterable[A.Stmt], env: Env) -> Env:
        for s in stmts:
            self.steps += 1
            if self.steps > self.MAX_STEPS:
                raise _OutOfSteps
            env = self._stmt(s, env)
        return env

    def _stmt(self, s: A.Stmt, env: Env) -> Env:
        if isinstance(s, A.Assign):
            v = self._expr(s.value, env)
            for t in s.targets:
                self._assign(t, v, env)
            return env
        if isinstance(s, A.AnnAssign):
            if s.value is not None:
                self._assign(s.target, self._expr(s.value, env), env)
            return env
        if isinstance(s, A.AugAssign):
            self._aug(s, env)
            return env
        if isinstance(s, A.ExprStmt):
            self._expr(s.value, env)
            return env
        if isinstance(s, A.Return):
            self._ret = join(self._ret, self._expr(s.value, env) if s.value is not None else None)
            raise _Unreachable
        if isinstance(s, A.If):
            return self._if(s, env)
        if isinstance(s, A.While):
            return self._while(s, env)
        if isinstance(s, A.For):
            return self._for(s, env)
        if isinstance(s, A.Break):
            self._loops[-1].breaks.append(dict(env))
            raise _Unreachable
        if isinstance(s, A.Continue):
            self._loops[-1].continues.append(dict(env))
            raise _Unreachable
        if isinstance(s, A.Assert):
            self._expr(s.test, env)
            refined = self._refine(s.test, env, True)
            if refined is None:
                raise _Unreachable
            return refined
        return env  # pass, docstrings, unsupported statements (rejected elsewhere)

    def _assign(self, target: A.Expr, v: Value, env: Env) -> None:
        if isinstance(target, A.Name):
            env[target.id] = v
        elif isinstance(target, A.Subscript):
            self._store(self._expr(target.value, env), v)
            self._index(target.index, env)

    def _aug(self, s: A.AugAssign, env: Env) -> None:
        right = self._expr(s.value, env)
        if isinstance(s.target, A.Name):
            left = env.get(s.target.id, self._const_values.get(s.target.id, TOP))
            if isinstance(left, Lst):  # xs += ys extends xs in place
                self._store(left, self._elements(right), grows=max(1, self._length(right).hi), node=s)
                return
            env[s.target.id] = self._arith(s, s.op, left, right)
        elif isinstance(s.target, A.Subscript):
            lst = self._expr(s.target.value, env)
            self._index(s.target.index, env)
            left = self._elements(lst)
            self._store(lst, self._arith(s, s.op, left, right))

    def _if(self, s: A.If, env: Env) -> Env:
        self._expr(s.test, env)
        outs = []
        for branch, truth in ((s.body, True), (s.orelse, False)):
            e = self._refine(s.test, env, truth)
            if e is None:
                continue
            try:
                outs.append(self._block(branch, e))
            except _Unreachable:
                pass
        if not outs:
            raise _Unreachable
        return _join_envs(outs)

    def _loop(self, env: Env, body, bind, exit_refine, trips: int | None) -> Env:
        """Fixpoint of a loop: ``bind(env)`` gives the body's entry environment (the loop variable
        bound, the condition refined; None if the body cannot run), ``exit_refine(env)`` the
        environment where the loop ends normally (None if it cannot)."""
        self._trips.append(trips)
        try:
            return self._loop_fixpoint(env, body, bind, exit_refine, trips)
        finally:
            self._trips.pop()

    def _loop_fixpoint(self, env: Env, body, bind, exit_refine, trips: int) -> Env:
        inv = prev = dict(env)
        stable = False
        for _ in range(self.LOOP_ITERATIONS):
            out = self._turn(inv, body, bind)
            new = _join_envs([env, out])
            if _env_leq(new, inv):
                stable = True
                break
            prev, inv = inv, new
        if not stable:
            inv = self._widen_loop(env, prev, inv, body, bind, trips)
        out = self._turn(inv, body, bind)  # the recording pass, on the invariant
        exits = [e for e in self._exits(inv, exit_refine) if e is not None]
        exits += self._last_breaks
        if not exits:
            raise _Unreachable
        return _join_envs(exits)

    def _turn(self, inv: Env, body, bind) -> Env:
        """One turn of the body from the invariant: the environment at the loop head after it
        (the end of the body and every continue); breaks are kept for the exit."""
        ctx = _LoopCtx()
        self._loops = self._loops + [ctx]
        try:
            entry = bind(dict(inv))
            ends = []
            if entry is not None:
                try:
                    ends.append(self._block(body, entry))
                except _Unreachable:
                    pass
            ends += ctx.continues
        finally:
            self._loops = self._loops[:-1]
        self._last_breaks = ctx.breaks
        return _join_envs(ends) if ends else dict(inv)

    def _exits(self, inv: Env, exit_refine) -> list:
        return [exit_refine(dict(inv))]

    def _widen_loop(self, env: Env, prev: Env, inv: Env, body, bind, trips: int | None) -> Env:
        """Variables that keep growing: accumulators of a loop of at most ``trips`` turns get
        v0 + trips * increment; for the others, each bound that still moved in the last turn
        (from ``prev`` to ``inv``) goes to the end of the value range (a counter from 0 stays
        non-negative). The result is checked to be an invariant by running the body on it."""
        assigned = _assigned(body)
        growing = [name for name in inv if not leq(inv.get(name), env.get(name)) and isinstance(inv.get(name), Interval)]
        acc = {name for name in growing if trips is not None and _is_accumulator(name, body)}
        widened = dict(inv)
        for name in growing:
            if name not in acc:
                widened[name] = _widen(prev.get(name), inv[name])
        for _ in range(3):
            changed = False
            for name in acc:
                start = env.get(name)
                if not isinstance(start, Interval):
                    widened[name] = TOP
                    continue
                probe = dict(widened)
                probe[name] = point(0)
                delta = self._turn(probe, body, bind).get(name)
                if not isinstance(delta, Interval):
                    widened[name] = TOP
                    continue
                bound = Interval(start.lo + trips * min(delta.lo, 0), start.hi + trips * max(delta.hi, 0)).clamp()
                if widened.get(name) != bound:
                    widened[name] = bound
                    changed = True
            # the others must now be stable (or are widened)
            changed |= self._settle(widened, body, bind, assigned - acc)
            if not changed:
                return widened
        # no invariant in three rounds: every int the body assigns may be anything
        for name in assigned:
            if isinstance(widened.get(name), Interval):
                widened[name] = TOP
        while self._settle(widened, body, bind, assigned):
            pass
        return widened

    def _settle(self, widened: Env, body, bind, names) -> bool:
        """Run the body once on ``widened``; widen (in place) each of ``names`` that the turn
        takes outside it (a moved bound of an int goes to the end of the value range, lists
        join). True if any did."""
        out = self._turn(widened, body, bind)
        changed = False
        for name in names:
            if name not in out or leq(out.get(name), widened.get(name)):
                continue
            grown = join(widened.get(name), out.get(name))
            widened[name] = _widen(widened.get(name), grown) if isinstance(grown, Interval) else grown
            changed = True
        return changed

    def _while(self, s: A.While, env: Env) -> Env:
        def enter(e: Env) -> Env | None:
            self._expr(s.test, e)  # (the test's own arithmetic, recorded)
            return self._refine(s.test, e, True)

        return self._loop(env, s.body, enter, lambda e: self._refine(s.test, e, False), MAX_LENGTH)

    def _for(self, s: A.For, env: Env) -> Env:
        it = s.iter
        if isinstance(it, A.Call) and it.func == "range" and it.receiver is None:
            var, trips = self._range(it.args, env)
        else:
            lst = self._expr(it, env)
            var = self._elements(lst)
            trips = min(self._length(lst).hi, MAX_LENGTH)
        def bind(e):
            e[s.target] = var
            return e
        out = self._loop(env, s.body, bind, lambda e: e, trips)
        if s.target in out and var is not None:
            out[s.target] = join(out.get(s.target), var)
        return out

    def _range(self, args, env: Env) -> tuple[Value, int | None]:
        vals = [self._expr(a, env) for a in args]
        ints = [v if isinstance(v, Interval) else TOP for v in vals]
        if len(ints) == 1:
            start, stop, step = point(0), ints[0], point(1)
        elif len(ints) == 2:
            start, stop, step = ints[0], ints[1], point(1)
        elif len(ints) == 3:
            start, stop, step = ints
        else:
            return TOP, None
        if step.lo >= 1:
            hi = stop.hi - 1
            var = Interval(start.lo, max(start.lo, hi)) if hi >= start.lo else point(start.lo)
            trips = max(0, -(-(stop.hi - start.lo) // step.lo))
        elif step.hi <= -1:
            lo = stop.lo + 1
            var = Interval(min(start.hi, lo), start.hi) if lo <= start.hi else point(start.hi)
            trips = max(0, -(-(start.hi - stop.lo) // -step.hi))
        else:
            var = start.join(stop)
            trips = None
        return var, min(trips if trips is not None else MAX_LENGTH, MAX_LENGTH)

    # --- refinement ----------------------------------------------------------------------------------
    def _refine(self, test: A.Expr, env: Env, truth: bool) -> Env | None:
        """The environment where ``test`` has this truth value (None: impossible)."""
        if isinstance(test, A.UnaryOp) and test.op == "not":
            return self._refine(test.operand, env, not truth)
        if isinstance(test, A.BoolOp):
            if (test.op == "and") == truth:  # all of them hold (and/true) or all fail (or/false)
                for v in test.values:
                    env = self._refine(v, env, truth)
                    if env is None:
                        return None
                return env
            outs = [e for e in (self._refine(v, dict(env), truth) for v in test.values) if e is not None]
            return _join_envs(outs) if outs else None
        if isinstance(test, A.Compare):
            env = dict(env)
            left = test.left
            pairs = list(zip([left, *test.comparators[:-1]], test.ops, test.comparators))
            if not truth and len(pairs) > 1:
                return env  # a false chain: one of its comparisons fails, which one is unknown
            for l_expr, op, r_expr in pairs:
                env = self._refine_compare(l_expr, op if truth else NEGATE[op], r_expr, env)
                if env is None:
                    return None
            return env
        if isinstance(test, A.Name):
            v = env.get(test.id)
            if isinstance(v, Interval) and not truth:
                m = v.meet(0, 0)
                if m is None:
                    return None
                env = dict(env)
                env[test.id] = m
            return env
        return env

    def _refine_compare(self, l_expr, op, r_expr, env: Env) -> Env | None:
        lv, rv = self._peek(l_expr, env), self._peek(r_expr, env)
        if not isinstance(lv, Interval) or not isinstance(rv, Interval):
            return env
        # facts on each side that is a local name
        for expr, mine, other, o in ((l_expr, lv, rv, op), (r_expr, rv, lv, FLIP[op])):
            if not isinstance(expr, A.Name) or expr.id not in env:
                continue
            if o == "<":
                new = mine.meet(hi=other.hi - 1)
            elif o == "<=":
                new = mine.meet(hi=other.hi)
            elif o == ">":
                new = mine.meet(lo=other.lo + 1)
            elif o == ">=":
                new = mine.meet(lo=other.lo)
            elif o == "==":
                new = mine.meet(other.lo, other.hi)
            else:
                new = mine
            if new is None:
                return None
            env[expr.id] = new
        return env

    def _peek(self, e: A.Expr, env: Env) -> Value:
        """An expression's value without recording anything (for refinement)."""
        if isinstance(e, A.IntLit):
            return point(e.value)
        if isinstance(e, A.BoolLit):
            return point(int(e.value))
        if isinstance(e, A.Name):
            return env.get(e.id, self._const_values.get(e.id, TOP))
        if isinstance(e, A.UnaryOp) and e.op == "-" and isinstance(e.operand, A.IntLit):
            return point(-e.operand.value)
        if isinstance(e, A.Call) and e.func == "len" and e.receiver is None and len(e.args) == 1:
            return self._length(self._peek(e.args[0], env))
        plain = self._plain.get(e)
        if plain is None:  # arithmetic on names and literals only (no call, no list)?
            plain = self._plain[e] = not any(isinstance(n, (A.Call, A.ListLit, A.ListComp)) for n in _walk(e))
        if plain:
            return self._expr(e, env)  # arithmetic on names and literals (10 ** 6, n - 1)
        return TOP

    # --- expressions ---------------------------------------------------------------------------------
    def _arith(self, node: A.Node, op: str, left: Value, right: Value, key_op: str | None = None) -> Value:
        if op == "+" and isinstance(left, Lst):
            return self._site((self.ctx, node), join(self._elements(left), self._elements(right)), LENGTHS)
        if op == "*" and (isinstance(left, Lst) or isinstance(right, Lst)):
            lst = left if isinstance(left, Lst) else right
            return self._site((self.ctx, node), self._elements(lst), LENGTHS)
        a = left if isinstance(left, Interval) else TOP
        b = right if isinstance(right, Interval) else TOP
        result = binop(op, a, b)
        rec = Record(a, b, result)
        key = _key(self.fn, node, key_op or op)
        self.records[key] = self.records[key].join(rec) if key in self.records else rec
        return result.clamp()

    def _expr(self, e: A.Expr, env: Env) -> Value:
        if isinstance(e, A.IntLit):
            return point(e.value)
        if isinstance(e, A.BoolLit):
            return point(int(e.value))
        if isinstance(e, A.NoneLit):
            return None
        if isinstance(e, A.Name):
            if e.id in env:
                return env[e.id]
            return self._const_values.get(e.id, TOP)
        if isinstance(e, A.BinOp):
            return self._arith(e, e.op, self._expr(e.left, env), self._expr(e.right, env))
        if isinstance(e, A.UnaryOp):
            v = self._expr(e.operand, env)
            if e.op == "not":
                return BOOL
            if not isinstance(v, Interval):
                return TOP
            if e.op == "-":
                return Interval(-v.hi, -v.lo)
            if e.op == "~":
                return self._arith(e, "-", point(-1), v, key_op="~")
            return v
        if isinstance(e, A.BoolOp):
            out: Value = None
            for v in e.values:
                out = join(out, self._expr(v, env))
                env = self._refine(v, env, e.op == "and") or env
            return out
        if isinstance(e, A.Compare):
            self._expr(e.left, env)
            for c in e.comparators:
                self._expr(c, env)
            return BOOL
        if isinstance(e, A.IfExp):
            self._expr(e.test, env)
            outs = []
            for branch, truth in ((e.body, True), (e.orelse, False)):
                sub_env = self._refine(e.test, env, truth)
                if sub_env is not None:
                    outs.append(self._expr(branch, dict(sub_env)))
            out: Value = None
            for v in outs:
                out = join(out, v)
            return out
        if isinstance(e, A.Subscript):
            lst = self._expr(e.value, env)
            self._index(e.index, env)
            return self._elements(lst)
        if isinstance(e, A.ListLit):
            values = [self._expr(x, env) for x in e.elts]
            if any(isinstance(v, Lst) for v in values) and any(isinstance(v, Interval) for v in values):
                # a tuple mixing ints and lists: each int is boxed in a one-element row (a site
                # of its own), so its list parts stay lists for the analysis (an int read back
                # from it is a row here, and arithmetic on a row is unbounded: guarded)
                values = [self._site((self.ctx, x, "box"), v, point(1)) if isinstance(v, Interval) else v
                          for x, v in zip(e.elts, values)]
            out = None
            for v in values:
                out = join(out, v)
            return self._site((self.ctx, e), out, point(len(e.elts)))
        if isinstance(e, A.ListComp):
            return self._listcomp(e, env)
        if isinstance(e, A.Call):
            return self._call_expr(e, env)
        return TOP

    def _index(self, index: A.Expr, env: Env) -> None:
        """Evaluate a list index, recording its interval (joined over every context)."""
        v = self._expr(index, env)
        iv = v if isinstance(v, Interval) else TOP
        key = _key(self.fn, index, "[]")
        self.indexes[key] = iv.join(self.indexes.get(key))

    def _listcomp(self, e: A.ListComp, env: Env) -> Value:
        inner = dict(env)
        it = e.iter
        if isinstance(it, A.Call) and it.func == "range" and it.receiver is None:
            var, trips = self._range(it.args, env)
        else:
            lst = self._expr(it, env)
            var, n = self._elements(lst), self._length(lst)
            trips = n.hi
        inner[e.target] = var
        if e.cond is not None:
            self._expr(e.cond, inner)
            inner = self._refine(e.cond, inner, True)
        elt = self._expr(e.elt, inner) if inner is not None else None
        return self._site((self.ctx, e), elt, Interval(0, trips if trips is not None else MAX_LENGTH))

    def _call_expr(self, e: A.Call, env: Env) -> Value:
        args = [self._expr(a, env) for a in e.args]
        if e.receiver is not None:
            recv = self._expr(e.receiver, env)
            if e.func == "append" and args:
                self._store(recv, args[0], grows=1, node=e)
            elif e.func == A.SET_LENGTH and isinstance(recv, Lst):
                for key in recv.sites:
                    if not self.sites[key].shrinks:
                        self.sites[key].shrinks = True
                        self.changed = True
            return None
        f = e.func
        if f in self.functions:
            return self._call(f, args, e)
        if f == "len":
            return self._length(args[0]) if args else LENGTHS
        if f == "sum":
            if len(args) != 1 or not isinstance(args[0], Lst):
                return TOP
            elem = self._elements(args[0])
            n = self._length(args[0]).hi
            elem = elem if isinstance(elem, Interval) else TOP
            total = Interval(n * min(elem.lo, 0), n * max(elem.hi, 0))
            return self._arith(e, "+", point(0), total, key_op="sum")
        if f in ("min", "max"):
            if len(args) > 1 and any(isinstance(a, Lst) for a in args):
                out: Value = None
                for a in args:
                    out = join(out, a)
                return out  # one of the lists
            if len(args) == 1 and isinstance(args[0], Lst) and isinstance(self._elements(args[0]), Lst):
                return self._elements(args[0])  # one of the rows
            vals = [self._elements(a) if isinstance(a, Lst) else a for a in args]
            vals = [v if isinstance(v, Interval) else TOP for v in vals]
            if not vals:
                return TOP
            pick = min if f == "min" else max
            return Interval(pick(v.lo for v in vals), pick(v.hi for v in vals))
        if f == "abs" and args and isinstance(args[0], Interval):
            v = args[0]
            if v.lo >= 0:
                return v
            if v.hi <= 0:
                return Interval(-v.hi, -v.lo)
            return Interval(0, v.magnitude)
        if f in ("print",):
            return None
        if f in ("bool",):
            return BOOL
        if f == "int" and args:
            return args[0]
        return TOP if not args or not any(isinstance(a, Lst) for a in args) else Lst(frozenset())


def _key(fn: str, node: A.Node, op: str) -> tuple[str, int, int, str]:
    """Records are found by position and operator: the code generator rebuilds some nodes
    (an augmented assignment becomes a binary operation with the statement's span). Two
    operations with the same start and operator (``(a * b) * c``) share, and join, a record."""
    return (fn, node.span.line, node.span.col, op)


__all__ = ["RangeAnalysis", "Record"]


class _OutOfSteps(Exception):
    """The analysis exceeded RangeAnalysis.MAX_STEPS."""

