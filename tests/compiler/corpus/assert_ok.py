def main(x: int) -> int:
    assert x > 0
    assert x < 100, "too big"
    return x * 2
