"""A call whose argument mentions a variable the type inference reaches only later (j is
inferred before row): the callee is specialized once the argument's type is known, not for
a guessed int."""


def f(p: list[int]) -> int:
    return len(p) * 10 + p[0]


def main(a: int) -> list[int]:
    t = 0
    for j in range(2):
        row = [1, 2, j]
        j += f([a] + row)
        t += j
    return [t]
