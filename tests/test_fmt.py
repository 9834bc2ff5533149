"""Peruvian amount format and display rounding."""

from __future__ import annotations

from decimal import Decimal as D

from zedxl.fmt import count, money, num1, pct, qty


def test_fmt_money_the_peruvian_way() -> None:
    assert money(D(4821520)) == "S/ 4'821,520.00"
    assert money(D("20624225.72")) == "S/ 20'624,225.72"
    assert money(D("435700.22")) == "S/ 435,700.22"
    assert money(D("500.83"), symbol=False) == "500.83"
    assert money(D("0.005")) == "S/ 0.01"
    assert money(None) == ""


def test_fmt_pct_qty_num1() -> None:
    assert pct(D(2) / D(3) * 100) == "66.67"
    assert pct(None, "—") == "—"
    assert qty(D("0.40")) == "0.4" and qty(D(3)) == "3"
    assert num1(D("4.2")) == "4.2" and num1(D(5)) == "5.0"


def test_fmt_count_agrees_in_number() -> None:
    assert [count(n, "error", "errores") for n in (0, 1, 2)] == ["0 errores", "1 error", "2 errores"]
    assert count(1, "aviso", "avisos") == "1 aviso"


def test_fmt_printable_shows_what_could_fake_or_hide_output() -> None:
    import zedxl.consolidation  # noqa: F401 - registers the issue used below
    from zedxl.fmt import printable
    from zedxl.issues import make_issue

    assert printable("DPD – Dirección\u00a0de Planeamiento") == "DPD – Dirección\u00a0de Planeamiento"
    assert printable("a\nb\rc\td") == "a\\u000ab\\u000dc\\u0009d"
    assert printable("libro\u202eslx.exe") == "libro\\u202eslx.exe"  # right-to-left override
    assert printable("O\u200bGA") == "O\\u200bGA"  # zero-width space
    message = make_issue("retorno-ya-consolidado", file="falso.xlsx\nCONSOLIDADO todo.xlsx").message
    assert "\n" not in message and "falso.xlsx\\u000aCONSOLIDADO" in message


def test_fmt_match_key_sets_accents_case_spaces_and_punctuation_aside() -> None:
    from zedxl.fmt import match_key

    assert match_key("Código  AO") == match_key("CODIGO AO") == "codigo ao"
    assert match_key("F(SE) 01") == "f se 01" and match_key("Unidad (U.M.)") == "unidad u m"
    assert match_key("Actividad Operativa ID_CEPLAN") == "actividad operativa id ceplan"
    assert match_key("% avance") == "% avance" != match_key("avance") and match_key(None) == ""
