class MLP:
    def __init__(self, w1, b1, w2, b2, shift=8):
        self.w1 = w1
        self.b1 = b1
        self.w2 = w2
        self.b2 = b2
        self.shift = shift

    @staticmethod
    def relu(v):
        return [max(0, a) for a in v]

    def linear(self, x, w, b):
        return [(sum(xi * wij for xi, wij in zip(x, row)) + bi) >> self.shift for row, bi in zip(w, b)]

    def forward(self, x):
        h = self.relu(self.linear(x, self.w1, self.b1))
        return self.linear(h, self.w2, self.b2)

    def predict(self, x):
        logits = self.forward(x)
        return logits.index(max(logits))


def main(x: list[list[int]], w1: list[list[int]], b1: list[int], w2: list[list[int]], b2: list[int]) -> tuple[list[int], list[int]]:
    model = MLP(w1, b1, w2, b2)
    preds = [model.predict(xi) for xi in x]
    last_logits = model.forward(x[-1])
    return preds, last_logits
