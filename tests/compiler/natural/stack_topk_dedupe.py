PRIORS = {"cat": 3, "dog": 5}

def top_k(scores, k=2):
    ranked = sorted(enumerate(scores), key=lambda p: (-p[1], p[0]))
    return [i for i, _ in ranked[:k]]

def normalize(row, lo=0):
    m = max(row)
    return [(v - lo) * 100 // (m - lo) if m > lo else 0 for v in row]

def main(rows: list[list[int]], drop: int):
    stack, seen = [], set()
    for r in rows:
        stack.append(normalize(r))
    out = []
    while stack:
        row = stack.pop()
        if row[0] in seen:
            continue
        seen.add(row[0])
        out.append(top_k(row))
    flat = [v for pair in out for v in pair]
    if drop in flat:
        flat.remove(drop)
    first, *rest = flat or [0]
    return first, rest[-3:], PRIORS["dog"] - len(seen)
