"""Run-length encoding of a quantised signal, then decoding it back."""


def encode(xs):
    runs = []
    i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[i]:
            j += 1
        runs.append((xs[i], j - i + 1))
        i = j + 1
    return runs


def decode(runs):
    out = []
    for value, count in runs:
        out.extend([value] * count)
    return out


def main(signal: list[int]) -> list[int]:
    runs = encode(signal)
    flat = [x for run in runs for x in run]
    assert decode(runs) == signal
    longest = max(runs, key=lambda r: r[1])
    return [len(runs), *longest] + flat
