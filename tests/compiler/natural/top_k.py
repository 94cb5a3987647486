"""The indices of the k largest scores, best first (stable for ties, as sorted is)."""


def top_k(scores, k=3):
    ranked = sorted(enumerate(scores), key=lambda pair: pair[1], reverse=True)
    return [i for i, _ in ranked[:k]]


def main(scores: list[int]) -> list[int]:
    return top_k(scores, k=3)
