def dot(a: list[int], b: list[int]) -> int:
    acc = 0
    for i in range(len(a)):
        acc += a[i] * b[i]
    return acc


def main(x: list[int], y: list[int]) -> int:
    return dot(x, y) + dot(y, y)
