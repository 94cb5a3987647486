def beam_search(log_probs, beam_width=2):
    # log_probs[t][token] : score (scaled log-prob, higher is better)
    beams = [((), 0)]
    for step in log_probs:
        candidates = []
        for seq, score in beams:
            for tok, lp in enumerate(step):
                candidates.append((seq + (tok,), score + lp))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = candidates[:beam_width]
    return beams


def main(log_probs: list[list[int]], beam_width: int) -> tuple[list[int], int, list[int]]:
    beams = beam_search(log_probs, beam_width)
    best_seq, best_score = beams[0]
    all_scores = [s for _, s in beams]
    return list(best_seq), best_score, all_scores
