"""A module docstring."""


def main(x: int) -> int:
    """A function docstring."""
    if x > 0:
        pass
    else:
        pass
    return x
