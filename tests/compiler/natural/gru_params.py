ONE = 1024


def hard_sigmoid(x):
    # 0.25*x + 0.5 clipped to [0, 1]
    y = (x >> 2) + ONE // 2
    return min(max(y, 0), ONE)


def hard_tanh(x):
    return min(max(x, -ONE), ONE)


def matvec(m, v):
    return [sum(a * b for a, b in zip(row, v)) // ONE for row in m]


def gru_step(x, h, params):
    Wz, Uz, Wr, Ur, Wh, Uh = params
    z = [hard_sigmoid(a + b) for a, b in zip(matvec(Wz, x), matvec(Uz, h))]
    r = [hard_sigmoid(a + b) for a, b in zip(matvec(Wr, x), matvec(Ur, h))]
    rh = [ri * hi // ONE for ri, hi in zip(r, h)]
    cand = [hard_tanh(a + b) for a, b in zip(matvec(Wh, x), matvec(Uh, rh))]
    return [(ONE - zi) * hi // ONE + zi * ci // ONE for zi, hi, ci in zip(z, h, cand)]


def main(xs: list[list[int]], wz: list[list[int]], uz: list[list[int]], wr: list[list[int]],
         ur: list[list[int]], wh: list[list[int]], uh: list[list[int]]) -> list[int]:
    h = [0] * len(uz)
    params = (wz, uz, wr, ur, wh, uh)
    for x in xs:
        h = gru_step(x, h, params)
    return h
