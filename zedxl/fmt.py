"""Number formatting for people: Peruvian amounts (S/ 4'821,520.00), percentages and quantities."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from zedxl.rules import round2


def money(value: Decimal | None, symbol: bool = True) -> str:
    """S/ 4'821,520.00: apostrophe for millions, comma for thousands, dot for decimals (half-up)."""
    if value is None:
        return ""
    q = round2(value)
    assert q is not None
    sign = "-" if q < 0 else ""
    head, comma, tail = f"{abs(q):,.2f}".rpartition(",")
    out = sign + head.replace(",", "'") + comma + tail  # the last separator a comma, the others apostrophes
    return f"S/ {out}" if symbol else out


def pct(value: Decimal | None, empty: str = "") -> str:
    """66.67 (half-up, two decimals); ``empty`` when there is no value."""
    if value is None:
        return empty
    return f"{round2(value):.2f}"


def qty(value: Decimal | None, empty: str = "") -> str:
    """A physical quantity as typed: 4.2 → '4.2', 4 → '4', 10.40 → '10.4'."""
    if value is None:
        return empty
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def num1(value: Decimal | None) -> str:
    """One decimal, as the seed's office table prints (5.0, 10.4)."""
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.1')):.1f}"


def count(n: int, singular: str, plural: str) -> str:
    """«1 error», «0 errores», «3 avisos»: a count with the noun in the right number."""
    return f"{n} {singular if n == 1 else plural}"


def printable(text: str) -> str:
    """``text`` safe to show on one line: control, line-break and invisible format characters (bidirectional
    overrides, zero-width ones) written as ``\\uXXXX``, so a name taken from a file cannot fake or hide output;
    the bytes of a name that is not UTF-8 as ``\\xNN`` (``undecodable_escaped``)."""
    if text.isprintable():
        return text
    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                   for ch in undecodable_escaped(text))


def undecodable_escaped(text: str) -> str:
    """``text`` as valid Unicode, to print or store: a file name that is not UTF-8 reaches Python with each bad
    byte as a lone surrogate (``os.fsdecode``), which no UTF-8 file, terminal or SQLite text can hold; such a byte
    is written ``\\xNN`` (any other lone surrogate ``\\udXXX``)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    return "".join(f"\\x{ord(ch) - 0xDC00:02x}" if "\udc80" <= ch <= "\udcff" else
                   f"\\u{ord(ch):04x}" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def valid_text(doc: Any) -> Any:
    """A JSON document whose texts (file names among them) are valid Unicode (``undecodable_escaped``, as the ledger
    stores them): a JSON output must be UTF-8 whatever a file was called."""
    if isinstance(doc, str):
        return undecodable_escaped(doc)
    if isinstance(doc, dict):
        return {valid_text(k): valid_text(v) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
        return [valid_text(v) for v in doc]
    return doc


def match_key(text: Any) -> str:
    """How a header or label a person typed is matched: accents, case, spaces and punctuation aside («Código AO» =
    «CODIGO  AO», «F(SE) 01» = «f se 01», «Unidad (U.M.)» = «unidad u m»); «%» is kept."""
    decomposed = unicodedata.normalize("NFKD", str(text if text is not None else ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^0-9a-z%]+", " ", plain).split())
