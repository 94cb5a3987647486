def pack4(vals):
    words = []
    for i in range(0, len(vals), 8):
        w = 0
        for j, v in enumerate(vals[i:i + 8]):
            w |= (v & 0xF) << (4 * j)
        words.append(w)
    return words

def unpack4(words, n):
    out = []
    for w in words:
        for j in range(8):
            if len(out) == n:
                break
            nib = (w >> (4 * j)) & 0xF
            if nib >= 8:
                nib -= 16
            out.append(nib)
    return out

def main(vals: list[int]) -> tuple[list[int], list[int]]:
    words = pack4(vals)
    back = unpack4(words, len(vals))
    return words, back
