"""The VBA source of a zedxl master: the Panel's button macros and xlwings' standalone VBA, read at write time.

The xlwings VBA module (``xlwings.bas``, plus the ``Dictionary`` class it needs on macOS) is read from the xlwings
package installed next to zedxl each time a master is written, so the workbook's ``RunPython`` and the Python
package can never be different versions. The button module is generated here; its text is kept in
``workbook/vba/zedxl_botones.bas`` for review (a test checks the two are the same).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zedxl.errors import ToolMissingError
from zedxl.vba.project import (
    BASE_WORKBOOK,
    BASE_WORKSHEET,
    VBAModule,
    VBAProject,
    document_module,
    module_from_export,
    normalize_source,
)

BUTTONS_MODULE = "zedxl_botones"
WORKBOOK_CODENAME = "ThisWorkbook"


@dataclass(frozen=True)
class PanelButton:
    """One button of the Panel sheet: the caption people see, its VBA macro and the Python function it runs."""

    caption: str
    macro: str
    function: str


BUTTONS: tuple[PanelButton, ...] = (
    PanelButton("Recalcular", "Recalcular", "recalcular"),
    PanelButton("Validar", "Validar", "validar"),
    PanelButton("Consolidar", "Consolidar", "consolidar"),
    PanelButton("Generar informe", "GenerarInforme", "generar_informe"),
)


def buttons_source() -> str:
    """The ``zedxl_botones`` module: one public Sub per Panel button, each a ``RunPython`` call."""
    lines = [
        f'Attribute VB_Name = "{BUTTONS_MODULE}"',
        "' Macros of the Panel sheet's buttons. Written by zedxl each time it writes the master: edits made here",
        "' are lost. Each macro runs a function of the Python package zedxl through xlwings' RunPython.",
        "Option Explicit",
    ]
    for b in BUTTONS:
        lines += ["", f"Public Sub {b.macro}()", f'    RunPython "import zedxl.excel; zedxl.excel.{b.function}()"',
                  "End Sub"]
    return normalize_source("\r\n".join(lines))


@dataclass(frozen=True)
class XlwingsVBA:
    """The standalone VBA shipped inside the installed xlwings package."""

    version: str
    folder: Path
    modules: tuple[VBAModule, ...]


def xlwings_vba() -> XlwingsVBA:
    """Read ``xlwings.bas`` and ``addin/Dictionary.cls`` from the installed xlwings (without importing it).

    Raises:
        ToolMissingError: xlwings is not installed, or its package lacks the VBA files, or the VBA's version differs
            from the package's (a broken installation).
    """
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise ToolMissingError("Para escribir un maestro .xlsm (con botones) se necesita el paquete xlwings. "
                               "Instálelo con «pip install xlwings» y vuelva a intentarlo.")
    folder = Path(next(iter(spec.submodule_search_locations)))
    version = importlib.metadata.version("xlwings")
    bas, cls = folder / "xlwings.bas", folder / "addin" / "Dictionary.cls"
    missing = [p.name for p in (bas, cls) if not p.is_file()]
    if missing:
        raise ToolMissingError(f"El paquete xlwings {version} instalado en {folder} no trae {', '.join(missing)}; "
                               "no se puede incluir su VBA en el maestro. Reinstale xlwings "
                               "(«pip install --force-reinstall xlwings»).")
    main = module_from_export(bas.read_text(encoding="cp1252"), "standard")
    dictionary = module_from_export(cls.read_text(encoding="cp1252"), "class")
    m = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', main.code)
    if not m or m.group(1) != version:
        found = m.group(1) if m else "desconocida"
        raise ToolMissingError(f"El VBA de xlwings ({found}) no coincide con el paquete instalado ({version}); "
                               "reinstale xlwings («pip install --force-reinstall xlwings»).")
    return XlwingsVBA(version, folder, (main, dictionary))


def master_project(sheet_codenames: Sequence[str]) -> tuple[VBAProject, str]:
    """The master's VBA project and the xlwings version it embeds.

    Args:
        sheet_codenames: The VBA code name of every worksheet, in workbook order (each gets its document module).
    """
    xlw = xlwings_vba()
    sheets = (document_module(name, BASE_WORKSHEET) for name in sheet_codenames)
    return VBAProject((document_module(WORKBOOK_CODENAME, BASE_WORKBOOK), *sheets,
                       VBAModule(BUTTONS_MODULE, "standard", buttons_source()), *xlw.modules)), xlw.version
