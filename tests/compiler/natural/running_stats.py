"""Minimum, maximum and a Fibonacci-style recurrence, with tuple assignment and returns."""


def min_max(xs):
    lo, hi = xs[0], xs[0]
    for x in xs[1:]:
        if x < lo:
            lo = x
        elif x > hi:
            hi = x
    return lo, hi


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def main(xs: list[int], n: int) -> list[int]:
    lo, hi = min_max(xs)
    return [lo, hi, hi - lo, fib(n)]
