"""The container: what kind of file it is (zip, OLE2, text, lock file), and the zip's own limits (sizes, names,
compression, CRCs, streams longer than declared), read in bounded chunks."""

from __future__ import annotations

import codecs
import io
import os
import posixpath
import re
import stat
import struct
import zipfile
from typing import BinaryIO
from urllib.parse import unquote

from zedxl.intake.common import (
    _human,
    _local,
    _Rel,
    _short,
)
from zedxl.intake.members import _Members, _read_error
from zedxl.intake.result import Kind, lock_file_original
from zedxl.issues import Severity

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_NAME_CONTROL = re.compile(r"[\x00-\x1f]")

_NAME_DRIVE = re.compile(r"[A-Za-z]:")


def _unsafe_name(name: str) -> bool:
    if not name or _NAME_CONTROL.search(name):
        return True
    if name.startswith(("/", "\\")) or "\\" in name or _NAME_DRIVE.match(name):
        return True
    return ".." in name and any(seg == ".." for seg in name.split("/"))


def _resolve(directory: str, target: str) -> str | None:
    """An internal relationship target as a zip member name; None when it escapes the package."""
    target = unquote(target.strip())
    if not target or "\\" in target:
        return None
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(directory, target)
    norm = posixpath.normpath(joined)
    if norm.startswith("../") or norm == ".." or norm.startswith("/"):
        return None
    return norm


def _find_eocd(fh: BinaryIO, size: int) -> tuple[int, int, int] | None:
    """(entries, central directory size, offset) from the end-of-central-directory record; None if absent."""
    tail_len = min(size, 22 + 65535 + 20)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    while pos >= 0 and pos + 22 > len(tail):
        pos = tail.rfind(b"PK\x05\x06", 0, pos)
    if pos < 0:
        return None
    (_sig, disk, _disk_cd, _n_disk, entries, cd_size, cd_offset, _clen) = struct.unpack(
        "<4sHHHHIIH", tail[pos:pos + 22])
    if disk not in (0, 0xFFFF):
        return None
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        loc = pos - 20
        if loc >= 0 and tail[loc:loc + 4] == b"PK\x06\x07":
            (z64_offset,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
            if z64_offset + 56 <= size:
                fh.seek(z64_offset)
                rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06":
                    entries, cd_size, cd_offset = struct.unpack("<QQQ", rec[32:56])
    return entries, cd_size, cd_offset


def _cfb_names(data: bytes) -> set[str]:
    """Names of the storages and streams of an OLE2/CFB file, walking its directory chain within bounds."""
    names: set[str] = set()
    if len(data) < 512:
        return names
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        return names
    ss = 1 << shift
    n_sectors = max(0, (len(data) - ss) // ss + (1 if (len(data) - ss) % ss else 0))
    first_dir, = struct.unpack_from("<I", data, 0x30)
    first_difat, n_difat = struct.unpack_from("<II", data, 0x44)

    def sector(n: int) -> bytes:
        off = (n + 1) * ss
        return data[off:off + ss] if 0 <= n < n_sectors else b""

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < n_sectors]
    seen: set[int] = set()
    cur = first_difat
    while cur < n_sectors and cur not in seen and len(seen) <= min(n_difat, n_sectors):
        seen.add(cur)
        sec = sector(cur)
        if len(sec) < ss:
            break
        vals = struct.unpack_from(f"<{ss // 4}I", sec)
        fat_sectors.extend(v for v in vals[:-1] if v < n_sectors)
        cur = vals[-1]
    fat: list[int] = []
    for s in fat_sectors[:n_sectors]:
        sec = sector(s)
        if len(sec) == ss:
            fat.extend(struct.unpack_from(f"<{ss // 4}I", sec))
    seen = set()
    cur = first_dir
    while cur < n_sectors and cur not in seen:
        seen.add(cur)
        sec = sector(cur)
        for off in range(0, len(sec) - 127, 128):
            entry = sec[off:off + 128]
            name_len = struct.unpack_from("<H", entry, 0x40)[0]
            kind = entry[0x42]
            if kind in (1, 2, 5) and 2 <= name_len <= 64 and name_len % 2 == 0:
                names.add(entry[:name_len - 2].decode("utf-16-le", "replace"))
        cur = fat[cur] if cur < len(fat) else 0xFFFFFFFE
    return names


def _decode_text(head: bytes, truncated: bool) -> str | None:
    """The head of a file as text, or None when it looks binary."""
    if head.startswith(codecs.BOM_UTF8):
        text = head[3:].decode("utf-8", "replace")
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) // 2 * 2].decode("utf-16", "replace")
    elif len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
        text = head[: len(head) // 2 * 2].decode("utf-16-le", "replace")
    else:
        if b"\x00" in head:
            return None
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as e:
            if truncated and e.start >= len(head) - 4:
                text = head[: e.start].decode("utf-8")
            else:
                text = head.decode("cp1252", "replace")
    if not text:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    if controls > max(2, len(text) // 100):
        return None
    return text


def _csv_delimiter(text: str, truncated: bool) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if truncated and len(lines) > 1:
        lines = lines[:-1]
    lines = lines[:50]
    if len(lines) < 2:  # one line is a sentence or a bare header, not data
        return ""
    for d in (";", "\t", ","):
        counts = [ln.count(d) for ln in lines]
        if counts[0] == 0:
            continue
        same = sum(1 for c in counts if c == counts[0])
        if same >= max(1, int(0.8 * len(counts))):
            return d
    return ""


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "es un PDF"),
    (b"\x89PNG", "es una imagen PNG"),
    (b"\xff\xd8\xff", "es una imagen JPEG"),
    (b"GIF8", "es una imagen GIF"),
    (b"MZ", "es un programa ejecutable"),
    (b"Rar!", "es un archivo comprimido RAR"),
    (b"7z\xbc\xaf", "es un archivo comprimido 7z"),
    (b"\x1f\x8b", "es un archivo comprimido gzip"),
    (b"{\\rtf", "es un documento RTF"),
)

_EXT_KINDS: dict[str, Kind] = {".xlsm": "xlsm", ".xltm": "xlsm", ".xlam": "xlsm", ".xlsx": "xlsx", ".xltx": "xlsx",
                               ".ods": "ods"}


class _Container(_Members):
    """The container's checks and the bounded reading of its members."""

    def run(self) -> None:
        original = lock_file_original(self.file)
        if original is not None:
            self.kind = "owner-file"
            self.add("archivo-temporal-bloqueo", original=original)
            return
        try:
            if self.data is not None:  # read by the caller, who checked it was a regular file
                fh: BinaryIO = io.BytesIO(self.data)
            elif not stat.S_ISREG(os.stat(self.path).st_mode):  # a FIFO would block open(), a directory fail later
                self.add("archivo-inaccesible", detail="no es un archivo")
                return
            else:
                fh = open(self.path, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            self.add("archivo-inaccesible", detail=_short(e.strerror or type(e).__name__))
            return
        with fh:
            try:
                if self.data is not None:
                    size = len(self.data)
                else:
                    st = os.fstat(fh.fileno())
                    if not stat.S_ISREG(st.st_mode):
                        self.add("archivo-inaccesible", detail="no es un archivo")
                        return
                    size = st.st_size
                if size == 0:
                    self.kind = "empty"
                    self.add("archivo-vacio")
                    return
                head = fh.read(min(size, 64 * 1024))
            except OSError as e:
                self.add("archivo-inaccesible", detail=_short(e.strerror or type(e).__name__))
                return
            is_zip = head.startswith((b"PK\x03\x04", b"PK\x05\x06"))
            if size > self.limits.max_file_bytes:
                self.kind = self.ext_kind() if is_zip else "xls" if head.startswith(_OLE_MAGIC) else "unknown"
                self.add("archivo-demasiado-grande", size=_human(size), limit=_human(self.limits.max_file_bytes))
                return
            if is_zip:
                self.inspect_zip(fh, size)
            elif head.startswith(_OLE_MAGIC):
                fh.seek(0)
                self.inspect_ole(fh.read(size))
            else:
                self.inspect_text(head, size)

    def ext_kind(self) -> Kind:
        return _EXT_KINDS.get(self.path.suffix.lower(), "unknown")

    def inspect_ole(self, data: bytes) -> None:
        names = _cfb_names(data)
        if not names:  # damaged directory: fall back on the UTF-16 names anywhere in the file
            names = {n for n in ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book", "WordDocument",
                                 "PowerPoint Document") if n.encode("utf-16-le") in data}
        lower = {n.lower() for n in names}
        if {"encryptedpackage", "encryptioninfo"} & lower:
            self.kind = "encrypted"
            self.add("archivo-cifrado")
        elif {"workbook", "book"} & lower:
            self.kind = "xls"
            self.add("formato-xls-antiguo")
        elif "worddocument" in lower:
            self.add("formato-desconocido", detail="es un documento de Word antiguo (.doc)")
        elif "powerpoint document" in lower:
            self.add("formato-desconocido", detail="es una presentación de PowerPoint antigua (.ppt)")
        else:
            self.add("formato-desconocido", detail="es un archivo de Office antiguo que no contiene un libro de Excel")

    def inspect_text(self, head: bytes, size: int) -> None:
        text = _decode_text(head, truncated=size > len(head))
        if text is None:
            self.add("formato-desconocido",
                     detail=next((text for sig, text in _SIGNATURES if head.startswith(sig)), "formato desconocido"))
            return
        low = text.lstrip("\ufeff \t\r\n").lower()[:8192]
        if low.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in low:
            self.kind = "text"
            self.add("formato-xml-2003")
            return
        if (low.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body"))
                or "<html" in low or "<table" in low
                or (low.startswith("mime-version:") and "multipart/related" in low)):
            self.kind = "html"
            self.add("formato-html")
            return
        delimiter = _csv_delimiter(text, truncated=size > len(head))
        if delimiter:
            self.kind = "csv"
            self.add("formato-csv", delimiter={"\t": "tabulador"}.get(delimiter, delimiter))
            return
        self.kind = "text"
        self.add("formato-texto")

    def inspect_zip(self, fh: BinaryIO, size: int) -> None:
        lim = self.limits
        self.kind = self.ext_kind()
        eocd = _find_eocd(fh, size)
        if eocd is None:
            self.add("archivo-truncado")
            return
        entries, cd_size, cd_offset = eocd
        if entries > lim.max_zip_members:
            self.add("zip-demasiadas-partes", count=entries, limit=lim.max_zip_members)
            return
        if cd_size > lim.max_central_directory_bytes:
            self.add("zip-demasiadas-partes", count=f"{entries} (índice de {_human(cd_size)})",
                     limit=lim.max_zip_members)
            return
        if cd_offset + cd_size > size:
            self.add("archivo-truncado")
            return
        try:
            fh.seek(0)
            zf = zipfile.ZipFile(fh)
        except Exception as e:  # noqa: BLE001 - any failure of the central directory is a corrupt file
            self.add("zip-corrupto", part="el índice del archivo comprimido", detail=_read_error(e))
            return
        with zf:
            self.zf = zf
            if self.check_members(zf.infolist()):
                return
            self.identify_and_check()

    def check_members(self, infos: list[zipfile.ZipInfo]) -> bool:
        """Central-directory checks; True when the file must not be read further (any of them raised an issue)."""
        lim = self.limits
        if len(infos) > lim.max_zip_members:
            self.add("zip-demasiadas-partes", count=len(infos), limit=lim.max_zip_members)
            return True
        issues_before = self.code_counts.total()
        total = 0
        seen: dict[str, str] = {}
        for info in infos:
            name = info.filename
            total += info.file_size
            if _unsafe_name(info.orig_filename) or (name != info.orig_filename and _unsafe_name(name)):
                self.add("zip-nombre-peligroso", part=_short(info.orig_filename, 80))
            key = name.lower()
            if key in seen:
                self.add("zip-parte-duplicada", part=_short(name, 80))
            seen[key] = name
            if info.file_size > lim.max_member_bytes:
                self.add("zip-parte-demasiado-grande", part=_short(name, 80), size=_human(info.file_size),
                         limit=_human(lim.max_member_bytes))
            elif info.file_size > lim.ratio_min_bytes:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > lim.max_ratio:
                    self.add("zip-compresion-anomala", part=_short(name, 80), ratio=f"{ratio:.0f}",
                             limit=f"{lim.max_ratio:.0f}")
            if info.flag_bits & 0x1:
                self.add("zip-parte-cifrada", part=_short(name, 80))
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not name.endswith("/"):
                self.add("zip-corrupto", part=_short(name, 80),
                         detail=f"método de compresión {info.compress_type} no admitido")
        if total > lim.max_total_bytes:
            self.add("zip-total-demasiado-grande", size=_human(total), limit=_human(lim.max_total_bytes))
        if self.code_counts.total() > issues_before:
            return True
        self.members = {i.filename.lower(): i for i in infos if not i.filename.endswith("/")}
        return False

    def identify_and_check(self) -> None:
        if not self.members:
            self.kind = "unknown"
            self.add("formato-desconocido", detail="es un archivo comprimido .zip vacío")
            return
        if self.member("[Content_Types].xml") is None and self.member("mimetype") is not None:
            mimetype = self.read_small("mimetype", 256).decode("ascii", "replace").strip()
            if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
                self.kind = "ods"
                self.add("formato-ods")
            else:
                self.kind = "unknown"
                self.add("formato-desconocido", detail=f"es un documento OpenDocument ({_short(mimetype, 60)})")
            return
        if (self.member("[Content_Types].xml") is None and self.member("_rels/.rels") is None
                and self.member("xl/workbook.xml") is None):
            self.kind = "unknown"
            self.add("formato-desconocido", detail="es un archivo comprimido .zip, no un libro de Excel")
            return
        self.inspect_package()

    def parse_rels(self, source_part: str) -> list[_Rel] | None:
        """Relationships of ``source_part`` ('' for the package); None when there is no rels part."""
        directory, base = posixpath.split(source_part)
        rels_part = posixpath.join(directory, "_rels", base + ".rels") if source_part else "_rels/.rels"
        if self.member(rels_part) is None:
            return None
        rels: list[_Rel] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and len(rels) < self.limits.max_zip_members * 4:
                target = attrs.get("Target", "")
                external = attrs.get("TargetMode", "").lower() == "external"
                rels.append(_Rel(attrs.get("Id", ""), attrs.get("Type", ""), target, external,
                                 None if external else _resolve(directory, target)))

        self.parse_xml(rels_part, start)
        return rels

    def check_dangling(self, rels: list[_Rel], source: str, severity: Severity | None = None) -> None:
        for rel in rels:
            if rel.external:
                continue
            if rel.part is None or self.member(rel.part) is None:
                self.add("paquete-parte-faltante", part=rel.part or _short(rel.target, 80),
                         detail=f"referida por {source or 'el paquete'}", severity=severity)
