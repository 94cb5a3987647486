def step(v: int, k: int) -> int:
    return (v * 31 + k) % 1000


def main(seed: int, n: int) -> int:
    v = seed
    for k in range(n):
        v = step(v, k)
    return v
