"""What the benches' command lines share."""
from __future__ import annotations

import argparse


def at_least_one(text: str) -> int:
    """An argparse type: a whole number of 1 or more (a count of records, rounds …)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value
