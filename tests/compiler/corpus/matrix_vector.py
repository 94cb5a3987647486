def matvec(m: list[list[int]], v: list[int]) -> list[int]:
    return [sum([m[r][i] * v[i] for i in range(len(v))]) for r in range(len(m))]


def main(m: list[list[int]], v: list[int]) -> list[int]:
    return matvec(m, v)
