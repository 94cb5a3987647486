"""A comprehension's first iterable is evaluated in the enclosing scope: in
[r + k for r in range(len(r))] the r of len(r) is the function's variable, not the
comprehension's."""


def main(m: list[list[int]], k: int) -> list[list[int]]:
    out = []
    for r in m:
        x = [r + k for r in range(len(r))]
        y = [len(r) for r in [r, r + r]]
        out.append(x + y)
    r = [1, 2]
    z = [[r * 2 for r in r] for r in [r, r]]
    return out + z
