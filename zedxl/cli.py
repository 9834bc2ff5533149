"""Command-line interface (Spanish): ``zedxl new|plantilla-plan|recompute|reprogramar|split|validate|consolidate|…``.

Exit codes: 0 ok, 1 problems found in the data, 2 usage or file errors, 130 interrupted (Ctrl+C).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from zedxl import __version__
from zedxl.errors import ZedxlError
from zedxl.fmt import printable, valid_text


class _Parser(argparse.ArgumentParser):
    """ArgumentParser with Spanish headings and error messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumentos"
        self._optionals.title = "opciones"
        self.add_argument("-h", "--help", action="help", help="muestra esta ayuda y termina")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "uso:", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "uso:", 1)

    def error(self, message: str) -> NoReturn:
        translations = {
            "the following arguments are required": "faltan los argumentos",
            "unrecognized arguments": "argumentos no reconocidos",
            "invalid choice": "opción no válida",
            "expected one argument": "se esperaba un valor",
            "not allowed with argument": "no se puede usar con",
            "argument --": "argumento --",
        }
        for en, es in translations.items():
            message = message.replace(en, es)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _console() -> Any:
    from rich.console import Console

    # a pipe or a file gets a fixed, wide layout instead of rich's 80-column default
    return Console(highlight=False, width=None if sys.stdout.isatty() else 132)


def positive_int(text: str) -> int:
    """``argparse`` type of ``--procesos``: a whole number ≥ 1, with a Spanish message otherwise."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"«{text}» no es un número entero de procesos (1 o más)")
    return value


def cmd_new(args: argparse.Namespace) -> int:
    from zedxl.new import new
    from zedxl.plan import plan_avisos

    exportar = Path(args.exportar_plan) if args.exportar_plan else None
    plan = new(Path(args.plan), Path(args.output), overwrite=args.sobrescribir, sin_ejecutado=args.sin_ejecutado,
               exportar=exportar)
    for aviso in plan_avisos(plan):
        print(f"Aviso: {aviso}", file=sys.stderr)
    n_ao = sum(1 for _ in plan.actividades())
    print(f"Maestro creado: {args.output} ({len(plan.objetivos)} OEI, {sum(1 for _ in plan.acciones())} AEI, "
          f"{n_ao} AO, {len(plan.instancias)} instancias).")
    if exportar is not None:
        print(f"Plan exportado: {exportar}")
    return 0


def cmd_plantilla_plan(args: argparse.Namespace) -> int:
    from zedxl.fsutil import atomic_write, ensure_not_open
    from zedxl.planbook import write_plan_template

    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise ZedxlError(f"La plantilla del plan debe tener extensión .xlsx (se indicó «{out.name}»).")
    if out.exists() and not args.sobrescribir:
        raise ZedxlError(f"Ya existe {out}. Use --sobrescribir para reemplazarlo.")
    ensure_not_open(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: write_plan_template(tmp, args.periodicidad))
    print(f"Plantilla del plan ({args.periodicidad}) escrita: {out}. Llénela y cree el maestro con "
          f"«zedxl new {out.name} -o maestro.xlsx».")
    return 0


def cmd_recompute(args: argparse.Namespace) -> int:
    from zedxl.recompute import recompute
    from zedxl.structure import removed_text

    result = recompute(Path(args.master), eliminar=args.eliminar, justificacion=args.justificacion,
                       documento=args.documento)
    for aviso in result.avisos:
        print(f"Aviso: {aviso}", file=sys.stderr)
    for i in result.issues:
        print(f"[{i.severity}] {i.code}: {i.message}", file=sys.stderr)
    if result.removed:
        print(f"Eliminado del maestro: {removed_text(result.removed)}.")
    print(f"Maestro recalculado: {args.master}" + (f" (respaldo: {result.backup})" if result.backup else ""))
    return 0


def cmd_reprogramar(args: argparse.Namespace) -> int:
    from zedxl.reprogramar import reprogramar

    result = reprogramar(Path(args.master), Path(args.cambios))
    for change in result.changes:
        print(f"{change.codigo} {change.campo}: {change.antes} → {change.despues}")
    print(f"Reprogramadas {len({c.codigo for c in result.changes})} AO ({len(result.changes)} periodos) en "
          f"{args.master}" + (f" (respaldo: {result.backup})" if result.backup else "") + ".")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from zedxl.summary import render_text, summary, to_json

    ev = summary(Path(args.master), args.periodo)
    if args.json:
        print(json.dumps(to_json(ev), ensure_ascii=False, indent=2))
    else:
        render_text(ev, _console())
    return 0


def cmd_split(args: argparse.Namespace) -> int:
    from zedxl.progress import progress_bar, wants_progress
    from zedxl.split import split

    with progress_bar("Escribiendo libros", enabled=wants_progress()) as bar:
        files = split(Path(args.master), args.periodo, Path(args.output), fecha_limite=args.fecha_limite,
                      instancias=args.instancias, procesos=args.procesos, progress=bar)
    for path in files:
        print(path)
    print(f"{len(files)} libro(s) de instancia escritos en {args.output}.")
    if files.skipped:
        print(f"Sin libro: {', '.join(files.skipped)}, que ya reportaron todos los meses de {args.periodo}.")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from zedxl.validate import validate_cli

    return validate_cli(args)


def cmd_consolidate(args: argparse.Namespace) -> int:
    from zedxl.consolidate import consolidate, render_text
    from zedxl.progress import progress_bar, wants_progress
    from zedxl.structure import REMOVED

    with progress_bar("Revisando retornos", enabled=wants_progress(args.json)) as bar:
        result = consolidate(Path(args.master), Path(args.carpeta), reemplazar=args.reemplazar,
                             procesos=args.procesos, progress=bar, eliminar=args.eliminar)
    if args.json:
        print(json.dumps(valid_text(result.to_json()), ensure_ascii=False, indent=2))
    else:
        removed = [c.codigo for c in result.changes if c.campo == REMOVED]
        if removed:
            more = f" y {len(removed) - 20} más" if len(removed) > 20 else ""
            print(f"Eliminado del maestro: {', '.join(map(printable, removed[:20]))}{more}.")
        for line in render_text(result):
            print(line)
    return 0 if result.ok else 1


def cmd_report(args: argparse.Namespace) -> int:
    from zedxl.plan import parse_date
    from zedxl.report import default_output, report

    fecha = None
    if args.fecha is not None:
        fecha = parse_date(args.fecha)
        if fecha is None:
            raise ZedxlError(f"--fecha «{args.fecha}» no es una fecha: escríbala como dd/mm/aaaa (p. ej. 15/08/2025).")
    out = Path(args.output) if args.output else default_output(Path(args.master), args.periodo, args.formato)
    pendientes: list[str] = []
    for path in report(Path(args.master), args.periodo, out, pdf=args.pdf, formato=args.formato, fecha=fecha,
                       borrador=args.borrador, pendientes=pendientes):
        print(f"Informe escrito: {path}")
    if pendientes and args.formato == "docx":
        where = ("marcados en el Word" if args.borrador else
                 "no aparecen en el informe; use --borrador para marcarlos en el Word")
        print(f"Textos pendientes ({len(pendientes)}; {where}):")
        for item in pendientes:
            print(f"  [ ] {printable(item[0].upper() + item[1:])}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from zedxl.export import export_parquet

    for path in export_parquet(Path(args.master), Path(args.parquet)):
        print(path)
    return 0


def _instancia_pair(text: str) -> tuple[str, str]:
    """``argparse`` type of ``--instancia`` of importar-ceplan: CÓDIGO=Nombre del centro de costo."""
    code, sep, name = text.partition("=")
    if not sep or not code.strip() or not name.strip():
        raise argparse.ArgumentTypeError(f"«{text}» no es CÓDIGO=Nombre del centro de costo")
    return code.strip().upper(), name.strip()


def _date_arg(text: str) -> date:
    """``argparse`` type of ``--fecha-reprogramacion``: dd/mm/aaaa or aaaa-mm-dd."""
    from zedxl.plan import parse_date

    value = parse_date(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"fecha «{text}» no válida: use dd/mm/aaaa")
    return value


def cmd_importar_ceplan(args: argparse.Namespace) -> int:
    from zedxl.ceplan import importar_ceplan
    from zedxl.errors import PlanError

    try:
        result = importar_ceplan(Path(args.exportacion), Path(args.output), base=Path(args.plan) if args.plan else None,
                                 entidad=args.entidad, sigla=args.sigla, anio=args.anio,
                                 instancias=dict(args.instancias), fecha=args.fecha_reprogramacion,
                                 overwrite=args.sobrescribir)
    except PlanError as e:  # a fault in the export's data, not in how the command was called
        print(f"Error: {e}", file=sys.stderr)
        return 1
    for aviso in result.avisos:
        print(f"Aviso: {printable(aviso)}", file=sys.stderr)
    plan = result.plan
    n_reprog = sum(1 for ao in plan.actividades() if ao.reprogramaciones)
    print(f"Plan escrito: {args.output} ({len(plan.objetivos)} OEI, {sum(1 for _ in plan.acciones())} AEI, "
          f"{sum(1 for _ in plan.actividades())} AO, {len(plan.instancias)} instancias, {n_reprog} AO "
          f"reprogramadas; hoja {printable(result.sheet)}).")
    print("Instancias: " + ", ".join(f"{c} = {printable(n)}" for c, n in plan.instancias.items()))
    return 0


def cmd_exportar_ceplan(args: argparse.Namespace) -> int:
    from zedxl.ceplan import exportar_ceplan

    n = exportar_ceplan(Path(args.master), args.periodo, Path(args.output))
    print(f"Exportación escrita: {args.output} ({n} AO, seguimiento hasta {args.periodo}).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from zedxl.demo import demo

    demo(Path(args.output), console=_console())
    return 0


def _eliminar_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--eliminar", action="append", default=[], metavar="CÓDIGO",
                   help="elimina del maestro esta OEI, AEI o AO (OEI.04, AO.01.02.03) o este rubro "
                        "(\"Gastos:Otros Gastos\"), o acepta que ya no esté; se puede repetir. Eliminar una OEI o "
                        "una AEI elimina también lo que tiene debajo. Una fila que ya no esté y no se nombre "
                        "aquí detiene el comando sin escribir nada")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zedxl", description="Seguimiento del Plan Operativo Institucional (POI) con Excel.")
    parser.add_argument("--version", action="version", version=f"zedxl {__version__}",
                        help="muestra la versión y termina")
    sub = parser.add_subparsers(dest="command", title="comandos", metavar="COMANDO", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("new", help="crea el libro maestro desde un plan (YAML o Excel)",
                       description="Crea el libro maestro (.xlsx) desde un plan en YAML o en Excel (el libro de "
                                   "«zedxl plantilla-plan»).")
    p.add_argument("plan", help="archivo del plan: .yaml, o .xlsx hecho con «zedxl plantilla-plan»")
    p.add_argument("-o", "--output", required=True, metavar="MAESTRO",
                   help="libro maestro a crear: .xlsx, o .xlsm con los botones de Excel")
    p.add_argument("--sobrescribir", action="store_true", help="reemplaza un maestro existente (guarda respaldo)")
    p.add_argument("--sin-ejecutado", action="store_true",
                   help="deja vacíos los valores ejecutados, las justificaciones y la ejecución presupuestal del plan")
    p.add_argument("--exportar-plan", metavar="ARCHIVO",
                   help="escribe también el plan del maestro en ARCHIVO (.xlsx o .yaml), para pasarlo de una "
                        "forma a la otra sin pérdida")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("plantilla-plan", help="escribe un libro Excel vacío para escribir el plan",
                       description="Escribe la plantilla del plan (.xlsx): entidad, instancias, una fila por "
                                   "OEI, AEI y AO, presupuesto y narrativa, con instrucciones y filas de ejemplo. "
                                   "Llénela y cree el maestro con «zedxl new PLAN.xlsx -o MAESTRO».")
    p.add_argument("-o", "--output", required=True, metavar="PLAN", help="libro a crear (.xlsx)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--trimestral", dest="periodicidad", action="store_const", const="trimestral",
                       help="un valor por trimestre (por defecto)")
    group.add_argument("--mensual", dest="periodicidad", action="store_const", const="mensual",
                       help="un valor por mes (como el Aplicativo CEPLAN)")
    p.add_argument("--sobrescribir", action="store_true", help="reemplaza un archivo existente")
    p.set_defaults(func=cmd_plantilla_plan, periodicidad="trimestral")

    p = sub.add_parser("recompute", help="relee el maestro, recalcula y lo reescribe",
                       description="Relee todo lo escrito en el maestro (filas por código), recalcula totales y "
                                   "porcentajes y lo reescribe; guarda el anterior como respaldo.")
    p.add_argument("master", metavar="MAESTRO", help="libro maestro (.xlsx)")
    _eliminar_option(p)
    p.add_argument("--justificacion", default="", metavar="TEXTO",
                   help="justificación de los cambios hechos a lo programado en las hojas de OEI (se registran "
                        "como una reprogramación con fecha de hoy)")
    p.add_argument("--documento", default="", metavar="TEXTO",
                   help="documento que aprueba la reprogramación (opcional), p. ej. «Memorando N° 045-2025»")
    p.set_defaults(func=cmd_recompute)

    p = sub.add_parser("reprogramar", help="reprograma metas de AO desde un libro de cambios",
                       description="Aplica al maestro los cambios de lo programado de un libro .xlsx con las "
                                   "columnas Código AO, Periodo, Nuevo valor, Justificación, Documento (opcional) y "
                                   "Fecha (opcional; vacía: hoy). Cada cambio queda en la hoja Reprogramaciones y "
                                   "en el registro de auditoría.")
    p.add_argument("master", metavar="MAESTRO", help="libro maestro (.xlsx)")
    p.add_argument("cambios", metavar="CAMBIOS", help="libro de cambios (.xlsx)")
    p.set_defaults(func=cmd_reprogramar)

    p = sub.add_parser("split", help="genera un libro por instancia para que registre lo ejecutado",
                       description="Genera un libro .xlsx por instancia con solo sus AO; solo las celdas de lo "
                                   "ejecutado en el periodo, su justificación y la ejecución presupuestal acumulada "
                                   "a su cierre quedan desbloqueadas.")
    p.add_argument("master", metavar="MAESTRO", help="libro maestro (.xlsx); solo se lee")
    p.add_argument("--periodo", "--period", dest="periodo", required=True, metavar="P",
                   help="periodo que reportan las instancias: 2025-T1…T4, 2025-01…12, 2025-S1…")
    p.add_argument("-o", "--output", default="libros", metavar="DIR",
                   help="carpeta donde se escriben los libros (por defecto: libros)")
    p.add_argument("--instancia", action="append", dest="instancias", metavar="CÓDIGO",
                   help="solo el libro de esta instancia (se puede repetir)")
    p.add_argument("--fecha-limite", dest="fecha_limite", metavar="DD/MM/AAAA",
                   help="fecha límite de entrega que se muestra en las instrucciones")
    p.add_argument("--procesos", type=positive_int, metavar="N",
                   help="procesos que escriben los libros (por defecto: uno por núcleo)")
    p.set_defaults(func=cmd_split)

    p = sub.add_parser("validate", help="revisa uno o más libros devueltos por las instancias",
                       description="Revisa libros devueltos contra el maestro, sin modificar nada. Salida: 0 sin "
                                   "errores (avisos permitidos), 1 con problemas, 2 argumentos o maestro inválidos.")
    p.add_argument("retornos", nargs="+", metavar="LIBRO", help="libro(s) devueltos por las instancias")
    p.add_argument("--master", "--maestro", dest="master", required=True, metavar="MAESTRO",
                   help="libro maestro (.xlsx); solo se lee")
    p.add_argument("--periodo", "--period", dest="periodo", metavar="P",
                   help="periodo que deben tener los libros (p. ej. 2025-T1)")
    p.add_argument("--instancia", metavar="CÓDIGO", help="instancia de la que debe ser el libro")
    p.add_argument("--json", action="store_true", help="salida JSON")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("consolidate", help="valida y consolida en el maestro los libros de una carpeta",
                       description="Valida cada libro de la carpeta y consolida los correctos en el maestro, con "
                                   "respaldo, archivo de lo recibido y registro de auditoría.")
    p.add_argument("master", metavar="MAESTRO", help="libro maestro (.xlsx)")
    p.add_argument("carpeta", metavar="CARPETA", help="carpeta con los libros devueltos")
    p.add_argument("--reemplazar", action="store_true",
                   help="si una instancia envió dos libros del mismo periodo, toma el más reciente")
    p.add_argument("--procesos", type=positive_int, metavar="N",
                   help="procesos que revisan los libros (por defecto: uno por núcleo; el resultado es el mismo)")
    p.add_argument("--json", action="store_true", help="salida JSON")
    _eliminar_option(p)
    p.set_defaults(func=cmd_consolidate)

    p = sub.add_parser("report", help="genera el Informe de Evaluación (Word/PDF) o el reporte (Excel)",
                       description="Genera el Informe de Evaluación del periodo en Word (y PDF con --pdf) o el "
                                   "Reporte de seguimiento (Anexos 01 y 02) en Excel.")
    p.add_argument("master", metavar="MAESTRO", help="libro maestro (.xlsx)")
    p.add_argument("--periodo", "--period", dest="periodo", required=True, metavar="P",
                   help="periodo: 2025-S1, 2025-S2 o 2025")
    p.add_argument("-o", "--output", metavar="ARCHIVO", help="archivo de salida (.docx o .xlsx)")
    p.add_argument("--formato", choices=("docx", "xlsx"), default="docx", help="docx (informe) o xlsx (reporte)")
    p.add_argument("--pdf", action="store_true", help="también genera el PDF con LibreOffice (índice con números "
                                                      "de página, sin marcas de textos pendientes)")
    p.add_argument("--fecha", metavar="DD/MM/AAAA",
                   help="fecha del informe (portada y firmas); por defecto la de la hoja Narrativa o la de hoy")
    p.add_argument("--borrador", action="store_true",
                   help="marca en el Word, resaltados, los textos aún pendientes (no se combina con --pdf)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("summary", help="muestra el resumen del maestro",
                       description="Muestra el resumen por instancia, indicadores, AO y presupuesto.")
    p.add_argument("master", metavar="MAESTRO", help="libro maestro (.xlsx)")
    p.add_argument("--periodo", "--period", dest="periodo", metavar="P",
                   help="periodo: 2025-T1…T4, 2025-01…12, 2025-S1, 2025-S2 o 2025 (por defecto el último "
                        "semestre con datos)")
    p.add_argument("--json", action="store_true", help="salida JSON estable (ver README)")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("export", help="exporta los datos consolidados del maestro a Parquet",
                       description="Exporta los hechos consolidados (entidad, periodo, AO, instancia, programado, "
                                   "ejecutado, avance, estado) y el presupuesto a Parquet, para consolidados "
                                   "regionales o nacionales con DuckDB o Polars.")
    p.add_argument("master", metavar="MAESTRO", help="libro maestro (.xlsx); solo se lee")
    p.add_argument("--parquet", required=True, metavar="CARPETA",
                   help="carpeta donde se escriben hechos-SIGLA-AÑO.parquet y presupuesto-SIGLA-AÑO.parquet")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("importar-ceplan", help="crea el plan desde la exportación del POI del Aplicativo CEPLAN",
                       description="Lee la exportación del POI del Aplicativo CEPLAN (hoja "
                                   "POI_Por_ActividadOperativaAnual: una fila por AO y departamento) y escribe el "
                                   "plan mensual: F(CS) programación original, F(RE) reprogramación, F(SE) "
                                   "ejecutado, Motivo(SE) justificaciones. Salida: 0 bien, 1 problemas en los "
                                   "datos, 2 argumentos o archivos inválidos.")
    p.add_argument("exportacion", metavar="EXPORTACION", help="exportación del Aplicativo (.xlsx); solo se lee")
    p.add_argument("--plan", metavar="BASE",
                   help="plan (YAML o libro del plan .xlsx) con los OEI/AEI y los códigos de las AO bajo cada uno, "
                        "para las AO cuya OEI/AEI no trae la exportación; también da la entidad, el año y los "
                        "códigos de instancia")
    p.add_argument("-o", "--output", required=True, metavar="PLAN",
                   help="plan a escribir: .yaml, o .xlsx (libro del plan)")
    p.add_argument("--sobrescribir", action="store_true", help="reemplaza un plan existente")
    p.add_argument("--entidad", help="nombre de la entidad (si la exportación no trae la columna UE)")
    p.add_argument("--sigla", help="sigla de la entidad")
    p.add_argument("--anio", type=positive_int, metavar="AAAA", help="año del plan (si no trae la columna POI)")
    p.add_argument("--instancia", action="append", dest="instancias", type=_instancia_pair, default=[],
                   metavar="CÓDIGO=NOMBRE",
                   help="código de instancia de un centro de costo (por defecto, sus iniciales); se puede repetir")
    p.add_argument("--fecha-reprogramacion", type=_date_arg, metavar="DD/MM/AAAA",
                   help="fecha de la reprogramación F(RE) (por defecto, hoy)")
    p.set_defaults(func=cmd_importar_ceplan)

    p = sub.add_parser("exportar-ceplan", help="escribe el seguimiento en el formato del Aplicativo CEPLAN",
                       description="Escribe, desde el maestro, una hoja con el formato de la exportación del "
                                   "Aplicativo CEPLAN: F(CS) y F(RE) 01…12, F(SE) y Motivo(SE) de los meses hasta "
                                   "el periodo, para cotejarla con el Aplicativo o cargarla en él.")
    p.add_argument("master", metavar="MAESTRO", help="libro maestro (.xlsx); solo se lee")
    p.add_argument("--periodo", "--period", dest="periodo", required=True, metavar="P",
                   help="último periodo del seguimiento: 2025-01…12, 2025-T1…T4, 2025-S1…")
    p.add_argument("-o", "--output", required=True, metavar="ARCHIVO", help="libro a escribir (.xlsx)")
    p.set_defaults(func=cmd_exportar_ceplan)

    p = sub.add_parser("demo", help="ejecuta el ciclo completo con el ejemplo de ZED ILO 2025",
                       description="Crea el maestro desde el ejemplo incluido y muestra su resumen.")
    p.add_argument("-o", "--output", default="salida", metavar="DIR", help="carpeta de salida (por defecto: salida)")
    p.set_defaults(func=cmd_demo)
    return parser


#: Commands that only read the master: before reading, they settle a run a crash left pending, if no run is under way.
READERS = ("split", "validate", "summary", "report", "export", "exportar-ceplan")
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a program stopped with Ctrl+C


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command in READERS:
            from zedxl.ledger import reconcile_if_idle

            for aviso in reconcile_if_idle(Path(args.master)):
                print(f"Aviso: {aviso}", file=sys.stderr)
        return int(args.func(args))
    except ZedxlError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # disk full, no permission, a name too long...: said, not a traceback
        where = f" ({printable(str(e.filename))})" if e.filename else ""
        print(f"Error del sistema{where}: {e.strerror or e}. La operación no se completó.", file=sys.stderr)
        return 2
    except sqlite3.Error as e:
        print(f"Error en el registro de auditoría: {e}. Revise que el archivo .sqlite junto al maestro no esté "
              "abierto en otro programa ni dañado.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # a Spanish line, no traceback
        print("Interrumpido por el usuario (Ctrl+C); vuelva a ejecutar el comando para terminar.", file=sys.stderr)
        return INTERRUPTED


def run() -> NoReturn:
    """The ``zedxl`` command: ``main``'s exit code. After Ctrl+C the process ends at once, its own cleanup done:
    Python's exit would join the worker pool's threads again, and on 3.11 a pool whose workers were interrupted can
    then print «Exception ignored … Bad file descriptor» after the one Spanish line."""
    code = main()
    if code == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
