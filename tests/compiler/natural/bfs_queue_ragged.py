def bfs(adj, src):
    dist = [-1] * len(adj)
    dist[src] = 0
    queue = [src]
    while queue:
        u = queue.pop(0)
        for v in adj[u]:
            if dist[v] < 0:
                dist[v] = dist[u] + 1
                queue.append(v)
    return dist

def dfs_order(adj, src):
    seen = set()
    order = []
    stack = [src]
    while stack:
        u = stack.pop()
        if u in seen:
            continue
        seen.add(u)
        order.append(u)
        for v in reversed(adj[u]):
            if v not in seen:
                stack.append(v)
    return order

def main(adj: list[list[int]], src: int) -> tuple[list[int], list[int]]:
    return bfs(adj, src), dfs_order(adj, src)
