def bucketize(values, edges):
    counts = [0] * (len(edges) + 1)
    for v in values:
        for i, e in enumerate(edges):
            if v < e:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
    return counts

def main(values: list[int], edges: list[int]) -> tuple[list[int], int]:
    counts = bucketize(values, edges)
    mode_bucket = max(enumerate(counts), key=lambda p: p[1])[0]
    return counts, mode_bucket
