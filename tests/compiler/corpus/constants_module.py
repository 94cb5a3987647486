SCALE = 100
OFFSET = SCALE * 2 - 3
TABLE = [1, 1, 2, 3, 5, 8, 13]
GRID = [[i * j for j in range(3)] for i in range(3)]
SQUARES = [v * v for v in TABLE if v > 1]


def main(i: int) -> list[int]:
    return [SCALE + OFFSET, TABLE[i], len(TABLE), GRID[2][2], SQUARES[-1 + 1], len(SQUARES)]
