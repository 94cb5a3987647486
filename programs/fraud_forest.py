"""Fraud screening: a random forest of small decision trees over transaction features.

Input: ``features``, 12 transaction features in hundredths. Output: ``[flag, votes]``: flag 1
when the forest's averaged fraud probability reaches 50%, and the summed probability in
thousandths (the audit trail). Every tree is walked for the same number of steps whatever the
input (a leaf points to itself), so the cycle count does not depend on the private path.

Trained by programs/train.py on a synthetic, imbalanced data set (5% positives) that
scikit-learn's ``make_classification`` generates from a fixed seed.
"""

from zkvm.lang import load

FEATURE = load("fraud_forest.npz", "feature")  # trees x nodes: feature tested at each node
THRESHOLD = load("fraud_forest.npz", "threshold")  # go left when feature <= threshold
LEFT = load("fraud_forest.npz", "left")
RIGHT = load("fraud_forest.npz", "right")
VALUE = load("fraud_forest.npz", "value")  # leaf fraud probability in thousandths
DEPTH = 6


def tree_vote(t: int, x: list[int]) -> int:
    feature = FEATURE[t]
    threshold = THRESHOLD[t]
    left = LEFT[t]
    right = RIGHT[t]
    node = 0
    for _ in range(DEPTH):
        if x[feature[node]] <= threshold[node]:
            node = left[node]
        else:
            node = right[node]
    return VALUE[t][node]


def main(features: list[int]) -> list[int]:
    votes = 0
    for t in range(len(FEATURE)):
        votes += tree_vote(t, features)
    flag = 1 if 2 * votes >= 1000 * len(FEATURE) else 0
    return [flag, votes]
