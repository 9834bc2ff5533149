"""Text typed into an input cell, read once by one policy: numbers typed as text (with the decimal comma or the
thousands separators of es-PE and es-ES, ambiguous ones refused) and justifications cleaned of control characters
(also as ``_xHHHH_`` escapes) and flagged when a spreadsheet could take them for a formula."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

# -- number text parsing ---------------------------------------------------------------------------------------
_SPACES = " \t\r\n\u00a0\u202f\u2007\u2009"
_PLAIN = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_AMBIGUOUS_DOT = re.compile(r"[1-9]\d{0,2}\.\d{3}")
_AMBIGUOUS_COMMA = re.compile(r"[1-9]\d{0,2},\d{3}")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
_ES_PE = re.compile(r"[1-9]\d{0,2}(?:[,']\d{3})+(?:\.\d+)?")
_ES_ES = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?")


@dataclass(frozen=True)
class ParsedText:
    """How a text was read as a number: ``value`` None when refused; ``how`` says which reading (Spanish)."""

    value: Decimal | None
    how: str
    percent: bool = False
    ambiguous: tuple[str, str] | None = None


def parse_number_text(text: str) -> ParsedText:
    """Read a number typed as text, only when it has exactly one reading (see the module docstring)."""
    t = text.strip(_SPACES)
    percent = False
    if t.endswith(("%", "％")):
        percent = True
        t = t[:-1].rstrip(_SPACES)
    if t[:2].upper() == "S/":
        t = t[2:].lstrip(".").strip(_SPACES)
    sign = ""
    if t[:1] in ("+", "-"):
        sign = "-" if t[0] == "-" else ""
        t = t[1:].strip(_SPACES)

    def dec(s: str) -> Decimal | None:
        try:
            d = Decimal(sign + s)
        except InvalidOperation:
            return None
        return d if d.is_finite() and math.isfinite(float(d)) else None

    if _AMBIGUOUS_DOT.fullmatch(t):
        return ParsedText(None, "ambiguo", percent, (t.replace(".", ""), t))
    if _AMBIGUOUS_COMMA.fullmatch(t):
        return ParsedText(None, "ambiguo", percent, (t.replace(",", ""), t.replace(",", ".")))
    if _PLAIN.fullmatch(t):
        return ParsedText(dec(t), "número con punto decimal", percent)
    if _DECIMAL_COMMA.fullmatch(t):
        return ParsedText(dec(t.replace(",", ".")), "coma como separador decimal", percent)
    if _ES_PE.fullmatch(t) and ("'" in t or "." in t or t.count(",") > 1):
        return ParsedText(dec(t.replace(",", "").replace("'", "")), "separador de miles y punto decimal", percent)
    if _ES_ES.fullmatch(t):
        return ParsedText(dec(t.replace(".", "").replace(",", ".")), "punto de miles y coma decimal", percent)
    return ParsedText(None, "no numérico", percent)


# control characters, and the invisible ones that reorder or hide text in the report (bidirectional overrides and
# isolates, zero-width space, word joiner, byte-order mark)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_INVISIBLE = "".join(map(chr, range(33))) + "\x7f\u00a0\u2007\u2009\u202f\u3000\u200b\u200c\u200d\u2060\ufeff" \
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def clean_text(text: str) -> tuple[str, int, str]:
    """(text without control characters, how many were removed, formula-like first character or "").

    OOXML escapes (``_x0007_``) left undecoded by the reader are decoded first; CR and CRLF become LF; tab and LF
    are kept inside the text. Outer whitespace is stripped after the formula-start check.
    """
    raw = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    # the first character, or the first one after blanks and invisible characters (a spreadsheet may drop those)
    start = next((ch for ch in (raw[:1], raw.lstrip(_INVISIBLE)[:1]) if ch and ch in FORMULA_STARTS), "")
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    cleaned, n = _CONTROL.subn("", raw)
    return cleaned.strip(), n, start


# -- small helpers ---------------------------------------------------------------------------------------------
def _short(value: Any, n: int = 120) -> Any:
    if isinstance(value, str) and len(value) > n:
        return value[: n - 1] + "…"
    return value


def _show(value: Any) -> str:
    """A cell value as a person would read it in a message."""
    if value is None:
        return "(vacío)"
    if isinstance(value, bool):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    return str(_short(value))


def _decimal(value: Any) -> Decimal | None:
    """A finite number cell as Decimal (floats through their shortest repr); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return Decimal(value)


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
