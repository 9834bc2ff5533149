"""Open a returned office workbook without parsing it again: python-calamine values plus the cells intake kept.

``zedxl.intake.inspect(path, keep_cells=True)`` already streams every worksheet once (it must, to bound and check
it) and keeps, for every ``<c>``, its position, style, type, raw ``<v>`` text and formula. Here that is joined with
the strings python-calamine reads (shared and inline strings are the only values taken from it) into a light
workbook with exactly the cell values, types and number formats openpyxl (``read_only=False, data_only=False``)
would give, so ``office_read.read_manifest`` and ``office_read.read_values`` run their same checks on it without the
full openpyxl load (styles, protection, validations, one object per cell): that load is ~20 times slower than the
whole of this.

``open_workbook`` returns None, and the caller falls back to openpyxl, whenever the file has anything this path does
not reproduce exactly: a sheet intake could not read with its fast scan (unusual XML, shared or array formulas,
odd numbers...), merged cells, a sheet that is not a worksheet, a style index or a custom property of a kind not
seen in a zedxl workbook, an inline or ISO-date cell type, or a file python-calamine cannot open. A clean return
never pays for openpyxl; a suspicious one gets the full, proven path.
"""

from __future__ import annotations

import contextlib
import copy as _copy
import functools
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from zedxl import intake as _intake
from zedxl.intake import Intake, _xml_text
from zedxl.xlsx.office_write import PROPERTY_PREFIX

_TEXT_PROPERTY_TYPES = frozenset({"lpwstr", "lpstr", "bstr"})
_STATES = frozenset({"visible", "hidden", "veryHidden"})


class ScanCell:
    """What ``office_read`` asks of a cell: ``value``, ``data_type`` and ``number_format``, as openpyxl sets them."""

    __slots__ = ("data_type", "number_format", "value")

    def __init__(self, value: Any, data_type: str, number_format: str) -> None:
        self.value = value
        self.data_type = data_type
        self.number_format = number_format


class _NoMerges:
    ranges: tuple[Any, ...] = ()


class ScanSheet:
    """A worksheet: ``title``, ``sheet_state``, ``merged_cells`` (always none here), ``cells0`` keyed (row, col)
    zero-based, as ``office_read`` looks cells up, and the same as ``_cells`` one-based, like openpyxl's."""

    merged_cells = _NoMerges()

    def __init__(self, title: str, state: str, cells0: dict[tuple[int, int], ScanCell]) -> None:
        self.title = title
        self.sheet_state = state
        self.cells0 = cells0

    @property
    def _cells(self) -> dict[tuple[int, int], ScanCell]:
        return {(r + 1, c + 1): cell for (r, c), cell in self.cells0.items()}


class _Property:
    __slots__ = ("name", "value")

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value


class _Properties:
    def __init__(self, props: list[_Property]) -> None:
        self.props = props


class ScanBook:
    """The light workbook: ``sheetnames``, ``wb[name]``, ``custom_doc_props`` and ``close()``."""

    def __init__(self, sheets: list[ScanSheet], props: list[_Property]) -> None:
        self._sheets = {s.title: s for s in sheets}
        self.sheetnames = [s.title for s in sheets]
        self.custom_doc_props = _Properties(props)

    def __getitem__(self, name: str) -> ScanSheet:
        return self._sheets[name]

    def __iter__(self) -> Iterator[ScanSheet]:
        return iter(self._sheets.values())

    def close(self) -> None:
        self._sheets = {}


class _Unsupported(Exception):
    """Something this path does not reproduce exactly: use openpyxl."""


def _cast_number(raw: str) -> int | float:
    """openpyxl's reading of a number cell: a float when it has a point or an exponent, else an int."""
    if "." in raw or "E" in raw or "e" in raw:
        return float(raw)
    return int(raw)


# the shared-string table as Excel, LibreOffice, openpyxl and XlsxWriter write it: every <si> a single plain <t>
_SST_ITEM = re.compile(rb'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|<si><t(?: xml:space="preserve")?/></si>')


class _Members:
    """The package's members as ``zipfile.ZipFile`` gives them (``namelist``, ``read``), from the parts intake kept
    (``Intake.parts``: read whole and CRC-checked there); the zip is opened only for a member intake did not keep."""

    def __init__(self, intake: Intake, source: Path | io.BytesIO) -> None:
        self.names = list(intake.member_names)
        self.parts = intake.parts or {}
        self.source = source
        self.zip: zipfile.ZipFile | None = None

    def namelist(self) -> list[str]:
        if not self.names:
            self.names = self._zip().namelist()
        return self.names

    def read(self, name: str) -> bytes:
        found = self.parts.get(name)
        return found if found is not None else self._zip().read(name)

    def _zip(self) -> zipfile.ZipFile:
        if self.zip is None:
            self.zip = zipfile.ZipFile(self.source)
        return self.zip

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
            self.zip = None


def _shared_strings(z: _Members, part: str) -> list[str] | None:
    """The shared strings, read as an XML parser reads them; None when any item is not a plain ``<t>`` (rich
    text runs, phonetic guides, ``_xHHHH_`` escapes): openpyxl then reads the file."""
    if not part:
        return []
    try:
        data = z.read(part)  # intake already bounded and checked this member
    except Exception:  # noqa: BLE001 - openpyxl will judge the file
        return None
    items = _SST_ITEM.findall(data)
    if len(items) != data.count(b"<si") or b"_x" in data or b"<!" in data:
        return None
    return [_xml_text(raw) if raw else "" for raw in items]


def open_workbook(path: Path, intake: Intake, data: bytes | None = None) -> ScanBook | None:
    """The light workbook of a file intake cleared and scanned with ``keep_cells``; None to fall back to openpyxl.
    ``data``: the bytes intake checked, when it was given them (then the file is not opened again)."""
    if intake.cells is None or intake.number_formats is None or not intake.safe or intake.odd_namespaces:
        return None
    sheets = intake.sheets
    names = [s.name for s in sheets]
    if (len(set(names)) != len(names) or set(intake.cells) != set(names)
            or any(s.merged or s.kind != "worksheet" or s.state not in _STATES for s in sheets)):
        return None
    # what openpyxl builds from each sheet beyond its cells (columns, views, protection, conditional formats, data
    # validations...) it must be able to build, or it refuses the file: so must this path
    outsides = intake.outsides
    if outsides is None or set(outsides) != set(names):
        return None
    n_xfs = len(intake.number_formats[0])
    if not all(_openpyxl_takes_outside(outsides[name], n_xfs, intake.dxf_count) for name in names):
        return None
    props: list[_Property] = []
    for name, kind, text in intake.property_values:
        if name.startswith(PROPERTY_PREFIX):
            if kind not in _TEXT_PROPERTY_TYPES:
                return None
            props.append(_Property(name, text))
    try:
        return _build(path, intake, props, data)
    except _Unsupported:
        return None


# one start or end tag of a part known to be well formed with no comment, CDATA or processing instruction
_TAG = re.compile(rb"""<(/?)([^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_SQREF = re.compile(rb"""(\ssqref\s*=\s*)(?:"([^"]*)"|'([^']*)')""")
_VERDICTS = _intake.BytesMemo(4 * 1024 * 1024)  # openpyxl's verdicts on parts and elements, by their bytes


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the elements directly inside data[start:end] (the content of one element). An element whose
    name does not start another tag before its first end tag of that name ends there (the usual case, found in one
    step); any other is walked tag by tag."""
    out = []
    depth = 0
    begin = 0
    pos = data.find(b"<", start, end)
    while pos >= 0:
        m = _TAG.match(data, pos, end)
        if m is None:
            raise ValueError("etiqueta no reconocida")
        if m.group(1):
            depth -= 1
            if depth == 0:
                out.append((begin, m.end()))
        elif m.group(3):
            if depth == 0:
                out.append((pos, m.end()))
        else:
            if depth == 0:
                name = m.group(2)
                close = data.find(b"</" + name + b">", m.end(), end)
                if close >= 0 and data.find(b"<" + name, m.end(), close) < 0:
                    out.append((pos, close + len(name) + 3))
                    pos = data.find(b"<", close + len(name) + 3, end)
                    continue
                begin = pos
            depth += 1
        pos = data.find(b"<", m.end(), end)
    return out


def _openpyxl_takes_outside(outside: bytes, n_xfs: int, n_dxfs: int) -> bool:
    """Does openpyxl's worksheet reader (``load_workbook``) build, without an error, everything a worksheet part
    holds outside ``<sheetData>`` (here emptied)? It makes an object of every element it knows, checking their
    attributes and values (an unknown attribute of ``<col>``, a width that is not a number, a zoom out of range...),
    and takes column styles and conditional formats' differential styles by index: a file where any of that fails
    is one openpyxl refuses, so this path must refuse it too.

    Answered by running openpyxl's own code, element by element: it reads each element under ``<worksheet>`` on its
    own, so the part is taken when every one of them is. Each verdict is remembered by the element's bytes (the
    returns of one template share them), a ``<dataValidation>``'s by its bytes with its cell list set aside (that
    list differs from office to office and is checked on its own)."""
    key = b"%d/%d:" % (n_xfs, n_dxfs) + outside
    found = _VERDICTS.get(key)  # not shared: each office's differs (its cell lists), and is quick once its
    if found is None:           # elements are judged
        found = _remember(key, _openpyxl_takes_parts(outside, n_xfs, n_dxfs))
    return found is True


def _openpyxl_takes_parts(outside: bytes, n_xfs: int, n_dxfs: int) -> bool:
    pieces = _outside_pieces(outside)
    if pieces is None:
        return False
    _, head, elements, cell_lists = pieces
    context = b"%d/%d:" % (n_xfs, n_dxfs)
    # each distinct one once (a sheet's validations repeat: one per unit and column)
    return all(_cell_ranges_ok(text) for text in dict.fromkeys(cell_lists)) and all(
        _verdict(head, context, element, n_xfs, n_dxfs) for element in dict.fromkeys(elements))


def _outside_pieces(outside: bytes) -> tuple[bytes, bytes, list[bytes], list[bytes]] | None:
    """A worksheet part outside ``<sheetData>`` as ``_openpyxl_takes_outside`` judges it: (what comes before the
    root, the root's start tag, the pieces, the cell lists set aside), or None when openpyxl would not take its
    root. The pieces are the elements under the root, but a ``<dataValidations>``: its start tag (closed), then
    each ``<dataValidation>`` on its own in a ``<dataValidations>``, with its cell list (``sqref``, checked on its
    own) replaced by "A1"."""
    root = _TAG.match(outside, outside.find(b"<worksheet"))
    close = outside.rfind(b"</")
    if root is None or root.group(1) or root.group(3) or close < root.end():
        return None
    pieces: list[bytes] = []
    cell_lists: list[bytes] = []
    for a, b in _children(outside, root.end(), close):
        element = outside[a:b]
        if element.startswith(b"<dataValidations") and not element.endswith(b"/>"):
            gt = outside.find(b">", a) + 1
            pieces.append(outside[a:gt] + b"</dataValidations>")
            for item in _validations(outside, gt, outside.rfind(b"</", a, b)):
                m = _SQREF.search(item, 0, item.find(b">") + 1)
                if m is not None and b"'" not in item[:m.start()]:
                    # the cell list (inside the start tag: no single-quoted value before it), checked as openpyxl
                    # converts it, then set aside
                    cell_lists.append(m.group(2) if m.group(2) is not None else m.group(3))
                    item = item[:m.start()] + m.group(1) + b'"A1"' + item[m.end():]
                pieces.append(b"<dataValidations>" + item + b"</dataValidations>")
        else:
            pieces.append(element)
    return outside[:root.start()], root.group(), pieces, cell_lists


def _validations(data: bytes, start: int, end: int) -> list[bytes]:
    """The elements inside a ``<dataValidations>`` (data[start:end]): in the usual shape, every one a
    ``<dataValidation>`` with an end tag and none inside another, found by searching; else walked tag by tag."""
    out: list[bytes] = []
    pos = start
    while True:
        q = data.find(b"<", pos, end)
        if q < 0:
            return out
        close = data.find(b"</dataValidation>", q, end)
        if (close < 0 or not data.startswith(b"<dataValidation", q) or data[q + 15: q + 16] not in (b" ", b">")
                or data.find(b"<dataValidation", q + 1, close) >= 0 or data[pos:q].strip()):
            return [data[a:b] for a, b in _children(data, start, end)]
        pos = close + len(b"</dataValidation>")
        out.append(data[q:pos])


@functools.lru_cache(maxsize=4096)
def _cell_ranges_ok(text: bytes) -> bool:
    from openpyxl.worksheet.cell_range import MultiCellRange

    try:
        MultiCellRange(text.decode("utf-8"))
    except Exception:  # noqa: BLE001 - what openpyxl raises converting a data validation's sqref
        return False
    return True


def _verdict(head: bytes, context: bytes, element: bytes, n_xfs: int, n_dxfs: int) -> bool:
    key = context + head + element
    return _judged(key, lambda: _openpyxl_reads(head + element + b"</worksheet>", n_xfs, n_dxfs)) is True


def _remember(key: bytes, verdict: Any) -> Any:
    return _VERDICTS.put(key, len(key), verdict)


def _judged(key: bytes, judge: Callable[[], Any]) -> Any:
    """The verdict remembered under ``key``, else ``judge()``'s: taken from, or given to, the other worker
    processes of the run when they share their verdicts (``SharedVerdicts``), and remembered here."""
    found = _VERDICTS.get(key)
    if found is None:
        shared = SharedVerdicts.current
        found = _remember(key, judge() if shared is None else shared.judged(key, judge))
    return found


class SharedVerdicts:
    """openpyxl's verdicts shared by the worker processes of one consolidation, through a private folder in memory.

    Every worker judges the parts of the same template (the styles, each sheet's elements, the workbook part of
    each set of sheets): tens of milliseconds of openpyxl per worker, each worker judging all of them. Shared, the
    first to need a verdict claims it (creates its file, named by the hash of its key), judges it and writes it
    there in one write; the others read it or, while it is being judged (the file still empty), wait for it,
    yielding the core. Waiting is bounded (``WAIT_S``: then the worker judges it itself), and anything that goes
    wrong with the folder only means judging here. The folder is in ``/dev/shm`` (a file there costs ~12 µs; on
    a disk, ~0.3 ms, more than many verdicts): where there is none, nothing is shared. ``start`` before the
    worker processes are forked (they inherit ``current``), ``close`` after they stopped."""

    current: SharedVerdicts | None = None
    WAIT_S = 1.0
    MEMORY = "/dev/shm"
    _NOT_SHARED = b"-"  # a verdict that cannot be written (never, for these): the reader judges it itself

    def __init__(self, folder: str) -> None:
        self.folder = folder

    @classmethod
    def start(cls) -> SharedVerdicts | None:
        """Verdicts shared from now on (None where there is no folder in memory for them)."""
        if not os.path.isdir(cls.MEMORY) or not os.access(cls.MEMORY, os.W_OK | os.X_OK):
            return None
        try:
            shared = cls(tempfile.mkdtemp(prefix="zedxl-veredictos-", dir=cls.MEMORY))
        except OSError:
            return None
        cls.current = shared
        return shared

    def close(self) -> None:
        if SharedVerdicts.current is self:
            SharedVerdicts.current = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def judged(self, key: bytes, judge: Callable[[], Any]) -> Any:
        path = os.path.join(self.folder, hashlib.blake2b(key, digest_size=20).hexdigest())
        found = self._load(path)
        if found is not None:
            return judge() if found is self._NOT_SHARED else found
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:  # another worker is judging it (milliseconds): its verdict, rather than twice
            deadline = time.monotonic() + self.WAIT_S
            while time.monotonic() < deadline:
                time.sleep(0.0005)
                found = self._load(path)
                if found is not None:
                    return judge() if found is self._NOT_SHARED else found
            return judge()
        except OSError:
            return judge()
        data = self._NOT_SHARED
        try:
            verdict = judge()
            data = self._encode(verdict)
        finally:
            with contextlib.suppress(OSError):
                os.write(fd, data)  # one write of a few bytes: a reader finds all of it or nothing
            os.close(fd)
        return verdict

    @classmethod
    def _load(cls, path: str) -> Any:
        """The verdict in ``path``; None when there is none yet (no file, or an empty one: being judged)."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            return None
        finally:
            os.close(fd)
        if not data:
            return None
        if data == cls._NOT_SHARED:
            return cls._NOT_SHARED
        try:
            found = json.loads(data)
        except ValueError:  # not all of it yet
            return None
        if isinstance(found, dict) and isinstance(found.get("t"), list):
            return tuple(found["t"])
        return found if isinstance(found, (bool, str)) else cls._NOT_SHARED

    @classmethod
    def _encode(cls, verdict: Any) -> bytes:
        """A verdict (a bool, a str or a tuple of str: what these verdicts are) as JSON; anything else is not
        shared."""
        if isinstance(verdict, tuple) and all(type(v) is str for v in verdict):
            return json.dumps({"t": list(verdict)}).encode("utf-8")
        if type(verdict) in (bool, str):
            return json.dumps(verdict).encode("utf-8")
        return cls._NOT_SHARED


def _openpyxl_reads(part: bytes, n_xfs: int, n_dxfs: int) -> bool:
    """openpyxl's ``WorksheetReader`` on a worksheet part with no cells, as ``load_workbook`` runs it (the bind
    steps that need the rest of the workbook done against its style counts): True when nothing raises."""
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.worksheet.dimensions import ColumnDimension

    ws = _scratch_sheet()  # one for every verdict: what is set on it below is only ever overwritten
    parser = WorkSheetParser(io.BytesIO(part), [])
    try:
        for _ in parser.parse():  # no row: there are no cells
            pass
        if parser.merged_cells or parser.hyperlinks.hyperlink or parser.tables.tablePart:
            return False  # the fast scan takes no such sheet; to be sure, never here either
        for attrs in parser.column_dimensions.values():
            cd = dict(attrs)
            if "style" in cd:
                k = int(cd.pop("style"))
                if not -n_xfs <= k < n_xfs:
                    return False
            ColumnDimension(ws, **cd)
        formats = ConditionalFormattingList()
        for cf in parser.formatting:
            for rule in cf.rules:
                if rule.dxfId is not None and not -n_dxfs <= rule.dxfId < n_dxfs:
                    return False
                formats[cf] = rule  # as on a worksheet's own list (a new one: rules would pile up on the sheet's)
        for key in ("print_options", "page_margins", "page_setup", "HeaderFooter", "auto_filter", "data_validations",
                    "sheet_properties", "views", "sheet_format", "row_breaks", "col_breaks", "scenarios",
                    "legacy_drawing", "protection"):
            value = getattr(parser, key, None)
            if value is not None:
                setattr(ws, key, value)
    except Exception:  # noqa: BLE001 - whatever openpyxl raises, it would raise reading the file
        return False
    return True


class _Parts:
    """Parts of a package as openpyxl's reader functions ask for them (``read``, ``open``, ``namelist``)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def read(self, name: str) -> bytes:
        return self.files[name]

    def open(self, name: str, mode: str = "r") -> io.BytesIO:
        return io.BytesIO(self.files[name])

    def namelist(self) -> list[str]:
        return list(self.files)


def _openpyxl_takes_package(z: _Members, intake: Intake) -> bool:
    """Does ``load_workbook`` get through everything before the sheets' cells: the content types, the workbook
    part and its relationships (sheets, defined names), the document and custom properties, the styles? Each is
    run through openpyxl's own code (``ExcelReader``'s steps), so the light workbook refuses what openpyxl refuses;
    the parts the returns of one template share are judged once (by their bytes). A sheet with relationships of
    its own (drawings, comments...) is left to openpyxl."""
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.packaging.relationship import get_rels_path
    from openpyxl.xml.functions import fromstring

    names = set(z.namelist())
    content_types = z.read("[Content_Types].xml")
    wb_path = _judged(b"ct\x00" + content_types, lambda: _workbook_part(content_types))
    if not wb_path or wb_path not in names:
        return False
    rels_path = get_rels_path(wb_path)
    files = {wb_path: z.read(wb_path)}
    if rels_path in names:
        files[rels_path] = z.read(rels_path)
    key = b"wb\x00" + b"\x00".join(name.encode() + b"\x00" + data for name, data in files.items())
    sheets = _judged(key, lambda: _workbook_sheets(files, wb_path))
    if sheets is False or any(get_rels_path(target) in names for target in sheets):
        return False
    if "xl/styles.xml" in names:
        styles = z.read("xl/styles.xml")
        if not _judged(b"styles\x00" + styles, lambda: _stylesheet_ok(styles)):
            return False
    if "docProps/custom.xml" in names and not _custom_properties_ok(z.read("docProps/custom.xml")):
        return False
    try:  # differs from return to return (the dates): judged each time (it is small)
        if "docProps/core.xml" in names:
            DocumentProperties.from_tree(fromstring(z.read("docProps/core.xml")))
    except Exception:  # noqa: BLE001 - whatever openpyxl raises, it would raise reading the file
        return False
    return True


# one custom property holding a text (<vt:lpwstr>): its text with no markup, reference or control character and no
# space at either end (group 1: before it, group 2: after it)
_PLAIN_TEXT_PROPERTY = re.compile(
    rb'(<property(?:\s+[A-Za-z]+="[^"<&]*")+>\s*<vt:lpwstr(?:\s+xmlns:vt="[^"<&]*")?>)'
    rb"(?:[^<&\s\x00-\x1f]|[^<&\s\x00-\x1f][^<&\x00-\x1f]*[^<&\s\x00-\x1f])"
    rb"(</vt:lpwstr>\s*</property>)")


def _xml_text_ok(text: bytes) -> bool:
    """UTF-8 of characters XML allows (the pattern above has kept out markup and control characters)."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\ufffe" not in decoded and "\uffff" not in decoded


def _plain_text_as_x(m: re.Match[bytes]) -> bytes:
    """A text property (``_PLAIN_TEXT_PROPERTY``) with its text put as "x", when it is UTF-8 of XML characters."""
    if not _xml_text_ok(m.string[m.end(1):m.start(2)]):
        return m.group()
    return m.group(1) + b"x" + m.group(2)


def _custom_properties_ok(data: bytes) -> bool:
    """openpyxl's reading of the custom properties (``CustomPropertyList.from_tree``), remembered by the part's
    shape: every text property's text put as "x" (the office, the fingerprint... differ from return to return;
    openpyxl takes any such text the same way), so the returns of one template share one verdict, worked out
    property by property (``_custom_properties_pieces``) the first time."""
    shaped = _PLAIN_TEXT_PROPERTY.sub(_plain_text_as_x, data)
    return _judged(b"custom-shape\x00" + shaped, functools.partial(_custom_properties_pieces, data)) is True


def _custom_properties_pieces(data: bytes) -> bool:
    """``_custom_properties_ok``, property by property: openpyxl builds each on its own (nothing ties one to
    another), so the part is taken when its root and every property are; most of them are the same in every return
    of an entity, and each verdict is remembered by its bytes."""
    first = data.find(b"<Properties")
    root = _TAG.match(data, first) if first >= 0 else None
    close = data.rfind(b"</")
    before = data[:first].strip()
    if root is None or root.group(1) or root.group(3) or close < root.end() or \
            data[close:].strip() != b"</Properties>" or (before and not (
                before.startswith(b"<?xml") and before.endswith(b"?>") and before.count(b"<") == 1)):
        return _custom_whole_ok(data)
    head = data[:root.end()]  # with the XML declaration, if any: every piece is read as the whole part is
    items = [data[a:b] for a, b in _children(data, root.end(), close)]
    for item in (b"", *items):
        # a text property's text (the office, the fingerprint... differ from return to return) is judged as "x":
        # openpyxl takes any text there the same way, so only the property's shape is judged
        plain = _PLAIN_TEXT_PROPERTY.fullmatch(item)
        if plain is not None and _xml_text_ok(item[plain.end(1):plain.start(2)]):
            item = plain.group(1) + b"x" + plain.group(2)
        whole = head + item + b"</Properties>"
        if not _judged(b"custom\x00" + head + item, functools.partial(_custom_whole_ok, whole)):
            return False
    return True


def _custom_whole_ok(data: bytes) -> bool:
    from openpyxl.packaging.custom import CustomPropertyList
    from openpyxl.xml.functions import fromstring

    try:
        CustomPropertyList.from_tree(fromstring(data))
    except Exception:  # noqa: BLE001 - whatever openpyxl raises, it would raise reading the file
        return False
    return True


def _workbook_part(content_types: bytes) -> str:
    """The workbook part openpyxl finds in the content types ("" when it refuses them)."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.xml.functions import fromstring

    try:
        part: str = _find_workbook_part(Manifest.from_tree(fromstring(content_types))).PartName[1:]
    except Exception:  # noqa: BLE001
        return ""
    return part


def _workbook_sheets(files: dict[str, bytes], wb_path: str) -> tuple[str, ...] | bool:
    """openpyxl's reading of the workbook part: the parts of its worksheets, or False when it fails.

    The workbook part differs from office to office (its sheet list), so this runs once per office in each
    worker: ``_workbook_sheets_light`` answers the usual part in a fifth of the time; what it is not sure of (it
    never refuses) is answered by ``_workbook_sheets_full``."""
    try:
        light = _workbook_sheets_light(files, wb_path)
    except Exception:  # noqa: BLE001 - not sure: the full reading decides
        light = None
    return light if light is not None else _workbook_sheets_full(files, wb_path)


def _workbook_sheets_full(files: dict[str, bytes], wb_path: str) -> tuple[str, ...] | bool:
    """``_workbook_sheets`` as openpyxl does it: the sheets made as ``read_worksheets`` makes them, then the
    defined names bound to them."""
    from openpyxl.reader.workbook import WorkbookParser

    try:
        parser = WorkbookParser(_Parts(files), wb_path, keep_links=False)
        parser.parse()
        targets = []
        for sheet, rel in parser.find_sheets():
            parser.wb.create_sheet(sheet.name)
            targets.append(rel.target)
        parser.assign_names()
    except Exception:  # noqa: BLE001
        return False
    return tuple(targets)


@functools.lru_cache(maxsize=1)
def _parser_prototype() -> Any:
    """An openpyxl ``WorkbookParser`` as made for no part, copied (shallowly) by ``_workbook_sheets_light``:
    making one builds a new ``Workbook`` (~2 ms), which ``parse`` only sets attributes of."""
    from openpyxl.reader.workbook import WorkbookParser

    return WorkbookParser(_Parts({}), "", keep_links=False)


def _workbook_sheets_light(files: dict[str, bytes], wb_path: str) -> tuple[str, ...] | None:
    """``_workbook_sheets`` for the usual workbook part, or None when not sure.

    openpyxl's own steps (``parse``, ``find_sheets``, ``assign_names``) run on a shallow copy of a parser made
    once: ``parse`` and ``assign_names`` only assign attributes of the parser and of its workbook (the external
    links it would append to are dropped, ``keep_links=False``). What is left out is making a worksheet for each
    sheet (~1.8 ms each), which can only fail on the sheet's title (``_WorkbookChild.title``): None, so the full
    reading decides, when a title is not a non-empty text, has a character openpyxl refuses in a title, or
    repeats another (ignoring case), and when a defined name belongs to one sheet (``assign_names`` then binds it
    to that sheet's worksheet)."""
    from openpyxl.workbook.child import INVALID_TITLE_REGEX
    from openpyxl.workbook.defined_name import DefinedNameList

    proto = _parser_prototype()
    parser = _copy.copy(proto)
    parser.archive = _Parts(files)
    parser.workbook_part_name = wb_path
    parser.defined_names = DefinedNameList()
    parser.sheets = []
    parser.__dict__.pop("_rels", None)
    parser.wb = _copy.copy(proto.wb)
    parser.parse()
    if any(defn.localSheetId is not None for defn in parser.defined_names.definedName):
        return None
    found = list(parser.find_sheets())
    titles = [sheet.name for sheet, _ in found]
    if not all(type(t) is str and t and INVALID_TITLE_REGEX.search(t) is None for t in titles) or \
            len({t.lower() for t in titles}) != len(titles):
        return None
    parser.assign_names()
    return tuple(rel.target for _, rel in found)


def _stylesheet_ok(data: bytes) -> bool:
    from openpyxl import Workbook
    from openpyxl.styles.stylesheet import apply_stylesheet

    try:
        apply_stylesheet(_Parts({"xl/styles.xml": data}), Workbook())
    except Exception:  # noqa: BLE001
        return False
    return True


@functools.lru_cache(maxsize=1)
def _scratch_sheet() -> Any:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    return Worksheet(Workbook(write_only=True))


@functools.lru_cache(maxsize=64)
def _date_styles(formats: tuple[str, ...]) -> tuple[frozenset[int], frozenset[int]]:
    """The styles whose number format is a date, and those a duration (returns of one entity share their
    styles, so this is worked out once per distinct list)."""
    from openpyxl.styles.numbers import is_date_format, is_timedelta_format

    return (frozenset(i for i, fmt in enumerate(formats) if is_date_format(fmt)),
            frozenset(i for i, fmt in enumerate(formats) if is_timedelta_format(fmt)))


class _Context:
    """What turning one workbook's kept cells into light cells needs: number formats, date styles, strings."""

    def __init__(self, path: Path, intake: Intake, data: bytes | None = None) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        assert intake.number_formats is not None
        xf_ids, custom_items = intake.number_formats
        custom = dict(custom_items)
        self.path = path
        self.data = data
        self.formats = [custom[i] if i in custom else BUILTIN_FORMATS.get(i, "General") for i in xf_ids] or \
            ["General"]
        self.dates, self.deltas = _date_styles(tuple(self.formats))
        self.epoch = CALENDAR_MAC_1904 if intake.date1904 else CALENDAR_WINDOWS_1900
        z = _Members(intake, path if data is None else io.BytesIO(data))
        try:
            self.sst = _shared_strings(z, intake.shared_strings_part)
            # a shared-string item of another shape, or a part openpyxl cannot build: openpyxl judges
            if self.sst is None or not _openpyxl_takes_package(z, intake):
                raise _Unsupported
        except _Unsupported:
            raise
        except Exception as e:  # noqa: BLE001 - any failure: let openpyxl judge the file
            raise _Unsupported from e
        finally:
            z.close()
        self.book: Any = None  # python-calamine's workbook, opened only for a string this path cannot read itself

    def grid(self, sheet: str) -> list[list[Any]]:
        from python_calamine import CalamineWorkbook

        if self.book is None:
            try:
                self.book = CalamineWorkbook.from_path(str(self.path)) if self.data is None else \
                    CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            except Exception as e:  # noqa: BLE001 - any failure: let openpyxl judge the file
                raise _Unsupported from e
        try:
            grid: list[list[Any]] = self.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as e:  # noqa: BLE001
            raise _Unsupported from e
        return grid

    def close(self) -> None:
        if self.book is not None:
            self.book.close()
            self.book = None


def _sheet_cells(ctx: _Context, sheet: str, facts: Sequence[Any]) -> dict[tuple[int, int], Any]:
    """One sheet's light cells, by zero-based (row, col)."""
    from openpyxl.utils.datetime import from_excel

    formats, dates, deltas, epoch, sst = ctx.formats, ctx.dates, ctx.deltas, ctx.epoch, ctx.sst
    n_formats = len(formats)
    grid: list[list[Any]] | None = None
    cells: dict[tuple[int, int], Any] = {}
    for r, c, style, t, raw, formula in facts:
        if style >= n_formats:
            raise _Unsupported
        fmt = formats[style]
        if formula is not None:
            cell = ScanCell("=" + formula, "f", fmt)
        elif t is None or t == "n":
            if not raw:
                cell = ScanCell(None, "n", fmt)
            else:
                try:
                    number = _cast_number(raw)
                except ValueError as e:
                    raise _Unsupported from e
                if style in dates:
                    try:
                        cell = ScanCell(from_excel(number, epoch, timedelta=style in deltas), "d", fmt)
                    except (OverflowError, ValueError):
                        cell = ScanCell("#VALUE!", "e", fmt)
                else:
                    cell = ScanCell(number, "n", fmt)
        elif t == "s" and sst is not None:
            if raw is None or raw == "":
                cell = ScanCell(None, t, fmt)
            else:
                try:
                    cell = ScanCell(sst[int(raw)], "s", fmt)
                except (ValueError, IndexError) as e:
                    raise _Unsupported from e
        elif t == "inlineStr" and raw:
            cell = ScanCell(raw, "s", fmt)  # one plain <t>, decoded by intake's scan
        elif t == "s" or t == "inlineStr":
            if raw is None or (t == "s" and raw == ""):
                cell = ScanCell(None, t, fmt)
            else:
                if grid is None:
                    grid = ctx.grid(sheet)
                row = grid[r] if r < len(grid) else ()
                value = row[c] if c < len(row) else ""
                if not isinstance(value, str):
                    raise _Unsupported
                cell = ScanCell(value, "s", fmt)
        elif t == "str":
            cell = ScanCell(raw or None, "s", fmt)
        elif t == "e":
            cell = ScanCell(raw or None, "e", fmt)
        elif t == "b":
            if not raw:
                cell = ScanCell(None, "b", fmt)
            else:
                try:
                    cell = ScanCell(bool(int(raw)), "b", fmt)
                except ValueError as e:
                    raise _Unsupported from e
        else:  # ISO dates (t="d") and unknown types
            raise _Unsupported
        cells[(r, c)] = cell
    return cells


def _build(path: Path, intake: Intake, props: list[_Property], data: bytes | None = None) -> ScanBook:
    assert intake.cells is not None
    ctx = _Context(path, intake, data)
    out: list[ScanSheet] = []
    try:
        for info in intake.sheets:
            facts = intake.cells[info.name]
            out.append(ScanSheet(info.name, info.state, _sheet_cells(ctx, info.name, facts)))
    finally:
        ctx.close()
    return ScanBook(out, props)


__all__ = ["ScanBook", "ScanCell", "ScanSheet", "open_workbook"]
