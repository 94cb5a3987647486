def main(x: int) -> list[int]:
    a = [1, 2, 3]
    b = a
    b[0] = x
    b.append(4)
    return [a[0], len(a), a[3], b[1]]
