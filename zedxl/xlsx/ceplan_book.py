"""The Aplicativo CEPLAN's POI export as a file: read its sheets' values (openpyxl, read-only) and write one
(XlsxWriter) in its layout. What the columns mean is ``zedxl.ceplan``'s business."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from zedxl.errors import WorkbookError
from zedxl.fsutil import atomic_write, require_regular_file
from zedxl.xlsx.text import safe_text

MAX_ROWS = 200_000
"""Rows read per sheet: an entity's POI has a few thousand AO-department rows; more is not an export."""


def read_export(path: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every sheet's cell values (as openpyxl gives them: numbers, text, None), in sheet order. Raises
    WorkbookError (Spanish) for a file that is not an .xlsx workbook."""
    import openpyxl

    require_regular_file(path, "La exportación")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(512).lstrip().lower()
        hint = (" El Aplicativo a veces descarga un .xls que en realidad es una página web: ábralo en Excel y "
                "guárdelo como «Libro de Excel (.xlsx)».") if head.startswith((b"<", b"\xef\xbb\xbf<")) else ""
        raise WorkbookError(f"{path.name} no es un libro .xlsx.{hint}")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise WorkbookError(f"No se pudo leer {path.name} como libro .xlsx ({e}).") from e
    try:
        out = []
        for ws in wb.worksheets:
            rows: list[tuple[Any, ...]] = []
            for row in ws.iter_rows(values_only=True):
                if len(rows) >= MAX_ROWS:
                    raise WorkbookError(f"La hoja {ws.title} de {path.name} tiene más de {MAX_ROWS:,} filas: no "
                                        "parece una exportación del POI.")
                rows.append(tuple(row))
            out.append((ws.title, rows))
        return out
    finally:
        wb.close()


def build(target: Any, sheet: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write the export (``target``: path or binary file object): a header row, then one row per AO. Text is
    written as text (never a formula); a number as a number; None as a blank cell."""
    wb = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False, "in_memory": True})
    ws = wb.add_worksheet(sheet)
    head = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "white", "text_wrap": True,
                          "valign": "top"})
    for j, h in enumerate(header):
        ws.write_string(0, j, h, head)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                ws.write_number(i, j, float(value))  # (within Excel's 15 digits: the plan check saw to it)
            elif value is not None and value != "":
                ws.write_string(i, j, safe_text(str(value)))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    wb.close()


def write_export(path: Path, sheet: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write the export to ``path`` atomically."""
    atomic_write(path, lambda tmp: build(str(tmp), sheet, header, rows))


__all__ = ["MAX_ROWS", "build", "read_export", "write_export"]
