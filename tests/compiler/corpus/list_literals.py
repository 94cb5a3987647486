def main(a: int) -> list[list[int]]:
    empty = []
    one = [a]
    many = [a, a + 1, a * 2]
    grid = [[1, 2, 3], [4, 5, 6]]
    return [one + many, [len(empty), len(grid), len(grid[0])], grid[1]]
