def find_first_above(rows, thresh):
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v > thresh:
                return r, c
    return -1, -1

def first_prime_after(n):
    k = n + 1
    while True:
        for d in range(2, k):
            if d * d > k:
                break
            if k % d == 0:
                break
        else:
            return k
        if all(k % d for d in range(2, k)):
            return k
        k += 1

def main(rows: list[list[int]], thresh: int, n: int) -> tuple[int, int, int]:
    r, c = find_first_above(rows, thresh)
    return r, c, first_prime_after(n)
