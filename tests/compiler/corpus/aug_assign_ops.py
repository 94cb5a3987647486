def main(a: int) -> list[int]:
    x = a
    x += 5
    y = x
    y -= 3
    z = y
    z *= -2
    w = z
    w //= 3
    v = w
    v %= 7
    xs = [1, 2]
    xs += [3]
    xs[0] += 10
    xs[1] *= xs[2]
    return [x, y, z, w, v] + xs
