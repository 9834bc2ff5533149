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

from zedxl.a1 import col_index, col_letter, from_a1
from zedxl.intake import CellFact, Intake, xml_text

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
    """The records of every sheet of a file ``intake`` cleared (``keep_cells=True``).

    Sheets the fast scan read come from ``intake.cells``; any other is read here from its part with expat. Raises
    ``UnreadableError`` for what the contract cannot hold (a shared string index past the table, say).
    """
    assert intake.safe and intake.number_formats is not None
    xf_ids, custom_items = intake.number_formats
    custom = dict(custom_items)
    formats = [custom.get(i) or BUILTIN_FORMATS.get(i, "General") for i in xf_ids] or ["General"]
    styles = _styles(tuple(formats))
    members = _Members(intake, path if data is None else io.BytesIO(data))
    try:
        sst = _shared_strings(members.read(intake.shared_strings_part)) if intake.shared_strings_part else []
        kept = intake.cells or {}
        sheets: dict[str, Sheet] = {}
        for info in intake.sheets:
            merged: list[Range] = []
            if info.kind != "worksheet":
                facts: tuple[CellFact, ...] | list[CellFact] = ()
            elif info.name in kept:
                facts = kept[info.name]
            else:  # a sheet the fast scan left to the full parse: read here
                facts, merged = _record_sheet(members.read(info.part))
            try:
                cells = _cells(facts, styles, sst, intake.date1904)
            except _RichInlineText:  # the fast scan keeps one plain <t> only: the runs are read here
                facts, merged = _record_sheet(members.read(info.part))
                cells = _cells(facts, styles, sst, intake.date1904)
            sheets[info.name] = Sheet(info.name, info.state, info.kind, cells, merged)
    except (KeyError, zipfile.BadZipFile, expat.ExpatError) as e:
        raise UnreadableError(str(e)) from e
    finally:
        members.close()
    props = {name[len(property_prefix):]: text for name, _, text in intake.property_values
             if name.startswith(property_prefix)}
    return Book(sheets, props)


class _RichInlineText(Exception):
    """An inline string the fast scan did not keep (runs, a phonetic guide): its sheet must be recorded in full."""


@functools.lru_cache(maxsize=64)
def _styles(formats: tuple[str, ...]) -> tuple[tuple[str, bool, bool], ...]:
    """Per cell style: its format code, whether a number in it is a date, and whether a duration (returns of one
    entity share their styles, so this is worked out once per distinct list)."""
    return tuple((f, is_date_format(f), bool(_DURATION.search(f))) for f in formats)


_GENERAL = ("General", False, False)


def _cells(facts: Any, styles: tuple[tuple[str, bool, bool], ...], sst: list[str],
           date1904: bool) -> dict[tuple[int, int], Cell]:
    cells: dict[tuple[int, int], Cell] = {}
    n_styles = len(styles)
    for r, c, style, t, raw, formula in facts:
        fmt, date, duration = styles[style] if style < n_styles else _GENERAL
        if formula is not None:
            cell = Cell("=" + formula, "f", fmt)
        elif t in ("s", "inlineStr", "str"):
            if t == "inlineStr" and raw == "":
                raise _RichInlineText
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
    index = int(raw) if raw.strip().isdigit() else -1
    if not 0 <= index < len(sst):
        raise UnreadableError(f"el texto compartido número {raw[:20]} no existe")
    return sst[index]


def _number(raw: str, fmt: str, date: bool, duration: bool, date1904: bool) -> Cell:
    text = raw.strip()
    try:
        number: int | float = float(text) if ("." in text or "e" in text or "E" in text) else int(text)
    except ValueError:
        try:
            number = float(text)  # NaN, INF and the like: office_read refuses them as not finite
        except ValueError:
            return Cell(VALUE_ERROR, "e", fmt)
    if date:
        try:
            return Cell(from_serial(float(number), date1904, duration), "d", fmt)
        except (OverflowError, ValueError):
            return Cell(VALUE_ERROR, "e", fmt)
    return Cell(number, "n", fmt)


class _Members:
    """The package's members, from the parts intake kept (read whole and CRC-checked there), else from the zip."""

    def __init__(self, intake: Intake, source: Path | io.BytesIO) -> None:
        self.parts = intake.parts or {}
        self.source = source
        self.zip: zipfile.ZipFile | None = None

    def read(self, name: str) -> bytes:
        found = self.parts.get(name)
        if found is not None:
            return found
        if self.zip is None:
            self.zip = zipfile.ZipFile(self.source)
        return self.zip.read(name)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _local(tag: str) -> str:
    return tag[tag.find(":") + 1:]


def _parser() -> Any:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    return parser


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
        name = _local(tag)
        if name == "si":
            state["item"] = []
        elif name == "rPh":
            state["phonetic"] += 1
        elif name == "t" and state["item"] is not None and not state["phonetic"]:
            state["in_t"] = True

    def end(tag: str) -> None:
        name = _local(tag)
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

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parser.Parse(data, True)
    return out


_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


class _SheetRecorder:
    """Every cell of a worksheet part in any shape intake accepts (prefixes, rich inline text, shared formulas),
    and its merged ranges: for the sheets intake's fast scan left to the full parse."""

    def __init__(self) -> None:
        self.facts: list[CellFact] = []
        self.merged: list[Range] = []
        self.row = 0
        self.col = 0
        self.cell: list[Any] | None = None  # r, c, style, t, value parts, formula parts, formula attrs, inline parts
        self.capture: list[str] | None = None
        self.in_is = self.phonetic = 0
        self.shared: dict[str, tuple[str, str]] = {}  # si -> (the group's A1 reference, its formula text)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = _local(tag)
        cell = self.cell
        if name == "c":
            self.end_cell()
            m = _CELL_REF.fullmatch(attrs.get("r", ""))
            if m is not None:
                self.row, self.col = int(m.group(2)), col_index(m.group(1)) + 1
            else:
                self.row, self.col = self.row or 1, self.col + 1
            style = attrs.get("s", "0")
            self.cell = [self.row - 1, self.col - 1, int(style) if style.isdigit() else 0, attrs.get("t"), None,
                         None, {}, None]
        elif cell is not None and name == "v":
            self.capture = cell[4] = []
        elif cell is not None and name == "f":
            self.capture = cell[5] = []
            cell[6] = attrs
        elif cell is not None and name == "is":
            self.in_is += 1
            cell[7] = cell[7] if cell[7] is not None else []
        elif cell is not None and name == "rPh":
            self.phonetic += 1
        elif cell is not None and name == "t" and self.in_is and not self.phonetic:
            self.capture = cell[7]
        elif name == "row":
            self.end_cell()
            r = attrs.get("r", "")
            self.row = int(r) if r.isdigit() else self.row + 1
            self.col = 0
        elif name == "mergeCell":
            self.end_cell()
            ref = attrs.get("ref", "")
            corners = ref.split(":") if ":" in ref else [ref, ref]
            try:
                (r1, c1), (r2, c2) = from_a1(corners[0].replace("$", "")), from_a1(corners[1].replace("$", ""))
            except (ValueError, IndexError):
                return  # intake has reported it
            self.merged.append(Range(min(r1, r2) + 1, min(c1, c2) + 1, max(r1, r2) + 1, max(c1, c2) + 1, ref))

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name in ("v", "f", "t"):
            self.capture = None
        elif name == "is":
            self.in_is -= 1
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "c":
            self.end_cell()

    def chars(self, text: str) -> None:
        if self.capture is not None:
            self.capture.append(text)

    def end_cell(self) -> None:
        cell, self.cell, self.capture = self.cell, None, None
        if cell is None:
            return
        r, c, style, t, value, formula, fattrs, inline = cell
        text = "".join(formula) if formula is not None else None
        if text is not None and fattrs.get("t") == "shared" and "si" in fattrs:
            text = self.shared_formula(fattrs["si"], text, r, c)
        if t == "inlineStr":
            raw = "".join(inline) if inline is not None else None
        else:
            raw = "".join(value) if value is not None else None
        self.facts.append((r, c, style, t, raw, text))

    def shared_formula(self, si: str, text: str, r: int, c: int) -> str:
        """A shared formula's text at (r, c): the group's own where it is written, else translated from it."""
        from openpyxl.formula.translate import Translator

        here = f"{col_letter(c)}{r + 1}"
        if text:
            self.shared.setdefault(si, (here, text))
            return text
        group = self.shared.get(si)
        if group is None:
            return text
        translated: str = Translator("=" + group[1], group[0]).translate_formula(here)
        return translated[1:]


def _record_sheet(data: bytes) -> tuple[list[CellFact], list[Range]]:
    recorder = _SheetRecorder()
    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = recorder.start, recorder.end
    parser.CharacterDataHandler = recorder.chars
    parser.Parse(data, True)
    recorder.end_cell()
    return recorder.facts, recorder.merged
