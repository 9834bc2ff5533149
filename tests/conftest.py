"""Shared fixtures: the bundled example plan, masters written from it and the hostile corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.hostile.make_corpus import build
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.plan import load_plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbook" / "examples" / "zedilo-2025.yaml"


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's hostile corpus, built once per session (``tests/hostile/make_corpus.py``)."""
    folder = tmp_path_factory.mktemp("corpus-hostil")
    build(folder)
    return folder


@pytest.fixture(scope="session")
def example_plan() -> Plan:
    return load_plan(EXAMPLE)


@pytest.fixture
def master(tmp_path: Path, example_plan: Plan) -> Path:
    """A fresh master of the bundled example (executed values included) in tmp_path."""
    path = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, path)
    return path


class OracleTally:
    """How many returns read in a test openpyxl read the same (``compared``), and how many it could not open."""

    def __init__(self) -> None:
        self.compared = 0
        self.not_compared = 0


@pytest.fixture
def openpyxl_oracle(monkeypatch: pytest.MonkeyPatch) -> OracleTally:
    """Every return read in the test (in this process) is also opened by openpyxl, whose cells go through the same
    checks: the manifest, values and reader issues must be equal (``tests/oracles.py``). Used by the validate,
    hostile and consolidate tests, so each of their hand-made broken workbooks also checks zedxl's reader."""
    import zedxl.validate as V
    from tests.oracles import agrees_with_openpyxl
    from zedxl.fsutil import read_received
    from zedxl.intake import DEFAULT_LIMITS

    real = V.read_return
    tally = OracleTally()

    def checked(path: Path, *, received: Any = None) -> V.ReturnRead:
        got = real(path, received=received)
        data = received.data if received is not None and received.data is not None else \
            read_received(Path(path), DEFAULT_LIMITS.max_file_bytes).data
        if data is not None and agrees_with_openpyxl(Path(path), got, data):
            tally.compared += 1
        else:
            tally.not_compared += 1
        return got

    monkeypatch.setattr(V, "read_return", checked)
    return tally
