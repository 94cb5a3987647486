WEIGHTS = {
    "income": 35,
    "debt_ratio": -60,
    "age": 8,
    "late_payments": -120,
    "years_employed": 20,
}
BIAS = -500
FEATURE_ORDER = ["income", "debt_ratio", "age", "late_payments", "years_employed"]


def sigmoid_fp(z):
    # piecewise-linear sigmoid, z scaled by 100, output scaled by 1000
    if z <= -400:
        return 0
    if z >= 400:
        return 1000
    return 500 + z * 125 // 100


def score(applicant):
    z = BIAS
    for name, w in WEIGHTS.items():
        z += w * applicant[name]
    return sigmoid_fp(z // 10)


def main(applicants: list[list[int]], threshold: int) -> tuple[list[int], list[int]]:
    probs = []
    decisions = []
    for row in applicants:
        applicant = dict(zip(FEATURE_ORDER, row))
        p = score(applicant)
        probs.append(p)
        decisions.append(int(p >= threshold))
    return probs, decisions
