"""LibreOffice headless as the independent engine: real conversions, no mocks of LibreOffice."""

from __future__ import annotations

import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

import zedxl.libreoffice as lo
from zedxl.errors import ToolMissingError, ZedxlError
from zedxl.libreoffice import (
    ENV_VAR,
    PROFILE_XCU,
    ConversionError,
    convert,
    find_soffice,
    recalculate,
    recalculate_many,
)


@pytest.fixture(scope="module")
def lo_temp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep LibreOffice's private profile (normally in the system temp folder) in pytest's temp folders too.

    One profile for the whole module: a fresh profile costs LibreOffice about half a second more per run.
    """
    temp = tmp_path_factory.mktemp("libreoffice-temp")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(temp))
        mp.setattr(lo, "_profile", None)
        yield temp


@pytest.fixture(autouse=True)
def _use_lo_temp(lo_temp: Path) -> None:
    """Every test of this module runs with ``lo_temp`` in effect."""


def _wrong_cache_workbook(path: Path) -> Path:
    """A workbook whose formulas all carry deliberately wrong cached values."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Datos")
    ws.write_formula("A1", "=1+1", None, 5)
    ws.write_number("B1", 4)
    ws.write_formula("C1", "=IF(B1=0,100,MIN(A1/B1*100,100))", None, 999)  # 2/4*100 = 50
    ws.write_number("B2", 0)
    ws.write_formula("C2", "=IF(B2=0,100,MIN(A1/B2*100,100))", None, -1)  # guarded division: 100
    ws.write_formula("C3", "=IF(B1=0,100,MIN(40/B1*100,100))", None, 0)  # capped: 100
    for row, (region, amount) in enumerate([("Lima", 10), ("Cusco", 7), ("Lima", 5), ("Puno", 3)], start=5):
        ws.write_string(row - 1, 0, region)
        ws.write_number(row - 1, 1, amount)
    ws.write_formula("D1", '=SUMIF(A5:A8,"Lima",B5:B8)', None, 0)  # 15
    ws.write_formula("D2", '=SUMIF(B5:B8,">4")', None, 0)  # 22
    wb.close()
    return path


@pytest.mark.libreoffice
def test_recalculate_ignores_wrong_cached_values(tmp_path: Path, lo_temp: Path) -> None:
    src = _wrong_cache_workbook(tmp_path / "cache_erroneo.xlsx")
    # Sanity: the cached values really are wrong before LibreOffice sees the file.
    assert openpyxl.load_workbook(src, data_only=True)["Datos"]["A1"].value == 5

    out = recalculate(src, tmp_path / "recalc")

    assert out == tmp_path / "recalc" / "cache_erroneo.xlsx"
    ws = openpyxl.load_workbook(out, data_only=True)["Datos"]
    assert ws["A1"].value == 2
    profile_xcu = next(lo_temp.glob("zedxl-libreoffice-*/user/registrymodifications.xcu"))
    assert "OOXMLRecalcMode" in profile_xcu.read_text(encoding="utf-8")  # private profile, still set
    assert ws["C1"].value == 50
    assert ws["C2"].value == 100
    assert ws["C3"].value == 100
    assert ws["D1"].value == 15
    assert ws["D2"].value == 22
    # The formulas themselves survive the round trip.
    formulas = openpyxl.load_workbook(out)["Datos"]
    assert formulas["A1"].value == "=1+1"
    assert formulas["D1"].value == '=SUMIF(A5:A8,"Lima",B5:B8)'


@pytest.mark.libreoffice
def test_convert_to_ods_is_a_readable_opendocument(tmp_path: Path) -> None:
    src = _wrong_cache_workbook(tmp_path / "libro.xlsx")
    out = convert(src, "ods", tmp_path / "ods")
    assert out == tmp_path / "ods" / "libro.ods"
    with zipfile.ZipFile(out) as zf:
        assert zf.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        content = zf.read("content.xml").decode("utf-8")
    assert "Datos" in content  # the sheet name
    assert "Cusco" in content


@pytest.mark.libreoffice
def test_convert_to_pdf_shows_recalculated_values(tmp_path: Path) -> None:
    src = _wrong_cache_workbook(tmp_path / "Año ñandú.xlsx")  # non-ASCII name and spaces on purpose
    out = convert(src, "pdf", tmp_path / "pdf salida")
    assert out == tmp_path / "pdf salida" / "Año ñandú.pdf"
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"%%EOF" in data[-1024:]
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    first_row = text.strip().splitlines()[0].split()
    assert first_row == ["2", "4", "50", "15"]  # A1 B1 C1 D1, not the cached 5 / 999 / 0
    assert "Cusco" in text


@pytest.mark.libreoffice
def test_convert_replaces_an_existing_output(tmp_path: Path) -> None:
    src = _wrong_cache_workbook(tmp_path / "libro.xlsx")
    outdir = tmp_path / "out"
    outdir.mkdir()
    (outdir / "libro.pdf").write_bytes(b"viejo")
    out = convert(src, "pdf", outdir)
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.libreoffice
def test_recalculate_many_recalculates_every_file_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five workbooks from three folders, in batches of two (three LibreOffice runs): each copy is recalculated and
    they come back in the order given."""
    monkeypatch.setattr(lo, "BATCH", 2)
    names = ["e", "b", "d", "a", "c"]
    for k in range(3):
        (tmp_path / f"carpeta-{k}").mkdir()
    sources = [_wrong_cache_workbook(tmp_path / f"carpeta-{k % 3}" / f"{name}.xlsx") for k, name in enumerate(names)]
    outs = recalculate_many(sources, tmp_path / "recalc")
    assert outs == [tmp_path / "recalc" / f"{name}.xlsx" for name in names]
    assert [openpyxl.load_workbook(out, data_only=True)["Datos"]["C1"].value for out in outs] == [50] * 5
    assert recalculate_many([], tmp_path / "nada") == []


def test_recalculate_many_refuses_two_files_of_one_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sources = [_wrong_cache_workbook(tmp_path / "a" / "libro.xlsx"),
               _wrong_cache_workbook(tmp_path / "b" / "Libro.xlsx")]
    with pytest.raises(ConversionError, match="mismo nombre: libro"):
        recalculate_many(sources, tmp_path / "recalc")
    assert not (tmp_path / "recalc").exists()


@pytest.mark.libreoffice
def test_corrupt_workbook_raises_conversion_error_with_libreoffice_output(tmp_path: Path) -> None:
    src = tmp_path / "roto.xlsx"
    src.write_bytes(b"PK\x03\x04" + bytes(100))  # a zip header and nothing else
    with pytest.raises(ConversionError, match="no produjo «roto.xlsx»") as info:
        recalculate(src, tmp_path / "out")
    assert "could not be loaded" in info.value.stderr
    assert "Salida de LibreOffice:" in str(info.value)
    assert not (tmp_path / "out" / "roto.xlsx").exists()


@pytest.mark.libreoffice
def test_timeout_kills_libreoffice_and_next_conversion_works(tmp_path: Path) -> None:
    src = _wrong_cache_workbook(tmp_path / "libro.xlsx")
    with pytest.raises(ConversionError, match="no terminó") as info:
        convert(src, "pdf", tmp_path / "lento", timeout=0.05)  # LibreOffice needs over a second to start
    assert info.value.returncode is not None  # the process was killed and reaped
    out = recalculate(src, tmp_path / "despues")
    assert openpyxl.load_workbook(out, data_only=True)["Datos"]["A1"].value == 2


def test_missing_source_raises_conversion_error(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="no existe"):
        convert(tmp_path / "no_existe.xlsx", "pdf", tmp_path / "out")


def test_same_folder_same_extension_is_refused(tmp_path: Path) -> None:
    src = _wrong_cache_workbook(tmp_path / "libro.xlsx")
    before = src.read_bytes()
    with pytest.raises(ConversionError, match="sobrescribiría") as info:
        recalculate(src, tmp_path)
    assert isinstance(info.value, ZedxlError)
    assert src.read_bytes() == before


def test_missing_soffice_raises_tool_missing_in_spanish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-hay-libreoffice" / "soffice"))
    monkeypatch.setenv("PATH", "")
    assert find_soffice() is None
    src = _wrong_cache_workbook(tmp_path / "libro.xlsx")
    with pytest.raises(ToolMissingError) as info:
        convert(src, "pdf", tmp_path / "out")
    message = str(info.value)
    assert "No se encontró LibreOffice" in message
    assert "Instale LibreOffice" in message
    assert ENV_VAR in message
    assert isinstance(info.value, ZedxlError)
    assert isinstance(info.value, OSError)
    assert not (tmp_path / "out" / "libro.pdf").exists()


def test_env_var_names_the_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "mi-soffice"
    fake.write_text("")
    monkeypatch.setenv(ENV_VAR, str(fake))
    assert find_soffice() == str(fake)


def test_profile_forces_recalculation_on_load() -> None:
    assert 'oor:path="/org.openoffice.Office.Calc/Formula/Load"' in PROFILE_XCU
    assert '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>' in PROFILE_XCU
    assert '<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>' in PROFILE_XCU
