"""The C accelerator of intake's sheet scan (``zedxl._scan``) against the Python scan it stands in for."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zedxl.intake as intake
from tests import hostile
from zedxl.demo import fill_office_workbook, office_figures
from zedxl.model import Actividad, Plan
from zedxl.periods import parse_period
from zedxl.rules import SMALL_INTS
from zedxl.split import split
from zedxl.validate import read_return
from zedxl.xlsx.office_write import CellSpec


def python_scan(sd: bytes, keep: bool) -> tuple[object, ...] | None:
    """What ``fast_scan`` gets without the accelerator: None when the regular expression misses a cell tag."""
    matches = intake._FAST_CELL.findall(sd)
    n_tags = sd.count(b"<c")
    if n_tags != sd.count(b"<c "):
        n_tags = sum(sd.count(t) for t in intake._CELL_TAGS)
    if len(matches) != n_tags:
        return None
    return intake._cells_one_by_one(matches, "Hoja", keep)


def well_formed(sd: bytes) -> bool:
    try:
        intake._new_parser().Parse(sd, True)
    except Exception:  # noqa: BLE001 - expat's verdict is the point
        return False
    return True


def agree(sd: bytes, keep: bool = True) -> bool:
    """The accelerator either declines (NotImplemented) or gives exactly the Python result; True if it answered.
    In strict mode it answers only for what expat finds well formed, and then the same."""
    got = intake._c_scan.scan_cells(sd, keep)
    strict = intake._c_scan.scan_cells(sd, keep, True)
    if strict is not NotImplemented:
        assert well_formed(sd), sd[:300]
        assert strict[:8] == got, sd[:300]
        # the counts that stand for intake's own passes over the bytes
        n_rows, n_fast_rows, max_fast_row, elements = strict[8:]
        fast_rows = intake._FAST_ROW.findall(sd)
        assert n_rows == sd.count(b"<row"), sd[:300]
        assert n_fast_rows == len(fast_rows), sd[:300]
        assert max_fast_row == max(map(int, fast_rows), default=0), sd[:300]
        assert elements == sd.count(b"<") - sd.count(b"</") - 1, sd[:300]
        assert not intake._has_prefixed_tag(sd), sd[:300]
    if got is NotImplemented:
        return False
    assert len(got) == 8
    assert got[:7] == python_scan(sd, keep), sd[:300]
    assert got[7] == len(intake._FAST_CELL.findall(sd))
    return True


def sheet_data(part: bytes) -> bytes:
    i, j = part.find(b"<sheetData"), part.find(b"</sheetData>")
    return part[i: j + len(b"</sheetData>")] if j >= 0 else b""


def split_and_fill(master: Path, plan: Plan, label: str, folder: Path, n_filled: int = 99) -> list[Path]:
    period = parse_period(label, plan.anio, plan.periodicidad)
    books = split(master, label, folder)
    for book in books[:n_filled]:
        values, texts = office_figures(plan, period, book.stem.rsplit("-", 1)[-1])
        fill_office_workbook(book, period, values, texts)
    return books


def returns_sheet_parts(master: Path, plan: Plan, folder: Path) -> Iterator[bytes]:
    """Every worksheet part of the second quarter's returns, split and filled."""
    for book in split_and_fill(master, plan, "2025-T2", folder):
        with zipfile.ZipFile(book) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    yield zf.read(name)


def test_scan_same_cells_on_split_and_filled_returns(tmp_path: Path, master: Path, example_plan: Plan) -> None:
    answered = 0
    for part in returns_sheet_parts(master, example_plan, tmp_path / "libros"):
        sd = sheet_data(part)
        answered += agree(sd)
        answered += agree(sd, keep=False)
        # and in strict mode, so intake skips expat's pass over these cells
        answered += intake._c_scan.scan_cells(sd, True, True) is not NotImplemented
    # the plain shape openpyxl writes (inline strings with references, formulas, numbers) is the C path's own
    assert answered > 30


def corpus_workbooks(built: Path) -> list[Path]:
    """The hostile corpus' workbooks (the project's and ``ZEDXL_CORPUS``'s)."""
    return [p for p in (e.path(built) for e in hostile.entries()) if p.suffix.lower() in (".xlsx", ".xlsm")]


def corpus_sheet_parts(built: Path) -> Iterator[bytes]:
    """Every worksheet part of the hostile corpus that can be read (damaged members are the corpus' point)."""
    files = corpus_workbooks(built)
    assert files
    for path in files:
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            continue
        with zf:
            for info in zf.infolist():
                if info.filename.startswith("xl/worksheets/") and info.file_size < 4_000_000:
                    try:
                        part = zf.read(info)
                    except Exception:  # noqa: BLE001 - damaged members are the corpus' point
                        continue
                    yield part


def test_scan_same_cells_on_hostile_corpus(hostile_corpus: Path) -> None:
    for part in corpus_sheet_parts(hostile_corpus):
        agree(sheet_data(part))


def test_scan_declines_what_python_must_judge() -> None:
    plain = b'<sheetData><row r="1"><c r="A1" s="2"><v>3</v></c></row></sheetData>'
    assert agree(plain)
    for odd in (
        b'<sheetData><row r="1"><c r="A1" t="e"><v>#DIV/0!</v></c></row></sheetData>',  # error cell: noted
        b'<sheetData><row r="1"><c r="A1"><v>1e999</v></c></row></sheetData>',  # not a plain number
        b'<sheetData><row r="1"><c r="A1"><f t="shared" si="0"/><v>1</v></c></row></sheetData>',
        b'<sheetData><row r="1"><c r="XFE1"><v>1</v></c></row></sheetData>',  # beyond the last column
        b'<sheetData><row r="1"><c r="A1" cm="1"><v>1</v></c></row></sheetData>',
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row></sheetData>',
        b'<sheetData><row r="1"><c r="A1"><v>&#X41;</v></c></row></sheetData>',
        b'<sheetData><row r="1"><c r="A1"><v>&#xD800;</v></c></row></sheetData>',
        b'<sheetData><row r="1"><x:c r="A1"/></row></sheetData>',
    ):
        assert intake._c_scan.scan_cells(odd, True) is NotImplemented, odd


# -- generated sheets: building blocks of real cells, then random damage ----------------------------------------
TEXTS = st.sampled_from([
    b"", b"0", b"12", b"-3.5", b"1E+2", b"2.5e-07", b" ", b"abc", b"1.2.3", b"007", b"9" * 16, b"3.",
    b"caf\xc3\xa9", b"a&amp;b", b"&lt;&gt;&quot;&apos;", b"&#233;&#x1F600;", b"x\r\ny\rz", b"&#13;\r\n",
    b"&#0;", b"&#xD800;", b"&#X41;", b"&nbsp;", b"&", b"\xff\xfe", b"SUM(A1:B2)", b'IF(A1="","",1)',
    b"a\x01b", b"\x0b", b"\x0c", b"x]]>y", b"]]", b"]>", b"\xef\xbf\xbe", b"\xef\xbf\xbd", b"\xed\xa0\x80",
    b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98\x80", b"&#1;", b"&#xFFFE;", b"&#x10FFFF;", b"&#9;",
    b"&#123456789;", b"&amp", b"&#;", b"&#x;", b"'", b'"', b">",
])
LETTERS = st.sampled_from([b"A", b"Z", b"AA", b"XFD", b"XFE", b"ZZZ", b"a", b"AAAA", b""])
ROWS = st.sampled_from([b"1", b"9", b"10", b"1048576", b"1048577", b"9999999", b"0", b"01", b"12345678"])
STYLES = st.sampled_from([None, b"0", b"3", b"123456789", b"1234567890", b"x"])
TYPES = st.sampled_from([None, b"n", b"s", b"str", b"b", b"e", b"inlineStr", b"d", b"", b"abcdefghijklm"])


NUMBERS = st.sampled_from([b"", b"0", b"12", b"-3.5", b"1E+2", b"2.5e-07", b" ", b"007", b"3.", b"123456789012345"])
GOOD_TEXTS = st.sampled_from([b"abc", b"caf\xc3\xa9", b"a&amp;b", b"&lt;&gt;&quot;&apos;", b"&#233;&#x1F600;",
                              b"x\r\ny\rz", b"&#13;\r\n", b"SUM(A1:B2)", b'IF(A1="","",1)', b"  a  "])


@st.composite
def cells(draw: st.DrawFn, plain: bool = False) -> bytes:
    """One <c>: ``plain`` draws only shapes and texts the accelerator reads, otherwise anything nearby."""
    if plain:
        letters = draw(st.sampled_from([b"A", b"Z", b"AA", b"XFD"]))
        row = draw(st.sampled_from([b"1", b"9", b"10", b"1048576"]))
        style = draw(st.sampled_from([None, b"0", b"3", b"123456789"]))
        kind = draw(st.sampled_from([None, b"n", b"s", b"str", b"b", b"inlineStr", b"d"]))
    else:
        letters, row, style, kind = draw(LETTERS), draw(ROWS), draw(STYLES), draw(TYPES)
    out = b'<c r="' + letters + row + b'"'
    if style is not None:
        out += b' s="' + style + b'"'
    if kind is not None:
        out += b' t="' + kind + b'"'
    out += draw(st.sampled_from([b"", b" ", b"\n"] if plain else [b"", b" ", b"\n", b' cm="1"', b' vm="x"', b"\x0b"]))
    parts = []
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from([b"<f>{}</f>", b"<f/>", b"<f></f>"] if plain else [
            b"<f>{}</f>", b"<f/>", b"<f></f>", b'<f t="array" ref="A1">{}</f>', b'<f ca="1">{}</f>'])))
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from([b"<v>{}</v>", b"<v/>", b"<v></v>"])))
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from([b"<is><t>{}</t></is>", b'<is><t xml:space="preserve">{}</t></is>'] if plain
                                          else [b"<is><t>{}</t></is>", b'<is><t xml:space="preserve">{}</t></is>',
                                                b"<is><r><t>{}</t></r></is>", b"<is><t/></is>"])))
    if not plain and draw(st.booleans()):
        parts.reverse()
    if not parts and draw(st.booleans()):
        return out + b"/>"
    body = b""
    for p in parts:
        if not plain:
            text = draw(TEXTS)
        elif p.startswith(b"<v") and kind in (None, b"n"):
            text = draw(NUMBERS)
        else:
            text = draw(GOOD_TEXTS)
        body += p.replace(b"{}", text)
    return out + b">" + body + b"</c>"


@st.composite
def sheets(draw: st.DrawFn, plain: bool = False) -> bytes:
    rows = []
    for r in range(draw(st.integers(0, 4))):
        heads = [b'<row r="%d">', b'<row r="%d" spans="1:3" ht="30" customHeight="1">', b"<row>", b'<row r="%d"/>',
                 b"<row r='%d' x14ac:dyDescent=\"0.25\">", b'<row\n r = "%d"\t>', b'<row r="%d" ht="1&amp;2">']
        odd = [b"<rowx>", b'<row r="%d" r="2">', b'<row r="%d"ht="3">', b'<row r="%d" h\xc3\xa9="1">',
               b'<row r="%d" a="x&y">', b'<row r="%d" a="\x01">', b'<row r="%d" a=\'"\'>', b"<row r=%d>",
               b'<row r="%d" 1a="2">', b'<row r="%d" a="1" b="2" c="3" d="4" e="5" f="6" g="7" h="8" i="9" j="1" '
               b'k="1" l="1" m="1" n="1" o="1" p="1" q="1">', b'<row r="%d" a="b"\x0b>', b'<row r="%d"   >']
        head = draw(st.sampled_from(heads if plain else [*heads, *odd]))
        head = head.replace(b"%d", str(r + 1).encode())
        if head.endswith(b"/>"):
            rows.append(head)
            continue
        rows.append(head + b"".join(draw(st.lists(cells(plain), max_size=5)))
                    + draw(st.sampled_from([b"", b"\n  "] if plain else [b"", b"\n  ", b"<col/>"])) + b"</row>")
    sd = b"<sheetData>" + b"".join(rows) + b"</sheetData>"
    if not plain:
        sd = draw(st.sampled_from([b"", b" ", b"x", b"<row>"])) + sd + draw(st.sampled_from([b"", b"\n", b"</row>"]))
    return sd


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(plain=True), st.booleans())
def test_scan_generated_plain_sheets_read_by_accelerator(sd: bytes, keep: bool) -> None:
    assert agree(sd, keep), sd
    # plain sheets are well formed, and the strict mode (which lets intake skip expat) reads them too
    assert intake._c_scan.scan_cells(sd, keep, True) is not NotImplemented, sd


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(), st.booleans())
def test_scan_generated_sheets_agree(sd: bytes, keep: bool) -> None:
    agree(sd, keep)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(sheets(), sheets(plain=True)),
       st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=3)), max_size=4))
def test_scan_damaged_sheets_agree_or_decline(sd: bytes, cuts: list[tuple[int, bytes]]) -> None:
    # random bytes cut and spliced in: the accelerator must never crash, read out of bounds or answer differently
    for at, junk in cuts:
        at %= len(sd) + 1
        sd = sd[:at] + junk + sd[at + len(junk) // 2:]
    agree(sd)


def test_scan_reads_returns_the_same_without_accelerator(tmp_path: Path, master: Path, example_plan: Plan) -> None:
    books = split_and_fill(master, example_plan, "2025-T1", tmp_path / "libros", n_filled=2)
    with_c = [read_return(b) for b in books]
    accelerator, intake._c_scan = intake._c_scan, None
    try:
        without = [read_return(b) for b in books]
    finally:
        intake._c_scan = accelerator
    assert with_c == without
    assert all(r.fast for r in with_c)


def test_light_workbook_takes_the_parts_intake_read_and_opens_no_zip(
        tmp_path: Path, master: Path, example_plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    from zedxl.xlsx import office_scan

    books = split_and_fill(master, example_plan, "2025-T1", tmp_path / "libros", n_filled=2)
    expected = [read_return(b) for b in books]
    got = intake.inspect(books[0], keep_cells=True)
    assert got.parts is not None and "xl/styles.xml" in got.parts and "[Content_Types].xml" in got.parts
    with zipfile.ZipFile(books[0]) as zf:
        assert all(zf.read(name) == data for name, data in got.parts.items())
        assert set(got.member_names) == {n for n in zf.namelist() if not n.endswith("/")}

    def no_zip(self: object) -> None:
        raise AssertionError("the light workbook opened the zip again")

    monkeypatch.setattr(office_scan._Members, "_zip", no_zip)
    again = [read_return(b) for b in books]
    assert again == expected and all(r.fast for r in again)
    # without the kept parts (as for a package intake did not read whole) the zip is read, with the same result
    monkeypatch.undo()
    real = intake.inspect

    def without_parts(*args: object, **kwargs: object) -> intake.Intake:
        import dataclasses

        return dataclasses.replace(real(*args, **kwargs), parts={})  # type: ignore[arg-type]

    monkeypatch.setattr("zedxl.validate.inspect", without_parts)
    assert [read_return(b) for b in books] == expected
    monkeypatch.undo()
    # what intake keeps is bounded in all (a hostile package of thousands of small parts is not held whole): with
    # a small bound it keeps less, and the reader opens the zip for the rest, to the same result
    monkeypatch.setattr(intake, "_KEEP_MAX_BYTES", 20_000)
    small = intake.inspect(books[0], keep_cells=True)
    assert small.parts is not None and 0 < sum(map(len, small.parts.values())) <= 20_000 < sum(
        map(len, got.parts.values()))
    bounded = [read_return(b) for b in books]
    assert bounded == expected and all(r.fast for r in bounded)


def test_scan_master_read_the_same_without_accelerator(master: Path, tmp_path: Path) -> None:
    from zedxl.xlsx.master_read import _formula_dict, _formulas_by_regex, _plain_formula_cells, _Reader, read_master

    with_c = read_master(master)
    reader = _Reader(master)
    try:
        parts = {s: reader.zip.read(p) for s, p in reader.parts.items()}
    finally:
        reader.close()
    formulas_c = {}
    for sheet, data in parts.items():
        cells = _plain_formula_cells(data)
        assert cells is not None, sheet  # XlsxWriter's plain shape: the C scan answers for every sheet
        formulas_c[sheet] = _formula_dict(cells)
    formulas_py = {sheet: _formulas_by_regex(data) for sheet, data in parts.items()}
    accelerator, intake._c_scan = intake._c_scan, None
    try:
        without = read_master(master)
    finally:
        intake._c_scan = accelerator
    assert sum(map(len, formulas_c.values())) > 100  # the master's OEI sheets are full of formulas
    assert formulas_c == formulas_py
    assert with_c == without


# -- the light workbook's cells (office_scan): build_cells against _sheet_cells ---------------------------------
def _context(formats: list[str], dates: frozenset[int], sst: list[str] | None) -> object:
    from zedxl.xlsx import office_scan

    ctx = office_scan._Context.__new__(office_scan._Context)
    ctx.formats, ctx.dates, ctx.deltas, ctx.sst, ctx.book = formats, dates, frozenset(), sst, None
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900
    ctx.epoch = CALENDAR_WINDOWS_1900
    ctx.path = Path("no-existe.xlsx")  # a cell that needs python-calamine's grid is declined by C anyway
    return ctx


def _shown(cells: dict[tuple[int, int], object]) -> dict[tuple[int, int], tuple[object, ...]]:
    """Every cell as (repr of its value, the value's type, data_type, number_format): 1 and 1.0 differ."""
    return {k: (repr(c.value), type(c.value), c.data_type, c.number_format)  # type: ignore[attr-defined]
            for k, c in cells.items()}


def cells_agree(facts: list[tuple[object, ...]], formats: list[str], dates: frozenset[int],
                sst: list[str] | None) -> bool:
    """build_cells declines, or gives exactly what the Python reference gives; True if it answered."""
    from zedxl.xlsx import office_scan

    got = intake._c_scan.build_cells(facts, formats, dates, sst)
    if got is NotImplemented:
        return False
    reference = office_scan._sheet_cells(_context(formats, dates, sst), "Hoja", facts)  # must not decline
    assert _shown(got) == _shown(reference), facts
    return True


def test_build_cells_on_split_and_filled_returns(tmp_path: Path, master: Path, example_plan: Plan) -> None:
    from zedxl.xlsx import office_scan

    answered = declined = 0
    for book in split_and_fill(master, example_plan, "2025-T2", tmp_path / "libros"):
        got = intake.inspect(book, keep_cells=True)
        assert got.cells is not None
        ctx = office_scan._Context(book, got)
        for facts in got.cells.values():
            if cells_agree(list(facts), ctx.formats, ctx.dates, ctx.sst):
                answered += 1
            else:
                declined += 1
    # every sheet of a split-and-filled return is built in C
    assert answered > 10 and declined == 0


def test_build_cells_on_hostile_corpus(hostile_corpus: Path) -> None:
    from zedxl.xlsx import office_scan

    files = corpus_workbooks(hostile_corpus)
    answered = 0
    for path in files:
        got = intake.inspect(path, keep_cells=True)
        if got.cells is None or got.number_formats is None:
            continue
        try:
            ctx = office_scan._Context(path, got)
        except office_scan._Unsupported:  # a file the light workbook leaves to openpyxl
            continue
        for facts in got.cells.values():
            answered += cells_agree(list(facts), ctx.formats, ctx.dates, ctx.sst)
    assert answered > 0


def test_build_cells_declines_what_python_must_build() -> None:
    formats = ["General", "0.00", "dd/mm/yyyy"]
    dates = frozenset({2})
    assert cells_agree([(0, 0, 1, None, "2.5", None)], formats, dates, None)
    for odd in (
        (0, 0, 3, None, "1", None),  # a style with no number format
        (0, 0, 2, "n", "45000", None),  # a date: Python converts it
        (0, 0, 0, "n", "1 2", None),  # not a number
        (0, 0, 0, "s", "7", None),  # a shared string with no table (python-calamine reads it)
        (0, 0, 0, "b", "1", None), (0, 0, 0, "e", "#N/A", None), (0, 0, 0, "str", "x", None),
        (0, 0, 0, "d", "2025-01-01", None),
    ):
        assert intake._c_scan.build_cells([odd], formats, dates, None) is NotImplemented, odd
    assert intake._c_scan.build_cells([(0, 0, 0, "s", "9", None)], formats, dates, ["a"]) is NotImplemented
    # the cell is read-only, like every cell the checks look at
    cell = intake._c_scan.build_cells([(0, 0, 0, "s", "-1", None)], formats, dates, ["a", "b"])[(0, 0)]
    assert (cell.value, cell.data_type, cell.number_format) == ("b", "s", "General")
    with pytest.raises(AttributeError):
        cell.value = "c"


RAWS = st.sampled_from([None, "", "0", "1", "-3", "2.5", "1E+2", "1e-3", "007", " 4 ", "1_000", "+5", "nan",
                        "inf", "-0", "1.", "abc", "1,5", "٣", "99999999999999999999", "0x10", "-1", "5"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(-1, 4),
                          st.sampled_from([None, "n", "s", "inlineStr", "str", "b", "e", "d", "x"]), RAWS,
                          st.sampled_from([None, "SUM(A1:B2)", "", "A1*2"])), max_size=12),
       st.frozensets(st.integers(0, 4), max_size=2), st.one_of(st.none(), st.lists(st.text(max_size=3), max_size=6)))
def test_build_cells_generated_facts_agree(facts: list[tuple[object, ...]], dates: frozenset[int],
                                           sst: list[str] | None) -> None:
    formats = ["General", "0", "0.00", "dd/mm/yyyy"]
    cells_agree(facts, formats, dates, sst)


# -- the master's AO rows: render_row against _AoRowTemplate.render_py ------------------------------------------
def _master_parts(plan: Plan, target: Path, accelerated: bool) -> dict[str, bytes]:
    from zedxl.xlsx.master_write import write_master

    accelerator = intake._c_scan
    if not accelerated:
        intake._c_scan = None
    try:
        write_master(plan, str(target))
    finally:
        intake._c_scan = accelerator
    with zipfile.ZipFile(target) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_render_row_writes_the_master_python_writes(tmp_path: Path, example_plan: Plan) -> None:
    from tests.test_master import _awkward

    for k, plan in enumerate((example_plan, _awkward(example_plan))):
        assert _master_parts(plan, tmp_path / f"c{k}.xlsx", True) == _master_parts(plan, tmp_path / f"py{k}.xlsx",
                                                                                   False)


AMOUNTS = st.one_of(st.none(), st.decimals(min_value=-10**15, max_value=10**15, places=7, allow_nan=False),
                    st.sampled_from([Decimal("1E+20"), Decimal("1E-20"), Decimal("0.1"), Decimal("-0"),
                                     Decimal("123456789012345678"), Decimal("2.5")]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(AMOUNTS, min_size=8, max_size=8), st.text(max_size=12))
def test_render_row_generated_values(tmp_path: Path, example_plan: Plan, amounts: list[Decimal | None],
                                     text: str) -> None:
    import dataclasses

    ao = example_plan.objetivos[0].acciones[0].actividades[0]
    n = len(ao.programado)
    changed = dataclasses.replace(ao, nombre=text or "x", justificacion=text,
                                  programado=tuple(a if a is not None else Decimal(0) for a in amounts[:n]),
                                  ejecutado=tuple(amounts[n: 2 * n]) + (None,) * (n - len(amounts[n: 2 * n])))
    aei = dataclasses.replace(example_plan.objetivos[0].acciones[0], actividades=(changed,))
    oei = dataclasses.replace(example_plan.objetivos[0], acciones=(aei,))
    plan = dataclasses.replace(example_plan, objetivos=(oei,))
    assert _master_parts(plan, tmp_path / "c.xlsx", True) == _master_parts(plan, tmp_path / "py.xlsx", False)


# -- an AO's figures in the master: ao_stats against MasterWriter.ao_stats_py -------------------------------------
RULES = st.builds(lambda tope, sin_meta, verde: (tope, sin_meta, verde),
                  st.sampled_from([None, Decimal(100), Decimal(150), Decimal("99.5"), Decimal(0)]),
                  st.sampled_from([Decimal(100), Decimal(0), Decimal("50.5")]),
                  st.sampled_from([Decimal(90), Decimal(0), Decimal("100.01")]))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["mensual", "trimestral"]), st.lists(AMOUNTS, min_size=24, max_size=24), RULES,
       st.sampled_from(["ninguno", "algunos", "todos", "generados"]))
def test_ao_stats_agree(periodicidad: str, amounts: list[Decimal | None], reglas: tuple[Any, Any, Any],
                        reported: str) -> None:
    """The C accelerator's figures of an AO (sums, progress, status of each semester and the year) are
    ``ao_stats_py``'s, digit for digit (the same Decimal operations in the same order)."""
    from zedxl.model import Reglas
    from zedxl.periods import n_base
    from zedxl.xlsx.master_write import MasterWriter

    n = n_base(periodicidad)  # type: ignore[arg-type]
    prog = tuple(a if a is not None else Decimal(0) for a in amounts[:n])
    ejec = {"ninguno": (None,) * n, "todos": tuple(a if a is not None else Decimal(1) for a in amounts[n:2 * n]),
            "algunos": tuple(a if k % 3 else None for k, a in enumerate(amounts[n:2 * n], start=1)),
            "generados": tuple(amounts[n:2 * n])}[reported]
    plan = Plan(entidad="E", sigla="E", anio=2025, periodicidad=periodicidad,  # type: ignore[arg-type]
                instancias={"A": "A"}, objetivos=(),
                reglas=Reglas(tope_avance=reglas[0], avance_sin_meta=reglas[1], verde=reglas[2]))
    ao = Actividad("AO.01.01.01", "x", "Informe", "A", prog, ejec)
    writer = MasterWriter(plan)

    def both() -> tuple[str, str]:
        writer._stats.clear()
        try:
            c: object = writer.ao_stats(ao)
        except Exception as e:  # noqa: BLE001 - the same error both ways
            c = type(e)
        try:
            py: object = writer.ao_stats_py(ao)
        except Exception as e:  # noqa: BLE001
            py = type(e)
        return repr(c), repr(py)

    c, py = both()
    assert c == py
    assert intake._c_scan.ao_stats(prog, ejec, n, n // 2, Decimal(0), Decimal(100), reglas, ("a",) * 6) \
        is not NotImplemented
    # a row of another shape is declined, not misread
    assert intake._c_scan.ao_stats(list(prog), ejec, n, n // 2, Decimal(0), Decimal(100), reglas,
                                   ("a",) * 6) is NotImplemented
    assert intake._c_scan.ao_stats(prog[:-1], ejec, n, n // 2, Decimal(0), Decimal(100), reglas,
                                   ("a",) * 6) is NotImplemented


# -- the master's rows: master_rows against master_read._rows_py --------------------------------------------------
GRID_VALUES = st.one_of(st.sampled_from(["", "x", " ", "=A1", 0.0, -0.0, 1.0, 2.5, 1e16, 2.0**53, 2.0**53 - 1,
                                         -(2.0**53), float("inf"), float("nan"), True, None, 7]),
                        st.floats(), st.text(max_size=3))
FORMULA_CELLS = st.tuples(st.sampled_from([b"A", b"B", b"Z", b"AA", b"XFD", b"XFE", b"a", b"", b"AAAA"]),
                          st.sampled_from([b"1", b"2", b"9", b"12", b"0", b"100", b"", b"x1"]),
                          st.sampled_from(["SUM(A1:B1)", "", "1+1"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(GRID_VALUES, max_size=6), max_size=6), st.lists(FORMULA_CELLS, max_size=6))
def test_master_rows_agree(grid: list[list[object]], cells: list[tuple[bytes, bytes, str]]) -> None:
    from zedxl.a1 import col_index
    from zedxl.xlsx.master_read import _rows_py

    got = intake._c_scan.master_rows(grid, cells)
    if got is NotImplemented:  # only for what the scan never gives: bad letters or row digits
        assert any(not (1 <= len(a) <= 3 and a.isupper() and a.isalpha()) or not r.isdigit() or int(r) < 1
                   or col_index(a.decode()) >= 16384 for a, r, _ in cells)
        return
    formulas = {(int(r) - 1, col_index(a.decode())): "=" + t for a, r, t in cells}
    reference = _rows_py(grid, formulas)
    assert [tuple(map(repr, row)) for row in got] == [tuple(map(repr, row)) for row in reference]
    assert [tuple(map(type, row)) for row in got] == [tuple(map(type, row)) for row in reference]


def test_master_rows_declines_what_it_does_not_know() -> None:
    from zedxl.xlsx.master_read import _rows_py

    assert intake._c_scan.master_rows([("a",)], []) is NotImplemented  # rows that are not lists
    assert intake._c_scan.master_rows([[1.0]], [(b"a1", b"1", "X")]) is NotImplemented
    grid: list[list[object]] = [["", 2.0, 2.5], []]
    got = intake._c_scan.master_rows(grid, [(b"B", b"3", "SUM(A1:A2)")])
    assert got == _rows_py(grid, {(2, 1): "=SUM(A1:A2)"}) == [(None, 2, 2.5), (), (None, "=SUM(A1:A2)")]


# -- the master's rows without python-calamine: master_cells against python-calamine itself ---------------------
def _trimmed(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Rows without trailing None and trailing empty rows (what ``_Reader.rows`` may leave out), each value with
    its type (1 and 1.0 and True are equal in Python, not for the reader)."""
    out = []
    for row in rows:
        n = max((i + 1 for i, v in enumerate(row) if v is not None), default=0)
        out.append(tuple((type(v).__name__, repr(v)) for v in row[:n]))
    while out and not out[-1]:
        out.pop()
    return out


def _rows_both_ways(path: Path) -> dict[str, tuple[object, object]]:
    """Each sheet: (rows by master_cells or None when it declines, rows by python-calamine), both trimmed."""
    from zedxl.xlsx.master_read import _Reader

    reader = _Reader(path)
    try:
        out: dict[str, tuple[object, object]] = {}
        for sheet in reader.sheetnames:
            by_scan = reader._rows_by_scan(reader.zip.read(reader.parts[sheet]))
            reader.use_scan = False
            out[sheet] = (None if by_scan is None else _trimmed(by_scan), _trimmed(reader.rows(sheet)))
            reader.use_scan = True
        return out
    finally:
        reader.close()


def _master_read_both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    from zedxl.xlsx import master_read

    with_scan = master_read.read_master(path)
    with monkeypatch.context() as m:
        m.setattr(master_read._Reader, "_rows_by_scan", lambda self, data: None)
        without = master_read.read_master(path)
    return with_scan, without


TRICKY_TEXTS = [" con espacios ", "a & b < c > d \"e\" 'f'", "línea 1\nlínea 2", "\ttabulado", "emoji 😀 ñ",
                "  ", "Σ∑ 漢字", "fin con espacio ", "=no es fórmula", "123", "1,5"]


def _tricky_plan(plan: Plan, texts: list[str]) -> Plan:
    """The example plan with the given justifications and names, and programmed values with decimals."""
    import dataclasses

    from tests.workbook_helpers import replace_actividades

    def tricky(ao: Any, k: int) -> Any:
        text = texts[k % len(texts)]
        prog = tuple(Decimal((k + 1) % 7) + Decimal("0.25") * (i % 3) for i in range(len(ao.programado)))
        return dataclasses.replace(ao, justificacion=text, nombre=f"{ao.nombre} {text}".strip(), programado=prog)

    plan = replace_actividades(plan, tricky)
    return plan


def test_master_cells_reads_what_calamine_reads(tmp_path: Path, master: Path, example_plan: Plan,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from zedxl.new import write_master_file

    tricky = tmp_path / "tricky.xlsx"
    write_master_file(_tricky_plan(example_plan, TRICKY_TEXTS), tricky)
    for path in (master, tricky):
        both = _rows_both_ways(path)
        for sheet, (by_scan, by_calamine) in both.items():
            assert by_scan is not None, (path.name, sheet)  # XlsxWriter's plain parts: the scan reads every sheet
            assert by_scan == by_calamine, (path.name, sheet)
        assert sum(len(rows) for _, rows in both.values()) > 100
        with_scan, without = _master_read_both_ways(path, monkeypatch)
        assert with_scan == without
    # the tricky texts came back as typed (python-calamine agrees, above)
    plan = _master_read_both_ways(tricky, monkeypatch)[0].plan  # type: ignore[attr-defined]
    assert {ao.justificacion for ao in plan.actividades()} >= {t.strip() for t in TRICKY_TEXTS if t.strip()}


@pytest.mark.parametrize("texts", [["con retorno\r\nde carro"], ["x_x000D_y"], ["_x0041_"]])
def test_master_cells_leaves_to_calamine_the_strings_it_reads_differently(
        tmp_path: Path, example_plan: Plan, texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from zedxl.new import write_master_file

    path = tmp_path / "m.xlsx"
    write_master_file(_tricky_plan(example_plan, texts), path)
    both = _rows_both_ways(path)
    assert all(by_scan is None for by_scan, _ in both.values())  # every sheet has shared strings
    with_scan, without = _master_read_both_ways(path, monkeypatch)
    assert with_scan == without


def test_master_cells_on_masters_saved_by_openpyxl_and_libreoffice(tmp_path: Path, master: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    from zedxl import libreoffice

    wb = openpyxl.load_workbook(master)
    ws = wb[wb.sheetnames[1]]
    ws["B30"] = 3.75  # a planner's edits: numbers, a date, a boolean, text
    ws["C30"] = True
    ws["D30"] = "editado a mano"
    import datetime

    ws["E31"] = datetime.date(2025, 3, 1)
    by_openpyxl = tmp_path / "openpyxl.xlsx"
    wb.save(by_openpyxl)
    by_libreoffice = libreoffice.convert(by_openpyxl, "xlsx", tmp_path / "lo")
    answered = set()
    for path in (by_openpyxl, by_libreoffice):
        for sheet, (by_scan, by_calamine) in _rows_both_ways(path).items():
            if by_scan is not None:
                answered.add((path, sheet))
                assert by_scan == by_calamine, (path.name, sheet)
        with_scan, without = _master_read_both_ways(path, monkeypatch)
        assert with_scan == without
    # openpyxl writes inline strings and LibreOffice formulas with attributes (<f aca="false">): python-calamine
    # reads those sheets; LibreOffice's Parámetros (shared strings with &#10;, numbers, no formula) is the scan's
    assert (by_libreoffice, "Parámetros") in answered


def test_master_cells_context_reads_only_what_it_knows() -> None:
    """The shared strings and the styles the scan uses: read when plain, None/0 (python-calamine) otherwise."""
    from zedxl.xlsx.master_read import _plain_shared_strings, _plain_styles

    def sst(body: str) -> list[str] | None:
        return _plain_shared_strings(f'<?xml version="1.0"?><sst xmlns="x" count="9">{body}</sst>'.encode())

    assert sst('<si><t>a &amp; &lt;b&gt; &#10;c&#x1F600;</t></si><si><t xml:space="preserve"> d </t></si>') == [
        "a & <b> \nc\U0001F600", " d "]
    assert sst("") == []
    for refused in ("<si><t> untrimmed</t></si>", "<si><t>a&#13;b</t></si>", "<si><t>x_x000D_y</t></si>",
                    "<si><t>a\r\nb</t></si>", "<si><t>a & b</t></si>", "<si><t>a&#0;</t></si>",
                    "<si><r><t>ri</t></r><r><t>ch</t></r></si>", "<si><t>p</t><rPh><t>PH</t></rPh></si>",
                    "<si><t>a</t></si><!-- c -->"):
        assert sst(refused) is None, refused
    styles = _plain_styles(
        b'<styleSheet><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00"/>'
        b'<numFmt numFmtId="165" formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="6"><xf numFmtId="0"/>'
        b'<xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/><xf fontId="1"/>'
        b"<xf numFmtId='2'/></cellXfs></styleSheet>")
    assert styles == bytes([1, 1, 0, 0, 1, 0])  # General, #,##0.00, a date, a built-in date, General, unread
    assert _plain_styles(b'<styleSheet><numFmts><numFmt numFmtId="x" formatCode="0"/></numFmts></styleSheet>') == b""


MASTER_CELL = st.tuples(
    st.sampled_from(["A", "B", "C", "AA"]),
    st.sampled_from([None, "0", "1", "2", "9"]),  # styles: 0 General, 1 0.00, 2 a date, 9 none
    st.sampled_from([None, "n", "s", "b", "e", "str", "inlineStr", "d"]),
    st.sampled_from(["<v>{}</v>", "<f>SUM(A1:A2)</f><v>{}</v>", "<f>A1&amp;\"x\"</f><v>{}</v>", "<v></v>", "",
                     "<is><t>{}</t></is>"]),
    st.sampled_from(["0", "1", "2", "3", "12", "-3.5", "1E+2", "2.5e-07", "3.", "007", "123456789012345",
                     "9007199254740993", "x", " 1", "1e400", "-0"]),
)
SST_TEXTS = ["uno", " dos ", "", "tres &amp; cuatro"]


def _sheet_xml(rows: list[list[tuple[str, str | None, str | None, str, str]]], shuffle: bool) -> bytes:
    out = []
    for r, cells in enumerate(rows, start=1):
        seen: dict[str, str] = {}
        for letters, style, kind, body, value in cells:
            attrs = f' r="{letters}{r}"' + (f' s="{style}"' if style else "") + (f' t="{kind}"' if kind else "")
            seen[letters if shuffle else letters.rjust(3)] = (f"<c{attrs}/>" if not body else
                                                              f"<c{attrs}>{body.format(value)}</c>")
        out.append(f'<row r="{r}">' + "".join(v for _, v in sorted(seen.items())) + "</row>")
    return ("<sheetData>" + "".join(out) + "</sheetData>").encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(MASTER_CELL, max_size=4), max_size=4), st.booleans())
def test_master_cells_generated_sheets_agree_with_calamine(
        tmp_path_factory: pytest.TempPathFactory, rows: list[list[tuple[str, str | None, str | None, str, str]]],
        shuffle: bool) -> None:
    """Any cell the scan reads it reads as python-calamine does; the rest it leaves to python-calamine."""
    import io

    import xlsxwriter

    folder = tmp_path_factory.mktemp("generated")
    base = io.BytesIO()
    wb = xlsxwriter.Workbook(base)
    ws = wb.add_worksheet("S")
    for i, text in enumerate(["uno", " dos ", "tres & cuatro"]):
        ws.write_string(i, 0, text)
    wb.add_format({"num_format": "0.00"})
    wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_number(5, 0, 1, wb.add_format({"num_format": "0.00"}))
    ws.write_number(6, 0, 1, wb.add_format({"num_format": "dd/mm/yyyy"}))
    wb.close()
    src = zipfile.ZipFile(io.BytesIO(base.getvalue()))
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org'
           '/spreadsheetml/2006/main">' + "".join(
               f'<si><t xml:space="preserve">{t}</t></si>' if t.strip() != t else f"<si><t>{t}</t></si>"
               for t in SST_TEXTS) + "</sst>").encode()
    path = folder / "g.xlsx"
    with zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                i, j = data.find(b"<sheetData>"), data.find(b"</sheetData>") + len(b"</sheetData>")
                data = data[:i] + _sheet_xml(rows, shuffle) + data[j:]
            elif item.filename == "xl/sharedStrings.xml":
                data = sst
            out.writestr(item, data)
    from python_calamine import CalamineError

    try:
        (by_scan, by_calamine), = _rows_both_ways(path).values()
    except CalamineError:  # python-calamine refuses the sheet (a shared string that is not there...)
        from zedxl.xlsx.master_read import _Reader

        reader = _Reader(path)
        try:
            assert reader._rows_by_scan(reader.zip.read(reader.parts["S"])) is None
        finally:
            reader.close()
        return
    if by_scan is not None:
        assert by_scan == by_calamine, _sheet_xml(rows, shuffle)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([None, 0, 1, 7, 1000, 1001, -1, 2**70, 2.0, 2.5, "", "3", True, Decimal("4")]),
                max_size=8), st.lists(st.integers(0, 9), max_size=6), st.booleans())
def test_small_numbers_agree(row: list[object], cols: list[int], as_tuple: bool) -> None:
    """``small_numbers`` is master_read's generator expression for blanks and small whole numbers (the very objects
    of ``SMALL_INTS``), and declines a row holding anything else."""
    from zedxl.rules import SMALL_INTS

    missing = Decimal(0)
    got = intake._c_scan.small_numbers(tuple(row) if as_tuple else row, cols, SMALL_INTS, missing)
    values = [row[c] if c < len(row) else None for c in cols]
    strict = intake._c_scan.small_numbers(row, cols, SMALL_INTS, NotImplemented)  # a blank declines
    if None in values:
        assert strict is NotImplemented
    else:
        assert strict == got
    if all(v is None or (type(v) is int and 0 <= v <= 1000) for v in values):
        assert got == tuple(missing if v is None else SMALL_INTS[v] for v in values)  # type: ignore[index]
        assert all(g is (missing if v is None else SMALL_INTS[v]) for g, v in zip(got, values, strict=True))  # type: ignore[index]
    else:
        assert got is NotImplemented


# -- rows_of, value_rows, unsettled (office_read) ---------------------------------------------------------------
CELL_VALUES = st.sampled_from([None, 0, 1, 7, -3, 2**70, 1.0, 2.5, float("nan"), "", " ", "x", "=SUM(A1:B1)", True,
                               False, Decimal("1"), Decimal("1.0"), Decimal("2.5")])
DATA_TYPES = st.sampled_from(["n", "s", "f", "b", "e", "d", None])


def _cell_kinds(value: object, data_type: object) -> list[object]:
    """The same cell as the C accelerator's Cell and as the Python stand-in (office_scan._PyScanCell)."""
    from zedxl.xlsx.office_scan import _PyScanCell

    return [intake._c_scan.Cell(value, data_type, "General"), _PyScanCell(value, data_type, "General")]  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(0, 40), st.integers(0, 80)), st.tuples(CELL_VALUES, DATA_TYPES),
                       max_size=40), st.integers(1, 90), st.booleans())
def test_rows_of_and_value_rows_agree(cells: dict[tuple[int, int], tuple[object, object]], cap: int,
                                      c_cells: bool) -> None:
    from zedxl.xlsx.office_read import _rows_of_py, _value_rows_py

    built = {k: _cell_kinds(v, t)[0 if c_cells else 1] for k, (v, t) in cells.items()}
    rows = intake._c_scan.rows_of(built)
    reference = _rows_of_py(built)
    assert [(r, list(row.items())) for r, row in rows.items()] == [(r, list(row.items()))
                                                                   for r, row in reference.items()]
    got = intake._c_scan.value_rows(built, cap)
    want = _value_rows_py(built, cap)
    assert [(r, tuple(map(repr, row))) for r, row in got] == [(r, tuple(map(repr, row))) for r, row in want]


def test_rows_of_and_value_rows_decline_odd_keys() -> None:
    cell = intake._c_scan.Cell(1, "n", "General")
    for odd in ({(1,): cell}, {(1, "2"): cell}, {"A1": cell}, {(1, 2**80): cell}):
        assert intake._c_scan.rows_of(odd) is NotImplemented
        assert intake._c_scan.value_rows(odd, 64) is NotImplemented
    assert intake._c_scan.value_rows({(-1, 0): cell}, 64) is NotImplemented
    assert intake._c_scan.value_rows({}, 64) == []
    assert intake._c_scan.value_rows({(0, 0): cell}, 0) is NotImplemented


SPECS = st.builds(CellSpec, st.sampled_from(["text", "number", "formula", "input"]), CELL_VALUES)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.integers(0, 40), st.tuples(CELL_VALUES, DATA_TYPES), max_size=12),
       st.dictionaries(st.integers(0, 40), SPECS, max_size=12), st.booleans())
def test_unsettled_agrees(found: dict[int, tuple[object, object]], want: dict[int, object], c_cells: bool) -> None:
    from zedxl.xlsx.office_read import _unsettled_py

    built = {k: _cell_kinds(v, t)[0 if c_cells else 1] for k, (v, t) in found.items()}
    assert intake._c_scan.unsettled(built, want) == _unsettled_py(built, want)  # type: ignore[arg-type]


def test_unsettled_settles_the_usual_cells_only() -> None:
    cell = intake._c_scan.Cell
    found = {0: cell("A.1", "s", "General"), 1: cell(5, "n", "General"), 2: cell("=SUM(A1)", "f", "General"),
             3: cell(None, "n", "General"), 4: cell(3, "n", "General"), 5: cell(5.0, "n", "General"),
             6: cell("=SUM(A1)", "s", "General"), 8: cell(None, "f", "General")}
    want = {0: CellSpec("text", "A.1"), 1: CellSpec("number", Decimal(5)), 2: CellSpec("formula", "=SUM(A1)"),
            4: CellSpec("input", Decimal(3)), 5: CellSpec("number", Decimal(5)), 6: CellSpec("formula", "=SUM(A1)"),
            7: CellSpec("text", "falta")}
    # settled: the untouched text, whole number and formula, the empty cell where nothing is expected; not: the
    # input, a float where a whole number was written, a formula typed as text, a missing cell, an empty formula
    assert intake._c_scan.unsettled(found, want) == [4, 5, 6, 7, 8]
    assert intake._c_scan.unsettled({"a": found[0]}, {}) is NotImplemented
    assert intake._c_scan.unsettled({}, {0: ("text",)}) is NotImplemented


# what becomes of each expected cell of an AO row in a generated return: as written, another value, gone, blank...
ROW_EDITS = st.sampled_from(["igual", "igual", "igual", "otro", "falta", "vacio", "formula", "texto", "decimal"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["2025-T1", "2025-T3"]), st.integers(0, 100), st.lists(ROW_EDITS, min_size=40, max_size=40),
       st.dictionaries(st.integers(0, 45), st.tuples(CELL_VALUES, DATA_TYPES), max_size=3),
       st.sampled_from([None, Decimal("2.5"), Decimal(5000), Decimal("7.0")]), st.booleans())
def test_ao_row_unsettled_agrees(example_plan: Plan, label: str, pick: int, edits: list[str],
                                 extra: dict[int, tuple[object, object]], odd: Decimal | None,
                                 c_cells: bool) -> None:
    """An AO row's columns to look at one by one, by the C accelerator from the row's parts (ao_row_unsettled), are
    those of unsettled(found, expected_cells(...)), whatever the return holds; its input cells are expected_cells'."""
    import dataclasses

    from zedxl.xlsx.office_read import _unsettled_py
    from zedxl.xlsx.office_write import (
        ao_row_inputs,
        ao_row_unsettled,
        data_columns,
        data_rows,
        expected_cells,
        office_spec,
    )

    period = parse_period(label, example_plan.anio, example_plan.periodicidad)
    spec = office_spec(example_plan, period, "OGA")
    cols = data_columns(spec)
    rows = [(oei, row) for oei in spec.plan.objetivos for row in data_rows(oei) if row.ao is not None]
    _, row = rows[pick % len(rows)]

    def shared(values: tuple[Decimal | None, ...]) -> tuple[Decimal | None, ...]:
        """The small whole numbers as a return's reader gives them: the very objects of SMALL_INTS."""
        return tuple(SMALL_INTS[int(v)] if v is not None and v == int(v) and 0 <= v <= 1000 else v for v in values)

    programado = shared(row.ao.programado)
    if odd is not None:  # a programmed value not among the shared small whole numbers
        programado = (odd, *programado[1:])
    row = row._replace(ao=dataclasses.replace(row.ao, programado=programado, ejecutado=shared(row.ao.ejecutado)))
    r = row.row_idx + pick % 3
    want = expected_cells(spec, cols, row, r)
    found: dict[int, object] = {}
    for (c, cs), edit in zip(sorted(want.items()), edits, strict=False):
        value, data_type = cs.value, ("f" if cs.kind == "formula" else "s" if isinstance(cs.value, str) else "n")
        if isinstance(value, Decimal) and value == int(value):
            value = int(value)  # a whole number reads as an int
        if edit == "falta":
            continue
        value, data_type = {"otro": (7, "n"), "vacio": (None, "n"), "formula": ("=1+1", "f"),
                            "texto": (str(value), "s"), "decimal": (2.5, "n")}.get(edit, (value, data_type))
        found[c] = _cell_kinds(value, data_type)[0 if c_cells else 1]
    for c, (value, data_type) in extra.items():
        found.setdefault(c, _cell_kinds(value, data_type)[0 if c_cells else 1])
    assert ao_row_unsettled(cols, row, r, found) == _unsettled_py(found, want)  # type: ignore[arg-type]
    assert ao_row_inputs(cols, row) == {c: cs for c, cs in want.items() if cs.kind == "input"}


def test_ao_row_unsettled_declines_what_it_does_not_know() -> None:
    """Two parts naming one column (the dict's order would decide), a key that is not a whole number, parts of
    different lengths: declined, so the caller makes the expected cells."""
    cell = intake._c_scan.Cell("x", "s", "General")
    base = ({0: cell}, ((0, "x"),), (3,), (Decimal(1),), (4,), (None,), 0, 1, ((5, "=A1"),), (6,), {})
    assert intake._c_scan.ao_unsettled(*base) == [3, 4, 5, 6]  # missing cells and inputs: looked at
    dup = list(base)
    dup[8] = ((3, "=A1"),)  # a formula where a programmed number is
    assert intake._c_scan.ao_unsettled(*dup) is NotImplemented
    odd_key = list(base)
    odd_key[0] = {"A": cell}
    assert intake._c_scan.ao_unsettled(*odd_key) is NotImplemented
    short = list(base)
    short[3] = ()
    assert intake._c_scan.ao_unsettled(*short) is NotImplemented


# -- a worksheet part outside <sheetData>: outside_pieces against office_scan._outside_pieces_py ------------------
def outside_of(part: bytes) -> bytes:
    """The part as intake's fast scan keeps it: ``<sheetData/>`` in place of the cells."""
    i, j = part.find(b"<sheetData"), part.find(b"</sheetData>")
    return part[:i] + b"<sheetData/>" + part[j + len(b"</sheetData>"):] if i >= 0 and j >= 0 else part


def outside_agrees(outside: bytes) -> bool:
    """The accelerator declines or gives exactly the Python split; whenever intake finds the part well formed piece
    by piece, expat finds it well formed whole; and the noted tags found by searching are the pattern's. True if
    the accelerator answered."""
    from zedxl.xlsx import office_scan

    got = intake._c_scan.outside_pieces(outside)
    if intake._well_formed_by_pieces(outside):
        assert got is not NotImplemented and well_formed(outside), outside[:300]
    plain = intake._noted_plain(outside)
    if plain is not None:
        matches = list(intake._OUTSIDE_NOTED.finditer(outside))
        assert not any(m.group(1) for m in matches), outside[:300]
        assert plain == [(m.start(), m.group(2)) for m in matches], outside[:300]
    if got is NotImplemented:
        return False
    assert got == office_scan._outside_pieces_py(outside), outside[:300]
    return True


def test_outside_pieces_on_split_and_filled_returns(tmp_path: Path, master: Path, example_plan: Plan) -> None:
    answered = pieces_proved = 0
    for part in returns_sheet_parts(master, example_plan, tmp_path / "libros"):
        outside = outside_of(part)
        answered += outside_agrees(outside)
        pieces_proved += intake._well_formed_by_pieces(outside)
    # every sheet of a return is in the usual shape: split by the accelerator, proved well formed piece by piece
    assert answered == pieces_proved > 10


def test_outside_pieces_on_hostile_corpus(hostile_corpus: Path) -> None:
    for part in corpus_sheet_parts(hostile_corpus):
        outside_agrees(outside_of(part))


SAMPLE_OUTSIDE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:AD20"/>'
    b'<sheetViews><sheetView workbookViewId="0"><pane xSplit="2" ySplit="5" state="frozen"/></sheetView></sheetViews>'
    b'<cols><col min="1" max="1" width="13"/><col min="2" max="3" width="9"/></cols>\n  <sheetData/>'
    b'<sheetProtection sheet="1" objects="1"/>'
    b'<conditionalFormatting sqref="AB6:AB20"><cfRule type="expression" priority="1" dxfId="0">'
    b"<formula>AND(ISNUMBER(AB6),AB6&gt;=ZX_VERDE)</formula></cfRule></conditionalFormatting>"
    b'<dataValidations count="4"><dataValidation sqref="P8" type="decimal" prompt="U.M.: % &#225;">'
    b"<formula1>0</formula1></dataValidation>\n"
    b"<dataValidation sqref = 'P9 P10' type='whole'><formula1>0</formula1></dataValidation>"
    b'<dataValidation prompt="a&gt;b" sqref="AD8" type="textLength"><formula1>32767</formula1></dataValidation>'
    b"<dataValidation error='x' sqref=\"$Q$1:Q3\"><formula1>1</formula1></dataValidation></dataValidations>"
    b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>\n')


def test_outside_pieces_sample_shapes() -> None:
    from zedxl.xlsx import office_scan

    assert outside_agrees(SAMPLE_OUTSIDE)
    prefix, head, pieces, cell_lists = intake._c_scan.outside_pieces(SAMPLE_OUTSIDE)
    assert prefix.startswith(b"<?xml") and head.startswith(b"<worksheet ") and head.endswith(b">")
    assert cell_lists == [b"P8", b"P9 P10", b"AD8"]
    assert pieces[-5:-1] == [  # each validation with its cells set aside; the one with ' before it kept whole
        b'<dataValidations><dataValidation sqref="A1" type="decimal" prompt="U.M.: % &#225;"><formula1>0'
        b"</formula1></dataValidation></dataValidations>",
        b"<dataValidations><dataValidation sqref = \"A1\" type='whole'><formula1>0</formula1></dataValidation>"
        b"</dataValidations>",
        b'<dataValidations><dataValidation prompt="a&gt;b" sqref="A1" type="textLength"><formula1>32767'
        b"</formula1></dataValidation></dataValidations>",
        b"<dataValidations><dataValidation error='x' sqref=\"$Q$1:Q3\"><formula1>1</formula1></dataValidation>"
        b"</dataValidations>"]
    assert intake._well_formed_by_pieces(SAMPLE_OUTSIDE)
    # shapes it leaves to the Python walk (and intake to expat over the whole part)
    for odd in (SAMPLE_OUTSIDE.replace(b"<sheetData/>", b"<sheetData/>text"),  # text between elements
                SAMPLE_OUTSIDE.replace(b"<sheetPr>", b"<sheetPr><sheetPr/>"),  # its own name inside
                SAMPLE_OUTSIDE.replace(b"</worksheet>\n", b"</worksheet><!-- -->"),
                SAMPLE_OUTSIDE.replace(b"<worksheet ", b"<worksheetx "),
                SAMPLE_OUTSIDE.replace(b"sqref=\"$Q$1:Q3\"><formula1>1</formula1></dataValidation>",
                                       b"sqref=\"$Q$1:Q3\"/>")):  # a validation with no end tag
        assert intake._c_scan.outside_pieces(odd) is NotImplemented
        assert not intake._well_formed_by_pieces(odd)
        assert office_scan._outside_pieces(odd) == office_scan._outside_pieces_py(odd)
    # a cell list that is not plain letters and digits: split, but not proved well formed by pieces
    odd = SAMPLE_OUTSIDE.replace(b'sqref="P8"', b'sqref="P8&amp;"')
    assert outside_agrees(odd) and not intake._well_formed_by_pieces(odd) and well_formed(odd)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=3)), min_size=1, max_size=4),
       st.sampled_from([b"", b"<", b">", b"/", b'"', b"'", b" ", b"=", b" sqref=", b"&", b"&#1;", b"<!--", b"</"]))
def test_outside_pieces_damaged_agree_or_decline(cuts: list[tuple[int, bytes]], extra: bytes) -> None:
    # random bytes cut and spliced in: never a crash, an out-of-bounds read, another split, or a part proved well
    # formed by pieces that expat refuses whole
    outside = SAMPLE_OUTSIDE
    for at, junk in cuts:
        at %= len(outside) + 1
        outside = outside[:at] + junk + extra + outside[at + len(junk) // 2:]
    outside_agrees(outside)


def test_custom_property_texts_judged_by_their_shape() -> None:
    """openpyxl takes any plain text in a text custom property the same way: the verdict is made once per property
    shape (the office and fingerprint texts differ from return to return), the same as on the text itself; a text
    openpyxl cannot read is still judged as it is."""
    from zedxl.xlsx import office_scan

    head = b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">'

    def part(text: bytes) -> bytes:
        return (head + b'<property name="zedxl_instancia" fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="8">'
                b'<vt:lpwstr xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
                + text + b"</vt:lpwstr></property></Properties>")

    for text in (b"OF002", b"Direcci\xc3\xb3n de Promoci\xc3\xb3n", b"2025-01", b"x y", b"7", b"9f86d081884c7d65"):
        assert office_scan._custom_whole_ok(part(text))  # openpyxl itself
        assert office_scan._custom_properties_ok(part(text))
    for text in (b"\xff\xfe", b"a\xef\xbf\xbeb"):  # not UTF-8; U+FFFE: refused by openpyxl, and still here
        assert not office_scan._custom_whole_ok(part(text))
        assert not office_scan._custom_properties_ok(part(text))
    shaped = office_scan._PLAIN_TEXT_PROPERTY.fullmatch(part(b"OF002")[len(head):-len(b"</Properties>")])
    assert shaped is not None and shaped.group(1).endswith(b">") and shaped.group(2) == b"</vt:lpwstr></property>"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=6) | st.text(alphabet=st.sampled_from(list("aZ0 \t\n&<>;\"'é\x01\ufffe")),
                                                max_size=6).map(lambda t: t.encode("utf-8")), min_size=2, max_size=2))
def test_custom_properties_judged_by_the_part_shape(texts: list[bytes]) -> None:
    """The custom properties' verdict remembered by the part's shape (plain texts put as "x") is openpyxl's own on
    the part as it is, whatever the texts, asked first or after another return of the same shape."""
    from zedxl.xlsx import office_scan

    def part(a: bytes, b: bytes) -> bytes:
        prop = (b'<property name="zedxl_%s" fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="%d">'
                b'<vt:lpwstr xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">%s'
                b"</vt:lpwstr></property>")
        return (b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">'
                + prop % (b"a", 2, a) + prop % (b"b", 3, b) + b"</Properties>")

    for a, b in ((b"OF001", b"x"), tuple(texts), (b"OF002", texts[1])):
        assert office_scan._custom_properties_ok(part(a, b)) == office_scan._custom_whole_ok(part(a, b)), (a, b)


# -- the workbook part: _workbook_sheets_light against openpyxl's full reading (_workbook_sheets_full) ----------
_WB_NS = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">')
_RELS_NS = b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
_WS_TYPE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def workbook_files(sheets: list[bytes], rels: list[bytes], *, names: bytes = b"", pr: bytes = b"<workbookPr/>",
                   views: bytes = b"") -> dict[str, bytes]:
    return {"xl/workbook.xml": _WB_NS + pr + views + b"<sheets>" + b"".join(sheets) + b"</sheets>" + names
            + b"</workbook>",
            "xl/_rels/workbook.xml.rels": _RELS_NS + b"".join(rels) + b"</Relationships>"}


def sheet_el(name: bytes, k: int, extra: bytes = b"") -> bytes:
    return b'<sheet name="' + name + b'" sheetId="%d"' % k + extra + b' r:id="rId%d"/>' % k


def rel_el(k: int, target: bytes | None = None) -> bytes:
    return (b'<Relationship Id="rId%d" Type="' % k + _WS_TYPE + b'" Target="'
            + (target or b"worksheets/sheet%d.xml" % k) + b'"/>')


def workbook_verdicts_agree(files: dict[str, bytes]) -> tuple[object, object]:
    from zedxl.xlsx import office_scan

    full = office_scan._workbook_sheets_full(files, "xl/workbook.xml")
    try:
        light: object = office_scan._workbook_sheets_light(files, "xl/workbook.xml")
    except Exception:  # noqa: BLE001 - the light reading may fail: the full one decides then
        light = None
    assert light is None or light == full, (light, full)
    assert office_scan._workbook_sheets(files, "xl/workbook.xml") == full
    return light, full


def test_workbook_part_light_reading_agrees_with_openpyxl(tmp_path: Path, master: Path, example_plan: Plan) -> None:
    """The workbook part's verdict without making a worksheet per sheet (``_workbook_sheets_light``) is openpyxl's
    full reading's whenever it answers, it answers for the returns offices send, and leaves to the full reading
    what it is not sure of: odd titles, titles repeated, defined names of one sheet."""
    answered = 0
    for book in split_and_fill(master, example_plan, "2025-T2", tmp_path / "libros"):
        with zipfile.ZipFile(book) as zf:
            files = {name: zf.read(name) for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")}
        light, full = workbook_verdicts_agree(files)
        assert isinstance(full, tuple) and len(full) >= 3
        answered += light is not None
    assert answered >= 3

    three = [sheet_el(b"Instrucciones", 1), sheet_el(b"OEI.01", 2), sheet_el(b"_zedxl", 3, b' state="veryHidden"')]
    rels = [rel_el(1), rel_el(2, b"/xl/worksheets/sheet2.xml"), rel_el(3, b"../xl/worksheets/x/../sheet3.xml")]
    light, full = workbook_verdicts_agree(workbook_files(three, rels))
    assert light == full == ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml")
    cases: dict[str, tuple[dict[str, bytes], str]] = {
        # answered by the light reading, as openpyxl answers them
        "1904 y nombres globales": (workbook_files(three, rels, pr=b'<workbookPr date1904="1"/>', names=(
            b"<definedNames><definedName name=\"ZX_TOPE\">'_zedxl'!$B$16</definedName><definedName "
            b"name=\"_xlnm.Print_Titles\">'OEI.01'!$1:$3</definedName></definedNames>")), "light"),
        "hoja sin relacion": (workbook_files([*three, sheet_el(b"Otra", 9)], rels), "refused"),
        "sin relaciones": ({"xl/workbook.xml": workbook_files(three, rels)["xl/workbook.xml"]}, "refused"),
        "pestaña activa no numérica": (workbook_files(three, rels, views=b'<bookViews><workbookView activeTab="x"/>'
                                                                      b"</bookViews>"), "refused"),
        "estado desconocido": (workbook_files([sheet_el(b"A", 1, b' state="raro"')], rels[:1]), "refused"),
        "hoja sin id": (workbook_files([*three, b'<sheet name="B" sheetId="4"/>'], rels), "light"),
        # left to the full reading (which refuses the title with a colon)
        "título con dos puntos": (workbook_files([sheet_el(b"OEI:01", 1)], rels[:1]), "refused"),
        "título vacío": (workbook_files([sheet_el(b"", 1)], rels[:1]), "full"),
        "títulos repetidos": (workbook_files([sheet_el(b"OEI.01", 1), sheet_el(b"oei.01", 2)], rels[:2]), "full"),
        "nombre de una hoja": (workbook_files(three, rels, names=(
            b'<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="1">\'OEI.01\'!$1:$3'
            b"</definedName></definedNames>")), "full"),
    }
    for label, (files, expect) in cases.items():
        with warnings.catch_warnings():  # as outside the tests: openpyxl's warnings (a sheet without id) are not errors
            warnings.simplefilter("ignore")
            light, full = workbook_verdicts_agree(files)
        if expect == "light":
            assert light is not None and isinstance(full, tuple), label
        elif expect == "refused":
            assert light is None and full is False, label
        else:
            assert light is None and full is not False, label


def test_workbook_part_light_reading_on_hostile_corpus(hostile_corpus: Path) -> None:
    answered = 0
    for path in corpus_workbooks(hostile_corpus):
        try:
            with zipfile.ZipFile(path) as zf:
                files = {name: zf.read(name) for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
                         if name in zf.namelist()}
        except Exception:  # noqa: BLE001 - damaged members are the corpus' point
            continue
        if "xl/workbook.xml" in files:
            light, _ = workbook_verdicts_agree(files)
            answered += light is not None
    assert answered > 5
