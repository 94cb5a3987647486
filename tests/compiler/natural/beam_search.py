"""Beam search over a tiny bigram model (log-probabilities as negative ints)."""

VOCAB = 4
# SCORES[prev][next]: a higher score is more likely
SCORES = [
    [-1, -3, -2, -6],
    [-4, -1, -5, -2],
    [-2, -2, -1, -3],
    [-5, -1, -3, -1],
]


def step(beams, width):
    """Each beam is [score, tok0, tok1, ...]."""
    candidates = []
    for beam in beams:
        score, seq = beam[0], beam[1:]
        last = seq[-1]
        for tok in range(VOCAB):
            candidates.append([score + SCORES[last][tok]] + seq + [tok])
    candidates.sort(key=lambda c: c[0], reverse=True)
    return candidates[:width]


def main(start: int, length: int, width: int) -> list[int]:
    beams = [[0, start]]
    for _ in range(length):
        beams = step(beams, width)
    return beams[0]
