"""Breadth-first search over a constant adjacency list (rows of different lengths) and a
sparse table with an empty row."""

ADJ = [[1, 2], [0, 3], [0, 3], [1, 2, 4], [3], []]
SPARSE = [[5, -2], [], [7]]

def bfs(start):
    seen = {start}
    queue = [start]
    order = []
    while queue:
        u = queue.pop(0)
        order.append(u)
        for v in ADJ[u]:
            if v not in seen:
                seen.add(v)
                queue.append(v)
    return order

def main(x: int) -> list[int]:
    return bfs(x) + [len(r) for r in ADJ] + [sum(r) * x for r in SPARSE] + ADJ[3] + [max(len(r) for r in ADJ)]
