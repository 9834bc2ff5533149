"""Period labels and A1 references."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zedxl.a1 import MAX_COLS, MAX_ROWS, clean_sheet_name, col_index, col_letter, from_a1, to_a1
from zedxl.errors import PeriodError
from zedxl.periods import parse_period


def test_periods_quarterly_labels() -> None:
    s1 = parse_period("2025-S1", 2025, "trimestral")
    assert (s1.start, s1.stop, s1.label, s1.name) == (0, 2, "2025-S1", "I Semestre 2025")
    t3 = parse_period("2025-t3", 2025, "trimestral")
    assert (t3.start, t3.stop, t3.short) == (2, 3, "T3")
    year = parse_period("2025", 2025, "trimestral")
    assert (year.start, year.stop, year.short) == (0, 4, "Anual")


def test_periods_monthly_labels() -> None:
    mar = parse_period("2025-03", 2025, "mensual")
    assert (mar.start, mar.stop, mar.label, mar.short, mar.name) == (2, 3, "2025-03", "Mar", "Marzo 2025")
    s2 = parse_period("2025-S2", 2025, "mensual")
    assert (s2.start, s2.stop) == (6, 12)
    t2 = parse_period("2025-T2", 2025, "mensual")
    assert (t2.start, t2.stop) == (3, 6)


@pytest.mark.parametrize(("label", "message"), [
    ("2024-S1", "no corresponde al año del plan"),
    ("2025-03", "El plan es trimestral"),
    ("2025-13", "el mes debe estar entre 01 y 12"),
    ("S1", "no válido"),
])
def test_periods_bad_labels_are_explained(label: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(label, 2025, "trimestral")


@given(st.integers(min_value=0, max_value=MAX_ROWS - 1), st.integers(min_value=0, max_value=MAX_COLS - 1))
def test_a1_round_trips(row: int, col: int) -> None:
    assert from_a1(to_a1(row, col)) == (row, col)
    assert col_index(col_letter(col)) == col


def test_a1_known_values_and_sheet_names() -> None:
    assert to_a1(11, 2) == "C12"
    assert col_letter(16383) == "XFD"
    assert from_a1("$K$14") == (13, 10)
    assert clean_sheet_name("OEI.01") == "OEI.01"
    assert clean_sheet_name("a/b:c*d?e[f]" + "x" * 40) == ("a_b_c_d_e_f_" + "x" * 40)[:31]
