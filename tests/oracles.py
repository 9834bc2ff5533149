"""openpyxl as an independent oracle of what a returned workbook holds.

zedxl reads a return once, from its own records (``zedxl.xlsx.office_book``). Here openpyxl opens the same file on
its own, its cells become the same kind of records, and the same checks (``validate.read_book``) run on them: the
manifest, values and issues must come out equal. A file openpyxl cannot open is counted, not compared: whether zedxl
accepts a file is decided by its own rules, not by openpyxl.
"""

from __future__ import annotations

import dataclasses
import io
import warnings
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

import zedxl.validate as V
from zedxl.intake import INTAKE_CODES
from zedxl.xlsx.office_book import Book, Cell, Range, Sheet
from zedxl.xlsx.office_layout import PROPERTY_PREFIX

#: above this many cells in a sheet's used rectangle the oracle does not walk it (a far-corner cell, say)
MAX_AREA = 2_000_000


def openpyxl_book(data: bytes) -> Book | None:
    """The records openpyxl's reading of the file gives; None when openpyxl refuses the file or its area is huge."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_vba=False, keep_links=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for a file it cannot open
        return None
    sheets: dict[str, Sheet] = {}
    for ws in wb.worksheets + wb.chartsheets:
        if not isinstance(ws, Worksheet):
            sheets[ws.title] = Sheet(ws.title, ws.sheet_state, "chartsheet", {})
            continue
        if ws.max_row * ws.max_column > MAX_AREA:
            return None
        cells: dict[tuple[int, int], Cell] = {}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None and cell.data_type != "f":
                    continue
                if cell.data_type == "f" and not isinstance(value, str):
                    value = "=" + str(getattr(value, "text", "") or "").lstrip("=")
                cells[(cell.row - 1, cell.column - 1)] = Cell(value, cell.data_type, cell.number_format)
        merged = [Range(r.min_row, r.min_col, r.max_row, r.max_col, r.coord) for r in ws.merged_cells.ranges]
        sheets[ws.title] = Sheet(ws.title, ws.sheet_state, "worksheet", cells, merged)
    order = {name: k for k, name in enumerate(wb.sheetnames)}
    props = {p.name[len(PROPERTY_PREFIX):]: "" if p.value is None else str(p.value)
             for p in wb.custom_doc_props.props if p.name.startswith(PROPERTY_PREFIX)}
    wb.close()
    return Book(dict(sorted(sheets.items(), key=lambda kv: order.get(kv[0], 0))), props)


def agrees_with_openpyxl(path: Path, got: V.ReturnRead, data: bytes) -> bool | None:
    """Whether openpyxl's reading of the file gives what zedxl read (manifest, values, reader issues); None when
    there is nothing to compare: intake refused the file, or openpyxl cannot open it."""
    if got.manifest is None and any(i.code in INTAKE_CODES and i.severity == "error" for i in got.head):
        return None
    book = openpyxl_book(data)
    if book is None:
        return None
    ref = V.read_book(V.ReturnRead(got.file, got.sha256), book)
    mine = dataclasses.replace(got, head=[i for i in got.head if i.code not in INTAKE_CODES])
    assert ref == mine, f"openpyxl reads {path.name} otherwise:\n{ref}\n!=\n{mine}"
    return True
