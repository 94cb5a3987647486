"""Rounding divisions as quantizers write them: divmod, half-to-even, symmetric rounding."""


def round_half_even(a, b):
    q, r = divmod(a, b)
    twice = 2 * r
    if twice > b or (twice == b and q % 2 == 1):
        q += 1
    return q


def round_away(a, b):
    sign = -1 if (a < 0) != (b < 0) else 1
    return sign * ((abs(a) + abs(b) // 2) // abs(b))


def main(values: list[int], d: int) -> list[int]:
    return [round_half_even(v, d) for v in values] + [round_away(v, d) for v in values]
