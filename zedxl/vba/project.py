"""Write a VBA project storage (``vbaProject.bin``) from module source text, following [MS-OVBA] (section 2.2).

``VBA/_VBA_PROJECT`` holds only the seven version-independent bytes: with no compiled form present the host
compiles the project from source when it opens it (1.6). Everything is derived from the inputs (a name-based
project id, obfuscation seeds from a hash), so the same modules always give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from zedxl.vba.cfb import write_compound_file
from zedxl.vba.compression import compress

ModuleKind = Literal["standard", "document", "class"]

CODEPAGE = 1252
LCID = 0x0409
SYSKIND_WIN32 = 0x00000001
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
STDOLE_LIBID = "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation"

#: The ``VB_Base`` of Excel's document modules: the workbook and a worksheet.
BASE_WORKBOOK = "0{00020819-0000-0000-C000-000000000046}"
BASE_WORKSHEET = "0{00020820-0000-0000-C000-000000000046}"

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")


@dataclass(frozen=True)
class VBAModule:
    """One module of a VBA project.

    Attributes:
        name: The module's VBA name (also its stream name): a letter, then letters, digits or ``_``; ≤ 31 chars.
        kind: ``standard`` (a ``.bas`` module), ``document`` (``ThisWorkbook`` or a sheet) or ``class``.
        code: The source as the VBA editor stores it: ``Attribute`` lines first, lines ending in CRLF.
    """

    name: str
    kind: ModuleKind
    code: str


def document_module(name: str, base: str) -> VBAModule:
    """The empty document module Excel keeps for the workbook (``BASE_WORKBOOK``) or a sheet (``BASE_WORKSHEET``)."""
    attributes = (f'VB_Name = "{name}"', f'VB_Base = "{base}"', "VB_GlobalNameSpace = False", "VB_Creatable = False",
                  "VB_PredeclaredId = True", "VB_Exposed = True", "VB_TemplateDerived = False",
                  "VB_Customizable = True")
    return VBAModule(name, "document", "".join(f"Attribute {a}\r\n" for a in attributes))


def normalize_source(text: str) -> str:
    """Source text as stored: CRLF line ends, one final CRLF, no byte-order mark."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return text.replace("\n", "\r\n") + "\r\n"


def module_from_export(text: str, kind: ModuleKind) -> VBAModule:
    """A module from a file the VBA editor exports (``.bas``/``.cls``): its ``VB_Name`` names it.

    A class export starts with a ``VERSION``/``BEGIN … END`` header that the editor drops on import; so is it here.
    """
    text = normalize_source(text)
    if kind == "class" and text.startswith("VERSION "):
        end = text.find("\r\nEND\r\n")
        if end < 0:
            raise ValueError("class module export without the END of its header")
        text = text[end + len("\r\nEND\r\n"):]
    m = re.search(r'^Attribute VB_Name = "([^"]+)"', text, re.MULTILINE)
    if not m:
        raise ValueError("module source without an Attribute VB_Name line")
    return VBAModule(m.group(1), kind, text)


# -- encoding helpers --------------------------------------------------------------------------------------------------
def _mbcs(text: str) -> bytes:
    try:
        return text.encode(f"cp{CODEPAGE}")
    except UnicodeEncodeError as e:
        raise ValueError(f"text not representable in code page {CODEPAGE}: {text[e.start:e.end]!r}") from e


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _record(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _text_record(rid: int, text: str, unicode_rid: int) -> bytes:
    """A record holding MBCS text followed by its reserved id and the UTF-16 form (PROJECTDOCSTRING etc.)."""
    return _record(rid, _mbcs(text)) + _record(unicode_rid, _utf16(text))


# -- Data Encryption (2.4.3.2), used to obfuscate CMG, DPB and GC ---------------------------------------------
def project_key(project_id: str) -> int:
    """ProjKey: the sum of the bytes of the project id string (with braces), modulo 256."""
    return sum(_mbcs(project_id)) & 0xFF


def encrypt(data: bytes, project_id: str, seed: int, ignored: bytes = b"") -> bytes:
    """Obfuscate ``data`` as the specification's Data Encryption does, with a given ``seed`` (reproducible output).

    ``ignored`` supplies the filler bytes; (seed & 6) // 2 of them are used (missing ones are zero).
    """
    version = 2
    key = project_key(project_id)
    version_enc = seed ^ version
    key_enc = seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    unencrypted1, encrypted1, encrypted2 = key, key_enc, version_enc
    n_ignored = (seed & 6) // 2
    for byte in ignored[:n_ignored].ljust(n_ignored, b"\x00") + struct.pack("<I", len(data)) + data:
        byte_enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(byte_enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, byte_enc, byte
    return bytes(out)


# -- the project ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VBAProject:
    """A VBA project to write: its modules, in the order the editor lists them, and its name."""

    modules: tuple[VBAModule, ...]
    name: str = "VBAProject"

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for m in self.modules:
            if not _IDENTIFIER.match(m.name):
                raise ValueError(f"invalid VBA module name {m.name!r}")
            if m.name.upper() in seen:
                raise ValueError(f"duplicate VBA module name {m.name!r}")
            seen.add(m.name.upper())
        if not _IDENTIFIER.match(self.name):
            raise ValueError(f"invalid VBA project name {self.name!r}")

    @property
    def project_id(self) -> str:
        """A GUID derived from the project's name and module names, braces included, upper case."""
        names = ",".join(m.name for m in self.modules)
        return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"zedxl:vba:{self.name}:{names}")).upper() + "}"

    def _seed(self, label: str) -> tuple[int, bytes]:
        digest = hashlib.sha256(f"{self.project_id}:{label}".encode()).digest()
        return digest[0], digest[1:4]

    def project_stream(self) -> bytes:
        """The ``PROJECT`` stream (2.3.1): module list, name, protection state (none), host extender."""
        pid = self.project_id
        lines = [f'ID="{pid}"']
        for m in self.modules:
            key = {"document": "Document", "standard": "Module", "class": "Class"}[m.kind]
            lines.append(f"{key}={m.name}/&H00000000" if m.kind == "document" else f"{key}={m.name}")
        lines += [f'Name="{self.name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"']
        # not protected (4 zero bytes), no password (one zero byte), visible (0xFF)
        for key, data in (("CMG", b"\x00\x00\x00\x00"), ("DPB", b"\x00"), ("GC", b"\xff")):
            seed, filler = self._seed(key)
            lines.append(f'{key}="{encrypt(data, pid, seed, filler).hex().upper()}"')
        lines += ["", "[Host Extender Info]", HOST_EXTENDER]
        return _mbcs("\r\n".join(lines) + "\r\n")

    def name_map_stream(self) -> bytes:
        """The ``PROJECTwm`` stream (2.3.3): each module name in MBCS and UTF-16, null-terminated."""
        out = bytearray()
        for m in self.modules:
            out += _mbcs(m.name) + b"\x00" + _utf16(m.name) + b"\x00\x00"
        return bytes(out + b"\x00\x00")

    def dir_stream(self) -> bytes:
        """The decompressed ``dir`` stream (2.3.4.2): information, references, modules, terminator."""
        out = bytearray()
        # PROJECTINFORMATION
        out += _record(0x0001, struct.pack("<I", SYSKIND_WIN32))
        out += _record(0x0002, struct.pack("<I", LCID))
        out += _record(0x0014, struct.pack("<I", LCID))
        out += _record(0x0003, struct.pack("<H", CODEPAGE))
        out += _record(0x0004, _mbcs(self.name))
        out += _text_record(0x0005, "", 0x0040)  # PROJECTDOCSTRING
        out += _text_record(0x0006, "", 0x003D)  # PROJECTHELPFILEPATH (HelpFile1, HelpFile2)
        out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
        out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
        out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: Reserved=4, major 1, minor 0
        out += _text_record(0x000C, "", 0x003C)  # PROJECTCONSTANTS
        # PROJECTREFERENCES: OLE Automation (stdole), as every Excel project has
        out += _text_record(0x0016, "stdole", 0x003E)
        libid = _mbcs(STDOLE_LIBID)
        out += struct.pack("<HII", 0x000D, len(libid) + 10, len(libid)) + libid + struct.pack("<IH", 0, 0)
        # PROJECTMODULES
        out += _record(0x000F, struct.pack("<H", len(self.modules)))
        out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
        for m in self.modules:
            out += _record(0x0019, _mbcs(m.name))  # MODULENAME
            out += _record(0x0047, _utf16(m.name))  # MODULENAMEUNICODE
            out += _text_record(0x001A, m.name, 0x0032)  # MODULESTREAMNAME
            out += _text_record(0x001C, "", 0x0048)  # MODULEDOCSTRING
            out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source starts the stream
            out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
            out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
            out += struct.pack("<HI", 0x0021 if m.kind == "standard" else 0x0022, 0)  # MODULETYPE
            out += struct.pack("<HI", 0x002B, 0)  # module terminator
        out += struct.pack("<HI", 0x0010, 0)  # dir terminator
        return bytes(out)

    def streams(self) -> dict[str, bytes]:
        """Every stream of the storage, by path, in writing order."""
        out = {
            "PROJECT": self.project_stream(),
            "PROJECTwm": self.name_map_stream(),
            "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001),
            "VBA/dir": compress(self.dir_stream()),
        }
        for m in self.modules:
            out[f"VBA/{m.name}"] = compress(_mbcs(m.code))
        return out

    def to_bytes(self) -> bytes:
        """The ``vbaProject.bin`` compound file."""
        return write_compound_file(self.streams())


def build_vba_project(modules: Sequence[VBAModule], name: str = "VBAProject") -> bytes:
    """``vbaProject.bin`` bytes for ``modules`` (see ``VBAProject``)."""
    return VBAProject(tuple(modules), name).to_bytes()
