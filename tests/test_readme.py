"""The README documents what the code does: the table of issue codes is generated from the catalogue."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_readme_codes_table_is_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_codes.py"), "--check"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_quick_start_has_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Inicio rápido", 1)[1].split("##", 1)[0]
    block = quick.split("```", 2)[1].strip().splitlines()
    assert block == ["python3 scripts/demo.py", "python3 scripts/test.py"]
    assert "python3 scripts/test.py" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_and_docs_hold_no_merge_markers() -> None:
    """A merge left unfinished in a document is text a user reads: none in the README or docs."""
    for path in (ROOT / "README.md", *(ROOT / "docs").glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert [n for n, line in enumerate(lines, 1) if line.startswith(("<<<<<<< ", ">>>>>>> "))
                or line == "======="] == [], path.name
