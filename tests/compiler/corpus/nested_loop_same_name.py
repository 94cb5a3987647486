"""A loop inside another loop over the same name leaves its last value to the rest of the
outer body (so it cannot use the variable itself as its counter, which ends one past it)."""


def main(ys: list[int], k: int) -> list[int]:
    out = []
    for i in range(0, 3):
        for i in range(len(ys)):
            k += 1
        out.append(i)
        for i in range(2):
            for i in range(4):
                pass
            out.append(i * 10)
        for i in range(i, i + 2):
            out.append(i)
    for j in range(3):
        for j in range(5):
            k += j
        for j in range(j, j + 1):
            out.append(j)
    t = 0
    for i in range(2):
        for i in range(len(ys)):
            t += ys[i] * ys[i]
        out.append(i)
    return out + [k, t]
