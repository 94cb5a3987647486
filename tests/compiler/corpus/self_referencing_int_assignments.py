def main(p: list[int]) -> list[int]:
    m = 5
    m = max(m, p[0]) + min(m, 3)
    s = 2
    s = sum([s, s, m])
    q = -7
    q = abs(q) + q
    t = 3
    t = t if t > 10 else t * 2
    u = 4
    u = u // 3 + u % 3 - u * u
    xs = [1, 2]
    xs = [xs[1], xs[0], len(xs)]
    a = 9
    a = a <= a > p[0] < a  # a chain that assigns its own operand
    c = 3
    c = 0 < c < 5 != c + 2
    d = 4
    d = d < 5 <= d + 1
    return [m, s, q, t, u, a, c, d] + xs
