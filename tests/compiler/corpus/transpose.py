def main(m: list[list[int]]) -> list[list[int]]:
    return [[m[r][c] for r in range(len(m))] for c in range(len(m[0]))]
