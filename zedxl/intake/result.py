"""What intake found in a file: its kind, the issues, the facts later stages use, and the limits it keeps."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from zedxl.issues import Issue, IssueList


def lock_file_original(name: str) -> str | None:
    """The workbook a lock file stands beside (Excel's ``~$Libro.xlsx``, LibreOffice's ``.~lock.Libro.xlsx#``), or
    None for any other name; such a file is never opened, whatever its bytes."""
    if name.startswith("~$"):
        return name[2:]
    if name.startswith(".~lock.") and name.endswith("#"):
        return name[len(".~lock."):-1]
    return None


Kind = Literal["xlsx", "xlsm", "xls", "ods", "encrypted", "csv", "html", "text", "empty", "unknown", "owner-file"]

MiB = 1024 * 1024

#: Kinds a value reader may open (when no error was found).
READABLE_KINDS: frozenset[str] = frozenset({"xlsx", "xlsm"})


@dataclass(frozen=True)
class Limits:
    """Bounds that make ``inspect`` (and the readers that follow it) cheap whatever the file. Real templates weigh a
    few hundred KB, hold a few thousand cells and about twenty zip members: every default is at least ten times that.
    """

    #: Size of the file on disk. Mail systems cap attachments at 20-25 MB; a return is a few hundred KB.
    max_file_bytes: int = 20 * MiB
    #: Members in the zip. A template has ~15; one per sheet, rels, drawing, comment... 2,000 is far above real use.
    max_zip_members: int = 2_000
    #: Central directory size: bounds the memory ``zipfile`` spends on member records before any other check.
    max_central_directory_bytes: int = 1 * MiB
    #: Declared uncompressed size of one member. A 200,000-cell sheet is ~8 MB of XML.
    max_member_bytes: int = 64 * MiB
    #: Sum of declared uncompressed sizes (also bounds overlapping-member bombs, each counted in full).
    max_total_bytes: int = 256 * MiB
    #: Uncompressed/compressed ratio, checked on members over ``ratio_min_bytes`` (deflate tops out near 1032:1, on
    #: constant data; real parts stay under ~100:1).
    max_ratio: float = 500.0
    ratio_min_bytes: int = 1 * MiB
    #: Bytes of one XML part scanned; bigger XML parts are refused (the scan, not only the declaration, is bounded).
    max_xml_part_bytes: int = 32 * MiB
    #: Elements handled one by one in Python (worksheets, workbook, rels...), over the whole file: bounds time.
    max_xml_elements: int = 2_000_000
    #: Sheets in the workbook.
    max_sheets: int = 200
    #: ``<c>`` elements in one sheet, styled empty cells included (a reader makes a record of each): some 2,800 AO
    #: of one office, at about 35 cells an AO.
    max_cells_per_sheet: int = 100_000
    #: ``<c>`` elements in the whole workbook.
    max_total_cells: int = 100_000
    #: Cells in the rectangle from A1 to the farthest cell, styled empty cells included (readers allocate or walk
    #: that rectangle): 40 columns by 25,000 rows.
    max_used_area: int = 1_000_000
    #: Cells covered by merged ranges and hyperlink ranges of one sheet: openpyxl creates one object per cell.
    max_range_cells: int = 200_000
    #: Defined names in the workbook.
    max_defined_names: int = 5_000
    #: Facts recorded per list (formulas, hyperlinks, error cells...): bounds the size of the ``Intake`` itself.
    max_recorded: int = 10_000
    #: Issues of one code kept before the rest are summarised in one ``revision-mas-problemas``.
    max_issues_per_code: int = 20
    #: Nesting of XML elements, checked in parts over 1 MiB: a smaller part cannot nest deep enough for the parser's
    #: stack of open elements (~120 bytes each) to matter. Real parts nest fewer than 20 deep.
    max_xml_depth: int = 1_000
    #: Merged ranges, data validations, conditional-format rules and hyperlinks of one sheet, each kind counted
    #: apart (Excel keeps at most 66,530 hyperlinks a sheet; a template has a handful of each).
    max_sheet_ranges: int = 70_000
    #: Strings in a shared-string table over 1 MiB (a smaller one holds at most ~200,000, a few MB): Excel keeps
    #: only the strings cells use, so never more than cells.
    max_shared_strings: int = 500_000
    #: Cell formats in styles.xml (``xf`` in ``cellXfs`` and ``cellStyleXfs``, together): Excel keeps at most
    #: 65,430 besides its built-in styles (a template has about 20).
    max_cell_formats: int = 70_000
    #: Custom number formats (``numFmt``): Excel keeps 206 to 250, by language.
    max_number_formats: int = 1_000
    #: Characters of one number format code: Excel's are shorter than 255.
    max_number_format_chars: int = 1_000
    #: Fonts, fills and borders of styles.xml, each (Excel: 512 fonts a workbook, 256 fill styles).
    max_fonts: int = 8_192
    max_fills: int = 8_192
    max_borders: int = 8_192
    #: Differential formats (``dxf``, one per conditional-format rule or table style that sets one).
    max_dxfs: int = 70_000
    #: Wall-clock safety net for the review of one file, intake and the reading of its cells
    #: (``zedxl.xlsx.office_book``): checked every few thousand elements inside every scanning loop, so it holds on
    #: every platform; the bounds above keep real runs far below it.
    max_seconds: float = 30.0
    #: The clock ``max_seconds`` is measured on, in seconds (tests give one that advances at each look).
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Deadline:
    """When the review of one file must stop: ``Limits.max_seconds`` after it started, on ``Limits.clock``."""

    at: float
    seconds: float
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def start(cls, limits: Limits) -> Deadline:
        return cls(limits.clock() + limits.max_seconds, limits.max_seconds, limits.clock)

    def passed(self) -> bool:
        return self.clock() > self.at


@dataclass(frozen=True)
class SheetInfo:
    """One sheet as declared in ``workbook.xml`` plus what the scan of its part found."""

    name: str
    sheet_id: str
    state: str  # "visible" | "hidden" | "veryHidden"
    kind: str  # "worksheet" | "chartsheet" | "macrosheet" | "dialogsheet" | "unknown"
    rel_id: str
    part: str  # zip member name, "" when the relationship is missing or dangling
    cells: int = 0  # <c> elements, styled empty cells included
    max_row: int = 0  # 1-based row of the farthest cell with a value or formula (0: none)
    max_col: int = 0  # 1-based column of the farthest cell with a value or formula (0: none)
    extent_row: int = 0  # farthest row of any cell, styled empty ones included (openpyxl's max_row)
    extent_col: int = 0  # farthest column of any cell, styled empty ones included (openpyxl's max_column)
    dimension: str = ""  # the <dimension ref> as declared (not trusted)
    formulas: int = 0
    protected: bool = False
    merged: tuple[str, ...] = ()


class CellNote(NamedTuple):
    """A cell found while scanning: a formula (text), an error value or a non-finite number (raw value)."""

    sheet: str
    cell: str
    text: str


CellFact = tuple[int, int, int, "str | None", "str | None", "str | None"]

"""One ``<c>`` of a worksheet as stored: ``(row_idx, col_idx, style, type, raw, formula)``, zero-based; ``style`` the
``s`` index (0 when absent), ``type`` the ``t`` attribute (None when absent), ``raw`` the XML-decoded text of ``<v>``
(None without one), for an inline string the text of its ``<is>`` (runs joined, phonetic guides left out);
``formula`` the text of ``<f>`` (None without one; a shared formula translated to its cell)."""


@dataclass(frozen=True)
class DefinedName:
    name: str
    value: str
    local_sheet: int | None = None
    hidden: bool = False


@dataclass(frozen=True)
class ExternalLink:
    part: str
    kind: str  # "book" | "dde" | "ole" | "unknown"
    target: str


@dataclass(frozen=True)
class Hyperlink:
    sheet: str
    ref: str
    target: str
    dangerous: bool


@dataclass(frozen=True)
class Intake(IssueList):
    """Result of ``inspect``: what the file is, every problem found, and facts for later stages."""

    path: Path
    kind: Kind
    issues: tuple[Issue, ...]
    safe: bool
    application: str = ""
    sheets: tuple[SheetInfo, ...] = ()
    date1904: bool = False
    calc_mode: str = "auto"
    defined_names: tuple[DefinedName, ...] = ()
    has_macros: bool = False
    external_links: tuple[ExternalLink, ...] = ()
    connections: tuple[str, ...] = ()
    embeddings: tuple[str, ...] = ()
    hyperlinks: tuple[Hyperlink, ...] = ()
    formulas: tuple[CellNote, ...] = ()
    error_cells: tuple[CellNote, ...] = ()
    nonfinite_cells: tuple[CellNote, ...] = ()
    custom_properties: tuple[tuple[str, str], ...] = ()
    shared_strings_part: str = ""
    styles_part: str = ""
    truncated_facts: bool = False  # some list above hit Limits.max_recorded
    #: With ``inspect(..., keep_cells=True)`` on a safe file: worksheet name → every ``<c>`` as ``CellFact``, in
    #: document order, for ``zedxl.xlsx.office_book``.
    cells: Mapping[str, tuple[CellFact, ...]] | None = None
    #: With ``keep_cells``: the ``numFmtId`` of every ``cellXfs`` style by index, and the custom formats as
    #: (id, format code), from styles.xml.
    number_formats: tuple[tuple[int, ...], tuple[tuple[int, str], ...]] | None = None
    #: With ``cells``: the bytes of each part of at most 256 KB the scan read whole (CRC checked), by member name:
    #: the reader gets them here instead of opening the zip again.
    parts: Mapping[str, bytes] | None = field(default=None, repr=False, compare=False)
    #: With ``keep_cells``: custom properties as (name, value type, text as stored, not stripped).
    property_values: tuple[tuple[str, str, str], ...] = ()
    #: When the review of the file must stop: the reader of its cells keeps to it too.
    deadline: Deadline | None = field(default=None, repr=False, compare=False)

    def codes(self) -> list[str]:
        return [i.code for i in self.issues]

    def sheet(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.name == name), None)
