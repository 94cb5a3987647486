"""Exponential moving averages of a price series, with keyword and default arguments."""


def ema(series, alpha_num=1, alpha_den=4, start=None):
    value = series[0] if start is None else start
    out = []
    for x in series:
        value = value + (x - value) * alpha_num // alpha_den
        out.append(value)
    return out


def main(prices: list[int]) -> list[int]:
    fast = ema(prices, alpha_num=1, alpha_den=2)
    slow = ema(prices)
    return [f - s for f, s in zip(fast, slow)]
