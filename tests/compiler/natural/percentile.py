"""Percentiles with linear interpolation (numpy's default), in hundredths, plus the IQR."""


def percentile(values, q):
    """q in percent; the result is scaled by 100."""
    data = sorted(values)
    pos = (len(data) - 1) * q  # position scaled by 100
    lo, frac = divmod(pos, 100)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] * 100 + (data[hi] - data[lo]) * frac


def main(values: list[int]) -> list[int]:
    qs = [0, 10, 25, 50, 75, 90, 100]
    ps = [percentile(values, q) for q in qs]
    q1, q3 = ps[2], ps[4]
    iqr = q3 - q1
    outliers = [v for v in values if not q1 - 3 * iqr // 2 <= v * 100 <= q3 + 3 * iqr // 2]
    return ps + [iqr, len(outliers)] + outliers
