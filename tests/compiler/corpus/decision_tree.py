FEATURE = [0, 1, 2, -1, -1, -1, -1]
THRESHOLD = [50, 30, 70, 0, 0, 0, 0]
LEFT = [1, 3, 5, -1, -1, -1, -1]
RIGHT = [2, 4, 6, -1, -1, -1, -1]
VALUE = [0, 0, 0, 10, 20, 30, 40]


def predict(x: list[int]) -> int:
    node = 0
    while FEATURE[node] >= 0:
        if x[FEATURE[node]] <= THRESHOLD[node]:
            node = LEFT[node]
        else:
            node = RIGHT[node]
    return VALUE[node]


def main(xs: list[list[int]]) -> list[int]:
    return [predict(x) for x in xs]
