FEATS = [[1, 2], [2, 1], [8, 9], [9, 8], [5, 5], [4, 6], [1, 1], [9, 9]]
LABELS = [0, 0, 1, 1, 2, 2, 0, 1]

def sqdist(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b))

def knn_predict(q, k=3):
    dists = [(sqdist(q, feat), label) for feat, label in zip(FEATS, LABELS)]
    dists.sort()
    votes = {}
    for d, lab in dists[:k]:
        votes[lab] = votes.get(lab, 0) + 1
    best = max(votes.items(), key=lambda kv: (kv[1], -kv[0]))
    return best[0]

def bfs(adj, start):
    seen = {start}
    queue = [start]
    order = []
    while queue:
        u = queue.pop(0)
        order.append(u)
        for v, edge in enumerate(adj[u]):
            if edge and v not in seen:
                seen.add(v)
                queue.append(v)
    return order, len(seen)

def main(queries: list[list[int]], k: int, adj: list[list[int]]) -> list[int]:
    order, n = bfs(adj, 0)
    return [knn_predict(q, k=k) for q in queries] + order + [n]
