"""Reading the filters of a list's query string (HTML pages and the API): a value that cannot be what the
filter takes is no filter at all, never a server error."""

MAX_ID = 2**63 - 1


def id_value(value) -> int | None:
    """An id filter as an int, or None for anything but a plain positive number within bigint."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
