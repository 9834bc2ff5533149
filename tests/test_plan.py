"""Plan file loading: the bundled example and Spanish errors with key paths for bad plans."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLE
from zedxl.errors import PlanError
from zedxl.model import Plan, normalize_code
from zedxl.plan import YAML_LOADER, load_plan, parse_plan_yaml, plan_from_dict


def _raw() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_plan_example_has_the_seed_structure(example_plan: Plan) -> None:
    assert len(example_plan.objetivos) == 3
    assert sum(1 for _ in example_plan.acciones()) == 10
    aos = list(example_plan.actividades())
    assert len(aos) == 22
    assert list(example_plan.instancias) == ["DPD", "DOI", "OGA", "OAL"]
    assert example_plan.actividad("AO.03.03.02").instancia == "DOI"
    assert example_plan.actividad("AO.02.03.02").programado[:2] == (Decimal("0.2"), Decimal("0.2"))
    assert all(ao.ejecutado[2:] == (None, None) for ao in aos)
    assert example_plan.responsable_presupuesto == "OGA"


def _problems(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(PlanError) as info:
        plan_from_dict(data, "plan.yaml")
    assert "plan.yaml" in str(info.value)
    return info.value.problems


def _first_ao(data: dict[str, Any]) -> dict[str, Any]:
    ao = data["objetivos"][0]["acciones"][0]["actividades"][0]
    assert isinstance(ao, dict)
    return ao


def test_plan_unknown_office_names_the_key_path() -> None:
    data = _raw()
    _first_ao(data)["instancia"] = "XYZ"
    problems = _problems(data)
    assert problems == [("objetivos[0] (OEI.01).acciones[0] (AEI.01.01).actividades[0] (AO.01.01.01).instancia",
                         "instancia desconocida «XYZ»: use una de DPD, DOI, OGA, OAL")]


def test_plan_wrong_number_of_periods() -> None:
    data = _raw()
    _first_ao(data)["programado"] = [1, 2, 3]
    [(path, msg)] = _problems(data)
    assert path.endswith("(AO.01.01.01).programado")
    assert "tiene 3 valores y el plan tiene 4 periodos" in msg


def test_plan_duplicate_code_and_negative_value_are_both_reported() -> None:
    data = _raw()
    acts = data["objetivos"][0]["acciones"][0]["actividades"]
    acts.append(copy.deepcopy(acts[0]))
    acts[1]["ejecutado"] = [-1, 0, None, None]
    problems = _problems(data)
    messages = [m for _, m in problems]
    assert "código duplicado AO.01.01.01: ya lo tiene una AO de más arriba; cada código va una sola vez en el plan" \
        in messages
    assert any(p.endswith("ejecutado[0]") and "negativo" in m for p, m in problems)


def test_plan_unknown_key_non_number_and_bad_period() -> None:
    data = _raw()
    data["anyo"] = 2025
    data["periodicidad"] = "semanal"
    _first_ao(data)["programado"] = ["uno", 0, 0, 1]
    problems = dict(_problems(data))
    assert problems["anyo"].startswith("clave desconocida «anyo» (revise la ortografía); se admiten: entidad, ")
    assert "semanal" in problems["periodicidad"]
    assert any("«uno» no es un número" in m for m in problems.values())


def test_plan_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "malo.yaml"
    bad.write_text("entidad: X\n  anio: : 2025\n", encoding="utf-8")
    with pytest.raises(PlanError, match="YAML no es válido"):
        load_plan(bad)
    with pytest.raises(PlanError, match="no se pudo leer el archivo: no existe") as err:
        load_plan(tmp_path / "no-existe.yaml")
    assert "No such file" not in str(err.value)  # the system's English words stay out
    with pytest.raises(PlanError, match="es una carpeta"):
        load_plan(tmp_path)
    not_plan = tmp_path / "lista.yaml"
    not_plan.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(PlanError, match="no contiene un plan"):
        load_plan(not_plan)


def test_plan_codes_written_six_ways_are_normalised() -> None:
    for raw in ("AO 1.1.1", "AO.01.01.01", "AO. 01.01.01", "ao 1.1.1", "AO 01.01.01", "AO.1.1.1."):
        assert normalize_code(raw) == "AO.01.01.01"
    assert normalize_code("OEI 1.") == "OEI.01"
    assert normalize_code("AEI 2.3.") == "AEI.02.03"
    assert normalize_code("AO 03.02.0") == "AO.03.02.00"
    # any other code is the entity's own (#23): kept as written, spaces trimmed; a blank is no code
    assert normalize_code("AO 1.1") == "AO 1.1"
    assert normalize_code("  AOI00091400117 ") == "AOI00091400117"
    assert normalize_code("AEI.12") == "AEI.12"
    assert normalize_code("  ") is None


def test_plan_defaults_and_custom_rules() -> None:
    data = _raw()
    data["reglas"] = {"tope_avance": None, "avance_sin_meta": 0, "semaforo": {"verde": 95, "amarillo": 75}}
    plan = plan_from_dict(data)
    assert plan.reglas.tope_avance is None
    assert plan.reglas.avance_sin_meta == 0
    assert (plan.reglas.verde, plan.reglas.amarillo) == (95, 75)
    data["reglas"] = {"semaforo": {"verde": 40, "amarillo": 60}}
    assert dict(_problems(data))["reglas.semaforo"] == "el umbral amarillo no puede ser mayor que el verde"


def test_with_ejecutado_changes_only_executed_and_justification(example_plan: Plan) -> None:
    import dataclasses

    aos = list(example_plan.actividades())
    values = {ao.codigo: tuple(Decimal(i) for i in range(example_plan.n_periods)) for ao in aos[::2]}
    texts = {ao.codigo: (f"texto {ao.codigo}", "", "", "") for ao in aos[::3]}
    new = example_plan.with_ejecutado(values, texts)
    for old, got in zip(aos, new.actividades(), strict=True):
        if old.codigo in values or old.codigo in texts:
            expected = dataclasses.replace(old, ejecutado=values.get(old.codigo, old.ejecutado),
                                           justificacion=texts.get(old.codigo, old.justificacion))
            assert got == expected
        else:
            assert got is old
    assert dataclasses.replace(new, objetivos=example_plan.objetivos) == example_plan


def test_plan_figures_beyond_what_excel_holds_are_refused() -> None:
    """1e400 (read by YAML as a text), a 30-digit figure and 10^15 are refused with the key path; 15 significant
    digits under 10^15 are kept exactly (issue #21, case 6)."""
    data = _raw()
    _first_ao(data)["programado"] = ["1e400", "123456789012345678901234567890", 10**15, 0]
    problems = _problems(data)
    assert [p.rsplit(".", 1)[-1] for p, m in problems if "fuera de rango" in m] == \
        ["programado[0]", "programado[1]", "programado[2]"]
    data = _raw()
    _first_ao(data)["programado"] = ["999999999999999", "12345678.1234567", 0, 0]
    plan = plan_from_dict(data)
    assert next(plan.actividades()).programado[:2] == (Decimal("999999999999999"), Decimal("12345678.1234567"))


@pytest.mark.parametrize(("text", "said"), [
    ("a: &x [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
                                                    for p, c in zip("xabcdefgh", "abcdefghi", strict=True))
     + "narrativa: {texto: *i}\n", "alias de YAML"),
    ("a: " + "[" * 50_000 + "]" * 50_000 + "\n", "anidamiento"),
    ("anio: " + "9" * 5_000 + "\n", "no se puede leer"),
], ids=["bomba-de-alias", "anidamiento", "entero-enorme"])
def test_plan_file_that_would_explode_is_refused_before_it_is_built(tmp_path: Path, text: str, said: str) -> None:
    """A 1 KB alias bomb, 50,000 nesting levels or a 5,000-digit integer: a Spanish PlanError at once, no
    RecursionError, ValueError traceback nor gigabytes (issue #21, case 7)."""
    import tracemalloc

    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(PlanError) as info:
            load_plan(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert said in str(info.value)
    assert peak < 200 * 2**20


def test_plan_checks_name_what_a_person_got_wrong() -> None:
    """#22's plan checks: a typo in a nested key (which silently dropped what it held), a duplicate budget line (both
    rows then took the last figure typed), an instancia without a name; «Mensual» is the same as «mensual»."""
    data = _raw()
    _first_ao(data)["programdo"] = _first_ao(data).pop("programado")
    data["presupuesto"]["gastos"].append(dict(data["presupuesto"]["gastos"][0]))
    data["presupuesto"]["gastos"][-1]["rubro"] = " " + data["presupuesto"]["gastos"][0]["rubro"].upper()
    data["instancias"]["OAL"] = None
    data["reglas"]["semaforo"]["rojo"] = 10
    problems = dict(_problems(data))
    ao = "objetivos[0] (OEI.01).acciones[0] (AEI.01.01).actividades[0] (AO.01.01.01)"
    assert problems[f"{ao}.programdo"].startswith("clave desconocida «programdo» (revise la ortografía); se admiten: ")
    assert "programado" in problems[f"{ao}.programdo"]
    n = len(data["presupuesto"]["gastos"]) - 1
    assert problems[f"presupuesto.gastos[{n}].rubro"].startswith("rubro duplicado")
    assert "presupuesto.gastos[0]" in problems[f"presupuesto.gastos[{n}].rubro"]
    assert problems["instancias.OAL"] == "falta el texto"
    assert "«rojo»" in problems["reglas.semaforo.rojo"]

    data = _raw()
    data["periodicidad"] = "Mensual"
    for ao in (a for o in data["objetivos"] for ac in o["acciones"] for a in ac["actividades"]):
        ao["programado"] = [v for q in ao["programado"] for v in (q, 0, 0)]
        ao["ejecutado"] = [None if v is None else w for v in ao.get("ejecutado") or [None] * 4
                           for w in (v, 0, 0)] if ao.get("ejecutado") else None
        ao["justificacion"] = {"Jun" if k == "T2" else "2025-03": text
                               for k, text in ao.get("justificacion", {}).items()}
    for line in (*data["presupuesto"]["ingresos"], *data["presupuesto"]["gastos"]):
        line["ejecucion"] = {6: line["ejecucion"]["T2"]}  # a month by its number
    plan = plan_from_dict(data)
    assert plan.periodicidad == "mensual"
    assert plan.actividad("AO.03.01.03").justificacion[2] == plan.actividad("AO.03.01.03").justificacion[5] != ""
    assert plan.presupuesto.gastos[0].acumulado[5] == Decimal("864644.60")

    # a figure or a text that does not say its period is refused, naming the form that does
    data = _raw()
    _first_ao(data)["justificacion"] = "Texto sin periodo"
    data["presupuesto"]["gastos"][0]["ejecucion"] = 864644.60
    data["presupuesto"]["gastos"][1]["ejecucion"] = {"T5": 1}
    problems = dict(_problems(data))
    first = "objetivos[0] (OEI.01).acciones[0] (AEI.01.01).actividades[0] (AO.01.01.01)"
    assert problems[f"{first}.justificacion"] == ("debe indicar el periodo al que corresponde, por ejemplo "
                                               "justificacion: {T2: texto} (un texto por periodo)")
    assert problems["presupuesto.gastos[0].ejecucion"].startswith("debe indicar el periodo al que corresponde")
    assert problems["presupuesto.gastos[1].ejecucion.T5"] == "periodo «T5» desconocido: use uno de T1, T2, T3, T4"


def test_plan_an_aei_under_an_oei_its_code_does_not_extend_is_an_aviso(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """#22: AEI.02.01 typed under OEI.01 is taken where it stands (its OEI is the one above it) and named in an aviso,
    never an error; the bundled example has none."""
    from zedxl.cli import main
    from zedxl.plan import plan_avisos

    assert plan_avisos(plan_from_dict(_raw())) == []
    data = _raw()
    moved = data["objetivos"][1]["acciones"].pop(0)
    data["objetivos"][0]["acciones"].append(moved)
    plan = plan_from_dict(data)
    assert [a.codigo for a in plan.objetivos[0].acciones][-1] == "AEI.02.01"
    assert plan_avisos(plan) == ["la AEI.02.01 está bajo el OEI.01 pero su código no lo continúa; se toma como AEI "
                                 "del OEI.01 (revise si va en otro OEI)"]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["new", str(path), "-o", str(tmp_path / "m.xlsx")]) == 0
    err = capsys.readouterr().err
    assert "Aviso: la AEI.02.01 está bajo el OEI.01" in err and "Traceback" not in err


#: Both YAML loaders PyYAML offers, both real here: the one in C (libyaml) and the pure-Python one.
LOADERS = [pytest.param(yaml.SafeLoader, id="python"), pytest.param(yaml.CSafeLoader, id="libyaml")]


def big_plan_text(n_ao: int) -> str:
    """A plan file of ``n_ao`` AO written as people write YAML: comments, plain, quoted and block texts, flow and
    block lists, nulls as ``null`` and ``~``, per-period blocks, reprogramaciones with dates, a budget."""
    out = ["# Plan generado para comparar los dos lectores de YAML", "entidad: 'Entidad «grande» de prueba'",
           "sigla: GRANDE", "anio: 2025", "periodicidad: mensual",
           "instancias: {DPD: Dirección de Promoción, \"OGA\": \"Oficina General: Administración\"}",
           "responsable_presupuesto: OGA", "reglas: {tope_avance: ~, avance_sin_meta: 0}", "objetivos:"]
    per_aei = 50
    for a in range(-(-n_ao // per_aei)):
        o, k = a // 4 + 1, a % 4 + 1
        if k == 1:
            out += [f"  - codigo: OEI {o}", f"    nombre: Objetivo {o} de 'capacidades' #{o}: comentario",
                    "    acciones:"]
        out += [f"      - codigo: AEI.{o:02d}.{k:02d}", f'        nombre: "Acción {o}.{k}\tcon tabulador"',
                "        indicador: {nombre: Número de acciones, unidad: Acciones, meta_anual: 3, "
                f"ejecutado: {{S1: {a % 4}}}}}", "        actividades:"]
        for j in range(1, min(per_aei, n_ao - a * per_aei) + 1):
            x = a * per_aei + j
            unit, step = ("'% avance/100'", Decimal("0.2")) if x % 7 == 0 else ("Informes", Decimal(1))
            programado = ", ".join(str((x + m) % 5 * step) for m in range(12))
            out += [f"          - codigo: AO {o}.{k}.{j}", "            nombre: >-",
                    f"              Actividad {x}, con texto", "              plegado y ñandú",
                    f"            unidad: {unit}", f"            instancia: {'DPD' if x % 3 else 'OGA'}",
                    f"            programado: [{programado}]", "            ejecutado:"]
            out += [f"              - {v}" for v in [x % 4, "0.25", "null", "~", *["null"] * 8]]
            out += ["            justificacion:", "              Feb: |", f"                Línea uno del AO {x}.",
                    "                Línea dos: «citada» y 'simple'."]
            if x % 11 == 0:
                out += ["            reprogramaciones:", "              - fecha: 2025-07-10",
                        "                programado: {Ago: 4, 2025-09: 1}",
                        f"                justificacion: 'Reprogramado por el memorando {x}'",
                        f"                documento: Memorando N° {x:03d}-2025"]
            if x % 13 == 0:
                out += [f"            financiero: {{pim: {x}.50, devengado: {{Ene: 100.25, '3': 7}}}}"]
    out += ["presupuesto:", "  ingresos: []", "  gastos:",
            "    - {rubro: Bienes y Servicios, pia: 1200.5, pim: 0, ejecucion: {Ene: 10, Feb: 20.75}}",
            "    - rubro: Otros Gastos", "      pia: ~", "      pim: 3000", "      ejecucion: [1, 2, 3, null, null, "
            "null, null, null, null, null, null, null]"]
    return "\n".join(out) + "\n"


def test_plan_yaml_loader_is_libyaml_where_pyyaml_has_it() -> None:
    """PyYAML's wheels carry libyaml; zedxl then builds plans with it (about three times faster than in Python)."""
    assert yaml.__with_libyaml__
    assert YAML_LOADER is yaml.CSafeLoader


def test_plan_both_yaml_loaders_build_the_same_plan(tmp_path: Path) -> None:
    """The bundled example and a generated plan of 600 AO: libyaml and the pure-Python loader build the same data,
    hence the same Plan; ``load_plan`` builds it too."""
    big = big_plan_text(600)
    for text in (EXAMPLE.read_text(encoding="utf-8"), big):
        python, libyaml = (parse_plan_yaml(text, "plan.yaml", loader) for loader in (yaml.SafeLoader, yaml.CSafeLoader))
        assert libyaml == python
        assert plan_from_dict(libyaml) == plan_from_dict(python)
    plan = plan_from_dict(python)
    assert sum(1 for _ in plan.actividades()) == 600
    assert sum(1 for ao in plan.actividades() if ao.reprogramaciones) == 600 // 11
    path = tmp_path / "grande.yaml"
    path.write_text(big, encoding="utf-8")
    assert load_plan(path) == plan


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(("text", "said"), [
    ("a: &x [1, 2]\nb:\n  - c\n  - *x\n", "línea 4: usa un alias de YAML"),
    ("a:\n" + "".join("  " * d + f"- k{d}:\n" for d in range(1, 40)), "línea 21: anidamiento de más de 40"),
    ("a: " + "[" * 50_000 + "]" * 50_000 + "\n", "línea 1: anidamiento de más de 40"),
], ids=["alias", "anidamiento-en-bloque", "anidamiento-en-linea"])
def test_plan_yaml_shape_check_refuses_with_either_loader(loader: Any, text: str, said: str) -> None:
    """An alias or nesting beyond 40 levels is refused from the parser's events, at the same line, whichever loader
    builds the plan."""
    with pytest.raises(PlanError, match=said):
        parse_plan_yaml(text, "plan.yaml", loader)
