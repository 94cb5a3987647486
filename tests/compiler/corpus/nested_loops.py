def main(n: int) -> list[int]:
    out = []
    for i in range(n):
        for j in range(i):
            out.append(i * 10 + j)
    return out
