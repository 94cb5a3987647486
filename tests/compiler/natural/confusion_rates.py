def confusion_matrix(y_true, y_pred, n_classes):
    m = [[0] * n_classes for _ in range(n_classes)]
    for t, p in zip(y_true, y_pred):
        m[t][p] += 1
    return m


def per_class_recall(m):
    recalls = []
    for i, row in enumerate(m):
        total = sum(row)
        recalls.append(row[i] * 1000 // total if total else 0)
    return recalls


def main(y_true: list[int], y_pred: list[int], n_classes: int) -> tuple[list[list[int]], list[int], int]:
    m = confusion_matrix(y_true, y_pred, n_classes)
    correct = sum(m[i][i] for i in range(n_classes))
    acc = correct * 1000 // len(y_true)
    return m, per_class_recall(m), acc
