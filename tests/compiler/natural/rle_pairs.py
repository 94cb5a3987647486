def rle_encode(xs):
    if not xs:
        return []
    out = []
    cur, cnt = xs[0], 1
    for x in xs[1:]:
        if x == cur:
            cnt += 1
        else:
            out.append((cur, cnt))
            cur, cnt = x, 1
    out.append((cur, cnt))
    return out

def rle_decode(pairs):
    res = []
    for v, c in pairs:
        res.extend([v] * c)
    return res

def main(xs: list[int]) -> tuple[list[int], int]:
    enc = rle_encode(xs)
    flat = [a for pair in enc for a in pair]
    ok = 1 if rle_decode(enc) == xs else 0
    return flat, ok
