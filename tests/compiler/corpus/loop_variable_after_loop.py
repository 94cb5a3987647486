def main(n: int) -> list[int]:
    last = -1
    for i in range(n):
        last = i
    for j in range(3):
        pass
    return [last, i, j]
