"""Shortest path lengths on an occupancy grid by breadth-first search (1 = wall)."""

MOVES = ((0, 1), (1, 0), (0, -1), (-1, 0))


def bfs(grid, start):
    rows, cols = len(grid), len(grid[0])
    dist = [[-1] * cols for _ in range(rows)]
    sr, sc = start
    dist[sr][sc] = 0
    queue = [start]
    head = 0
    while head < len(queue):
        r, c = queue[head]
        head += 1
        for dr, dc in MOVES:
            nr, nc = r + dr, c + dc
            if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] == 0 and dist[nr][nc] < 0:
                dist[nr][nc] = dist[r][c] + 1
                queue.append((nr, nc))
    return dist


def main(grid: list[list[int]], goal_row: int, goal_col: int) -> list[list[int]]:
    dist = bfs(grid, (0, 0))
    reachable = sum(1 for row in dist for d in row if d >= 0)
    return dist + [[dist[goal_row][goal_col], reachable]]
