class RunningStats:
    def __init__(self):
        self.n = 0
        self.total = 0
        self.sq_total = 0
        self.lo = None
        self.hi = None

    def push(self, x):
        self.n += 1
        self.total += x
        self.sq_total += x * x
        if self.lo is None or x < self.lo:
            self.lo = x
        if self.hi is None or x > self.hi:
            self.hi = x

    def mean(self):
        return self.total // self.n

    def var(self):
        # n*sum(x^2) - sum(x)^2, over n^2
        return (self.n * self.sq_total - self.total * self.total) // (self.n * self.n)

def main(xs: list[int]) -> tuple[int, int, int, int]:
    rs = RunningStats()
    for x in xs:
        rs.push(x)
    return rs.mean(), rs.var(), rs.lo, rs.hi
