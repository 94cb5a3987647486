# transition log-probs (scaled ints): TRANS[prev][next]
TRANS = [
    [-1, -5, -3, -9],
    [-4, -1, -6, -2],
    [-2, -8, -1, -3],
    [-7, -2, -4, -1],
]

def beam_search(emissions, beam_width=2):
    beams = [(0, [0])]
    for em in emissions:
        cand = []
        for score, seq in beams:
            last = seq[-1]
            for tok in range(len(em)):
                cand.append((score + TRANS[last][tok] + em[tok], seq + [tok]))
        cand.sort(key=lambda c: -c[0])
        beams = cand[:beam_width]
    best_score, best_seq = beams[0]
    return best_seq[1:], best_score

def main(emissions: list[list[int]], width: int) -> tuple[list[int], int]:
    return beam_search(emissions, beam_width=width)
