"""Simulate an LRU cache of feature rows: hits, misses and the final cache contents."""

CAPACITY = 3


def simulate(requests, capacity=CAPACITY):
    cache = []  # most recently used last
    hit = []
    for key in requests:
        if key in cache:
            hit.append(1)
            cache = [k for k in cache if k != key]
        else:
            hit.append(0)
            if len(cache) >= capacity:
                cache = cache[1:]
        cache.append(key)
    return hit, cache


def main(requests: list[int]) -> list[int]:
    hit, cache = simulate(requests)
    hits = sum(hit)
    return [hits, len(requests) - hits] + cache
