"""Problems found in data: the ``Issue`` record, the catalogue of issue types and the ``Report`` that collects them.

Checks never raise for bad data: they yield ``Issue`` values. Each issue type has a stable kebab-case code, a
severity (``error`` blocks a merge, ``aviso`` does not) and a Spanish message template that tells the user what to do.
The README's table of codes is generated from ``CATALOGUE`` (``python scripts/gen_codes.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from zedxl.a1 import to_a1
from zedxl.fmt import printable

Severity = Literal["error", "aviso"]
#: The columns of an issue on an Observaciones sheet (the offices' workbooks and the Panel's).
OBSERVACIONES_HEADER = ("Severidad", "Código", "Archivo", "Hoja", "Celda", "Actividad operativa", "Valor", "Mensaje")


@dataclass(frozen=True)
class IssueType:
    """One kind of problem: stable code, Spanish title, message template and default severity."""

    code: str
    title: str
    template: str
    severity: Severity


CATALOGUE: dict[str, IssueType] = {}


def register(code: str, title: str, template: str, severity: Severity = "error") -> IssueType:
    """Add an issue type to the catalogue (codes are unique)."""
    if code in CATALOGUE:
        raise ValueError(f"duplicate issue code {code}")
    kind = IssueType(code, title, template, severity)
    CATALOGUE[code] = kind
    return kind


@dataclass(frozen=True)
class Issue:
    """One problem found in one file, with where it is and what to do about it."""

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    excel_row: int | None = None
    column: str = ""
    value: Any = None
    office: str = ""
    ao: str = ""  # the AO of the row the cell is in («AO.01.01.01 · name»), for people reading a list of cells

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (values that are not JSON types are shown with ``str``)."""
        d = asdict(self)
        v = d["value"]
        if v is not None and not isinstance(v, (str, int, float, bool)):
            d["value"] = str(v)
        return d


def make_issue(code: str, *, file: str = "", sheet: str = "", row_idx: int | None = None, col_idx: int | None = None,
               column: str = "", value: Any = None, office: str = "", severity: Severity | None = None,
               ao: str = "", **params: Any) -> Issue:
    """Build an ``Issue`` of a catalogued type; computes the A1 cell from zero-based indexes.

    ``params`` fill the message template (``value``, ``cell``, ``sheet``, ``file`` and ``office`` are always available),
    their texts through ``fmt.printable``: a name or value from a file cannot fake a line of output.
    """
    kind = CATALOGUE[code]
    cell = to_a1(row_idx, col_idx) if row_idx is not None and col_idx is not None else ""
    fields = {key: printable(v) if isinstance(v, str) else v for key, v in
              {"value": value, "cell": cell, "sheet": sheet, "file": file, "office": office, **params}.items()}
    try:
        message = kind.template.format(**fields)
    except (KeyError, IndexError) as e:  # a template bug must not hide the problem itself
        message = f"{kind.title} ({e})"
    return Issue(code, severity or kind.severity, message, file=file, sheet=sheet, cell=cell,
                 excel_row=row_idx + 1 if row_idx is not None else None, column=column, value=value, office=office,
                 ao=ao)


class IssueList:
    """``errors`` and ``warnings`` of anything that holds ``issues`` (a file's report, intake's verdict)."""

    issues: Sequence[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "aviso"]


@dataclass
class Report(IssueList):
    """Every issue found for one file (or one run), in the order found."""

    file: str = ""
    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    @property
    def valid(self) -> bool:
        """True when nothing blocks the merge (avisos allowed)."""
        return not self.errors

    def codes(self) -> list[str]:
        return [i.code for i in self.issues]

    def to_rows(self) -> list[list[Any]]:
        """Rows for an ``Observaciones`` sheet: header first."""
        rows: list[list[Any]] = [list(OBSERVACIONES_HEADER)]
        rows += ([i.severity, i.code, i.file, i.sheet, i.cell, i.ao, "" if i.value is None else str(i.value),
                  i.message] for i in self.issues)
        return rows

    def to_json(self) -> dict[str, Any]:
        return {"archivo": self.file, "valido": self.valid, "errores": len(self.errors), "avisos": len(self.warnings),
                "problemas": [i.to_dict() for i in self.issues]}
