"""bool parameters of main: JSON true/false become 1/0."""


def pick(flag: bool, a: int, b: int) -> int:
    return a if flag else b


def main(flag: bool, strict: bool, x: int) -> list[int]:
    y = x * 2 if flag else x
    z = 0
    if strict and not flag:
        z = 1
    return [y, z, flag + 1, pick(strict, 10, 20), flag, not strict]
