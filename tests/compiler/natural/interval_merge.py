"""Merge overlapping detection intervals (start, end), then total covered length."""


def merge(intervals):
    ordered = sorted(intervals, key=lambda iv: (iv[0], iv[1]))
    merged = [list(ordered[0])]
    for start, end in ordered[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def main(starts: list[int], ends: list[int]) -> list[list[int]]:
    intervals = list(zip(starts, ends))
    merged = merge(intervals)
    covered = sum(e - s for s, e in merged)
    gaps = [b[0] - a[1] for a, b in zip(merged, merged[1:])]
    return merged + [[covered, len(merged)], gaps]
