START = [-1, -2]
TRANS = [[-1, -3], [-2, -1]]
EMIT = [[-1, -4, -2], [-3, -1, -2]]
NEG_INF = -10**6

def viterbi(obs):
    n_states = len(START)
    V = [[START[s] + EMIT[s][obs[0]] for s in range(n_states)]]
    back = [[0] * n_states]
    for t in range(1, len(obs)):
        row = []
        bp = []
        for s in range(n_states):
            best, arg = NEG_INF, -1
            for p in range(n_states):
                v = V[t - 1][p] + TRANS[p][s]
                if v > best:
                    best, arg = v, p
            row.append(best + EMIT[s][obs[t]])
            bp.append(arg)
        V.append(row)
        back.append(bp)
    last = max(range(n_states), key=lambda s: V[-1][s])
    path = [last]
    for t in range(len(obs) - 1, 0, -1):
        path.append(back[t][path[-1]])
    path.reverse()
    return path, V[-1][last]

def main(obs: list[int]) -> tuple[list[int], int]:
    return viterbi(obs)
