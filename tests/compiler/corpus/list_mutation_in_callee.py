def fill(xs: list[int], v: int) -> None:
    for i in range(len(xs)):
        xs[i] = v + i
    xs.append(-1)


def main(n: int) -> list[int]:
    data = [0] * n
    fill(data, 100)
    return data
