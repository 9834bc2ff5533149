"""The ``observaciones_<OFICINA>.xlsx`` workbook sent back to an office: the problems found in its returns.

Hundreds of offices may get one in a single consolidation, and XlsxWriter's fixed cost per workbook (styles, theme,
properties, packaging) is ~20 ms when the content itself is a few rows. So the workbook is made once per process
by XlsxWriter (``constant_memory``, strings stored inline) with the fixed part and one marker row; each office's file
is that package with the marker row replaced by its rows, written exactly as XlsxWriter writes an inline string
cell. The result is byte for byte what XlsxWriter writes for the same content (tests/test_consolidate.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import _preserve_whitespace
from xlsxwriter.xmlwriter import XMLwriter

from zedxl.a1 import col_letter
from zedxl.fsutil import atomic_write
from zedxl.issues import Report

SHEET = "Observaciones"
FIRST_ROW = 4  # zero-based row of the first problem
_MARKER = "@@zedxl-marca@@"
_SHEET_PART = "xl/worksheets/sheet1.xml"


def build(rows: list[list[str]], office: str, target: Any) -> None:
    """Write the workbook with XlsxWriter itself (``target``: path or binary file object)."""
    wb = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False, "constant_memory": True})
    ws = wb.add_worksheet(SHEET)
    bold = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "white", "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.set_column(0, 1, 16)
    ws.set_column(2, 2, 30)
    ws.set_column(3, 5, 12)
    ws.set_column(6, 6, 90)
    ws.write(0, 0, f"Observaciones para la oficina {office}", wb.add_format({"bold": True, "font_size": 13}))
    ws.write(1, 0, "Corrija cada punto en su libro y vuelva a enviarlo. Los avisos no impiden la consolidación; "
                   "los errores sí.")
    for j, h in enumerate(Report().to_rows()[0]):
        ws.write(3, j, h, bold)
    for i, row in enumerate(rows, start=FIRST_ROW):
        for j, value in enumerate(row):
            ws.write_string(i, j, value, wrap)
    wb.close()


class _Template:
    """The package of an observaciones workbook with a marker row, split around what changes per office."""

    def __init__(self) -> None:
        buf = io.BytesIO()
        build([[_MARKER]], _MARKER, buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            self.members = [(info, z.read(info.filename)) for info in z.infolist()]
        sheet = next(data for info, data in self.members if info.filename == _SHEET_PART).decode("utf-8")
        row = re.search(rf'<row r="{FIRST_ROW + 1}"[^>]*>.*?</row>', sheet)
        cell = re.search(rf'<c r="A{FIRST_ROW + 1}" s="(\d+)" t="inlineStr">', sheet)
        if row is None or cell is None or sheet.count(_MARKER) != 2 or "<dimension ref=\"A1:G5\"/>" not in sheet:
            raise RuntimeError("plantilla de observaciones inesperada")  # XlsxWriter changed: tests catch it
        self.style = cell.group(1)
        self.row_attrs = re.match(r'<row r="\d+"([^>]*)>', row.group(0)).group(1)  # type: ignore[union-attr]
        self.head = sheet[:row.start()]
        self.tail = sheet[row.end():]

    def sheet_xml(self, rows: list[list[str]], office: str) -> bytes:
        esc = XMLwriter()
        out = []
        for i, row in enumerate(rows, start=FIRST_ROW + 1):  # constant_memory: no spans
            out.append(f'<row r="{i}"{self.row_attrs}>')
            for j, value in enumerate(row):
                preserve = ' xml:space="preserve"' if _preserve_whitespace(value) else ""
                out.append(f'<c r="{col_letter(j)}{i}" s="{self.style}" t="inlineStr"><is><t{preserve}>'
                           f"{_text(esc, value)}</t></is></c>")
            out.append("</row>")
        head = self.head.replace(_MARKER, _text(esc, office)).replace(
            '<dimension ref="A1:G5"/>', f'<dimension ref="A1:G{FIRST_ROW + len(rows)}"/>', 1)
        return (head + "".join(out) + self.tail).encode("utf-8")

    def write(self, rows: list[list[str]], office: str, target: Path) -> None:
        sheet = self.sheet_xml(rows, office)

        def write(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
                for info, data in self.members:
                    z.writestr(info, sheet if info.filename == _SHEET_PART else data)

        atomic_write(target, write)


def _text(esc: XMLwriter, value: str) -> str:
    return str(esc._escape_control_characters(esc._escape_data(value)))


_TEMPLATE: _Template | None = None


def write_observaciones(office: str, reports: list[Report], folder: Path) -> Path:
    """``folder/observaciones_<office>.xlsx`` listing the problems of ``reports``."""
    global _TEMPLATE
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"observaciones_{office}.xlsx"
    rows = [[str(v) for v in r] for rep in reports for r in rep.to_rows()[1:]]
    if not rows:  # (the template holds the format of the problem rows, which XlsxWriter leaves out when unused)
        atomic_write(path, lambda tmp: build(rows, office, str(tmp)))
        return path
    if _TEMPLATE is None:
        _TEMPLATE = _Template()
    _TEMPLATE.write(rows, office, path)
    return path


__all__ = ["build", "write_observaciones"]
