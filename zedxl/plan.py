"""Load and validate a plan file (YAML) into a ``Plan``; every problem is reported with its key path, in Spanish."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from zedxl.errors import PlanError
from zedxl.model import (
    INDICATOR_POINTS,
    Accion,
    Actividad,
    Indicador,
    LineaPresupuesto,
    Objetivo,
    Plan,
    Presupuesto,
    Reglas,
    Reprogramacion,
    code_level,
    normalize_code,
    rubro_key,
)
from zedxl.periods import base_labels, base_periods, n_base
from zedxl.rules import within_excel

_TOP_KEYS = ("entidad", "sigla", "anio", "periodicidad", "instancias", "responsable_presupuesto", "reglas",
             "objetivos", "presupuesto", "narrativa")
#: the keys each kind of block may hold: any other is a typo that would silently lose what it holds
_BLOCK_KEYS = {
    "OEI": ("codigo", "nombre", "indicador", "acciones"),
    "AEI": ("codigo", "nombre", "indicador", "actividades"),
    "AO": ("codigo", "nombre", "unidad", "instancia", "programado", "ejecutado", "justificacion", "reprogramaciones",
           "financiero"),
    "reprogramacion": ("fecha", "programado", "justificacion", "documento"),
    "financiero": ("pim", "devengado"),
    "indicador": ("nombre", "unidad", "meta_anual", "ejecutado"),
    "rubro": ("rubro", "pia", "pim", "ejecucion"),
    "presupuesto": ("ingresos", "gastos"),
    "reglas": ("tope_avance", "avance_sin_meta", "semaforo"),
    "semaforo": ("verde", "amarillo"),
}


class _Problems(list[tuple[str, str]]):
    def add(self, path: str, msg: str) -> None:
        self.append((path, msg))

    def keys(self, path: str, block: Mapping[Any, Any], allowed: tuple[str, ...]) -> None:
        """Every key of ``block`` is one of ``allowed``; an unknown one is named with those that are."""
        for key in block:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.add(where, f"clave desconocida «{key}» (revise la ortografía); se admiten: {', '.join(allowed)}")


def to_decimal(value: Any) -> Decimal | None:
    """A number from YAML/Excel as Decimal (floats through their shortest repr: 0.2 → Decimal('0.2'))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, (float, str)):
        return None
    try:
        d = Decimal(repr(value) if isinstance(value, float) else value.strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _number(p: _Problems, path: str, value: Any, *, allow_none: bool = False,
            negative_ok: bool = False) -> Decimal | None:
    if value is None:
        if not allow_none:
            p.add(path, "falta el valor (se esperaba un número)")
        return None
    d = to_decimal(value)
    if d is None:
        p.add(path, f"«{value}» no es un número")
        return None
    if d < 0 and not negative_ok:
        p.add(path, f"valor negativo ({value}): debe ser mayor o igual que 0")
        return None
    if not within_excel(d):
        p.add(path, f"«{value}» está fuera de rango: Excel guarda con exactitud hasta 15 cifras significativas y "
                    "menos de 10^15")
        return None
    return d


def _text(p: _Problems, path: str, value: Any, *, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            p.add(path, "falta el texto")
        return ""
    if not isinstance(value, (str, int, float)):
        p.add(path, "debe ser un texto")
        return ""
    return str(value).strip()


def _indicador(p: _Problems, path: str, raw: Any) -> Indicador | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        p.add(path, "debe ser un bloque con nombre, unidad, meta_anual y ejecutado")
        return None
    p.keys(path, raw, _BLOCK_KEYS["indicador"])
    ejec_raw = raw.get("ejecutado") or {}
    ejecutado: dict[str, Decimal] = {}
    if not isinstance(ejec_raw, Mapping):
        p.add(f"{path}.ejecutado", "debe ser un bloque como {S1: 3}")
    else:
        for key, val in ejec_raw.items():
            k = str(key).strip().capitalize() if str(key).lower() == "anual" else str(key).strip().upper()
            if k not in INDICATOR_POINTS:
                p.add(f"{path}.ejecutado.{key}", "punto de medición desconocido: use S1, S2 o Anual")
                continue
            d = _number(p, f"{path}.ejecutado.{key}", val, allow_none=True)
            if d is not None:
                ejecutado[k] = d
    return Indicador(_text(p, f"{path}.nombre", raw.get("nombre")),
                     _text(p, f"{path}.unidad", raw.get("unidad"), required=False),
                     _number(p, f"{path}.meta_anual", raw.get("meta_anual"), allow_none=True), ejecutado)


def _blocks(p: _Problems, path: str, raw: Any, fields: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The blocks of the list ``raw``, each with its key path; any other item is reported."""
    for i, item in enumerate(raw):
        if isinstance(item, Mapping):
            yield f"{path}[{i}]", item
        else:
            p.add(f"{path}[{i}]", f"debe ser un bloque con {fields}")


MAX_CODE_LEN = 60


def _code(p: _Problems, path: str, block: Mapping[str, Any], level: str, seen: dict[str, str]) -> tuple[str, str]:
    """The code of an OEI, AEI or AO ``block`` (any non-empty code not used before in the plan) and the block's key
    path naming it; the block's keys are checked too."""
    raw = block.get("codigo")
    code = normalize_code(str(raw)) if raw is not None and not isinstance(raw, (Mapping, list)) else None
    if code is None:
        p.add(f"{path}.codigo", f"falta el código {'del' if level == 'OEI' else 'de la'} {level}")
        code = ""
    elif len(code) > MAX_CODE_LEN:
        p.add(f"{path}.codigo", f"código «{code[:MAX_CODE_LEN]}…» demasiado largo: use a lo más {MAX_CODE_LEN} "
                                "caracteres")
    elif code in seen:
        other = seen[code]
        p.add(f"{path}.codigo", f"código duplicado {code}: ya lo tiene {'un' if other == 'OEI' else 'una'} {other} "
                                "de más arriba; cada código va una sola vez en el plan")
    else:
        seen[code] = level
    p.keys(f"{path} ({code})", block, _BLOCK_KEYS[level])
    return code, f"{path} ({code})"


def _values(p: _Problems, path: str, raw: Any, n: int, *, allow_none: bool) -> tuple[Decimal | None, ...]:
    if raw is None:
        return (None,) * n if allow_none else (Decimal(0),) * n
    if not isinstance(raw, list):
        p.add(path, f"debe ser una lista de {n} valores, uno por periodo")
        return (None,) * n
    if len(raw) != n:
        p.add(path, f"tiene {len(raw)} valores y el plan tiene {n} periodos: ponga un valor por periodo")
    vals = [_number(p, f"{path}[{i}]", v, allow_none=allow_none) for i, v in enumerate(raw[:n])]
    vals += [None] * (n - len(vals))
    return tuple(vals)


def _period_keys(year: int, periodicidad: str) -> dict[str, int]:
    """How a base period may be named as a key of a per-period block: T2 / 2025-T2, Feb / 2025-02 / 2."""
    keys: dict[str, int] = {}
    for b in base_periods(year, "mensual" if periodicidad == "mensual" else "trimestral"):
        keys[b.short.casefold()] = keys[b.label.casefold()] = b.start
        if b.kind == "M":
            keys[str(b.number)] = keys[f"{b.number:02d}"] = b.start
    return keys


def _per_period(p: _Problems, path: str, raw: Any, keys: Mapping[str, int], n: int, example: str) -> dict[int, Any]:
    """A per-period block: a list of ``n`` values or a mapping from base period to value ({T2: …}); a bare value
    is refused, since it would not say which period it belongs to."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        if len(raw) != n:
            p.add(path, f"tiene {len(raw)} valores y el plan tiene {n} periodos: ponga un valor por periodo")
        return {i: v for i, v in enumerate(raw[:n]) if v is not None}
    if isinstance(raw, Mapping):
        out: dict[int, Any] = {}
        for key, value in raw.items():
            idx = keys.get(str(key).strip().casefold())
            if idx is None:
                labels = base_labels("trimestral" if n == 4 else "mensual")
                p.add(f"{path}.{key}", f"periodo «{key}» desconocido: use uno de {', '.join(labels)}")
            elif value is not None:
                out[idx] = value
        return out
    p.add(path, f"debe indicar el periodo al que corresponde, por ejemplo {example}")
    return {}


def parse_date(value: Any) -> date | None:
    """A date as planners write it: a YAML or Excel date, «10/07/2025» or «2025-07-10»."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip() if value is not None else ""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _reprogramaciones(p: _Problems, path: str, raw: Any, keys: Mapping[str, int],
                      original: tuple[Decimal, ...]) -> tuple[tuple[Decimal, ...], tuple[Reprogramacion, ...]]:
    """The current programming (``original`` with every reprogramación applied in date order) and the
    reprogramaciones, each with the old and new value of the periods it changes."""
    if raw is None:
        return original, ()
    if not isinstance(raw, list):
        p.add(path, "debe ser una lista de reprogramaciones (fecha, programado, justificacion, documento)")
        return original, ()
    parsed = []
    for ip, item in _blocks(p, path, raw, "fecha, programado, justificacion y documento"):
        p.keys(ip, item, _BLOCK_KEYS["reprogramacion"])
        fecha = parse_date(item.get("fecha"))
        if fecha is None:
            p.add(f"{ip}.fecha", f"fecha «{item.get('fecha')}» no válida: use dd/mm/aaaa")
        why = _text(p, f"{ip}.justificacion", item.get("justificacion"))
        doc = _text(p, f"{ip}.documento", item.get("documento"), required=False)
        new = {idx: _number(p, f"{ip}.programado.{idx}", v)
               for idx, v in _per_period(p, f"{ip}.programado", item.get("programado"), keys, len(original),
                                         "programado: {T3: 5} (el nuevo valor de cada periodo)").items()}
        if not new and item.get("programado") is None:
            p.add(f"{ip}.programado", "falta el nuevo valor programado de al menos un periodo, como {T3: 5}")
        parsed.append((fecha or date.min, ip, why, doc, new))
    values = list(original)
    out = []
    for fecha, ip, why, doc, new in sorted(parsed, key=lambda t: t[0]):  # (sorted is stable: same day, file order)
        cambios = tuple((idx, values[idx], v) for idx, v in sorted(new.items()) if v is not None and v != values[idx])
        if not cambios and new and all(v is not None for v in new.values()):
            p.add(f"{ip}.programado", "no cambia ningún valor programado: quite la reprogramación o corrija los "
                                      "valores")
        for idx, _old, v in cambios:
            values[idx] = v
        out.append(Reprogramacion(fecha, cambios, why, doc))
    return tuple(values), tuple(out)


def _financiero(p: _Problems, path: str, raw: Any, keys: Mapping[str, int],
                n: int) -> tuple[Decimal | None, tuple[Decimal | None, ...]]:
    """An AO's financial side: its PIM and what was spent (devengado) within each period."""
    if raw is None:
        return None, ()
    if not isinstance(raw, Mapping):
        p.add(path, "debe ser un bloque con pim y devengado")
        return None, ()
    p.keys(path, raw, _BLOCK_KEYS["financiero"])
    devengado: list[Decimal | None] = [None] * n
    for idx, value in _per_period(p, f"{path}.devengado", raw.get("devengado"), keys, n,
                                  "devengado: {T2: 5000} (lo devengado en cada periodo)").items():
        devengado[idx] = _number(p, f"{path}.devengado[{idx}]", value, allow_none=True)
    return _number(p, f"{path}.pim", raw.get("pim"), allow_none=True), tuple(devengado)


def _reglas(p: _Problems, raw: Any) -> Reglas:
    if raw is None:
        return Reglas()
    if not isinstance(raw, Mapping):
        p.add("reglas", "debe ser un bloque")
        return Reglas()
    p.keys("reglas", raw, _BLOCK_KEYS["reglas"])
    base = Reglas()
    tope = (_number(p, "reglas.tope_avance", raw["tope_avance"], allow_none=True) if "tope_avance" in raw
            else base.tope_avance)
    sin_meta = _number(p, "reglas.avance_sin_meta", raw.get("avance_sin_meta", base.avance_sin_meta))
    sem = raw.get("semaforo") or {}
    if not isinstance(sem, Mapping):
        p.add("reglas.semaforo", "debe ser un bloque como {verde: 90, amarillo: 50}")
        sem = {}
    p.keys("reglas.semaforo", sem, _BLOCK_KEYS["semaforo"])
    verde = _number(p, "reglas.semaforo.verde", sem.get("verde", base.verde))
    amarillo = _number(p, "reglas.semaforo.amarillo", sem.get("amarillo", base.amarillo))
    if verde is not None and amarillo is not None and amarillo > verde:
        p.add("reglas.semaforo", "el umbral amarillo no puede ser mayor que el verde")
    return Reglas(tope_avance=tope, avance_sin_meta=sin_meta if sin_meta is not None else base.avance_sin_meta,
                  verde=verde if verde is not None else base.verde,
                  amarillo=amarillo if amarillo is not None else base.amarillo)


def _budget_lines(p: _Problems, path: str, raw: Any, keys: Mapping[str, int], n: int) -> tuple[LineaPresupuesto, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        p.add(path, "debe ser una lista de rubros")
        return ()
    lines = []
    seen: dict[str, str] = {}
    for ip, item in _blocks(p, path, raw, "rubro, pia, pim y ejecucion"):
        p.keys(ip, item, _BLOCK_KEYS["rubro"])
        rubro = _text(p, f"{ip}.rubro", item.get("rubro"))
        same = rubro_key(rubro)  # the office reads the line by its rubro: two would be one
        if rubro and same in seen:
            p.add(f"{ip}.rubro", f"rubro duplicado «{rubro}» (ya está en {seen[same]}): cada rubro va una sola vez")
        seen.setdefault(same, ip)
        # the execution accumulated at the close of each period, as SIAF gives it
        acumulado: list[Decimal | None] = [None] * n
        for idx, value in _per_period(p, f"{ip}.ejecucion", item.get("ejecucion"), keys, n,
                                      "ejecucion: {T2: 1329058.20} (lo acumulado al cierre de cada periodo)").items():
            acumulado[idx] = _number(p, f"{ip}.ejecucion[{idx}]", value, allow_none=True)
        lines.append(LineaPresupuesto(rubro, _number(p, f"{ip}.pia", item.get("pia"), allow_none=True),
                                      _number(p, f"{ip}.pim", item.get("pim"), allow_none=True), tuple(acumulado)))
    return tuple(lines)


def plan_from_dict(data: Any, source: str = "") -> Plan:
    """Validate a parsed plan document; raises PlanError listing every problem (never a bare KeyError)."""
    p = _Problems()
    if not isinstance(data, Mapping):
        raise PlanError([("", "el archivo no contiene un plan (se esperaba un bloque con entidad, anio, …)")],
                        source)
    p.keys("", data, _TOP_KEYS)
    entidad = _text(p, "entidad", data.get("entidad"))
    sigla = _text(p, "sigla", data.get("sigla"), required=False) or entidad
    anio_raw = data.get("anio")
    anio = anio_raw if isinstance(anio_raw, int) and 2000 <= anio_raw <= 2100 else 0
    if not anio:
        p.add("anio", f"año «{anio_raw}» no válido")
    periodicidad = data.get("periodicidad", "trimestral")
    if isinstance(periodicidad, str):
        periodicidad = periodicidad.strip().lower()  # «Mensual» is what people write
    if periodicidad not in ("trimestral", "mensual"):
        p.add("periodicidad", f"«{periodicidad}» no válida: use trimestral o mensual")
        periodicidad = "trimestral"
    n = n_base(periodicidad)
    keys = _period_keys(anio or 2000, periodicidad)
    inst_raw = data.get("instancias")
    instancias: dict[str, str] = {}
    if not isinstance(inst_raw, Mapping) or not inst_raw:
        p.add("instancias", "falta la lista de instancias (código: nombre)")
    else:
        for code, name in inst_raw.items():
            c = str(code).strip().upper()
            if not c:
                p.add("instancias", "hay una instancia sin código")
            instancias[c] = _text(p, f"instancias.{code}", name)  # (a missing name: "falta el texto")
    resp = data.get("responsable_presupuesto")
    if resp is not None:
        resp = str(resp).strip().upper()
        if instancias and resp not in instancias:
            p.add("responsable_presupuesto", f"instancia desconocida «{resp}»")

    seen: dict[str, str] = {}  # code: its level
    objetivos = []
    objs_raw = data.get("objetivos")
    if not isinstance(objs_raw, list) or not objs_raw:
        p.add("objetivos", "falta la lista de objetivos (OEI)")
        objs_raw = []
    for op, o in _blocks(p, "objetivos", objs_raw, "codigo, nombre, indicador y acciones"):
        ocode, op = _code(p, op, o, "OEI", seen)
        acciones = []
        for ap, a in _blocks(p, f"{op}.acciones", o.get("acciones") or [], "codigo, nombre, indicador y actividades"):
            acode, ap = _code(p, ap, a, "AEI", seen)
            actividades = []
            for aop, ao in _blocks(p, f"{ap}.actividades", a.get("actividades") or [],
                                   "codigo, nombre, unidad, instancia y programado"):
                aocode, aop = _code(p, aop, ao, "AO", seen)
                inst = str(ao.get("instancia") or "").strip().upper()
                if not inst:
                    p.add(f"{aop}.instancia", "falta la instancia responsable")
                elif instancias and inst not in instancias:
                    p.add(f"{aop}.instancia", f"instancia desconocida «{inst}»: "
                                              f"use una de {', '.join(instancias)}")
                prog = _values(p, f"{aop}.programado", ao.get("programado"), n, allow_none=False)
                ejec = _values(p, f"{aop}.ejecutado", ao.get("ejecutado"), n, allow_none=True)
                texts = [""] * n
                for idx, value in _per_period(p, f"{aop}.justificacion", ao.get("justificacion"), keys, n,
                                              "justificacion: {T2: texto} (un texto por periodo)").items():
                    texts[idx] = _text(p, f"{aop}.justificacion.{idx}", value, required=False)
                original = tuple(v if v is not None else Decimal(0) for v in prog)
                current, reprogramaciones = _reprogramaciones(p, f"{aop}.reprogramaciones",
                                                              ao.get("reprogramaciones"), keys, original)
                pim, devengado = _financiero(p, f"{aop}.financiero", ao.get("financiero"), keys, n)
                actividades.append(Actividad(aocode, _text(p, f"{aop}.nombre", ao.get("nombre")),
                                             _text(p, f"{aop}.unidad", ao.get("unidad")), inst, current, ejec,
                                             tuple(texts), reprogramaciones, pim, devengado))
            acciones.append(Accion(acode, _text(p, f"{ap}.nombre", a.get("nombre")),
                                   _indicador(p, f"{ap}.indicador", a.get("indicador")), tuple(actividades)))
        objetivos.append(Objetivo(ocode, _text(p, f"{op}.nombre", o.get("nombre")),
                                  _indicador(p, f"{op}.indicador", o.get("indicador")), tuple(acciones)))

    pres_raw = data.get("presupuesto") or {}
    if not isinstance(pres_raw, Mapping):
        p.add("presupuesto", "debe ser un bloque con ingresos y gastos")
        pres_raw = {}
    p.keys("presupuesto", pres_raw, _BLOCK_KEYS["presupuesto"])
    presupuesto = Presupuesto(_budget_lines(p, "presupuesto.ingresos", pres_raw.get("ingresos"), keys, n),
                              _budget_lines(p, "presupuesto.gastos", pres_raw.get("gastos"), keys, n))
    narr_raw = data.get("narrativa") or {}
    narrativa = {str(k): str(v).strip() for k, v in narr_raw.items()} if isinstance(narr_raw, Mapping) else {}
    reglas = _reglas(p, data.get("reglas"))
    if p:
        raise PlanError(list(p), source)
    return Plan(entidad=entidad, sigla=sigla, anio=anio, periodicidad=periodicidad, instancias=instancias,
                objetivos=tuple(objetivos), reglas=reglas, presupuesto=presupuesto,
                responsable_presupuesto=resp, narrativa=narrativa)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The raw mapping ``plan_from_dict`` takes, such that ``plan_from_dict(plan_to_dict(plan)) == plan``: numbers
    stay ``Decimal`` and per-period texts and budget execution are keyed by base period ({T2: …}) as people write
    them; what is empty is left out."""
    shorts = base_labels(plan.periodicidad)

    def indicador(ind: Indicador | None) -> dict[str, Any] | None:
        if ind is None:
            return None
        return {"nombre": ind.nombre, "unidad": ind.unidad, "meta_anual": ind.meta_anual,
                "ejecutado": dict(ind.ejecutado)}

    def actividad(ao: Actividad) -> dict[str, Any]:
        out = {"codigo": ao.codigo, "nombre": ao.nombre, "unidad": ao.unidad, "instancia": ao.instancia,
               "programado": list(ao.programado_original), "ejecutado": list(ao.ejecutado),
               "justificacion": {shorts[i]: t for i, t in enumerate(ao.justificacion) if t}}
        if ao.reprogramaciones:
            out["reprogramaciones"] = [{"fecha": rep.fecha, "programado": {shorts[i]: new for i, _, new in rep.cambios},
                                        "justificacion": rep.justificacion,
                                        **({"documento": rep.documento} if rep.documento else {})}
                                       for rep in ao.reprogramaciones]
        if ao.pim is not None or any(v is not None for v in ao.devengado):
            out["financiero"] = {"pim": ao.pim,
                                 "devengado": {shorts[i]: v for i, v in enumerate(ao.devengado) if v is not None}}
        return out

    def lines(items: tuple[LineaPresupuesto, ...]) -> list[dict[str, Any]]:
        return [{"rubro": ln.rubro, "pia": ln.pia, "pim": ln.pim,
                 "ejecucion": {shorts[i]: v for i, v in enumerate(ln.acumulado) if v is not None}} for ln in items]

    r = plan.reglas
    return {
        "entidad": plan.entidad, "sigla": plan.sigla, "anio": plan.anio, "periodicidad": plan.periodicidad,
        "instancias": dict(plan.instancias),
        **({"responsable_presupuesto": plan.responsable_presupuesto} if plan.responsable_presupuesto else {}),
        "reglas": {"tope_avance": r.tope_avance, "avance_sin_meta": r.avance_sin_meta,
                   "semaforo": {"verde": r.verde, "amarillo": r.amarillo}},
        "objetivos": [{"codigo": o.codigo, "nombre": o.nombre, "indicador": indicador(o.indicador),
                       "acciones": [{"codigo": a.codigo, "nombre": a.nombre, "indicador": indicador(a.indicador),
                                     "actividades": [actividad(ao) for ao in a.actividades]}
                                    for a in o.acciones]} for o in plan.objetivos],
        "presupuesto": {"ingresos": lines(plan.presupuesto.ingresos), "gastos": lines(plan.presupuesto.gastos)},
        "narrativa": dict(plan.narrativa),
    }


class _PlanDumper(yaml.SafeDumper):
    """YAML as a person writes a plan: numbers plain, texts of several lines as literal blocks, and never an alias
    (``load_plan`` refuses them; one Decimal shared by two lines would otherwise become ``&id001``)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    # a YAML number is read back as a float and then through its shortest repr (to_decimal): exact for every figure
    # a plan may hold (15 significant digits at most); anything else stays exact as quoted text
    text = format(value, "f")
    if "." not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:int", text)
    if Decimal(repr(float(text))) == value:
        return dumper.represent_scalar("tag:yaml.org,2002:float", text)
    return dumper.represent_str(text)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    # one value per period on one line, as the bundled example writes them: programado: [1, 0, 0, 1]
    flat = all(not isinstance(v, (dict, list)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat)


_PlanDumper.add_representer(Decimal, _represent_decimal)
_PlanDumper.add_representer(list, _represent_list)
_PlanDumper.add_representer(str, _represent_str)


def plan_to_yaml(plan: Plan) -> str:
    """The plan as YAML text that ``load_plan`` reads back to an equal plan."""
    return yaml.dump(plan_to_dict(plan), Dumper=_PlanDumper, allow_unicode=True, sort_keys=False, width=10**6)


def plan_avisos(plan: Plan) -> list[str]:
    """What is allowed but likely a slip, in Spanish: an item whose code, in zedxl's own form, is of another level
    (an AO coded AEI.01.02) or does not continue the one above it (AEI.02.01 under OEI.01). The hierarchy is where
    an item stands, never its code; codes of other forms (the Aplicativo CEPLAN's AOI…) are not compared."""
    out = []

    def check(level: str, code: str, parent_level: str, parent: str) -> None:
        own = code_level(code)
        el, de, lo, otro = ("el", "del", "lo", "otro") if parent_level == "OEI" else ("la", "de la", "la", "otra")
        if own is not None and own != level:
            out.append(f"el código {code} es de una {own} pero está como {level}; se toma como {level} {de} "
                       f"{parent} (revise si va en otro lugar)")
        elif own == level and code_level(parent) == parent_level and not _extends(code, parent):
            out.append(f"la {code} está bajo {el} {parent} pero su código no {lo} continúa; se toma como {level} "
                       f"{de} {parent} (revise si va en {otro} {parent_level})")

    for oei in plan.objetivos:
        own = code_level(oei.codigo)
        if own is not None and own != "OEI":
            out.append(f"el código {oei.codigo} es de una {own} pero está como OEI; se toma como OEI (revise)")
        for aei in oei.acciones:
            check("AEI", aei.codigo, "OEI", oei.codigo)
            for ao in aei.actividades:
                check("AO", ao.codigo, "AEI", aei.codigo)
    return out


def _extends(child: str, parent: str) -> bool:
    """AEI.01.02 extends OEI.01; AO.01.02.03 extends AEI.01.02 (codes in zedxl's own form)."""
    return child.split(".")[1:-1] == parent.split(".")[1:]


#: Bounds of a plan file, checked before any YAML is built: a plan is a few hundred KB at most.
MAX_PLAN_BYTES = 20 * 2**20
MAX_PLAN_DEPTH = 40


#: The loader that builds a plan's YAML: PyYAML's C one (libyaml) when the installed PyYAML has it, about three times
#: faster on a big plan, else the pure-Python one (some PyYAML wheels, e.g. for a new Python on Windows, lack
#: libyaml); both are safe loaders and build the same data.
YAML_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def _check_yaml_shape(text: str, file: str, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> None:
    """Refuse, from the parser's events alone, what could make building the YAML explode: aliases (``*nombre``,
    whose expansion a few KB can turn into GB) and nesting deeper than any plan needs."""
    depth = 0
    deep = f"anidamiento de más de {MAX_PLAN_DEPTH} niveles"
    try:
        for event in yaml.parse(text, Loader=loader):
            where = f"línea {event.start_mark.line + 1}" if event.start_mark else ""
            if isinstance(event, yaml.AliasEvent):
                raise PlanError([(where, "usa un alias de YAML (*nombre); escriba los valores completos")], file)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_PLAN_DEPTH:
                    raise PlanError([(where, deep)], file)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as e:
        # libyaml reads a line of ``[[[…`` ahead of its events and stops at its own limit of 1,000 levels
        if "nesting depth" not in (e.problem or "") or e.problem_mark is None:
            raise
        raise PlanError([(f"línea {e.problem_mark.line + 1}", deep)], file) from e


def parse_plan_yaml(text: str, file: str = "",
                    loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = YAML_LOADER) -> Any:
    """The data of a plan file's text, built by ``loader`` once its shape passed ``_check_yaml_shape``; raises
    PlanError for an alias or deep nesting, ``yaml.YAMLError`` for text that is not YAML."""
    _check_yaml_shape(text, file, loader)
    return yaml.load(text, Loader=loader)


def load_plan(path: Path) -> Plan:
    """Read a YAML plan file; raises PlanError (Spanish) for unreadable, oversized or invalid files."""
    try:
        if Path(path).stat().st_size > MAX_PLAN_BYTES:
            raise PlanError([("", f"el archivo pesa más de {MAX_PLAN_BYTES // 2**20} MB: no es un plan")], str(path))
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        why = {FileNotFoundError: ": no existe (revise el nombre y la carpeta)",
               IsADirectoryError: ": es una carpeta, no un plan",
               PermissionError: ": no tiene permiso para leerlo"}.get(type(e), f" ({e.strerror or e})")
        raise PlanError([("", f"no se pudo leer el archivo{why}")], str(path)) from e
    except UnicodeDecodeError as e:
        raise PlanError([("", "el archivo no está en UTF-8")], str(path)) from e
    try:
        data = parse_plan_yaml(text, str(path))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"línea {mark.line + 1}, columna {mark.column + 1}" if mark else ""
        raise PlanError([(where, "el YAML no es válido (revise sangrías y dos puntos)")], str(path)) from e
    except PlanError:
        raise
    except ValueError as e:  # an integer of thousands of digits, which Python refuses to read
        raise PlanError([("", f"un valor no se puede leer: {e}")], str(path)) from e
    return plan_from_dict(data, str(path))
