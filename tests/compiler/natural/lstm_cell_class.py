Q = 128

def sig(x):
    return min(Q, max(0, x // 4 + Q // 2))

def tanh_pl(x):
    return min(Q, max(-Q, x))

class LSTMCell:
    def __init__(self, wi, wf, wo, wg, hidden=2):
        self.wi = wi
        self.wf = wf
        self.wo = wo
        self.wg = wg
        self.hidden = hidden

    def gate(self, w, xh, act):
        return [act(sum(a * b for a, b in zip(row, xh)) // Q) for row in w]

    def step(self, x, h, c):
        xh = x + h
        i = self.gate(self.wi, xh, sig)
        f = self.gate(self.wf, xh, sig)
        o = self.gate(self.wo, xh, sig)
        g = self.gate(self.wg, xh, tanh_pl)
        c2 = [(fj * cj + ij * gj) // Q for fj, cj, ij, gj in zip(f, c, i, g)]
        h2 = [oj * tanh_pl(cj) // Q for oj, cj in zip(o, c2)]
        return h2, c2

def main(seq: list[list[int]]) -> tuple[list[int], list[int]]:
    cell = LSTMCell(
        wi=[[60, -20, 10, 5], [10, 40, -5, 20]],
        wf=[[100, 0, 20, 20], [0, 100, 20, 20]],
        wo=[[30, 30, 0, 0], [-30, 60, 10, 0]],
        wg=[[128, -64, 32, 0], [64, 64, 0, 32]],
    )
    h, c = [0] * cell.hidden, [0] * cell.hidden
    for x in seq:
        h, c = cell.step(x, h, c)
    return h, c
