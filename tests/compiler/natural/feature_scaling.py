"""Standard scaling of table columns: mean and integer standard deviation (Newton isqrt)."""


def isqrt(n):
    if n < 2:
        return n
    x = n
    y = (x + 1) // 2
    while y < x:
        x, y = y, (y + n // y) // 2
    return x


def column_stats(column):
    n = len(column)
    mean = sum(column) // n
    var = sum((v - mean) ** 2 for v in column) // n
    return mean, max(isqrt(var), 1)


def main(table: list[list[int]]) -> list[list[int]]:
    columns = [list(col) for col in zip(*table)]
    stats = [column_stats(c) for c in columns]
    scaled = [[(v - m) * 100 // s for v, (m, s) in zip(row, stats)] for row in table]
    minmax = [[(v - min(c)) * 100 // (max(c) - min(c) or 1) for v, c in zip(row, columns)] for row in table]
    return scaled + minmax + [[m for m, _ in stats], [s for _, s in stats]]
