"""The plan as a workbook: the template a planner types (``zedxl plantilla-plan``), a plan written out
(``zedxl new --exportar-plan``) and the reader that turns either into the raw mapping a YAML plan gives, so every
check of ``zedxl.plan.plan_from_dict`` and its messages are shared; each problem names its sheet and cell.

Layout (headers and labels are found by text, case and accents aside, never by position; blank rows are skipped):

- ``Instrucciones``: how to fill the workbook, in Spanish (never read).
- ``Entidad``: one row per datum, label in column A and value in B (entity, sigla, year, periodicity, the office
  that reports the budget, the computation rules); the labels are the master's ``Parámetros`` ones.
- ``Instancias``: «Código», «Nombre».
- ``Plan``: one row per OEI, AEI or AO, in plan order: an AEI belongs to the OEI above it, an AO to the AEI above
  it. Columns «Nivel», «Código», «Nombre», «Unidad (U.M.)» (an AO's unit; on an OEI/AEI row its indicator's),
  «Instancia», «Indicador», «Meta anual», «Ind. ejec. S1/S2/Anual», then per base period «Prog. T1»…, «Ejec. T1»…,
  «Justificación T1»… (months: Ene … Dic), «PIM AO», «Devengado T1»…. «Prog.» is the programming before any
  reprogramación; a blank programmed cell is 0, a blank executed one is not reported.
- ``Reprogramaciones``: «Código AO», «Fecha», «Periodo», «Nuevo valor», «Justificación», «Documento»: one row per
  period changed; the rows of one AO and one date are one reprogramación (its justification typed once is enough).
- ``Presupuesto``: «Tipo» (Ingresos/Gastos), «Rubro», «PIA», «PIM», «Ejec. acum. T1»… (accumulated at the close of
  each base period, as SIAF gives it).
- ``Narrativa``: «Clave», «Sección» (not read), «Texto».

The template's example rows say «(ejemplo)» in their first column and are ignored while they keep the example's
code; one typed over without changing that mark is refused, so an example never ends up in a plan.
Every text goes to its cell through ``write_string`` with ``strings_to_formulas`` off (``zedxl.xlsx.text``): a name
beginning with «=» stays text.
"""

from zedxl.planbook.layout import MAX_ROWS, normalized
from zedxl.planbook.read import read_plan_workbook
from zedxl.planbook.write import write_plan_template, write_plan_workbook

__all__ = ["MAX_ROWS", "normalized", "read_plan_workbook", "write_plan_template", "write_plan_workbook"]
