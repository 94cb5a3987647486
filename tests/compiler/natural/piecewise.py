"""A piecewise-linear activation from a breakpoint table, checks with any/all, for ... else."""

BREAKS = ((-512, -256), (-128, -120), (0, 0), (128, 120), (512, 256))


def activation(x):
    for (x0, y0), (x1, y1) in zip(BREAKS, BREAKS[1:]):
        if x0 <= x <= x1:
            return y0 + (x - x0) * (y1 - y0) // (x1 - x0)
    else:
        return BREAKS[0][1] if x < BREAKS[0][0] else BREAKS[-1][1]


def main(xs: list[int]) -> list[int]:
    ys = [activation(x) for x in xs]
    return ys + [int(all(y >= -256 for y in ys)), int(any(y == 0 for y in ys))]
