"""The Panel sheet of a macro-enabled master (.xlsm): four buttons, the cells they read, the embedded VBA project.

Layout (column A labels, column B values; rows are found by label, never by position):

* the buttons, each with a one-line description;
* ``Carpeta de retornos`` (default ``retornos``, relative to the workbook's folder), ``Reemplazar retornos`` (Sí/No,
  default No: the CLI's ``--reemplazar``) and ``Periodo del informe`` (empty: the latest semester with data), read by
  the Excel-side functions in ``zedxl.excel``;
* the xlwings version whose VBA is embedded, so a mismatch with the PC's Python package can be reported.

``add_panel`` writes it with XlsxWriter; ``read_panel`` (openpyxl) and ``panel_settings`` (any rows) read back what the
planner typed, so ``recompute`` and ``consolidate`` keep it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zedxl import __version__
from zedxl.model import Plan
from zedxl.vba.sources import BUTTONS, WORKBOOK_CODENAME, master_project
from zedxl.xlsx import layout as L

SHEET_PANEL = L.SHEET_PANEL
LABEL_CARPETA = "Carpeta de retornos"
LABEL_PERIODO = "Periodo del informe"
LABEL_REEMPLAZAR = "Reemplazar retornos"
LABEL_XLWINGS = "Versión de xlwings del libro"
LABEL_ZEDXL = "Versión de zedxl que escribió el libro"
LABEL_RESULTADO = "Resultado de la última acción"
FIRST_BUTTON_ROW = 3  # zero-based; one button every other row
DEFAULT_CARPETA = "retornos"
CODENAME_PREFIX = "Hoja"

DESCRIPTIONS = {
    "Recalcular": "Relee lo escrito en el maestro, recalcula avances, estados y totales, y actualiza el Resumen.",
    "Validar": "Revisa el maestro y los retornos de la carpeta indicada abajo, sin cambiar nada; anota los problemas "
               "en la hoja Observaciones, con un enlace a cada celda.",
    "Consolidar": "Incorpora al maestro los retornos válidos de la carpeta indicada abajo; los rechazados y sus "
                  "problemas quedan en la hoja Observaciones.",
    "GenerarInforme": "Escribe el Informe de Evaluación (.docx) del periodo indicado abajo, en la carpeta de este "
                      "libro.",
}


@dataclass(frozen=True)
class PanelSettings:
    """What the planner typed on the Panel: the returns folder, the report's period ("" = default), ``--reemplazar``."""

    carpeta: str = DEFAULT_CARPETA
    periodo: str = ""
    reemplazar: bool = False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _values(rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    """The Panel's values by label (label in column A, value in column B)."""
    return {_text(r[0]): (_text(r[1]) if len(r) > 1 else "") for r in rows if r}


def panel_settings(rows: Sequence[Sequence[Any]]) -> PanelSettings:
    """The settings found in the Panel's rows."""
    values = _values(rows)
    return PanelSettings(values.get(LABEL_CARPETA) or DEFAULT_CARPETA, values.get(LABEL_PERIODO, ""),
                         values.get(LABEL_REEMPLAZAR, "").lower() in ("sí", "si", "true", "verdadero"))


def recorded_xlwings_version(rows: Sequence[Sequence[Any]]) -> str:
    """The xlwings version the Panel says the workbook's VBA came from ("" when absent)."""
    return _values(rows).get(LABEL_XLWINGS, "")


def read_panel(path: Path) -> PanelSettings | None:
    """The Panel settings of an existing .xlsm (None when it has no Panel sheet or cannot be read)."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # an unreadable old file only loses its Panel settings; the write itself reports real errors
        return None
    try:
        if SHEET_PANEL not in wb.sheetnames:
            return None
        return panel_settings([tuple(r) for r in wb[SHEET_PANEL].iter_rows(values_only=True, max_col=2)])
    finally:
        wb.close()


def button_cell(index: int) -> str:
    """A1 reference of the cell under the ``index``-th button (xlwings Lite binds a sheet button to a cell)."""
    return f"A{FIRST_BUTTON_ROW + 2 * index + 1}"


def codename(index: int) -> str:
    """The VBA code name of the worksheet at ``index`` (zero-based): Hoja1, Hoja2…"""
    return f"{CODENAME_PREFIX}{index + 1}"


def add_panel(wb: Any, ws: Any, plan: Plan, settings: PanelSettings | None = None) -> str:
    """Fill the Panel worksheet ``ws`` and attach the VBA project to ``wb`` (an XlsxWriter workbook).

    Call it after every worksheet has been added: each gets its code name and its document module. Returns the
    xlwings version embedded.
    """
    settings = settings or PanelSettings()
    sheets = wb.worksheets()
    for i, sheet in enumerate(sheets):
        sheet.set_vba_name(codename(i))
    project, xlwings_version = master_project([codename(i) for i in range(len(sheets))])
    wb.add_vba_project(io.BytesIO(project.to_bytes()), is_stream=True)
    wb.set_vba_name(WORKBOOK_CODENAME)
    wb.set_custom_property("zedxl_xlwings_version", xlwings_version)

    title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E78"})
    note = wb.add_format({"italic": True, "font_size": 9, "font_color": "#595959", "text_wrap": True,
                          "valign": "top"})
    text = wb.add_format({"text_wrap": True, "valign": "vcenter", "font_size": 10})
    box = {"bg_color": "#F2F2F2", "border": 1, "border_color": "#BFBFBF", "valign": "vcenter"}
    label = wb.add_format({**box, "bold": True})
    value = wb.add_format({**box, "bg_color": "#FFF2CC", "locked": False})
    fixed = wb.add_format(box)
    header = wb.add_format({"bold": True, "font_color": "white", "bg_color": "#1F4E78"})

    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 96)
    ws.write_string(0, 0, f"Panel de zedxl · POI {plan.anio} – {plan.sigla}", title)
    ws.merge_range(1, 0, 1, 1, "Cada botón ejecuta zedxl en este libro abierto. Necesita Python con zedxl instalado en "
                   "este PC y las macros habilitadas (vea el README). Guarde el libro después de usarlos.", note)
    r = FIRST_BUTTON_ROW
    for b in BUTTONS:
        ws.set_row(r, 30)
        ws.insert_button(r, 0, {"macro": b.macro, "caption": b.caption, "width": 220, "height": 34,
                                "x_offset": 6, "y_offset": 3})
        ws.write_string(r, 1, DESCRIPTIONS[b.macro], text)
        r += 2
    ws.set_row(r, 30)
    ws.write_string(r, 0, LABEL_RESULTADO, label)
    ws.write_string(r, 1, "", wb.add_format({**box, "text_wrap": True, "font_size": 10}))
    r += 2
    ws.write_string(r, 0, "Datos que usan los botones", header)
    ws.write_string(r, 1, "", header)
    for row, (name, text, fmt) in {r + 1: (LABEL_CARPETA, settings.carpeta, value),
                                   r + 2: (LABEL_REEMPLAZAR, "Sí" if settings.reemplazar else "No", value),
                                   r + 3: (LABEL_PERIODO, settings.periodo, value),
                                   r + 6: (LABEL_XLWINGS, xlwings_version, fixed),
                                   r + 7: (LABEL_ZEDXL, __version__, fixed)}.items():
        ws.write_string(row, 0, name, label)
        ws.write_string(row, 1, text, fmt)
    ws.data_validation(r + 2, 1, r + 2, 1, {"validate": "list", "source": ["Sí", "No"]})
    ws.merge_range(r + 4, 0, r + 4, 1, "Carpeta: relativa a la carpeta de este libro, o una ruta completa. "
                   "Reemplazar: con «Sí», de dos retornos de la misma oficina y periodo se consolida el más reciente; "
                   f"con «No», no se consolida nada. Periodo: {plan.anio}-S1, {plan.anio}-S2, {plan.anio}, "
                   f"{plan.anio}-T1…; vacío = el último semestre con datos.", note)
    ws.set_row(r + 4, 40)
    ws.merge_range(r + 8, 0, r + 8, 1, "Las macros de este libro llaman a xlwings; el paquete xlwings del PC debe "
                   "tener la misma versión. Si no coincide, ejecute «zedxl recompute» sobre este libro cerrado para "
                   "volver a escribir sus macros. Si Excel dice que bloqueó las macros: cierre el libro, clic "
                   "derecho en el archivo → Propiedades → marque «Desbloquear» → Aceptar.", note)
    ws.set_row(r + 8, 40)
    ws.hide_gridlines(2)
    return xlwings_version
