"""First look at a returned file, before any spreadsheet parser touches it: what it really is and whether it is safe.

Every return comes back by e-mail: untrusted input. ``inspect(path)`` decides, within fixed memory and time bounds,
whether the file may be read, and collects the facts later stages need (sheets and their visibility, date system,
calculation mode, defined names, formulas, active content...). It never raises for bad input: every problem is an
``Issue`` with a stable code. What it checks, in order:

1. The name: Excel owner files (``~$Libro.xlsx``) and LibreOffice lock files (``.~lock.Libro.xlsx#``) are never read.
2. The size: empty files and files over ``Limits.max_file_bytes`` are refused unread.
3. The real container by magic bytes, whatever the extension: zip (OOXML or OpenDocument), OLE2/CFB (legacy ``.xls``
   or a password-encrypted OOXML package, told apart by their stream names), HTML, XML Spreadsheet 2003, CSV, text,
   other binaries.
4. Zip sanity from the central directory alone, before any member is decompressed: end-of-central-directory present
   (else truncated), member count, declared sizes (per member and in total), compression ratio, duplicate names (also
   case-insensitive, as OPC part names are), absolute or ``..`` names, encryption, methods other than stored/deflate.
5. The OPC package: ``[Content_Types].xml``, ``_rels/.rels``, the workbook part and its relationships, every part a
   relationship points to; Strict Open XML is refused.
6. Every XML part is streamed through expat in bounded chunks: a ``<!DOCTYPE`` or ``<!ENTITY`` aborts the parse before
   it is processed (nothing is expanded or fetched); malformed XML, a read error or a CRC mismatch names the part.
   VML parts, often not well-formed, are only searched for DTDs. A part over 1 MiB has its elements counted
   (``max_xml_elements``) and their nesting bounded (``max_xml_depth``: expat keeps every open element). styles.xml
   is bounded while it is parsed: cell formats, custom number formats and the length of their codes, fonts, fills,
   borders and differential formats (``max_cell_formats``...); the shared strings too (``max_shared_strings``).
7. Worksheets are scanned cell by cell without trusting ``<dimension>``: ``<c>`` elements are counted (over
   ``max_cells_per_sheet`` or ``max_total_cells`` the file is refused, found by counting the tags before any parsing),
   every cell must lie inside A1:XFD1048576, the area from A1 to the farthest cell under ``max_used_area`` (readers
   allocate that rectangle), merged and hyperlinked ranges under ``max_range_cells``, ``<row>`` elements under the
   cell limit, ``<col>`` elements under 16,384, merged ranges, data validations, conditional-format rules and
   hyperlinks under ``max_sheet_ranges`` each. Formulas, error values and non-finite numbers are recorded (the last
   only an aviso: the value layer decides).
8. Every other relationship part: targets outside the package and dangling internal targets are reported.

Time: the review of one file stops after ``Limits.max_seconds`` (``revision-tiempo-agotado``, naming the part). The
clock is looked at between the chunks of every read and every few thousand elements inside every scanning loop, and
by the reader of the cells (``Intake.deadline``): no signal, so it holds on every platform.

Active content (``error`` refuses the file, ``aviso`` flags it and lets values be read):

- ``activo-macros`` (aviso): a VBA project (also hidden in a ``.xlsx``) or Excel 4.0 macro sheets; macros are never
  run nor copied.
- ``activo-vinculo-externo`` (error): links to another workbook; the cell holds a possibly stale copy of its value.
- ``activo-vinculo-dde`` (error): DDE or OLE links (``ddeLink``, ``oleLink``, an ``app|topic!item`` formula).
- ``activo-conexion-datos`` (error): ``connections.xml`` or query tables: values refreshed from elsewhere.
- ``activo-objeto-incrustado`` (aviso): embedded OLE objects, packages or ActiveX controls; never opened nor copied.
- ``activo-hipervinculo`` (aviso): hyperlinks to non-web schemes or to local and network paths.
- ``activo-recurso-externo`` (aviso): any other relationship pointing outside the package.
- ``activo-formula-externa`` (aviso): formulas calling functions that reach outside the workbook (WEBSERVICE,
  HYPERLINK, RTD, CALL, REGISTER, IMAGE...). Every formula is listed in ``Intake.formulas``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zedxl.intake.codes import INTAKE_CODES
from zedxl.intake.common import BytesMemo, _Deadline, _short, xml_text
from zedxl.intake.package import _Package
from zedxl.intake.result import (
    DEFAULT_LIMITS,
    READABLE_KINDS,
    CellFact,
    CellNote,
    Deadline,
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

# what the inspector gathers in lists, handed to Intake as tuples
_RECORDED = ("sheets", "defined_names", "external_links", "connections", "embeddings", "hyperlinks", "formulas",
             "error_cells", "nonfinite_cells", "custom_properties", "property_values")


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
        recorded: dict[str, Any] = {name: tuple(getattr(self, name)) for name in _RECORDED}
        return Intake(
            path=self.path,
            kind=self.kind,
            issues=tuple(issues),
            safe=safe,
            has_macros=self.has_macros,
            truncated_facts=self.truncated_facts,
            cells=self.cells if self.keep_cells and safe else None,
            number_formats=self.number_formats if self.keep_cells else None,
            parts=self.parts if self.keep_cells and safe else None,
            deadline=self.deadline,
            **recorded,
            **self.facts,  # date1904, calc_mode... as found (the fields' defaults otherwise)
        )


def inspect(path: Path | str, limits: Limits = DEFAULT_LIMITS, *, keep_cells: bool = False,
            data: bytes | None = None) -> Intake:
    """Look at ``path`` before any spreadsheet parser does; never raises for bad input.

    ``Intake.safe`` is True only for an OOXML workbook (xlsx/xlsm) whose whole package was checked without an error
    issue. ``keep_cells`` also keeps what the scan saw of every cell, the style number formats and the custom
    properties as stored (``Intake.cells``...), for ``zedxl.xlsx.office_book``. ``data``: the file's bytes, when the
    caller has read them already: they are what is checked, and ``path`` only names the file.
    """
    p = Path(path)
    insp = _Inspector(p, limits)
    insp.keep_cells = keep_cells
    insp.data = data
    try:
        insp.run()
    except _Deadline as e:
        insp.add("revision-tiempo-agotado", limit=f"{limits.max_seconds:g}", part=e.args[0])
    except RecursionError:
        insp.add("revision-error-interno", detail="estructura demasiado anidada")
    except Exception as e:  # noqa: BLE001 - inspect must turn any failure on bad input into an issue
        insp.add("revision-error-interno", detail=_short(f"{type(e).__name__}: {e}", 160))
    return insp.build()


__all__ = ["DEFAULT_LIMITS", "INTAKE_CODES", "READABLE_KINDS", "BytesMemo", "CellFact", "CellNote", "Deadline",
           "DefinedName", "ExternalLink", "Hyperlink", "Intake", "Kind", "Limits", "SheetInfo", "inspect",
           "lock_file_original", "xml_text"]
