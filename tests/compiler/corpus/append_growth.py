def main(n: int) -> list[int]:
    xs = []
    for i in range(n):
        xs.append(i * i)
    ys = xs
    ys.append(-1)
    return [len(xs), xs[0], xs[n - 1], xs[n]]
