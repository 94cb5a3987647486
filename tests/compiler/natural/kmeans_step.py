"""One k-means step on 2-D points: assign to the nearest centroid, then move centroids."""


def sq_dist(p, q):
    return (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2


def assign(points, centroids):
    return [min(range(len(centroids)), key=lambda c: sq_dist(p, centroids[c])) for p in points]


def update(points, labels, centroids):
    new = []
    for c, old in enumerate(centroids):
        members = [p for p, label in zip(points, labels) if label == c]
        if not members:
            new.append(old)
            continue
        n = len(members)
        new.append([sum(p[0] for p in members) // n, sum(p[1] for p in members) // n])
    return new


def main(points: list[list[int]], centroids: list[list[int]]) -> list[list[int]]:
    labels = assign(points, centroids)
    moved = update(points, labels, centroids)
    inertia = sum(sq_dist(p, moved[l]) for p, l in zip(points, labels))
    return [labels, [inertia]] + moved
