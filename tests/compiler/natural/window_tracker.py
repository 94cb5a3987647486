class RunningStats:
    def __init__(self):
        self.count = 0
        self.total = 0
        self.min_val = None
        self.max_val = None

    def update(self, x):
        self.count += 1
        self.total += x
        if self.min_val is None or x < self.min_val:
            self.min_val = x
        if self.max_val is None or x > self.max_val:
            self.max_val = x

    def mean(self):
        return self.total // self.count if self.count else 0

    def summary(self):
        return (self.min_val, self.max_val, self.mean())


def main(stream: list[int], window: int) -> tuple[list[int], list[int]]:
    overall = RunningStats()
    for x in stream:
        overall.update(x)
    windows = []
    for i in range(0, len(stream), window):
        st = RunningStats()
        for x in stream[i:i + window]:
            st.update(x)
        lo, hi, avg = st.summary()
        windows.append(hi - lo + avg)
    return list(overall.summary()), windows
