import math

def layer_norm(x, gamma, beta, eps=1):
    n = len(x)
    mean = sum(x) // n
    centered = [v - mean for v in x]
    var = sum(c * c for c in centered) // n
    std = math.isqrt(var + eps)
    return [g * c // std + b for c, g, b in zip(centered, gamma, beta)]

def median(xs):
    s = sorted(xs)
    n = len(s)
    if n % 2:
        return s[n // 2]
    return (s[n // 2 - 1] + s[n // 2]) // 2

def main(x: list[int], gamma: list[int], beta: list[int]) -> tuple[list[int], int, int]:
    y = layer_norm(x, gamma, beta)
    return y, median(x), abs(min(y)) + max(y)
