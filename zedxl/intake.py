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

import codecs
import contextlib
import io
import math
import os
import posixpath
import re
import stat
import struct
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple
from urllib.parse import unquote
from xml.parsers import expat

from zedxl.a1 import MAX_COLS, MAX_ROWS, col_index, col_letter, from_a1, to_a1
from zedxl.issues import CATALOGUE, Issue, IssueType, Severity, make_issue, register


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
    """Bounds that make ``inspect`` (and the readers that follow it) cheap whatever the file.

    The real templates weigh a few hundred KB, hold a few thousand cells and about twenty zip members; every default
    leaves at least one order of magnitude above that.
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
    #: Uncompressed/compressed ratio, checked on members over ``ratio_min_bytes``. Deflate tops out near 1032:1 and is
    #: only reached by constant data; real parts stay under ~100:1 and the repetitive calibration sheet is 321:1.
    max_ratio: float = 500.0
    ratio_min_bytes: int = 1 * MiB
    #: Bytes of one XML part scanned; bigger XML parts are refused (the scan, not only the declaration, is bounded).
    max_xml_part_bytes: int = 32 * MiB
    #: Elements handled one by one in Python (worksheets, workbook, rels...), over the whole file: bounds time
    #: (a Python callback costs 2-4 us per element on a 2.5 GHz server core).
    max_xml_elements: int = 2_000_000
    #: Sheets in the workbook.
    max_sheets: int = 200
    #: ``<c>`` elements in one sheet, styled empty cells included (openpyxl creates an object for each). Real
    #: returns hold a few thousand cells; openpyxl spends ~13 us and ~330 bytes per cell (255 s, 6.5 GB for 20M),
    #: this scan ~8 us: 200,000 cells cost a reader ~3 s and ~65 MB and this scan ~1.6 s.
    max_cells_per_sheet: int = 200_000
    #: ``<c>`` elements in the whole workbook.
    max_total_cells: int = 500_000
    #: Cells in the rectangle from A1 to the farthest cell (styled empty cells included): python-calamine
    #: allocates the rectangle up to the farthest value densely (~45 bytes a cell measured: a value at XFD1048576
    #: aborts the process) and openpyxl's ``iter_rows()`` creates a cell object for every position up to its
    #: ``max_row``/``max_column`` (~200 bytes each). 1,000,000 is 40 columns by 25,000 rows.
    max_used_area: int = 1_000_000
    #: Cells covered by merged ranges and hyperlink ranges of one sheet: openpyxl creates one object per cell.
    max_range_cells: int = 200_000
    #: Defined names in the workbook.
    max_defined_names: int = 5_000
    #: Facts recorded per list (formulas, hyperlinks, error cells...): bounds the size of the ``Intake`` itself.
    max_recorded: int = 10_000
    #: Issues of one code kept before the rest are summarised in one ``revision-mas-problemas``.
    max_issues_per_code: int = 20
    #: Wall-clock safety net; the bounds above keep real runs far below it.
    max_seconds: float = 30.0


DEFAULT_LIMITS = Limits()


# --------------------------------------------------------------------------------------------------------------------
# Catalogue


def _register(code: str, title: str, template: str, severity: Severity) -> None:
    kind = IssueType(code, title, template, severity)
    if code in CATALOGUE:  # module reloaded: the same definition is fine, a clash with another module is not
        if CATALOGUE[code] != kind:
            raise ValueError(f"duplicate issue code {code}")
        return
    register(code, title, template, severity)


_SAVE_AGAIN = "Vuelva a guardarlo en Excel como «Libro de Excel (.xlsx)» y envíelo de nuevo."
_USE_TEMPLATE = "Copie sus datos en la plantilla original, guárdela como «Libro de Excel (.xlsx)» y envíe ese archivo."

_CODES: tuple[tuple[str, str, str, Severity], ...] = (
    ("archivo-inaccesible", "Archivo ilegible",
     "«{file}» no se pudo leer ({detail}). Vuelva a enviarlo.", "error"),
    ("archivo-vacio", "Archivo vacío",
     "«{file}» es un archivo vacío (0 bytes): la descarga o el guardado se interrumpió. " + _SAVE_AGAIN, "error"),
    ("archivo-demasiado-grande", "Archivo demasiado grande",
     "«{file}» pesa {size}, más que el máximo permitido ({limit}). Elimine imágenes, hojas o filas que no son de la "
     "plantilla y vuelva a enviarlo.", "error"),
    ("archivo-truncado", "Archivo truncado",
     "«{file}» es un archivo truncado o incompleto (le falta el final): vuelva a enviarlo, adjuntando el libro "
     "guardado y cerrado.", "error"),
    ("archivo-temporal-bloqueo", "Archivo temporal de Excel/LibreOffice",
     "«{file}» es un archivo temporal que Excel o LibreOffice crea mientras el libro «{original}» está abierto; se "
     "omite. El libro puede seguir abierto o a medio guardar: ciérrelo y, si lo modificó, vuelva a enviarlo.", "aviso"),
    ("formato-xls-antiguo", "Formato .xls antiguo",
     "«{file}» es un .xls antiguo (Excel 97-2003): ábralo en Excel y guárdelo como «Libro de Excel (.xlsx)»; envíe "
     "ese archivo.", "error"),
    ("archivo-cifrado", "Archivo protegido con contraseña",
     "«{file}» está protegido con contraseña (cifrado) y no se puede leer: envíelo sin contraseña (en Excel: Archivo > "
     "Información > Proteger libro > Cifrar con contraseña, borre la contraseña y guarde).", "error"),
    ("formato-ods", "Hoja de cálculo OpenDocument",
     "«{file}» es una hoja de cálculo de LibreOffice/OpenOffice (.ods), no un libro de Excel. " + _USE_TEMPLATE,
     "error"),
    ("formato-xlsb", "Libro binario de Excel",
     "«{file}» es un Libro binario de Excel (.xlsb): ábralo en Excel y guárdelo como «Libro de Excel (.xlsx)».",
     "error"),
    ("formato-csv", "Archivo CSV",
     "«{file}» es un archivo de texto separado por «{delimiter}» (CSV), no un libro de Excel. " + _USE_TEMPLATE,
     "error"),
    ("formato-html", "Página web (HTML)",
     "«{file}» es una página web (HTML) exportada por otro sistema, no un libro de Excel. " + _USE_TEMPLATE, "error"),
    ("formato-xml-2003", "Hoja de cálculo XML 2003",
     "«{file}» es una «Hoja de cálculo XML 2003», no un libro de Excel actual: ábralo en Excel y guárdelo como "
     "«Libro de Excel (.xlsx)».", "error"),
    ("formato-texto", "Archivo de texto",
     "«{file}» es un archivo de texto, no un libro de Excel. " + _USE_TEMPLATE, "error"),
    ("formato-desconocido", "No es un libro de Excel",
     "«{file}» no es un libro de Excel ({detail}). " + _USE_TEMPLATE, "error"),
    ("zip-demasiadas-partes", "Demasiadas partes internas",
     "«{file}» contiene {count} partes internas (máximo {limit}): no es un libro de la plantilla y se rechaza sin "
     "abrirlo. " + _USE_TEMPLATE, "error"),
    ("zip-parte-demasiado-grande", "Parte interna demasiado grande",
     "«{file}»: la parte interna {part} ocupa {size} al descomprimirse (máximo {limit}); el archivo se rechaza sin "
     "abrirlo. Borre el contenido sobrante o " + _USE_TEMPLATE[0].lower() + _USE_TEMPLATE[1:], "error"),
    ("zip-total-demasiado-grande", "Contenido descomprimido demasiado grande",
     "«{file}» ocupa {size} al descomprimirse (máximo {limit}); el archivo se rechaza sin abrirlo. Borre el contenido "
     "sobrante o " + _USE_TEMPLATE[0].lower() + _USE_TEMPLATE[1:], "error"),
    ("zip-compresion-anomala", "Compresión anómala (bomba zip)",
     "«{file}»: la parte interna {part} se expande {ratio}:1 al descomprimirse (máximo {limit}:1), como un archivo "
     "malicioso («bomba zip»); se rechaza sin abrirlo. " + _USE_TEMPLATE, "error"),
    ("zip-parte-duplicada", "Parte interna duplicada",
     "«{file}» contiene dos veces la parte {part}: cada programa leería una distinta, así que se rechaza. "
     + _SAVE_AGAIN, "error"),
    ("zip-nombre-peligroso", "Nombre de parte peligroso",
     "«{file}» contiene una parte con un nombre peligroso («{part}»: ruta absoluta, con «..» o caracteres de "
     "control); se rechaza. " + _SAVE_AGAIN, "error"),
    ("zip-parte-cifrada", "Parte interna cifrada",
     "«{file}»: la parte {part} está cifrada y no se puede leer; envíe el libro sin contraseña. " + _SAVE_AGAIN,
     "error"),
    ("zip-corrupto", "Archivo dañado",
     "«{file}» está dañado: {part} no se puede leer ({detail}). " + _SAVE_AGAIN, "error"),
    ("paquete-parte-faltante", "Falta una parte del libro",
     "«{file}» está dañado: falta la parte {part} ({detail}). " + _SAVE_AGAIN, "error"),
    ("formato-strict-ooxml", "Formato Strict Open XML",
     "«{file}» está en formato Strict Open XML, que no se lee correctamente: guárdelo como Libro de Excel normal "
     "(Guardar como > «Libro de Excel (*.xlsx)», no «Hoja de cálculo Open XML strict»).", "error"),
    ("xml-dtd-prohibido", "Declaración DTD/ENTITY prohibida",
     "«{file}»: la parte {part} contiene una declaración {what}, que un libro de Excel nunca lleva (puede ser un "
     "ataque: expansión de entidades o lectura de archivos locales); se rechaza sin procesarla. " + _USE_TEMPLATE,
     "error"),
    ("xml-mal-formado", "XML dañado",
     "«{file}» está dañado: la parte {part} no es XML válido ({detail}). " + _SAVE_AGAIN, "error"),
    ("xml-parte-demasiado-grande", "Parte XML demasiado grande",
     "«{file}»: la parte {part} es demasiado grande o compleja para revisarla ({detail}); se rechaza sin abrirla. "
     "Borre el contenido sobrante o " + _USE_TEMPLATE[0].lower() + _USE_TEMPLATE[1:], "error"),
    ("activo-macros", "Macros",
     "«{file}» contiene macros ({detail}): solo se leerán los valores; las macros no se ejecutan ni se copian. Si no "
     "las agregó usted, avise a soporte; para evitar este aviso guarde el libro como «Libro de Excel (.xlsx)».",
     "aviso"),
    ("activo-vinculo-externo", "Vínculo a otro libro",
     "«{file}» tiene vínculos a otro libro ({detail}): el valor guardado puede estar desactualizado y no es el que "
     "usted escribió. Rompa los vínculos (Datos > Editar vínculos > Romper vínculo) o pegue solo valores, y vuelva a "
     "enviarlo.", "error"),
    ("activo-vinculo-dde", "Vínculo DDE/OLE",
     "«{file}» contiene un vínculo DDE/OLE ({detail}), que puede ejecutar programas al abrir el libro; se rechaza. "
     "Borre esa fórmula o vínculo, escriba el valor y vuelva a enviarlo.", "error"),
    ("activo-conexion-datos", "Conexión de datos externa",
     "«{file}» contiene conexiones de datos externas ({detail}): los valores pueden venir de otra fuente. Elimínelas "
     "(Datos > Consultas y conexiones), pegue solo valores y vuelva a enviarlo.", "error"),
    ("activo-objeto-incrustado", "Objeto incrustado",
     "«{file}» contiene objetos incrustados o controles ({detail}): no se abren ni se copian. Si no los agregó usted, "
     "avise a soporte; para evitar este aviso elimínelos y vuelva a enviarlo.", "aviso"),
    ("activo-hipervinculo", "Hipervínculo peligroso",
     "«{file}», hoja «{sheet}», celda {ref}: hipervínculo a «{target}» (archivo local, red o script); no se abrirá ni "
     "se copiará. Bórrelo si no es necesario.", "aviso"),
    ("activo-recurso-externo", "Referencia a recurso externo",
     "«{file}»: la parte {part} apunta a un recurso externo «{target}» ({what}); no se abre ni se copia. Bórrelo si no "
     "es necesario.", "aviso"),
    ("activo-formula-externa", "Fórmula que consulta recursos externos",
     "«{file}», hoja «{sheet}», celda {cell}: la fórmula usa {function}, que consulta recursos fuera del libro; "
     "solo se tomará el valor guardado. Reemplácela por el valor si no es necesaria.", "aviso"),
    ("libro-demasiadas-hojas", "Demasiadas hojas",
     "«{file}» tiene {count} hojas (máximo {limit}): no es un libro de la plantilla. " + _USE_TEMPLATE, "error"),
    ("hoja-demasiadas-celdas", "Demasiadas celdas",
     "«{file}», hoja «{sheet}»: tiene más de {limit} celdas o filas, muchas más que la plantilla; se rechaza sin "
     "abrirlo. Borre las filas y columnas sobrantes o " + _USE_TEMPLATE[0].lower() + _USE_TEMPLATE[1:], "error"),
    ("libro-demasiadas-celdas", "Demasiadas celdas en el libro",
     "«{file}»: el libro tiene más de {limit} celdas en total (se detuvo en la hoja «{sheet}»); se rechaza sin "
     "abrirlo. Borre las hojas o filas sobrantes o " + _USE_TEMPLATE[0].lower() + _USE_TEMPLATE[1:], "error"),
    ("hoja-rango-usado-excesivo", "Datos demasiado lejos",
     "«{file}», hoja «{sheet}»: hay celdas usadas (con datos o formato) hasta {ref}, lo que abarca {area} celdas "
     "(máximo {limit}); se rechaza sin abrirlo. Borre las filas y columnas sobrantes lejos de la tabla (seleccione "
     "y elimine, no solo borre el contenido) y vuelva a enviarlo.", "error"),
    ("hoja-rango-combinado-excesivo", "Rango combinado o vinculado demasiado grande",
     "«{file}», hoja «{sheet}»: {what} {ref} abarca {area} celdas (máximo {limit} por hoja); se rechaza sin abrirlo. "
     "Quítelo y vuelva a enviarlo.", "error"),
    ("celda-fuera-de-cuadricula", "Celda fuera de la cuadrícula",
     "«{file}», hoja «{sheet}»: {ref} está fuera de la cuadrícula de Excel (máximo XFD1048576); el archivo "
     "fue manipulado o está dañado y se rechaza. " + _SAVE_AGAIN, "error"),
    ("celda-referencia-invalida", "Referencia de celda inválida",
     "«{file}», hoja «{sheet}»: referencia de celda inválida «{ref}»; el archivo fue manipulado o está dañado y se "
     "rechaza. " + _SAVE_AGAIN, "error"),
    ("hoja-dimension-falsa", "Dimensión declarada falsa",
     "«{file}», hoja «{sheet}»: la hoja declara el rango {declared} pero solo tiene datos hasta {actual}; se usará el "
     "rango real (no requiere acción).", "aviso"),
    ("numero-no-finito", "Número no válido",
     "«{file}», hoja «{sheet}», celda {cell}: el valor numérico «{value}» no es un número válido (NaN, infinito o "
     "texto); escriba un número y vuelva a enviarlo.", "aviso"),
    ("libro-demasiados-nombres", "Demasiados nombres definidos",
     "«{file}» tiene más de {limit} nombres definidos: no es un libro de la plantilla. " + _USE_TEMPLATE, "error"),
    ("revision-tiempo-agotado", "Revisión demasiado lenta",
     "«{file}»: la revisión tardó más de {limit} s y se detuvo; el archivo se rechaza. " + _USE_TEMPLATE, "error"),
    ("revision-error-interno", "Error al revisar el archivo",
     "«{file}» no se pudo revisar ({detail}); el archivo se rechaza. " + _SAVE_AGAIN
     + " Si el problema continúa, avise a soporte.", "error"),
    ("revision-mas-problemas", "Más problemas del mismo tipo",
     "«{file}»: hay {count} problemas más del tipo «{what}» que no se muestran.", "aviso"),
)

for _code, _title, _template, _severity in _CODES:
    _register(_code, _title, _template, _severity)

#: Every code this module can emit.
INTAKE_CODES: tuple[str, ...] = tuple(c[0] for c in _CODES)


# --------------------------------------------------------------------------------------------------------------------
# Facts


@dataclass(frozen=True)
class SheetInfo:
    """One sheet as declared in ``workbook.xml`` plus what the scan of its part found."""

    name: str
    sheet_id: str
    state: str  # "visible" | "hidden" | "veryHidden"
    kind: str  # "worksheet" | "chartsheet" | "macrosheet" | "dialogsheet" | "unknown"
    rel_id: str
    part: str  # zip member name, "" when the relationship is missing or dangling
    scanned: bool = False  # the whole part was scanned within the limits
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
    """A cell found while scanning: a formula (text), an error value or a non-finite number (raw value). A named
    tuple: a return's scan notes every formula (~50), a frozen dataclass costs three times as much to make."""

    sheet: str
    cell: str
    text: str


CellFact = tuple[int, int, int, "str | None", "str | None", "str | None"]
"""One ``<c>`` of a worksheet as stored, for a reader that takes the values from elsewhere (python-calamine):
``(row_idx, col_idx, style, type, raw, formula)``, zero-based; ``style`` the ``s`` index (0 when absent), ``type``
the ``t`` attribute (None when absent), ``raw`` the XML-decoded text of ``<v>`` (None without one); for an inline
string, the text of its ``<is>`` when that is one plain ``<t>``, else ``""``; ``formula`` the text of ``<f>`` (None
without one). A plain tuple: thousands are made per file."""


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
class Intake:
    """Result of ``inspect``: what the file is, every problem found, and facts for later stages."""

    path: Path
    kind: Kind
    issues: tuple[Issue, ...]
    safe: bool
    size: int = 0
    members: int = 0
    uncompressed_bytes: int = 0
    main_content_type: str = ""
    application: str = ""
    sheets: tuple[SheetInfo, ...] = ()
    date1904: bool = False
    calc_mode: str = "auto"
    full_calc_on_load: bool = False
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
    #: With ``inspect(..., keep_cells=True)`` on a safe file: sheet name → every ``<c>`` as ``CellFact``, in document
    #: order, for each worksheet the fast scan read; a worksheet not here is read from its part by the reader
    #: (``zedxl.xlsx.office_book``).
    cells: Mapping[str, tuple[CellFact, ...]] | None = None
    #: With ``keep_cells``: the ``numFmtId`` of every ``cellXfs`` style by index, and the custom formats as
    #: (id, format code), from styles.xml.
    number_formats: tuple[tuple[int, ...], tuple[tuple[int, str], ...]] | None = None
    #: With ``cells``: the bytes of each part of at most 256 KB the scan read whole (CRC checked), by member name:
    #: the reader gets them here instead of opening the zip again.
    parts: Mapping[str, bytes] | None = field(default=None, repr=False, compare=False)
    #: With ``keep_cells``: custom properties as (name, value type, text as stored, not stripped).
    property_values: tuple[tuple[str, str, str], ...] = ()

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "aviso"]

    def codes(self) -> list[str]:
        return [i.code for i in self.issues]

    def sheet(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.name == name), None)


# --------------------------------------------------------------------------------------------------------------------
# Helpers

_CHUNK = 256 * 1024

# XML parts this process has already found clean, by their bytes (and how they were parsed): the returns of one
# entity carry the same styles, theme and package parts byte for byte (one template, one spreadsheet program), so
# each is parsed once. Only a clean parse is remembered, so a part with anything to report is always parsed.
class BytesMemo:
    """Results remembered by the bytes they were worked out from (the returns of one template share most of their
    parts byte for byte), holding at most ``max_bytes`` of those bytes: all are forgotten at once when full.
    Used for what a clean parse found."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.held = 0
        self.items: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        return self.items.get(key)

    def put(self, key: Any, size: int, value: Any) -> Any:
        """Remember ``value`` under ``key``, which holds ``size`` bytes; returns ``value``."""
        if self.held + size > self.max_bytes:
            self.items.clear()
            self.held = 0
        self.items[key] = value
        self.held += size
        return value


_CLEAN_MAX_BYTES = 256 * 1024  # a part larger than this is never remembered
# what intake keeps of the parts it read whole for the reader (Intake.parts), in all: a return's parts take ~150 KB
_KEEP_MAX_BYTES = 4 * 1024 * 1024
_CLEAN_PARTS = BytesMemo(4 * 1024 * 1024)  # keys: (what was read, the part's bytes)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader: a member's local header
_FLAGS_NOT_PLAIN = 0x1 | 0x20 | 0x40  # encrypted, compressed patched data, strong encryption


def _plain_member(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A member read from the whole file's bytes as ``zipfile`` reads it, for the plain case only: stored or
    deflated, not encrypted, its local header where the directory says, with the same name, the deflate stream
    complete and exactly the compressed size long, the declared size and CRC-32 right. None otherwise, and the
    caller lets zipfile read it (and fail the way it fails). Skips ``ZipExtFile``'s per-read work: a return's
    parts are read in one call each."""
    if info.flag_bits & _FLAGS_NOT_PLAIN or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    offset = info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        return None
    header = _LOCAL_HEADER.unpack_from(data, offset)
    if header[0] != b"PK\x03\x04":
        return None
    name_start = offset + _LOCAL_HEADER.size
    start = name_start + header[10] + header[11]
    end = start + info.compress_size
    if end > len(data):
        return None
    try:
        name = data[name_start: name_start + header[10]].decode("utf-8" if header[3] & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if name != info.orig_filename:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            return None
        out = data[start:end]
    else:
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(memoryview(data)[start:end], info.file_size + 1)
        except zlib.error:
            return None
        if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
            return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out



_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL_REF = re.compile(r"([A-Za-z]{1,10})([0-9]{1,15})\Z")
_RANGE_REF = re.compile(r"\$?([A-Za-z]{1,10})\$?([0-9]{1,15})(?::\$?([A-Za-z]{1,10})\$?([0-9]{1,15}))?\Z")
_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*\Z")
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
_RISKY_FUNCTIONS = re.compile(
    r"(?<![A-Za-z0-9_.])(?:_xlfn\.|_xlws\.)?(WEBSERVICE|HYPERLINK|RTD|CALL|REGISTER\.ID|REGISTER|EXEC|IMAGE|"
    r"FILTERXML|SQL\.REQUEST)\s*\(", re.IGNORECASE)
_DDE_FORMULA = re.compile(r"[A-Za-z0-9_.\-]+\s*\|[^!]*!")
_RISKY_NAMES = ("WEBSERVICE", "HYPERLINK", "RTD", "CALL", "REGISTER", "EXEC", "IMAGE", "FILTERXML", "SQL.REQUEST")


# the only non-ASCII characters that re.IGNORECASE lets match an ASCII letter (İ ı ſ and the Kelvin sign)
_ASCII_FOLD = "\u0130\u0131\u017f\u212a"


def _may_call_out(text: str) -> bool:
    """False only when neither ``_DDE_FORMULA`` nor ``_RISKY_FUNCTIONS`` can match ``text``: cheap substring tests
    that skip both searches for ordinary formulas (the two patterns retry at every character: ~3 ms a return).
    A DDE reference needs a "|"; a risky call needs one of the function names, in any case."""
    if "|" in text or (not text.isascii() and any(ch in text for ch in _ASCII_FOLD)):
        return True
    upper = text.upper()
    return any(name in upper for name in _RISKY_NAMES)


_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
_DTD_BYTES = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_CONTENT_TYPE = re.compile(r"(\+xml|/xml)\s*(;.*)?\Z", re.IGNORECASE)

_STRICT_PREFIX = "http://purl.oclc.org/ooxml/"


def _human(n: int | float) -> str:
    """Bytes for people: '1.0 GiB', '930 KiB'."""
    n = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit in ("bytes", "KiB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


class _SizeLie(zipfile.BadZipFile):
    """A deflated member whose stream goes on past the size its headers declare."""


def _inflates_past(raw: bytes | memoryview, declared: int) -> bool:
    """True when the deflate stream ``raw`` gives more than ``declared`` bytes; inflated 1 MiB at a time and stopped
    as soon as it does, so a bomb hidden behind a small declared size costs at most that much memory."""
    inflater = zlib.decompressobj(-15)
    produced, rest = 0, raw
    try:
        while rest and not inflater.eof:
            produced += len(inflater.decompress(rest, 1 << 20))
            if produced > declared:
                return True
            rest = inflater.unconsumed_tail
    except zlib.error:
        return False  # damaged: zipfile has already said so, or will
    return False


def _read_error(e: BaseException) -> str:
    """A zip read failure in words for the office (the technical text in parentheses)."""
    text = str(e)
    if "CRC" in text:
        what = "suma de control CRC incorrecta: el contenido está alterado"
    elif isinstance(e, zlib.error):
        what = "datos comprimidos dañados"
    elif isinstance(e, EOFError):
        what = "datos comprimidos incompletos"
    elif "File name in directory" in text:
        what = "el nombre de la parte no coincide con su cabecera"
    elif isinstance(e, RuntimeError) and "encrypted" in text:
        what = "la parte está cifrada"
    elif isinstance(e, NotImplementedError):
        what = "método de compresión no admitido"
    elif isinstance(e, _SizeLie):
        what = "el contenido comprimido es más largo que el tamaño declarado"
    else:
        what = "error de lectura"
    return f"{what}; {_short(text or type(e).__name__, 80)}"


def _short(text: str, n: int = 120) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _local(name: str) -> str:
    return name[name.rfind("}") + 1:]


def _rid(attrs: dict[str, str]) -> str:
    """The r:id attribute, with or without namespace processing (any prefix)."""
    for k, v in attrs.items():
        if (k.endswith("}id") and "relationships" in k) or k.endswith(":id"):
            return v
    return ""


def _truthy(v: str | None) -> bool:
    return v is not None and v.strip().lower() in ("1", "true", "on")


def _rel_kind(rel_type: str) -> str:
    return rel_type.rstrip("/").rsplit("/", 1)[-1]


def _dangerous_target(target: str) -> bool:
    """A hyperlink target that is not a web or mail address: file:, javascript:, UNC/local/relative paths..."""
    t = target.strip().lower()
    if not t or t.startswith("#"):
        return False
    if t.startswith(_SAFE_SCHEMES):
        return False
    if _DRIVE.match(t) or t.startswith(("\\", "/")):
        return True
    return True  # other schemes (file:, javascript:, vbscript:, data:, ms-...:) and relative paths


def _strip_literals(formula: str) -> str:
    return _STRING_LITERAL.sub('""', formula)


def _parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """'A1:B2' or 'A1' to 1-based (row1, col1, row2, col2) normalised; None when not a reference."""
    m = _RANGE_REF.match(ref.strip())
    if not m:
        return None
    c1, r1 = col_index(m.group(1)) + 1, int(m.group(2))
    c2, r2 = (col_index(m.group(3)) + 1, int(m.group(4))) if m.group(3) else (c1, r1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _in_grid(row: int, col: int) -> bool:
    """1-based row and column inside Excel's grid."""
    return 1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS


def _ref_text(row: int, col: int) -> str:
    return f"{col_letter(col - 1) if col >= 1 else '?'}{row}"


class _Forbidden(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class _Stop(Exception):
    """A handler hit a limit: the scan stops and the issue is reported."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class _Deadline(Exception):
    pass


def _forbid_doctype(*_: Any) -> None:
    raise _Forbidden("DOCTYPE")


def _forbid_entity(*_: Any) -> None:
    raise _Forbidden("ENTITY")


def _forbid_external(*_: Any) -> int:
    raise _Forbidden("ENTITY")


def _new_parser(namespaces: bool = False) -> Any:
    """An expat parser that refuses any DTD or entity declaration before processing it."""
    parser = expat.ParserCreate(namespace_separator="}") if namespaces else expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _forbid_doctype
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_entity
    parser.ExternalEntityRefHandler = _forbid_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


@dataclass(frozen=True)
class _Rel:
    id: str
    type: str
    target: str
    external: bool
    part: str | None  # resolved zip part name (internal), None for external or invalid targets

    @property
    def kind(self) -> str:
        return _rel_kind(self.type)


# --------------------------------------------------------------------------------------------------------------------
# The inspector


class _Inspector:
    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.file = path.name
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.kind: Kind = "unknown"
        self.issues: list[Issue] = []
        self.code_counts: Counter[str] = Counter()
        self.facts: dict[str, Any] = {}
        self.sheets: list[SheetInfo] = []
        self.defined_names: list[DefinedName] = []
        self._names_seen = 0  # defined names the workbook part holds (recorded or not: see record)
        self.external_links: list[ExternalLink] = []
        self.connections: list[str] = []
        self.embeddings: list[str] = []
        self.hyperlinks: list[Hyperlink] = []
        self.formulas: list[CellNote] = []
        self.error_cells: list[CellNote] = []
        self.nonfinite_cells: list[CellNote] = []
        self.custom_properties: list[tuple[str, str]] = []
        self.truncated_facts = False
        self.has_macros = False
        self.complete = False  # the whole package was checked (needed for safe)
        self.elements = 0
        self.total_cells = 0
        self.zf: zipfile.ZipFile | None = None
        self.data: bytes | None = None  # the file's bytes, when the caller read them (see ``inspect``)
        self.members: dict[str, zipfile.ZipInfo] = {}  # lower-case name -> info
        self.parsed: set[str] = set()
        self.keep_cells = False
        self.cells: dict[str, tuple[CellFact, ...]] = {}  # the sheets the fast scan read
        self.number_formats: tuple[tuple[int, ...], tuple[tuple[int, str], ...]] | None = None
        self.parts: dict[str, bytes] = {}  # with keep_cells: small members read whole (see Intake.parts)
        self.kept_bytes = 0  # their total size
        self.property_values: list[tuple[str, str, str]] = []

    # -- issues and facts ------------------------------------------------------------------------------------------

    def add(self, code: str, **kw: Any) -> None:
        self.code_counts[code] += 1
        if self.code_counts[code] > self.limits.max_issues_per_code:
            return
        self.issues.append(make_issue(code, file=self.file, **kw))

    def record(self, bucket: list[Any], item: Any) -> None:
        if len(bucket) < self.limits.max_recorded:
            bucket.append(item)
        else:
            self.truncated_facts = True

    def record_all(self, bucket: list[Any], items: list[Any]) -> None:
        """``record`` of each item, in one step."""
        room = max(self.limits.max_recorded - len(bucket), 0)
        if len(items) > room:
            bucket.extend(items[:room])
            self.truncated_facts = True
        else:
            bucket.extend(items)

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise _Deadline

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

    # -- entry ----------------------------------------------------------------------------------------------------

    def run(self) -> None:
        original = lock_file_original(self.file)
        if original is not None:
            self.kind = "owner-file"
            self.add("archivo-temporal-bloqueo", original=original)
            return
        try:
            if self.data is not None:  # read by the caller, who checked it was a regular file
                fh: BinaryIO = io.BytesIO(self.data)
            elif not _is_regular(os.stat(self.path).st_mode):  # a FIFO would block open(), a directory fail later
                self.add("archivo-inaccesible", detail="no es un archivo")
                return
            else:
                fh = open(self.path, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            self.add("archivo-inaccesible", detail=_short(e.strerror or type(e).__name__))
            return
        with fh:
            try:
                if self.data is not None:
                    size = len(self.data)
                else:
                    st = os.fstat(fh.fileno())
                    if not _is_regular(st.st_mode):
                        self.add("archivo-inaccesible", detail="no es un archivo")
                        return
                    size = st.st_size
                self.facts["size"] = size
                if size == 0:
                    self.kind = "empty"
                    self.add("archivo-vacio")
                    return
                head = fh.read(min(size, 64 * 1024))
            except OSError as e:
                self.add("archivo-inaccesible", detail=_short(e.strerror or type(e).__name__))
                return
            is_zip = head.startswith((b"PK\x03\x04", b"PK\x05\x06"))
            if size > self.limits.max_file_bytes:
                self.kind = self.ext_kind() if is_zip else "xls" if head.startswith(_OLE_MAGIC) else "unknown"
                self.add("archivo-demasiado-grande", size=_human(size), limit=_human(self.limits.max_file_bytes))
                return
            if is_zip:
                self.inspect_zip(fh, size)
            elif head.startswith(_OLE_MAGIC):
                fh.seek(0)
                self.inspect_ole(fh.read(size))
            else:
                self.inspect_text(head, size)

    def ext_kind(self) -> Kind:
        ext = self.path.suffix.lower()
        if ext in (".xlsm", ".xltm", ".xlam"):
            return "xlsm"
        if ext in (".xlsx", ".xltx"):
            return "xlsx"
        if ext == ".ods":
            return "ods"
        return "unknown"

    # -- non-zip containers -----------------------------------------------------------------------------------------

    def inspect_ole(self, data: bytes) -> None:
        names = _cfb_names(data)
        if not names:  # damaged directory: fall back on the UTF-16 names anywhere in the file
            names = {n for n in ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book", "WordDocument",
                                 "PowerPoint Document") if n.encode("utf-16-le") in data}
        lower = {n.lower() for n in names}
        if {"encryptedpackage", "encryptioninfo"} & lower:
            self.kind = "encrypted"
            self.add("archivo-cifrado")
        elif {"workbook", "book"} & lower:
            self.kind = "xls"
            self.add("formato-xls-antiguo")
        elif "worddocument" in lower:
            self.add("formato-desconocido", detail="es un documento de Word antiguo (.doc)")
        elif "powerpoint document" in lower:
            self.add("formato-desconocido", detail="es una presentación de PowerPoint antigua (.ppt)")
        else:
            self.add("formato-desconocido", detail="es un archivo de Office antiguo que no contiene un libro de Excel")

    def inspect_text(self, head: bytes, size: int) -> None:
        text = _decode_text(head, truncated=size > len(head))
        if text is None:
            self.add("formato-desconocido", detail=_binary_detail(head))
            return
        low = text.lstrip("\ufeff \t\r\n").lower()[:8192]
        if low.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in low:
            self.kind = "text"
            self.add("formato-xml-2003")
            return
        if (low.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body"))
                or "<html" in low or "<table" in low
                or (low.startswith("mime-version:") and "multipart/related" in low)):
            self.kind = "html"
            self.add("formato-html")
            return
        delimiter = _csv_delimiter(text, truncated=size > len(head))
        if delimiter:
            self.kind = "csv"
            self.add("formato-csv", delimiter={"\t": "tabulador"}.get(delimiter, delimiter))
            return
        self.kind = "text"
        self.add("formato-texto")

    # -- zip ------------------------------------------------------------------------------------------------------

    def inspect_zip(self, fh: BinaryIO, size: int) -> None:
        lim = self.limits
        self.kind = self.ext_kind()
        eocd = _find_eocd(fh, size)
        if eocd is None:
            self.add("archivo-truncado")
            return
        entries, cd_size, cd_offset = eocd
        if entries > lim.max_zip_members:
            self.add("zip-demasiadas-partes", count=entries, limit=lim.max_zip_members)
            return
        if cd_size > lim.max_central_directory_bytes:
            self.add("zip-demasiadas-partes", count=f"{entries} (índice de {_human(cd_size)})",
                     limit=lim.max_zip_members)
            return
        if cd_offset + cd_size > size:
            self.add("archivo-truncado")
            return
        try:
            fh.seek(0)
            zf = zipfile.ZipFile(fh)
        except Exception as e:  # noqa: BLE001 - any failure of the central directory is a corrupt file
            self.add("zip-corrupto", part="el índice del archivo comprimido", detail=_read_error(e))
            return
        with zf:
            self.zf = zf
            if self.check_members(zf.infolist()):
                return
            self.identify_and_check()

    def check_members(self, infos: list[zipfile.ZipInfo]) -> bool:
        """Central-directory checks; True when the file must not be read further."""
        lim = self.limits
        self.facts["members"] = len(infos)
        if len(infos) > lim.max_zip_members:
            self.add("zip-demasiadas-partes", count=len(infos), limit=lim.max_zip_members)
            return True
        stop = False
        total = 0
        seen: dict[str, str] = {}
        for info in infos:
            name = info.filename
            total += info.file_size
            if _unsafe_name(info.orig_filename) or (name != info.orig_filename and _unsafe_name(name)):
                self.add("zip-nombre-peligroso", part=_short(info.orig_filename, 80))
                stop = True
            key = name.lower()
            if key in seen:
                self.add("zip-parte-duplicada", part=_short(name, 80))
                stop = True
            seen[key] = name
            if info.file_size > lim.max_member_bytes:
                self.add("zip-parte-demasiado-grande", part=_short(name, 80), size=_human(info.file_size),
                         limit=_human(lim.max_member_bytes))
                stop = True
            elif info.file_size > lim.ratio_min_bytes:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > lim.max_ratio:
                    self.add("zip-compresion-anomala", part=_short(name, 80), ratio=f"{ratio:.0f}",
                             limit=f"{lim.max_ratio:.0f}")
                    stop = True
            if info.flag_bits & 0x1:
                self.add("zip-parte-cifrada", part=_short(name, 80))
                stop = True
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not name.endswith("/"):
                self.add("zip-corrupto", part=_short(name, 80),
                         detail=f"método de compresión {info.compress_type} no admitido")
                stop = True
        self.facts["uncompressed"] = total
        if total > lim.max_total_bytes:
            self.add("zip-total-demasiado-grande", size=_human(total), limit=_human(lim.max_total_bytes))
            stop = True
        if not stop:
            self.members = {i.filename.lower(): i for i in infos if not i.filename.endswith("/")}
        return stop

    def member(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(name.lower())

    def identify_and_check(self) -> None:
        if not self.members:
            self.kind = "unknown"
            self.add("formato-desconocido", detail="es un archivo comprimido .zip vacío")
            return
        if self.member("[Content_Types].xml") is None and self.member("mimetype") is not None:
            mimetype = self.read_small("mimetype", 256).decode("ascii", "replace").strip()
            if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
                self.kind = "ods"
                self.add("formato-ods")
            else:
                self.kind = "unknown"
                self.add("formato-desconocido", detail=f"es un documento OpenDocument ({_short(mimetype, 60)})")
            return
        if (self.member("[Content_Types].xml") is None and self.member("_rels/.rels") is None
                and self.member("xl/workbook.xml") is None):
            self.kind = "unknown"
            self.add("formato-desconocido", detail="es un archivo comprimido .zip, no un libro de Excel")
            return
        self.inspect_package()

    def read_small(self, name: str, cap: int) -> bytes:
        info = self.member(name)
        if info is None or self.zf is None:
            return b""
        try:
            with self.zf.open(info) as fh:
                return fh.read(cap)
        except Exception:  # noqa: BLE001 - reported when the part is checked as a whole
            return b""

    # -- XML streaming --------------------------------------------------------------------------------------------

    def parse_xml(
        self,
        part: str,
        start: Callable[[str, dict[str, str]], None] | None = None,
        end: Callable[[str], None] | None = None,
        chars: Callable[[str], None] | None = None,
        *,
        namespaces: bool = True,
        counted: bool = True,
        data: bytes | None = None,
    ) -> bool:
        """Stream one zip member through expat (DTDs forbidden); True when it parsed completely and cleanly.

        ``namespaces``: element names as 'uri}local' (else raw qualified names, faster); ``counted``: wrap ``start``
        to count elements against ``Limits.max_xml_elements`` (else ``start`` counts them itself). A small part
        parsed with no handler is remembered by its bytes once clean, and not parsed again in this process;
        ``data``: the member's bytes when the caller has read it whole already (``small_bytes``).
        """
        info = self.member(part)
        assert self.zf is not None and info is not None
        self.parsed.add(info.filename.lower())
        name = info.filename
        if info.file_size > self.limits.max_xml_part_bytes:
            self.add("xml-parte-demasiado-grande", part=name, detail=f"{_human(info.file_size)}, máximo "
                     f"{_human(self.limits.max_xml_part_bytes)}")
            return False
        # a part parsed cleanly before, byte for byte (no handler: only well-formedness and DTDs are at stake)
        plain = start is None and end is None and chars is None
        if data is None and plain:
            data = self.small_bytes(info)
        if plain and data is not None and _CLEAN_PARTS.get((namespaces, data)) is not None:
            return True
        parser = _new_parser(namespaces)
        if start is not None and not counted:
            parser.StartElementHandler = start
        elif start is not None:
            limit = self.limits.max_xml_elements

            def counted_start(tag: str, attrs: dict[str, str]) -> None:
                self.elements += 1
                if self.elements > limit:
                    raise _Stop("xml-parte-demasiado-grande", part=name,
                                detail=f"más de {limit} elementos XML")
                start(tag, attrs)

            parser.StartElementHandler = counted_start
        if end is not None:
            parser.EndElementHandler = end
        if chars is not None:
            parser.CharacterDataHandler = chars
        stream: Iterator[bytes] | None = None
        try:
            if data is not None:  # read whole already (so intact: a parse error is the XML's)
                parser.Parse(data, True)
            else:
                stream = self.stream(info)
                for chunk in stream:
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            if plain and data is not None:
                _CLEAN_PARTS.put((namespaces, data), len(data), True)
            return True
        except _Forbidden as e:
            self.add("xml-dtd-prohibido", part=name, what=f"<!{e.what}>")
        except _Stop as e:
            self.add(e.code, **e.params)
        except expat.ExpatError as e:
            detail = f"línea {e.lineno}, columna {e.offset}: {expat.ErrorString(e.code)}"
            corrupt = self.drain(stream)  # tell a corrupt member (CRC) from well-stored bad XML
            if corrupt:
                self.add("zip-corrupto", part=f"la parte {name}", detail=corrupt)
            else:
                self.add("xml-mal-formado", part=name, detail=detail)
        except (LookupError, UnicodeError) as e:  # an encoding expat and Python do not know, or bad bytes in it
            self.add("xml-mal-formado", part=name, detail=f"codificación no válida: {_short(str(e), 60)}")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
                ValueError) as e:
            self.add("zip-corrupto", part=f"la parte {name}", detail=_read_error(e))
        finally:
            if stream is not None and hasattr(stream, "close"):
                stream.close()
        return False

    def recall(self, info: zipfile.ZipInfo | None, what: str) -> tuple[bytes | None, Any]:
        """The member's bytes, when small enough to be remembered by them, and what a clean parse of those very bytes
        (read as ``what``) found before in this process (``_CLEAN_PARTS``), or None: not seen, or its elements would
        pass the limit. When found, the part counts as parsed and its elements are counted, as the parse would."""
        data = self.small_bytes(info) if info is not None and info.file_size <= self.limits.max_xml_part_bytes \
            else None
        seen = _CLEAN_PARTS.get((what, data)) if data is not None else None
        if seen is None or self.elements + seen[0] > self.limits.max_xml_elements:
            return data, None
        assert info is not None
        self.parsed.add(info.filename.lower())
        self.elements += seen[0]
        return data, seen[1]

    @staticmethod
    def remember(what: str, data: bytes | None, elements: int, found: Any) -> None:
        """What a clean parse of ``data`` (read as ``what``) found, and its element count, for ``recall``."""
        if data is not None:
            _CLEAN_PARTS.put((what, data), len(data), (elements, found))

    def raw_member_overruns(self, info: zipfile.ZipInfo) -> bool:
        """True when the member's compressed bytes (found from its local header) inflate past its declared size."""
        if self.data is not None:
            data: bytes | memoryview = memoryview(self.data)
        else:
            with open(self.path, "rb") as fh:
                data = fh.read()  # bounded: the file's size was checked against max_file_bytes before
        offset = info.header_offset
        if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
            return False
        header = _LOCAL_HEADER.unpack_from(data, offset)
        start = offset + _LOCAL_HEADER.size + header[10] + header[11]
        return _inflates_past(data[start:start + info.compress_size], info.file_size)

    def small_bytes(self, info: zipfile.ZipInfo) -> bytes | None:
        """The whole member when it is small enough to be remembered by its bytes (``_CLEAN_PARTS``); None when it
        is larger or cannot be read (the streaming parse then reports the read error, as ever)."""
        if info.file_size > _CLEAN_MAX_BYTES:
            return None
        try:
            return b"".join(self.stream(info))
        except _Deadline:
            raise
        except Exception:  # noqa: BLE001 - reported by the streaming parse with its part name
            return None

    def precount(self, part: str, scan: _SheetScan) -> bool:
        """First pass over a sheet at C speed (decompress and count tags); False when it must not be parsed."""
        info = self.member(part)
        assert info is not None
        if info.file_size > self.limits.max_xml_part_bytes:
            return self.parse_xml(part)  # reports the size
        counted = [0]
        try:
            for chunk in self.stream(info):
                scan.precount(chunk, counted)
        except _Stop as e:
            self.parsed.add(info.filename.lower())
            self.add(e.code, **e.params)
            return False
        except _Deadline:
            raise
        except Exception as e:  # noqa: BLE001 - a read failure here is reported by the parse with its part name
            del e
        return True

    def stream(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The member's bytes in chunks, bounded by its declared size (zipfile stops there and checks the CRC)."""
        assert self.zf is not None
        budget = max(info.file_size, 0)
        # kept for the reader (Intake.parts) when small, up to _KEEP_MAX_BYTES in all: a hostile package of
        # thousands of small parts must not be held in memory whole
        kept: list[bytes] | None = [] if (self.keep_cells and budget <= _CLEAN_MAX_BYTES
                                          and self.kept_bytes + budget <= _KEEP_MAX_BYTES) else None
        # a small member of a file read whole, in the plain case: straight from those bytes, the very bytes
        # zipfile gives (anything else, or any doubt: zipfile reads it and reports what is wrong, as before)
        whole = _plain_member(self.data, info) if self.data is not None and budget <= _CHUNK else None
        if whole is not None:
            self.check_deadline()
            yield whole
            if kept is not None:  # read to the end (as below: only then)
                self.kept_bytes += len(whole) - len(self.parts.get(info.filename, b""))
                self.parts[info.filename] = whole
            return
        with self.zf.open(info) as fh:
            seen = 0
            while True:
                self.check_deadline()
                chunk = fh.read(_CHUNK)
                if not chunk:
                    # zipfile stops at the declared size; another program would inflate the rest of the stream
                    if info.compress_type == zipfile.ZIP_DEFLATED and self.raw_member_overruns(info):
                        raise _SizeLie(f"{info.filename}: más de {info.file_size} bytes")
                    if kept is not None:  # read to the end: zipfile has checked the CRC
                        whole = kept[0] if len(kept) == 1 else b"".join(kept)
                        self.kept_bytes += len(whole) - len(self.parts.get(info.filename, b""))
                        self.parts[info.filename] = whole
                    return
                seen += len(chunk)
                if seen > budget:  # pragma: no cover - zipfile already stops at the declared size
                    raise zipfile.BadZipFile("more data than declared")
                if kept is not None:
                    kept.append(chunk)
                yield chunk

    def drain(self, stream: Iterator[bytes] | None) -> str:
        """Read the rest of a member; the read error (CRC, inflate) as text, '' when it is intact."""
        if stream is None:
            return ""
        try:
            for _ in stream:
                pass
        except _Deadline:
            raise
        except Exception as e:  # noqa: BLE001
            return _read_error(e)
        return ""

    def scan_dtd_bytes(self, part: str) -> None:
        """Parts that are often not well-formed XML (VML): only look for DTD declarations."""
        info = self.member(part)
        assert info is not None
        self.parsed.add(info.filename.lower())
        if info.file_size > self.limits.max_xml_part_bytes:
            self.add("xml-parte-demasiado-grande", part=info.filename, detail=_human(info.file_size))
            return
        tail = b""
        try:
            for chunk in self.stream(info):
                m = _DTD_BYTES.search(tail + chunk)
                if m:
                    self.add("xml-dtd-prohibido", part=info.filename, what=f"<!{m.group(1).decode().upper()}>")
                    return
                tail = chunk[-16:]
        except _Deadline:
            raise
        except Exception as e:  # noqa: BLE001
            self.add("zip-corrupto", part=f"la parte {info.filename}", detail=_read_error(e))

    # -- relationships ----------------------------------------------------------------------------------------------

    def parse_rels(self, source_part: str) -> list[_Rel] | None:
        """Relationships of ``source_part`` ('' for the package); None when there is no rels part."""
        directory, base = posixpath.split(source_part)
        rels_part = posixpath.join(directory, "_rels", base + ".rels") if source_part else "_rels/.rels"
        info = self.member(rels_part)
        if info is None:
            return None
        # the returns of one template share their relationship parts byte for byte: what a clean parse found
        # (the relationships) is remembered by the bytes and the folder they resolve from
        what = "rels\x00" + directory
        data, seen = self.recall(info, what)
        if seen is not None:
            return list(seen)
        rels: list[_Rel] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and len(rels) < self.limits.max_zip_members * 4:
                target = attrs.get("Target", "")
                external = attrs.get("TargetMode", "").lower() == "external"
                rels.append(_Rel(attrs.get("Id", ""), attrs.get("Type", ""), target, external,
                                 None if external else _resolve(directory, target)))

        before = self.elements
        if self.parse_xml(rels_part, start, data=data):
            self.remember(what, data, self.elements - before, tuple(rels))
        return rels

    def check_dangling(self, rels: list[_Rel], source: str, severity: Severity | None = None) -> None:
        for rel in rels:
            if rel.external:
                continue
            if rel.part is None or self.member(rel.part) is None:
                self.add("paquete-parte-faltante", part=rel.part or _short(rel.target, 80),
                         detail=f"referida por {source or 'el paquete'}", severity=severity)

    # -- the OOXML package ------------------------------------------------------------------------------------------

    def inspect_package(self) -> None:
        # [Content_Types].xml
        overrides: dict[str, str] = {}
        defaults: dict[str, str] = {}
        ct_info = self.member("[Content_Types].xml")
        if ct_info is None:
            self.add("paquete-parte-faltante", part="[Content_Types].xml", detail="tipos de contenido")
        else:
            def ct_start(tag: str, attrs: dict[str, str]) -> None:
                local = _local(tag)
                if local == "Override" and len(overrides) < self.limits.max_zip_members * 4:
                    overrides[attrs.get("PartName", "").lstrip("/").lower()] = attrs.get("ContentType", "")
                elif local == "Default" and len(defaults) < 1000:
                    defaults[attrs.get("Extension", "").lower()] = attrs.get("ContentType", "")

            # the returns of one template share their content types byte for byte: what a clean parse found (both
            # maps) is remembered by the bytes
            data, seen = self.recall(ct_info, "content-types")
            if seen is not None:
                overrides.update(seen[0])
                defaults.update(seen[1])
            else:
                before = self.elements
                if self.parse_xml("[Content_Types].xml", ct_start, data=data):
                    self.remember("content-types", data, self.elements - before, (dict(overrides), dict(defaults)))

        def content_type(part: str) -> str:
            ct = overrides.get(part.lower())
            if ct is None:
                ct = defaults.get(posixpath.splitext(part)[1].lstrip(".").lower(), "")
            return ct

        # _rels/.rels -> the workbook part
        root_rels = self.parse_rels("")
        strict = False
        wb_part = ""
        if root_rels is None:
            self.add("paquete-parte-faltante", part="_rels/.rels", detail="relaciones del paquete")
        else:
            for rel in root_rels:
                if rel.type.startswith(_STRICT_PREFIX):
                    strict = True
                if rel.kind == "officeDocument" and not rel.external and not wb_part:
                    wb_part = rel.part or ""
        if not wb_part:
            wb_part = "xl/workbook.xml"
        main_ct = overrides.get(wb_part.lower(), "")
        self.facts["main_content_type"] = main_ct
        ct_low = main_ct.lower()
        if "macroenabled" in ct_low and "binary" not in ct_low:
            self.kind = "xlsm"
        elif "spreadsheetml" in ct_low:
            self.kind = "xlsx"
        elif "sheet.binary" in ct_low or wb_part.lower().endswith(".bin"):
            self.kind = "unknown"
            self.add("formato-xlsb")
            return
        elif "wordprocessingml" in ct_low or "presentationml" in ct_low:
            self.kind = "unknown"
            self.add("formato-desconocido", detail="es un documento de Word o PowerPoint")
            return
        elif self.kind not in READABLE_KINDS:
            self.kind = "xlsx"
        if self.member(wb_part) is None:
            self.add("paquete-parte-faltante", part=wb_part, detail="el libro mismo")
            return
        if root_rels is not None:
            main = [r for r in root_rels if r.kind == "officeDocument"]
            self.check_dangling([r for r in root_rels if r not in main], "_rels/.rels", severity="aviso")

        wb_ok = self.parse_workbook(wb_part)
        if self.facts.get("strict_ns"):
            strict = True
        if strict:
            self.add("formato-strict-ooxml")
        wb_rels = self.parse_rels(wb_part)
        if wb_rels is None:
            rels_name = posixpath.join(posixpath.dirname(wb_part), "_rels", posixpath.basename(wb_part) + ".rels")
            self.add("paquete-parte-faltante", part=rels_name, detail="relaciones del libro")
            wb_rels = []
        self.check_dangling(wb_rels, wb_part)
        by_id = {r.id: r for r in wb_rels}

        if len(self.sheets) > self.limits.max_sheets:
            self.add("libro-demasiadas-hojas", count=len(self.sheets), limit=self.limits.max_sheets)
            return
        # sheets -> parts
        resolved: list[SheetInfo] = []
        for s in self.sheets:
            sheet_rel = by_id.get(s.rel_id)
            kind = "unknown"
            part = ""
            if sheet_rel is None:
                self.add("paquete-parte-faltante", part=f"hoja «{s.name}»",
                         detail=f"el libro no tiene la relación {s.rel_id or '(vacía)'}")
            else:
                kind = {"worksheet": "worksheet", "chartsheet": "chartsheet", "dialogsheet": "dialogsheet",
                        "xlMacrosheet": "macrosheet", "xlIntlMacrosheet": "macrosheet"}.get(sheet_rel.kind, "unknown")
                info = self.member(sheet_rel.part) if sheet_rel.part is not None else None
                if info is not None:
                    part = info.filename
            resolved.append(SheetInfo(s.name, s.sheet_id, s.state, kind, s.rel_id, part))
        self.sheets = resolved

        for rel in wb_rels:
            k = rel.kind
            if k == "sharedStrings" and rel.part:
                self.facts["shared_strings"] = rel.part
            elif k == "styles" and rel.part:
                self.facts["styles"] = rel.part
            elif rel.external:
                self.add("activo-recurso-externo", part=wb_part, target=_short(rel.target), what=k)

        # active content found by part names and relationships
        self.find_active_parts(wb_rels, content_type)

        # sheets, one by one
        scanned: list[SheetInfo] = []
        for s in self.sheets:
            if s.part and s.kind in ("worksheet", "macrosheet", "dialogsheet"):
                scanned.append(self.scan_sheet(s))
            else:
                if s.part:
                    self.parse_xml(s.part)
                    self.sheet_rels(s.part, s.name, {})
                scanned.append(s)
        self.sheets = scanned

        # external links, connections, properties
        for info in list(self.members.values()):
            low = info.filename.lower()
            if re.match(r"(.*/)?externallinks/[^/]+\.xml\Z", low):
                self.parse_external_link(info.filename)
        self.parse_connections()
        self.parse_properties()

        # every other XML part: DTDs and well-formedness
        for info in list(self.members.values()):
            low = info.filename.lower()
            if low in self.parsed:
                continue
            ct = content_type(info.filename)
            if low.endswith(".rels"):
                self.other_rels(info.filename)
            elif low.endswith(".vml"):
                self.scan_dtd_bytes(info.filename)
            elif self.keep_cells and low == self.facts.get("styles", "").lower():
                self.parse_styles(info.filename)
            elif low.endswith((".xml", ".rels")) or _XML_CONTENT_TYPE.search(ct or ""):
                self.parse_xml(info.filename)
        self.complete = wb_ok

    def parse_styles(self, part: str) -> None:
        """styles.xml, also noting the number format of every cell style (``cellXfs``): its id, and the codes of the
        custom formats (built-in ones are the reader's business)."""
        custom: dict[int, str] = {}
        xf_ids: list[int] = []
        depth = {"cellXfs": False}

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "numFmt":
                with contextlib.suppress(ValueError):
                    custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                depth["cellXfs"] = True
            elif local == "xf" and depth["cellXfs"] and len(xf_ids) < 65_000:
                try:
                    xf_ids.append(int(attrs.get("numFmtId", "0") or 0))
                except ValueError:
                    xf_ids.append(-1)

        def end(tag: str) -> None:
            local = _local(tag)
            if local in depth:
                depth[local] = False

        # the returns of one entity share their styles byte for byte: what a clean parse found is remembered
        data, seen = self.recall(self.member(part), "styles")
        if seen is not None:
            self.number_formats = seen
            return
        before = self.elements
        if self.parse_xml(part, start, end, data=data):
            self.number_formats = (tuple(xf_ids), tuple(custom.items()))
            self.remember("styles", data, self.elements - before, self.number_formats)

    def parse_workbook(self, part: str) -> bool:
        # the returns of one template (and office) share their workbook part byte for byte: what a clean parse found
        # (sheets, the facts it notes, defined names, element count) is remembered by the bytes and replayed
        data, seen = self.recall(self.member(part), "workbook")
        if seen is not None:
            self.sheets = list(seen[0])
            self.facts.update(seen[1])
            for name in seen[2]:
                self.record(self.defined_names, name)
            return True
        facts_before = dict(self.facts)
        names_before = len(self.defined_names)
        issues_before = len(self.issues)
        elements_before = self.elements
        ok = self._parse_workbook(part, data)
        if ok and len(self.issues) == issues_before and \
                len(self.defined_names) - names_before == self._names_seen:  # every name recorded: none left out
            noted = {k: v for k, v in self.facts.items() if k not in facts_before or facts_before[k] != v}
            self.remember("workbook", data, self.elements - elements_before,
                          (tuple(self.sheets), noted, tuple(self.defined_names[names_before:])))
        return ok

    def _parse_workbook(self, part: str, data: bytes | None) -> bool:
        lim = self.limits
        sheets: list[SheetInfo] = []
        self._names_seen = 0
        state: dict[str, Any] = {"name": None, "text": [], "left": 0, "names": 0}

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "workbook":
                if tag.startswith(_STRICT_PREFIX):
                    self.facts["strict_ns"] = True
            elif local == "sheet":
                if len(sheets) <= lim.max_sheets:
                    sheets.append(SheetInfo(attrs.get("name", ""), attrs.get("sheetId", ""),
                                            attrs.get("state", "visible") or "visible", "unknown", _rid(attrs), ""))
                else:
                    raise _Stop("libro-demasiadas-hojas", count=f"más de {lim.max_sheets}", limit=lim.max_sheets)
            elif local == "workbookPr":
                self.facts["date1904"] = _truthy(attrs.get("date1904"))
            elif local == "calcPr":
                self.facts["calc_mode"] = attrs.get("calcMode", "auto") or "auto"
                self.facts["full_calc_on_load"] = _truthy(attrs.get("fullCalcOnLoad"))
            elif local == "definedName":
                state["names"] += 1
                if state["names"] > lim.max_defined_names:
                    raise _Stop("libro-demasiados-nombres", limit=lim.max_defined_names)
                local_sheet = attrs.get("localSheetId")
                state["name"] = (attrs.get("name", ""),
                                 int(local_sheet) if local_sheet and local_sheet.isdigit() else None,
                                 _truthy(attrs.get("hidden")))
                state["text"] = []
                state["left"] = 2000

        def chars(data: str) -> None:
            if state["name"] is not None and state["left"] > 0:
                state["text"].append(data[: state["left"]])
                state["left"] -= len(data)

        def end(tag: str) -> None:
            if state["name"] is not None and _local(tag) == "definedName":
                name, local_sheet, hidden = state["name"]
                self._names_seen += 1
                self.record(self.defined_names, DefinedName(name, "".join(state["text"]), local_sheet, hidden))
                state["name"] = None

        ok = self.parse_xml(part, start, end, chars, data=data)
        self.sheets = sheets
        return ok

    def find_active_parts(self, wb_rels: list[_Rel], content_type: Callable[[str], str]) -> None:
        macros: list[str] = []
        embedded: list[str] = []
        for info in self.members.values():
            name = info.filename
            low = name.lower()
            ct = content_type(name).lower()
            base = posixpath.basename(low)
            if base.startswith("vbaproject") or "vbaproject" in ct or "/macrosheets/" in f"/{low}" or (
                    "macrosheet" in ct):
                macros.append(name)
            elif "/embeddings/" in f"/{low}" or "/activex/" in f"/{low}" or "oleobject" in ct:
                embedded.append(name)
        for rel in wb_rels:
            if rel.kind in ("vbaProject",) and rel.part and rel.part not in macros:
                macros.append(rel.part)
        macro_sheets = [s.name for s in self.sheets if s.kind == "macrosheet"]
        if macros or macro_sheets:
            self.has_macros = True
            detail = ", ".join(_short(m, 60) for m in (macros + [f"hoja de macros «{n}»" for n in macro_sheets])[:4])
            if self.kind == "xlsx":
                detail += "; ocultas en un archivo .xlsx"
            self.add("activo-macros", detail=detail)
        if embedded:
            for e in embedded:
                self.record(self.embeddings, e)
            self.add("activo-objeto-incrustado", detail=", ".join(_short(e, 60) for e in embedded[:4])
                     + (f" y {len(embedded) - 4} más" if len(embedded) > 4 else ""))

    # -- worksheets -------------------------------------------------------------------------------------------------

    def scan_sheet(self, sheet: SheetInfo) -> SheetInfo:
        scan = self.fast_scan(sheet)
        ok = scan is not None
        if scan is None:  # not in the fast scan's shape: the reader records this sheet's cells itself
            scan = _SheetScan(self, sheet.name)
            ok = self.precount(sheet.part, scan) and self.parse_xml(sheet.part, scan.start, chars=scan.chars,
                                                                   namespaces=False, counted=False)
        scan.finish()
        protected = scan.protected
        result = SheetInfo(
            sheet.name, sheet.sheet_id, sheet.state, sheet.kind, sheet.rel_id, sheet.part,
            scanned=ok, cells=scan.cells, max_row=scan.max_row, max_col=scan.max_col, extent_row=scan.ext_row,
            extent_col=scan.ext_col, dimension=scan.dimension,
            formulas=scan.formula_count, protected=protected, merged=tuple(scan.merged),
        )
        if not ok:
            self.sheet_rels(sheet.part, sheet.name, scan.hyperlink_refs)
            return result
        lim = self.limits
        area = scan.ext_row * scan.ext_col
        if area > lim.max_used_area:
            self.add("hoja-rango-usado-excesivo", sheet=sheet.name, ref=_ref_text(scan.ext_row, scan.ext_col),
                     area=f"{area:,}", limit=f"{lim.max_used_area:,}")
        if scan.dimension:
            rng = _parse_range(scan.dimension)
            declared = (rng[2] * rng[3]) if rng else None
            if rng is None or not (_in_grid(rng[0], rng[1]) and _in_grid(rng[2], rng[3])) or (
                    declared is not None and declared > max(lim.max_used_area, 4 * max(area, 1))):
                actual = _ref_text(scan.max_row, scan.max_col) if scan.max_row else "ninguna celda"
                self.add("hoja-dimension-falsa", sheet=sheet.name, declared=_short(scan.dimension, 40),
                         actual=actual)
        self.sheet_rels(sheet.part, sheet.name, scan.hyperlink_refs)
        return result

    def fast_scan(self, sheet: SheetInfo) -> _SheetScan | None:
        """The same scan as ``_SheetScan`` at C speed, for a worksheet in the plain shape spreadsheet programs write.

        Taken only when nothing in the part needs the element-by-element scan: UTF-8, no comment, CDATA, processing
        instruction or DTD, the main namespace as default with no prefixed element inside ``<sheetData>``, every
        ``<row>`` and ``<c>`` with ``r=`` first, plain numbers, no shared or array formula, no formula that reaches
        outside, no merged cell or hyperlink, everything inside the limits. Both halves (``<sheetData>`` and the rest)
        are checked well-formed by expat; cells are then read with regular expressions (every ``<c`` tag must be
        matched, or the fast scan gives up) and the rest goes through ``_SheetScan``'s own handlers. Returns None,
        having changed nothing, whenever any of this does not hold: the caller then runs the full scan, which
        reports whatever is wrong exactly as before.
        """
        info = self.member(sheet.part)
        if info is None or info.file_size > _FAST_MAX_BYTES or self.zf is None:
            return None
        try:
            data = b"".join(self.stream(info))
        except _Deadline:
            raise
        except Exception:  # noqa: BLE001 - the full scan reports the read error with its part name
            return None
        root = _FAST_ROOT.match(data)
        if root is None or b"<!" in data or data.count(b"<?") != (1 if root.group("decl") is not None else 0):
            return None
        decl = root.group("decl")
        if decl:
            enc = _FAST_ENC.search(decl)
            if enc is not None and enc.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
                return None
        head = data[root.start(): data.find(b">", root.end() - 1) + 1]
        if _MAIN_NS_ATTR not in head:
            return None
        i = data.find(b"<sheetData")
        if i < 0 or data.find(b"<sheetData", i + 1) >= 0:
            return None
        if data.startswith(b"<sheetData/>", i):
            j = i + len(b"<sheetData/>")
            sd = b""
        else:
            if not data.startswith(b"<sheetData>", i):
                return None
            j = data.find(b"</sheetData>")
            if j < 0 or data.find(b"</sheetData>", j + 1) >= 0:
                return None
            j += len(b"</sheetData>")
            sd = data[i:j]
        outside = data[:i] + b"<sheetData/>" + data[j:]
        if (b"xmlns" in sd or any(t in outside for t in _CELL_TAGS)
                or _FAST_PREFIXED_SPECIAL.search(outside) or b"<mergeCell" in outside or b"<hyperlink" in outside
                or outside.count(b"<col ") > 1000):
            return None
        lim = self.limits
        keep = self.keep_cells
        name = sheet.name
        if _has_prefixed_tag(sd):
            return None
        n_tags = sd.count(b"<c")
        if n_tags != sd.count(b"<c "):  # some other tag starts with "<c" too: count each cell tag form
            n_tags = sum(sd.count(t) for t in _CELL_TAGS)
        elements = (sd.count(b"<") - sd.count(b"</") - 1) if sd else 0
        if n_tags > lim.max_cells_per_sheet or n_tags > lim.max_total_cells - self.total_cells:
            return None
        if self.elements + elements + outside.count(b"<") > lim.max_xml_elements:
            return None
        scan = _SheetScan(self, sheet.name)
        try:
            if sd:
                _new_parser().Parse(sd, True)
            # outside <sheetData>: with no cell, merge, hyperlink nor thousands of <col>, the usual handlers
            # cannot report anything, only note the dimension, the protection and the elements; that is done
            # without them when the part allows it (expat then builds no attributes for the other elements)
            if not _note_outside(outside, scan):
                parser = _new_parser()
                parser.StartElementHandler = scan.start
                parser.CharacterDataHandler = scan.chars
                parser.Parse(outside, True)
        except Exception:  # noqa: BLE001 - malformed: the full scan names the problem
            return None
        rows = _FAST_ROW.findall(sd)
        n_rows = len(rows)
        if n_rows != sd.count(b"<row") or (rows and max(map(int, rows)) > MAX_ROWS):
            return None
        if n_rows > lim.max_cells_per_sheet:
            return None
        scanned = _scan_cells(sd, name, keep, n_tags)
        if scanned is None:
            return None
        facts, formulas, errors, max_row, max_col, ext_row, ext_col = scanned
        # formulas that reach outside (DDE) or call out: one search over all of them says whether any may; only
        # then each is looked at on its own (a match in the joined text is necessary for a match in one)
        joined = "\n".join(f for _, _, f in formulas)
        if _may_call_out(joined) and (_DDE_FORMULA.search(joined) or _RISKY_FUNCTIONS.search(joined)):
            for _, _, formula in formulas:
                bare = _strip_literals(formula[:256])
                if _DDE_FORMULA.search(bare) or _RISKY_FUNCTIONS.search(bare):
                    return None
        notes = [CellNote(name, (letters + row_text).decode("ascii"), formula[:256])
                 for letters, row_text, formula in formulas]
        # every check passed: commit
        self.parsed.add(info.filename.lower())
        scan.in_cell = False
        scan.elements += elements
        scan.cells = n_tags
        scan.rows = n_rows
        scan.ext_row, scan.ext_col, scan.max_row, scan.max_col = ext_row, ext_col, max_row, max_col
        scan.formula_count = len(notes)
        for note in errors:
            self.record(self.error_cells, note)
        self.record_all(self.formulas, notes)
        if keep:
            self.cells[name] = tuple(facts)
        return scan

    def sheet_rels(self, part: str, sheet: str, hyperlink_refs: dict[str, list[str]]) -> None:
        rels = self.parse_rels(part)
        if rels is None:
            return
        self.check_dangling(rels, part)
        for rel in rels:
            if rel.kind == "hyperlink":
                dangerous = _dangerous_target(rel.target) if rel.external else False
                refs = hyperlink_refs.get(rel.id) or [""]
                for ref in refs:
                    self.record(self.hyperlinks, Hyperlink(sheet, ref, rel.target, dangerous))
                    if dangerous:
                        first = ref.split(":")[0]
                        kw: dict[str, Any] = {}
                        with contextlib.suppress(ValueError):
                            kw["row_idx"], kw["col_idx"] = from_a1(first)
                        self.add("activo-hipervinculo", sheet=sheet, ref=ref or "(sin celda)",
                                 target=_short(rel.target), **kw)
            elif rel.external and rel.kind not in ("externalLinkPath",):
                self.add("activo-recurso-externo", part=part, target=_short(rel.target), what=rel.kind)

    def other_rels(self, rels_part: str) -> None:
        """Relationships of parts not handled above (drawings, charts...): external targets and dangling ones."""
        directory, base = posixpath.split(rels_part)
        parent = posixpath.dirname(directory) if posixpath.basename(directory) == "_rels" else directory
        source = posixpath.join(parent, base[: -len(".rels")]) if base != ".rels" else ""
        rels = self.parse_rels(source) if source else None
        if rels is None:
            if rels_part.lower() not in self.parsed:
                self.parse_xml(rels_part)
            return
        self.check_dangling(rels, source, severity="aviso")
        for rel in rels:
            if not rel.external:
                continue
            if rel.kind == "hyperlink":
                dangerous = _dangerous_target(rel.target)
                self.record(self.hyperlinks, Hyperlink("", "", rel.target, dangerous))
                if dangerous:
                    self.add("activo-recurso-externo", part=source, target=_short(rel.target), what="hipervínculo")
            elif rel.kind not in ("externalLinkPath",):
                self.add("activo-recurso-externo", part=source, target=_short(rel.target), what=rel.kind)

    # -- other parts ----------------------------------------------------------------------------------------------

    def parse_external_link(self, part: str) -> None:
        found: list[tuple[str, str]] = []  # (kind, detail or rid)

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "externalBook":
                found.append(("book", _rid(attrs)))
            elif local == "ddeLink":
                found.append(("dde", f"servicio «{_short(attrs.get('ddeService', ''), 60)}», tema "
                                     f"«{_short(attrs.get('ddeTopic', ''), 80)}»"))
            elif local == "oleLink":
                found.append(("ole", f"vínculo OLE «{_short(attrs.get('progId', ''), 60)}»:{_rid(attrs)}"))

        self.parse_xml(part, start)
        rels = {r.id: r for r in (self.parse_rels(part) or [])}
        if not found:
            found.append(("unknown", ""))
        for kind, detail in found:
            if kind == "book":
                rel = rels.get(detail)
                target = rel.target if rel is not None else "(destino desconocido)"
                self.record(self.external_links, ExternalLink(part, "book", target))
                self.add("activo-vinculo-externo", detail=f"{_short(target)}, en {part}")
            elif kind == "dde":
                self.record(self.external_links, ExternalLink(part, "dde", detail))
                self.add("activo-vinculo-dde", detail=f"{detail}, en {part}")
            elif kind == "ole":
                text, _, rid = detail.rpartition(":")
                rel = rels.get(rid)
                target = f"{text} → {_short(rel.target)}" if rel is not None else text
                self.record(self.external_links, ExternalLink(part, "ole", target))
                self.add("activo-vinculo-dde", detail=f"{target}, en {part}")
            else:
                self.record(self.external_links, ExternalLink(part, "unknown", ""))
                self.add("activo-vinculo-externo", detail=part)

    def parse_connections(self) -> None:
        names: list[str] = []
        for info in list(self.members.values()):
            low = info.filename.lower()
            if posixpath.basename(low) == "connections.xml":
                def start(tag: str, attrs: dict[str, str]) -> None:
                    local = _local(tag)
                    if local == "connection" and len(names) < 50:
                        names.append(attrs.get("name", "") or f"conexión {attrs.get('id', '')}")
                    elif local in ("dbPr", "webPr", "textPr", "olapPr") and names:
                        src = attrs.get("connection") or attrs.get("url") or attrs.get("sourceFile") or ""
                        if src:
                            names[-1] += f" ({_short(src, 60)})"

                self.parse_xml(info.filename, start)
                if not names:
                    names.append(info.filename)
            elif "/querytables/" in f"/{low}":
                names.append(info.filename)
        if names:
            for n in names:
                self.record(self.connections, n)
            self.add("activo-conexion-datos", detail="; ".join(_short(n, 80) for n in names[:3])
                     + (f" y {len(names) - 3} más" if len(names) > 3 else ""))

    def parse_properties(self) -> None:
        custom = self.member("docProps/custom.xml")
        if custom is not None:
            state: dict[str, Any] = {"name": None, "text": [], "raw": [], "type": ""}

            def start(tag: str, attrs: dict[str, str]) -> None:
                local = _local(tag)
                if local == "property":
                    state["name"] = attrs.get("name", "")
                    state["text"] = []
                    state["raw"] = []
                    state["type"] = ""
                elif state["name"] is not None and not state["type"]:
                    state["type"] = local

            def chars(data: str) -> None:
                if state["name"] is not None and sum(map(len, state["text"])) < 500:
                    state["text"].append(data[:500])
                if self.keep_cells and state["name"] is not None and sum(map(len, state["raw"])) < 40_000:
                    state["raw"].append(data)

            def end(tag: str) -> None:
                if _local(tag) == "property" and state["name"] is not None:
                    if len(self.custom_properties) < 200:
                        self.custom_properties.append((state["name"], "".join(state["text"]).strip()[:500]))
                        if self.keep_cells:
                            self.property_values.append((state["name"], state["type"], "".join(state["raw"])))
                    state["name"] = None

            self.parse_xml(custom.filename, start, end, chars)
        app = self.member("docProps/app.xml")
        if app is not None:
            app_state: dict[str, Any] = {"on": False, "text": []}

            def a_start(tag: str, attrs: dict[str, str]) -> None:
                app_state["on"] = _local(tag) == "Application"

            def a_chars(data: str) -> None:
                if app_state["on"] and sum(map(len, app_state["text"])) < 200:
                    app_state["text"].append(data)

            def a_end(tag: str) -> None:
                app_state["on"] = False

            self.parse_xml(app.filename, a_start, a_end, a_chars)
            self.facts["application"] = "".join(app_state["text"]).strip()[:200]


# Elements that may appear inside <c>: any other start tag ends the pending cell (no end handler is needed).
_CELL_CHILDREN = frozenset({
    "f", "v", "is", "t", "r", "rPr", "rPh", "phoneticPr", "b", "i", "sz", "color", "rFont", "family", "scheme",
    "strike", "u", "vertAlign", "charset", "condense", "extend", "outline", "shadow",
})
_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")

# The fast scan (``_Inspector.fast_scan``): the plain shape of a worksheet as Excel, LibreOffice, openpyxl and
# XlsxWriter write it. Anything else is left to the element-by-element scan.
_FAST_MAX_BYTES = 8 * MiB
_FAST_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml(?P<decl>[^?>]*)\?>)?\s*<worksheet[\s>]")
_FAST_ENC = re.compile(rb"encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_MAIN_NS_ATTR = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_FAST_PREFIXED = re.compile(rb"</?[A-Za-z_][\w.\-]*:")
_FAST_PREFIXED_SPECIAL = re.compile(rb"<[A-Za-z_][\w.\-]*:(?:c|row|mergeCell|hyperlink|col|v|f|is)[\s>/]")
# one cell in the order every writer uses: <f> then <v> then (inline strings) <is>; any other shape does not match,
# so the count of matches differs from the count of <c tags and the fast scan gives up. Groups: column letters,
# row, style, type, "<f" mark, <f> attributes, formula text, "<v" mark, value text, "<is>" mark, and the text of
# an inline string that is one plain <t> (empty otherwise).
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,12})")?'
    rb'(?: (?:cm|vm|ph)="[0-9A-Za-z]*")*\s*'
    rb"(?:/>|>(?:(<f)((?:\s[^>]*?)?)\s*(?:/>|>([^<]*)</f>))?(?:(<v)(?:/>|>([^<]*)</v>))?"
    rb'(?:(<is>)(?:<t(?: xml:space="preserve")?>([^<]+)</t></is>|[^<]*(?:<(?!/is>)[^<]*)*</is>))?</c>)')
_FAST_ROW = re.compile(rb'<row r="([1-9][0-9]{0,6})"[\s>/]')
_FAST_F = re.compile(rb"<f((?:\s[^>]*?)?)\s*(?:/>|>([^<]*)</f>)")
_FAST_V = re.compile(rb"<v>([^<]*)</v>|<v/>")
_FAST_NUM = re.compile(rb"-?[0-9]{1,15}(?:\.[0-9]{0,20})?(?:[eE][+-]?[0-9]{1,2})?")
_Scanned = tuple[list[CellFact], list[tuple[bytes, bytes, str]], list[CellNote], int, int, int, int]


def _scan_cells(sd: bytes, name: str, keep: bool, n_tags: int) -> _Scanned | None:
    """The cells of ``<sheetData>`` (see ``_cells_one_by_one``); None to give up the fast scan."""
    matches = _FAST_CELL.findall(sd)
    if len(matches) != n_tags:
        return None
    return _cells_one_by_one(matches, name, keep)


def _cells_one_by_one(matches: list[tuple[bytes, ...]], name: str, keep: bool) -> _Scanned | None:
    """The cells of a fast-scanned sheet, one at a time: (facts, formulas as (letters, row, text), error cells,
    max row and column holding something, max row and column of any cell); None to give up the fast scan."""
    facts: list[CellFact] = []
    formulas: list[tuple[bytes, bytes, str]] = []  # (letters, row, text)
    errors: list[CellNote] = []
    # the same column letters, row numbers, styles and types repeat on every row: convert each once
    cols: dict[bytes, int] = {}
    row_ints: dict[bytes, int] = {}
    styles: dict[bytes, int] = {b"": 0}
    types: dict[bytes, str | None] = {b"": None}
    max_row = max_col = 0
    num = _FAST_NUM.fullmatch
    for letters, row_text, style, ctype, fmark, fattrs, ftext, vmark, vtext, ismark, istext in matches:
        col = cols.get(letters)
        if col is None:
            col = cols[letters] = col_index(letters.decode("ascii")) + 1
            if col > MAX_COLS:
                return None
        row = row_ints.get(row_text)
        if row is None:
            row = row_ints[row_text] = int(row_text)
            if row > MAX_ROWS:
                return None
        t = types.get(ctype, _UNSEEN)
        if t is _UNSEEN:
            t = types[ctype] = ctype.decode("ascii")
        raw: str | None = None
        formula: str | None = None
        if fmark or vmark or ismark:
            if row > max_row:
                max_row = row
            if col > max_col:
                max_col = col
            if ismark and t == "inlineStr":
                # a plain <t>: its text, decoded as an XML parser does; anything else (runs, phonetic
                # guides, an empty text) is marked "" and left to the value reader
                raw = xml_text(istext) if istext else ""
            if vmark and t != "inlineStr":  # an inline string's text is its <is>, whatever <v> says
                if (t is None or t == "n") and vtext and not num(vtext) and not vtext.isspace():
                    return None  # a non-finite or odd number: the full scan reports it
                if not vtext:
                    raw = ""
                elif b"&" in vtext or b"\r" in vtext or not vtext.isascii():
                    raw = xml_text(vtext)
                else:
                    raw = vtext.decode("ascii")
                if t == "e":
                    errors.append(CellNote(name, to_a1(row - 1, col - 1), raw[:64].strip()[:64]))
            if fmark:
                if b"t=" in fattrs:
                    return None  # shared, array or data-table formula
                formula = xml_text(ftext) if ftext else ""
                formulas.append((letters, row_text, formula))
        if keep:
            st = styles.get(style)
            if st is None:
                st = styles[style] = int(style)
            facts.append((row - 1, col - 1, st, t, raw, formula))
    ext_row = max(row_ints.values(), default=0)
    ext_col = max(cols.values(), default=0)
    return facts, formulas, errors, max_row, max_col, ext_row, ext_col


# in a worksheet outside <sheetData> (no cell there), the elements _SheetScan.start does anything with
_OUTSIDE_NOTED = re.compile(rb"<([^\s<>/!?:]*:)?(dimension|sheetProtection|row|col)(?=[\s/>])")
# one start tag of a part already known to be well formed (attribute values may hold ">")
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")


# what _note_outside found in clean parts, by their bytes (apart from _CLEAN_PARTS: a return brings several new
# ones, which must not push styles.xml and the theme out)
_OUTSIDES = BytesMemo(4 * 1024 * 1024)


def _note_outside(outside: bytes, scan: _SheetScan) -> bool:
    """What ``_SheetScan.start`` notes of a worksheet's part outside ``<sheetData>`` (the fast scan's
    ``outside``: no cell, merge or hyperlink in it, no comment, CDATA, DTD or processing instruction but the XML
    declaration), found without a handler per element: the part is checked well formed by expat (raises if not),
    its elements and ``<col>`` counted, and only ``<dimension>`` and ``<sheetProtection>`` tags parsed for their
    attributes.
    False, having changed nothing, when the handlers must run: a prefixed one of those names, a ``<row>``, or
    too many ``<col>`` (the handlers then count and refuse them)."""
    # the sheets of returns made from one template often share this part byte for byte: what a clean reading
    # found is remembered (elements, <col> count, and the dimension and protection tags' attributes)
    seen = _OUTSIDES.get(outside)
    if seen is None:
        seen = _read_outside(outside)
        if seen is None:
            return False
        if len(outside) <= _CLEAN_MAX_BYTES:
            _OUTSIDES.put(outside, len(outside), seen)
    elements, col_defs, found = seen
    if scan.elements + elements > scan.max_elements:
        return False
    scan.elements += elements
    scan.col_defs += col_defs
    for name, attrs in found:
        if name == "dimension":
            scan.dimension = attrs.get("ref", "")[:100]
        else:
            scan.protected = _truthy(attrs.get("sheet"))
    return True


def _read_outside(outside: bytes) -> tuple[int, int, tuple[tuple[str, dict[str, str]], ...]] | None:
    """``_note_outside``'s reading of the part, or None when the handlers must run; raises when it is not well
    formed."""
    noted = _noted_plain(outside)
    if noted is None:
        matches = list(_OUTSIDE_NOTED.finditer(outside))
        if any(m.group(1) for m in matches):
            return None
        noted = [(m.start(), m.group(2)) for m in matches]
    if any(name == b"row" for _, name in noted) or outside.count(b"<col") > 1000:
        return None
    _new_parser().Parse(outside, True)
    elements = outside.count(b"<") - outside.count(b"</") - outside.count(b"<?")
    col_defs = sum(1 for _, name in noted if name == b"col")
    found: list[tuple[str, dict[str, str]]] = []
    for start, name in noted:
        if name in (b"dimension", b"sheetProtection"):
            tag = _START_TAG.match(outside, start)
            if tag is None:  # pragma: no cover - a well-formed start tag always matches
                raise ValueError("etiqueta no reconocida")
            found.append(_tag_attributes(tag.group()))
    return elements, col_defs, tuple(found)


_NOTED_NAMES = (b"dimension", b"sheetProtection", b"row", b"col")
_AFTER_NAME = frozenset(b" \t\n\r\x0b\x0c/>")  # the pattern's lookahead, [\s/>]


def _noted_plain(outside: bytes) -> list[tuple[int, bytes]] | None:
    """``_OUTSIDE_NOTED``'s matches (where, which name) found by searching for each name, when no prefixed one can
    be there (no ":dimension", ":sheetProtection", ":row" or ":col" anywhere); None otherwise (the pattern is run)."""
    if any(b":" + name in outside for name in _NOTED_NAMES):
        return None
    out: list[tuple[int, bytes]] = []
    for name in _NOTED_NAMES:
        needle = b"<" + name
        after = len(needle)
        i = outside.find(needle)
        while i >= 0:
            if i + after < len(outside) and outside[i + after] in _AFTER_NAME:
                out.append((i, name))
            i = outside.find(needle, i + after)
    out.sort()
    return out


_TAG_ATTRIBUTES = BytesMemo(256 * 1024)  # a start tag's (name, attributes), by its bytes


def _tag_attributes(text: bytes) -> tuple[str, dict[str, str]]:
    """The name and attributes of one start tag, as expat gives them (each distinct tag parsed once; the dict is
    shared and must not be changed)."""
    found: tuple[str, dict[str, str]] | None = _TAG_ATTRIBUTES.get(text)
    if found is None:
        got: list[tuple[str, dict[str, str]]] = []
        parser = _new_parser()
        parser.StartElementHandler = lambda name, attrs: got.append((name, attrs))
        parser.Parse(text if text.endswith(b"/>") else text[:-1] + b"/>", True)
        found = _TAG_ATTRIBUTES.put(text, len(text), got[0])
    return found


def _has_prefixed_tag(data: bytes) -> bool:
    """``_FAST_PREFIXED.search(data)``, looking only where a colon is (a prefixed name ends in one; colons are
    rare in sheet data, so this skips the regular expression's try at every "<")."""
    pos = data.find(b":")
    while pos >= 0:
        lt = data.rfind(b"<", 0, pos)
        if lt >= 0:
            m = _FAST_PREFIXED.match(data, lt)
            if m is not None and m.end() == pos + 1:
                return True
        pos = data.find(b":", pos + 1)
    return False


_UNSEEN: Any = object()
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref[0] == "#":
        return chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:]))
    return _NAMED[ref]


def xml_text(raw: bytes) -> str:
    """Element text as an XML parser reports it: UTF-8, line ends normalised, references replaced."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


class _SheetScan:
    """Expat handlers for one worksheet: counts and bounds cells, records formulas, hyperlinks, merges.

    Speed matters (one Python call per element): the parser runs without namespace processing and only a start
    handler and a character handler are set; text is kept only inside <v> and <f>. A cell is finished when the next
    element that cannot be inside a cell starts. Every element whose local name is ``c`` counts as a cell, whatever
    its prefix: over-counting is safe, missing a cell is not. Before parsing, the raw part is streamed once and its
    unprefixed ``<c`` start tags counted at C speed, so a sheet over the limit is refused without parsing it.
    """

    def __init__(self, insp: _Inspector, sheet: str) -> None:
        self.insp = insp
        self.sheet = sheet
        lim = insp.limits
        self.max_cells = lim.max_cells_per_sheet
        self.max_total = lim.max_total_cells - insp.total_cells  # cells this sheet may still add
        self.max_area = lim.max_range_cells
        self.max_elements = lim.max_xml_elements - insp.elements
        self.rows = 0
        self.col_defs = 0
        self.ext_row = 0
        self.ext_col = 0
        self.elements = 0
        self.in_cell = False
        self.row = 0
        self.col = 0  # 1-based column of the last cell
        self.cells = 0
        self.max_row = 0
        self.max_col = 0
        self.dimension = ""
        self.protected = False
        self.formula_count = 0
        self.merged: list[str] = []
        self.range_area = 0
        self.hyperlink_refs: dict[str, list[str]] = {}
        # current cell
        self.c_row = 0
        self.c_col = 0
        self.c_valid = False
        self.c_type: str | None = None
        self.c_content = False
        self.c_formula: list[str] | None = None
        self.c_value: list[str] | None = None
        self.capture: list[str] | None = None
        self.capture_len = 0
        self.capture_max = 0

    def precount(self, chunk: bytes, counted: list[int]) -> None:
        """First pass: unprefixed <c> start tags; over the limit the sheet is refused before parsing."""
        counted[0] += sum(chunk.count(tag) for tag in _CELL_TAGS)
        if counted[0] > self.max_cells:
            raise _Stop("hoja-demasiadas-celdas", sheet=self.sheet, limit=f"{self.max_cells:,}")
        if counted[0] > self.max_total:
            raise _Stop("libro-demasiadas-celdas", sheet=self.sheet, limit=f"{self.insp.limits.max_total_cells:,}")

    def issue(self, code: str, **kw: Any) -> None:
        self.insp.add(code, sheet=self.sheet, **kw)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            raise _Stop("xml-parte-demasiado-grande", part=f"de la hoja «{self.sheet}»",
                        detail=f"más de {self.insp.limits.max_xml_elements:,} elementos XML")
        self.capture = None
        if tag == "c":
            local = tag
        else:
            colon = tag.find(":")
            local = tag[colon + 1:] if colon >= 0 else tag
        if local == "c":
            if self.in_cell:
                self.finish_cell()
            # start a cell
            self.cells = cells = self.cells + 1
            if cells > self.max_cells:
                raise _Stop("hoja-demasiadas-celdas", sheet=self.sheet, limit=f"{self.max_cells:,}")
            if cells > self.max_total:
                raise _Stop("libro-demasiadas-celdas", sheet=self.sheet,
                            limit=f"{self.insp.limits.max_total_cells:,}")
            self.in_cell = True
            self.c_type = attrs.get("t")
            self.c_content = False
            self.c_formula = self.c_value = None
            r = attrs.get("r")
            row = self.row or 1
            if r is None:
                col = self.col + 1
            else:
                m = _CELL_REF.match(r)
                if m is None:
                    self.issue("celda-referencia-invalida", ref=_short(r, 20))
                    col = self.col + 1
                else:
                    col = col_index(m.group(1)) + 1
                    row = int(m.group(2))
            self.col = col
            self.c_row = row
            self.c_col = col
            self.c_valid = valid = 0 < row <= MAX_ROWS and 0 < col <= MAX_COLS
            if valid:
                if row > self.ext_row:
                    self.ext_row = row
                if col > self.ext_col:
                    self.ext_col = col
            else:
                self.issue("celda-fuera-de-cuadricula",
                           ref="la celda " + (_ref_text(row, col) if col <= 10**6 else _short(str(r), 20)))
        elif local == "v":
            if self.in_cell:
                self.c_content = True
                self.capture = self.c_value = []
                self.capture_len = 0
                self.capture_max = 64
        elif local == "f":
            if self.in_cell:
                self.c_content = True
                self.capture = self.c_formula = []
                self.capture_len = 0
                self.capture_max = 256
        elif local in _CELL_CHILDREN:
            if local == "is" and self.in_cell:
                self.c_content = True
        else:
            if self.in_cell:
                self.finish_cell()
            if local == "row":
                self.start_row(attrs)
            elif local == "dimension":
                self.dimension = attrs.get("ref", "")[:100]
            elif local == "mergeCell":
                self.check_range(attrs.get("ref", ""), "el rango combinado", record=self.merged)
            elif local == "hyperlink":
                ref = attrs.get("ref", "")
                self.check_range(ref, "el hipervínculo en", record=None)
                rid = _rid(attrs)
                if rid and sum(map(len, self.hyperlink_refs.values())) < self.insp.limits.max_recorded:
                    self.hyperlink_refs.setdefault(rid, []).append(ref[:40])
            elif local == "sheetProtection":
                self.protected = _truthy(attrs.get("sheet"))
            elif local == "col":
                self.col_defs += 1
                if self.col_defs > MAX_COLS:  # each <col> covers at least one column: more is a forgery
                    raise _Stop("xml-parte-demasiado-grande", part=f"de la hoja «{self.sheet}»",
                                detail=f"más de {MAX_COLS:,} definiciones de columna")

    def chars(self, data: str) -> None:
        cap = self.capture
        if cap is not None:
            n = self.capture_len
            if n < self.capture_max:
                cap.append(data[: self.capture_max - n])
            elif cap is self.c_value and not data.strip():
                return
            self.capture_len = n + len(data)

    def start_row(self, attrs: dict[str, str]) -> None:
        self.rows += 1
        if self.rows > self.max_cells:  # openpyxl keeps an object per formatted row, even without cells
            raise _Stop("hoja-demasiadas-celdas", sheet=self.sheet, limit=f"{self.max_cells:,}")
        r = attrs.get("r")
        if r is None:
            self.row += 1
        elif r.isdigit() and len(r) <= 15:
            self.row = int(r)
        else:
            self.issue("celda-referencia-invalida", ref=f"fila «{_short(r, 20)}»")
            self.row += 1
        if not 1 <= self.row <= MAX_ROWS:
            self.issue("celda-fuera-de-cuadricula", ref=f"la fila {self.row}")
        self.col = 0

    def finish(self) -> None:
        """End of the part: finish the pending cell and hand the counters to the inspector."""
        if self.in_cell:
            self.finish_cell()
        self.insp.elements += self.elements
        self.insp.total_cells += self.cells

    def finish_cell(self) -> None:
        self.in_cell = False
        self.capture = None
        if not self.c_valid:
            return
        row, col = self.c_row, self.c_col
        if self.c_content:
            if row > self.max_row:
                self.max_row = row
            if col > self.max_col:
                self.max_col = col
        value = self.c_value
        formula = self.c_formula
        if value is None and formula is None:
            return
        insp = self.insp
        cell = None
        t = self.c_type
        if value is not None:
            raw = "".join(value)
            if (t is None or t == "n") and raw and not raw.isspace():  # <v></v>: xlsxwriter's cached "" result
                if (not raw.isdigit() or len(raw) > 15) and (
                        not _NUMBER.match(raw) or not math.isfinite(float(raw)) or len(raw) >= 64):
                    cell = to_a1(row - 1, col - 1)
                    insp.record(insp.nonfinite_cells, CellNote(self.sheet, cell, raw.strip()[:64]))
                    insp.add("numero-no-finito", sheet=self.sheet, row_idx=row - 1, col_idx=col - 1,
                             value=_short(raw.strip(), 40))
            elif t == "e":
                cell = to_a1(row - 1, col - 1)
                insp.record(insp.error_cells, CellNote(self.sheet, cell, raw.strip()[:64]))
        if formula is not None:
            self.formula_count += 1
            text = "".join(formula)
            cell = cell or to_a1(row - 1, col - 1)
            insp.record(insp.formulas, CellNote(self.sheet, cell, text))
            if text:
                bare = _strip_literals(text)
                if _DDE_FORMULA.search(bare):
                    insp.add("activo-vinculo-dde", detail=f"fórmula ={_short(text, 80)} en la hoja «{self.sheet}», "
                                                       f"celda {cell}")
                m = _RISKY_FUNCTIONS.search(bare)
                if m:
                    insp.add("activo-formula-externa", sheet=self.sheet, row_idx=row - 1, col_idx=col - 1,
                             function=m.group(1).upper(), value=_short(text, 80))

    def check_range(self, ref: str, what: str, record: list[str] | None) -> None:
        for part in ref.split()[:64]:
            rng = _parse_range(part)
            if rng is None:
                self.issue("celda-referencia-invalida", ref=_short(part, 40))
                continue
            r1, c1, r2, c2 = rng
            if not (_in_grid(r1, c1) and _in_grid(r2, c2)):
                self.issue("celda-fuera-de-cuadricula", ref=f"{what} {_short(part, 40)}")
                continue
            area = (r2 - r1 + 1) * (c2 - c1 + 1)
            self.range_area += area
            if self.range_area > self.max_area:
                self.issue("hoja-rango-combinado-excesivo", what=what, ref=_short(part, 40), area=f"{area:,}",
                           limit=f"{self.max_area:,}")
            if record is not None and len(record) < self.insp.limits.max_recorded:
                record.append(part)


# --------------------------------------------------------------------------------------------------------------------
# Container helpers


def _is_regular(mode: int) -> bool:
    return stat.S_ISREG(mode)


_NAME_CONTROL = re.compile(r"[\x00-\x1f]")
_NAME_DRIVE = re.compile(r"[A-Za-z]:")


def _unsafe_name(name: str) -> bool:
    if not name or _NAME_CONTROL.search(name):
        return True
    if name.startswith(("/", "\\")) or "\\" in name or _DRIVE.match(name) or _NAME_DRIVE.match(name):
        return True
    return ".." in name and any(seg == ".." for seg in name.split("/"))


def _resolve(directory: str, target: str) -> str | None:
    """An internal relationship target as a zip member name; None when it escapes the package."""
    target = unquote(target.strip())
    if not target or "\\" in target:
        return None
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(directory, target)
    norm = posixpath.normpath(joined)
    if norm.startswith("../") or norm == ".." or norm.startswith("/"):
        return None
    return norm


def _find_eocd(fh: BinaryIO, size: int) -> tuple[int, int, int] | None:
    """(entries, central directory size, offset) from the end-of-central-directory record; None if absent."""
    tail_len = min(size, 22 + 65535 + 20)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    while pos >= 0 and pos + 22 > len(tail):
        pos = tail.rfind(b"PK\x05\x06", 0, pos)
    if pos < 0:
        return None
    (_sig, disk, _disk_cd, _n_disk, entries, cd_size, cd_offset, _clen) = struct.unpack(
        "<4sHHHHIIH", tail[pos:pos + 22])
    if disk not in (0, 0xFFFF):
        return None
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        loc = pos - 20
        if loc >= 0 and tail[loc:loc + 4] == b"PK\x06\x07":
            (z64_offset,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
            if z64_offset + 56 <= size:
                fh.seek(z64_offset)
                rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06":
                    entries, cd_size, cd_offset = struct.unpack("<QQQ", rec[32:56])
    return entries, cd_size, cd_offset


def _cfb_names(data: bytes) -> set[str]:
    """Names of the storages and streams of an OLE2/CFB file, walking its directory chain within bounds."""
    names: set[str] = set()
    if len(data) < 512:
        return names
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        return names
    ss = 1 << shift
    n_sectors = max(0, (len(data) - ss) // ss + (1 if (len(data) - ss) % ss else 0))
    first_dir, = struct.unpack_from("<I", data, 0x30)
    first_difat, n_difat = struct.unpack_from("<II", data, 0x44)

    def sector(n: int) -> bytes:
        off = (n + 1) * ss
        return data[off:off + ss] if 0 <= n < n_sectors else b""

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < n_sectors]
    seen: set[int] = set()
    cur = first_difat
    while cur < n_sectors and cur not in seen and len(seen) <= min(n_difat, n_sectors):
        seen.add(cur)
        sec = sector(cur)
        if len(sec) < ss:
            break
        vals = struct.unpack_from(f"<{ss // 4}I", sec)
        fat_sectors.extend(v for v in vals[:-1] if v < n_sectors)
        cur = vals[-1]
    fat: list[int] = []
    for s in fat_sectors[:n_sectors]:
        sec = sector(s)
        if len(sec) == ss:
            fat.extend(struct.unpack_from(f"<{ss // 4}I", sec))
    seen = set()
    cur = first_dir
    while cur < n_sectors and cur not in seen:
        seen.add(cur)
        sec = sector(cur)
        for off in range(0, len(sec) - 127, 128):
            entry = sec[off:off + 128]
            name_len = struct.unpack_from("<H", entry, 0x40)[0]
            kind = entry[0x42]
            if kind in (1, 2, 5) and 2 <= name_len <= 64 and name_len % 2 == 0:
                names.add(entry[:name_len - 2].decode("utf-16-le", "replace"))
        cur = fat[cur] if cur < len(fat) else 0xFFFFFFFE
    return names


def _decode_text(head: bytes, truncated: bool) -> str | None:
    """The head of a file as text, or None when it looks binary."""
    if head.startswith(codecs.BOM_UTF8):
        text = head[3:].decode("utf-8", "replace")
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) // 2 * 2].decode("utf-16", "replace")
    elif len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
        text = head[: len(head) // 2 * 2].decode("utf-16-le", "replace")
    else:
        if b"\x00" in head:
            return None
        body = head
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            if truncated and e.start >= len(body) - 4:
                text = body[: e.start].decode("utf-8")
            else:
                text = body.decode("cp1252", "replace")
    if not text:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    if controls > max(2, len(text) // 100):
        return None
    return text


def _csv_delimiter(text: str, truncated: bool) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if truncated and len(lines) > 1:
        lines = lines[:-1]
    lines = lines[:50]
    if len(lines) < 2:  # one line is a sentence or a bare header, not data
        return ""
    for d in (";", "\t", ","):
        counts = [ln.count(d) for ln in lines]
        if counts[0] == 0:
            continue
        same = sum(1 for c in counts if c == counts[0])
        if same >= max(1, int(0.8 * len(counts))):
            return d
    return ""


def _binary_detail(head: bytes) -> str:
    sigs: tuple[tuple[bytes, str], ...] = (
        (b"%PDF", "es un PDF"),
        (b"\x89PNG", "es una imagen PNG"),
        (b"\xff\xd8\xff", "es una imagen JPEG"),
        (b"GIF8", "es una imagen GIF"),
        (b"MZ", "es un programa ejecutable"),
        (b"Rar!", "es un archivo comprimido RAR"),
        (b"7z\xbc\xaf", "es un archivo comprimido 7z"),
        (b"\x1f\x8b", "es un archivo comprimido gzip"),
        (b"{\\rtf", "es un documento RTF"),
    )
    for sig, text in sigs:
        if head.startswith(sig):
            return text
    return "formato desconocido"


# --------------------------------------------------------------------------------------------------------------------
# Public entry point


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
