"""Dense layers written the usual ways: loops, comprehensions, sum over zip with a generator."""

W = [[1, -2, 3, 4], [5, 6, -7, 8], [-9, 1, 2, 3]]


def main(x: list[int]) -> list[int]:
    loop = []
    for row in W:
        acc = 0
        for w, v in zip(row, x):
            acc += w * v
        loop.append(acc)
    gen = [sum(w * v for w, v in zip(row, x)) for row in W]
    idx = [sum(row[i] * x[i] for i in range(len(x))) for row in W]
    return loop + gen + idx
