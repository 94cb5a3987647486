"""A label table as a dict with int keys, iteration over its keys, and a computed-key lookup."""

LABELS = {0: 100, 3: 300, 7: 700, 12: 1200}


def lookup(code):
    return LABELS.get(code, -1)


def main(codes: list[int]) -> list[int]:
    found = [lookup(c) for c in codes]
    keys_total = sum(k for k in LABELS)
    return found + [keys_total, LABELS[7]]
