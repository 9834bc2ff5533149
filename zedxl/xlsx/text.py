"""Text as an Excel cell holds it: at most 32,767 UTF-16 code units, never read as a formula.

Excel counts a cell's length in UTF-16 units, so a character above U+FFFF (an emoji) counts two. XlsxWriter
truncates a longer string itself, silently; cutting it here first means what zedxl writes, fingerprints and
compares is exactly what the cell holds. Formula-looking text stays text because every workbook is opened with
``strings_to_formulas`` off and strings go through ``write_string``.
"""

from __future__ import annotations

from zedxl.fmt import undecodable_escaped

MAX_CELL_TEXT = 32767
"""Excel's limit of a cell's text, in UTF-16 code units."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (a character above U+FFFF counts two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_truncate(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` UTF-16 units, never half of a character."""
    if len(text) <= limit // 2 or utf16_len(text) <= limit:  # (the first test: cannot be over, no need to count)
        return text
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return text[:i]
    return text


def safe_text(value: str) -> str:
    """Text as it must be stored in a cell: within Excel's 32,767 UTF-16 units, valid Unicode (a file name's bytes
    that are not UTF-8 as ``\\xNN``: ``fmt.undecodable_escaped``)."""
    return utf16_truncate(undecodable_escaped(value), MAX_CELL_TEXT)


__all__ = ["MAX_CELL_TEXT", "safe_text", "utf16_len", "utf16_truncate"]
