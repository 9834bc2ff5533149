"""Reading the package's members within bounds: each in chunks up to its declared size (a stream longer than
declared is refused), XML parsed by expat with DTDs and entities forbidden, small parts kept for the reader and what
a clean parse found remembered by the part's bytes."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from zedxl.intake.common import (
    _CLEAN_PARTS,
    _SHALLOW_BYTES,
    _TICK,
    _Base,
    _Forbidden,
    _human,
    _nesting_bounded,
    _new_parser,
    _short,
    _Stop,
)

_CHUNK = 256 * 1024

_CLEAN_MAX_BYTES = 256 * 1024  # a part larger than this is never remembered

# what intake keeps of the parts it read whole for the reader (Intake.parts), in all: a return's parts take ~150 KB
_KEEP_MAX_BYTES = 4 * 1024 * 1024

_DTD_BYTES = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader: a member's local header

_FLAGS_NOT_PLAIN = 0x1 | 0x20 | 0x40  # encrypted, compressed patched data, strong encryption


def _local_header(data: bytes | memoryview, info: zipfile.ZipInfo) -> tuple[tuple[Any, ...], int] | None:
    """The member's local header, and where its compressed bytes start; None when it lies outside ``data``."""
    offset = info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        return None
    header = _LOCAL_HEADER.unpack_from(data, offset)
    return header, offset + _LOCAL_HEADER.size + header[10] + header[11]


def _plain_member(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A member read from the whole file's bytes as ``zipfile`` reads it (without ``ZipExtFile``'s per-read work),
    in the plain case only: stored or deflated, not encrypted, its local header where the directory says with the
    same name, the deflate stream exactly the compressed size, size and CRC-32 right. None otherwise: zipfile reads
    it then, and fails the way it fails."""
    if info.flag_bits & _FLAGS_NOT_PLAIN or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    found = _local_header(data, info)
    if found is None or found[0][0] != b"PK\x03\x04":
        return None
    header, start = found
    name_start = info.header_offset + _LOCAL_HEADER.size
    end = start + info.compress_size
    if end > len(data):
        return None
    try:
        if data[name_start: name_start + header[10]].decode("utf-8" if header[3] & 0x800 else "cp437") != (
                info.orig_filename):
            return None
    except UnicodeDecodeError:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            return None
        out = data[start:end]
    else:
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(memoryview(data)[start:end], info.file_size + 1)
        except zlib.error:
            return None
        if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
            return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out


class _SizeLie(zipfile.BadZipFile):
    """A deflated member whose stream goes on past the size its headers declare."""


def _inflates_past(raw: bytes | memoryview, declared: int) -> bool:
    """True when the deflate stream ``raw`` gives more than ``declared`` bytes; inflated 1 MiB at a time and stopped
    as soon as it does, so a bomb hidden behind a small declared size costs at most that much memory."""
    inflater = zlib.decompressobj(-15)
    produced, rest = 0, raw
    try:
        while rest and not inflater.eof:
            produced += len(inflater.decompress(rest, 1 << 20))
            if produced > declared:
                return True
            rest = inflater.unconsumed_tail
    except zlib.error:
        return False  # damaged: zipfile has already said so, or will
    return False


def _read_error(e: BaseException) -> str:
    """A zip read failure in words for the office (the technical text in parentheses)."""
    text = str(e)
    if "CRC" in text:
        what = "suma de control CRC incorrecta: el contenido está alterado"
    elif isinstance(e, zlib.error):
        what = "datos comprimidos dañados"
    elif isinstance(e, EOFError):
        what = "datos comprimidos incompletos"
    elif "File name in directory" in text:
        what = "el nombre de la parte no coincide con su cabecera"
    elif isinstance(e, RuntimeError) and "encrypted" in text:
        what = "la parte está cifrada"
    elif isinstance(e, NotImplementedError):
        what = "método de compresión no admitido"
    elif isinstance(e, _SizeLie):
        what = "el contenido comprimido es más largo que el tamaño declarado"
    else:
        what = "error de lectura"
    return f"{what}; {_short(text or type(e).__name__, 80)}"


class _Members(_Base):
    """The bounded reading of the package's members (the container's and package's checks read through it)."""

    def member(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(name.lower())

    def read_small(self, name: str, cap: int) -> bytes:
        info = self.member(name)
        if info is None or self.zf is None:
            return b""
        try:
            with self.zf.open(info) as fh:
                return fh.read(cap)
        except Exception:  # noqa: BLE001 - reported when the part is checked as a whole
            return b""

    def parse_xml(
        self,
        part: str,
        start: Callable[[str, dict[str, str]], None] | None = None,
        end: Callable[[str], None] | None = None,
        chars: Callable[[str], None] | None = None,
        *,
        namespaces: bool = True,
        counted: bool = True,
        data: bytes | None = None,
    ) -> bool:
        """Stream one zip member through expat (DTDs forbidden); True when it parsed completely and cleanly.
        ``namespaces``: element names as 'uri}local' (else as written); ``counted``: ``start`` wrapped to count
        elements and look at the deadline (else it does both itself); ``data``: the member's bytes, read whole
        already. A small part parsed with no handler is remembered by its bytes once clean (``_CLEAN_PARTS``); a
        large one is parsed with handlers, its elements counted and their nesting bounded."""
        info = self.member(part)
        assert self.zf is not None and info is not None
        self.parsed.add(info.filename.lower())
        name = info.filename
        self.part_now = name
        if info.file_size > self.limits.max_xml_part_bytes:
            self.add("xml-parte-demasiado-grande", part=name, detail=f"{_human(info.file_size)}, máximo "
                     f"{_human(self.limits.max_xml_part_bytes)}")
            return False
        # a part parsed cleanly before, byte for byte (no handler: only well-formedness and DTDs are at stake)
        plain = start is None and end is None and chars is None
        if data is None and plain:
            data = self.small_bytes(info)
        if plain and data is not None and _CLEAN_PARTS.get((namespaces, data)) is not None:
            return True
        parser = _new_parser(namespaces)
        deep = info.file_size > _SHALLOW_BYTES  # only a large part can nest deep enough to matter
        if counted and (start is not None or deep):
            start = self.counting(name, start)
        if deep:
            start, end = _nesting_bounded(start, end, self.limits.max_xml_depth, name)
        if start is not None:
            parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if chars is not None:
            parser.CharacterDataHandler = chars
        stream: Iterator[bytes] | None = None
        try:
            if data is not None:  # read whole already (so intact: a parse error is the XML's)
                parser.Parse(data, True)
            else:
                stream = self.stream(info)
                for chunk in stream:
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            if plain and data is not None:
                _CLEAN_PARTS.put((namespaces, data), len(data), True)
            return True
        except _Forbidden as e:
            self.add("xml-dtd-prohibido", part=name, what=f"<!{e.args[0]}>")
        except _Stop as e:
            self.add(e.code, **e.params)
        except expat.ExpatError as e:
            detail = f"línea {e.lineno}, columna {e.offset}: {expat.ErrorString(e.code)}"
            corrupt = self.drain(stream)  # tell a corrupt member (CRC) from well-stored bad XML
            if corrupt:
                self.add("zip-corrupto", part=f"la parte {name}", detail=corrupt)
            else:
                self.add("xml-mal-formado", part=name, detail=detail)
        except (LookupError, UnicodeError) as e:  # an encoding expat and Python do not know, or bad bytes in it
            self.add("xml-mal-formado", part=name, detail=f"codificación no válida: {_short(str(e), 60)}")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
                ValueError) as e:
            self.add("zip-corrupto", part=f"la parte {name}", detail=_read_error(e))
        finally:
            if stream is not None and hasattr(stream, "close"):
                stream.close()
        return False

    def counting(self, part: str, start: Callable[[str, dict[str, str]], None] | None,
                 ) -> Callable[[str, dict[str, str]], None]:
        """``start`` (when given) behind a handler that counts the element against ``Limits.max_xml_elements``
        and looks at the deadline every few thousand elements."""
        limit = self.limits.max_xml_elements

        def counted_start(tag: str, attrs: dict[str, str]) -> None:
            self.elements = n = self.elements + 1
            if n > limit:
                raise _Stop("xml-parte-demasiado-grande", part=part, detail=f"más de {limit:,} elementos XML")
            if not n & _TICK:
                self.check_deadline()
            if start is not None:
                start(tag, attrs)

        return counted_start

    def raw_member_overruns(self, info: zipfile.ZipInfo) -> bool:
        """True when the member's compressed bytes (found from its local header) inflate past its declared size."""
        if self.data is not None:
            data: bytes | memoryview = memoryview(self.data)
        else:
            with open(self.path, "rb") as fh:
                data = fh.read()  # bounded: the file's size was checked against max_file_bytes before
        found = _local_header(data, info)
        return found is not None and _inflates_past(data[found[1]:found[1] + info.compress_size], info.file_size)

    def small_bytes(self, info: zipfile.ZipInfo, limit: int = _CLEAN_MAX_BYTES) -> bytes | None:
        """The whole member when it is at most ``limit`` bytes (by default, small enough to be remembered by its bytes
        in ``_CLEAN_PARTS``); None when it is larger or cannot be read (the full parse then reports the error)."""
        if info.file_size > limit:
            return None
        try:
            return b"".join(self.stream(info))
        except Exception:  # noqa: BLE001 - reported by the streaming parse with its part name
            return None

    def stream(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The member's bytes in chunks, bounded by its declared size (zipfile stops there and checks the CRC)."""
        assert self.zf is not None
        self.part_now = info.filename
        budget = max(info.file_size, 0)
        # kept for the reader (Intake.parts) when small, up to _KEEP_MAX_BYTES in all: a hostile package of
        # thousands of small parts must not be held in memory whole
        keep = self.keep_cells and budget <= _CLEAN_MAX_BYTES and self.kept_bytes + budget <= _KEEP_MAX_BYTES
        kept: list[bytes] = []
        # a small member of a file read whole, in the plain case: straight from those bytes, the very bytes
        # zipfile gives (anything else, or any doubt: zipfile reads it and reports what is wrong, as before)
        whole = _plain_member(self.data, info) if self.data is not None and budget <= _CHUNK else None
        if whole is not None:
            self.check_deadline()
            yield whole
            kept.append(whole)
        else:
            with self.zf.open(info) as fh:
                while True:
                    self.check_deadline()
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    if keep:
                        kept.append(chunk)
                    yield chunk
            # zipfile stops at the declared size; another program would inflate the rest of the stream
            if info.compress_type == zipfile.ZIP_DEFLATED and self.raw_member_overruns(info):
                raise _SizeLie(f"{info.filename}: más de {info.file_size} bytes")
        if keep:  # read to the end: zipfile has checked the CRC
            whole = b"".join(kept)
            self.kept_bytes += len(whole) - len(self.parts.get(info.filename, b""))
            self.parts[info.filename] = whole

    def drain(self, stream: Iterator[bytes] | None) -> str:
        """Read the rest of a member; the read error (CRC, inflate) as text, '' when it is intact."""
        if stream is None:
            return ""
        try:
            for _ in stream:
                pass
        except Exception as e:  # noqa: BLE001
            return _read_error(e)
        return ""

    def scan_dtd_bytes(self, part: str) -> None:
        """Parts that are often not well-formed XML (VML): only look for DTD declarations."""
        info = self.member(part)
        assert info is not None
        self.parsed.add(info.filename.lower())
        if info.file_size > self.limits.max_xml_part_bytes:
            self.add("xml-parte-demasiado-grande", part=info.filename, detail=_human(info.file_size))
            return
        tail = b""
        try:
            for chunk in self.stream(info):
                m = _DTD_BYTES.search(tail + chunk)
                if m:
                    self.add("xml-dtd-prohibido", part=info.filename, what=f"<!{m.group(1).decode().upper()}>")
                    return
                tail = chunk[-16:]
        except Exception as e:  # noqa: BLE001
            self.add("zip-corrupto", part=f"la parte {info.filename}", detail=_read_error(e))
