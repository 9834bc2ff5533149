"""The plan workbook read into the raw mapping a YAML plan gives, each problem named by its sheet and cell."""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from zedxl.a1 import to_a1
from zedxl.errors import PlanError
from zedxl.model import INDICATOR_POINTS, Plan, normalize_code
from zedxl.periods import MONTHS, QUARTERS, Periodicity, base_labels
from zedxl.plan import parse_date, plan_from_dict
from zedxl.planbook.layout import (
    ENTIDAD_KEYS,
    EXAMPLE_BUDGET,
    EXAMPLE_MARK,
    EXAMPLE_PLAN,
    H_AO,
    H_CLAVE,
    H_CODIGO,
    H_DOCUMENTO,
    H_FECHA,
    H_INDICADOR,
    H_INSTANCIA,
    H_JUSTIFICACION,
    H_META,
    H_NIVEL,
    H_NOMBRE,
    H_NUEVO,
    H_PERIODO,
    H_PIA,
    H_PIM,
    H_PIM_AO,
    H_RUBRO,
    H_TEXTO,
    H_TIPO,
    H_UNIDAD,
    LEVELS,
    MAX_BOOK_BYTES,
    MAX_COLS,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    REPROGRAMACION_HEADERS,
    SHEET_ENTIDAD,
    SHEET_INSTANCIAS,
    SHEET_INSTRUCCIONES,
    SHEET_NARRATIVA,
    SHEET_PLAN,
    SHEET_PRESUPUESTO,
    SHEET_REPROGRAMACIONES,
    Row,
    acum_header,
    devengado_header,
    ejec_header,
    indicator_header,
    just_header,
    normalized,
    prog_header,
)
from zedxl.xlsx import layout as L


def _at(row: Row, col: int | None) -> Any:
    """The value of ``row`` at ``col`` (a row read ends at its last cell that holds anything)."""
    return row[col] if col is not None and col < len(row) else None


def _is_example(value: Any) -> bool:
    """A cell marked as the template's example («OEI (ejemplo)»)."""
    return normalized(value).endswith(normalized(EXAMPLE_MARK))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> Any:
    """A text cell's value as the plan takes it: stripped text, a number as written (7, 0.5), a date as
    2025-07-10; anything else as it is, for plan_from_dict to name."""
    if _blank(value):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return value


def _value(value: Any) -> Any:
    """A number cell's value (text that is blank: None)."""
    return None if _blank(value) else value.strip() if isinstance(value, str) else value


class _Sheet:
    """One sheet's rows (values only, bounded) and the header row found by its texts."""

    def __init__(self, name: str, rows: list[Row]) -> None:
        self.name = name
        self.rows = rows
        self.head = -1
        self.cols: dict[str, int] = {}

    def ref(self, row: int, col: int) -> str:
        return f"{self.name}!{to_a1(row, col)}"

    def find_header(self, needed: Sequence[str]) -> bool:
        """The first row holding every ``needed`` header; its columns are remembered by normalized text."""
        want = {normalized(h) for h in needed}
        for r, row in enumerate(self.rows[:50]):
            texts = {normalized(v): c for c, v in enumerate(row) if isinstance(v, str) and v.strip()}
            if want <= texts.keys():
                self.head, self.cols = r, {}
                for c, v in enumerate(row):
                    if isinstance(v, str) and v.strip():
                        self.cols.setdefault(normalized(v), c)
                return True
        return False

    def col(self, header: str) -> int | None:
        return self.cols.get(normalized(header))

    def data(self) -> Iterator[tuple[int, Row]]:
        """The rows below the header that hold anything."""
        for r in range(self.head + 1, len(self.rows)):
            row = self.rows[r]
            if any(not _blank(v) for v in row):
                yield r, row


class _Reader:
    """Builds the raw plan mapping from the sheets and remembers, for each key path, the cell it came from."""

    def __init__(self, sheets: dict[str, _Sheet], source: str) -> None:
        self.sheets = sheets
        self.source = source
        self.problems: list[tuple[str, str]] = []
        self.cells: dict[str, str] = {}
        self.aos: dict[str, tuple[str, dict[str, Any]]] = {}  # an AO's code (as matched) → its key path and block

    def sheet(self, name: str, *, required: bool = True) -> _Sheet | None:
        sh = self.sheets.get(normalized(name))
        if sh is None and required:
            raise PlanError([(name, f"falta la hoja «{name}»: use la plantilla de «zedxl plantilla-plan»")],
                            self.source)
        return sh

    def header(self, sh: _Sheet, needed: Sequence[str]) -> None:
        if not sh.find_header(needed[:2]):
            raise PlanError([(sh.name, "no se encontró la fila de títulos ("
                                       f"{', '.join(needed[:2])}, …) en las primeras 50 filas")], self.source)
        missing = [h for h in needed if sh.col(h) is None]
        if missing:
            raise PlanError([(sh.ref(sh.head, 0), f"falta la columna «{h}» en la fila de títulos (fila "
                                                  f"{sh.head + 1}); no cambie los títulos de la plantilla")
                             for h in missing], self.source)

    def get(self, sh: _Sheet, row: Row, r: int, header: str, path: str, conv: Callable[[Any], Any] = _text) -> Any:
        """The value under ``header`` in row ``r`` (None where the column is missing), its cell noted for ``path``."""
        c = sh.col(header)
        if c is None:
            return None
        self.cells[path] = sh.ref(r, c)
        return conv(_at(row, c))

    def where(self, path: str) -> str:
        """The cell a key path of plan_from_dict came from (the codes it quotes in parentheses aside), or the
        nearest enclosing one."""
        path = re.sub(r"\] \((?:[^()]|\([^()]*\))*\)", "]", path)
        while path:
            if path in self.cells:
                return self.cells[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return ""

    def read(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        periodicidad = self._entidad(raw)
        raw["instancias"] = self._instancias()
        plan_sh = self.sheet(SHEET_PLAN)
        assert plan_sh is not None
        if periodicidad not in ("trimestral", "mensual"):  # (plan_from_dict names it) the columns say which
            plan_sh.find_header((H_NIVEL, H_CODIGO))
            periodicidad = "mensual" if plan_sh.col(prog_header(MONTHS[0])) is not None else "trimestral"
        labels = base_labels(periodicidad)
        self._check_columns(plan_sh, periodicidad)
        raw["objetivos"] = self._plan(plan_sh, labels)
        budget = self.sheet(SHEET_PRESUPUESTO, required=False)
        if budget is not None:
            raw["presupuesto"] = self._presupuesto(budget, labels)
        narr = self.sheet(SHEET_NARRATIVA, required=False)
        if narr is not None:
            raw["narrativa"] = self._narrativa(narr)
        reprog = self.sheet(SHEET_REPROGRAMACIONES, required=False)
        if reprog is not None:
            self._reprogramaciones(reprog, labels)
        return raw

    def _entidad(self, raw: dict[str, Any]) -> Any:
        sh = self.sheet(SHEET_ENTIDAD)
        assert sh is not None
        self.cells["reglas"] = self.cells["reglas.semaforo"] = sh.ref(0, 0)
        by_label = {normalized(L.PARAM_LABELS[k]): k for k in ENTIDAD_KEYS}
        found: dict[str, Any] = {}
        for r, row in enumerate(sh.rows):
            key = by_label.get(normalized(row[0])) if row and isinstance(row[0], str) else None
            if key is None or key in found:
                continue
            path = {"tope_avance": "reglas.tope_avance", "avance_sin_meta": "reglas.avance_sin_meta",
                    "verde": "reglas.semaforo.verde", "amarillo": "reglas.semaforo.amarillo"}.get(key, key)
            self.cells[path] = sh.ref(r, 1)
            value = _at(row, 1)
            found[key] = _text(value) if key in ("entidad", "sigla", "periodicidad", "responsable_presupuesto") \
                else _value(value)
        for key in ("entidad", "anio", "periodicidad"):
            if key not in found:
                self.problems.append((sh.name, f"falta la fila «{L.PARAM_LABELS[key]}» (columna A)"))
        anio = found.get("anio")
        if (isinstance(anio, float) and anio.is_integer()) or (isinstance(anio, str) and anio.isdigit()):
            anio = int(anio)
        raw.update({"entidad": found.get("entidad"), "anio": anio, "periodicidad": found.get("periodicidad")})
        for key in ("sigla", "responsable_presupuesto"):
            if found.get(key) is not None:
                raw[key] = found[key]
        reglas: dict[str, Any] = {}
        if "tope_avance" in found:  # a blank cap: no cap («vacío = sin tope»)
            reglas["tope_avance"] = found["tope_avance"]
        if found.get("avance_sin_meta") is not None:
            reglas["avance_sin_meta"] = found["avance_sin_meta"]
        semaforo = {k: found[k] for k in ("verde", "amarillo") if found.get(k) is not None}
        if semaforo:
            reglas["semaforo"] = semaforo
        raw["reglas"] = reglas
        return found.get("periodicidad", "trimestral").lower() if isinstance(found.get("periodicidad"), str) \
            else found.get("periodicidad")

    def _instancias(self) -> dict[str, Any]:
        sh = self.sheet(SHEET_INSTANCIAS)
        assert sh is not None
        self.header(sh, (H_CODIGO, H_NOMBRE))
        self.cells["instancias"] = sh.ref(sh.head, 0)
        out: dict[str, Any] = {}
        code_col = sh.col(H_CODIGO) or 0
        for r, row in sh.data():
            code = _text(_at(row, code_col))
            name = self.get(sh, row, r, H_NOMBRE, f"instancias.{code}")
            if code is None:
                self.problems.append((sh.ref(r, code_col), "instancia sin código: escriba su código (DPD, OGA, …)"))
            elif str(code).upper() in {str(k).upper() for k in out}:
                self.problems.append((sh.ref(r, code_col), f"instancia duplicada «{code}»: cada código va una sola "
                                                           "vez"))
            else:
                out[code] = name
        return out

    def _check_columns(self, sh: _Sheet, periodicidad: Periodicity) -> None:
        self.header(sh, [H_NIVEL, H_CODIGO, H_NOMBRE, H_UNIDAD, H_INSTANCIA,
                         *map(prog_header, base_labels(periodicidad))])
        other = QUARTERS if periodicidad == "mensual" else MONTHS
        if sh.col(prog_header(other[0])) is not None:
            self.problems.append((sh.ref(sh.head, sh.col(prog_header(other[0])) or 0),
                                  f"la hoja tiene columnas de otra periodicidad y el plan es {periodicidad}: genere "
                                  f"la plantilla con --{periodicidad}"))
        self.cells["objetivos"] = sh.ref(sh.head, 0)

    def _plan(self, sh: _Sheet, labels: Sequence[str]) -> list[dict[str, Any]]:
        n = len(labels)
        example_codes = {code for _, code, *_ in EXAMPLE_PLAN}
        objetivos: list[dict[str, Any]] = []
        aei: dict[str, Any] | None = None
        oei: dict[str, Any] | None = None
        oei_path = aei_path = ""
        unsure = False  # after a row whose level is not known, a missing parent is that row's problem, said once
        level_col = sh.col(H_NIVEL) or 0
        ao_only = [H_INSTANCIA, *map(prog_header, labels), *map(ejec_header, labels), *map(just_header, labels),
                   H_PIM_AO, *map(devengado_header, labels)]
        ind_only = [H_INDICADOR, H_META, *map(indicator_header, INDICATOR_POINTS)]
        example_texts = {normalized(t) for row in EXAMPLE_PLAN for t in (row[2], row[5]) if t}
        text_cols = [c for c in (sh.col(H_NOMBRE), sh.col(H_INDICADOR)) if c is not None]
        for r, row in sh.data():
            level_raw = _text(_at(row, level_col))
            level = str(level_raw or "").strip().upper()
            code = _text(_at(row, sh.col(H_CODIGO)))
            if _is_example(level):
                if code in example_codes:
                    continue
                self.problems.append((sh.ref(r, level_col), "fila de ejemplo con datos propios: elija OEI, AEI o "
                                      "AO en Nivel (o borre la fila)"))
                continue
            if level not in LEVELS:
                self.problems.append((sh.ref(r, level_col), f"Nivel «{level_raw or ''}» no válido: elija OEI, "
                                                            "AEI o AO"))
                unsure = True
                continue
            for c in text_cols:  # a row typed over an example's, one cell of it left as it was
                if isinstance(_at(row, c), str) and normalized(row[c]) in example_texts:
                    self.problems.append((sh.ref(r, c), "es el texto de la fila de ejemplo: escriba el suyo o "
                                                        "borre la celda"))
            not_here = ao_only if level != "AO" else ind_only
            for h in not_here:
                hc = sh.col(h)
                if hc is not None and not _blank(_at(row, hc)):
                    self.problems.append((sh.ref(r, hc), f"una {level} no lleva «{h}»: "
                                          + ("eso va en las filas de sus AO" if level != "AO"
                                             else "el indicador va en la fila de su AEI u OEI")))
            if level == "OEI":
                oei_path, aei, unsure = f"objetivos[{len(objetivos)}]", None, False
                oei = self._item(sh, row, r, oei_path, "acciones")
                oei["indicador"] = self._indicador(sh, row, r, f"{oei_path}.indicador")
                objetivos.append(oei)
            elif level == "AEI":
                if oei is None:
                    self.problems += [] if unsure else [
                        (sh.ref(r, level_col), "esta AEI no tiene una OEI encima: ponga antes la fila de su OEI")]
                    continue
                aei_path = f"{oei_path}.acciones[{len(oei['acciones'])}]"
                aei = self._item(sh, row, r, aei_path, "actividades")
                aei["indicador"] = self._indicador(sh, row, r, f"{aei_path}.indicador")
                oei["acciones"].append(aei)
            else:
                if aei is None:
                    self.problems += [] if unsure else [
                        (sh.ref(r, level_col), "esta AO no tiene una AEI encima: ponga antes la fila de su AEI (y la "
                                               "de su OEI)")]
                    continue
                aei["actividades"].append(self._actividad(sh, row, r,
                                                          f"{aei_path}.actividades[{len(aei['actividades'])}]",
                                                          labels, n))
        return objetivos

    def _item(self, sh: _Sheet, row: Row, r: int, path: str, children: str) -> dict[str, Any]:
        self.cells[path] = sh.ref(r, sh.col(H_NIVEL) or 0)
        return {"codigo": self.get(sh, row, r, H_CODIGO, f"{path}.codigo"),
                "nombre": self.get(sh, row, r, H_NOMBRE, f"{path}.nombre"), children: []}

    def _indicador(self, sh: _Sheet, row: Row, r: int, path: str) -> dict[str, Any] | None:
        nombre = self.get(sh, row, r, H_INDICADOR, f"{path}.nombre")
        self.cells[path] = self.cells.get(f"{path}.nombre", sh.ref(r, 0))
        unidad = self.get(sh, row, r, H_UNIDAD, f"{path}.unidad")
        meta = self.get(sh, row, r, H_META, f"{path}.meta_anual", _value)
        ejecutado = {}
        for point in INDICATOR_POINTS:
            v = self.get(sh, row, r, indicator_header(point), f"{path}.ejecutado.{point}", _value)
            if v is not None:
                ejecutado[point] = v
        if nombre is None and unidad is None and meta is None and not ejecutado:
            return None
        return {"nombre": nombre, "unidad": unidad, "meta_anual": meta, "ejecutado": ejecutado}

    def _actividad(self, sh: _Sheet, row: Row, r: int, path: str, labels: Sequence[str], n: int) -> dict[str, Any]:
        ao = self._item(sh, row, r, path, "_")
        del ao["_"]
        ao["unidad"] = self.get(sh, row, r, H_UNIDAD, f"{path}.unidad")
        ao["instancia"] = self.get(sh, row, r, H_INSTANCIA, f"{path}.instancia")
        prog = [self.get(sh, row, r, prog_header(lb), f"{path}.programado[{i}]", _value) for i, lb in
                enumerate(labels)]
        ao["programado"] = [0 if v is None else v for v in prog]  # a blank programmed cell: nothing programmed
        self.cells[f"{path}.programado"] = self.cells[f"{path}.programado[0]"]
        if sh.col(ejec_header(labels[0])) is not None:
            ao["ejecutado"] = [self.get(sh, row, r, ejec_header(lb), f"{path}.ejecutado[{i}]", _value)
                               for i, lb in enumerate(labels)]
            self.cells[f"{path}.ejecutado"] = self.cells[f"{path}.ejecutado[0]"]
        if sh.col(just_header(labels[0])) is not None:
            ao["justificacion"] = [self.get(sh, row, r, just_header(lb), f"{path}.justificacion.{i}")
                                   for i, lb in enumerate(labels)]
            self.cells[f"{path}.justificacion"] = self.cells[f"{path}.justificacion.0"]
        if sh.col(H_PIM_AO) is not None:
            pim = self.get(sh, row, r, H_PIM_AO, f"{path}.financiero.pim", _value)
            devengado = [self.get(sh, row, r, devengado_header(lb), f"{path}.financiero.devengado[{i}]", _value)
                         for i, lb in enumerate(labels)]
            self.cells[f"{path}.financiero"] = self.cells[f"{path}.financiero.pim"]
            if pim is not None or any(v is not None for v in devengado):
                ao["financiero"] = {"pim": pim, "devengado": devengado}
        if ao["codigo"] is not None:
            self.aos.setdefault(_code_key(ao["codigo"]), (path, ao))
        assert len(ao["programado"]) == n
        return ao

    def _presupuesto(self, sh: _Sheet, labels: Sequence[str]) -> dict[str, Any]:
        self.header(sh, [H_TIPO, H_RUBRO, H_PIA, H_PIM, *map(acum_header, labels)])
        out: dict[str, list[dict[str, Any]]] = {"ingresos": [], "gastos": []}
        self.cells["presupuesto"] = self.cells["presupuesto.ingresos"] = self.cells["presupuesto.gastos"] = \
            sh.ref(sh.head, 0)
        tipo_col = sh.col(H_TIPO) or 0
        for r, row in sh.data():
            tipo = str(_text(_at(row, tipo_col)) or "")
            kind = normalized(tipo)
            if _is_example(kind):
                if _text(_at(row, sh.col(H_RUBRO))) == EXAMPLE_BUDGET[1]:
                    continue
                self.problems.append((sh.ref(r, tipo_col), "fila de ejemplo con datos propios: elija Ingresos o "
                                                           "Gastos en Tipo (o borre la fila)"))
                continue
            if kind not in out:
                self.problems.append((sh.ref(r, tipo_col), f"Tipo «{tipo}» no válido: elija Ingresos o Gastos"))
                continue
            path = f"presupuesto.{kind}[{len(out[kind])}]"
            self.cells[path] = sh.ref(r, tipo_col)
            line = {"rubro": self.get(sh, row, r, H_RUBRO, f"{path}.rubro"),
                    "pia": self.get(sh, row, r, H_PIA, f"{path}.pia", _value),
                    "pim": self.get(sh, row, r, H_PIM, f"{path}.pim", _value),
                    "ejecucion": [self.get(sh, row, r, acum_header(lb), f"{path}.ejecucion[{i}]", _value)
                                  for i, lb in enumerate(labels)]}
            self.cells[f"{path}.ejecucion"] = self.cells[f"{path}.ejecucion[0]"]
            out[kind].append(line)
        return {k: v for k, v in out.items() if v}

    def _reprogramaciones(self, sh: _Sheet, labels: Sequence[str]) -> None:
        """Each AO's reprogramaciones: its rows grouped by date, in the order they first appear."""
        self.header(sh, REPROGRAMACION_HEADERS)
        groups: dict[tuple[str, Any], dict[str, Any]] = {}
        index = {lb.casefold(): i for i, lb in enumerate(labels)}
        for r, row in sh.data():
            ao_col = sh.col(H_AO) or 0
            code = _text(_at(row, ao_col))
            found = self.aos.get(_code_key(code)) if code is not None else None
            if found is None:
                self.problems.append((sh.ref(r, ao_col), f"la AO «{code or ''}» no está en la hoja Plan"
                                      if code is not None else "falta el código de la AO"))
                continue
            ao_path, ao = found
            fecha_col = sh.col(H_FECHA) or 0
            fecha = _at(row, fecha_col)
            day = parse_date(fecha)
            key = (ao_path, day if day is not None else fecha)
            if key not in groups:
                path = f"{ao_path}.reprogramaciones[{len(ao.setdefault('reprogramaciones', []))}]"
                groups[key] = {"fecha": _value(fecha), "programado": {}, "justificacion": None, "documento": None}
                ao["reprogramaciones"].append(groups[key])
                self.cells[path] = self.cells[f"{path}.fecha"] = sh.ref(r, fecha_col)
                self.cells[f"{path}.programado"] = sh.ref(r, sh.col(H_NUEVO) or 0)
                groups[key]["_path"] = path
            group = groups[key]
            path = group["_path"]
            for header, field in ((H_JUSTIFICACION, "justificacion"), (H_DOCUMENTO, "documento")):
                c = sh.col(header) or 0
                text = _text(_at(row, c))
                if text is None:
                    continue
                if group[field] is None:
                    group[field] = text
                    self.cells[f"{path}.{field}"] = sh.ref(r, c)
                elif text != group[field]:
                    self.problems.append((sh.ref(r, c), f"otra {header.lower()} para la misma AO y fecha: una "
                                                        "reprogramación lleva una sola (o cambie la fecha)"))
            period_col = sh.col(H_PERIODO) or 0
            period = _text(_at(row, period_col))
            label = str(period) if period is not None else ""
            if label in group["programado"]:
                self.problems.append((sh.ref(r, period_col), f"el periodo {label} ya está en esta reprogramación "
                                                             "(misma AO y fecha)"))
                continue
            group["programado"][label] = self.get(sh, row, r, H_NUEVO, f"{path}.programado.{label}", _value)
            self.cells[f"{path}.programado.{label}"] = sh.ref(r, period_col)
            if label.casefold() in index:
                self.cells[f"{path}.programado.{index[label.casefold()]}"] = sh.ref(r, sh.col(H_NUEVO) or 0)
        for group in groups.values():
            del group["_path"]
            if group["documento"] is None:
                del group["documento"]

    def _narrativa(self, sh: _Sheet) -> dict[str, str]:
        self.header(sh, (H_CLAVE, H_TEXTO))
        out: dict[str, str] = {}
        for r, row in sh.data():
            key = self.get(sh, row, r, H_CLAVE, "narrativa")
            text = self.get(sh, row, r, H_TEXTO, "narrativa")
            if text is None:
                continue  # a section left blank: nothing to say yet
            if key is None:
                self.problems.append((self.cells["narrativa"], "texto sin clave: escriba su clave (problematica, "
                                                               "logros, medidas, …) en la columna Clave"))
            elif str(key) in out:
                self.problems.append((sh.ref(r, sh.col(H_CLAVE) or 0), f"clave repetida «{key}»"))
            else:
                out[str(key)] = str(text)
        return out


def _code_key(code: Any) -> str:
    """How the Reprogramaciones sheet's AO code is matched with the Plan's: as the plan reads codes."""
    text = str(code).strip()
    return normalize_code(text) or text.upper()


def _load_rows(path: Path, source: str) -> dict[str, _Sheet]:
    """Every sheet's values, within the bounds of a plan workbook; an unreadable or oversized file is refused."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_BOOK_BYTES:
            raise PlanError([("", f"el libro pesa más de {MAX_BOOK_BYTES // 2**20} MB: no es un plan")], source)
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED_BYTES:
                raise PlanError([("", "el libro descomprimido ocupa demasiado: no es un plan")], source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (openpyxl warns of extensions it does not read: none is a plan's)
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except PlanError:
        raise
    except FileNotFoundError as e:
        raise PlanError([("", "no se pudo leer el archivo: no existe (revise el nombre y la carpeta)")], source) from e
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as e:
        raise PlanError([("", "no es un libro de Excel (.xlsx) que se pueda leer")], source) from e
    except OSError as e:
        raise PlanError([("", f"no se pudo leer el archivo ({e.strerror or e})")], source) from e
    sheets: dict[str, _Sheet] = {}
    try:
        for ws in wb.worksheets:
            if normalized(ws.title) == normalized(SHEET_INSTRUCCIONES):
                continue
            ws.reset_dimensions()  # (another program's saved size may be wrong: read what is there)
            rows: list[Row] = []
            for row in ws.iter_rows(values_only=True, max_col=MAX_COLS):
                if len(rows) >= MAX_ROWS:
                    raise PlanError([(ws.title, f"tiene más de {MAX_ROWS:,} filas: no es un plan".replace(",", " "))],
                                    source)
                rows.append(tuple(row))
            sheets.setdefault(normalized(ws.title), _Sheet(ws.title, rows))
    finally:
        wb.close()
    return sheets


def read_plan_workbook(path: Path) -> Plan:
    """Read a plan workbook into a ``Plan`` with ``plan_from_dict``'s checks; raises PlanError whose problems name
    ``Hoja!Celda``."""
    source = str(path)
    reader = _Reader(_load_rows(Path(path), source), source)
    raw = reader.read()
    try:
        plan = plan_from_dict(raw, source)
    except PlanError as e:
        raise PlanError(reader.problems + [(reader.where(p) or p, m) for p, m in e.problems], source) from None
    if reader.problems:
        raise PlanError(reader.problems, source)
    return plan
