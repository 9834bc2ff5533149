"""The ``observaciones_<OFICINA>.xlsx`` workbook sent back to an office: the problems found in its returns."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import xlsxwriter

from zedxl.fmt import printable
from zedxl.fsutil import atomic_write
from zedxl.issues import Report
from zedxl.xlsx import printing
from zedxl.xlsx.text import safe_text

SHEET = "Observaciones"
FIRST_ROW = 4  # zero-based row of the first problem


def build(rows: list[list[str]], office: str, target: Any, *, entidad: str = "", periodo: str = "") -> None:
    """Write the workbook (``target``: path or binary file object); ``entidad`` and ``periodo`` head its pages."""
    wb = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False, "in_memory": True})
    ws = wb.add_worksheet(SHEET)
    bold = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "white", "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    widths = (9, 18, 22, 9, 7, 28, 10, 69)  # one per column of OBSERVACIONES_HEADER
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, safe_text(f"Observaciones para la oficina {printable(office)}"),
                    wb.add_format({"bold": True, "font_size": 13}))
    ws.write_string(1, 0, "Corrija cada punto en su libro y vuelva a enviarlo. Los avisos no impiden la "
                          "consolidación; los errores sí.")
    for j, h in enumerate(Report().to_rows()[0]):
        ws.write_string(3, j, h, bold)
    for i, row in enumerate(rows, start=FIRST_ROW):
        for j, value in enumerate(row):
            ws.write_string(i, j, safe_text(value), wrap)
        ws.set_row(i, printing.row_height(zip(row, widths, strict=False), font_size=11))
    ws.freeze_panes(FIRST_ROW, 0)
    printing.page_setup(ws, printing.PageText(printable(entidad), "Observaciones a los libros devueltos",
                                              printable(office), printable(periodo)),
                        widths, last_row=FIRST_ROW + len(rows) - 1, title_rows=(FIRST_ROW - 1, FIRST_ROW - 1))
    wb.close()


def file_name(office: str) -> str:
    """``observaciones_<office>.xlsx``: letters, digits, ``-`` and ``_`` only, so no name becomes a path; a name
    that needed changing gets a short hash of itself, so two names never share a file."""
    safe = re.sub(r"[^0-9A-Za-z_-]+", "_", office)[:60] or "_"
    if safe != office:
        safe += "-" + hashlib.sha256(office.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"observaciones_{safe}.xlsx"


def write_observaciones(office: str, reports: list[Report], folder: Path, entidad: str = "",
                        periodo: str = "") -> Path:
    """``folder/`` + ``file_name(office)`` listing the problems of ``reports``; ``entidad`` and ``periodo`` (the
    returns' periods) head its printed pages."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(office)
    rows = [[str(v) for v in r] for rep in reports for r in rep.to_rows()[1:]]
    # no flush to disk: a report that the run's archived returns and ledger can always give again
    atomic_write(path, lambda tmp: build(rows, office, str(tmp), entidad=entidad, periodo=periodo), sync=False)
    return path


__all__ = ["build", "file_name", "write_observaciones"]
