def topk(scores, k=3):
    idx = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)[:k]
    return idx, [scores[i] for i in idx]

def main(scores: list[int], k: int) -> tuple[list[int], list[int]]:
    indices, vals = topk(scores, k)
    return indices, vals
