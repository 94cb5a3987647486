def argmax(xs: list[int]) -> int:
    best = 0
    for i in range(1, len(xs)):
        if xs[i] > xs[best]:
            best = i
    return best


def main(scores: list[int]) -> int:
    return argmax(scores)
