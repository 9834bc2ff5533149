"""Write repeated rows of plain cells as sheet XML ourselves and place them into the workbook XlsxWriter wrote.

XlsxWriter's public ``write_formula`` runs ~30 regular-expression substitutions on every formula (to prefix Excel
365's dynamic-array functions) and its per-cell writing is generic; a master's AO rows are most of its cells and
all alike. This module owns those rows.

Contract:

* ``RowWriter.write(ws, row, cells)`` takes one row's cells (``RowCell``). A row is written by XlsxWriter's public
  API, cell by cell, when one of its formats has not been seen yet in a row XlsxWriter wrote, or when a formula
  may need XlsxWriter's rewriting (``needs_xlsxwriter``); otherwise the row is kept here and XlsxWriter never
  sees it.
* ``RowWriter.finish(xlsx)`` takes XlsxWriter's finished file and returns it with every kept row among XlsxWriter's
  rows (a height or format XlsxWriter wrote for the row stays) and the sheet's dimension grown to cover them.
  Style indexes are read back from cells XlsxWriter wrote with the same ``Format``; strings are inline strings
  escaped as XlsxWriter escapes them; numbers and formulas are written as XlsxWriter writes them.
  A formula whose cached value is ``""`` is marked ``t="str"`` in every sheet, as Excel writes it.
* The result holds the same cells (value, type, formula, cached value, style) as ``RowWriter(splice=False)``,
  which writes every row through XlsxWriter: tests/test_sheet_rows.py compares the two with openpyxl.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from math import isfinite
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from zedxl.a1 import col_letter, from_a1, to_a1

RowCell = tuple[int, str, "Format | None", Any, str]
"""(column, kind, format, value, formula): kind ``n`` number, ``s`` string (``""`` is a blank cell), ``b`` blank,
``f`` formula whose cached value is ``value`` (float, str or bool)."""

# every function name XlsxWriter prefixes for Excel 365 (its pattern for SINGLE matches any character then "INGLE(")
_DYNAMIC = re.compile("|".join(re.escape(f"{name}(") for name in (
    "ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER", "HSTACK", "LAMBDA",
    "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "INGLE", "SEQUENCE", "SORT", "SORTBY", "SWITCH", "TAKE",
    "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK", "WRAPCOLS", "WRAPROWS", "XLOOKUP")))
_ERROR_CODES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))
_ESCAPE_THE_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_ROW = re.compile(r'<row r="([0-9]+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_SHEET_DATA = re.compile(r"<sheetData>(.*)</sheetData>|<sheetData/>", re.S)
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"/>')
_EMPTY_RESULT = re.compile(r'(<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]+")?)>(<f>[^<]*</f><v></v></c>)')
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def needs_xlsxwriter(formula: str) -> bool:
    """True when XlsxWriter would rewrite ``formula`` (an array formula, or one naming a dynamic-array function)."""
    return formula.startswith("{") or _DYNAMIC.search(formula) is not None


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _inline(text: str) -> str:
    """``<is>`` of an inline string, escaped as XlsxWriter escapes its strings."""
    if _SPECIAL.search(text):
        text = _ESCAPE_THE_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<is><t{space}>{_escape(text)}</t></is>"


class RowWriter:
    """Rows of one XlsxWriter workbook, kept and written as XML (see the module's contract)."""

    def __init__(self, *, splice: bool = True) -> None:
        self.splice = splice
        self.rows: dict[str, dict[int, Sequence[RowCell]]] = {}  # sheet name → zero-based row → cells
        self.probes: list[tuple[str, int, int, Format]] = []  # a cell XlsxWriter wrote with each format
        self.known: set[Format] = set()  # the formats in ``probes`` (a Format is hashed by identity)
        self.letters: list[str] = []

    def write(self, ws: Worksheet, row: int, cells: Sequence[RowCell], *, vetted: bool = False) -> None:
        """One row; ``cells`` sorted by column. ``vetted``: the caller checked its formulas with
        ``needs_xlsxwriter`` (rows made from one template need the check once)."""
        if not cells:
            return
        known = self.known
        if self.splice and known.issuperset([cell[2] for cell in cells]) and (
                vetted or not any(kind == "f" and needs_xlsxwriter(formula) for _, kind, _, _, formula in cells)):
            self.rows.setdefault(ws.name, {})[row] = cells
            return
        for col, kind, fmt, value, formula in cells:
            if kind == "n":
                ws.write_number(row, col, value, fmt)
            elif kind == "s" and value != "":
                ws.write_string(row, col, value, fmt)
            elif kind == "f":
                ws.write_formula(row, col, formula, fmt, value)
            elif kind in "bs":
                ws.write_blank(row, col, None, fmt)
            else:
                raise ValueError(f"unknown cell kind {kind!r}")
            if fmt is not None and fmt not in known:
                known.add(fmt)
                self.probes.append((ws.name, row, col, fmt))

    def save(self, xlsx: bytes, target: Any) -> None:
        """``finish`` written to ``target``, a path or a binary file object."""
        content = self.finish(xlsx)
        if isinstance(target, (str, Path)):
            Path(target).write_bytes(content)
        else:
            target.write(content)

    def finish(self, xlsx: bytes) -> bytes:
        """XlsxWriter's finished file with the kept rows written in (every part recompressed at zlib level 1)."""
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(xlsx)) as src, \
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
            parts = sheet_parts(src)
            styles = self._styles(src, parts)
            rows_by_part = {parts[name]: rows for name, rows in self.rows.items()}
            for info in src.infolist():
                data = src.read(info)
                if info.filename in parts.values():
                    # XlsxWriter's own cells first (the kept rows' cells are written marked)
                    text = _EMPTY_RESULT.sub(r'\1 t="str">\2', data.decode("utf-8"))
                    rows = rows_by_part.get(info.filename)
                    data = (self._splice(text, rows, styles) if rows else text).encode("utf-8")
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
        return out.getvalue()

    def _styles(self, src: zipfile.ZipFile, parts: dict[str, str]) -> dict[Format, str]:
        """Each probed format's ``s`` attribute as XlsxWriter wrote it ("" for the default style)."""
        styles: dict[Format, str] = {}
        texts: dict[str, str] = {}
        for sheet, row, col, fmt in self.probes:
            text = texts.get(sheet)
            if text is None:
                text = texts[sheet] = src.read(parts[sheet]).decode("utf-8")
            found = re.search(f'<c r="{to_a1(row, col)}"( s="[0-9]+")?', text)
            if found is None:
                raise RuntimeError(f"no cell {sheet}!{to_a1(row, col)} in XlsxWriter's output")
            styles[fmt] = found.group(1) or ""
        return styles

    def _splice(self, text: str, rows: dict[int, Sequence[RowCell]], styles: dict[Format, str]) -> str:
        """The sheet with the kept rows among XlsxWriter's, in row order, and its dimension covering them."""
        data = _SHEET_DATA.search(text)
        if data is None:
            raise RuntimeError("no <sheetData> in XlsxWriter's output")
        theirs = {int(m.group(1)) - 1: m for m in _ROW.finditer(data.group(1) or "")}
        out = []
        for r in sorted(theirs.keys() | rows.keys()):
            found, cells = theirs.get(r), rows.get(r)
            if cells is None:
                out.append(found.group(0))  # type: ignore[union-attr]
            elif found is not None and found.group(3):
                raise RuntimeError(f"row {r + 1} written by XlsxWriter and kept here")
            else:  # (a height or format XlsxWriter wrote for the row stays)
                n = str(r + 1)
                out.append(f'<row r="{n}"{found.group(2) if found else ""}>{self._row_xml(n, cells, styles)}</row>')
        first, last = min(rows), max(rows)
        left, right = min(c[0][0] for c in rows.values()), max(c[-1][0] for c in rows.values())
        dim = _DIMENSION.search(text)
        if dim is not None:  # XlsxWriter's extent, grown to the kept rows'
            for ref in filter(None, dim.groups()):
                row, col = from_a1(ref)
                first, last, left, right = min(first, row), max(last, row), min(left, col), max(right, col)
        text = f"{text[:data.start()]}<sheetData>{''.join(out)}</sheetData>{text[data.end():]}"
        return _DIMENSION.sub(f'<dimension ref="{to_a1(first, left)}:{to_a1(last, right)}"/>', text, count=1)

    def _row_xml(self, r: str, cells: Sequence[RowCell], styles: dict[Format, str]) -> str:
        letters = self.letters
        if len(letters) <= cells[-1][0]:
            letters.extend(col_letter(i) for i in range(len(letters), cells[-1][0] + 1))
        out = []
        for col, kind, fmt, value, formula in cells:
            head = f'<c r="{letters[col]}{r}"{styles[fmt]}'
            if kind == "n":
                if not isfinite(value):  # XlsxWriter refuses them too
                    raise ValueError(f"un número no finito no se puede escribir en una celda: {value}")
                out.append(f"{head}><v>{value:.16G}</v></c>")
            elif kind == "s" and value != "":
                out.append(f'{head} t="inlineStr">{_inline(value)}</c>')
            elif kind == "f":
                if formula.startswith("="):
                    formula = formula[1:]
                if isinstance(value, bool):
                    out.append(f'{head} t="b"><f>{_escape(formula)}</f><v>{int(value)}</v></c>')
                elif isinstance(value, str):
                    kind_attr = ' t="e"' if value in _ERROR_CODES else ' t="str"'
                    out.append(f"{head}{kind_attr}><f>{_escape(formula)}</f><v>{_escape(value)}</v></c>")
                else:
                    out.append(f"{head}><f>{_escape(formula)}</f><v>{value}</v></c>")
            elif kind in "bs":
                out.append(f"{head}/>")
            else:
                raise ValueError(f"unknown cell kind {kind!r}")
        return "".join(out)


def sheet_parts(src: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name → its part's name in the package, from the workbook part and its relationships."""
    workbook = ElementTree.fromstring(src.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(src.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("p:Relationship", _NS)}
    parts = {}
    for sheet in workbook.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join("xl", target))
    return parts


__all__ = ["RowCell", "RowWriter", "needs_xlsxwriter", "sheet_parts"]
