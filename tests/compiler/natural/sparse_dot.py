"""Sparse vectors as sorted (index, value) pairs: dot products by a merge, and a weight dict."""

WEIGHTS = {0: 3, 4: -2, 7: 5, 9: 1}


def to_sparse(dense):
    return [(i, v) for i, v in enumerate(dense) if v != 0]


def sparse_dot(a, b):
    i = j = 0
    total = 0
    while i < len(a) and j < len(b):
        ia, va = a[i]
        ib, vb = b[j]
        if ia == ib:
            total += va * vb
            i += 1
            j += 1
        elif ia < ib:
            i += 1
        else:
            j += 1
    return total


def weighted(sparse):
    return sum(WEIGHTS.get(i, 0) * v for i, v in sparse)


def main(x: list[int], y: list[int]) -> list[int]:
    sx, sy = to_sparse(x), to_sparse(y)
    hits = sum(1 for i, _ in sx if i in WEIGHTS)
    return [sparse_dot(sx, sy), weighted(sx), weighted(sy), len(sx), len(sy), hits]
