"""The ``report`` verb: the *Informe de Evaluación* (.docx, optional PDF) or the *Reporte de seguimiento* (.xlsx).

``content`` says what the report shows (numbers from ``evaluation.evaluate``, Spanish sentences); ``charts``,
``docx_writer`` and ``xlsx_writer`` lay it out.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from zedxl.errors import ToolMissingError, ZedxlError
from zedxl.fsutil import atomic_write, ensure_not_open
from zedxl.model import Plan
from zedxl.periods import parse_period
from zedxl.report.content import ReportContent, build_content, report_date

__all__ = ["FORMATOS", "ReportContent", "build_content", "default_output", "report", "report_plan"]

#: Output formats and the file extension each writes.
FORMATOS = {"docx": ".docx", "xlsx": ".xlsx"}


def default_output(master: Path, period: str, formato: str = "docx") -> Path:
    """Default file name next to the master: ``Informe_Evaluacion_POI_2025-S1.docx`` or ``Reporte_…xlsx``."""
    stem = "Informe_Evaluacion_POI" if formato == "docx" else "Reporte_Seguimiento_POI"
    label = period.strip().replace(" ", "")
    return Path(master).resolve().parent / f"{stem}_{label}{FORMATOS.get(formato, '.' + formato)}"


def _check_output(out: Path, formato: str) -> Path:
    if formato not in FORMATOS:
        raise ZedxlError(f"Formato «{formato}» no válido: use {' o '.join(FORMATOS)}.")
    out = Path(out)
    if out.suffix.lower() != FORMATOS[formato]:
        raise ZedxlError(
            f"El archivo de salida «{out.name}» debe tener extensión {FORMATOS[formato]} para el formato "
            f"{formato}."
        )
    return out


def _logo(plan: Plan, folder: Path | None) -> Path | None:
    """The Narrativa's «logo» as a path (relative to ``folder``, the master's); None when not given."""
    text = (plan.narrativa.get("logo") or "").strip().strip('"')
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute() and folder is not None:
        path = folder / path
    if not path.is_file():
        raise ZedxlError(f"No se encontró el logo «{path}» que indica la hoja Narrativa (campo «logo»). Escriba la "
                         "ruta de una imagen PNG o JPG, absoluta o relativa a la carpeta del maestro.")
    return path


def report_plan(plan: Plan, period: str, out: Path, *, pdf: bool = False, formato: str = "docx",
                fecha: _dt.date | None = None, borrador: bool = False, pendientes: list[str] | None = None,
                carpeta: Path | None = None) -> list[Path]:
    """Like ``report`` but from a ``Plan`` already in memory (what ``report`` does after reading the master);
    ``carpeta``: where a relative logo path starts (the master's folder; else the working one)."""
    out = _check_output(out, formato)
    if borrador and (pdf or formato != "docx"):
        raise ZedxlError("--borrador marca los textos pendientes en el Word; no se combina con --pdf ni con el "
                         "formato xlsx: el PDF es siempre la versión final, sin marcas.")
    per = parse_period(period, plan.anio, plan.periodicidad)
    content = build_content(plan, per, fecha)
    if pendientes is not None:
        pendientes.extend(content.pendientes())
    logo = _logo(plan, carpeta) if formato == "docx" else None
    out.parent.mkdir(parents=True, exist_ok=True)
    ensure_not_open(out, libro=False)
    if pdf:
        ensure_not_open(out.with_suffix(".pdf"), libro=False)
    if formato == "docx":
        from zedxl.report.docx_writer import write_docx

        atomic_write(out, lambda tmp: write_docx(content, tmp, borrador=borrador, logo=logo))
    else:
        from zedxl.report.xlsx_writer import write_xlsx

        atomic_write(out, lambda tmp: write_xlsx(content, tmp))
    if not pdf:
        return [out]
    from zedxl.libreoffice import export_pdf

    try:  # the contents page gets its page numbers from LibreOffice's layout before the export
        return [out, export_pdf(out, out.parent)]
    except ToolMissingError as e:
        raise ToolMissingError(f"Se escribió «{out.name}», pero no se pudo generar el PDF. {e}") from e


def report(master: Path, period: str, out: Path, *, pdf: bool = False, formato: str = "docx",
           fecha: _dt.date | None = None, borrador: bool = False, pendientes: list[str] | None = None) -> list[Path]:
    """Write the evaluation report of ``master`` for ``period``.

    Args:
        master: The master workbook to read.
        period: ``2025-S1``, ``2025-S2``, ``2025`` (annual), or a quarter/month label the plan has.
        out: The file to write; its extension must match ``formato``.
        pdf: Also write ``out`` converted to PDF next to it, through LibreOffice.
        formato: ``"docx"`` (*Informe de Evaluación*) or ``"xlsx"`` (*Reporte de seguimiento*, Anexos 01 and 02).
        fecha: Date printed on the cover and above the signatures; by default the Narrativa's «fecha_informe»,
            else today.
        borrador: Mark each text still to be written with a highlighted «[Pendiente: …]» (.docx only, no PDF);
            a final report (the default) shows none.
        pendientes: When given, every text still to be written is appended to it (``ReportContent.pendientes``),
            for the command's checklist.

    Returns:
        The files written: ``[out]`` or ``[out, pdf]``.

    Raises:
        ZedxlError: bad ``formato`` or extension, ``borrador`` with ``pdf``, unreadable master, bad period, a
            logo that cannot be read, or the output is open.
        PlanError: the Narrativa's «fecha_informe» is not a date.
        ToolMissingError: ``pdf=True`` and LibreOffice is missing (``out`` is written by then).
        zedxl.libreoffice.ConversionError: LibreOffice failed to convert.
    """
    from zedxl.xlsx.master_read import read_master

    _check_output(out, formato)
    plan = read_master(Path(master)).plan
    if fecha is None:
        fecha = report_date(plan, Path(master).name)  # a bad date named with the master's file
    return report_plan(plan, period, out, pdf=pdf, formato=formato, fecha=fecha, borrador=borrador,
                       pendientes=pendientes, carpeta=Path(master).resolve().parent)
