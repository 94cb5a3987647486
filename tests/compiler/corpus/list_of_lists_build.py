def main(n: int) -> list[list[int]]:
    grid = []
    for i in range(n):
        row = []
        for j in range(n):
            row.append(i * n + j)
        grid.append(row)
    grid[1].append(-1)
    return [grid[0], grid[1], [len(grid), len(grid[1])]]
