"""Write the master workbook (.xlsx) with XlsxWriter: live formulas, each carrying its correct cached value.

Every total and percentage is an Excel formula *and* its value computed here with the same rules as the core,
so Excel, LibreOffice and readers that never recalculate (pandas, calamine, previewers) all show the same numbers.
Office totals use whole-column ``SUMIF`` and budget totals use ``SUM(B$5:INDEX(B:B,ROW()-1))``, so they keep
working when a planner inserts rows; ``zedxl recompute`` rewrites the per-row formulas of new rows.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import operator
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.worksheet import Worksheet

from zedxl import TEMPLATE_VERSION, rules
from zedxl.a1 import col_letter, quote_sheet, to_a1
from zedxl.model import Indicador, LineaPresupuesto, Plan
from zedxl.parallel import can_fork, collector_paused, fork
from zedxl.periods import base_labels, n_base, semesters, whole_year
from zedxl.xlsx import layout as L
from zedxl.xlsx.text import safe_text, utf16_len, utf16_truncate

INPUT_FILL = "#FFF2CC"
HEADER_FILL = "#1F4E78"
OEI_FILL = "#D9E1F2"
AEI_FILL = "#EDF2F9"
CALC_FILL = "#F2F2F2"
GUARD_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


# XlsxWriter runs ~30 regular-expression substitutions on every formula to prefix Excel 365's dynamic-array
# functions with ``_xlfn.``; on a 20,000-AO master (a quarter of a million formulas) that was most of the write.
# None of zedxl's formulas uses those functions. Every substitution needs one of the texts below (``\\SINGLE\\(`` is
# any character then ``INGLE(``), so a few substring tests tell that none would fire; a formula that has one goes
# through XlsxWriter's own code. The output is byte for byte the same (checked in tests/test_master.py).
_DYNAMIC_FUNCTIONS = tuple(f"{name}(" for name in (
    "ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER", "HSTACK", "LAMBDA",
    "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "INGLE", "SEQUENCE", "SORT", "SORTBY", "SWITCH", "TAKE",
    "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK", "WRAPCOLS", "WRAPROWS", "XLOOKUP"))
_DYNAMIC_TEXT = re.compile("|".join(re.escape(name) for name in _DYNAMIC_FUNCTIONS))


def _may_be_dynamic(formula: str) -> bool:
    """True when one of ``_DYNAMIC_FUNCTIONS`` is in the formula (one search instead of 29 substring tests)."""
    return _DYNAMIC_TEXT.search(formula) is not None


_PREPARED: dict[tuple[str, bool], str] = {}  # FormulaWorksheet._prepare_formula's XlsxWriter rewritings


class FormulaWorksheet(Worksheet):  # type: ignore[misc]
    """An XlsxWriter worksheet that skips the dynamic-function rewriting when a formula cannot need it.

    ``known_formulas`` (set by the writer around AO rows, whose formulas come from fixed templates using only SUM,
    IF, COUNT, MIN and the ZX_ names) skips even the substring tests.
    """

    known_formulas = False

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if expand_future_functions or self.use_future_functions or "_xlfn." in formula or (
                not self.known_formulas and _may_be_dynamic(formula)):
            # XlsxWriter's rewriting (~150 regular-expression substitutions, ~0.45 ms, when the future functions
            # are expanded: every conditional format's formula) depends on the formula and on whether they are,
            # nothing else: each distinct one done once (a master's 45 traffic-light formulas are 9)
            key = (formula, bool(expand_future_functions or self.use_future_functions))
            prepared = _PREPARED.get(key)
            if prepared is None:
                prepared = super()._prepare_formula(formula, expand_future_functions)
                if len(_PREPARED) >= 4096:
                    _PREPARED.clear()
                _PREPARED[key] = prepared
            return prepared
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


    # -- whole rows written as XML ----------------------------------------------------------------------------
    # An AO row is ~45 cells; storing each as an XlsxWriter cell tuple and writing it through XlsxWriter's generic
    # per-cell code was two thirds of writing a 10,000-AO master. ``write_row_cells`` stores the row as one entry
    # (plus a marker at its last column, so XlsxWriter's dimension and ``spans`` logic sees the same extent) and
    # renders it in one pass when XlsxWriter writes the sheet. Shared-string indexes are taken at store time and
    # style indexes at render time, exactly when XlsxWriter takes them, so the file is byte for byte the one
    # XlsxWriter writes cell by cell (tests/test_master.py).

    def write_row_cells(self, row: int, cells: list[RowCell]) -> None:
        """Store one row of cells, sorted by column; see ``RowCell`` for the kinds."""
        if not cells:
            return
        stored: list[tuple[int, str, Format | None, Any, str]] = []
        for col, kind, fmt, value, formula in cells:
            if kind == "w":  # ws.write() of a string: an empty one is a blank cell
                kind = "b" if value == "" else "s"
            if kind == "s":
                text = value
                if len(text) > self.xls_strmax // 2 and utf16_len(text) > self.xls_strmax:
                    text = utf16_truncate(text, self.xls_strmax)
                value = self.str_table._get_shared_string_index(text)
            elif kind == "f":
                formula = self._prepare_formula(formula)
            stored.append((col, kind, fmt, value, formula))
        first, last = stored[0][0], stored[-1][0]
        if self._check_dimensions(row, first) or self._check_dimensions(row, last):
            return
        self.table[row][first] = _RawRow(stored)
        if last != first:
            self.table[row][last] = _RawRow(None)

    # XlsxWriter finds each row's cells (for the spans and for writing) by trying every column of the sheet's
    # extent; a row's stored columns, sorted, are the same ones (every stored cell is inside the extent), found in
    # one step. Same output: tests/test_master.py compares the parts with XlsxWriter's own worksheet.
    def _calculate_spans(self) -> None:
        if self.comments:
            super()._calculate_spans()
            return
        spans = {}
        span_min: int | None = None
        span_max = 0
        table = self.table
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            if cells:
                lo, hi = min(cells), max(cells)
                if span_min is None:
                    span_min, span_max = lo, hi
                else:
                    span_min, span_max = min(span_min, lo), max(span_max, hi)
            if ((row_num + 1) % 16 == 0 or row_num == self.dim_rowmax) and span_min is not None:
                spans[row_num // 16] = f"{span_min + 1}:{span_max + 1}"
                span_min = None
        self.row_spans = spans

    def _write_rows(self) -> None:
        if self.comments:
            super()._write_rows()
            return
        self._calculate_spans()
        table = self.table
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            info = self.row_info.get(row_num)
            if not cells and info is None:
                continue
            span = self.row_spans.get(row_num // 16)
            if cells:
                if info is None:
                    self._write_row(row_num, span)
                else:
                    self._write_row(row_num, span, info)
                for col_num in sorted(cells):
                    self._write_cell(row_num, col_num, cells[col_num])
                self._xml_end_tag("row")
            else:
                self._write_empty_row(row_num, span, info)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        if type(cell) is _RawRow:
            if cell.cells is not None:
                self.fh.write(_render_row(self, row, cell.cells))
            elif cell.filled is not None:
                template, ao, strings, cached = cell.filled
                self.fh.write(template.render(row, ao, strings, template.values(ao) if cached is None else cached))
            return
        super()._write_cell(row, col, cell)


RowCell = tuple[int, str, "Format | None", Any, str]
"""(column, kind, format, value, formula): kind ``n`` number, ``s`` string, ``w`` string written with ``write()``
(empty → blank), ``b`` blank, ``f`` formula whose cached value is ``value`` (float, str or bool)."""

_ERROR_CODES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))
_LETTERS: list[str] = []


class _RawRow:
    """A row stored whole: its cells, or a filled AO row template; the marker at a row's last column has neither."""

    __slots__ = ("cells", "filled")

    def __init__(self, cells: list[tuple[int, str, Format | None, Any, str]] | None, filled: Any = None) -> None:
        self.cells = cells
        self.filled = filled


def _escape(text: str) -> str:
    """XlsxWriter's ``_escape_data``: &, < and > only."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _render_row(ws: Worksheet, row: int, cells: list[tuple[int, str, Format | None, Any, str]]) -> str:
    """The ``<c>`` elements of a stored row, as XlsxWriter's ``_write_cell`` writes them."""
    r = str(row + 1)
    if len(_LETTERS) <= cells[-1][0]:
        _LETTERS.extend(col_letter(i) for i in range(len(_LETTERS), cells[-1][0] + 1))
    out = []
    row_info = ws.row_info.get(row)
    for col, kind, fmt, value, formula in cells:
        if fmt is None:  # XlsxWriter's fallback: the row's format, else the column's
            if row_info is not None and row_info.row_format:
                fmt = row_info.row_format
            elif col in ws.col_info:
                fmt = ws.col_info[col].column_format
        attrs = f' r="{_LETTERS[col]}{r}"' if fmt is None else f' r="{_LETTERS[col]}{r}" s="{fmt._get_xf_index()}"'
        if kind == "n":
            out.append(f"<c{attrs}><v>{value:.16G}</v></c>")
        elif kind == "s":
            out.append(f'<c{attrs} t="s"><v>{value}</v></c>')
        elif kind == "b":
            out.append(f"<c{attrs}/>")
        else:
            if isinstance(value, bool):
                attrs += ' t="b"'
                value = 1 if value else 0
            elif isinstance(value, str):
                if value in _ERROR_CODES:
                    attrs += ' t="e"'
                elif value != "":
                    attrs += ' t="str"'
                value = _escape(value)
            out.append(f"<c{attrs}><f>{_escape(formula)}</f><v>{value}</v></c>")
    return "".join(out)


def write_cells(ws: Worksheet, row: int, cells: list[RowCell], *, checked: bool = False) -> None:
    """One row of cells: stored whole on a ``FormulaWorksheet``, else written cell by cell through XlsxWriter.

    ``checked``: the caller vouches that no formula may use a dynamic-array function (see ``_RowFormula``).
    """
    if isinstance(ws, FormulaWorksheet) and (checked or not any(
            kind == "f" and (formula.startswith("{") or _may_be_dynamic(formula))
            for _, kind, _, _, formula in cells)):  # (XlsxWriter writes those as array formulas)
        known, ws.known_formulas = ws.known_formulas, True  # tested just above, or vouched for
        try:
            ws.write_row_cells(row, cells)
        finally:
            ws.known_formulas = known
        return
    for col, kind, fmt, value, formula in cells:
        if kind == "n":
            ws.write_number(row, col, value, fmt)
        elif kind == "s":
            ws.write_string(row, col, value, fmt)
        elif kind == "w":
            ws.write(row, col, value, fmt)
        elif kind == "b":
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_formula(row, col, formula, fmt, value)


_ZIP_LOCK = threading.Lock()


class _Level1ZipFile(zipfile.ZipFile):
    """A zip whose members are compressed at zlib level 1, those added from memory (``writestr``, which does not
    take the zip's own level for a ``ZipInfo``) as well as those added from files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, compresslevel=1, **kwargs)  # type: ignore[call-overload]

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: int | None = None,
                 compresslevel: int | None = None) -> None:
        super().writestr(zinfo_or_arcname, data, compress_type,
                         self.compresslevel if compresslevel is None else compresslevel)


class FastZipWorkbook(xlsxwriter.Workbook):  # type: ignore[misc]
    """An XlsxWriter workbook packaged with zlib level 1: on a 10,000-AO master, compressing at the default level
    was a tenth of the write; level 1 is three times faster for files ~15 % larger. XlsxWriter opens its zip
    with a fixed level, so the level is set around its packaging (under a lock: other threads may write too)."""

    def _store_workbook(self) -> None:
        import xlsxwriter.workbook as xw

        with _ZIP_LOCK:
            original = xw.ZipFile
            xw.ZipFile = _Level1ZipFile
            try:
                super()._store_workbook()
            finally:
                xw.ZipFile = original

    def _get_packager(self) -> Packager:
        return _FastPackager()


# a shared string that XlsxWriter writes as it is: no control character, nothing to escape, no "_xHHHH_" to
# escape, no U+FFFE or U+FFFF (not XML characters: written "_xFFFE_", "_xFFFF_"), which ``_SI_SPECIAL`` finds,
# and no white space at either end (those get xml:space="preserve": XlsxWriter's "^\s|\s$"; as one pattern, the
# "\s$" is tried at every character, a tenth of a 10,000-AO write)
_SI_SPECIAL = re.compile('[\x00-\x1f"&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_')


def _si_plain(string: str) -> bool:
    """True when XlsxWriter would write ``string`` into its ``<si><t>`` as it is."""
    return _SI_SPECIAL.search(string) is None and not string[:1].isspace() and not string[-1:].isspace()


class _FastSharedStrings(SharedStrings):  # type: ignore[misc]
    """XlsxWriter's shared-string table, with the usual strings (see ``_si_plain``) written in one piece each
    (XlsxWriter runs two substitutions and three searches on every one); any other goes through its own code, in
    order, so the part is byte for byte the same (tests/test_master.py)."""

    def _write_sst_strings(self) -> None:
        pending: list[str] = []
        for string in self.string_table.string_array:
            if _si_plain(string):
                pending.append(string)
                continue
            if pending:
                self.fh.write("<si><t>" + "</t></si><si><t>".join(pending) + "</t></si>")
                pending.clear()
            self._write_si(string)
        if pending:
            self.fh.write("<si><t>" + "</t></si><si><t>".join(pending) + "</t></si>")


class _FastPackager(Packager):  # type: ignore[misc]
    def _write_worksheet_files(self) -> None:
        """XlsxWriter's own, but for the sheets a ``_SheetsInChild`` of the workbook is writing in another process:
        their files (made beforehand) take their place in the package's order, and this process writes the others
        meanwhile. They are waited for only before the styles part (``_write_styles_file``)."""
        handoff: _SheetsInChild | None = getattr(self.workbook, "sheets_in_child", None)
        if handoff is None:
            super()._write_worksheet_files()
            return
        mine = []
        index = 1
        for worksheet in self.workbook.worksheets():
            if worksheet.is_chartsheet:
                continue
            name = f"xl/worksheets/sheet{index}.xml"
            output = handoff.output_of(worksheet)
            if output is None:
                mine.append((worksheet, self._filename(name)))
            else:
                self.filenames.append((output, name, True))  # its UTF-8 bytes, taken as a part kept in memory
            index += 1
        for worksheet, path in mine:
            _write_sheet(worksheet, path)

    def _write_styles_file(self) -> None:
        # the last moment a sheet can still be written here if the child failed: a style it gives an index to
        # then still goes into the styles part (writing a sheet adds no shared string: those were given at store)
        handoff: _SheetsInChild | None = getattr(self.workbook, "sheets_in_child", None)
        if handoff is not None:
            handoff.finish()
        super()._write_styles_file()

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = _FastSharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


# -- the OEI sheets written by a second process ------------------------------------------------------------------
# Writing a master is one process's work: store every cell, then write each sheet's XML (most of it the OEI sheets'
# AO rows), then zip. Once the OEI sheets are stored nothing changes them, so a forked child writes their XML
# (XlsxWriter's own ``_assemble_xml_file``, into files made beforehand in the packager's order) while this process
# stores the Resumen, the budget and the other sheets and writes theirs. Shared strings get their index when a cell
# is stored, before the fork, and every style its index just before it (``MasterWriter.write``, in every path), so
# the child writes the very bytes this process would: tests compare both. A child that fails, or that had to give a
# style an index, leaves the sheets to this process, which then writes them as it would have.

_CHILD_MIN_ROWS = 1_000  # fewer AO rows in the OEI sheets: forking and waiting cost more than they save


def _write_sheet(ws: Worksheet, target: Any) -> None:
    """One worksheet's XML into ``target`` (a ``StringIO``, a path or a file descriptor, which is closed), as
    XlsxWriter's packager writes it."""
    ws._set_xml_writer(target)
    ws._assemble_xml_file()


class _SheetOutput:
    """Where the child writes one sheet's XML: an anonymous file in memory (``memfd_create``, Linux) or else a
    temporary file. The packager takes it as a part kept in memory (``getvalue``: its bytes), so nothing is written
    to disk or removed from it (removing a freshly written temporary file of a megabyte took ~4 ms here)."""

    def __init__(self, tmpdir: str | None) -> None:
        self.fd: int | None = None
        self.path: str | None = None
        if hasattr(os, "memfd_create"):
            with contextlib.suppress(OSError):  # refused (a sandbox's system-call filter): a temporary file
                self.fd = os.memfd_create("zedxl-hoja", os.MFD_CLOEXEC)
        if self.fd is None:
            fd, self.path = tempfile.mkstemp(dir=tmpdir)
            os.close(fd)

    def target(self) -> Any:
        """What ``_write_sheet`` writes into, emptied first (the child may have failed half way)."""
        if self.fd is None:
            return self.path
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        return os.dup(self.fd)  # closed with the file XlsxWriter opens on it; this one stays open

    def getvalue(self) -> bytes:
        if self.fd is None:
            return Path(str(self.path)).read_bytes()
        size = os.fstat(self.fd).st_size
        chunks = []
        offset = 0
        while offset < size:
            chunk = os.pread(self.fd, size - offset, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        return b"".join(chunks)

    def discard(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        elif self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            self.path = None


class _SheetsInChild:
    """Some worksheets of a workbook, being written (``_assemble_xml_file``) by a forked child process.

    The sheets wait in a queue (a pipe holding one byte, its index, per sheet, largest first): the child takes them
    one by one, and this process, once it has written everything else, takes those still waiting, so the two finish
    together (the child's share alone took longer than all the rest). A byte read from a pipe is read by one process
    only: each sheet is written once."""

    def __init__(self, wb: xlsxwriter.Workbook, sheets: Sequence[Worksheet]) -> None:
        self.wb = wb
        self.outputs: dict[int, _SheetOutput] = {}
        self.jobs: list[tuple[Worksheet, _SheetOutput]] = []
        self.queue: int | None = None  # the pipe's read end
        self.mine: set[int] = set()  # the jobs this process took from the queue
        try:
            for ws in sheets:
                output = self.outputs[id(ws)] = _SheetOutput(wb.tmpdir)
                self.jobs.append((ws, output))
            order = sorted(range(len(self.jobs)), key=lambda k: -(self.jobs[k][0].dim_rowmax or 0))
            self.queue, write_end = os.pipe()
            try:
                os.write(write_end, bytes(order))  # fewer than 256 sheets, a few bytes: the pipe holds them
            finally:
                os.close(write_end)  # closed before the fork: an empty queue reads as its end
        except BaseException:
            self._discard()
            raise
        self.pid: int | None = None
        self.ok = False  # the child wrote every sheet it took

    @classmethod
    def start(cls, wb: xlsxwriter.Workbook, sheets: Sequence[Worksheet], rows: int) -> _SheetsInChild | None:
        """The child started on ``sheets`` (``rows``: how many AO rows they hold), or None when it does not pay or
        cannot be done here (no ``fork``, a workbook whose parts are not kept in memory, 256 sheets or more)."""
        if rows < _CHILD_MIN_ROWS or not sheets or len(sheets) > 255 or not can_fork() or not wb.in_memory or \
                wb.constant_memory:
            return None
        handoff = cls(wb, sheets)
        pid = fork()  # see _child
        if pid == 0:  # pragma: no cover - the child (its output is compared in tests/test_master.py)
            handoff._child()
        handoff.pid = pid
        wb.sheets_in_child = handoff
        return handoff

    def _take(self) -> int | None:
        """The next sheet waiting in the queue (its job's index), or None when none is left."""
        assert self.queue is not None
        got = os.read(self.queue, 1)
        return got[0] if got else None

    def _child(self) -> None:
        """Write the sheets taken from the queue and leave at once (``os._exit``: no clean-up of what belongs to the
        parent, no flushing of its buffers). Other threads of the parent do not exist here: the child takes no lock
        they could hold, and the garbage collector is off so no finaliser runs. Exit status 0: every sheet it took
        written, with no new style index."""
        status = 1
        try:
            gc.disable()
            styles = len(self.wb.xf_format_indices)
            while (k := self._take()) is not None:
                ws, output = self.jobs[k]
                _write_sheet(ws, output.target())
            status = 0 if len(self.wb.xf_format_indices) == styles else 2
        finally:
            os._exit(status)

    def output_of(self, ws: Worksheet) -> _SheetOutput | None:
        return self.outputs.get(id(ws))

    def finish(self) -> None:
        """Every sheet's output is complete after this: the sheets still waiting are written here, the child is
        waited for, and when it failed, the sheets it took (which it may have left half written) are written here
        too."""
        if self.pid is not None:
            while (k := self._take()) is not None:
                self.mine.add(k)
                ws, output = self.jobs[k]
                _write_sheet(ws, output.target())
            _, status = os.waitpid(self.pid, 0)
            self.pid = None
            self.ok = os.waitstatus_to_exitcode(status) == 0
            if not self.ok:
                for k, (ws, output) in enumerate(self.jobs):
                    if k not in self.mine:
                        _write_sheet(ws, output.target())

    def close(self) -> None:
        """After the workbook is written, or when anything failed: the child stopped and waited for, and its
        outputs let go."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it may have just exited
                os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
            self.pid = None
        self._discard()
        self.wb.sheets_in_child = None

    def _discard(self) -> None:
        for output in self.outputs.values():
            output.discard()
        if self.queue is not None:
            os.close(self.queue)
            self.queue = None


class _RowBuffer:
    """Collects one row's ``write``/``write_formula`` calls and hands them to ``write_cells`` at once."""

    def __init__(self, ws: Worksheet, row: int) -> None:
        self.ws = ws
        self.row = row
        self.cells: list[RowCell] = []

    def write(self, row: int, col: int, value: Any, fmt: Format) -> None:
        assert row == self.row
        self.cells.append((col, "w", fmt, value, "") if isinstance(value, str) else (col, "n", fmt, value, ""))

    def write_formula(self, row: int, col: int, formula: str, fmt: Format, value: Any) -> None:
        assert row == self.row
        self.cells.append((col, "f", fmt, value, formula))

    def flush(self, *, checked: bool = False) -> None:
        """``checked``: the caller made every formula from a ``_RowFormula`` that is not ``dynamic``."""
        self.cells.sort(key=lambda cell: cell[0])
        write_cells(self.ws, self.row, self.cells, checked=checked)


_ROW = "\x00"  # where a _RowFormula's template takes the row number (never in a sheet name or formula)


class _RowFormula:
    """A formula repeated down rows that differ only in their row number: ``_ROW`` marks where it goes.

    ``dynamic`` is ``_may_be_dynamic`` of the template: row numbers cannot add a function name, so the test is
    made once instead of on every row's formula.
    """

    def __init__(self, template: str) -> None:
        self.parts = template.split(_ROW)
        self.dynamic = _may_be_dynamic(template)

    def at(self, r: int) -> str:
        """The formula for zero-based row ``r``."""
        return str(r + 1).join(self.parts)


def new_workbook(target: Any, options: dict[str, Any]) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook (``FastZipWorkbook``) whose worksheets are ``FormulaWorksheet``."""
    wb = FastZipWorkbook(target, options)
    wb.worksheet_class = FormulaWorksheet
    return wb


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _blank(value: Decimal | None) -> float | str:
    """Cached value of a formula that yields "" when there is no number."""
    return "" if value is None else float(value)


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_color": HEADER_FILL})
        self.subtitle = wb.add_format({"italic": True, "font_size": 10, "font_color": "#595959"})
        self.header = wb.add_format({**base, "bold": True, "font_color": "white", "bg_color": HEADER_FILL,
                                     "text_wrap": True, "align": "center", "valign": "vcenter"})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.code = wb.add_format({**base, "bold": True})
        self.number = wb.add_format({**base, "num_format": "General"})
        self.input_num = wb.add_format({**base, "bg_color": INPUT_FILL, "num_format": "General", "locked": False})
        self.input_text = wb.add_format({**base, "bg_color": INPUT_FILL, "text_wrap": True, "locked": False})
        self.calc = wb.add_format({**base, "bg_color": CALC_FILL, "num_format": "General"})
        self.pct = wb.add_format({**base, "bg_color": CALC_FILL, "num_format": "0.00"})
        self.state = wb.add_format({**base, "bg_color": CALC_FILL})
        self.money = wb.add_format({**base, "num_format": "#,##0.00", "bg_color": INPUT_FILL, "locked": False})
        self.money_calc = wb.add_format({**base, "num_format": "#,##0.00", "bg_color": CALC_FILL})
        self.money_total = wb.add_format({**base, "num_format": "#,##0.00", "bg_color": CALC_FILL, "bold": True})
        self.pct_total = wb.add_format({**base, "num_format": "0.00", "bg_color": CALC_FILL, "bold": True})
        self.total_label = wb.add_format({**base, "bold": True, "bg_color": CALC_FILL})
        self.oei_code = wb.add_format({**base, "bold": True, "bg_color": OEI_FILL})
        self.oei_text = wb.add_format({**base, "bold": True, "bg_color": OEI_FILL, "text_wrap": True})
        self.aei_code = wb.add_format({**base, "bold": True, "bg_color": AEI_FILL})
        self.aei_text = wb.add_format({**base, "bg_color": AEI_FILL, "text_wrap": True})
        self.empty = wb.add_format({**base, "bg_color": CALC_FILL})
        self.green = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.yellow = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.red = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.note = wb.add_format({"italic": True, "font_size": 9, "font_color": "#595959", "text_wrap": True,
                                   "valign": "top"})
        self.label = wb.add_format({**base, "bold": True, "bg_color": CALC_FILL, "text_wrap": True})
        self.section = wb.add_format({"bold": True, "font_size": 11, "font_color": HEADER_FILL})


def _progress_formula(e: str, p: str) -> str:
    """AO progress: "" when not reported, ZX_SIN_META when nothing programmed, capped at ZX_TOPE."""
    return (f'=IF({e}="","",IF({p}=0,{L.NAME_SIN_META},IF({L.NAME_TOPE}="",{e}/{p}*100,'
            f"MIN({e}/{p}*100,{L.NAME_TOPE}))))")


def _status_formula(e: str, p: str) -> str:
    return (f'=IF({e}="","{rules.SIN_REPORTE}",IF({p}=0,IF({e}>0,"{rules.EJECUTADA_SIN_META}",'
            f'"{rules.SIN_META}"),IF({e}>{p},"{rules.SOBREEJECUCION}",'
            f'IF({e}/{p}*100>={L.NAME_VERDE},"{rules.EN_RANGO}","{rules.POR_DEBAJO}"))))')


def _indicator_progress_formula(e: str, meta: str) -> str:
    return (f'=IF(OR({e}="",{meta}=""),"",IF({meta}=0,{L.NAME_SIN_META},IF({L.NAME_TOPE}="",{e}/{meta}*100,'
            f"MIN({e}/{meta}*100,{L.NAME_TOPE}))))")


def _indicator_status_formula(e: str, pct: str) -> str:
    return (f'=IF({e}="","{rules.NO_MEDIDO}",IF({pct}="","{rules.NO_MEDIDO}",'
            f'IF({pct}>={L.NAME_VERDE},"{rules.EN_RANGO}","{rules.POR_DEBAJO}")))')


def _indicator_status(value: Decimal | None, pct: Decimal | None, plan: Plan) -> str:
    if value is None or pct is None:
        return rules.NO_MEDIDO
    return rules.EN_RANGO if pct >= plan.reglas.verde else rules.POR_DEBAJO


class MasterWriter:
    """Builds the whole master workbook for a plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.cols = L.OEIColumns.for_periodicity(plan.periodicidad)
        self.labels = base_labels(plan.periodicidad)
        self.half = n_base(plan.periodicidad) // 2
        self._layout: dict[str, Any] | None = None
        self._template: _AoRowTemplate | None = None
        self._stats: dict[int, _AoStats] = {}

    def ao_stats(self, ao: Any) -> _AoStats:
        """Programmed and executed sums, progress and status of an AO per semester and for the year, computed
        once per AO: its row and the Resumen both need them."""
        stats = self._stats.get(id(ao))
        if stats is None:
            stats = self._stats[id(ao)] = self._ao_stats(ao)
        return stats

    def _ao_stats(self, ao: Any) -> _AoStats:
        reglas = self.plan.reglas
        n, half = len(self.labels), self.half
        prog, ejec = ao.programado, ao.ejecutado
        # rules.sum_programmed and rules.sum_executed, inline (the same additions, in the same order), for the year
        # and its two semesters (L.SEMESTER_POINTS, checked below)
        zero = rules.ZERO
        p_year, p_1, p_2 = sum(prog[:n], zero), sum(prog[:half], zero), sum(prog[half:2 * half], zero)
        reported = [*filter(_is_value, ejec[:n])]
        if len(reported) == n or not reported:  # everything reported, or nothing: no need to look again
            e_year = sum(reported, zero) if reported else None
            e_1 = sum(ejec[:half], zero) if reported else None
            e_2 = sum(ejec[half:2 * half], zero) if reported else None
        else:
            e_year = sum(reported, zero)
            e_1, e_2 = rules.sum_executed(ejec, 0, half), rules.sum_executed(ejec, half, 2 * half)
        progress, status = rules.progress, rules.status
        return _AoStats(p_year, e_year, ((p_1, e_1, progress(p_1, e_1, reglas), status(p_1, e_1, reglas)),
                                         (p_2, e_2, progress(p_2, e_2, reglas), status(p_2, e_2, reglas))),
                        progress(p_year, e_year, reglas), status(p_year, e_year, reglas))

    def write(self, target: Path | Any, *, macros: bool = False, panel: Any = None) -> None:
        # The cells stored for a large master are hundreds of thousands of objects that live until the file is
        # written: the collector would go over them again and again, finding no garbage (~15 % of the write in a
        # process that holds a consolidation's returns). It is off while writing; cycles made meanwhile are found
        # when it is back on.
        with collector_paused():
            self._write(target, macros=macros, panel=panel)

    def _write(self, target: Path | Any, *, macros: bool, panel: Any) -> None:
        # parts kept in memory: no temporary file written, read back and removed for each
        wb = new_workbook(target, {"strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False, "in_memory": True})
        wb.set_properties({"title": f"POI {self.plan.anio} – {self.plan.sigla}", "author": "zedxl",
                           "company": self.plan.entidad, "comments": f"zedxl plantilla {TEMPLATE_VERSION}"})
        wb.set_custom_property("zedxl_tipo", "maestro")
        wb.set_custom_property("zedxl_version", TEMPLATE_VERSION)
        wb.set_calc_mode("auto")
        f = _Formats(wb)
        # .xlsm: a Panel sheet with the buttons comes first (zedxl.vba.panel)
        panel_ws = wb.add_worksheet(_panel().SHEET_PANEL) if macros else None
        resumen = wb.add_worksheet(L.SHEET_RESUMEN)
        oei_sheets = [wb.add_worksheet(L.oei_sheet_name(o.codigo)) for o in self.plan.objetivos]
        ingresos = wb.add_worksheet(L.SHEET_INGRESOS)
        gastos = wb.add_worksheet(L.SHEET_GASTOS)
        narrativa = wb.add_worksheet(L.SHEET_NARRATIVA)
        params = wb.add_worksheet(L.SHEET_PARAMS)
        self._params(wb, params, f)
        for ws, oei in zip(oei_sheets, self.plan.objetivos, strict=True):
            self._oei(ws, oei, f)
        # Every style made so far gets its index now, in the order made (XlsxWriter gives each its index when a
        # sheet using it is first written): nothing written later can change what the OEI sheets' XML says, so a
        # second process may write them (_SheetsInChild; never with the VBA project, which names every sheet when
        # the workbook is closed). Done in every path, so all write the same bytes.
        for fmt in wb.formats:
            if fmt.dxf_index is None:  # the traffic lights' formats are differential styles only
                fmt._get_xf_index()
        for ws in oei_sheets:
            _print_setup(ws)
        handoff = None if macros or not isinstance(wb, FastZipWorkbook) else _SheetsInChild.start(
            wb, oei_sheets, sum(1 for _ in self.plan.actividades()))
        try:
            self._resumen(resumen, [ws.name for ws in oei_sheets], f)
            self._budget(ingresos, self.plan.presupuesto.ingresos, "Ingresos presupuestarios", f, sin_saldos=True)
            self._budget(gastos, self.plan.presupuesto.gastos, "Gastos presupuestarios", f, sin_saldos=False)
            self._narrativa(narrativa, f)
            for ws in wb.worksheets():
                if ws not in oei_sheets:
                    _print_setup(ws)
            if panel_ws is not None:
                _panel().add_panel(wb, panel_ws, self.plan, panel)
            (panel_ws or resumen).activate()
            wb.close()
        finally:
            if handoff is not None:
                handoff.close()

    # -- Parámetros -------------------------------------------------------------------------------------------
    def _params(self, wb: xlsxwriter.Workbook, ws: Worksheet, f: _Formats) -> None:
        plan = self.plan
        ws.set_column(0, 0, 48)
        ws.set_column(1, 1, 48)
        ws.write(0, 0, "Parámetros del plan", f.title)
        ws.write(1, 0, "Datos generales y reglas de cálculo. Las celdas amarillas se pueden editar; "
                       "luego ejecute «zedxl recompute» o el botón Recalcular.", f.subtitle)
        r = 3
        rows: list[tuple[str, Any, Format]] = [
            ("entidad", plan.entidad, f.input_text), ("sigla", plan.sigla, f.input_text),
            ("anio", plan.anio, f.number), ("periodicidad", plan.periodicidad, f.text),
            ("responsable_presupuesto", plan.responsable_presupuesto or "", f.input_text),
            ("version", TEMPLATE_VERSION, f.text),
        ]
        reglas = plan.reglas
        rows += [("tope_avance", _num(reglas.tope_avance), f.input_num),
                 ("avance_sin_meta", _num(reglas.avance_sin_meta), f.input_num),
                 ("verde", _num(reglas.verde), f.input_num), ("amarillo", _num(reglas.amarillo), f.input_num)]
        for key, value, fmt in rows:
            ws.write(r, 0, L.PARAM_LABELS[key], f.label)
            if value is None or value == "":
                ws.write_blank(r, 1, None, fmt)
            else:
                ws.write(r, 1, value, fmt)
            if key in L.RULE_NAMES:
                wb.define_name(L.RULE_NAMES[key], f"={quote_sheet(L.SHEET_PARAMS)}!{to_a1(r, 1, absolute=True)}")
            r += 1
        r += 1
        ws.write(r, 0, L.INSTANCIAS_HEADER, f.header)
        ws.write(r, 1, "Nombre", f.header)
        for code, name in plan.instancias.items():
            r += 1
            ws.write(r, 0, code, f.input_text)
            ws.write(r, 1, safe_text(name), f.input_text)

    # -- OEI sheets -------------------------------------------------------------------------------------------
    def _oei(self, ws: Worksheet, oei: Any, f: _Formats) -> None:
        c = self.cols
        plan = self.plan
        ws.write(0, 0, f"{oei.codigo} · {oei.nombre}", f.title)
        if oei.indicador:
            ws.write(1, 0, f"Indicador: {oei.indicador.nombre}", f.subtitle)
        ws.write(2, 0, "Celdas amarillas: datos que se ingresan. Celdas grises: se calculan (no las escriba). "
                       "El avance de OEI/AEI se mide contra la meta anual; el de cada AO contra lo programado "
                       "en el periodo, con tope y regla sin meta según la hoja Parámetros.", f.note)
        for i, h in enumerate(c.headers):
            ws.write(L.HEADER_ROW, i, h, f.header)
        ws.set_row(L.HEADER_ROW, 30)
        ws.set_column(c[L.H_CODIGO], c[L.H_CODIGO], 13)
        ws.set_column(c[L.H_DESCRIPCION], c[L.H_DESCRIPCION], 48)
        ws.set_column(c[L.H_INDICADOR], c[L.H_INDICADOR], 30)
        ws.set_column(c[L.H_UM], c[L.H_INSTANCIA], 11)
        ws.set_column(c[L.prog(self.labels[0])], c[L.H_JUSTIFICACION] - 1, 9)
        ws.set_column(c[L.H_JUSTIFICACION], c[L.H_JUSTIFICACION], 60)
        ws.freeze_panes(L.FIRST_DATA_ROW, c[L.H_DESCRIPCION] + 1)
        row = L.FIRST_DATA_ROW
        self._indicator_row(ws, row, oei.codigo, oei.nombre, oei.indicador, f, level="OEI")
        for aei in oei.acciones:
            row += 1
            self._indicator_row(ws, row, aei.codigo, aei.nombre, aei.indicador, f, level="AEI")
            ws.known_formulas = True  # AO rows: template formulas only (see FormulaWorksheet)
            for ao in aei.actividades:
                row += 1
                self.ao_row(ws, row, ao, f)
            ws.known_formulas = False
        last = row
        pct_cols = [c[L.avance(s)] for s in (*L.SEMESTER_POINTS, "Anual")]
        for col in pct_cols:
            rng = f"{to_a1(L.FIRST_DATA_ROW, col)}:{to_a1(max(last, L.FIRST_DATA_ROW) + 200, col)}"
            self._traffic_lights(ws, rng, f)
        ws.autofilter(L.HEADER_ROW, 0, last, len(c.headers) - 1)
        _ = plan

    def _traffic_lights(self, ws: Worksheet, rng: str, f: _Formats) -> None:
        top = rng.split(":")[0]
        ws.conditional_format(rng, {"type": "formula", "criteria": f"=AND(ISNUMBER({top}),{top}>={L.NAME_VERDE})",
                                    "format": f.green})
        ws.conditional_format(rng, {"type": "formula",
                                    "criteria": f"=AND(ISNUMBER({top}),{top}>={L.NAME_AMARILLO})",
                                    "format": f.yellow})
        ws.conditional_format(rng, {"type": "formula", "criteria": f"=ISNUMBER({top})", "format": f.red})

    def _indicator_row(self, ws: Worksheet, r: int, code: str, name: str, ind: Indicador | None, f: _Formats,
                       level: str) -> None:
        c = self.cols
        plan = self.plan
        fc, ft = (f.oei_code, f.oei_text) if level == "OEI" else (f.aei_code, f.aei_text)
        # every column blank, then some written over (a later write to a cell replaces the earlier one), stored as
        # one row (``write_cells``): the strings, in column order, are the only ones taking shared-string indexes
        cells: dict[int, RowCell] = {i: (i, "b", f.empty, None, "") for i in range(len(c.headers))}
        cells[c[L.H_CODIGO]] = (c[L.H_CODIGO], "w", fc, code, "")
        cells[c[L.H_DESCRIPCION]] = (c[L.H_DESCRIPCION], "w", ft, safe_text(name), "")
        cells[c[L.H_INDICADOR]] = (c[L.H_INDICADOR], "w", f.input_text, safe_text(ind.nombre) if ind else "", "")
        cells[c[L.H_UM]] = (c[L.H_UM], "w", f.input_text, ind.unidad if ind else "", "")
        meta_col = c[L.prog("Anual")]
        meta = ind.meta_anual if ind else None
        cells[meta_col] = (meta_col, "b", f.input_num, None, "") if meta is None else \
            (meta_col, "n", f.input_num, float(meta), "")
        meta_ref = to_a1(r, meta_col)
        for point in (*L.SEMESTER_POINTS, "Anual"):
            e_col = c[L.ejec(point)]
            value = ind.ejecutado.get(point) if ind else None
            cells[e_col] = (e_col, "b", f.input_num, None, "") if value is None else \
                (e_col, "n", f.input_num, float(value), "")
            e_ref = to_a1(r, e_col)
            pct = rules.indicator_progress(ind, point, plan.reglas) if ind else None
            pct_col = c[L.avance(point)]
            cells[pct_col] = (pct_col, "f", f.pct, _blank(pct), _indicator_progress_formula(e_ref, meta_ref))
            state_col = c[L.estado(point)]
            cells[state_col] = (state_col, "f", f.state, _indicator_status(value, pct, plan),
                                _indicator_status_formula(e_ref, to_a1(r, pct_col)))
        write_cells(ws, r, [cells[col] for col in sorted(cells)])

    def _ao_layout(self) -> dict[str, Any]:
        """Column indexes and letters an AO row needs, looked up once per writer (20,000 rows reuse them)."""
        if self._layout is None:
            c = self.cols
            ix = {h: i for i, h in enumerate(c.headers)}
            labels = self.labels
            letter = {h: col_letter(i) for h, i in ix.items()}
            self._layout = {
                "ix": ix, "letter": letter,
                "prog": [ix[L.prog(x)] for x in labels], "ejec": [ix[L.ejec(x)] for x in labels],
                "prog_l": [letter[L.prog(x)] for x in labels], "ejec_l": [letter[L.ejec(x)] for x in labels],
            }
        return self._layout

    def ao_row(self, ws: Worksheet, r: int, ao: Any, f: _Formats) -> None:
        """Write one AO row: inputs, per-row formulas with cached values.

        On a ``FormulaWorksheet`` the row is filled into ``_AoRowTemplate`` (the same cells, a fraction of the
        work); elsewhere (tests compare the two) each cell goes through XlsxWriter."""
        if isinstance(ws, FormulaWorksheet):
            if self._template is None or self._template.formats is not f:
                self._template = _AoRowTemplate(self, f)
            self._template.store(ws, r, ao)
            return
        self.ao_row_cells(ws, r, ao, f)

    def ao_row_cells(self, ws: Worksheet, r: int, ao: Any, f: _Formats) -> None:
        """``ao_row`` cell by cell (``write_cells``)."""
        lay = self._ao_layout()
        ix, letter = lay["ix"], lay["letter"]
        prog_cols, ejec_cols, prog_l, ejec_l = lay["prog"], lay["ejec"], lay["prog_l"], lay["ejec_l"]
        reglas = self.plan.reglas
        n = len(self.labels)
        row = r + 1  # A1 row number
        cells: list[RowCell] = [
            (ix[L.H_CODIGO], "w", f.code, ao.codigo, ""),
            (ix[L.H_DESCRIPCION], "w", f.input_text, safe_text(ao.nombre), ""),
            (ix[L.H_INDICADOR], "b", f.empty, None, ""),
            (ix[L.H_UM], "w", f.input_text, safe_text(ao.unidad), ""),
            (ix[L.H_INSTANCIA], "w", f.input_text, ao.instancia, ""),
        ]
        for i in range(n):
            cells.append((prog_cols[i], "n", f.input_num, float(ao.programado[i]), ""))
            e = ao.ejecutado[i]
            cells.append((ejec_cols[i], "b", f.input_num, None, "") if e is None else
                         (ejec_cols[i], "n", f.input_num, float(e), ""))
        p0, pn = f"{prog_l[0]}{row}", f"{prog_l[-1]}{row}"
        e0, en = f"{ejec_l[0]}{row}", f"{ejec_l[-1]}{row}"
        p_year = rules.sum_programmed(ao.programado, 0, n)
        e_year = rules.sum_executed(ao.ejecutado, 0, n)
        cells.append((ix[L.prog("Anual")], "f", f.calc, float(p_year), f"=SUM({p0}:{pn})"))
        cells.append((ix[L.ejec("Anual")], "f", f.calc, _blank(e_year), f'=IF(COUNT({e0}:{en})=0,"",SUM({e0}:{en}))'))
        for s_idx, s in enumerate(L.SEMESTER_POINTS):
            start, stop = s_idx * self.half, (s_idx + 1) * self.half
            pa, pb = f"{prog_l[start]}{row}", f"{prog_l[stop - 1]}{row}"
            ea, eb = f"{ejec_l[start]}{row}", f"{ejec_l[stop - 1]}{row}"
            p = rules.sum_programmed(ao.programado, start, stop)
            e = rules.sum_executed(ao.ejecutado, start, stop)
            p_ref, e_ref = f"{letter[L.prog(s)]}{row}", f"{letter[L.ejec(s)]}{row}"
            cells += [
                (ix[L.prog(s)], "f", f.calc, float(p), f"=SUM({pa}:{pb})"),
                (ix[L.ejec(s)], "f", f.calc, _blank(e), f'=IF(COUNT({ea}:{eb})=0,"",SUM({ea}:{eb}))'),
                (ix[L.avance(s)], "f", f.pct, _blank(rules.progress(p, e, reglas)), _progress_formula(e_ref, p_ref)),
                (ix[L.estado(s)], "f", f.state, rules.status(p, e, reglas), _status_formula(e_ref, p_ref)),
            ]
        py_ref, ey_ref = f"{letter[L.prog('Anual')]}{row}", f"{letter[L.ejec('Anual')]}{row}"
        cells += [
            (ix[L.avance("Anual")], "f", f.pct, _blank(rules.progress(p_year, e_year, reglas)),
             _progress_formula(ey_ref, py_ref)),
            (ix[L.estado("Anual")], "f", f.state, rules.status(p_year, e_year, reglas),
             _status_formula(ey_ref, py_ref)),
            (ix[L.H_JUSTIFICACION], "s", f.input_text, safe_text(ao.justificacion), ""),
        ]
        cells.sort(key=lambda cell: cell[0])
        write_cells(ws, r, cells)

    # -- Resumen ----------------------------------------------------------------------------------------------
    def _resumen(self, ws: Worksheet, sheets: Sequence[str], f: _Formats) -> None:
        plan = self.plan
        c = self.cols
        year = whole_year(plan.anio, plan.periodicidad)
        sems = semesters(plan.anio, plan.periodicidad)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 42)
        ws.set_column(2, 2, 13)
        ws.set_column(3, 3 + len(self.labels) + 3, 10)
        ws.write(0, 0, f"Resumen del POI {plan.anio} – {plan.entidad} ({plan.sigla})", f.title)
        ws.write(1, 0, "Todas las cifras de esta hoja son fórmulas: se actualizan solas en Excel.", f.subtitle)

        by_office: dict[str, list[Any]] = {}  # once: looking AO up per office and cell is quadratic
        for ao in plan.actividades():
            by_office.setdefault(ao.instancia, []).append(ao)
        periods = [*((b.start, b.stop) for b in _bases(plan)),
                   *((s.start, s.stop) for s in sems), (year.start, year.stop)]
        # per office and column: programmed and executed sums (a blank executed counts 0), one pass over the AO
        office_sums: dict[str, tuple[list[Decimal], list[Decimal]]] = {}
        n_labels = len(self.labels)
        for code in dict.fromkeys([*plan.instancias, *by_office]):  # each office once (most are in both)
            aos = by_office.get(code, [])
            if all(len(ao.programado) == len(ao.ejecutado) == n_labels for ao in aos):
                # column by column, in AO order (the very additions of the loop below, by sum)
                progs = [sum(column, rules.ZERO) for column in zip(*(ao.programado for ao in aos), strict=True)] or \
                    [rules.ZERO] * n_labels
                ejecs = [sum(filter(_is_value, column), rules.ZERO)
                         for column in zip(*(ao.ejecutado for ao in aos), strict=True)] or [rules.ZERO] * n_labels
            else:
                progs = [rules.ZERO] * n_labels
                ejecs = [rules.ZERO] * n_labels
                for ao in aos:
                    for i, (p, e) in enumerate(zip(ao.programado, ao.ejecutado, strict=True)):
                        progs[i] += p
                        if e is not None:
                            ejecs[i] += e
            # a semester or the year is the sum of its base periods (a blank counts 0, as in the formulas)
            office_sums[code] = ([sum(progs[a:b], rules.ZERO) for a, b in periods],
                                 [sum(ejecs[a:b], rules.ZERO) for a, b in periods])

        # A. plain sums per office (Anexo 02)
        r = 3
        ws.write(r, 0, "A. Programación y avance de Actividades Operativas por instancia", f.section)
        ws.write(r + 1, 0, "Suma simple de las metas físicas de las AO de cada instancia, mezclando unidades de "
                           "medida, tal como el Anexo 02 del Informe de Evaluación. Sirve para comparar con el "
                           "informe; la medida bien definida del avance es el promedio de la sección B.", f.note)
        ws.set_row(r + 1, 36)
        ws.merge_range(r + 1, 0, r + 1, 3 + len(self.labels) + 2, None)
        r += 3
        cols = [*self.labels, "S1", "S2", "Anual"]
        src_cols = [*self.labels, "S1", "S2", "Anual"]
        heads = ["Instancia", "Nombre", "Concepto", *cols]
        for i, h in enumerate(heads):
            ws.write(r, i, h, f.header)
        first = r + 1
        quoted = [quote_sheet(s) for s in sheets]
        inst_letters = col_letter(c[L.H_INSTANCIA])
        n_base = len(self.labels)
        # each office row's formulas differ only in the row number: built once per column as a _RowFormula
        row_formulas: dict[str, list[_RowFormula]] = {}
        for concept, prefix in (("Programado", L.prog), ("Ejecutado", L.ejec)):
            row_formulas[concept] = []
            for j, (label, (start, stop)) in enumerate(zip(src_cols, periods, strict=True)):
                if j < n_base:
                    # base periods: sum the office's input cells directly (whole columns, so an AO row a
                    # planner inserts counts at once, before any recompute)
                    col_letters = col_letter(c[prefix(label)])
                    template = "=" + "+".join(f"SUMIF({q}!${inst_letters}:${inst_letters},$A{_ROW},"
                                              f"{q}!{col_letters}:{col_letters})" for q in quoted)
                else:
                    # semesters and year: the sum of this row's base-period cells
                    template = f"=SUM({col_letter(3 + start)}{_ROW}:{col_letter(3 + stop - 1)}{_ROW})"
                row_formulas[concept].append(_RowFormula(template))
        vetted = {concept: not any(t.dynamic for t in templates) for concept, templates in row_formulas.items()}
        for code, name in plan.instancias.items():
            for concept in ("Programado", "Ejecutado"):
                r += 1
                cells = _RowBuffer(ws, r)  # one write_cells per office row
                cells.write(r, 0, code, f.code)
                cells.write(r, 1, safe_text(name), f.text)
                cells.write(r, 2, concept, f.text)
                sums = office_sums[code][0 if concept == "Programado" else 1]
                for j, formula in enumerate(row_formulas[concept]):
                    cells.write_formula(r, 3 + j, formula.at(r), f.calc, float(sums[j]))
                cells.flush(checked=vetted[concept])
        last = r
        for concept in ("Programado", "Ejecutado"):
            r += 1
            ws.write(r, 0, L.TOTAL_LABEL, f.total_label)
            ws.write(r, 1, "Total institucional", f.total_label)
            ws.write(r, 2, concept, f.total_label)
            for j in range(len(periods)):
                letter = col_letter(3 + j)
                value = sum((office_sums[code][0 if concept == "Programado" else 1][j] for code in by_office),
                            rules.ZERO)
                ws.write_formula(r, 3 + j, f'=SUMIF($C${first + 1}:$C${last + 1},"{concept}",'
                                           f"{letter}${first + 1}:{letter}${last + 1})", f.pct_total, float(value))

        # B. mean of AO percentages per office
        r += 3
        ws.write(r, 0, "B. Avance promedio de las Actividades Operativas por instancia (%)", f.section)
        ws.write(r + 1, 0, "Promedio de los porcentajes de avance de cada AO (con el tope y la regla «sin meta» "
                           "de la hoja Parámetros), contando solo las AO que ya reportaron. Es el «avance físico» "
                           "que el informe cita como titular.", f.note)
        ws.set_row(r + 1, 36)
        ws.merge_range(r + 1, 0, r + 1, 3 + len(self.labels) + 2, None)
        r += 3
        points = [*L.SEMESTER_POINTS, "Anual"]
        heads = ["Instancia", "Nombre", "N° de AO"]
        for pt in points:
            heads += [f"AO con reporte {pt}", f"Avance promedio {pt} (%)"]
        for i, h in enumerate(heads):
            ws.write(r, i, h, f.header)
        ws.set_row(r, 30)
        first_b = r + 1
        inst = col_letter(c[L.H_INSTANCIA])
        # the AO rows' own progress per point (S1, S2, year: the same periods as ``sems`` and ``year``)
        assert [(s.start, s.stop) for s in (*sems, year)] == [
            (0, self.half), (self.half, 2 * self.half), (0, len(self.labels))]
        stats = self.ao_stats
        pct_rows = [(st.semesters[0][2], st.semesters[1][2], st.avance)
                    for st in map(stats, plan.actividades())]  # per AO: its S1, S2 and year progress
        ao_pcts = {id(ao): row for ao, row in zip(plan.actividades(), pct_rows, strict=True)}
        pct_columns = list(zip(*pct_rows, strict=True)) or [(), (), ()]
        n_aos = _RowFormula("=" + "+".join(f"COUNTIF({q}!${inst}:${inst},$A{_ROW})" for q in quoted))
        point_formulas: list[tuple[_RowFormula, _RowFormula]] = []
        for k, pt in enumerate(points):
            av = col_letter(c[L.avance(pt)])
            count = "+".join(f'COUNTIFS({q}!${inst}:${inst},$A{_ROW},{q}!{av}:{av},">=0")' for q in quoted)
            total = "+".join(f"SUMIF({q}!${inst}:${inst},$A{_ROW},{q}!{av}:{av})" for q in quoted)
            n_ref = f"{col_letter(3 + 2 * k)}{_ROW}"
            point_formulas.append((_RowFormula("=" + count),
                                   _RowFormula(f'=IF({n_ref}=0,"",({total})/{n_ref})')))
        checked = not n_aos.dynamic and all(not a.dynamic and not b.dynamic for a, b in point_formulas)
        for code, name in plan.instancias.items():
            r += 1
            aos = by_office.get(code, [])
            cells = _RowBuffer(ws, r)
            cells.write(r, 0, code, f.code)
            cells.write(r, 1, safe_text(name), f.text)
            cells.write_formula(r, 2, n_aos.at(r), f.calc, len(aos))
            office_columns = list(zip(*(ao_pcts[id(ao)] for ao in aos), strict=True)) or [(), (), ()]
            for k, (count_f, mean_f) in enumerate(point_formulas):
                pcts = office_columns[k]
                n_col = 3 + 2 * k
                cells.write_formula(r, n_col, count_f.at(r), f.calc, sum(1 for p in pcts if p is not None))
                cells.write_formula(r, n_col + 1, mean_f.at(r), f.pct, _blank(rules.mean(pcts)))
            cells.flush(checked=checked)
        last_b = r
        r += 1
        ws.write(r, 0, L.TOTAL_LABEL, f.total_label)
        ws.write(r, 1, "Total institucional", f.total_label)
        ws.write_formula(r, 2, f"=SUM(C{first_b + 1}:C{last_b + 1})", f.pct_total,
                         sum(1 for _ in plan.actividades()))
        headline: list[tuple[str, str, Decimal | None]] = []
        for k, pt in enumerate(points):
            all_pcts = pct_columns[k]
            n_col = 3 + 2 * k
            nl, ml = col_letter(n_col), col_letter(n_col + 1)
            n_range = f"{nl}{first_b + 1}:{nl}{last_b + 1}"
            m_range = f"{ml}{first_b + 1}:{ml}{last_b + 1}"
            ws.write_formula(r, n_col, f"=SUM({n_range})", f.pct_total,
                             sum(1 for p in all_pcts if p is not None))
            mean = rules.mean(all_pcts)
            ws.write_formula(r, n_col + 1, f'=IF(SUM({n_range})=0,"",SUMPRODUCT({m_range},{n_range})/SUM({n_range}))',
                             f.pct_total, _blank(mean))
            headline.append((pt, to_a1(r, n_col + 1), mean))
        for k in range(len(points)):
            mean_col = col_letter(3 + 2 * k + 1)
            self._traffic_lights(ws, f"{mean_col}{first_b + 1}:{mean_col}{r + 1}", f)

        # C. headline
        r += 3
        ws.write(r, 0, "C. Avance físico institucional (promedio de las AO, %)", f.section)
        for pt, ref, head_value in headline:
            r += 1
            ws.write(r, 1, {"S1": "I Semestre", "S2": "II Semestre", "Anual": "Año"}[pt], f.label)
            ws.write_formula(r, 2, f"={ref}", f.pct_total, _blank(head_value))

    # -- budget -----------------------------------------------------------------------------------------------
    def _budget(self, ws: Worksheet, lines: Sequence[LineaPresupuesto], title: str, f: _Formats,
                sin_saldos: bool) -> None:
        ws.set_column(0, 0, 52)
        ws.set_column(1, 5, 17)
        ws.write(0, 0, f"{title} {self.plan.anio} (S/)", f.title)
        ws.write(1, 0, "% de avance = Ejecución / PIM × 100. Un rubro sin PIM (p. ej. Saldos de Balance) no tiene "
                       "% propio pero su ejecución suma al total.", f.note)
        hr = L.BUDGET_HEADER_ROW
        for i, h in enumerate(L.BUDGET_HEADERS):
            ws.write(hr, i, h, f.header)
        r = hr
        for line in lines:
            r += 1
            ws.write(r, 0, safe_text(line.rubro), f.input_text)
            for col, value in ((1, line.pia), (2, line.pim), (4, line.ejecucion)):
                if value is None:
                    ws.write_blank(r, col, None, f.money)
                else:
                    ws.write_number(r, col, float(value), f.money)
            ws.write_formula(r, 3, f'=IF(AND(ISNUMBER(B{r + 1}),ISNUMBER(C{r + 1})),C{r + 1}-B{r + 1},"")',
                             f.money_calc, _blank(rules.budget_diff(line)))
            ws.write_formula(r, 5, f'=IF(AND(ISNUMBER(C{r + 1}),ISNUMBER(E{r + 1})),IF(C{r + 1}=0,"",'
                                   f'E{r + 1}/C{r + 1}*100),"")', f.pct, _blank(rules.budget_pct(line)))
        r += 1
        total = rules.budget_total(lines, L.TOTAL_LABEL)
        first = hr + 2
        ws.write(r, 0, L.TOTAL_LABEL, f.total_label)
        for col, value in ((1, total.pia), (2, total.pim), (4, total.ejecucion)):
            letter = col_letter(col)
            ws.write_formula(r, col, f"=SUM({letter}${first}:INDEX({letter}:{letter},ROW()-1))", f.money_total,
                             float(value or 0))
        ws.write_formula(r, 3, f"=C{r + 1}-B{r + 1}", f.money_total,
                         float((total.pim or 0) - (total.pia or 0)))
        ws.write_formula(r, 5, f'=IF(C{r + 1}=0,"",E{r + 1}/C{r + 1}*100)', f.pct_total,
                         _blank(rules.budget_pct(total)))
        if sin_saldos:
            r += 1
            ws.write(r, 0, L.SIN_SALDOS_LABEL, f.label)
            rng_c = f"C${first}:INDEX(C:C,ROW()-2)"
            rng_e = f"E${first}:INDEX(E:E,ROW()-2)"
            ws.write_formula(r, 5, f'=IF(SUM({rng_c})=0,"",SUMPRODUCT(ISNUMBER({rng_c})*1,{rng_e})/SUM({rng_c})*100)',
                             f.pct_total, _blank(rules.budget_pct_with_pim_only(lines)))

    # -- Narrativa --------------------------------------------------------------------------------------------
    def _narrativa(self, ws: Worksheet, f: _Formats) -> None:
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 40)
        ws.set_column(2, 2, 100)
        ws.write(0, 0, "Narrativa del Informe de Evaluación", f.title)
        ws.write(1, 0, "Escriba aquí los textos del informe; un campo vacío aparecerá en el informe como "
                       "«[Pendiente: …]».", f.subtitle)
        for i, h in enumerate(("Campo", "Sección del informe", "Texto")):
            ws.write(3, i, h, f.header)
        for k, (key, title) in enumerate(L.NARRATIVA_FIELDS.items()):
            r = 4 + k
            ws.write(r, 0, key, f.code)
            ws.write(r, 1, title, f.text)
            ws.write_string(r, 2, safe_text(self.plan.narrativa.get(key, "")), f.input_text)
            ws.set_row(r, 120)


_SAFE_FIELDS = frozenset({"nombre", "unidad", "justificacion"})  # what ``ao_row_cells`` passes through safe_text


class _AoStats(NamedTuple):
    """``MasterWriter.ao_stats``: year sums, per semester (programmed, executed, progress, status), year's."""

    programado: Decimal
    ejecutado: Decimal | None
    semesters: tuple[tuple[Decimal, Decimal | None, Decimal | None, str], ...]
    avance: Decimal | None
    estado: str


class _AoRowTemplate:
    """Every AO row of a master has the same cells in the same columns with the same formats and formulas but for
    the row number: this is that row, made once per writer, filled per AO with its strings (shared-string
    indexes, taken in column order as XlsxWriter takes them), numbers and the formulas' cached values, and
    rendered when XlsxWriter writes the sheet. The XML is byte for byte ``ao_row_cells``'s (tests/test_master.py)."""

    def __init__(self, writer: MasterWriter, f: _Formats) -> None:
        self.formats = f
        self.writer = writer
        lay = writer._ao_layout()
        ix, letter = lay["ix"], lay["letter"]
        n = len(writer.labels)
        half = writer.half
        # (column, kind, format, source): kinds w/s (string: AO field), b (blank), n (programmed i),
        # e (executed i: number or blank), f (formula: index of its cached value, template)
        slots: list[tuple[int, str, Format, Any]] = [
            (ix[L.H_CODIGO], "w", f.code, "codigo"), (ix[L.H_DESCRIPCION], "w", f.input_text, "nombre"),
            (ix[L.H_INDICADOR], "b", f.empty, None), (ix[L.H_UM], "w", f.input_text, "unidad"),
            (ix[L.H_INSTANCIA], "w", f.input_text, "instancia"),
            (ix[L.H_JUSTIFICACION], "s", f.input_text, "justificacion"),
        ]
        slots += [(lay["prog"][i], "n", f.input_num, i) for i in range(n)]
        slots += [(lay["ejec"][i], "e", f.input_num, i) for i in range(n)]
        prog_l, ejec_l = lay["prog_l"], lay["ejec_l"]
        formulas: list[tuple[int, Format, str]] = [
            (ix[L.prog("Anual")], f.calc, f"=SUM({prog_l[0]}{{0}}:{prog_l[-1]}{{0}})"),
            (ix[L.ejec("Anual")], f.calc, f'=IF(COUNT({ejec_l[0]}{{0}}:{ejec_l[-1]}{{0}})=0,"",'
                                          f"SUM({ejec_l[0]}{{0}}:{ejec_l[-1]}{{0}}))"),
        ]
        for s_idx, sem in enumerate(L.SEMESTER_POINTS):
            a, b = s_idx * half, (s_idx + 1) * half - 1
            p_ref, e_ref = f"{letter[L.prog(sem)]}{{0}}", f"{letter[L.ejec(sem)]}{{0}}"
            formulas += [
                (ix[L.prog(sem)], f.calc, f"=SUM({prog_l[a]}{{0}}:{prog_l[b]}{{0}})"),
                (ix[L.ejec(sem)], f.calc, f'=IF(COUNT({ejec_l[a]}{{0}}:{ejec_l[b]}{{0}})=0,"",'
                                          f"SUM({ejec_l[a]}{{0}}:{ejec_l[b]}{{0}}))"),
                (ix[L.avance(sem)], f.pct, _progress_formula(e_ref, p_ref)),
                (ix[L.estado(sem)], f.state, _status_formula(e_ref, p_ref)),
            ]
        py_ref, ey_ref = f"{letter[L.prog('Anual')]}{{0}}", f"{letter[L.ejec('Anual')]}{{0}}"
        formulas += [(ix[L.avance("Anual")], f.pct, _progress_formula(ey_ref, py_ref)),
                     (ix[L.estado("Anual")], f.state, _status_formula(ey_ref, py_ref))]
        # the cached values come in this order from ``values``
        slots += [(col, "f", fmt, (k, _escape(text[1:]))) for k, (col, fmt, text) in enumerate(formulas)]
        slots.sort(key=lambda slot: slot[0])
        self.slots = slots
        self.first, self.last = slots[0][0], slots[-1][0]
        self.string_fields = [(k, src, kind) for k, (_, kind, _, src) in enumerate(slots) if kind in "ws"]
        self.pieces: list[tuple[str, str, str, Any]] | None = None  # made at the first render (style indexes)

    def values(self, ao: Any) -> list[Any]:
        """The formulas' cached values, in the order of the formulas above."""
        st = self.writer.ao_stats(ao)
        out: list[Any] = [float(st.programado), _blank(st.ejecutado)]
        for p, e, pct, state in st.semesters:
            out += [float(p), _blank(e), _blank(pct), state]
        out += [_blank(st.avance), st.estado]
        return out

    def store(self, ws: FormulaWorksheet, r: int, ao: Any) -> None:
        strings: dict[int, int | None] = {}
        for k, field_name, kind in self.string_fields:
            text = getattr(ao, field_name)
            if field_name in _SAFE_FIELDS:
                text = safe_text(text)
            if kind == "w" and text == "":
                strings[k] = None  # ws.write() of "" is a blank cell
                continue
            if len(text) > ws.xls_strmax // 2 and utf16_len(text) > ws.xls_strmax:
                text = utf16_truncate(text, ws.xls_strmax)
            strings[k] = ws.str_table._get_shared_string_index(text)
        if ws._check_dimensions(r, self.first) or ws._check_dimensions(r, self.last):
            return
        ws.table[r][self.first] = _RawRow(None, (self, ao, strings, None))
        ws.table[r][self.last] = _RawRow(None)

    def _pieces(self) -> list[tuple[str, str, str, Any]]:
        pieces = self.pieces
        if pieces is None:  # style indexes are taken at the first render, in column order, as XlsxWriter does
            pieces = self.pieces = [(f'<c r="{col_letter(col)}', f'" s="{fmt._get_xf_index()}"', kind, src)
                                    for col, kind, fmt, src in self.slots]
        return pieces

    def render(self, row: int, ao: Any, strings: dict[int, int | None], cached: list[Any]) -> str:
        pieces = self._pieces()
        r = str(row + 1)
        out = []
        prog, ejec = ao.programado, ao.ejecutado
        for k, (head, style, kind, src) in enumerate(pieces):
            if kind == "f":
                value = cached[src[0]]
                formula = src[1].format(r)
                if isinstance(value, str):
                    if value == "":
                        out.append(f"{head}{r}{style}><f>{formula}</f><v></v></c>")
                    else:
                        out.append(f'{head}{r}{style} t="str"><f>{formula}</f><v>{_escape(value)}</v></c>')
                else:
                    out.append(f"{head}{r}{style}><f>{formula}</f><v>{value}</v></c>")
            elif kind == "n":
                out.append(f"{head}{r}{style}><v>{float(prog[src]):.16G}</v></c>")
            elif kind == "e":
                e = ejec[src]
                out.append(f"{head}{r}{style}/>" if e is None else f"{head}{r}{style}><v>{float(e):.16G}</v></c>")
            elif kind == "b":
                out.append(f"{head}{r}{style}/>")
            else:
                idx = strings[k]
                out.append(f"{head}{r}{style}/>" if idx is None else f'{head}{r}{style} t="s"><v>{idx}</v></c>')
        return "".join(out)


_is_value = functools.partial(operator.is_not, None)  # a reported value (filter's test, without a Python frame)
assert len(L.SEMESTER_POINTS) == 2, "MasterWriter.ao_stats computes two semesters"


def _print_setup(ws: Worksheet) -> None:
    """A4 landscape, one page wide: a printed sheet never splits its columns across pages."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _bases(plan: Plan) -> list[Any]:
    from zedxl.periods import base_periods

    return base_periods(plan.anio, plan.periodicidad)


def _panel() -> Any:
    from zedxl.vba import panel

    return panel


def write_master(plan: Plan, target: Path | Any, *, macros: bool | None = None, panel: Any = None) -> None:
    """Write the master workbook for ``plan`` to ``target`` (path or binary file object).

    ``macros`` (default: ``target`` is a path ending in ``.xlsm``) adds the Panel sheet with its buttons and the VBA
    project they call; ``panel`` (a ``zedxl.vba.panel.PanelSettings``) keeps what the planner typed there.
    """
    if macros is None:
        macros = isinstance(target, (str, Path)) and Path(target).suffix.lower() == ".xlsm"
    MasterWriter(plan).write(target, macros=macros, panel=panel)
