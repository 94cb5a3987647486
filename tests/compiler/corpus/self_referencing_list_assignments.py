def main(p: list[int]) -> list[int]:
    xs = [1, 2, 3]
    xs = [a + 1 for a in xs]
    ys = [4, 5]
    ys = ys * 2
    zs = [7]
    zs = zs + ys
    zs = [zs[k] * 2 for k in range(len(zs))]
    return xs + ys + zs
