"""Regenerate the README's table of issue codes from the catalogue (``zedxl.issues.CATALOGUE``).

Usage: ``python scripts/gen_codes.py`` rewrites the block between the markers in README.md;
``python scripts/gen_codes.py --check`` exits 1 when the README is out of date (the tests run this).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
START, END = "<!-- codigos:inicio -->", "<!-- codigos:fin -->"
MODULES = ("zedxl.intake", "zedxl.xlsx.office_read", "zedxl.validate", "zedxl.consolidate", "zedxl.xlsx.master_read")


def table() -> str:
    from zedxl.issues import CATALOGUE

    for name in MODULES:
        importlib.import_module(name)
    lines = ["| código | severidad | qué significa |", "| --- | --- | --- |"]
    for code in sorted(CATALOGUE):
        kind = CATALOGUE[code]
        lines.append(f"| `{code}` | {kind.severity} | {kind.title} |")
    return "\n".join(lines)


def render(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print("README.md: la tabla de códigos está desactualizada; ejecute python scripts/gen_codes.py")
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
