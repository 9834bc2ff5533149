"""The manifest of a returned office workbook: the hidden ``_zedxl`` sheet that says what the office was given
(entity, period, office, its AO and budget lines, the input cells) and its fingerprint; read from the workbook's
records and checked before any cell is (``no-es-libro-zedxl``, ``version-plantilla-distinta``,
``metadatos-alterados``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from zedxl import TEMPLATE_VERSION
from zedxl.a1 import from_a1, to_a1
from zedxl.errors import PeriodError
from zedxl.issues import Issue, make_issue, register
from zedxl.model import Accion, Actividad, LineaPresupuesto, Objetivo, Plan, Presupuesto, Reglas
from zedxl.periods import Periodicity, parse_period
from zedxl.rules import SMALL_INTS
from zedxl.xlsx import layout as L
from zedxl.xlsx.input_text import _decimal, _short, _show, _text
from zedxl.xlsx.office_book import Book, Sheet
from zedxl.xlsx.office_layout import (
    BUDGET_SHEETS,
    KIND,
    PROPERTY_KEYS,
    RULE_KEYS,
    SECTION_BUDGET,
    SECTION_END,
    SECTION_INPUTS,
    SECTION_META,
    SECTION_ROWS,
    SHEET_META,
    InputCell,
    OfficeSpec,
    content_digest,
    data_rows,
    fingerprint,
    input_cells,
)

_ASK_NEW = "Pida a la oficina de planeamiento un libro nuevo y copie en él sus datos (Pegar valores)."

register("no-es-libro-zedxl", "No es un libro de instancia de zedxl",
         "{file} no es un libro de instancia generado por zedxl ({detalle}). Use el libro que se le envió para el "
         "periodo; no copie los datos a otro libro.")
register("version-plantilla-distinta", "Versión de plantilla distinta",
         "{file} usa la plantilla versión {value} y zedxl espera la versión {esperada}. " + _ASK_NEW)
register("metadatos-alterados", "Datos internos alterados",
         "Los datos internos de {file} (hoja oculta _zedxl o propiedades del documento) fueron modificados o están "
         "dañados: {detalle}. " + _ASK_NEW)


# -- the manifest ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Manifest:
    """What the office workbook says about itself: its identity and what it was given."""

    meta: Mapping[str, str]
    spec: OfficeSpec
    digest: str = ""  # office_layout.content_digest of what it records, which its seal must match

    @property
    def huella(self) -> str:
        return self.meta.get("huella", "")


class _ManifestError(Exception):
    """The manifest cannot be read: the message (Spanish) says why."""


def _sections(ws: Sheet) -> dict[str, list[tuple[Any, ...]]]:
    """The manifest's rows under each ``[section]`` heading: the rows that hold a value in their first 64 columns,
    each a tuple as wide as the widest with None where nothing is."""
    cells = ws.cells0
    n_cols = min(max((c for _, c in cells), default=0) + 1, 64)
    by_row: dict[int, list[Any]] = {}
    for (r, c), cell in cells.items():
        if c < n_cols and cell.value is not None:
            row = by_row.get(r)
            if row is None:
                row = by_row[r] = [None] * n_cols
            row[c] = cell.value
    out: dict[str, list[tuple[Any, ...]]] = {}
    current: str | None = None
    for r in sorted(by_row):
        head = _text(by_row[r][0]).strip()
        if head.startswith("[") and head.endswith("]"):
            current = head
            out.setdefault(current, [])
            continue
        if current is not None:
            out[current].append(tuple(by_row[r]))
    return out


def _manifest_number(value: Any, what: str, codigo: str = "") -> Decimal | None:
    """A number of the manifest; ``what`` (and the AO ``codigo``, if given) name it in the error."""
    if value is None:
        return None
    d = _decimal(value)
    if d is None:
        raise _ManifestError(f"{what}{' de ' + codigo if codigo else ''}: «{_show(value)}» no es un número")
    return d


def parse_manifest(sections: dict[str, list[tuple[Any, ...]]]) -> Manifest:
    """The manifest of an office workbook from its manifest sheet's ``_sections``; raises _ManifestError when it is
    malformed."""
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
    for key in ("version_plantilla", "entidad", "sigla", "anio", "periodicidad", "periodo", "instancia", "huella",
                "sello"):
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

    rows: list[tuple[str, int, str, str]] = []  # where each heading and AO row is
    objetivos: list[tuple[str, str, list[tuple[str, str, list[Actividad]]]]] = []
    for row in sections[SECTION_ROWS][1:]:  # first row: column names
        if len(row) < 6 + 3 * n:
            row = tuple(row) + (None,) * (6 + 3 * n - len(row))
        sheet, fila, level, codigo, nombre, unidad = (row[0], row[1], _text(row[2]), _text(row[3]), _text(row[4]),
                                                     _text(row[5]))
        if type(fila) is int:  # the usual case: a whole number, as written
            fila_i = fila if fila >= 1 else None
        else:
            fila_d = _manifest_number(fila, "fila")
            fila_i = int(fila_d) if fila_d is not None and fila_d >= 1 and fila_d == int(fila_d) else None
        if not isinstance(sheet, str) or fila_i is None:
            raise _ManifestError("fila de [filas] sin hoja o número de fila")
        rows.append((sheet, fila_i - 1, level, codigo))
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
            texts = tuple(_text(value) for value in row[6 + 2 * n: 6 + 3 * n])
            objetivos[-1][2][-1][2].append(Actividad(codigo, nombre, unidad, instancia, prog, ejec, texts))
        else:
            raise _ManifestError(f"fila de nivel «{level}» fuera de lugar ({codigo})")

    budget: dict[str, list[LineaPresupuesto]] = {}
    kinds = {v: k for k, v in BUDGET_SHEETS.items()}
    for row in sections[SECTION_BUDGET][1:]:
        row = tuple(row) + (None,) * (5 + n - len(row))
        kind = kinds.get(_text(row[0]))
        if kind is None:
            raise _ManifestError(f"hoja de presupuesto «{_text(row[0])}» desconocida")
        budget.setdefault(kind, []).append(LineaPresupuesto(
            _text(row[2]), _manifest_number(row[3], "PIA"), _manifest_number(row[4], "PIM"),
            tuple(_manifest_number(value, "ejecución") for value in row[5: 5 + n])))

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
    sheet_of = L.sheet_of(plan)
    expected_rows = [(sheet_of(o.codigo), sr.row_idx, sr.level, sr.codigo)
                     for o in plan.objetivos for sr in data_rows(o)]
    if expected_rows != rows:
        raise _ManifestError("las filas registradas no corresponden a la plantilla")
    if inputs is not expected_inputs and inputs != expected_inputs:
        raise _ManifestError("las celdas de ingreso registradas no corresponden a la plantilla")
    if not reports_budget and budget:
        raise _ManifestError("hay presupuesto registrado para una instancia que no lo reporta")
    return Manifest(meta, spec, content_digest(spec))


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
        manifest = parse_manifest(sections)
    except _ManifestError as e:
        return None, [make_issue("metadatos-alterados", file=file, detalle=str(e))]
    except Exception as e:  # noqa: BLE001 - a hand-edited sheet must never stop validation
        return None, [make_issue("metadatos-alterados", file=file, detalle=_short(f"{type(e).__name__}: {e}"))]
    if differ := [k for k in PROPERTY_KEYS if props.get(k) != manifest.meta.get(k)]:
        detail = "las propiedades del documento no coinciden con la hoja oculta en " + ", ".join(differ)
    elif fingerprint(manifest.spec) != manifest.huella:
        detail = "la huella no corresponde a las AO registradas"
    else:
        return manifest, []
    return None, [make_issue("metadatos-alterados", file=file, detalle=detail)]
