"""Environments and loop bodies for the range analysis (ranges.py): joining and comparing the
intervals of variables where control flow meets, widening a bound that keeps moving, and the
syntactic facts a loop's treatment needs (the names a body assigns, a variable that is only
accumulated into)."""

from __future__ import annotations

from zkvm.compiler import ast as A
from zkvm.compiler.intervals import TOP, Interval, Value, join, leq

Env = dict  # variable name -> its Value (ranges.Env)
_walk = A.walk


def _widen(old: Value, new: Interval) -> Interval:
    """``new`` with each bound that moved beyond ``old`` at the end of the value range."""
    if not isinstance(old, Interval):
        return TOP
    return Interval(new.lo if new.lo >= old.lo else TOP.lo, new.hi if new.hi <= old.hi else TOP.hi)


def _join_envs(envs: list) -> Env:
    envs = [e for e in envs if e is not None]
    if not envs:
        return {}
    out = dict(envs[0])
    for e in envs[1:]:
        for name in set(out) | set(e):
            if name in out and name in e:
                out[name] = join(out[name], e[name])
            else:
                out.pop(name, None)  # assigned on one path only: not readable after the join
    return out


def _env_leq(a: Env, b: Env) -> bool:
    return all(name in b and leq(v, b[name]) for name, v in a.items())



def _assigned(body) -> set[str]:
    out = set()
    for s in body:
        for n in _walk(s):
            if isinstance(n, (A.Assign,)):
                out |= {t.id for t in n.targets if isinstance(t, A.Name)}
            elif isinstance(n, (A.AugAssign, A.AnnAssign)) and isinstance(n.target, A.Name):
                out.add(n.target.id)
            elif isinstance(n, A.For):
                out.add(n.target)
    return out


def _reads(e, name: str) -> bool:
    return any(isinstance(n, A.Name) and n.id == name for n in _walk(e))


def _is_accumulator(name: str, body) -> bool:
    """Every assignment to ``name`` in the body adds or subtracts something that does not read
    it, and nothing else in the body reads it: so one turn of the body changes it by an amount
    that does not depend on its value (running the body from 0 gives that amount)."""
    allowed: set[int] = set()  # the Name nodes of its own updates
    found = False
    for s in body:
        for n in _walk(s):
            if isinstance(n, A.AugAssign) and isinstance(n.target, A.Name) and n.target.id == name:
                if n.op not in ("+", "-"):
                    return False
                allowed.add(id(n.target))
                found = True
            elif isinstance(n, A.Assign) and any(isinstance(t, A.Name) and t.id == name for t in n.targets):
                v = n.value
                if len(n.targets) != 1 or not (isinstance(v, A.BinOp) and v.op in ("+", "-")):
                    return False
                if isinstance(v.left, A.Name) and v.left.id == name:
                    allowed.add(id(v.left))
                elif v.op == "+" and isinstance(v.right, A.Name) and v.right.id == name:
                    allowed.add(id(v.right))
                else:
                    return False
                allowed.add(id(n.targets[0]))
                found = True
            elif isinstance(n, A.AnnAssign) and isinstance(n.target, A.Name) and n.target.id == name:
                return False
            elif isinstance(n, (A.For, A.ListComp)) and getattr(n, "target", None) == name:
                return False
    if not found:
        return False
    return all(id(n) in allowed for s in body for n in _walk(s) if isinstance(n, A.Name) and n.id == name)
