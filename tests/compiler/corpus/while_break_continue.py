def main(n: int) -> list[int]:
    out = []
    i = 0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        if i > 14:
            break
        out.append(i)
    return out
