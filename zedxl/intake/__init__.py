"""First look at a returned file, before any spreadsheet parser touches it: what it really is and whether it is safe.

Offices send their returns back by e-mail, so every file is untrusted input. ``inspect(path)`` decides, cheaply and
within fixed memory and time bounds, whether a value reader (python-calamine, openpyxl) may open the file, and collects
the facts later stages need (sheets and their visibility, date system, calculation mode, defined names, where the
formulas are, active content...). It never raises for bad input: every problem is an ``Issue`` with a stable code.

What it checks, in order:

1. The name: Excel owner files (``~$Libro.xlsx``) and LibreOffice lock files (``.~lock.Libro.xlsx#``) are never read.
2. The size: empty files and files over ``Limits.max_file_bytes`` are refused without reading them.
3. The real container by magic bytes, whatever the extension: zip (OOXML or OpenDocument), OLE2/CFB (legacy ``.xls``
   or a password-encrypted OOXML package, told apart by the stream names in the CFB directory), HTML, XML Spreadsheet
   2003, CSV, plain text, other binaries.
4. Zip sanity from the central directory alone, before reading any member: end-of-central-directory present (else
   truncated), member count, declared uncompressed sizes (per member and in total), compression ratio, duplicate
   names (also case-insensitive: OPC part names are), absolute or ``..`` names, encrypted members, compression
   methods other than stored/deflate. Any failure stops here: no member is decompressed.
5. The OPC package: ``[Content_Types].xml``, ``_rels/.rels``, the workbook part and its relationships, every part a
   relationship points to; Strict Open XML (``http://purl.oclc.org/ooxml/...``) is refused.
6. Every XML part (``.xml``, ``.rels``, XML content types) is streamed through expat in bounded chunks: a
   ``<!DOCTYPE`` (and so any ``<!ENTITY``) aborts the parse at once, before any declaration is processed, so nothing
   is expanded or fetched; malformed XML names the part; a read error or CRC mismatch names the part (a malformed part
   is read to its end to tell corruption from bad XML). VML parts, often not well-formed, are only searched for DTDs.
7. Worksheets are scanned cell by cell without trusting ``<dimension>``: ``<c>`` elements are counted (over
   ``max_cells_per_sheet`` or ``max_total_cells`` the scan stops and the file is refused), every ``r=`` reference (and
   the implicit position of cells without one) must lie inside Excel's grid (A1:XFD1048576), the area from A1 to the
   farthest cell must stay under ``max_used_area`` (python-calamine allocates that rectangle densely and aborts the
   process on a value at XFD1048576; openpyxl's ``iter_rows()`` walks it cell by cell), merged or hyperlinked ranges
   (openpyxl creates one cell object per cell of each) under ``max_range_cells``, ``<row>`` elements under the cell
   limit and ``<col>`` elements under 16,384. Formula locations, error values and non-finite numbers are recorded;
   non-finite numbers are only an aviso here (python-calamine reads them; openpyxl raises ValueError on the whole
   workbook) and the value layer decides.
8. Every other relationship part: targets outside the package and dangling internal targets are reported.

Active content and its severity (``error`` refuses the file, ``aviso`` flags it and lets values be read):

- ``activo-macros`` (aviso): a VBA project (``vbaProject.bin``, also when hidden in a ``.xlsx``) or Excel 4.0 macro
  sheets. Value readers never run macros and zedxl never copies them, so the values can still be read; the office is
  told and the file can be quarantined by the caller.
- ``activo-vinculo-externo`` (error): the workbook links to another workbook; the value in the cell is a cached copy
  of someone else's file, possibly stale, not what the office typed.
- ``activo-vinculo-dde`` (error): DDE or OLE links (``ddeLink``, ``oleLink`` or a ``app|topic!item`` formula), the
  classic "run a program when the workbook opens" vector.
- ``activo-conexion-datos`` (error): ``connections.xml`` or query tables: values refreshed from a database, the web
  or a file, not typed by the office.
- ``activo-objeto-incrustado`` (aviso): embedded OLE objects, packages or ActiveX controls; never opened nor copied.
- ``activo-hipervinculo`` (aviso): hyperlinks to ``file:``, ``javascript:`` and other non-web schemes or to local and
  network paths; they must be stripped when copying.
- ``activo-recurso-externo`` (aviso): any other relationship pointing outside the package (linked images, templates).
- ``activo-formula-externa`` (aviso): formulas calling functions that reach outside the workbook (WEBSERVICE,
  HYPERLINK, RTD, CALL, REGISTER, IMAGE...). All formula cells are listed in ``Intake.formulas`` (sheet, cell, text)
  so that the template layer decides whether input cells hold formulas.

Policy for the calibration file of one million cells in one sheet: refused (``hoja-demasiadas-celdas``), found by a
first pass that only decompresses the sheet and counts its ``<c`` tags at C speed (~0.1 s), before any XML parsing.
A return holds hundreds or a few thousand cells; ``max_cells_per_sheet`` = 200,000 leaves a margin of well over an
order of magnitude above the real templates while keeping the readers' worst case bounded (openpyxl needs about
13 s and 330 MB per million cells). See ``Limits`` for every bound and why it was chosen.
"""

from __future__ import annotations

from pathlib import Path

from zedxl.intake.codes import INTAKE_CODES
from zedxl.intake.common import BytesMemo, _Deadline, _short, xml_text
from zedxl.intake.package import _Package
from zedxl.intake.result import (
    DEFAULT_LIMITS,
    READABLE_KINDS,
    CellFact,
    CellNote,
    DefinedName,
    ExternalLink,
    Hyperlink,
    Intake,
    Kind,
    Limits,
    SheetInfo,
    lock_file_original,
)
from zedxl.issues import CATALOGUE, make_issue


class _Inspector(_Package):
    """Every check, in the order the module docstring gives."""

    def build(self) -> Intake:
        issues = list(self.issues)
        for code, n in self.code_counts.items():
            extra = n - self.limits.max_issues_per_code
            if extra > 0:
                issues.append(make_issue("revision-mas-problemas", file=self.file, count=extra, what=code,
                                         severity=CATALOGUE[code].severity))
        safe = self.kind in READABLE_KINDS and self.complete and not any(i.severity == "error" for i in issues)
        f = self.facts
        return Intake(
            path=self.path,
            kind=self.kind,
            issues=tuple(issues),
            safe=safe,
            size=f.get("size", 0),
            members=f.get("members", 0),
            uncompressed_bytes=f.get("uncompressed", 0),
            main_content_type=f.get("main_content_type", ""),
            application=f.get("application", ""),
            sheets=tuple(self.sheets),
            date1904=f.get("date1904", False),
            calc_mode=f.get("calc_mode", "auto"),
            full_calc_on_load=f.get("full_calc_on_load", False),
            defined_names=tuple(self.defined_names),
            has_macros=self.has_macros,
            external_links=tuple(self.external_links),
            connections=tuple(self.connections),
            embeddings=tuple(self.embeddings),
            hyperlinks=tuple(self.hyperlinks),
            formulas=tuple(self.formulas),
            error_cells=tuple(self.error_cells),
            nonfinite_cells=tuple(self.nonfinite_cells),
            custom_properties=tuple(self.custom_properties),
            shared_strings_part=f.get("shared_strings", ""),
            styles_part=f.get("styles", ""),
            truncated_facts=self.truncated_facts,
            cells=self.cells if self.keep_cells and safe else None,
            number_formats=self.number_formats if self.keep_cells else None,
            parts=self.parts if self.keep_cells and safe else None,
            property_values=tuple(self.property_values),
        )


def inspect(path: Path | str, limits: Limits = DEFAULT_LIMITS, *, keep_cells: bool = False,
            data: bytes | None = None) -> Intake:
    """Look at ``path`` before any spreadsheet parser does; never raises for bad input.

    ``Intake.safe`` is True only for an OOXML workbook (xlsx/xlsm) whose whole package was checked without an error
    issue: only then may python-calamine or openpyxl open it. ``keep_cells`` also keeps what the scan saw of every
    cell, the style number formats and the custom properties as stored (``Intake.cells``...), so that a reader can
    take values from python-calamine and the rest from here instead of parsing the sheets a second time.
    ``data``: the file's bytes, when the caller has read them already (``fsutil.read_received``): they are what is
    checked, and ``path`` only names the file.
    """
    p = Path(path)
    insp = _Inspector(p, limits)
    insp.keep_cells = keep_cells
    insp.data = data
    try:
        insp.run()
    except _Deadline:
        insp.add("revision-tiempo-agotado", limit=f"{limits.max_seconds:g}")
    except RecursionError:
        insp.add("revision-error-interno", detail="estructura demasiado anidada")
    except Exception as e:  # noqa: BLE001 - inspect must turn any failure on bad input into an issue
        insp.add("revision-error-interno", detail=_short(f"{type(e).__name__}: {e}", 160))
    return insp.build()


__all__ = [
    "DEFAULT_LIMITS",
    "BytesMemo",
    "CellFact",
    "lock_file_original",
    "xml_text",
    "INTAKE_CODES",
    "READABLE_KINDS",
    "CellNote",
    "DefinedName",
    "ExternalLink",
    "Hyperlink",
    "Intake",
    "Kind",
    "Limits",
    "SheetInfo",
    "inspect",
]
