"""A loop over the rows of a list of lists whose body indexes the row in an inner loop: the
row variable changes every turn, so its element pointer cannot be loaded before the loop."""


def colsum(m: list[list[int]]) -> list[int]:
    out = [0] * len(m[0])
    for row in m:
        for j in range(len(row)):
            out[j] += row[j]
    return out


def main(m: list[list[int]]) -> list[list[int]]:
    scaled = []
    for row in m:
        for j in range(len(row)):
            row[j] = row[j] * 2
        scaled.append([v + 1 for v in row])
    return [colsum(m), colsum(scaled)] + m
