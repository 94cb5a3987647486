def main(xs: list[int]) -> list[int]:
    out = [0]
    for x in xs:
        out.append(out[len(out) - 1] + x)
    return out
