"""Credit scoring: a logistic model whose decision is compared with a public threshold.

Input: ``features``, the applicant's 30 features as z-scores in hundredths (the bank's usual
preprocessing; 1.25 standard deviations is 125). Output: 1 (approve) or 0 (decline). Only the
decision is public; the score and the features stay private.

The approval threshold is a constant of the program, so it is part of the program hash that
every verifier checks: changing it changes the program. The weights come from programs/train.py,
which fits the model on scikit-learn's bundled breast-cancer table as a stand-in (no credit
dataset ships inside a PyPI package); the label "benign" plays the role of "repays".
"""

from zkvm.lang import load

WEIGHTS = load("credit_logistic.npz", "W")  # scale 1000 (features at scale 100)
BIAS = load("credit_logistic.npz", "B")[0]  # scale 100000
APPROVAL_THRESHOLD = 0  # score scale 100000: log-odds 0, a repayment probability of 50%


def score(features: list[int]) -> int:
    total = BIAS
    for i in range(len(WEIGHTS)):
        total += WEIGHTS[i] * features[i]
    return total


def main(features: list[int]) -> int:
    assert len(features) == len(WEIGHTS), "expected one value per feature"
    for f in features:
        assert -100000 <= f <= 100000, "a feature is out of range"
    return 1 if score(features) >= APPROVAL_THRESHOLD else 0
