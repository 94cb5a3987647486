"""Recursive gcd and a recursive power-sum, reduced fractions."""


def gcd(a, b):
    return a if b == 0 else gcd(b, a % b)


def power_sum(xs, k):
    if not xs:
        return 0
    return xs[0] ** k + power_sum(xs[1:], k)


def main(num: int, den: int, xs: list[int]) -> list[int]:
    g = gcd(abs(num), abs(den))
    return [num // g, den // g, power_sum(xs, 2)]
