"""What text every supported database can store and compare."""


def storable(text: str) -> bool:
    """Whether text can go to the database as text: PostgreSQL's holds no NUL, and no driver
    encodes a lone surrogate. A key that cannot be stored names no row, and sent to the
    database it would fail the whole request."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
