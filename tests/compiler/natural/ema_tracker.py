"""Exponential moving averages by a small class (alpha = 1/2**shift), and their crossings."""


class EMA:
    def __init__(self, shift, start=0):
        self.shift = shift
        self.start = start

    def update(self, value, x):
        return value + ((x - value) >> self.shift)

    def run(self, xs):
        value = self.start
        line = []
        for x in xs:
            value = self.update(value, x)
            line.append(value)
        return line


def main(prices: list[int]) -> list[list[int]]:
    fast = EMA(1)
    slow = EMA(3, start=prices[0])
    fast_line, slow_line = fast.run(prices), slow.run(prices)
    crossings = sum(1 for i in range(1, len(prices))
                    if (fast_line[i] > slow_line[i]) != (fast_line[i - 1] > slow_line[i - 1]))
    return [fast_line, slow_line, [crossings]]
