"""Text every store can keep: PostgreSQL refuses NUL; no encoder takes a lone surrogate."""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def scrubbed(value: str, longest: int | None = None) -> str:
    """value with what no store keeps replaced by U+FFFD, cut to longest characters."""
    clean = UNSTORABLE.sub("\ufffd", value)
    return clean if longest is None else clean[:longest]
