"""Conversions between zero-based (row_idx, col_idx) used in code and A1 references shown to people."""

from __future__ import annotations

import re

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
_A1_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


def col_letter(col_idx: int) -> str:
    """Zero-based column index to letters: 0 -> 'A', 26 -> 'AA'."""
    if col_idx < 0:
        raise ValueError(f"negative column index {col_idx}")
    letters = ""
    n = col_idx + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """Column letters to zero-based index: 'A' -> 0, 'XFD' -> 16383."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"invalid column letters {letters!r}")
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def to_a1(row_idx: int, col_idx: int, absolute: bool = False) -> str:
    """Zero-based (row, col) to 'C12' (or '$C$12')."""
    if row_idx < 0:
        raise ValueError(f"negative row index {row_idx}")
    dollar = "$" if absolute else ""
    return f"{dollar}{col_letter(col_idx)}{dollar}{row_idx + 1}"


def from_a1(ref: str) -> tuple[int, int]:
    """'C12' (or '$C$12') to zero-based (row, col)."""
    m = _A1_RE.match(ref.strip())
    if not m:
        raise ValueError(f"invalid cell reference {ref!r}")
    return int(m.group(2)) - 1, col_index(m.group(1))


def quote_sheet(name: str) -> str:
    """Sheet name as it must appear in a formula: 'OEI.01' -> "'OEI.01'"."""
    return "'" + name.replace("'", "''") + "'"


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def clean_sheet_name(name: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ characters, no leading/trailing apostrophe, at most 31 chars."""
    cleaned = _BAD_SHEET_CHARS.sub("_", name).strip().strip("'")
    return (cleaned or "Hoja")[:31]
