def main(a: list[int], k: int) -> list[int]:
    b = a + [7, 8]
    c = [0] * k + a
    d = a * 2
    e = 3 * [1]
    return b + c + d + e + [len(b), len(c), len(d)]
