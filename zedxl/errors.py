"""The exceptions: what stops a run (bad arguments, unreadable files), with a Spanish message for the user.

Problems found *in data* are not exceptions but ``zedxl.issues.Issue`` records collected in a report.
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


class StructureError(ZedxlError, ValueError):
    """Rewriting the master would lose rows it had (an OEI tab or AO rows deleted, an AO above its AEI) that were
    not named for removal (``zedxl.structure``)."""


class ReprogramacionError(ZedxlError, ValueError):
    """Programmed cells of the master changed with no reprogramación (date and justification) to record it, or a
    row of its ``Reprogramaciones`` sheet cannot be taken (``zedxl.reprogramming``)."""


class MasterLockedError(ZedxlError, OSError):
    """The master workbook is open in Excel or another zedxl run holds its lock."""


class ToolMissingError(ZedxlError, OSError):
    """An external program zedxl needs for this command is not installed."""


class LedgerError(ZedxlError, OSError):
    """The audit ledger cannot be written: another program holds it, or it is damaged or read-only."""
