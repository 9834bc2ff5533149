"""zedxl uses only the public API of its dependencies: a private member is a promise nobody made.

The source is read as Python syntax: an import of a private module or name, an attribute with a leading underscore
read on anything but ``self``/``cls``/``super()`` in a module that imports the library, or a class that derives
from one of the library's classes and defines or calls a private method, fails the test.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT

#: the libraries held to their public API
LIBRARIES = ("openpyxl", "python_calamine", "xlsxwriter", "docx", "xlwings", "yaml", "rich", "matplotlib", "pyarrow",
             "defusedxml")


#: the standard library's documented names that start with an underscore (``os._exit``: end the process now)
STDLIB_DOCUMENTED = {("os", "_exit")}


def _private(name: str) -> bool:
    return any(part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
               for part in name.split("."))


def offences(source: str, libraries: tuple[str, ...] = LIBRARIES) -> list[str]:
    """Where ``source`` reaches into a private member of one of ``libraries`` (line: what)."""
    tree = ast.parse(source)
    imported: set[str] = set()  # local names bound to the libraries or to things from them
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in libraries:
                    imported.add((alias.asname or alias.name).split(".")[0])
                    if _private(alias.name):
                        found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in libraries:
            if _private(node.module):
                found.append(f"{node.lineno}: from {node.module}")
            for alias in node.names:
                imported.add(alias.asname or alias.name)
                if _private(alias.name):
                    found.append(f"{node.lineno}: {node.module}.{alias.name}")
    if not imported:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id in imported or
                                                  isinstance(b, ast.Attribute) for b in node.bases):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and _private(item.name):
                    found.append(f"{item.lineno}: {node.name}.{item.name} overrides a private method")
        if isinstance(node, ast.Attribute) and _private(node.attr):
            receiver = node.value
            if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
                continue
            if isinstance(receiver, ast.Name) and (receiver.id, node.attr) in STDLIB_DOCUMENTED:
                continue
            if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super":
                found.append(f"{node.lineno}: super().{node.attr}")
                continue
            found.append(f"{node.lineno}: .{node.attr}")
    return found


def test_offences_are_found_in_what_they_look_like() -> None:
    assert offences("from openpyxl.worksheet._reader import WorkSheetParser\n")
    assert offences("import openpyxl\ndef f(ws):\n    return ws._cells\n")
    assert offences("from openpyxl import Workbook\nclass W(Workbook):\n    def _add_sheet(self):\n        pass\n")
    assert not offences("import openpyxl\nclass A:\n    def _mine(self):\n        return self._x\n")
    assert not offences("def f(x):\n    return x._anything\n")  # no library here
    assert not offences("import os\nimport yaml\nos._exit(130)\n")  # documented in the standard library
    assert offences("import yaml\ndef f(os):\n    return os._private\n")


def test_product_code_uses_only_public_members_of_its_libraries() -> None:
    found = {str(p.relative_to(ROOT)): offences(p.read_text(encoding="utf-8"))
             for p in sorted((ROOT / "zedxl").rglob("*.py"))}
    assert {k: v for k, v in found.items() if v} == {}
