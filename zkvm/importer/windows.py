"""Index tables for sliding-window operators (Conv, MaxPool, AveragePool) on a flat CHW list.

A window operator reads, for each output position, a fixed set of input positions: the table
holds those flat indices, one row per output position. Positions in the padding are index
``C * H * W`` (one past the input): the program appends a zero there for Conv and AveragePool,
and MaxPool's table repeats a position inside the window instead (padding never wins a max).
The same tables drive the float reference (reference.py) and the written program, and the
reference is checked against onnxruntime.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Window:
    """A 2-D window geometry over a (C, H, W) input."""

    channels: int
    height: int
    width: int
    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]  # top, left, bottom, right
    dilations: tuple[int, int]
    ceil_mode: bool = False

    @property
    def out_height(self) -> int:
        return self._out(self.height, self.pads[0], self.pads[2], self.kernel[0], self.strides[0], self.dilations[0])

    @property
    def out_width(self) -> int:
        return self._out(self.width, self.pads[1], self.pads[3], self.kernel[1], self.strides[1], self.dilations[1])

    def _out(self, size: int, begin: int, end: int, k: int, s: int, d: int) -> int:
        span = size + begin + end - d * (k - 1) - 1
        if span < 0:
            raise ValueError("the window is larger than the padded input")
        n = (math.ceil(span / s) if self.ceil_mode else span // s) + 1
        if self.ceil_mode and (n - 1) * s >= size + begin:  # the last window must start inside
            n -= 1
        return n

    @property
    def pad_index(self) -> int:
        return self.channels * self.height * self.width

    def positions(self, channel: int) -> np.ndarray:
        """(out positions, kh * kw) flat input indices of ``channel``'s windows (pad_index in the padding)."""
        kh, kw = self.kernel
        rows = []
        for oy in range(self.out_height):
            for ox in range(self.out_width):
                row = []
                for dy in range(kh):
                    for dx in range(kw):
                        y = oy * self.strides[0] - self.pads[0] + dy * self.dilations[0]
                        x = ox * self.strides[1] - self.pads[1] + dx * self.dilations[1]
                        inside = 0 <= y < self.height and 0 <= x < self.width
                        row.append((channel * self.height + y) * self.width + x if inside else self.pad_index)
                rows.append(row)
        return np.array(rows, dtype=np.int64).reshape(self.out_height * self.out_width, kh * kw)

    def conv_taps(self) -> np.ndarray:
        """(out positions, C * kh * kw): every channel's window of a position, channel-major (the
        order of a Conv weight's (C, kh, kw) flattened)."""
        return np.concatenate([self.positions(c) for c in range(self.channels)], axis=1)

    def pool_taps(self) -> np.ndarray:
        """(C * out positions, kh * kw): each channel's windows, channel after channel."""
        return np.concatenate([self.positions(c) for c in range(self.channels)], axis=0)


def max_pool_taps(w: Window) -> np.ndarray:
    """Pool taps whose padding repeats a position inside the window (a max ignores padding)."""
    taps = w.pool_taps()
    out = taps.copy()
    for r in range(len(out)):
        inside = out[r][out[r] != w.pad_index]
        if inside.size == 0:
            raise ValueError("a pooling window lies entirely in the padding")
        out[r][out[r] == w.pad_index] = inside[0]
    return out
