"""The master workbook's layout: sheet names, column headers and where each value lives.

Writer and reader share this module so the layout is defined once. Readers find columns by header text, never by
position, so a planner may insert columns or rows without breaking ``recompute``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zedxl.a1 import clean_sheet_name
from zedxl.model import Plan
from zedxl.periods import Periodicity, base_labels

SHEET_TABLERO = "Tablero"  # headline figures and charts over the master's own cells (zedxl.xlsx.dashboard)
SHEET_RESUMEN = "Resumen"
SHEET_INGRESOS = "Ingresos"
SHEET_GASTOS = "Gastos"
SHEET_PARAMS = "Parámetros"
SHEET_NARRATIVA = "Narrativa"
SHEET_PANEL = "Panel"  # the .xlsm master's buttons (zedxl.vba.panel)
SHEET_OBSERVACIONES = "Observaciones"  # what the Panel's buttons found (zedxl.excel)
SHEET_REPROGRAMACIONES = "Reprogramaciones"  # every change to the programming (zedxl.reprogramming)
REPROG_HEADER_ROW = 3
# very hidden: every OEI, AEI, AO and budget line the master was written with (zedxl.structure), one per row; a
# sheet is kept by Excel's and LibreOffice's saves and read like the rest of the master (the Panel's buttons too)
SHEET_ESTRUCTURA = "_zedxl_estructura"
ESTRUCTURA_HEADERS = ("Nivel", "Código", "Superior", "Hoja", "Instancia", "Nombre")

HEADER_ROW = 4  # zero-based row of the OEI sheets' header (Excel row 5)
FIRST_DATA_ROW = HEADER_ROW + 1

H_CODIGO = "Código"
H_DESCRIPCION = "Descripción"
H_INDICADOR = "Indicador"
H_UM = "U.M."
H_INSTANCIA = "Instancia"
H_JUSTIFICACION = "Justificación"  # of each base period: «Justificación T1» (a master before 1.2 had one column)

SEMESTER_POINTS = ("S1", "S2")

# Defined names of the rule cells on the Parámetros sheet
NAME_TOPE = "ZX_TOPE"
NAME_SIN_META = "ZX_SIN_META"
NAME_VERDE = "ZX_VERDE"
NAME_AMARILLO = "ZX_AMARILLO"
#: «Hasta»: the last base period (1-based) with any executed value, a formula over the OEI sheets
#: (rules.reported_through); the rows below it count the AO with an executed value per base period
NAME_HASTA = "ZX_HASTA"
HASTA_LABEL = "Evaluado hasta (último periodo con ejecutado reportado; 0 = ninguno)"
HASTA_TABLE_HEADER = "Periodo"
HASTA_TABLE_COUNT = "AO con ejecutado reportado"

PARAM_LABELS = {
    "entidad": "Entidad",
    "sigla": "Sigla",
    "anio": "Año",
    "periodicidad": "Periodicidad",
    "responsable_presupuesto": "Instancia que reporta el presupuesto",
    "version": "Versión de plantilla zedxl",
    "tope_avance": "Tope de avance de una AO (%) (vacío = sin tope)",
    "avance_sin_meta": "Avance de una AO sin meta programada (%)",
    "verde": "Semáforo verde desde (%)",
    "amarillo": "Semáforo amarillo desde (%)",
}
RULE_NAMES = {"tope_avance": NAME_TOPE, "avance_sin_meta": NAME_SIN_META, "verde": NAME_VERDE,
              "amarillo": NAME_AMARILLO}
INSTANCIAS_HEADER = "Instancias (código y nombre)"

NARRATIVA_FIELDS = {
    "titulo": "Título del informe (vacío: «Informe de Evaluación Semestral», «… Anual»…)",
    "fecha_informe": "Fecha del informe, dd/mm/aaaa (vacío: la de hoy; --fecha la reemplaza)",
    "oficina_responsable": "Oficina responsable del informe (portada y firmas)",
    "logo": "Logo de la entidad: ruta de una imagen PNG o JPG (relativa a la carpeta del maestro)",
    "periodo_pei": "Período del PEI, p. ej. 2024-2026 (Orientaciones del PEI y Anexo 01)",
    "presentacion": "I. Presentación de la entidad: naturaleza, adscripción y objeto",
    "pei": "I. Aprobación del PEI (resolución) y objetivos que prioriza",
    "problematica": "1.1 Problemática identificada",
    "logros": "1.2 Principales acciones desplegadas y logros alcanzados",
    "orientaciones": "1.2 Orientaciones centrales del PEI",
    "antecedentes_presupuesto": "1.4 Presupuesto: antecedentes (fuentes de financiamiento, PIA)",
    "comentario_ingresos": "1.4 Comentario de la ejecución de ingresos, un párrafo por rubro",
    "comentario_egresos": "1.4 Comentario de la ejecución de egresos",
    "medidas": "2.2 Medidas adoptadas para la mejora continua",
    "firmas": "Firmas al pie del informe: una por línea, «Nombre | Cargo»",
}
#: Narrativa fields that hold one line (a date, a path, a name), not paragraphs.
NARRATIVA_SHORT = frozenset(("titulo", "fecha_informe", "oficina_responsable", "logo", "periodo_pei"))

BUDGET_HEADERS = ("Rubro", "PIA", "PIM", "PIM − PIA", "Ejecución", "% Avance vs PIM")
"""The budget sheet's first columns; then the execution accumulated at the close of each base period (``acum``, the
inputs) and what was executed within each (``en_periodo``, derived). «Ejecución» is each line's latest accumulated
figure (a master before 1.2 had it as the input)."""
BUDGET_HEADER_ROW = 3
TOTAL_LABEL = "Total"
SIN_SALDOS_LABEL = "% de avance sin rubros sin PIM (sin Saldos de Balance)"


def prog(label: str) -> str:
    return f"Prog. {label}"


def ejec(label: str) -> str:
    return f"Ejec. {label}"


def justificacion(label: str) -> str:
    return f"{H_JUSTIFICACION} {label}"


def original(label: str) -> str:
    """The programming before any reprogramación (a collapsed column group after the justifications)."""
    return f"Prog. original {label}"


H_PIM = "PIM de la AO (S/)"
H_AVANCE_FIN = "Avance financiero (%)"


def devengado(label: str) -> str:
    return f"Devengado {label}"


def acum(label: str) -> str:
    return f"Ejec. acum. {label}"


def en_periodo(label: str) -> str:
    return f"Ejecutado en {label}"


def budget_headers(periodicity: Periodicity) -> tuple[str, ...]:
    labels = base_labels(periodicity)
    return (*BUDGET_HEADERS, *(acum(x) for x in labels), *(en_periodo(x) for x in labels))


def avance(label: str) -> str:
    return f"Avance {label} (%)" if label != "Anual" else "Avance anual (%)"


def estado(label: str) -> str:
    return f"Estado {label}" if label != "Anual" else "Estado anual"


@dataclass(frozen=True)
class OEIColumns:
    """Zero-based column index of every header of an OEI sheet, for one periodicity."""

    headers: tuple[str, ...]

    def __getitem__(self, header: str) -> int:
        return self.headers.index(header)

    @classmethod
    def for_plan(cls, plan: Plan) -> OEIColumns:
        return cls.for_periodicity(plan.periodicidad, financiero=plan.financiero)

    @classmethod
    def for_periodicity(cls, periodicity: Periodicity, *, financiero: bool = False) -> OEIColumns:
        """The columns; ``financiero``: with each AO's PIM, devengado per period and avance financiero at the end
        (only when the plan carries them)."""
        labels = base_labels(periodicity)
        headers = [H_CODIGO, H_DESCRIPCION, H_INDICADOR, H_UM, H_INSTANCIA]
        headers += [prog(x) for x in labels] + [prog("Anual")]
        headers += [ejec(x) for x in labels] + [ejec("Anual")]
        for s in SEMESTER_POINTS:
            headers += [prog(s), ejec(s), avance(s), estado(s)]
        headers += [avance("Anual"), estado("Anual")] + [justificacion(x) for x in labels]
        headers += [original(x) for x in labels]
        if financiero:
            headers += [H_PIM, *(devengado(x) for x in labels), devengado("Anual"), H_AVANCE_FIN]
        return cls(tuple(headers))


#: names an OEI sheet never takes: the other sheets of the master and of an office workbook («History» is Excel's)
RESERVED_SHEETS = frozenset(name.casefold() for name in (
    SHEET_TABLERO, SHEET_RESUMEN, SHEET_INGRESOS, SHEET_GASTOS, SHEET_PARAMS, SHEET_NARRATIVA, SHEET_PANEL,
    SHEET_OBSERVACIONES, SHEET_ESTRUCTURA, SHEET_REPROGRAMACIONES, "Instrucciones", "_zedxl", "History"))


def oei_sheet_names(codes: Sequence[str]) -> dict[str, str]:
    """The sheet of each OEI code: the code itself where Excel allows it, else a valid name made from it (31
    characters, no []:*?/\\), numbered when two codes would share one (Excel compares names ignoring case)."""
    return dict(_sheet_names(tuple(codes)))


@functools.lru_cache(maxsize=8)  # (asked for once per AO row by some writers)
def _sheet_names(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    taken = set(RESERVED_SHEETS)
    out: list[tuple[str, str]] = []
    for code in codes:
        base = name = clean_sheet_name(code)
        k = 1
        while name.casefold() in taken:
            k += 1
            suffix = f" ({k})"
            name = base[:31 - len(suffix)] + suffix
        taken.add(name.casefold())
        out.append((code, name))
    return tuple(out)


def sheet_of(plan: Plan) -> Callable[[str], str]:
    """``sheet_of(plan)(oei_code)``: the sheet of an OEI of ``plan`` (the same in the master and office workbooks)."""
    return oei_sheet_names([o.codigo for o in plan.objetivos]).__getitem__
