"""The plan workbook's sheets, headers and bounds: what its writer and its reader share."""

from __future__ import annotations

from typing import Any

from zedxl.fmt import match_key
from zedxl.model import INDICATOR_POINTS
from zedxl.periods import Periodicity, base_labels
from zedxl.xlsx import layout as L

SHEET_INSTRUCCIONES = "Instrucciones"
SHEET_ENTIDAD = "Entidad"
SHEET_INSTANCIAS = "Instancias"
SHEET_PLAN = "Plan"
SHEET_PRESUPUESTO = "Presupuesto"
SHEET_NARRATIVA = "Narrativa"
SHEET_REPROGRAMACIONES = "Reprogramaciones"

H_NIVEL, H_CODIGO, H_NOMBRE, H_UNIDAD, H_INSTANCIA = "Nivel", "Código", "Nombre", "Unidad (U.M.)", "Instancia"
H_INDICADOR, H_META = "Indicador", "Meta anual"
H_TIPO, H_RUBRO, H_PIA, H_PIM = "Tipo", "Rubro", "PIA", "PIM"
H_CLAVE, H_SECCION, H_TEXTO = "Clave", "Sección", "Texto"
H_PIM_AO = "PIM AO"
H_AO, H_FECHA, H_PERIODO, H_NUEVO, H_JUSTIFICACION, H_DOCUMENTO = (
    "Código AO", "Fecha", "Periodo", "Nuevo valor", "Justificación", "Documento")
REPROGRAMACION_HEADERS = (H_AO, H_FECHA, H_PERIODO, H_NUEVO, H_JUSTIFICACION, H_DOCUMENTO)
LEVELS = ("OEI", "AEI", "AO")
BUDGET_KINDS = ("Ingresos", "Gastos")
EXAMPLE_MARK = "(ejemplo)"
#: the Entidad sheet's rows: key of the plan → label (the master's Parámetros labels)
ENTIDAD_KEYS = ("entidad", "sigla", "anio", "periodicidad", "responsable_presupuesto", "tope_avance",
                "avance_sin_meta", "verde", "amarillo")

#: Bounds of a plan workbook: a real one is a few hundred KB and some thousand rows.
MAX_BOOK_BYTES = 20 * 2**20
MAX_UNZIPPED_BYTES = 400 * 2**20
MAX_ROWS = 100_000
MAX_COLS = 300

HEADER_ROW = {SHEET_ENTIDAD: 2, SHEET_INSTANCIAS: 2, SHEET_PLAN: 3, SHEET_PRESUPUESTO: 2, SHEET_NARRATIVA: 2,
               SHEET_REPROGRAMACIONES: 2}
VALIDATION_ROWS = 5000  # rows below the header that get the lists and number checks
BLANK_ROWS = {SHEET_INSTANCIAS: 20, SHEET_PLAN: 150, SHEET_PRESUPUESTO: 20, SHEET_NARRATIVA: 5,
               SHEET_REPROGRAMACIONES: 50}


# the per-period columns are named as in the master (zedxl.xlsx.layout), so a planner sees one vocabulary
prog_header, ejec_header, just_header = L.prog, L.ejec, L.justificacion


def indicator_header(point: str) -> str:
    return f"Ind. ejec. {point}"


acum_header, devengado_header = L.acum, L.devengado


def plan_headers(periodicidad: Periodicity) -> list[str]:
    labels = base_labels(periodicidad)
    return [H_NIVEL, H_CODIGO, H_NOMBRE, H_UNIDAD, H_INSTANCIA, H_INDICADOR, H_META,
            *map(indicator_header, INDICATOR_POINTS), *map(prog_header, labels), *map(ejec_header, labels),
            *map(just_header, labels), H_PIM_AO, *map(devengado_header, labels)]


def budget_headers(periodicidad: Periodicity) -> list[str]:
    return [H_TIPO, H_RUBRO, H_PIA, H_PIM, *map(acum_header, base_labels(periodicidad))]


normalized = match_key  # (headers and labels of the plan workbook are matched as everywhere else)


# -- writing ------------------------------------------------------------------------------------------------------

EXAMPLE_PLAN = (  # Nivel, Código, Nombre, Unidad, Instancia, Indicador, Meta anual
    ("OEI", "OEI.01", "Promover el fortalecimiento de capacidades logísticas en la región",
     "Acciones", "", "Número de acciones de mejora en las capacidades logísticas", 2),
    ("AEI", "AEI.01.01", "Acciones para el fortalecimiento como polo de desarrollo descentralizado",
     "Eventos", "", "Número de eventos en que se aborda el rol de la entidad", 3),
    ("AO", "AOI00091400117", "Participación en eventos que proyecten a la entidad como herramienta de desarrollo",
     "Eventos", "DPD", "", None),
)
EXAMPLE_BUDGET = ("Gastos", "Bienes y Servicios", 1500000, 1520000)

Row = tuple[Any, ...]
