W = [120, -45, 300, 15]
BIAS = -2000
THRESHOLD = 0


def main(applicant: list[int]) -> int:
    score = BIAS
    for i in range(len(W)):
        score += W[i] * applicant[i]
    return 1 if score > THRESHOLD else 0
