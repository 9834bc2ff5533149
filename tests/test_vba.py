"""The VBA project zedxl writes from source, checked with independent readers: oletools (olevba, its decompressor),
olefile (the compound file) and LibreOffice (imports the modules and binds the Panel's buttons)."""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st

from zedxl.libreoffice import convert
from zedxl.model import Plan
from zedxl.new import new, write_master_file
from zedxl.recompute import recompute
from zedxl.vba import BUTTONS, buttons_source, master_project, xlwings_vba
from zedxl.vba import compression as C
from zedxl.vba.cfb import BLACK, MINI_CUTOFF, RED, name_key, write_compound_file
from zedxl.vba.compression import compress
from zedxl.vba.panel import DEFAULT_CARPETA, LABEL_CARPETA, LABEL_PERIODO, SHEET_PANEL, codename, read_panel
from zedxl.vba.project import VBAModule, build_vba_project, encrypt, normalize_source, project_key
from zedxl.xlsx.master_read import read_master

from .conftest import EXAMPLE, ROOT

with warnings.catch_warnings():  # oletools uses pyparsing names that pyparsing now deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser, decompress_stream

FORM = "{urn:oasis:names:tc:opendocument:xmlns:form:1.0}"
SCRIPT = "{urn:oasis:names:tc:opendocument:xmlns:script:1.0}"
XLINK = "{http://www.w3.org/1999/xlink}"
BASIC = "{http://openoffice.org/2000/script}"
LIBREOFFICE_LINES = ("Rem Attribute VBA_ModuleType=", "Option VBASupport 1", "Option ClassModule")


# -- helpers -----------------------------------------------------------------------------------------------------
def vba_bin(xlsm: Path) -> bytes:
    with zipfile.ZipFile(xlsm) as z:
        return z.read("xl/vbaProject.bin")


def extracted_modules(xlsm: Path) -> dict[str, str]:
    """Module file name (``zedxl_botones.bas``) → source, as olevba extracts it from the workbook."""
    parser = VBA_Parser(str(xlsm))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def expected_modules(xlsm: Path) -> dict[str, str]:
    """What zedxl generated for this workbook's sheets, named the way olevba names exported modules."""
    with zipfile.ZipFile(xlsm) as z:
        n_sheets = sum(1 for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    project, _ = master_project([codename(i) for i in range(n_sheets)])
    ext = {"standard": "bas", "document": "cls", "class": "cls"}
    return {f"{m.name}.{ext[m.kind]}": m.code for m in project.modules}


def vml_buttons(xlsm: Path) -> dict[str, str]:
    """Caption → macro of the Panel's form buttons, from the workbook's VML drawing."""
    with zipfile.ZipFile(xlsm) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml").decode("utf-8")
    out = {}
    for shape in re.findall(r"<v:shape .*?</v:shape>", vml, re.S):
        caption = re.sub(r"<[^>]+>", "", re.search(r"<v:textbox.*?</v:textbox>", shape, re.S).group(0)).strip()
        out[caption] = re.search(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", shape).group(1)
    return out


def libreoffice_view(xlsm: Path, outdir: Path) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Convert to ODS with LibreOffice; return (button label → bound script URL, module → (type, source))."""
    ods = convert(xlsm, "ods", outdir)
    with zipfile.ZipFile(ods) as z:
        content = ElementTree.fromstring(z.read("content.xml"))
        modules = {}
        for name in z.namelist():
            m = re.fullmatch(r"Basic/VBAProject/(\w+)\.xml", name)
            if m and m.group(1) != "script-lb":
                root = ElementTree.fromstring(z.read(name))
                modules[m.group(1)] = (root.get(f"{BASIC}moduleType"), root.text or "")
    buttons = {}
    for button in content.iter(f"{FORM}button"):
        listeners = [e.get(f"{XLINK}href") for e in button.iter(f"{SCRIPT}event-listener")
                     if e.get(f"{SCRIPT}event-name") == "form:performaction"]
        buttons[button.get(f"{FORM}label")] = listeners[0] if listeners else ""
    return buttons, modules


def without_attributes(code: str) -> str:
    """Module text without the ``Attribute`` lines (LibreOffice keeps them out of the Basic source)."""
    return "\n".join(ln for ln in code.replace("\r\n", "\n").split("\n") if not ln.startswith("Attribute "))


@pytest.fixture(scope="module")
def xlsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vba") / "MAESTRO.xlsm"
    new(EXAMPLE, path)
    return path


# -- MS-OVBA compression -------------------------------------------------------------------------------------------
def test_compression_matches_the_specification_example() -> None:
    """[MS-OVBA] 3.2.1: a container without any copy token."""
    assert compress(b"abcdefghijklmnopqrstuv.") == bytes.fromhex(
        "0119B000616263646566676800696A6B6C6D6E6F7000717273747576 2E".replace(" ", ""))


@pytest.mark.parametrize("data", [
    b"", b"a", b"aaa", b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa", b"x" * 100_000,
    bytes(range(256)) * 16, bytes(range(256)) * 16 + b"tail", b"ab" * 2048 + b"c",
])
def test_compression_round_trips_through_oletools(data: bytes) -> None:
    container = compress(data)
    assert bytes(decompress_stream(bytearray(container))) == data
    assert decompress(container) == data


def test_compression_of_xlwings_vba_round_trips_through_oletools() -> None:
    code = xlwings_vba().modules[0].code.encode("cp1252")
    container = compress(code)
    assert len(container) < len(code) // 2
    assert bytes(decompress_stream(bytearray(container))) == code


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000) | st.text(alphabet="ab \r\nSubEndDim", max_size=9000).map(str.encode))
def test_compression_round_trip_property(data: bytes) -> None:
    container = compress(data)
    out = bytes(decompress_stream(bytearray(container)))
    # a last partial chunk that did not compress is stored raw, padded to 4096 bytes (MS-OVBA 2.4.1.3.10)
    assert out == data or (out[:len(data)] == data and not out[len(data):].strip(b"\x00"))


def test_compression_chunks_have_valid_headers() -> None:
    container = compress(xlwings_vba().modules[0].code.encode("cp1252"))
    pos, chunks = 1, 0
    while pos < len(container):
        (header,) = struct.unpack_from("<H", container, pos)
        assert (header >> 12) & 0b111 == 0b011
        pos += (header & 0x0FFF) + 3
        chunks += 1
    assert pos == len(container)
    assert chunks == -(-len(xlwings_vba().modules[0].code) // 4096)


# -- data encryption (CMG, DPB, GC) ------------------------------------------------------------------------------
def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (2.4.1.3.1), the reverse of ``compress``; ValueError when malformed."""
    if not container or container[0] != C.SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container (signature byte 0x01 missing)")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise ValueError("truncated chunk header")
        (header,) = struct.unpack_from("<H", container, pos)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at offset {pos}")
        chunk_end = min(pos + size, len(container))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[pos:pos + C.CHUNK_SIZE]
            pos += C.CHUNK_SIZE
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(container[pos])
                    pos += 1
                    continue
                (token,) = struct.unpack_from("<H", container, pos)
                pos += 2
                bit_count, _ = C._copy_token_split(len(out) - chunk_start)
                length = (token & (0xFFFF >> bit_count)) + C._MIN_MATCH
                offset = (token >> (16 - bit_count)) + 1
                source = len(out) - offset
                if source < chunk_start:
                    raise ValueError("copy token points before its chunk")
                for i in range(length):  # byte by byte: the source may overlap what is being written
                    out.append(out[source + i])
    return bytes(out)


def decrypt(blob: bytes) -> bytes:
    """The reverse of ``encrypt`` (2.4.3.3): the data, after checking version and length."""
    seed, version_enc, key_enc = blob[0], blob[1], blob[2]
    if seed ^ version_enc != 2:
        raise ValueError("unknown obfuscation version")
    unencrypted1, encrypted1, encrypted2 = seed ^ key_enc, key_enc, version_enc
    plain = bytearray()
    for byte_enc in blob[3:]:
        byte = byte_enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, byte_enc, byte
    n_ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", plain, n_ignored)[0]
    data = bytes(plain[n_ignored + 4:])
    if len(data) != length:
        raise ValueError("obfuscated data length mismatch")
    return data


def test_encryption_decrypts_the_specification_example() -> None:
    """[MS-OVBA] 3.1.6: the example project's protection state, password and visibility."""
    assert project_key("{917DED54-440B-4FD1-A5C1-74ACF261E600}") == 0xDF
    assert decrypt(bytes.fromhex("0705D8E3D8EDDBF1DBF1DBF1DBF1")) == b"\x00\x00\x00\x00"
    assert decrypt(bytes.fromhex("0E0CD1ECDFF4E7F5E7F5E7")) == b"\x00"
    assert decrypt(bytes.fromhex("1517CAF1D6F9D7F9D706")) == b"\xff"


@pytest.mark.parametrize("seed", [0x00, 0x07, 0x0E, 0xFF])
def test_encryption_round_trip(seed: int) -> None:
    blob = encrypt(b"\x00\x00\x00\x00", "{917DED54-440B-4FD1-A5C1-74ACF261E600}", seed, b"xyz")
    assert len(blob) == 3 + (seed & 6) // 2 + 4 + 4
    assert decrypt(blob) == b"\x00\x00\x00\x00"


# -- MS-CFB --------------------------------------------------------------------------------------------------------
def test_compound_file_is_read_by_olefile_with_every_stream_and_size() -> None:
    streams = {"PROJECT": b"p" * 300, "PROJECTwm": b"w" * 40, "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x01\x00",
               "VBA/dir": bytes(range(256)) * 5, "VBA/big": bytes(range(256)) * 40, "VBA/edge": b"e" * MINI_CUTOFF,
               "VBA/under": b"u" * (MINI_CUTOFF - 1)}
    streams |= {f"VBA/Hoja{i}": bytes([i]) * (i * 61) for i in range(1, 14)}
    blob = write_compound_file(streams)
    assert len(blob) % 512 == 0
    ole = olefile.OleFileIO(io.BytesIO(blob), raise_defects=olefile.DEFECT_INCORRECT)
    found = {"/".join(p) for p in ole.listdir(streams=True, storages=False)}
    assert found == set(streams)
    for path, data in streams.items():
        assert ole.get_size(path) == len(data)
        assert ole.openstream(path).read() == data
    assert ole.get_type("VBA") == olefile.STGTY_STORAGE
    # streams under the cutoff live in the mini stream, the others in regular sectors
    for entry in ole.direntries:
        if entry is not None and entry.entry_type == olefile.STGTY_STREAM:
            assert entry.is_minifat == (entry.size < MINI_CUTOFF)
    ole.close()


def _tree(ole: olefile.OleFileIO, sid: int) -> list[int]:
    """In-order stream ids of the red-black tree rooted at ``sid``; asserts its colour rules on the way."""
    if sid == olefile.NOSTREAM:
        return []
    e = ole.direntries[sid]
    for child in (e.sid_left, e.sid_right):
        if e.color == RED and child != olefile.NOSTREAM:
            assert ole.direntries[child].color == BLACK, "a red node has a red child"
    return [*_tree(ole, e.sid_left), sid, *_tree(ole, e.sid_right)]


def _black_heights(ole: olefile.OleFileIO, sid: int) -> set[int]:
    if sid == olefile.NOSTREAM:
        return {0}
    e = ole.direntries[sid]
    own = 1 if e.color == BLACK else 0
    return {h + own for h in _black_heights(ole, e.sid_left) | _black_heights(ole, e.sid_right)}


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 20])
def test_compound_file_directory_is_a_valid_red_black_tree(n: int) -> None:
    names = [f"M{'x' * (i % 5)}{i}" for i in range(n)]
    blob = write_compound_file({f"VBA/{name}": b"." for name in names})
    ole = olefile.OleFileIO(io.BytesIO(blob))
    vba = next(e for e in ole.direntries if e is not None and e.name == "VBA")
    order = _tree(ole, vba.sid_child)
    assert [ole.direntries[s].name for s in order] == sorted(names, key=name_key)
    assert ole.direntries[vba.sid_child].color == BLACK
    assert len(_black_heights(ole, vba.sid_child)) == 1
    ole.close()


def test_compound_file_refuses_bad_names() -> None:
    with pytest.raises(ValueError):
        write_compound_file({"VBA/" + "x" * 32: b""})
    with pytest.raises(ValueError):
        write_compound_file({"VBA": b"", "VBA/dir": b""})


# -- the project -----------------------------------------------------------------------------------------------------
def test_project_is_deterministic_and_extracted_exactly_by_olevba(tmp_path: Path) -> None:
    modules = [VBAModule("Modulo1", "standard", normalize_source('Attribute VB_Name = "Modulo1"\nSub A()\nEnd Sub')),
               VBAModule("Clase1", "class", normalize_source('Attribute VB_Name = "Clase1"\nPublic X As Long'))]
    blob = build_vba_project(modules)
    assert blob == build_vba_project(modules)
    parser = VBA_Parser("vbaProject.bin", data=blob)
    got = {name: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    assert got == {"Modulo1.bas": modules[0].code, "Clase1.cls": modules[1].code}


def test_buttons_module_matches_the_text_kept_in_workbook_vba() -> None:
    kept = normalize_source((ROOT / "workbook" / "vba" / "zedxl_botones.bas").read_text(encoding="cp1252"))
    assert kept == buttons_source()
    for b in BUTTONS:
        assert f'Sub {b.macro}()\r\n    RunPython "import zedxl.excel; zedxl.excel.{b.function}()"' in kept


def test_xlwings_vba_comes_from_the_installed_package() -> None:
    import importlib.metadata

    xlw = xlwings_vba()
    assert xlw.version == importlib.metadata.version("xlwings")
    main, dictionary = xlw.modules
    assert (main.name, main.kind) == ("xlwings", "standard")
    assert f'XLWINGS_VERSION As String = "{xlw.version}"' in main.code
    assert main.code == normalize_source((xlw.folder / "xlwings.bas").read_text(encoding="cp1252"))
    assert (dictionary.name, dictionary.kind) == ("Dictionary", "class")
    assert dictionary.code.startswith('Attribute VB_Name = "Dictionary"')


# -- the .xlsm master ------------------------------------------------------------------------------------------------
def test_xlsm_master_vba_is_extracted_exactly_by_olevba(xlsm: Path) -> None:
    assert extracted_modules(xlsm) == expected_modules(xlsm)


def test_xlsm_master_panel_buttons_call_their_macros(xlsm: Path) -> None:
    assert vml_buttons(xlsm) == {b.caption: f"[0]!{b.macro}" for b in BUTTONS}
    wb = openpyxl.load_workbook(xlsm, read_only=True)
    assert wb.sheetnames[0] == SHEET_PANEL
    wb.close()
    with zipfile.ZipFile(xlsm) as z:
        workbook_xml = z.read("xl/workbook.xml").decode()
        custom = z.read("docProps/custom.xml").decode()
        content_types = z.read("[Content_Types].xml").decode()
    assert 'codeName="ThisWorkbook"' in workbook_xml
    assert xlwings_vba().version in custom
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in content_types


def test_xlsm_master_reads_like_the_xlsx(xlsm: Path, tmp_path: Path, example_plan: Plan) -> None:
    xlsx = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, xlsx)
    assert read_master(xlsm).plan == read_master(xlsx).plan


def test_libreoffice_imports_the_modules_and_binds_each_button(xlsm: Path, tmp_path: Path) -> None:
    buttons, modules = libreoffice_view(xlsm, tmp_path)
    assert buttons == {b.caption: f"vnd.sun.star.script:VBAProject.zedxl_botones.{b.macro}"
                                  "?language=Basic&location=document" for b in BUTTONS}
    project, _ = master_project([codename(i) for i in range(len(openpyxl.load_workbook(xlsm).sheetnames))])
    kinds = {"standard": "normal", "class": "class", "document": "document"}
    assert set(modules) == {m.name for m in project.modules}
    for m in project.modules:
        kind, text = modules[m.name]
        assert kind == kinds[m.kind]
        # LibreOffice puts lines of its own first and keeps the Attribute lines out
        lines = text.split("\n")
        while lines and lines[0].startswith(LIBREOFFICE_LINES):
            lines.pop(0)
        assert "\n".join(lines).strip("\n") == without_attributes(m.code).strip("\n"), m.name


def test_recompute_keeps_vba_buttons_and_panel_settings(tmp_path: Path) -> None:
    master = tmp_path / "MAESTRO.xlsm"
    new(EXAMPLE, master)
    first_bin, first_modules, first_buttons = vba_bin(master), extracted_modules(master), vml_buttons(master)
    # the planner types the returns folder and the period on the Panel
    wb = openpyxl.load_workbook(master, keep_vba=True)
    ws = wb[SHEET_PANEL]
    for row in ws.iter_rows(max_col=2):
        if row[0].value == LABEL_CARPETA:
            row[1].value = r"C:\POI\retornos 2025"
        if row[0].value == LABEL_PERIODO:
            row[1].value = "2025-T2"
    wb.save(master)
    assert read_panel(master) is not None
    for _ in range(2):  # 2nd and 3rd write of the master
        recompute(master)
        assert vba_bin(master) == first_bin
        assert extracted_modules(master) == first_modules
        assert vml_buttons(master) == first_buttons
        settings = read_panel(master)
        assert settings is not None
        assert (settings.carpeta, settings.periodo) == (r"C:\POI\retornos 2025", "2025-T2")
    buttons, modules = libreoffice_view(master, tmp_path / "lo")
    assert set(buttons) == {b.caption for b in BUTTONS}
    assert all(url.startswith("vnd.sun.star.script:VBAProject.zedxl_botones.") for url in buttons.values())
    assert "zedxl_botones" in modules


def test_new_xlsm_panel_defaults(xlsm: Path) -> None:
    settings = read_panel(xlsm)
    assert settings is not None
    assert (settings.carpeta, settings.periodo) == (DEFAULT_CARPETA, "")
