"""Builtins written in the DSL itself: slices, sorted, reversed, any/all, ``in``, divmod, ...

desugar.py rewrites ``sorted(xs, key=f)`` or ``xs[a:b]`` into calls of these functions; the
code generator then compiles each one for the argument types of its call sites, like any
helper of the program (a list of ints and a list of tuples get their own versions). Writing
them in the DSL keeps their semantics checkable against CPython line by line, and keeps new
instructions out of the VM. Each follows CPython's definition: slices clamp as
``slice.indices`` does, ``sorted`` is stable (an insertion sort, also with ``reverse=True``),
``min``/``max`` return the first best element.
"""

from __future__ import annotations

from functools import lru_cache

from zkvm.compiler import ast as A

PRELUDE_PATH = "<zkvm builtins>"
PREFIX = "__zkvm_"
# functions returning a list of their first argument's elements: of an empty list literal
# (no element type) they return a list with no element type either
SAME_ELEMENTS = tuple(PREFIX + n for n in ("slice", "slice1", "sorted", "sorted_by", "reversed", "copy"))
SHRINKERS = tuple(PREFIX + n for n in ("pop", "pop_at", "del_slice", "remove", "clear", "dict_pop", "dict_pop_or"))

SOURCE = '''
def __zkvm_slice(xs, start, stop, step, has_start, has_stop):
    n = len(xs)
    assert step != 0, "slice step cannot be zero"
    if not has_start:
        start = n - 1 if step < 0 else 0
    elif start < 0:
        start += n
        if start < 0:
            start = -1 if step < 0 else 0
    elif start >= n:
        start = n - 1 if step < 0 else n
    if not has_stop:
        stop = -1 if step < 0 else n
    elif stop < 0:
        stop += n
        if stop < 0:
            stop = -1 if step < 0 else 0
    elif stop >= n:
        stop = n - 1 if step < 0 else n
    out = []
    i = start
    if step > 0:
        while i < stop:
            out.append(xs[i])
            i += step
    else:
        while i > stop:
            out.append(xs[i])
            i += step
    return out


def __zkvm_slice1(xs, start, stop, has_start, has_stop):
    n = len(xs)
    if not has_start:
        start = 0
    elif start < 0:
        start += n
        if start < 0:
            start = 0
    elif start > n:
        start = n
    if not has_stop:
        stop = n
    elif stop < 0:
        stop += n
        if stop < 0:
            stop = 0
    elif stop > n:
        stop = n
    return [xs[i] for i in range(start, stop)]


def __zkvm_sorted(xs, reverse):
    out = [v for v in xs]
    for i in range(1, len(out)):
        cur = out[i]
        j = i - 1
        while j >= 0 and (out[j] < cur if reverse else cur < out[j]):
            out[j + 1] = out[j]
            j -= 1
        out[j + 1] = cur
    return out


def __zkvm_sorted_by(xs, keys, reverse):
    order = [i for i in range(len(xs))]
    for i in range(1, len(order)):
        cur = order[i]
        j = i - 1
        while j >= 0 and (keys[order[j]] < keys[cur] if reverse else keys[cur] < keys[order[j]]):
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = cur
    return [xs[k] for k in order]


def __zkvm_best_by(xs, keys, largest):
    assert len(xs) > 0, "min()/max() of an empty sequence"
    best = 0
    for i in range(1, len(xs)):
        if (keys[best] < keys[i]) if largest else (keys[i] < keys[best]):
            best = i
    return xs[best]


def __zkvm_best(xs, largest):
    assert len(xs) > 0, "min()/max() of an empty sequence"
    best = xs[0]
    for i in range(1, len(xs)):
        if (best < xs[i]) if largest else (xs[i] < best):
            best = xs[i]
    return best


def __zkvm_reversed(xs):
    n = len(xs)
    return [xs[n - 1 - i] for i in range(n)]


def __zkvm_copy(xs):
    return [v for v in xs]


def __zkvm_any(xs):
    for v in xs:
        if v:
            return True
    return False


def __zkvm_all(xs):
    for v in xs:
        if not v:
            return False
    return True


def __zkvm_contains(xs, x):
    for v in xs:
        if v == x:
            return True
    return False


def __zkvm_index(xs, x):
    i = __zkvm_find(xs, x)
    assert i >= 0, "list.index(x): x not in list"
    return i


def __zkvm_count(xs, x):
    c = 0
    for v in xs:
        if v == x:
            c += 1
    return c


def __zkvm_dict_get(keys, values, k):
    for i in range(len(keys)):
        if keys[i] == k:
            return values[i]
    assert False, "KeyError: the key is not in the dict"
    return values[0]


def __zkvm_dict_lookup(keys, values, k, default):
    for i in range(len(keys)):
        if keys[i] == k:
            return values[i]
    return default


def __zkvm_find(xs, x):
    for i in range(len(xs)):
        if xs[i] == x:
            return i
    return -1


def __zkvm_dict_pop(keys, values, k):
    i = __zkvm_find(keys, k)
    assert i >= 0, "KeyError: the key is not in the dict"
    keys.pop(i)
    return values.pop(i)


def __zkvm_dict_pop_or(keys, values, k, default):
    i = __zkvm_find(keys, k)
    if i < 0:
        return default
    keys.pop(i)
    return values.pop(i)


def __zkvm_star(xs, least, most):
    assert least <= len(xs) <= most, "f(*args): the sequence has the wrong number of values for the function's parameters"
    return xs


def __zkvm_some(value, none):
    assert not none, "the variable is None here (Python raises TypeError using None as a value)"
    return value


def __zkvm_isqrt(n):
    assert n >= 0, "isqrt() argument must be nonnegative"
    if n == 0:
        return 0
    x = n
    y = (x + 1) // 2
    while y < x:
        x = y
        y = (x + n // x) // 2
    return x


def __zkvm_gcd(a, b):
    a = abs(a)
    b = abs(b)
    while b != 0:
        t = a % b
        a = b
        b = t
    return a


def __zkvm_prod(xs, start):
    p = start
    for v in xs:
        p *= v
    return p


def __zkvm_factorial(n):
    assert n >= 0, "factorial() not defined for negative values"
    r = 1
    for i in range(2, n + 1):
        r *= i
    return r


def __zkvm_divmod(a, b):
    return [a // b, a % b]


def __zkvm_min_len(rows):
    m = -1
    for r in rows:
        if m < 0 or len(r) < m:
            m = len(r)
    return max(m, 0)


def __zkvm_column(rows, i):
    return [r[i] for r in rows]


def __zkvm_pop(xs):
    n = len(xs)
    assert n > 0, "pop from empty list"
    v = xs[n - 1]
    xs.__zkvm_setlen(n - 1)
    return v


def __zkvm_pop_at(xs, i):
    n = len(xs)
    assert n > 0, "pop from empty list"
    if i < 0:
        i += n
    assert 0 <= i < n, "pop index out of range"
    v = xs[i]
    for j in range(i, n - 1):
        xs[j] = xs[j + 1]
    xs.__zkvm_setlen(n - 1)
    return v


def __zkvm_del_slice(xs, start, stop, has_start, has_stop):
    kept = __zkvm_slice1(xs, 0, start if has_start else 0, False, True) + \
        __zkvm_slice1(xs, stop if has_stop else len(xs), 0, True, False)
    if len(kept) < len(xs):
        for i in range(len(kept)):
            xs[i] = kept[i]
        xs.__zkvm_setlen(len(kept))


def __zkvm_insert(xs, i, v):
    n = len(xs)
    if i < 0:
        i += n
        if i < 0:
            i = 0
    elif i > n:
        i = n
    xs.append(v)
    j = n
    while j > i:
        xs[j] = xs[j - 1]
        j -= 1
    xs[i] = v


def __zkvm_remove(xs, x):
    i = __zkvm_find(xs, x)
    assert i >= 0, "list.remove(x): x not in list"
    xs.pop(i)


def __zkvm_clear(xs):
    xs.__zkvm_setlen(0)


def __zkvm_range_list(start, stop, step):
    out = []
    i = start
    if step > 0:
        while i < stop:
            out.append(i)
            i += step
    else:
        assert step != 0, "range() arg 3 must not be zero"
        while i > stop:
            out.append(i)
            i += step
    return out
'''


@lru_cache(maxsize=1)
def functions() -> dict[str, A.FunctionDef]:
    """The prelude's functions by name, parsed once per process."""
    from zkvm.compiler.parser import parse

    module = parse(SOURCE, PRELUDE_PATH)
    return {s.name: s for s in module.body if isinstance(s, A.FunctionDef)}


def is_prelude(name: str) -> bool:
    return name.startswith(PREFIX)


USER_NAMES = {"slice": "a slice", "slice1": "a slice", "sorted": "sorted()", "sorted_by": "sorted() with key=",
              "best_by": "min()/max() with key=", "best": "min()/max()", "reversed": "reversed()", "copy": "a list copy",
              "any": "any()", "all": "all()", "contains": "'in'", "index": "list.index()", "count": "list.count()",
              "divmod": "divmod()", "some": "a variable that may be None", "isqrt": "math.isqrt()", "gcd": "math.gcd()",
              "prod": "math.prod()", "factorial": "math.factorial()", "star": "f(*args)", "dict_get": "a dict lookup", "dict_lookup": "dict.get()", "min_len": "zip(*rows)", "column": "zip(*rows)", "range_list": "range()",
              "pop": "list.pop()", "pop_at": "list.pop(i)", "del_slice": "del xs[a:b]",
              "insert": "list.insert()", "remove": "list.remove()", "clear": "list.clear()",
              "find": "a dict or set lookup", "dict_pop": "dict.pop() or del d[k]", "dict_pop_or": "dict.pop(k, default)"}


def user_name(name: str) -> str:
    """How an error inside a prelude function names what the program wrote."""
    return USER_NAMES.get(name[len(PREFIX):], name[len(PREFIX):] + "()")
