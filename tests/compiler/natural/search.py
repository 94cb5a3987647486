"""Linear and binary search with while ... else and starred unpacking."""


def first_above(xs, limit):
    i = 0
    while i < len(xs):
        if xs[i] > limit:
            break
        i += 1
    else:
        return -1
    return i


def bisect(xs, target):
    lo, hi = 0, len(xs)
    while lo < hi:
        mid = (lo + hi) // 2
        if xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def main(xs: list[int], target: int) -> list[int]:
    head, *rest = xs
    return [first_above(xs, target), bisect(sorted(xs), target), head, len(rest)]
