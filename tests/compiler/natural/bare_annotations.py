"""Helpers annotated the loose way many codebases do: bare list / tuple, no element types,
typing's names, postponed annotations."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import List, Optional, Tuple


def normalize(values: list, scale: int) -> list:
    top = max(values) or 1
    return [v * scale // top for v in values]


def stats(values: List) -> typing.Tuple[int, int, int]:
    return min(values), max(values), sum(values) // len(values)


def pairs(a: Sequence[int], b: tuple) -> list:
    return [x * y for x, y in zip(a, b)]


def main(readings: typing.List[int], weights: list[int]) -> tuple:
    scaled = normalize(readings, 100)
    low, high, mean = stats(scaled)
    score = sum(pairs(tuple(scaled), tuple(weights)))
    return low, high, mean, score
