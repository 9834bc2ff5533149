"""Check a returned office workbook's records (``office_book``): its manifest, then every cell, against what it was
given.

Run only on a file ``zedxl.intake.inspect`` cleared. Nothing here raises for bad data: every problem becomes an
``Issue``. Rows are found by code (AO, OEI, AEI) and budget lines by rubro, never by row number; columns must be
exactly the ones written (the header row is checked). What the office was given is read from the workbook's own
manifest (the hidden ``_zedxl`` sheet), whose integrity the fingerprint guards, so a master changed after the split
does not show up as edits the office never made.

Policy for input values, decided once here:

* Numbers typed as numbers are taken as they are; a cell formatted as a percentage (Excel turns ``50%`` into 0.5)
  is refused (``formato-porcentaje``): nothing is guessed.
* Numbers typed as text are accepted **with an aviso** only when they have exactly one reading:
  ``" 362 "``, ``"0.715"``, ``"1,5"`` (comma as decimal separator: a thousands group has 3 digits),
  ``"1,150.50"`` and ``"4'821,520.00"`` (es-PE: comma or apostrophe for thousands, dot for decimals),
  ``"1.150,5"`` and ``"1.150.000"`` (es-ES: dot for thousands). ``"1,150"`` and ``"1.150"`` read 1150 in one
  locale and 1.15 in the other: refused as ambiguous (``numero-ambiguo``). ``"50%"`` is read as 50 where the unit
  is a percentage (aviso), refused elsewhere. ``"S/ 1,200.50"`` in the budget drops the currency.
* Booleans, dates, error values (#DIV/0!, #N/A), NaN/infinite numbers, negatives, percentages over 100 and
  formulas are refused. A formula in an input cell is an error and nothing is taken from it (not even its cached
  value): it may link to another file or compute something else next time.
* Justifications are kept as text: control characters (also written as ``_x0007_`` escapes) are removed with an
  aviso; text that a spreadsheet could take for a formula (``= + - @``, tab, CR, full-width ＝) is kept and flagged;
  over 32,767 characters is an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from zedxl import TEMPLATE_VERSION
from zedxl.a1 import from_a1, to_a1
from zedxl.errors import PeriodError
from zedxl.issues import Issue, make_issue, register
from zedxl.model import (
    Accion,
    Actividad,
    LineaPresupuesto,
    Objetivo,
    Plan,
    Presupuesto,
    Reglas,
    code_level,
    normalize_code,
)
from zedxl.periods import Periodicity, parse_period
from zedxl.rules import SMALL_INTS
from zedxl.xlsx import layout as L
from zedxl.xlsx.office_book import Book, Cell, Sheet
from zedxl.xlsx.office_write import (
    BUDGET_HEADER_ROW,
    BUDGET_SHEETS,
    FIELD_EJECUCION,
    FIELD_JUSTIFICACION,
    HEADER_ROW,
    KIND,
    MAX_TEXT,
    PROPERTY_KEYS,
    RULE_KEYS,
    SECTION_BUDGET,
    SECTION_END,
    SECTION_INPUTS,
    SECTION_META,
    SECTION_ROWS,
    SHEET_INSTRUCCIONES,
    SHEET_META,
    CellSpec,
    DataColumns,
    InputCell,
    OfficeSpec,
    SheetRow,
    budget_line_cells,
    budget_title_cells,
    budget_total_cells,
    data_columns,
    data_rows,
    expected_cells,
    fingerprint,
    input_cells,
    instruction_lines,
    parse_field_ejecutado,
    title_cells,
)

# -- catalogue -------------------------------------------------------------------------------------------------
_ASK_NEW = "Pida a la oficina de planeamiento un libro nuevo y copie en él sus datos (Pegar valores)."
_DONT_TOUCH = "Solo se escribe en las celdas amarillas; deshaga el cambio o copie sus datos en el libro original."

register("archivo-ilegible", "Archivo ilegible",
         "No se pudo abrir {file} como libro de Excel ({detalle}). Ábralo en Excel, guárdelo como «Libro de Excel "
         "(.xlsx)» y envíelo de nuevo.")
register("no-es-libro-zedxl", "No es un libro de instancia de zedxl",
         "{file} no es un libro de instancia generado por zedxl ({detalle}). Use el libro que se le envió para el "
         "periodo; no copie los datos a otro libro.")
register("version-plantilla-distinta", "Versión de plantilla distinta",
         "{file} usa la plantilla versión {value} y zedxl espera la versión {esperada}. " + _ASK_NEW)
register("metadatos-alterados", "Datos internos alterados",
         "Los datos internos de {file} (hoja oculta _zedxl o propiedades del documento) fueron modificados o están "
         "dañados: {detalle}. " + _ASK_NEW)
register("hoja-faltante", "Falta una hoja",
         "En {file} falta la hoja «{sheet}» (se eliminó o se le cambió el nombre). Devuélvale su nombre original o "
         "use el libro original; sus datos no se leyeron.")
register("hoja-desconocida", "Hoja que no es de la plantilla",
         "{file} tiene la hoja «{sheet}» ({estado}), que no es de la plantilla; no se leyó. Elimínela o, si es una "
         "hoja de la plantilla a la que se cambió el nombre, devuélvale su nombre original.")
register("encabezado-modificado", "Títulos de columna modificados",
         "En {file}, hoja {sheet}, celda {cell}, el título de columna es «{value}» y debe ser «{esperado}» (se "
         "insertaron, eliminaron o cambiaron columnas). No se leyó la hoja. " + _DONT_TOUCH)
register("celdas-combinadas", "Celdas combinadas",
         "En {file}, hoja {sheet}, se combinaron las celdas {value}. Una celda combinada guarda un solo valor para "
         "varias: no se tomó ninguno. Separe las celdas (Inicio > Combinar y centrar) y escriba cada valor en su "
         "celda.")
register("ao-faltante", "Falta una AO",
         "En {file}, hoja {sheet}, falta la fila de la AO {value} (se eliminó o se le cambió el código). "
         "Restáurela desde el libro original.")
register("ao-duplicada", "AO repetida",
         "En {file}, hoja {sheet}, celda {cell}, la AO {value} aparece otra vez. No se tomó ninguno de sus valores; "
         "deje una sola fila por AO.")
register("ao-agregada", "AO que no corresponde",
         "En {file}, hoja {sheet}, celda {cell}, hay una fila con el código {value}, que no es una AO de esta "
         "instancia en esta hoja; no se leyó. Elimine esa fila: las AO nuevas se agregan en el maestro.")
register("filas-desplazadas", "Filas insertadas o eliminadas",
         "En {file}, hoja {sheet}, las filas ya no están donde se escribieron (desde la celda {cell}): se insertaron "
         "o eliminaron filas. Los datos se leyeron por código de AO; la próxima vez no inserte ni elimine filas.",
         "aviso")
register("nombre-modificado", "Nombre modificado",
         "En {file}, hoja {sheet}, celda {cell}, el nombre se cambió a «{value}»; debe decir «{esperado}». "
         "Los nombres se cambian en el maestro. " + _DONT_TOUCH)
register("unidad-modificada", "Unidad de medida modificada",
         "En {file}, hoja {sheet}, celda {cell}, la U.M. se cambió a «{value}»; debe decir «{esperado}». "
         + _DONT_TOUCH)
register("programado-modificado", "Programado modificado",
         "En {file}, hoja {sheet}, celda {cell}, lo programado se cambió a «{value}»; debe ser {esperado}. La "
         "programación solo se cambia en el maestro (con su sustento). " + _DONT_TOUCH)
register("ejecutado-otro-periodo", "Valor escrito en otro periodo",
         "En {file}, hoja {sheet}, celda {cell}, hay «{value}» en lo ejecutado de {columna}, que no es el periodo "
         "que se reporta ({periodo}); debe ser «{esperado}». No se tomó. Escriba solo en las columnas de {periodo}.")
register("formula-modificada", "Fórmula modificada",
         "En {file}, hoja {sheet}, celda {cell}, se reemplazó la fórmula por «{value}». " + _DONT_TOUCH)
register("celda-modificada", "Cambio fuera de las celdas de ingreso",
         "En {file}, hoja {sheet}, celda {cell}, se escribió «{value}» donde debe haber «{esperado}». "
         + _DONT_TOUCH)
register("presupuesto-modificado", "PIA o PIM modificado",
         "En {file}, hoja {sheet}, celda {cell}, el {columna} se cambió a «{value}»; debe ser {esperado}. PIA y PIM "
         "solo se cambian en el maestro. " + _DONT_TOUCH)
register("rubro-faltante", "Falta un rubro del presupuesto",
         "En {file}, hoja {sheet}, falta la fila del rubro «{value}» (se eliminó o se le cambió el nombre). "
         "Restáurela desde el libro original.")
register("formula-en-entrada", "Fórmula en una celda de ingreso",
         "En {file}, hoja {sheet}, celda {cell}, hay una fórmula ({value}); no se tomó nada de ella. Escriba el "
         "valor (o copie y use Pegar valores).")
register("valor-no-numerico", "Valor no numérico",
         "En {file}, hoja {sheet}, celda {cell}, «{value}» no es un número; no se tomó. Escriba solo el número, sin "
         "texto ni unidades.")
register("numero-como-texto", "Número escrito como texto",
         "En {file}, hoja {sheet}, celda {cell}, «{value}» está guardado como texto; se leyó como {leido} "
         "({lectura}). Verifique que sea correcto; la próxima vez escriba solo el número.", "aviso")
register("numero-ambiguo", "Número ambiguo",
         "En {file}, hoja {sheet}, celda {cell}, «{value}» puede leerse como {lectura_a} o como {lectura_b} según el "
         "separador decimal; no se tomó. Escriba el número con punto decimal y sin separador de miles.")
register("valor-negativo", "Valor negativo",
         "En {file}, hoja {sheet}, celda {cell}, el valor {value} es negativo; no se tomó. Escriba un valor mayor o "
         "igual que 0.")
register("valor-booleano", "Valor VERDADERO/FALSO",
         "En {file}, hoja {sheet}, celda {cell}, hay un valor lógico ({value}); no se tomó. Escriba un número.")
register("valor-fecha", "Fecha en lugar de número",
         "En {file}, hoja {sheet}, celda {cell}, hay una fecha u hora ({value}); no se tomó. Escriba el número "
         "(si Excel lo convierte en fecha, cambie el formato de la celda a General).")
register("valor-error", "Valor de error",
         "En {file}, hoja {sheet}, celda {cell}, hay el error {value}; no se tomó. Un error no equivale a una "
         "celda vacía: escriba el valor o deje la celda vacía.")
register("valor-no-finito", "Número no válido",
         "En {file}, hoja {sheet}, celda {cell}, el valor {value} no es un número finito; no se tomó. Escriba el "
         "valor correcto.")
register("porcentaje-fuera-de-rango", "Porcentaje mayor que 100",
         "En {file}, hoja {sheet}, celda {cell}, el valor {value} es mayor que 100 y la U.M. es «{unidad}»; no se "
         "tomó. Escriba un porcentaje de 0 a 100.")
register("porcentaje-convertido", "Porcentaje escrito con %",
         "En {file}, hoja {sheet}, celda {cell}, «{value}» se leyó como {leido} (U.M. «{unidad}»). Verifique que "
         "sea correcto; la próxima vez escriba el número sin el símbolo %.", "aviso")
register("porcentaje-en-unidad-no-porcentual", "Porcentaje en una AO que no se mide en %",
         "En {file}, hoja {sheet}, celda {cell}, «{value}» es un porcentaje pero la U.M. es «{unidad}»; no se "
         "tomó. Escriba la cantidad ejecutada en {unidad}.")
register("formato-porcentaje", "Celda con formato de porcentaje",
         "En {file}, hoja {sheet}, celda {cell}, la celda tiene formato de porcentaje (guarda {value} y muestra "
         "{mostrado}); no se tomó para no adivinar la escala. Cambie el formato a General y escriba el número "
         "(U.M. «{unidad}»).")
register("texto-parece-formula", "Texto que empieza como fórmula",
         "En {file}, hoja {sheet}, celda {cell}, el texto empieza con «{inicio}», como una fórmula; se guardó como "
         "texto. Si no fue intencional, quite ese carácter del inicio.", "aviso")
register("caracteres-de-control", "Caracteres de control",
         "En {file}, hoja {sheet}, celda {cell}, el texto tenía {n} caracteres de control invisibles; se eliminaron. "
         "Revise el texto si lo copió de otro sistema.", "aviso")
register("texto-demasiado-largo", "Texto demasiado largo",
         "En {file}, hoja {sheet}, celda {cell}, el texto tiene {n} caracteres, más que el máximo de Excel (32767); "
         "no se tomó. Resúmalo.")


# -- small helpers ---------------------------------------------------------------------------------------------
def _short(value: Any, n: int = 120) -> Any:
    if isinstance(value, str) and len(value) > n:
        return value[: n - 1] + "…"
    return value


def _show(value: Any) -> str:
    """A cell value as a person would read it in a message."""
    if value is None:
        return "(vacío)"
    if isinstance(value, bool):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    return str(_short(value))


def _decimal(value: Any) -> Decimal | None:
    """A finite number cell as Decimal (floats through their shortest repr); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return Decimal(value)


def _same_formula(found: str, wanted: str) -> bool:
    """The formulas are the same once normalised (``_norm_formula``); identical texts need no normalising."""
    return found == wanted or _norm_formula(found) == _norm_formula(wanted)


def _norm_formula(text: str) -> str:
    """Formula text compared without '=', '$', spaces and case (applications re-save formulas slightly)."""
    return re.sub(r"[\s$]", "", text.lstrip("=")).upper()


def _cells(ws: Sheet) -> dict[tuple[int, int], Cell]:
    """Every cell record of a sheet by zero-based (row, col): loops are bounded by the cells really present, never
    by the declared ``<dimension>``."""
    return ws.cells0


def _rows_of(cells: Mapping[tuple[int, int], Any]) -> dict[int, dict[int, Any]]:
    """The cells grouped by row: {row: {col: cell}} (each row's cells in the order of ``cells``)."""
    rows: dict[int, dict[int, Any]] = {}
    for (r, c), cell in cells.items():
        row = rows.get(r)
        if row is None:
            row = rows[r] = {}
        row[c] = cell
    return rows


def _is_formula(cell: Any) -> bool:
    return bool(cell.data_type == "f")


def _formula_text(cell: Any) -> str:
    return str(cell.value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


# -- number text parsing ---------------------------------------------------------------------------------------
_SPACES = " \t\r\n\u00a0\u202f\u2007\u2009"
_PLAIN = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_AMBIGUOUS_DOT = re.compile(r"[1-9]\d{0,2}\.\d{3}")
_AMBIGUOUS_COMMA = re.compile(r"[1-9]\d{0,2},\d{3}")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
_ES_PE = re.compile(r"[1-9]\d{0,2}(?:[,']\d{3})+(?:\.\d+)?")
_ES_ES = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?")


@dataclass(frozen=True)
class ParsedText:
    """How a text was read as a number: ``value`` None when refused; ``how`` says which reading (Spanish)."""

    value: Decimal | None
    how: str
    percent: bool = False
    ambiguous: tuple[str, str] | None = None


def parse_number_text(text: str) -> ParsedText:
    """Read a number typed as text, only when it has exactly one reading (see the module docstring)."""
    t = text.strip(_SPACES)
    percent = False
    if t.endswith(("%", "％")):
        percent = True
        t = t[:-1].rstrip(_SPACES)
    if t[:2].upper() == "S/":
        t = t[2:].lstrip(".").strip(_SPACES)
    sign = ""
    if t[:1] in ("+", "-"):
        sign = "-" if t[0] == "-" else ""
        t = t[1:].strip(_SPACES)

    def dec(s: str) -> Decimal | None:
        try:
            d = Decimal(sign + s)
        except InvalidOperation:
            return None
        return d if d.is_finite() and math.isfinite(float(d)) else None

    if _AMBIGUOUS_DOT.fullmatch(t):
        return ParsedText(None, "ambiguo", percent, (t.replace(".", ""), t))
    if _AMBIGUOUS_COMMA.fullmatch(t):
        return ParsedText(None, "ambiguo", percent, (t.replace(",", ""), t.replace(",", ".")))
    if _PLAIN.fullmatch(t):
        return ParsedText(dec(t), "número con punto decimal", percent)
    if _DECIMAL_COMMA.fullmatch(t):
        return ParsedText(dec(t.replace(",", ".")), "coma como separador decimal", percent)
    if _ES_PE.fullmatch(t) and ("'" in t or "." in t or t.count(",") > 1):
        return ParsedText(dec(t.replace(",", "").replace("'", "")), "separador de miles y punto decimal", percent)
    if _ES_ES.fullmatch(t):
        return ParsedText(dec(t.replace(".", "").replace(",", ".")), "punto de miles y coma decimal", percent)
    return ParsedText(None, "no numérico", percent)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def clean_text(text: str) -> tuple[str, int, str]:
    """(text without control characters, how many were removed, formula-like first character or "").

    OOXML escapes (``_x0007_``) left undecoded by the reader are decoded first; CR and CRLF become LF; tab and LF
    are kept inside the text. Outer whitespace is stripped after the formula-start check.
    """
    def unescape(m: re.Match[str]) -> str:
        return chr(int(m.group(1), 16))

    raw = _ESCAPE.sub(unescape, text)
    start = next((ch for ch in raw[:1] if ch in FORMULA_STARTS), "")
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    cleaned, n = _CONTROL.subn("", raw)
    return cleaned.strip(), n, start


# -- the manifest ----------------------------------------------------------------------------------------------
class ManifestRow(NamedTuple):
    """One row the manifest records: where a heading or AO row of a data sheet is."""

    sheet: str
    row_idx: int
    level: str
    codigo: str


@dataclass(frozen=True)
class Manifest:
    """What the office workbook says about itself: identity, what it was given, where its inputs are."""

    meta: Mapping[str, str]
    spec: OfficeSpec
    rows: tuple[ManifestRow, ...]
    inputs: tuple[InputCell, ...]

    @property
    def huella(self) -> str:
        return self.meta.get("huella", "")


class _ManifestError(Exception):
    """The manifest cannot be read: the message (Spanish) says why."""


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value_rows(cells: Mapping[tuple[int, int], Any], cap: int) -> list[tuple[int, tuple[Any, ...]]]:
    """The rows that hold a value (not None) in their first min(widest column + 1, ``cap``) columns, in row order,
    each as a tuple that wide with None where nothing is."""
    if not cells:
        return []
    n_cols = min(max(c for _, c in cells) + 1, cap)
    by_row: dict[int, list[Any]] = {}
    for (r, c), cell in cells.items():
        if c < n_cols:
            value = cell.value
            if value is not None:
                row = by_row.get(r)
                if row is None:
                    row = by_row[r] = [None] * n_cols
                row[c] = value
    return [(r, tuple(by_row[r])) for r in sorted(by_row)]


def _sections(ws: Sheet) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    current: str | None = None
    # the rows that hold a value, each as wide as the widest (a row of blanks is skipped in any case)
    for _, row in _value_rows(_cells(ws), 64):
        head = _text(row[0]).strip()
        if head.startswith("[") and head.endswith("]"):
            current = head
            out.setdefault(current, [])
            continue
        if current is not None:
            out[current].append(row)
    return out


def _manifest_number(value: Any, what: str, codigo: str = "") -> Decimal | None:
    """A number of the manifest; ``what`` (and the AO ``codigo``, if given) name it in the error."""
    if value is None:
        return None
    d = _decimal(value)
    if d is None:
        raise _ManifestError(f"{what}{' de ' + codigo if codigo else ''}: «{_show(value)}» no es un número")
    return d


def parse_manifest(wb: Book, sections: dict[str, list[tuple[Any, ...]]] | None = None) -> Manifest:
    """The manifest of an office workbook; raises _ManifestError when it is malformed. ``sections``: those of its
    manifest sheet when the caller has them already."""
    if sections is None:
        sections = _sections(wb[SHEET_META])
    for needed in (SECTION_META, SECTION_ROWS, SECTION_INPUTS, SECTION_BUDGET, SECTION_END):
        if needed not in sections:
            raise _ManifestError(f"falta la sección {needed}")
    meta: dict[str, str] = {}
    rules: dict[str, Decimal | None] = {}
    for row in sections[SECTION_META]:
        key = _text(row[0]).strip()
        value = row[1] if len(row) > 1 else None
        if key in RULE_KEYS:
            rules[key] = _manifest_number(value, key)
        elif key:
            meta[key] = _text(value)
    for key in ("version_plantilla", "entidad", "sigla", "anio", "periodicidad", "periodo", "instancia", "huella"):
        if not meta.get(key):
            raise _ManifestError(f"falta «{key}»")
    if not meta["anio"].isdigit():
        raise _ManifestError(f"año «{meta['anio']}» no válido")
    anio = int(meta["anio"])
    periodicidad_text = meta["periodicidad"]
    if periodicidad_text not in ("trimestral", "mensual"):
        raise _ManifestError(f"periodicidad «{periodicidad_text}» no válida")
    periodicidad: Periodicity = "mensual" if periodicidad_text == "mensual" else "trimestral"
    try:
        periodo = parse_period(meta["periodo"], anio, periodicidad)
    except PeriodError as e:
        raise _ManifestError(f"periodo «{meta['periodo']}» no válido") from e
    instancia = meta["instancia"]
    n = 4 if periodicidad == "trimestral" else 12

    rows: list[ManifestRow] = []
    objetivos: list[tuple[str, str, list[tuple[str, str, list[Actividad]]]]] = []
    for row in sections[SECTION_ROWS][1:]:  # first row: column names
        if len(row) < 6 + 2 * n:
            row = tuple(row) + (None,) * (6 + 2 * n - len(row))
        sheet, fila, level, codigo, nombre, unidad = (row[0], row[1], _text(row[2]), _text(row[3]), _text(row[4]),
                                                     _text(row[5]))
        if type(fila) is int:  # the usual case: a whole number, as written
            fila_i = fila if fila >= 1 else None
        else:
            fila_d = _manifest_number(fila, "fila")
            fila_i = int(fila_d) if fila_d is not None and fila_d >= 1 and fila_d == int(fila_d) else None
        if not isinstance(sheet, str) or fila_i is None:
            raise _ManifestError("fila de [filas] sin hoja o número de fila")
        rows.append(ManifestRow(sheet, fila_i - 1, level, codigo))
        if level == "OEI":
            objetivos.append((codigo, nombre, []))
        elif level == "AEI" and objetivos:
            objetivos[-1][2].append((codigo, nombre, []))
        elif level == "AO" and objetivos and objetivos[-1][2]:
            values = []
            for value in row[6: 6 + n]:
                # a small whole number is looked up, anything else converted and checked
                v = SMALL_INTS[value] if type(value) is int and 0 <= value <= 1000 else \
                    _manifest_number(value, "programado", codigo)
                if v is None:
                    raise _ManifestError(f"falta lo programado de {codigo}")
                values.append(v)
            prog = tuple(values)
            ejec = tuple(SMALL_INTS[value] if type(value) is int and 0 <= value <= 1000 else
                         _manifest_number(value, "ejecutado", codigo) for value in row[6 + n: 6 + 2 * n])
            objetivos[-1][2][-1][2].append(Actividad(codigo, nombre, unidad, instancia, prog, ejec))
        else:
            raise _ManifestError(f"fila de nivel «{level}» fuera de lugar ({codigo})")

    budget: dict[str, list[LineaPresupuesto]] = {}
    kinds = {v: k for k, v in BUDGET_SHEETS.items()}
    for row in sections[SECTION_BUDGET][1:]:
        row = tuple(row) + (None,) * (6 - len(row))
        kind = kinds.get(_text(row[0]))
        if kind is None:
            raise _ManifestError(f"hoja de presupuesto «{_text(row[0])}» desconocida")
        budget.setdefault(kind, []).append(LineaPresupuesto(
            _text(row[2]), _manifest_number(row[3], "PIA"), _manifest_number(row[4], "PIM"),
            _manifest_number(row[5], "ejecución")))

    base = Reglas()

    def rule(key: str, default: Decimal) -> Decimal:
        value = rules.get(key)
        return default if value is None else value

    reglas = Reglas(tope_avance=rules.get("tope_avance"), avance_sin_meta=rule("avance_sin_meta", base.avance_sin_meta),
                    verde=rule("verde", base.verde), amarillo=rule("amarillo", base.amarillo))
    reports_budget = meta.get("presupuesto") == "si"
    plan = Plan(
        entidad=meta["entidad"], sigla=meta["sigla"], anio=anio, periodicidad=periodicidad,
        instancias={instancia: meta.get("nombre_instancia") or instancia},
        objetivos=tuple(Objetivo(oc, on, None, tuple(Accion(ac, an, None, tuple(aos)) for ac, an, aos in acc))
                        for oc, on, acc in objetivos),
        reglas=reglas,
        presupuesto=Presupuesto(tuple(budget.get("ingresos", ())), tuple(budget.get("gastos", ()))),
        responsable_presupuesto=instancia if reports_budget else None,
    )
    spec = OfficeSpec(plan, periodo, instancia, meta.get("fecha_limite", ""), meta["version_plantilla"])

    expected_inputs = input_cells(spec)
    raw_inputs = sections[SECTION_INPUTS][1:]
    inputs: list[InputCell] = []
    if len(raw_inputs) == len(expected_inputs) and all(
            row[:4] == (ic.sheet, to_a1(ic.row_idx, ic.col_idx), ic.codigo, ic.field)
            for row, ic in zip(raw_inputs, expected_inputs, strict=True)):
        inputs = expected_inputs  # the usual manifest: every row the very texts of its expected input cell
    else:
        for row in raw_inputs:
            row = tuple(row) + (None,) * (4 - len(row))
            try:
                r, c = from_a1(_text(row[1]))
            except ValueError as e:
                raise _ManifestError(f"celda «{_text(row[1])}» no válida en [entradas]") from e
            inputs.append(InputCell(_text(row[0]), r, c, _text(row[2]), _text(row[3])))

    # The recorded rows and inputs must be exactly what the layout gives for this content.
    expected_rows = [ManifestRow(L.oei_sheet_name(o.codigo), sr.row_idx, sr.level, sr.codigo)
                     for o in plan.objetivos for sr in data_rows(o)]
    if expected_rows != rows:
        raise _ManifestError("las filas registradas no corresponden a la plantilla")
    if inputs is not expected_inputs and inputs != expected_inputs:
        raise _ManifestError("las celdas de ingreso registradas no corresponden a la plantilla")
    if not reports_budget and budget:
        raise _ManifestError("hay presupuesto registrado para una instancia que no lo reporta")
    return Manifest(meta, spec, tuple(rows), tuple(inputs))


def read_manifest(wb: Book, file: str) -> tuple[Manifest | None, list[Issue]]:
    """Identify the workbook: a zedxl office workbook of the supported template version, with an intact manifest."""
    props = wb.properties
    if SHEET_META not in wb.sheetnames:
        if props.get("tipo") == "maestro":
            detail = "es el libro maestro, no el libro de una instancia"
        elif props:
            detail = f"tipo «{props.get('tipo', '')}»"
        else:
            detail = f"no tiene la hoja oculta {SHEET_META} ni las propiedades de zedxl"
        return None, [make_issue("no-es-libro-zedxl", file=file, detalle=detail)]
    try:
        sections = _sections(wb[SHEET_META])
        head = {_text(r[0]).strip(): _text(r[1] if len(r) > 1 else None) for r in sections.get(SECTION_META, [])}
    except Exception as e:  # noqa: BLE001 - a hand-edited sheet must never stop validation
        return None, [make_issue("metadatos-alterados", file=file, detalle=_short(str(e)))]
    if head.get("tipo") != KIND:
        return None, [make_issue("no-es-libro-zedxl", file=file,
                                 detalle=f"la hoja {SHEET_META} no dice «tipo: {KIND}»")]
    version = head.get("version_plantilla", "")
    if version != TEMPLATE_VERSION:
        return None, [make_issue("version-plantilla-distinta", file=file, value=version or "(sin versión)",
                                 esperada=TEMPLATE_VERSION)]
    try:
        manifest = parse_manifest(wb, sections)
    except _ManifestError as e:
        return None, [make_issue("metadatos-alterados", file=file, detalle=str(e))]
    except Exception as e:  # noqa: BLE001 - a hand-edited sheet must never stop validation
        return None, [make_issue("metadatos-alterados", file=file, detalle=_short(f"{type(e).__name__}: {e}"))]
    differ = [k for k in PROPERTY_KEYS if props.get(k) != manifest.meta.get(k)]
    if differ:
        return None, [make_issue("metadatos-alterados", file=file,
                                 detalle="las propiedades del documento no coinciden con la hoja oculta en "
                                         + ", ".join(differ))]
    if fingerprint(manifest.spec) != manifest.huella:
        return None, [make_issue("metadatos-alterados", file=file,
                                 detalle="la huella no corresponde a las AO registradas")]
    return manifest, []


# -- reading the cells -----------------------------------------------------------------------------------------
@dataclass
class OfficeValues:
    """The input values read (only those that passed) and where each input actually is."""

    ejecutado: dict[str, dict[int, Decimal | None]] = field(default_factory=dict)
    justificacion: dict[str, str] = field(default_factory=dict)
    presupuesto: dict[str, dict[str, Decimal | None]] = field(default_factory=dict)
    locations: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)
    bad: set[tuple[str, str]] = field(default_factory=set)  # inputs present but refused
    issues: list[Issue] = field(default_factory=list)


def _unsettled(found: Mapping[int, Any], want: Mapping[int, CellSpec]) -> list[int]:
    """The columns of a data row, sorted, that ``_SheetReader.data_row`` must look at one by one. A column is
    settled by the usual case: an untouched text, whole number or formula, or an empty non-formula cell where nothing is
    expected; everything else (inputs included) is not."""
    out = []
    for c in sorted(set(want) | set(found)):
        cell = found.get(c)
        if cell is not None:
            value = cell.value
            cs = want.get(c)
            if cs is None:
                if value is None and cell.data_type != "f":
                    continue
            elif cs.kind != "input" and value == cs.value and (
                    (cs.kind == "formula" and cell.data_type == "f" and type(value) is str)
                    or (cell.data_type != "f" and (type(value) is str if cs.kind == "text" else
                                                   type(value) is int and cs.kind == "number"))):
                continue
        out.append(c)
    return out


class _SheetReader:
    def __init__(self, wb: Book, manifest: Manifest, file: str) -> None:
        self.wb = wb
        self.manifest = manifest
        self.spec = manifest.spec
        self.file = file
        self.office = manifest.spec.instancia
        self.out = OfficeValues()

    def issue(self, code: str, sheet: str = "", r: int | None = None, c: int | None = None, value: Any = None,
              column: str = "", **params: Any) -> None:
        self.out.issues.append(make_issue(code, file=self.file, sheet=sheet, row_idx=r, col_idx=c, column=column,
                                          value=_short(value, 200), office=self.office, **params))

    # -- workbook ----------------------------------------------------------------------------------------------
    def run(self) -> OfficeValues:
        spec = self.spec
        expected = [SHEET_INSTRUCCIONES, *(L.oei_sheet_name(o.codigo) for o in spec.plan.objetivos),
                    *(BUDGET_SHEETS[k] for k, _ in spec.budget_lines()), SHEET_META]
        present = set(self.wb.sheetnames)
        for name in expected:
            if name not in present:
                self.issue("hoja-faltante", sheet=name)
        for name in self.wb.sheetnames:
            if name not in expected:
                state = self.wb[name].sheet_state
                estado = {"visible": "visible", "hidden": "oculta", "veryHidden": "muy oculta"}.get(state, state)
                self.issue("hoja-desconocida", sheet=name, estado=estado)
        if SHEET_INSTRUCCIONES in present:
            self.static_sheet(SHEET_INSTRUCCIONES, {(r, 0): t for r, t in enumerate(instruction_lines(spec)) if t})
        cols = data_columns(spec)
        for oei in spec.plan.objetivos:
            name = L.oei_sheet_name(oei.codigo)
            if name in present:
                self.data_sheet(self.wb[name], oei, cols)
        for kind, lines in spec.budget_lines():
            name = BUDGET_SHEETS[kind]
            if name in present:
                self.budget_sheet(self.wb[name], kind, lines)
        return self.out

    def merged(self, ws: Sheet) -> set[tuple[int, int]]:
        covered: set[tuple[int, int]] = set()
        for rng in ws.merged:
            self.issue("celdas-combinadas", sheet=ws.title, r=rng.min_row - 1, c=rng.min_col - 1, value=rng.coord)
            for r in range(rng.min_row - 1, min(rng.max_row, rng.min_row + 10_000)):
                for c in range(rng.min_col - 1, min(rng.max_col, rng.min_col + 1_000)):
                    covered.add((r, c))
        return covered

    def static_sheet(self, name: str, expected: Mapping[tuple[int, int], str]) -> None:
        ws = self.wb[name]
        if ws.kind != "worksheet":  # a chartsheet: nothing to compare
            return
        self.merged(ws)
        cells = _cells(ws)
        for pos in sorted(set(expected) | {p for p, cell in cells.items() if not _blank(cell.value)}):
            cell = cells.get(pos)
            value = cell.value if cell is not None else None
            if value != expected.get(pos):
                self.issue("celda-modificada", sheet=name, r=pos[0], c=pos[1], value=_show(value),
                           esperado=_short(expected.get(pos) or "(vacío)", 80))

    # -- data sheets -------------------------------------------------------------------------------------------
    def find_header(self, cells: Mapping[tuple[int, int], Any], expected_row: int, first: str) -> int | None:
        def at(r: int) -> bool:
            cell = cells.get((r, 0))
            return cell is not None and _text(cell.value).strip() == first

        if at(expected_row):
            return expected_row
        candidates = sorted(r for (r, c) in cells if c == 0 and at(r))
        return candidates[0] if candidates else None

    def check_header(self, ws: Sheet, cells: Mapping[tuple[int, int], Any], rows: dict[int, dict[int, Any]],
                     header_r: int | None, expected_row: int, headers: tuple[str, ...]) -> bool:
        if header_r is None:
            cell = cells.get((expected_row, 0))
            self.issue("encabezado-modificado", sheet=ws.title, r=expected_row, c=0,
                       value=_show(cell.value if cell is not None else None), esperado=headers[0])
            return False
        ok = True
        last = max([c for c, cell in rows.get(header_r, {}).items() if not _blank(cell.value)] + [len(headers) - 1])
        for c in range(last + 1):
            cell = cells.get((header_r, c))
            found = _text(cell.value if cell is not None else None).strip()
            want = headers[c] if c < len(headers) else ""
            if found != want:
                ok = False
                self.issue("encabezado-modificado", sheet=ws.title, r=header_r, c=c, value=found or "(vacío)",
                           esperado=want or "(vacío)")
        return ok

    def check_title(self, ws: Sheet, cells: Mapping[tuple[int, int], Any], rows: dict[int, dict[int, Any]],
                    header_r: int, expected: Mapping[tuple[int, int], str], shift: int) -> None:
        want = {(r + shift, c): t for (r, c), t in expected.items()}
        found = {(r, c) for r, row in rows.items() if r < header_r for c, cell in row.items() if not _blank(cell.value)}
        for pos in sorted(set(want) | found):
            cell = cells.get(pos)
            value = cell.value if cell is not None else None
            if value != want.get(pos):
                self.issue("celda-modificada", sheet=ws.title, r=pos[0], c=pos[1], value=_show(value),
                           esperado=_short(want.get(pos) or "(vacío)", 80))

    def data_sheet(self, ws: Sheet, oei: Objetivo, cols: DataColumns) -> None:
        sheet = ws.title
        cells = _cells(ws)
        covered = self.merged(ws)
        header_r = self.find_header(cells, HEADER_ROW, cols.headers[0])
        rows = _rows_of(cells)
        if not self.check_header(ws, cells, rows, header_r, HEADER_ROW, cols.headers) or header_r is None:
            return
        shift = header_r - HEADER_ROW
        self.check_title(ws, cells, rows, header_r, title_cells(self.spec, oei), shift)
        expected = {row.codigo: row for row in data_rows(oei)}
        by_row = {r: row for r, row in rows.items() if r > header_r}
        seen: dict[str, int] = {}
        duplicated: set[str] = set()
        displaced: int | None = header_r if shift else None
        pending: list[tuple[SheetRow, int, dict[int, Any]]] = []
        for r in sorted(by_row):
            row_cells_found = by_row[r]
            if all(_blank(cell.value) for cell in row_cells_found.values()):
                continue
            code_cell = row_cells_found.get(cols.codigo)
            raw = code_cell.value if code_cell is not None else None
            code = normalize_code(raw) if isinstance(raw, str) else None
            if code is None:
                for c, cell in sorted(row_cells_found.items()):
                    if not _blank(cell.value):
                        self.cell_changed(sheet, r, c, cell.value, None, cols)
                continue
            if code in seen:
                if code_level(code) == "AO":
                    duplicated.add(code)
                    self.issue("ao-duplicada", sheet=sheet, r=r, c=cols.codigo, value=code, column=L.H_CODIGO)
                else:
                    self.cell_changed(sheet, r, cols.codigo, raw, None, cols)
                continue
            if code not in expected:
                if code_level(code) == "AO":
                    self.issue("ao-agregada", sheet=sheet, r=r, c=cols.codigo, value=_show(raw), column=L.H_CODIGO)
                else:
                    self.cell_changed(sheet, r, cols.codigo, raw, None, cols)
                continue
            seen[code] = r
            row = expected[code]
            if r != row.row_idx and displaced is None:
                displaced = r
            pending.append((row, r, row_cells_found))
        for code, row in expected.items():
            if code not in seen:
                if row.level == "AO":
                    self.issue("ao-faltante", sheet=sheet, r=row.row_idx, c=cols.codigo, value=code,
                               column=L.H_CODIGO)
                else:
                    self.issue("celda-modificada", sheet=sheet, r=row.row_idx, c=cols.codigo, value="(fila eliminada)",
                               esperado=code)
        if displaced is not None:
            self.issue("filas-desplazadas", sheet=sheet, r=displaced, c=cols.codigo)
        for row, r, found in pending:
            self.data_row(sheet, cols, row, r, found, covered, skip_inputs=row.codigo in duplicated)

    def cell_changed(self, sheet: str, r: int, c: int, value: Any, want: CellSpec | None,
                     cols: DataColumns | None) -> None:
        column = cols.headers[c] if cols is not None and c < len(cols.headers) else ""
        shown = _show(value) if not _is_formula_value(value) else str(value)
        self.issue("celda-modificada", sheet=sheet, r=r, c=c, value=shown, column=column,
                   esperado=_expected_text(want))

    def data_row(self, sheet: str, cols: DataColumns, row: SheetRow, r: int, found: dict[int, Any],
                 covered: set[tuple[int, int]], skip_inputs: bool) -> None:
        want = expected_cells(self.spec, cols, row, r)
        unsettled = _unsettled(found, want)
        p = self.spec.periodo
        e0 = cols.ejec(0)
        e1 = e0 + cols.n_base
        for c in unsettled:  # the usual cells are settled there
            cell = found.get(c)
            cs = want.get(c)
            value = cell.value if cell is not None else None
            column = cols.headers[c] if c < len(cols.headers) else ""
            is_ejec = e0 <= c < e1
            if cs is not None and cs.kind == "input":
                if row.ao is not None and not skip_inputs:
                    if (r, c) in covered:
                        self.out.bad.add((row.codigo, cs.field))
                        self.out.locations[(row.codigo, cs.field)] = (sheet, r, c)
                    else:
                        self.read_input(sheet, r, c, cell, row.codigo, cs, column)
                continue
            if cs is None:
                if _blank(value) and (cell is None or not _is_formula(cell)):
                    continue
                if is_ejec:
                    self.issue("ejecutado-otro-periodo", sheet=sheet, r=r, c=c, value=_cell_text(cell),
                               column=column, columna=column.split(" ", 1)[1], periodo=p.name, esperado="(vacío)")
                else:
                    self.cell_changed(sheet, r, c, _cell_text(cell), None, cols)
                continue
            if cs.kind == "formula":
                if cell is None or not _is_formula(cell) or \
                        not _same_formula(_formula_text(cell), str(cs.value)):
                    self.issue("formula-modificada", sheet=sheet, r=r, c=c, value=_cell_text(cell), column=column)
                continue
            if cs.kind == "number":
                if cell is not None and not _is_formula(cell) and _decimal(value) == cs.value:
                    continue
                shown = _cell_text(cell)
                esperado = _show(cs.value)
                if c in range(cols.prog(0), cols.prog(0) + cols.n_base):
                    self.issue("programado-modificado", sheet=sheet, r=r, c=c, value=shown, column=column,
                               esperado=esperado)
                elif is_ejec:
                    self.issue("ejecutado-otro-periodo", sheet=sheet, r=r, c=c, value=shown, column=column,
                               columna=column.split(" ", 1)[1], periodo=p.name, esperado=esperado)
                else:
                    self.cell_changed(sheet, r, c, shown, cs, cols)
                continue
            # text
            if cell is not None and not _is_formula(cell) and value == cs.value:
                continue
            shown = _cell_text(cell)
            if c == cols.actividad:
                self.issue("nombre-modificado", sheet=sheet, r=r, c=c, value=shown, column=column,
                           esperado=_short(str(cs.value), 80))
            elif c == cols.um and row.ao is not None:
                self.issue("unidad-modificada", sheet=sheet, r=r, c=c, value=shown, column=column,
                           esperado=str(cs.value))
            else:
                self.cell_changed(sheet, r, c, shown, cs, cols)

    # -- inputs ------------------------------------------------------------------------------------------------
    def read_input(self, sheet: str, r: int, c: int, cell: Any, key: str, cs: CellSpec, column: str) -> None:
        self.out.locations[(key, cs.field)] = (sheet, r, c)
        if cs.field == FIELD_JUSTIFICACION:
            text = self.read_text(sheet, r, c, cell, column)
            if text is None:
                self.out.bad.add((key, cs.field))
            else:
                self.out.justificacion[key] = text
            return
        ok, value = self.read_quantity(sheet, r, c, cell, cs.unit, column)
        if not ok:
            self.out.bad.add((key, cs.field))
            return
        idx = parse_field_ejecutado(cs.field)
        if idx is not None:
            self.out.ejecutado.setdefault(key, {})[idx] = value

    def read_quantity(self, sheet: str, r: int, c: int, cell: Any, unit: str,
                      column: str) -> tuple[bool, Decimal | None]:
        """(accepted, value): value None for a blank cell."""
        if cell is None:
            return True, None
        value = cell.value
        where: dict[str, Any] = {"sheet": sheet, "r": r, "c": c, "column": column}
        if _is_formula(cell):
            self.issue("formula-en-entrada", value=_formula_text(cell), **where)
            return False, None
        if _blank(value):
            return True, None
        if isinstance(value, bool):
            self.issue("valor-booleano", value=_show(value), **where)
            return False, None
        if isinstance(value, (datetime, date, time, timedelta)):
            self.issue("valor-fecha", value=str(value), **where)
            return False, None
        if getattr(cell, "data_type", None) == "e":
            self.issue("valor-error", value=str(value), **where)
            return False, None
        pct_unit = "%" in unit
        number: Decimal | None
        if isinstance(value, (int, float, Decimal)):
            if isinstance(value, float) and not math.isfinite(value):
                self.issue("valor-no-finito", value=str(value), **where)
                return False, None
            number = _decimal(value)
            if number is None:
                self.issue("valor-no-finito", value=str(value), **where)
                return False, None
            if "%" in str(getattr(cell, "number_format", "") or "").replace('"%"', "").replace("\\%", ""):
                self.issue("formato-porcentaje", value=_show(number), mostrado=f"{_show(number * 100)} %",
                           unidad=unit, **where)
                return False, None
        elif isinstance(value, str):
            parsed = parse_number_text(value)
            if parsed.ambiguous is not None:
                self.issue("numero-ambiguo", value=value, lectura_a=parsed.ambiguous[0],
                           lectura_b=parsed.ambiguous[1], **where)
                return False, None
            if parsed.value is None:
                self.issue("valor-no-numerico", value=value, **where)
                return False, None
            number = parsed.value
            if parsed.percent:
                if not pct_unit:
                    self.issue("porcentaje-en-unidad-no-porcentual", value=value, unidad=unit, **where)
                    return False, None
                self.issue("porcentaje-convertido", value=value, leido=_show(number), unidad=unit, **where)
            else:
                self.issue("numero-como-texto", value=value, leido=_show(number), lectura=parsed.how, **where)
        else:
            self.issue("valor-no-numerico", value=_show(value), **where)
            return False, None
        if number < 0:
            self.issue("valor-negativo", value=_show(number), **where)
            return False, None
        if pct_unit and number > 100:
            self.issue("porcentaje-fuera-de-rango", value=_show(number), unidad=unit, **where)
            return False, None
        return True, number

    def read_text(self, sheet: str, r: int, c: int, cell: Any, column: str) -> str | None:
        if cell is None:
            return ""
        value = cell.value
        where: dict[str, Any] = {"sheet": sheet, "r": r, "c": c, "column": column}
        if _is_formula(cell):
            self.issue("formula-en-entrada", value=_formula_text(cell), **where)
            return None
        if value is None:
            return ""
        if getattr(cell, "data_type", None) == "e":
            self.issue("valor-error", value=str(value), **where)
            return None
        if isinstance(value, bool):
            text = "VERDADERO" if value else "FALSO"
        elif isinstance(value, datetime):
            text = value.strftime("%d/%m/%Y %H:%M") if value.time() != time() else value.strftime("%d/%m/%Y")
        elif isinstance(value, date):
            text = value.strftime("%d/%m/%Y")
        elif isinstance(value, float):
            text = _show(value)
        else:
            text = str(value)
        cleaned, n_control, start = clean_text(text)
        if len(cleaned) > MAX_TEXT:
            self.issue("texto-demasiado-largo", value=cleaned[:60] + "…", n=len(cleaned), **where)
            return None
        if start:
            shown = {"\t": "tabulación", "\r": "retorno de carro", "\n": "salto de línea"}.get(start, start)
            self.issue("texto-parece-formula", value=cleaned, inicio=shown, **where)
        if n_control:
            self.issue("caracteres-de-control", value=cleaned, n=n_control, **where)
        return cleaned

    # -- budget sheets -----------------------------------------------------------------------------------------
    def budget_sheet(self, ws: Sheet, kind: str, lines: tuple[LineaPresupuesto, ...]) -> None:
        sheet = ws.title
        cells = _cells(ws)
        covered = self.merged(ws)
        headers = L.BUDGET_HEADERS
        header_r = self.find_header(cells, BUDGET_HEADER_ROW, headers[0])
        rows = _rows_of(cells)
        if not self.check_header(ws, cells, rows, header_r, BUDGET_HEADER_ROW, headers) or header_r is None:
            return
        shift = header_r - BUDGET_HEADER_ROW
        self.check_title(ws, cells, rows, header_r, budget_title_cells(self.spec, kind), shift)
        wanted: dict[str, list[tuple[int, LineaPresupuesto]]] = {}
        for k, line in enumerate(lines):
            wanted.setdefault(line.rubro, []).append((k, line))
        by_row = {r: row for r, row in rows.items() if r > header_r}
        found_lines: list[tuple[int, int, LineaPresupuesto]] = []  # (row, k, line)
        total_r: int | None = None
        displaced: int | None = header_r if shift else None
        for r in sorted(by_row):
            row = by_row[r]
            if all(_blank(cell.value) for cell in row.values()):
                continue
            key_cell = row.get(0)
            key = key_cell.value if key_cell is not None else None
            if isinstance(key, str) and key == L.TOTAL_LABEL and total_r is None:
                total_r = r
                continue
            if isinstance(key, str) and wanted.get(key) and total_r is None:
                k, line = wanted[key].pop(0)
                found_lines.append((r, k, line))
                if r != BUDGET_HEADER_ROW + 1 + k and displaced is None:
                    displaced = r
                continue
            for c, cell in sorted(row.items()):
                if not _blank(cell.value) or _is_formula(cell):
                    self.cell_changed(sheet, r, c, _cell_text(cell), None, None)
        for rest in wanted.values():
            for k, line in rest:
                self.issue("rubro-faltante", sheet=sheet, r=BUDGET_HEADER_ROW + 1 + k, c=0, value=line.rubro)
        if displaced is not None:
            self.issue("filas-desplazadas", sheet=sheet, r=displaced, c=0)
        out = self.out.presupuesto.setdefault(kind, {})
        for r, _k, line in found_lines:
            want = budget_line_cells(line, r)
            row = by_row[r]
            for c in sorted(set(want) | set(row)):
                cell = row.get(c)
                cs = want.get(c)
                column = headers[c] if c < len(headers) else ""
                if cs is not None and cs.kind == "input":
                    key = f"{kind}:{line.rubro}"
                    self.out.locations[(key, FIELD_EJECUCION)] = (sheet, r, c)
                    if (r, c) in covered:
                        self.out.bad.add((key, FIELD_EJECUCION))
                        continue
                    ok, value = self.read_quantity(sheet, r, c, cell, "S/", column)
                    if ok:
                        out[line.rubro] = value
                    else:
                        self.out.bad.add((key, FIELD_EJECUCION))
                    continue
                self.compare_budget_cell(sheet, r, c, cell, cs, column)
        if total_r is None:
            self.issue("celda-modificada", sheet=sheet, r=header_r + 1 + len(lines), c=0, value="(fila eliminada)",
                       esperado=L.TOTAL_LABEL)
            return
        first = header_r + 1
        want_total = budget_total_cells(lines, first, total_r)
        row = by_row.get(total_r, {})
        for c in sorted(set(want_total) | set(row)):
            column = headers[c] if c < len(headers) else ""
            self.compare_budget_cell(sheet, total_r, c, row.get(c), want_total.get(c), column)

    def compare_budget_cell(self, sheet: str, r: int, c: int, cell: Any, cs: CellSpec | None, column: str) -> None:
        value = cell.value if cell is not None else None
        if cs is None:
            if not _blank(value) or (cell is not None and _is_formula(cell)):
                self.cell_changed(sheet, r, c, _cell_text(cell), None, None)
            return
        if cs.kind == "formula":
            if cell is None or not _is_formula(cell) or \
                    not _same_formula(_formula_text(cell), str(cs.value)):
                self.issue("formula-modificada", sheet=sheet, r=r, c=c, value=_cell_text(cell), column=column)
            return
        if cs.kind == "number":
            if cell is None or _is_formula(cell) or _decimal(value) != cs.value:
                self.issue("presupuesto-modificado", sheet=sheet, r=r, c=c, value=_cell_text(cell), column=column,
                           columna=column, esperado=_show(cs.value))
            return
        if cell is None or _is_formula(cell) or value != cs.value:
            self.cell_changed(sheet, r, c, _cell_text(cell), cs, None)


def _is_formula_value(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _cell_text(cell: Any) -> str:
    if cell is None:
        return "(vacío)"
    if _is_formula(cell):
        return _formula_text(cell)
    return _show(cell.value)


def _expected_text(cs: CellSpec | None) -> str:
    if cs is None or cs.value is None or cs.value == "":
        return "(vacío)"
    if isinstance(cs.value, Decimal):
        return _show(cs.value)
    return str(_short(cs.value, 80))


def read_values(wb: Book, manifest: Manifest, file: str) -> OfficeValues:
    """Check every sheet against what the manifest says was written and read the inputs that pass."""
    return _SheetReader(wb, manifest, file).run()


__all__ = [
    "FORMULA_STARTS",
    "Manifest",
    "ManifestRow",
    "OfficeValues",
    "ParsedText",
    "clean_text",
    "parse_manifest",
    "parse_number_text",
    "read_manifest",
    "read_values",
    "to_a1",
]
