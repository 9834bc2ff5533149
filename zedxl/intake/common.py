"""What every stage of intake shares: bounded memos, XML parsers that refuse DTDs, references and small helpers,
and the inspector's state (``_Base``)."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from zedxl.intake.result import (
    CellFact,
    CellNote,
    Deadline,
    DefinedName,
    ExternalLink,
    Hyperlink,
    Kind,
    Limits,
    MiB,
    SheetInfo,
)
from zedxl.issues import Issue, make_issue

# a part up to this size is parsed without counting how deep its elements nest: it holds at most ~350,000 start
# tags, so the parser's stack of open elements stays under ~45 MB; a larger one has its nesting bounded by
# Limits.max_xml_depth
_SHALLOW_BYTES = 1 * MiB

# the deadline is looked at every this many elements (a power of two less one: a mask)
_TICK = 4095


class BytesMemo:
    """Results remembered by the bytes they were worked out from (the returns of one template share most of their
    parts byte for byte), holding at most ``max_bytes`` of those bytes: all are forgotten at once when full.
    Used for what a clean parse found."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.held = 0
        self.items: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        return self.items.get(key)

    def put(self, key: Any, size: int, value: Any) -> Any:
        """Remember ``value`` under ``key``, which holds ``size`` bytes; returns ``value``."""
        if self.held + size > self.max_bytes:
            self.items.clear()
            self.held = 0
        self.items[key] = value
        self.held += size
        return value


_CLEAN_PARTS = BytesMemo(4 * 1024 * 1024)  # keys: (what was read, the part's bytes)

_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')

_RISKY_FUNCTIONS = re.compile(
    r"(?<![A-Za-z0-9_.])(?:_xlfn\.|_xlws\.)?(WEBSERVICE|HYPERLINK|RTD|CALL|REGISTER\.ID|REGISTER|EXEC|IMAGE|"
    r"FILTERXML|SQL\.REQUEST)\s*\(", re.IGNORECASE)

_DDE_FORMULA = re.compile(r"[A-Za-z0-9_.\-]+\s*\|[^!]*!")

_RISKY_NAMES = ("WEBSERVICE", "HYPERLINK", "RTD", "CALL", "REGISTER", "EXEC", "IMAGE", "FILTERXML", "SQL.REQUEST")

# the only non-ASCII characters that re.IGNORECASE lets match an ASCII letter (İ ı ſ and the Kelvin sign)
_ASCII_FOLD = "\u0130\u0131\u017f\u212a"


def _may_call_out(text: str) -> bool:
    """False only when neither ``_DDE_FORMULA`` (it needs a "|") nor ``_RISKY_FUNCTIONS`` (a function name, in any
    case) can match ``text``: substring tests that spare ordinary formulas both searches."""
    if "|" in text or (not text.isascii() and any(ch in text for ch in _ASCII_FOLD)):
        return True
    upper = text.upper()
    return any(name in upper for name in _RISKY_NAMES)


_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _human(n: int | float) -> str:
    """Bytes for people: '1.0 GiB', '930 KiB'."""
    n = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit in ("bytes", "KiB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def _short(text: str, n: int = 120) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _local(name: str) -> str:
    return name[name.rfind("}") + 1:]


#: the relationship id attribute as expat names it (``namespace_separator="}"``) in the standard's two namespaces
#: (transitional, strict): one whose namespace is only similar is no relationship, as Excel and openpyxl read it
_RID_KEYS = frozenset(("http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
                       "http://purl.oclc.org/ooxml/officeDocument/relationships}id"))


def _rid(attrs: dict[str, str]) -> str:
    """The r:id attribute, with namespace processing (its exact namespace) or without it (any prefix)."""
    for k, v in attrs.items():
        if k in _RID_KEYS or (k.endswith(":id") and "}" not in k):
            return v
    return ""


def _truthy(v: str | None) -> bool:
    return v is not None and v.strip().lower() in ("1", "true", "on")


def _dangerous_target(target: str) -> bool:
    """A hyperlink target that is not a web or mail address: file:, javascript:, UNC/local/relative paths..."""
    t = target.strip().lower()
    return bool(t) and not t.startswith(("#", *_SAFE_SCHEMES))


def _strip_literals(formula: str) -> str:
    return _STRING_LITERAL.sub('""', formula)


class _Forbidden(Exception):
    """A DTD or an entity declaration (which: ``args[0]``)."""


class _Stop(Exception):
    """A handler hit a limit: the scan stops and the issue is reported."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class _Deadline(BaseException):
    """Time is up (in the part ``args[0]``): a BaseException, so that no handler of bad input
    (``except Exception``) swallows it."""


def _forbid_doctype(*_: Any) -> None:
    raise _Forbidden("DOCTYPE")


def _forbid_entity(*_: Any) -> int:
    raise _Forbidden("ENTITY")


def _nesting_bounded(
    start: Callable[[str, dict[str, str]], None] | None,
    end: Callable[[str], None] | None,
    limit: int,
    part: str,
) -> tuple[Callable[[str, dict[str, str]], None], Callable[[str], None]]:
    """Element handlers that call ``start`` and ``end`` (when given) and stop the parse once elements nest more
    than ``limit`` deep: expat keeps every open element, so nesting is memory."""
    depth = 0

    def deeper(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > limit:
            raise _Stop("xml-parte-demasiado-grande", part=part, detail=f"más de {limit:,} niveles de anidamiento")
        if start is not None:
            start(tag, attrs)

    def shallower(tag: str) -> None:
        nonlocal depth
        depth -= 1
        if end is not None:
            end(tag)

    return deeper, shallower


def _new_parser(namespaces: bool = False) -> Any:
    """An expat parser that refuses any DTD or entity declaration before processing it."""
    parser = expat.ParserCreate(namespace_separator="}") if namespaces else expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _forbid_doctype
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_entity
    parser.ExternalEntityRefHandler = _forbid_entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


@dataclass(frozen=True)
class _Rel:
    id: str
    type: str
    target: str
    external: bool
    part: str | None  # resolved zip part name (internal), None for external or invalid targets

    @property
    def kind(self) -> str:
        return self.type.rstrip("/").rsplit("/", 1)[-1]


_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref[0] == "#":
        return chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:]))
    return _NAMED[ref]


def xml_text(raw: bytes) -> str:
    """Element text as an XML parser reports it: UTF-8, line ends normalised, references replaced."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


class _Base:
    """The inspector's state and what every stage does with it (issues, recorded facts, the deadline)."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.file = path.name
        self.limits = limits
        self.deadline = Deadline.start(limits)
        self.part_now = "el índice del archivo comprimido"  # the part being read, for the deadline's message
        self.kind: Kind = "unknown"
        self.issues: list[Issue] = []
        self.code_counts: Counter[str] = Counter()
        self.facts: dict[str, Any] = {}  # Intake's fields found on the way, by name
        self.sheets: list[SheetInfo] = []
        self.defined_names: list[DefinedName] = []
        self.external_links: list[ExternalLink] = []
        self.connections: list[str] = []
        self.embeddings: list[str] = []
        self.hyperlinks: list[Hyperlink] = []
        self.formulas: list[CellNote] = []
        self.error_cells: list[CellNote] = []
        self.nonfinite_cells: list[CellNote] = []
        self.custom_properties: list[tuple[str, str]] = []
        self.truncated_facts = False
        self.has_macros = False
        self.complete = False  # the whole package was checked (needed for safe)
        self.elements = 0
        self.total_cells = 0
        self.zf: zipfile.ZipFile | None = None
        self.data: bytes | None = None  # the file's bytes, when the caller read them (see ``inspect``)
        self.members: dict[str, zipfile.ZipInfo] = {}  # lower-case name -> info
        self.parsed: set[str] = set()
        self.keep_cells = False
        self.cells: dict[str, tuple[CellFact, ...]] = {}  # with keep_cells: each worksheet's cells
        self.number_formats: tuple[tuple[int, ...], tuple[tuple[int, str], ...]] | None = None
        self.parts: dict[str, bytes] = {}  # with keep_cells: small members read whole (see Intake.parts)
        self.kept_bytes = 0  # their total size
        self.property_values: list[tuple[str, str, str]] = []

    def add(self, code: str, **kw: Any) -> None:
        self.code_counts[code] += 1
        if self.code_counts[code] > self.limits.max_issues_per_code:
            return
        self.issues.append(make_issue(code, file=self.file, **kw))

    def record(self, bucket: list[Any], item: Any) -> None:
        if len(bucket) < self.limits.max_recorded:
            bucket.append(item)
        else:
            self.truncated_facts = True

    def check_deadline(self) -> None:
        if self.deadline.passed():
            raise _Deadline(self.part_now)

    def inspect_package(self) -> None:  # the package's checks (``package._Package``)
        raise NotImplementedError
