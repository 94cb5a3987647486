"""Confusion matrix, per-class precision and recall (in per mille) and accuracy."""


def confusion(y_true, y_pred, n_classes):
    m = [[0] * n_classes for _ in range(n_classes)]
    for t, p in zip(y_true, y_pred):
        m[t][p] += 1
    return m


def precision_recall(m):
    n = len(m)
    precision, recall = [], []
    for c in range(n):
        tp = m[c][c]
        predicted = sum(m[r][c] for r in range(n))
        actual = sum(m[c])
        precision.append(tp * 1000 // predicted if predicted else 0)
        recall.append(tp * 1000 // actual if actual else 0)
    return precision, recall


def main(y_true: list[int], y_pred: list[int]) -> list[list[int]]:
    n_classes = max(max(y_true), max(y_pred)) + 1
    m = confusion(y_true, y_pred, n_classes)
    precision, recall = precision_recall(m)
    correct = sum(m[i][i] for i in range(n_classes))
    return m + [precision, recall, [correct * 1000 // len(y_true)]]
