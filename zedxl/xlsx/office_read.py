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

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from zedxl import rules
from zedxl.issues import Issue, make_issue, register
from zedxl.model import LineaPresupuesto, Objetivo, code_level, normalize_code
from zedxl.xlsx import layout as L
from zedxl.xlsx.input_text import _decimal, _short, _show, _text, clean_text, parse_number_text
from zedxl.xlsx.office_book import Book, Sheet
from zedxl.xlsx.office_layout import (
    BUDGET_HEADER_ROW,
    BUDGET_SHEETS,
    FIELD_EJECUCION,
    FIELD_EJECUTADO,
    FIELD_JUSTIFICACION,
    HEADER_ROW,
    MAX_TEXT,
    SHEET_INSTRUCCIONES,
    SHEET_META,
    CellSpec,
    DataColumns,
    SheetRow,
    budget_headers,
    budget_line_cells,
    budget_title_cells,
    budget_total_cells,
    data_columns,
    data_rows,
    expected_cells,
    instruction_cells,
    parse_field,
    title_cells,
)
from zedxl.xlsx.office_manifest import Manifest
from zedxl.xlsx.text import utf16_len

# -- catalogue -------------------------------------------------------------------------------------------------
_DONT_TOUCH = "Solo se escribe en las celdas amarillas; deshaga el cambio o copie sus datos en el libro original."
_SHEET = "En {file}, hoja {sheet}, "
_CELL = _SHEET + "celda {cell}, "

register("archivo-ilegible", "Archivo ilegible",
         "No se pudo abrir {file} como libro de Excel ({detalle}). Ábralo en Excel, guárdelo como «Libro de Excel "
         "(.xlsx)» y envíelo de nuevo.")
register("hoja-faltante", "Falta una hoja",
         "En {file} falta la hoja «{sheet}» (se eliminó o se le cambió el nombre). Devuélvale su nombre original o "
         "use el libro original; sus datos no se leyeron.")
register("hoja-desconocida", "Hoja que no es de la plantilla",
         "{file} tiene la hoja «{sheet}» ({estado}), que no es de la plantilla; no se leyó. Elimínela o, si es una "
         "hoja de la plantilla a la que se cambió el nombre, devuélvale su nombre original.")
register("encabezado-modificado", "Títulos de columna modificados",
         _CELL + "el título de columna es «{value}» y debe ser «{esperado}» (se insertaron, eliminaron o cambiaron "
         "columnas). No se leyó la hoja. " + _DONT_TOUCH)
register("celdas-combinadas", "Celdas combinadas",
         _SHEET + "se combinaron las celdas {value}. Una celda combinada guarda un solo valor para varias: no se "
         "tomó ninguno. Separe las celdas (Inicio > Combinar y centrar) y escriba cada valor en su celda.")
register("ao-faltante", "Falta una AO", _SHEET + "falta la fila de la AO {value} (se eliminó o se le cambió el "
         "código). Restáurela desde el libro original.")
register("ao-duplicada", "AO repetida", _CELL + "la AO {value} aparece otra vez. No se tomó ninguno de sus "
         "valores; deje una sola fila por AO.")
register("ao-agregada", "AO que no corresponde",
         _CELL + "hay una fila con el código {value}, que no es una AO de esta instancia en esta hoja; no se leyó. "
         "Elimine esa fila: las AO nuevas se agregan en el maestro.")
register("filas-desplazadas", "Filas insertadas o eliminadas",
         _SHEET + "las filas ya no están donde se escribieron (desde la celda {cell}): se insertaron o eliminaron "
         "filas. Los datos se leyeron por código de AO; la próxima vez no inserte ni elimine filas.", "aviso")
register("nombre-modificado", "Nombre modificado", _CELL + "el nombre se cambió a «{value}»; debe decir "
         "«{esperado}». Los nombres se cambian en el maestro. " + _DONT_TOUCH)
register("unidad-modificada", "Unidad de medida modificada",
         _CELL + "la U.M. se cambió a «{value}»; debe decir «{esperado}». " + _DONT_TOUCH)
register("programado-modificado", "Programado modificado",
         _CELL + "lo programado se cambió a «{value}»; debe ser {esperado}. La programación solo se cambia en el "
         "maestro (con su sustento). " + _DONT_TOUCH)
register("ejecutado-otro-periodo", "Valor escrito en otro periodo",
         _CELL + "hay «{value}» en lo ejecutado de {columna}, que no es el periodo que se reporta ({periodo}); debe "
         "ser «{esperado}». No se tomó. Escriba solo en las columnas de {periodo}.")
register("formula-modificada", "Fórmula modificada", _CELL + "se reemplazó la fórmula por «{value}». " + _DONT_TOUCH)
register("celda-modificada", "Cambio fuera de las celdas de ingreso",
         _CELL + "se escribió «{value}» donde debe haber «{esperado}». " + _DONT_TOUCH)
register("presupuesto-modificado", "PIA o PIM modificado", _CELL + "el {columna} se cambió a «{value}»; debe ser "
         "{esperado}. PIA y PIM solo se cambian en el maestro. " + _DONT_TOUCH)
register("rubro-faltante", "Falta un rubro del presupuesto", _SHEET + "falta la fila del rubro «{value}» (se "
         "eliminó o se le cambió el nombre). Restáurela desde el libro original.")
register("formula-en-entrada", "Fórmula en una celda de ingreso", _CELL + "hay una fórmula ({value}); no se tomó "
         "nada de ella. Escriba el valor (o copie y use Pegar valores).")
register("valor-no-numerico", "Valor no numérico", _CELL + "«{value}» no es un número; no se tomó. Escriba solo el "
         "número, sin texto ni unidades.")
register("numero-como-texto", "Número escrito como texto",
         _CELL + "«{value}» está guardado como texto; se leyó como {leido} ({lectura}). Verifique que sea correcto; "
         "la próxima vez escriba solo el número.", "aviso")
register("numero-ambiguo", "Número ambiguo",
         _CELL + "«{value}» puede leerse como {lectura_a} o como {lectura_b} según el separador decimal; no se tomó. "
         "Escriba el número con punto decimal y sin separador de miles.")
register("valor-negativo", "Valor negativo",
         _CELL + "el valor {value} es negativo; no se tomó. Escriba un valor mayor o igual que 0.")
register("valor-booleano", "Valor VERDADERO/FALSO",
         _CELL + "hay un valor lógico ({value}); no se tomó. Escriba un número.")
register("valor-fecha", "Fecha en lugar de número", _CELL + "hay una fecha u hora ({value}); no se tomó. Escriba "
         "el número (si Excel lo convierte en fecha, cambie el formato de la celda a General).")
register("valor-error", "Valor de error", _CELL + "hay el error {value}; no se tomó. Un error no equivale a una "
         "celda vacía: escriba el valor o deje la celda vacía.")
register("valor-fuera-de-rango", "Número fuera de rango",
         _CELL + "el valor {value} es demasiado grande o tiene demasiadas cifras (Excel guarda con exactitud hasta "
         "15 cifras significativas y menos de 10^15); no se tomó. Escriba el valor correcto.")
register("valor-no-finito", "Número no válido",
         _CELL + "el valor {value} no es un número finito; no se tomó. Escriba el valor correcto.")
register("porcentaje-fuera-de-rango", "Porcentaje mayor que 100", _CELL + "el valor {value} es mayor que 100 y la "
         "U.M. es «{unidad}»; no se tomó. Escriba un porcentaje de 0 a 100.")
register("porcentaje-convertido", "Porcentaje escrito con %", _CELL + "«{value}» se leyó como {leido} (U.M. "
         "«{unidad}»). Verifique que sea correcto; la próxima vez escriba el número sin el símbolo %.", "aviso")
register("porcentaje-en-unidad-no-porcentual", "Porcentaje en una AO que no se mide en %",
         _CELL + "«{value}» es un porcentaje pero la U.M. es «{unidad}»; no se tomó. Escriba la cantidad ejecutada "
         "en {unidad}.")
register("formato-porcentaje", "Celda con formato de porcentaje",
         _CELL + "la celda tiene formato de porcentaje (guarda {value} y muestra {mostrado}); no se tomó para no "
         "adivinar la escala. Cambie el formato a General y escriba el número (U.M. «{unidad}»).")
register("texto-parece-formula", "Texto que empieza como fórmula",
         _CELL + "el texto empieza con «{inicio}», como una fórmula; se guardó como texto. Si no fue intencional, "
         "quite ese carácter del inicio.", "aviso")
register("caracteres-de-control", "Caracteres de control",
         _CELL + "el texto tenía {n} caracteres de control invisibles; se eliminaron. Revise el texto si lo copió "
         "de otro sistema.", "aviso")
register("texto-demasiado-largo", "Texto demasiado largo",
         _CELL + "el texto tiene {n} caracteres, más que el máximo de Excel (32767); no se tomó. Resúmalo.")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


# -- reading the cells -----------------------------------------------------------------------------------------
@dataclass
class OfficeValues:
    """The input values read (only those that passed) and where each input actually is."""

    ejecutado: dict[str, dict[int, Decimal | None]] = field(default_factory=dict)
    justificacion: dict[str, dict[int, str]] = field(default_factory=dict)
    presupuesto: dict[str, dict[str, dict[int, Decimal | None]]] = field(default_factory=dict)
    locations: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)
    bad: set[tuple[str, str]] = field(default_factory=set)  # inputs present but refused
    issues: list[Issue] = field(default_factory=list)


class _SheetReader:
    def __init__(self, wb: Book, manifest: Manifest, file: str) -> None:
        self.wb = wb
        self.spec = manifest.spec
        self.file = file
        self.out = OfficeValues()
        self.row_ao: dict[tuple[str, int], str] = {}  # (sheet, row) → its AO, named in the issues of its cells

    def issue(self, code: str, sheet: str = "", r: int | None = None, c: int | None = None, value: Any = None,
              column: str = "", **params: Any) -> None:
        self.out.issues.append(make_issue(code, file=self.file, sheet=sheet, row_idx=r, col_idx=c, column=column,
                                          value=_short(value, 200), office=self.spec.instancia,
                                          ao=self.row_ao.get((sheet, r), "") if r is not None else "", **params))

    # -- workbook ----------------------------------------------------------------------------------------------
    def run(self) -> OfficeValues:
        spec = self.spec
        expected = [SHEET_INSTRUCCIONES, *(L.sheet_of(spec.plan)(o.codigo) for o in spec.plan.objetivos),
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
        if SHEET_INSTRUCCIONES in present and (ws := self.wb[SHEET_INSTRUCCIONES]).kind == "worksheet":
            self.merged(ws)  # (a chartsheet: nothing to compare)
            self.instructions(ws)
        cols = data_columns(spec)
        for oei in spec.plan.objetivos:
            name = L.sheet_of(spec.plan)(oei.codigo)
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

    def texts(self, ws: Sheet, expected: Mapping[tuple[int, int], str], found: set[tuple[int, int]]) -> None:
        """The cells at ``expected`` and ``found`` (those holding something) hold the expected texts, or nothing."""
        for pos in sorted(set(expected) | found):
            cell = ws.cells0.get(pos)
            value = cell.value if cell is not None else None
            if value != expected.get(pos):
                self.issue("celda-modificada", sheet=ws.title, r=pos[0], c=pos[1], value=_show(value),
                           esperado=_short(expected.get(pos) or "(vacío)", 80))

    def instructions(self, ws: Sheet) -> None:
        """The Instrucciones sheet holds its paragraphs and the progress table's texts and formulas, nothing else."""
        want = instruction_cells(self.spec)
        for pos in sorted(set(want) | {p for p, cell in ws.cells0.items() if not _blank(cell.value)}):
            cell, cs = ws.cells0.get(pos), want.get(pos)
            if _matches(cell, cs):
                continue
            if cs is not None and cs.kind == "formula":
                self.issue("formula-modificada", sheet=ws.title, r=pos[0], c=pos[1], value=_cell_text(cell))
            else:
                self.issue("celda-modificada", sheet=ws.title, r=pos[0], c=pos[1],
                           value=_show(cell.value if cell is not None else None),
                           esperado=_short(cs.value if cs is not None and cs.value else "(vacío)", 80))

    # -- data sheets -------------------------------------------------------------------------------------------
    def table(self, ws: Sheet, expected_row: int, headers: tuple[str, ...],
              titles: Mapping[tuple[int, int], str]) -> tuple[int, dict[int, dict[int, Any]]] | None:
        """Check a sheet's header row (found by its first title wherever it went) and the titles above it: (the
        header row, the rows below it by row) when the header is intact, else None."""
        cells = ws.cells0

        def at(r: int) -> bool:
            cell = cells.get((r, 0))
            return cell is not None and _text(cell.value).strip() == headers[0]

        header_r = expected_row if at(expected_row) else min((r for (r, c) in cells if c == 0 and at(r)), default=None)
        if header_r is None:
            cell = cells.get((expected_row, 0))
            self.issue("encabezado-modificado", sheet=ws.title, r=expected_row, c=0,
                       value=_show(cell.value if cell is not None else None), esperado=headers[0])
            return None
        rows: dict[int, dict[int, Any]] = {}  # {row: {col: cell}}
        for (r, c), cell in cells.items():
            row = rows.get(r)
            if row is None:
                row = rows[r] = {}
            row[c] = cell
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
        if not ok:
            return None
        shift = header_r - expected_row
        want_titles = {(r + shift, c): t for (r, c), t in titles.items()}
        self.texts(ws, want_titles, {(r, c) for r, row in rows.items() if r < header_r for c, cell in row.items()
                                     if not _blank(cell.value)})
        return header_r, {r: row for r, row in rows.items() if r > header_r}

    def data_sheet(self, ws: Sheet, oei: Objetivo, cols: DataColumns) -> None:
        sheet = ws.title
        covered = self.merged(ws)
        table = self.table(ws, HEADER_ROW, cols.headers, title_cells(self.spec, oei))
        if table is None:
            return
        header_r, by_row = table
        expected = {row.codigo: row for row in data_rows(oei)}
        seen: dict[str, int] = {}
        duplicated: set[str] = set()
        displaced: int | None = header_r if header_r != HEADER_ROW else None
        pending: list[tuple[SheetRow, int, dict[int, Any]]] = []
        for r in sorted(by_row):
            found = by_row[r]
            if all(_blank(cell.value) for cell in found.values()):
                continue
            code_cell = found.get(cols.codigo)
            raw = code_cell.value if code_cell is not None else None
            code = normalize_code(raw) if isinstance(raw, str) else None
            if code is None:
                for c, cell in sorted(found.items()):
                    if not _blank(cell.value):
                        self.cell_changed(sheet, r, c, cell.value, None, cols)
            elif code not in seen and code in expected:
                seen[code] = r
                if r != expected[code].row_idx and displaced is None:
                    displaced = r
                pending.append((expected[code], r, found))
                if expected[code].level == "AO":
                    name = expected[code].nombre
                    self.row_ao[(sheet, r)] = f"{code} · {name[:60]}{'…' if len(name) > 60 else ''}"
            elif code in seen and expected[code].level == "AO":
                duplicated.add(code)
                self.issue("ao-duplicada", sheet=sheet, r=r, c=cols.codigo, value=code, column=L.H_CODIGO)
            elif code in seen or code_level(code) in ("OEI", "AEI") or len(
                    [c for c in found.values() if not _blank(c.value)]) == 1:  # a heading's code again, or a note
                self.cell_changed(sheet, r, cols.codigo, raw, None, cols)
            else:
                self.issue("ao-agregada", sheet=sheet, r=r, c=cols.codigo, value=_show(raw), column=L.H_CODIGO)
        for code, row in expected.items():
            if code in seen:
                continue
            if row.level == "AO":
                self.issue("ao-faltante", sheet=sheet, r=row.row_idx, c=cols.codigo, value=code, column=L.H_CODIGO)
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
        shown = str(value) if isinstance(value, str) and value.startswith("=") else _show(value)
        if want is None or want.value is None or want.value == "":
            expected = "(vacío)"
        else:
            expected = _show(want.value) if isinstance(want.value, Decimal) else str(_short(want.value, 80))
        self.issue("celda-modificada", sheet=sheet, r=r, c=c, value=shown, column=column, esperado=expected)

    def data_row(self, sheet: str, cols: DataColumns, row: SheetRow, r: int, found: dict[int, Any],
                 covered: set[tuple[int, int]], skip_inputs: bool) -> None:
        want = expected_cells(self.spec, cols, row, r)
        e0 = cols.ejec(0)
        for c in sorted(set(want) | set(found)):
            cell = found.get(c)
            cs = want.get(c)
            if cs is not None and cs.kind == "input":
                if row.ao is not None and not skip_inputs:
                    column = cols.headers[c] if c < len(cols.headers) else ""
                    self.read_input(sheet, r, c, cell, row.codigo, cs, column, covered)
                continue
            if _matches(cell, cs):
                continue
            column = cols.headers[c] if c < len(cols.headers) else ""
            where: dict[str, Any] = {"sheet": sheet, "r": r, "c": c, "value": _cell_text(cell), "column": column}
            kind, wanted = (cs.kind, cs.value) if cs is not None else (None, None)
            if kind == "formula":
                self.issue("formula-modificada", **where)
            elif kind == "number" and cols.prog(0) <= c < cols.prog(0) + cols.n_base:
                self.issue("programado-modificado", esperado=_show(wanted), **where)
            elif kind in (None, "number") and e0 <= c < e0 + cols.n_base:
                self.issue("ejecutado-otro-periodo", columna=column.split(" ", 1)[1], periodo=self.spec.periodo.name,
                           esperado=_show(wanted), **where)
            elif kind == "text" and c == cols.actividad:
                self.issue("nombre-modificado", esperado=_short(str(wanted), 80), **where)
            elif kind == "text" and c == cols.um and row.ao is not None:
                self.issue("unidad-modificada", esperado=str(wanted), **where)
            else:
                self.cell_changed(sheet, r, c, where["value"], cs, cols)

    # -- inputs ------------------------------------------------------------------------------------------------
    def read_input(self, sheet: str, r: int, c: int, cell: Any, key: str, cs: CellSpec, column: str,
                   covered: set[tuple[int, int]]) -> None:
        """One input cell into ``self.out``; ``key``: the AO code, or ``kind:rubro`` for a budget line."""
        self.out.locations[(key, cs.field)] = (sheet, r, c)
        kind, idx = parse_field(cs.field) or ("", -1)
        where: dict[str, Any] = {"sheet": sheet, "r": r, "c": c, "column": column}
        if (r, c) in covered:  # a merged cell: its own issue says so, nothing is taken
            ok = False
        elif kind == FIELD_JUSTIFICACION:
            text = self.read_text(cell, where)
            ok = text is not None
            if text is not None:
                self.out.justificacion.setdefault(key, {})[idx] = text
        else:
            ok, value = self.read_quantity(cell, "S/" if kind == FIELD_EJECUCION else cs.unit, where)
            if ok and kind == FIELD_EJECUTADO:
                scale = rules.typed_scale(cs.unit)  # typed as a percentage, kept as the plan means it
                self.out.ejecutado.setdefault(key, {})[idx] = value if value is None or scale == 1 else value / scale
            elif ok and kind == FIELD_EJECUCION:
                budget, rubro = key.split(":", 1)
                self.out.presupuesto[budget].setdefault(rubro, {})[idx] = value
        if not ok:
            self.out.bad.add((key, cs.field))

    def read_quantity(self, cell: Any, unit: str, where: dict[str, Any]) -> tuple[bool, Decimal | None]:
        """(accepted, value): value None for a blank cell; ``where`` names the cell in its issues."""
        if cell is None:
            return True, None
        value = cell.value

        def refuse(code: str, **params: Any) -> tuple[bool, None]:
            self.issue(code, **where, **params)
            return False, None

        if cell.data_type == "f":
            return refuse("formula-en-entrada", value=str(value))
        if _blank(value):
            return True, None
        if isinstance(value, bool):
            return refuse("valor-booleano", value=_show(value))
        if isinstance(value, (datetime, date, time, timedelta)):
            return refuse("valor-fecha", value=str(value))
        if cell.data_type == "e":
            return refuse("valor-error", value=str(value))
        pct_unit = rules.is_percent_unit(unit)
        number: Decimal | None
        if isinstance(value, (int, float, Decimal)):
            number = _decimal(value)
            if number is None:
                return refuse("valor-no-finito", value=str(value))
            if "%" in str(cell.number_format or "").replace('"%"', "").replace("\\%", ""):
                return refuse("formato-porcentaje", value=_show(number), mostrado=f"{_show(number * 100)} %",
                              unidad=unit)
        elif isinstance(value, str):
            parsed = parse_number_text(value)
            if parsed.ambiguous is not None:
                return refuse("numero-ambiguo", value=value, lectura_a=parsed.ambiguous[0],
                              lectura_b=parsed.ambiguous[1])
            if parsed.value is None:
                return refuse("valor-no-numerico", value=value)
            number = parsed.value
            if parsed.percent:
                if not pct_unit:
                    return refuse("porcentaje-en-unidad-no-porcentual", value=value, unidad=unit)
                self.issue("porcentaje-convertido", value=value, leido=_show(number), unidad=unit, **where)
            else:
                self.issue("numero-como-texto", value=value, leido=_show(number), lectura=parsed.how, **where)
        else:
            return refuse("valor-no-numerico", value=_show(value))
        if number < 0:
            return refuse("valor-negativo", value=_show(number))
        if not rules.within_excel(number):
            return refuse("valor-fuera-de-rango", value=_show(number))
        if pct_unit and number > 100:
            return refuse("porcentaje-fuera-de-rango", value=_show(number), unidad=unit)
        return True, number

    def read_text(self, cell: Any, where: dict[str, Any]) -> str | None:
        if cell is None:
            return ""
        value = cell.value
        if cell.data_type == "f":
            self.issue("formula-en-entrada", value=str(value), **where)
            return None
        if value is None:
            return ""
        if cell.data_type == "e":
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
        if (n := utf16_len(cleaned)) > MAX_TEXT:  # as Excel counts: a character above U+FFFF is two
            self.issue("texto-demasiado-largo", value=cleaned[:60] + "…", n=n, **where)
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
        covered = self.merged(ws)
        headers = budget_headers(self.spec)
        table = self.table(ws, BUDGET_HEADER_ROW, headers, budget_title_cells(self.spec, kind))
        if table is None:
            return
        header_r, by_row = table
        wanted: dict[str, list[tuple[int, LineaPresupuesto]]] = {}
        for k, line in enumerate(lines):
            wanted.setdefault(line.rubro, []).append((k, line))
        found_lines: list[tuple[int, LineaPresupuesto]] = []  # (row, line)
        total_r: int | None = None
        displaced: int | None = header_r if header_r != BUDGET_HEADER_ROW else None
        for r in sorted(by_row):
            row = by_row[r]
            if all(_blank(cell.value) for cell in row.values()):
                continue
            key_cell = row.get(0)
            key = key_cell.value if key_cell is not None else None
            if isinstance(key, str) and key == L.TOTAL_LABEL and total_r is None:
                total_r = r
            elif isinstance(key, str) and wanted.get(key) and total_r is None:
                k, line = wanted[key].pop(0)
                found_lines.append((r, line))
                if r != BUDGET_HEADER_ROW + 1 + k and displaced is None:
                    displaced = r
            else:
                for c, cell in sorted(row.items()):
                    if not _blank(cell.value):
                        self.cell_changed(sheet, r, c, _cell_text(cell), None, None)
        for rest in wanted.values():
            for k, line in rest:
                self.issue("rubro-faltante", sheet=sheet, r=BUDGET_HEADER_ROW + 1 + k, c=0, value=line.rubro)
        if displaced is not None:
            self.issue("filas-desplazadas", sheet=sheet, r=displaced, c=0)
        self.out.presupuesto.setdefault(kind, {})
        for r, line in found_lines:
            want = budget_line_cells(self.spec, line, r)
            row = by_row[r]
            for c in sorted(set(want) | set(row)):
                cs = want.get(c)
                column = headers[c] if c < len(headers) else ""
                if cs is not None and cs.kind == "input":
                    self.read_input(sheet, r, c, row.get(c), f"{kind}:{line.rubro}", cs, column, covered)
                else:
                    self.budget_cell(sheet, r, c, row.get(c), cs, column)
        if total_r is None:
            self.issue("celda-modificada", sheet=sheet, r=header_r + 1 + len(lines), c=0, value="(fila eliminada)",
                       esperado=L.TOTAL_LABEL)
            return
        want_total = budget_total_cells(self.spec, lines, header_r + 1, total_r)
        row = by_row.get(total_r, {})
        for c in sorted(set(want_total) | set(row)):
            self.budget_cell(sheet, total_r, c, row.get(c), want_total.get(c), headers[c] if c < len(headers) else "")

    def budget_cell(self, sheet: str, r: int, c: int, cell: Any, cs: CellSpec | None, column: str) -> None:
        if _matches(cell, cs):
            return
        if cs is not None and cs.kind == "formula":
            self.issue("formula-modificada", sheet=sheet, r=r, c=c, value=_cell_text(cell), column=column)
        elif cs is not None and cs.kind == "number":
            self.issue("presupuesto-modificado", sheet=sheet, r=r, c=c, value=_cell_text(cell), column=column,
                       columna=column, esperado=_show(cs.value))
        else:
            self.cell_changed(sheet, r, c, _cell_text(cell), cs, None)


def _matches(cell: Any, cs: CellSpec | None) -> bool:
    """A cell (None: absent) is what the layout wrote there: nothing, the formula, the number or the text."""
    if cs is None:
        return cell is None or (_blank(cell.value) and cell.data_type != "f")
    if cell is None or (cell.data_type == "f") != (cs.kind == "formula"):
        return False
    value = cell.value
    if cs.kind == "formula" and value != cs.value:  # applications re-save formulas slightly differently
        found, wanted = (re.sub(r"[\s$']", "", str(v).lstrip("=")).upper() for v in (value, cs.value))
        return found == wanted  # without '=', '$', spaces, case and the quotes around a sheet's name
    return (_decimal(value) if cs.kind == "number" and type(value) is not int else value) == cs.value


def _cell_text(cell: Any) -> str:
    if cell is None:
        return "(vacío)"
    return str(cell.value) if cell.data_type == "f" else _show(cell.value)


def read_values(wb: Book, manifest: Manifest, file: str) -> OfficeValues:
    """Check every sheet against what the manifest says was written and read the inputs that pass."""
    return _SheetReader(wb, manifest, file).run()


__all__ = ["OfficeValues", "read_values"]
