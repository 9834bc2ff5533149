"""A returned office workbook as zedxl reads it: cell records made from intake's bounded scan, nothing else.

This is the one reader of a return. ``zedxl.intake.inspect(..., keep_cells=True)`` has already bounded, checked and
scanned every part; here its cells become records that ``office_read`` checks. No other library opens the file
(openpyxl and python-calamine read the same files in the tests, as independent oracles).

The contract, what a ``Cell`` holds (one per ``<c>``):

* ``value``: ``None`` (no value), ``int``/``float`` (a number: a float when its text has a point or an
  exponent), ``str`` (shared, inline or formula-result text, as stored: ``_xHHHH_`` escapes are left for
  ``input_text.clean_text``), ``bool``, ``datetime``/``time``/``timedelta`` (a number whose style's number format
  is a date, time or duration, or an ISO ``t="d"`` cell), the error text (``#N/A``…) or, for a formula cell, its
  text with a leading ``=`` (shared formulas translated to their cell);
* ``data_type``: ``"n"`` number, ``"s"`` text, ``"b"`` boolean, ``"d"`` date, ``"e"`` error, ``"f"`` formula;
* ``number_format``: the format code of the cell's style (built-in codes by id).

A value that its type cannot hold (``t="b"`` with ``x``, an ISO date that is none, a serial date out of range)
becomes the error ``#VALUE!``, which ``office_read`` refuses naming the cell. A sheet holds its cells by zero-based
(row, col), its state and merged ranges; a book its sheets in order and its ``zedxl_*`` custom properties.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from xml.parsers import expat

from zedxl.a1 import from_a1
from zedxl.intake import Deadline, Intake, xml_text

#: Excel's built-in number formats by id (ECMA-376 Part 1, 18.8.30); any other id without a custom code is General.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)', 7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy",
    16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)", 40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)', 42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)', 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0",
    48: "##0.0E+0", 49: "@",
}

_LITERALS = re.compile(r'"[^"]*"|\\.|\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]', re.I)
_DATE_PARTS = re.compile(r"[dmyhs]", re.I)
_DURATION = re.compile(r"\[(?:h+|m+|s+)\]", re.I)
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
VALUE_ERROR = "#VALUE!"


def is_date_format(code: str) -> bool:
    """True when a number format shows a date, a time or a duration (its codes outside quotes, escapes and
    bracketed colours or locales hold d, m, y, h or s)."""
    if code == "General":
        return False
    return bool(_DATE_PARTS.search(_LITERALS.sub("", code.split(";")[0])))


def from_serial(number: float, date1904: bool, duration: bool) -> dt.datetime | dt.time | dt.timedelta:
    """A date serial as Excel shows it: a duration, a time of day (below 1), or a date and time (the 1900 system's
    phantom 29 February 1900 skipped below serial 60). Raises ``OverflowError``/``ValueError`` out of range."""
    days, fraction = divmod(number, 1)
    delta = dt.timedelta(milliseconds=round(fraction * 86_400_000))
    if duration:
        return dt.timedelta(days=days) + delta
    if 0 <= number < 1 and delta.days == 0:
        return (dt.datetime.min + delta).time()
    if not date1904 and 0 < number < 60:
        days += 1
    return (_EPOCH_1904 if date1904 else _EPOCH_1900) + dt.timedelta(days=days) + delta


class Cell(NamedTuple):
    value: Any
    data_type: str
    number_format: str


@dataclass(frozen=True)
class Range:
    """A merged range, one-based and inclusive as spreadsheets count, with its A1 text."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int
    coord: str


@dataclass
class Sheet:
    title: str
    sheet_state: str
    kind: str
    cells0: dict[tuple[int, int], Cell]
    merged: list[Range] = field(default_factory=list)


@dataclass
class Book:
    sheets: dict[str, Sheet]
    properties: dict[str, str]  # zedxl_* custom properties without the prefix, as text

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def __getitem__(self, name: str) -> Sheet:
        return self.sheets[name]


class UnreadableError(ValueError):
    """A part of a file intake cleared that still cannot be read as the contract says (the message says why)."""


def read_book(path: Path, intake: Intake, data: bytes | None, property_prefix: str) -> Book:
    """The records of every sheet of a file ``intake`` cleared (``keep_cells=True``), from ``intake.cells``. Raises
    ``UnreadableError`` for what the contract cannot hold (a shared string index past the table, say).
    """
    assert intake.safe
    xf_ids, custom_items = intake.number_formats or ((), ())  # no styles part (it is optional): all General
    custom = dict(custom_items)
    formats = [custom.get(i) or BUILTIN_FORMATS.get(i, "General") for i in xf_ids] or ["General"]
    styles = _styles(tuple(formats))
    try:
        sst: list[str] = []
        if intake.shared_strings_part:  # from the parts intake kept (read whole and CRC-checked there), else the zip
            raw = (intake.parts or {}).get(intake.shared_strings_part)
            if raw is None:
                with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as z:
                    raw = z.read(intake.shared_strings_part)
            sst = _shared_strings(raw)
        kept = intake.cells or {}
        sheets: dict[str, Sheet] = {}
        for info in intake.sheets:
            _keep_to(intake.deadline)  # each step is bounded by intake's limits; together they keep to its clock
            facts = kept.get(info.name, ()) if info.kind == "worksheet" else ()
            cells = _cells(facts, styles, sst, intake.date1904)
            merged = [_range(ref) for ref in info.merged]
            sheets[info.name] = Sheet(info.name, info.state, info.kind, cells, merged)
    except (KeyError, zipfile.BadZipFile, expat.ExpatError) as e:
        raise UnreadableError(str(e)) from e
    _keep_to(intake.deadline)
    props = {name[len(property_prefix):]: text for name, _, text in intake.property_values
             if name.startswith(property_prefix)}
    return Book(sheets, props)


def _keep_to(deadline: Deadline | None) -> None:
    """Raise ``UnreadableError`` once the review of the file is past its deadline."""
    if deadline is not None and deadline.passed():
        raise UnreadableError(f"la revisión tardó más de {deadline.seconds:g} s y se detuvo")


@functools.lru_cache(maxsize=64)
def _styles(formats: tuple[str, ...]) -> tuple[tuple[str, bool, bool], ...]:
    """Per cell style: its format code, whether a number in it is a date, and whether a duration (returns of one
    entity share their styles, so this is worked out once per distinct list, and each code once)."""
    known = {f: (f, is_date_format(f), bool(_DURATION.search(f))) for f in set(formats)}
    return tuple(known[f] for f in formats)


_GENERAL = ("General", False, False)
_XML_SPACE = " \t\r\n"
_XSD_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN")
_XSD_INDEX = re.compile(r"[0-9]+")


def _cells(facts: Any, styles: tuple[tuple[str, bool, bool], ...], sst: list[str],
           date1904: bool) -> dict[tuple[int, int], Cell]:
    cells: dict[tuple[int, int], Cell] = {}
    n_styles = len(styles)
    for r, c, style, t, raw, formula in facts:
        fmt, date, duration = styles[style] if style < n_styles else _GENERAL
        if formula is not None:
            cell = Cell("=" + formula, "f", fmt)
        elif t in ("s", "inlineStr", "str"):
            cell = Cell(_text(t, raw, sst), "s", fmt)
        elif not raw:
            cell = Cell(None, t or "n", fmt)
        elif t is None or t == "n":
            cell = _number(raw, fmt, date, duration, date1904)
        elif t == "b":
            cell = Cell(raw.strip() == "1", "b", fmt) if raw.strip() in ("0", "1") else Cell(VALUE_ERROR, "e", fmt)
        elif t == "d":
            try:
                cell = Cell(dt.datetime.fromisoformat(raw.strip()), "d", fmt)
            except ValueError:
                cell = Cell(VALUE_ERROR, "e", fmt)
        else:  # "e" and any other type: the text as it is, an error value
            cell = Cell(raw, "e", fmt)
        cells[(r, c)] = cell
    return cells


def _text(t: str, raw: str | None, sst: list[str]) -> str | None:
    if not raw:
        return None
    if t != "s":
        return raw
    index = int(raw) if _XSD_INDEX.fullmatch(raw.strip(_XML_SPACE)) else -1
    if not 0 <= index < len(sst):
        raise UnreadableError(f"el texto compartido número {raw[:20]} no existe")
    return sst[index]


def _number(raw: str, fmt: str, date: bool, duration: bool, date1904: bool) -> Cell:
    """A ``<v>`` read as an XML Schema number only (Python also takes "1_000", "٣" or "１": they are errors here);
    INF and NaN are numbers office_read refuses as not finite."""
    text = raw.strip(_XML_SPACE)
    if not _XSD_NUMBER.fullmatch(text):
        return Cell(VALUE_ERROR, "e", fmt)
    number: int | float = int(text) if text.lstrip("+-").isdigit() else float(text)
    if date:
        try:
            return Cell(from_serial(float(number), date1904, duration), "d", fmt)
        except (OverflowError, ValueError):
            return Cell(VALUE_ERROR, "e", fmt)
    return Cell(number, "n", fmt)


_PLAIN_SST_ITEM = re.compile(rb'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>'
                             rb'|<si><t(?: xml:space="preserve")?/></si>')


def _shared_strings(data: bytes) -> list[str]:
    """Each ``<si>``'s text: its ``<t>`` or the ``<t>`` of its runs joined, phonetic guides (``<rPh>``) left out."""
    items = _PLAIN_SST_ITEM.findall(data)
    if len(items) == data.count(b"<si") and b"<!" not in data:  # the usual table: no parser needed
        return [xml_text(raw) if raw else "" for raw in items]
    out: list[str] = []
    state: dict[str, Any] = {"item": None, "in_t": False, "phonetic": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = tag[tag.find(":") + 1:]
        if name == "si":
            state["item"] = []
        elif name == "rPh":
            state["phonetic"] += 1
        elif name == "t" and state["item"] is not None and not state["phonetic"]:
            state["in_t"] = True

    def end(tag: str) -> None:
        name = tag[tag.find(":") + 1:]
        if name == "si" and state["item"] is not None:
            out.append("".join(state["item"]))
            state["item"] = None
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "t":
            state["in_t"] = False

    def chars(text: str) -> None:
        if state["in_t"]:
            state["item"].append(text)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parser.Parse(data, True)
    return out


def _range(ref: str) -> Range:
    """A merged range intake recorded (and checked inside the grid) as a ``Range``."""
    first, _, last = ref.replace("$", "").partition(":")
    (r1, c1), (r2, c2) = from_a1(first), from_a1(last or first)
    return Range(min(r1, r2) + 1, min(c1, c2) + 1, max(r1, r2) + 1, max(c1, c2) + 1, ref)
