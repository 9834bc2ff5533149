"""The ``export`` verb: the master's facts as Parquet tables, for roll-ups of many entities (DuckDB, Polars, pandas).

Two files per master, named so that the exports of many entities can sit in one folder and be read together
(``read_parquet('carpeta/hechos-*.parquet')``):

* ``hechos-<SIGLA>-<AÑO>.parquet``: one row per AO and base period (month or quarter): entidad, sigla, anio,
  periodicidad, periodo (``2025-T1``, ``2025-03``), OEI, AEI, AO (codes and names), instancia, unidad, programado,
  ejecutado (null when not reported), avance (%, with the plan's cap and «sin meta» rule), estado (a period after
  the last one reported is «en curso»: ``rules.measure``) and the office's justificacion of that period (null when
  there is none).
* ``presupuesto-<SIGLA>-<AÑO>.parquet``: one row per budget line and base period: tipo (ingresos/gastos), rubro,
  periodo, PIA, PIM, ejecucion_acumulada (at the close of the period), ejecucion_periodo (within it) and avance (%
  of PIM, accumulated); null where not reported.

Quantities are float64 (what analytical engines sum fast); the master keeps the exact decimal values.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from zedxl import rules
from zedxl.model import Plan
from zedxl.periods import base_periods
from zedxl.xlsx.master_read import read_master
from zedxl.xlsx.office_layout import ascii_token

FACT_COLUMNS = ("entidad", "sigla", "anio", "periodicidad", "periodo", "periodo_indice", "oei", "oei_nombre", "aei",
                "aei_nombre", "ao", "ao_nombre", "instancia", "unidad", "programado", "ejecutado", "avance", "estado",
                "justificacion")
BUDGET_COLUMNS = ("entidad", "sigla", "anio", "tipo", "rubro", "periodo", "periodo_indice", "pia", "pim",
                  "ejecucion_acumulada", "ejecucion_periodo", "avance")


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def fact_rows(plan: Plan) -> dict[str, list[Any]]:
    """The facts table as columns (name → values), one row per AO and base period."""
    cols: dict[str, list[Any]] = {c: [] for c in FACT_COLUMNS}
    period_labels = [p.label for p in base_periods(plan.anio, plan.periodicidad)]
    hasta = rules.reported_through(plan)  # a period after it is «en curso», not «sin reporte»
    for oei in plan.objetivos:
        for aei in oei.acciones:
            for ao in aei.actividades:
                for i, label in enumerate(period_labels):
                    m = rules.measure(ao.programado, ao.ejecutado, i, i + 1, hasta, plan.reglas)
                    row = (plan.entidad, plan.sigla, plan.anio, plan.periodicidad, label, i, oei.codigo, oei.nombre,
                           aei.codigo, aei.nombre, ao.codigo, ao.nombre, ao.instancia, ao.unidad,
                           float(m.programado), _f(m.ejecutado), _f(m.avance), m.estado, ao.justificacion[i] or None)
                    for name, value in zip(FACT_COLUMNS, row, strict=True):
                        cols[name].append(value)
    return cols


def budget_rows(plan: Plan) -> dict[str, list[Any]]:
    """The budget table as columns, one row per line and base period."""
    cols: dict[str, list[Any]] = {c: [] for c in BUDGET_COLUMNS}
    period_labels = [p.label for p in base_periods(plan.anio, plan.periodicidad)]
    for tipo, lines in (("ingresos", plan.presupuesto.ingresos), ("gastos", plan.presupuesto.gastos)):
        for line in lines:
            for i, label in enumerate(period_labels):
                row = (plan.entidad, plan.sigla, plan.anio, tipo, line.rubro, label, i, _f(line.pia), _f(line.pim),
                       _f(line.ejecucion_al(i + 1)), _f(line.ejecucion_en(i)), _f(rules.budget_pct(line, i + 1)))
                for name, value in zip(BUDGET_COLUMNS, row, strict=True):
                    cols[name].append(value)
    return cols


def _schema(kind: str) -> Any:
    import pyarrow as pa

    text, f64, i32 = pa.string(), pa.float64(), pa.int32()
    if kind == "hechos":
        types = [text, text, i32, text, text, i32, *[text] * 8, f64, f64, f64, text, text]
        return pa.schema(list(zip(FACT_COLUMNS, types, strict=True)))
    return pa.schema(list(zip(BUDGET_COLUMNS, [text, text, i32, text, text, text, i32, *[f64] * 5], strict=True)))


def export_parquet(master: Path, outdir: Path) -> list[Path]:
    """Read ``master`` (only read) and write its facts and budget as Parquet in ``outdir``; returns the two files.

    Raises:
        WorkbookError: the master cannot be read.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    plan = read_master(Path(master)).plan
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    stem = f"{ascii_token(plan.sigla) or 'POI'}-{plan.anio}"
    out = []
    for kind, cols in (("hechos", fact_rows(plan)), ("presupuesto", budget_rows(plan))):
        path = outdir / f"{kind}-{stem}.parquet"
        pq.write_table(pa.table(cols, schema=_schema(kind)), path, compression="zstd")
        out.append(path)
    return out


__all__ = ["BUDGET_COLUMNS", "FACT_COLUMNS", "export_parquet"]
