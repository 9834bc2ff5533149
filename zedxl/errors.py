"""The exception tree: what stops a run (bad arguments, unreadable files), never problems found in data.

    ZedxlError
    ├── PlanError(ValueError)          a plan file (YAML) or a master's plan data is invalid
    ├── PeriodError(ValueError)        a period label that does not exist for this plan
    ├── WorkbookError(ValueError)      a workbook is not one zedxl can read (layout, missing sheet)
    ├── MasterLockedError(OSError)     the master is open in Excel (its ``~$`` owner file exists) or locked
    └── ToolMissingError(OSError)      an external program (LibreOffice) is not installed

Problems found *in data* (a return with a negative value, a missing justification) are not exceptions: they are
``zedxl.issues.Issue`` records collected in a report. Every message here is Spanish because users read it.
"""

from __future__ import annotations


class ZedxlError(Exception):
    """Base of every error zedxl raises on purpose. ``str(err)`` is a Spanish message for the user."""


class PlanError(ZedxlError, ValueError):
    """The plan is invalid. ``problems`` lists every problem found as ``(key path, message)``."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "") -> None:
        self.problems = problems
        self.source = source
        head = f"El plan {source} tiene errores:" if source else "El plan tiene errores:"
        lines = [head] + [f"  - {path}: {msg}" if path else f"  - {msg}" for path, msg in problems]
        super().__init__("\n".join(lines))


class PeriodError(ZedxlError, ValueError):
    """A period label is malformed or does not belong to the plan."""


class WorkbookError(ZedxlError, ValueError):
    """A workbook cannot be read as what it claims to be (missing sheet, header not found...)."""


class MasterLockedError(ZedxlError, OSError):
    """The master workbook is open in Excel or another zedxl run holds its lock."""


class ToolMissingError(ZedxlError, OSError):
    """An external program zedxl needs for this command is not installed."""
