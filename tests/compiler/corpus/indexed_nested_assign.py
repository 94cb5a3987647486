def main(m: list[list[int]]) -> list[list[int]]:
    m[0][1] = 99
    m[1][0] += m[0][0]
    row = m[1]
    row[1] = -5
    return m
