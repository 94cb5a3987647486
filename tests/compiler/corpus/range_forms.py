def main(n: int, s: int) -> list[int]:
    out = []
    for i in range(4):
        out.append(i)
    for i in range(2, 6):
        out.append(i * 10)
    for i in range(1, n, s):
        out.append(i * 100)
    for i in range(n, 0, -2):
        out.append(-i)
    for i in range(5, 5):
        out.append(999)
    return out
