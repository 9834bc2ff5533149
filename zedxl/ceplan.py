"""Import a plan from the Aplicativo CEPLAN's POI export, and export a master's seguimiento in that layout.

The core here is pure: it turns the export's rows (plain values, as ``zedxl.xlsx.ceplan_book`` reads them) into a
plan mapping that ``plan_from_dict`` validates, and a plan into the export's rows. Headers are found by name —
case, accents, spaces and punctuation aside — never by position; the layout and its known variants are in the
README («Aplicativo CEPLAN»).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from zedxl.a1 import to_a1
from zedxl.errors import PlanError, ZedxlError
from zedxl.fmt import match_key
from zedxl.model import Indicador, Plan
from zedxl.periods import MONTHS, parse_period
from zedxl.plan import plan_from_dict, to_decimal

SHEET = "POI_Por_ActividadOperativaAnual"
"""The sheet of the Aplicativo's export per AO and year, and the one ``exportar-ceplan`` writes."""
KNOWN_SHEETS = (SHEET, "POI_PorActividadOperativa_Anual", "DATA")
HEADER_ROWS = 10
"""Rows searched for the header row: some exports put a title above it."""
REPROGRAMACION_TEXT = "Reprogramación registrada en el Aplicativo CEPLAN"

#: field: (the header as the Aplicativo writes it, then the other spellings found in public exports), normalised
FIELDS: dict[str, tuple[str, ...]] = {
    "centro": ("Centro de Costo", "centro de costos", "centro costo", "centros de costo"),
    "ao": ("Actividad Operativa ID", "actividad operativa id ceplan", "codigo aoi", "id actividad operativa"),
    "nombre": ("Actividad Operativa", "nombre actividad operativa"),
    "unidad": ("Unidad de Medida", "unidad medida"),
    "departamento": ("Departamento Nombre UBIGEO", "departamento"),
    "oei": ("OEI", "codigo oei", "oei id", "oei codigo"),
    "oei_nombre": ("Objetivo Estratégico Institucional", "objetivo estrategio institucional", "oei nombre",
                   "nombre oei"),
    "aei": ("AEI", "codigo aei", "aei id", "aei codigo"),
    "aei_nombre": ("Acción Estratégica Institucional", "aei nombre", "nombre aei"),
    "anio": ("POI", "año", "anio", "ano fiscal"),
    "entidad": ("UE", "unidad ejecutora", "pliego"),
    "activo": ("Activo AO",),
}
REQUIRED = ("centro", "ao", "nombre", "unidad")
#: columns of the Aplicativo's exports that zedxl knows and does not need: not listed as unknown
KNOWN_UNUSED = frozenset((
    "categoria id", "categoria", "actividad presupuestal id", "actividad presupuestal", "cons pim", "cons pia",
    "nro registro poi", "centro costo id", "trazadora tarea", "acumulado", "codigo ao", "producto id", "producto",
    "cc responsable id", "cc responsable", "etapa", "ue id", "funcion id", "funcion",
    "division funcional id", "division funcional", "grupo funcional id", "grupo funcional",
    "departamento oficina", "servicio equipo", "usuario", "datos de usuario", "departamento id ubigeo",
    "provincia nombre ubigeo", "distrito nombre ubigeo", "ubigeo",
))
#: F(CS) 01, F(RE) Total, Fn(SE) 03, Motivo(SE) 12, F(RE1) 01 (a numbered version), normalised
_SERIES_RE = re.compile(r"^(f|fn|motivo) (cs|re|se)(\d*) (\d{1,2}|total)$")
_PREFIX = {"f": "F", "fn": "Fn", "motivo": "Motivo"}
_STOP_WORDS = frozenset(("DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "PARA", "A", "AL", "CON", "POR"))


norm = match_key  # a header as compared: accents, case, spaces and punctuation aside


_ALIASES = {norm(alias): name for name, aliases in FIELDS.items() for alias in aliases}


@dataclass
class Columns:
    """Where each field of the export is: ``fixed`` field → column index; ``series[(prefix, kind)]`` month (1-12)
    or 0 (Total) → column index; the headers nobody knows."""

    fixed: dict[str, int] = field(default_factory=dict)
    series: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    avisos: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        """The required columns not found, as the Aplicativo names them."""
        out = [FIELDS[f][0] for f in REQUIRED if f not in self.fixed]
        months = self.series.get(("f", "re"), {})
        out += [f"F(RE) {m:02d}" for m in range(1, 13) if m not in months]
        return out


def map_headers(header: Sequence[Any]) -> Columns:
    """Map a header row by name. Where the export carries several numbered versions of a series (F(RE1), F(RE2)),
    the highest is the current one."""
    cols = Columns()
    versions: dict[tuple[str, str], dict[str, dict[int, int]]] = {}
    for idx, raw in enumerate(header):
        key = norm(raw)
        if not key:
            continue
        if key in _ALIASES:
            cols.fixed.setdefault(_ALIASES[key], idx)
        elif m := _SERIES_RE.match(key):
            month = 0 if m.group(4) == "total" else int(m.group(4))
            if month > 12:
                cols.unknown.append(str(raw).strip())
                continue
            versions.setdefault((m.group(1), m.group(2)), {}).setdefault(m.group(3), {}).setdefault(month, idx)
        elif key not in KNOWN_UNUSED:
            cols.unknown.append(str(raw).strip())
    for (prefix, kind), by_version in versions.items():
        latest = max(by_version, key=lambda v: int(v or 0))
        cols.series[(prefix, kind)] = by_version[latest]
        if len(by_version) > 1:
            series = f"{_PREFIX[prefix]}({kind.upper()}"
            cols.avisos.append(f"la exportación trae {len(by_version)} versiones de {series}…); se toma la última, "
                               f"{series}{latest})")
    return cols


def find_table(sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]],
               source: str) -> tuple[str, int, Columns]:
    """The sheet and header row of the export (the known sheet names first, then every sheet in order) and its
    columns. Raises PlanError naming the missing columns of the sheet that came closest."""
    order = sorted(range(len(sheets)), key=lambda i: (norm(sheets[i][0]) not in {norm(s) for s in KNOWN_SHEETS}, i))
    best: tuple[int, str, int, Columns] | None = None
    for i in order:
        name, rows = sheets[i]
        for r, row in enumerate(rows[:HEADER_ROWS]):
            cols = map_headers(row)
            missing = cols.missing()
            if not missing:
                return name, r, cols
            score = 16 - len(missing)
            if score > 0 and (best is None or score > best[0]):
                best = (score, name, r, cols)
    if best is None:
        names = ", ".join(n for n, _ in sheets) or "ninguna"
        raise PlanError([("", f"ninguna hoja ({names}) tiene los encabezados de una exportación del Aplicativo "
                              f"CEPLAN (Centro de Costo, Actividad Operativa ID, …, F(RE) 01 … 12)")], source)
    _, name, r, cols = best
    missing = cols.missing()
    named = ", ".join(f"«{c}»" for c in missing)
    raise PlanError([(f"hoja {name}, fila {r + 1}",
                      f"falta{'n' if len(missing) > 1 else ''} la{'s' if len(missing) > 1 else ''} "
                      f"columna{'s' if len(missing) > 1 else ''} {named} (se buscan por nombre, sin importar "
                      "mayúsculas, tildes ni espacios)")], source)


@dataclass
class _Ao:
    """One AO summed over its rows (one per department)."""

    codigo: str
    centro: str
    nombre: str
    unidad: str
    rows: list[int]
    oei: tuple[str, str] | None = None
    aei: tuple[str, str] | None = None
    cs: list[Decimal | None] = field(default_factory=lambda: [None] * 12)
    rp: list[Decimal | None] = field(default_factory=lambda: [None] * 12)
    se: list[Decimal | None] = field(default_factory=lambda: [None] * 12)
    fn_se: list[Decimal | None] = field(default_factory=lambda: [None] * 12)
    motivo: list[list[str]] = field(default_factory=lambda: [[] for _ in range(12)])
    fn_re_total: Decimal | None = None
    fn_se_total: Decimal | None = None


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return a if b is None else b if a is None else a + b


@dataclass
class Export:
    """What the export holds, summed per AO, and the avisos of reading it."""

    sheet: str
    aos: list[_Ao]
    anio: int | None
    entidad: str
    has_cs: bool
    has_fn: bool
    avisos: list[str]


def read_rows(sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]], source: str) -> Export:
    """Sum the export's rows per AO (one row per AO and department). Raises PlanError listing every bad cell."""
    name, header_row, cols = find_table(sheets, source)
    rows = next(rows for n, rows in sheets if n == name)
    problems: list[tuple[str, str]] = []
    avisos = list(cols.avisos)
    if cols.unknown:
        avisos.append(f"columnas desconocidas en la hoja {name}, no se leen: {', '.join(cols.unknown)}")

    def cell(row: Sequence[Any], idx: int | None) -> Any:
        return row[idx] if idx is not None and idx < len(row) else None

    def text(row: Sequence[Any], f: str) -> str:
        value = cell(row, cols.fixed.get(f))
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # an id Excel holds as a number: 2025.0 is «2025»
        return " ".join(str(value).split()) if value is not None else ""

    def number(row: Sequence[Any], r: int, idx: int | None) -> Decimal | None:
        value = cell(row, idx)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        d = to_decimal(value.replace(",", ".") if isinstance(value, str) else value)
        where = f"{name}!{to_a1(r, idx or 0)}"
        if d is None or isinstance(value, bool):
            problems.append((where, f"«{value}» no es un número"))
        elif d < 0:
            problems.append((where, f"valor negativo ({value})"))
            return None
        return d

    aos: dict[str, _Ao] = {}
    skipped = 0
    inactive: list[str] = []
    anios: set[str] = set()
    entidades: list[str] = []
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        code = text(row, "ao")
        if not code:
            skipped += any(v is not None and str(v).strip() for v in row)
            continue
        if norm(text(row, "activo")) == "no":  # an AO the entity deactivated in the Aplicativo
            inactive.append(code)
            continue
        centro = text(row, "centro")
        ao = aos.get(code)
        if ao is None:
            ao = aos[code] = _Ao(code, centro, text(row, "nombre"), text(row, "unidad"), [])
        elif centro != ao.centro:
            problems.append((f"{name}!{to_a1(r, cols.fixed['centro'])}",
                             f"la AO {code} figura con dos centros de costo: «{ao.centro}» (fila {ao.rows[0] + 1}) "
                             f"y «{centro}»; una AO tiene un solo responsable"))
        ao.rows.append(r)
        if not centro:
            problems.append((f"{name}!{to_a1(r, cols.fixed['centro'])}", f"falta el centro de costo de la AO {code}"))
        for level in ("oei", "aei"):
            if not (c := text(row, level)):
                continue
            if (had := getattr(ao, level)) is None:
                setattr(ao, level, (c, text(row, f"{level}_nombre") or c))
            elif had[0] != c:
                problems.append((f"{name}!{to_a1(r, cols.fixed[level])}",
                                 f"la AO {code} figura bajo dos {level.upper()}: {had[0]} y {c}"))
        if anio := text(row, "anio"):
            anios.add(anio)
        if (ent := text(row, "entidad")) and ent not in entidades:
            entidades.append(ent)
        months_sum = Decimal(0)
        for (prefix, kind), target in ((("f", "cs"), ao.cs), (("f", "re"), ao.rp), (("f", "se"), ao.se),
                                       (("fn", "se"), ao.fn_se)):
            months = cols.series.get((prefix, kind), {})
            values = [number(row, r, months.get(m)) for m in range(1, 13)]
            for m, v in enumerate(values):
                target[m] = _add(target[m], v)
            if kind == "re":
                months_sum = sum((v or Decimal(0) for v in values), Decimal(0))
        for m, idx in cols.series.get(("motivo", "se"), {}).items():
            value = cell(row, idx)
            if m and value is not None and (t := str(value).strip()) and t not in ao.motivo[m - 1]:
                ao.motivo[m - 1].append(t)
        ao.fn_re_total = _add(ao.fn_re_total, number(row, r, cols.series.get(("fn", "re"), {}).get(0)))
        ao.fn_se_total = _add(ao.fn_se_total, number(row, r, cols.series.get(("fn", "se"), {}).get(0)))
        total = number(row, r, cols.series.get(("f", "re"), {}).get(0))
        if total is not None and total != months_sum:
            avisos.append(f"{name}!{to_a1(r, cols.series[('f', 're')][0])}: F(RE) Total ({total}) no es la suma "
                          f"de F(RE) 01 … 12 ({months_sum}); se toman los meses (revise si la exportación trae "
                          "valores acumulados)")
    if skipped:
        avisos.append(f"{skipped} fila(s) de la hoja {name} sin «Actividad Operativa ID» no se leen (totales u otras)")
    if inactive:
        avisos.append(f"AO con «Activo AO» = NO, no se importan: {', '.join(dict.fromkeys(inactive))}")
    if not aos and not problems:
        problems.append((f"hoja {name}", "no tiene ninguna AO bajo los encabezados"))
    if len(anios) > 1:
        problems.append((f"hoja {name}", f"trae más de un año ({', '.join(sorted(anios))}); importe uno a la vez"))
    if problems:
        raise PlanError(problems, source)
    anio_text = next(iter(anios), "")
    return Export(name, list(aos.values()), int(anio_text) if anio_text.isdigit() else None,
                  entidades[0] if len(entidades) == 1 else "", ("f", "cs") in cols.series,
                  ("fn", "re") in cols.series or ("fn", "se") in cols.series, avisos)


def derive_codes(names: Iterable[str], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """A short code per centro de costo name: ``known`` (name → code: from the base plan or ``--instancia``) when
    it names it, else the initials of its words (Dirección de Promoción y Desarrollo → DPD), made unique."""
    known_norm = {norm(n): c for n, c in (known or {}).items()}
    out: dict[str, str] = {}
    taken: set[str] = set(known_norm.values())
    for name in names:
        if name in out:
            continue
        if (code := known_norm.get(norm(name))) is not None:
            out[name] = code
            continue
        words = [w for w in norm(name).upper().split() if w not in _STOP_WORDS] or ["CC"]
        base = words[0][:8] if len(words) == 1 else "".join(w[0] for w in words)[:8]
        code, n = base, 2
        while code in taken:
            code, n = f"{base}{n}", n + 1
        taken.add(code)
        out[name] = code
    return out


def _key(code: str) -> str:
    return "".join(code.split()).upper()


def _indicador(ind: Indicador | None) -> dict[str, Any] | None:
    if ind is None:
        return None
    return {"nombre": ind.nombre, "unidad": ind.unidad, "meta_anual": ind.meta_anual,
            "ejecutado": dict(ind.ejecutado) or None}


def plan_mapping(export: Export, source: str, *, base: Plan | None = None, entidad: str | None = None,
                 sigla: str | None = None, anio: int | None = None, instancias: Mapping[str, str] | None = None,
                 fecha: date | None = None) -> tuple[dict[str, Any], list[str]]:
    """The plan document (as ``plan_from_dict`` reads it) of an export, and avisos. OEI/AEI come from the
    export's own columns, else from ``base`` (by AO code); an AO with neither is an error that lists them all."""
    problems: list[tuple[str, str]] = []
    avisos = list(export.avisos)
    year = anio or export.anio or (base.anio if base else None)
    name = entidad or export.entidad or (base.entidad if base else "")
    if not year:
        problems.append(("anio", "la exportación no trae el año (columna POI): indíquelo con --anio o con --plan"))
    if not name:
        problems.append(("entidad", "la exportación no trae la entidad (columna UE): indíquela con --entidad o con "
                                    "--plan"))
    known = {n: c for c, n in (base.instancias.items() if base else ())}
    known.update({n: c.strip().upper() for c, n in (instancias or {}).items()})
    codes = derive_codes((ao.centro for ao in export.aos), known)
    parent: dict[str, tuple[str, str]] = {}
    tree: dict[str, dict[str, Any]] = {}  # OEI code → block, with its AEI blocks by code
    if base:
        for o in base.objetivos:
            tree[o.codigo] = {"codigo": o.codigo, "nombre": o.nombre, "indicador": _indicador(o.indicador),
                              "acciones": {}}
            for a in o.acciones:
                tree[o.codigo]["acciones"][a.codigo] = {"codigo": a.codigo, "nombre": a.nombre,
                                                        "indicador": _indicador(a.indicador), "actividades": []}
                for b in a.actividades:
                    parent[_key(b.codigo)] = (o.codigo, a.codigo)
    orphans: list[str] = []
    month_keys = MONTHS
    for ao in export.aos:
        if ao.oei and ao.aei:
            o_code, a_code = ao.oei[0], ao.aei[0]
            oei = tree.setdefault(o_code, {"codigo": o_code, "nombre": ao.oei[1], "acciones": {}})
            oei["acciones"].setdefault(a_code, {"codigo": a_code, "nombre": ao.aei[1], "actividades": []})
        elif _key(ao.codigo) in parent:
            o_code, a_code = parent[_key(ao.codigo)]
        else:
            orphans.append(ao.codigo)
            continue
        programado = [v or Decimal(0) for v in (ao.cs if export.has_cs else ao.rp)]
        current = [v or Decimal(0) for v in ao.rp]
        block: dict[str, Any] = {"codigo": ao.codigo, "nombre": ao.nombre, "unidad": ao.unidad,
                                 "instancia": codes[ao.centro], "programado": programado,
                                 "ejecutado": list(ao.se)}
        if texts := {month_keys[m]: "\n".join(t) for m, t in enumerate(ao.motivo) if t}:
            block["justificacion"] = texts
        if changed := {month_keys[m]: current[m] for m in range(12) if current[m] != programado[m]}:
            block["reprogramaciones"] = [{"fecha": fecha or date.today(), "programado": changed,
                                          "justificacion": REPROGRAMACION_TEXT}]
        financiero: dict[str, Any] = {}
        if ao.fn_re_total is not None:
            financiero["pim"] = ao.fn_re_total
        devengado = {month_keys[m]: v for m, v in enumerate(ao.fn_se) if v is not None}
        last = max((m for m, v in enumerate(ao.se) if v is not None), default=None)
        if not devengado and ao.fn_se_total is not None and last is not None:
            devengado = {month_keys[last]: ao.fn_se_total}  # the year's devengado at the last month reported
        if devengado:
            financiero["devengado"] = devengado
        if financiero:
            block["financiero"] = financiero
        tree[o_code]["acciones"][a_code]["actividades"].append(block)
    if orphans:
        where = "en la exportación (columnas OEI y AEI) ni en el plan base" if base else \
            "en la exportación (no trae columnas OEI y AEI)"
        problems.append(("", f"{len(orphans)} AO sin OEI/AEI {where}: {', '.join(orphans)}. Indique con --plan un "
                             "plan que las tenga bajo su AEI"))
    if not export.has_cs:
        avisos.append("la exportación no trae F(CS): la programación es F(RE), sin reprogramaciones")
    if base:
        imported = {_key(ao.codigo) for ao in export.aos}
        if absent := [b.codigo for b in base.actividades() if _key(b.codigo) not in imported]:
            avisos.append(f"AO del plan base que no están en la exportación (no se incluyen): {', '.join(absent)}")
    if problems:
        raise PlanError(problems, source)
    doc: dict[str, Any] = {"entidad": name, "sigla": sigla or (base.sigla if base else None) or name, "anio": year,
                           "periodicidad": "mensual",
                           "instancias": {c: n for n, c in codes.items()}}
    if base:
        r = base.reglas
        doc["reglas"] = {"tope_avance": r.tope_avance, "avance_sin_meta": r.avance_sin_meta,
                         "semaforo": {"verde": r.verde, "amarillo": r.amarillo}}
        if base.responsable_presupuesto in doc["instancias"]:
            doc["responsable_presupuesto"] = base.responsable_presupuesto
    doc["objetivos"] = [{**{k: v for k, v in o.items() if k != "acciones" and v is not None},
                         "acciones": [{k: v for k, v in a.items() if v is not None}
                                      for a in o["acciones"].values()]} for o in tree.values()]
    if base and base.narrativa:
        doc["narrativa"] = dict(base.narrativa)
    return doc, avisos


@dataclass(frozen=True)
class Imported:
    """What ``importar_ceplan`` wrote and what it noticed."""

    plan: Plan
    output: Path
    sheet: str
    avisos: list[str]


def importar_ceplan(export_path: Path, output: Path, *, base: Path | None = None, entidad: str | None = None,
                    sigla: str | None = None, anio: int | None = None, instancias: Mapping[str, str] | None = None,
                    fecha: date | None = None, overwrite: bool = False) -> Imported:
    """Read an Aplicativo CEPLAN POI export and write the plan (``output``: .yaml, or .xlsx for the plan
    workbook). ``base``: a plan (YAML or workbook) giving the OEI/AEI of the AO the export does not place. Raises
    PlanError for faults in the data (all of them at once), ZedxlError for files and arguments."""
    from zedxl.fsutil import require_regular_file
    from zedxl.new import YAML_SUFFIXES, export_plan, read_plan
    from zedxl.xlsx.ceplan_book import read_export

    if output.suffix.lower() not in (".xlsx", *YAML_SUFFIXES):  # (said before the export is read)
        raise ZedxlError(f"El plan se escribe en .xlsx, .yaml o .yml (se indicó «{output.name}»).")
    if output.exists() and not overwrite:  # (checked first: reading the export is the slow part)
        raise ZedxlError(f"Ya existe {output}. Use --sobrescribir para reemplazarlo.")
    if base:
        require_regular_file(base, "El plan base")
    base_plan = read_plan(base) if base else None
    source = str(export_path)
    export = read_rows(read_export(export_path), source)
    doc, avisos = plan_mapping(export, source, base=base_plan, entidad=entidad, sigla=sigla, anio=anio,
                               instancias=instancias, fecha=fecha)
    plan = plan_from_dict(doc, source)
    export_plan(plan, output, overwrite=overwrite)
    return Imported(plan, output, export.sheet, avisos)


# --- export ---------------------------------------------------------------------------------------------------

def export_header() -> list[str]:
    """The columns ``exportar-ceplan`` writes, named as the Aplicativo names them."""
    months = [f"{m:02d}" for m in range(1, 13)]
    return (["POI", "UE", "OEI", "Objetivo Estratégico Institucional", "AEI", "Acción Estratégica Institucional",
             "Centro de Costo", "Actividad Operativa ID", "Actividad Operativa", "Unidad de Medida"]
            + [f"F(CS) {m}" for m in months] + ["F(CS) Total"] + [f"F(RE) {m}" for m in months] + ["F(RE) Total"]
            + [f"F(SE) {m}" for m in months] + ["F(SE) Total"] + [f"Motivo(SE) {m}" for m in months]
            + ["Fn(RE) Total", "Fn(SE) Total"])


def _monthly(values: Sequence[Any], quarterly: bool, empty: Any) -> list[Any]:
    """Per-period values as 12 months: a quarter's figure goes in its last month."""
    if not quarterly:
        return list(values)
    out = [empty] * 12
    for q, v in enumerate(values):
        out[3 * q + 2] = v
    return out


def export_rows(plan: Plan, periodo: str) -> list[list[Any]]:
    """One row per AO in the export's layout: the programming (original and current), and the execution and
    justifications of the months up to the end of ``periodo``."""
    period = parse_period(periodo, plan.anio, plan.periodicidad)
    quarterly = plan.periodicidad == "trimestral"
    upto = 3 * period.stop if quarterly else period.stop
    rows: list[list[Any]] = []
    for o in plan.objetivos:
        for a in o.acciones:
            for ao in a.actividades:
                cs = _monthly(ao.programado_original, quarterly, Decimal(0))
                re_ = _monthly(ao.programado, quarterly, Decimal(0))
                se = [v if m < upto else None for m, v in enumerate(_monthly(ao.ejecutado, quarterly, None))]
                motivo = [t if m < upto else "" for m, t in enumerate(_monthly(ao.justificacion, quarterly, ""))]
                dev = [v for m, v in enumerate(_monthly(ao.devengado, quarterly, None)) if m < upto and v is not None]
                reported = [v for v in se if v is not None]
                rows.append([plan.anio, plan.entidad, o.codigo, o.nombre, a.codigo, a.nombre,
                             plan.instancias.get(ao.instancia, ao.instancia), ao.codigo, ao.nombre, ao.unidad,
                             *cs, sum(cs, Decimal(0)), *re_, sum(re_, Decimal(0)), *se,
                             sum(reported, Decimal(0)) if reported else None, *motivo,
                             ao.pim, sum(dev, Decimal(0)) if dev else None])
    return rows


def exportar_ceplan(master: Path, periodo: str, output: Path) -> int:
    """Write the master's seguimiento up to ``periodo`` in the Aplicativo's layout; returns the number of AO."""
    from zedxl.xlsx.ceplan_book import write_export
    from zedxl.xlsx.master_read import read_master

    plan = read_master(master).plan
    rows = export_rows(plan, periodo)
    write_export(output, SHEET, export_header(), rows)
    return len(rows)


__all__ = ["Export", "Imported", "export_header", "export_rows", "exportar_ceplan", "find_table",
           "importar_ceplan", "map_headers", "norm", "plan_mapping", "read_rows"]
