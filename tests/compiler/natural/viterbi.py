"""Viterbi decoding of a 3-state HMM with integer log scores."""

START = [-1, -2, -3]
TRANS = [[-1, -3, -4], [-3, -1, -3], [-4, -3, -1]]
EMIT = [[-1, -4, -5, -6], [-5, -1, -5, -3], [-6, -4, -1, -2]]


def viterbi(obs):
    n_states = len(START)
    score = [START[s] + EMIT[s][obs[0]] for s in range(n_states)]
    back = []
    for o in obs[1:]:
        pointers, new_score = [], []
        for s in range(n_states):
            prev = max(range(n_states), key=lambda p: score[p] + TRANS[p][s])
            pointers.append(prev)
            new_score.append(score[prev] + TRANS[prev][s] + EMIT[s][o])
        back.append(pointers)
        score = new_score
    state = max(range(n_states), key=lambda s: score[s])
    path = [state]
    for pointers in reversed(back):
        state = pointers[state]
        path.append(state)
    path.reverse()
    return path, score


def main(observations: list[int]) -> list[int]:
    path, final = viterbi(observations)
    return [max(final), *path]
