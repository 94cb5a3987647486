"""One-hot encoding and decoding, membership tests, list() and reversed()."""

VOCAB = (3, 7, 11, 42)


def encode(token):
    return [1 if token == v else 0 for v in VOCAB]


def main(tokens: list[int]) -> list[int]:
    known = [t for t in tokens if t in VOCAB]
    codes = [encode(t) for t in known]
    backwards = list(reversed(known))
    return [len(known), sum(sum(c) for c in codes)] + backwards + [int(5 not in tokens)]
