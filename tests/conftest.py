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


class FastPathTally:
    """How many returns the shadowed ``read_return`` read by the fast path and by openpyxl."""

    def __init__(self) -> None:
        self.fast = 0
        self.openpyxl = 0


@pytest.fixture
def fast_path_checked(monkeypatch: pytest.MonkeyPatch) -> FastPathTally:
    """Every return read in the test (in this process) is read twice: by the fast path (intake's scan, no
    openpyxl) and by the reference path (openpyxl, every check cell by cell); the two results must be equal in
    every issue, value, location and manifest field. Used by the validate, hostile and consolidate tests, so each
    of their hand-made broken workbooks also proves the fast path right."""
    import dataclasses

    import zedxl.validate as V

    real = V.read_return
    tally = FastPathTally()

    def checked(path: Path, *, fast: bool = True, received: Any = None) -> V.ReturnRead:
        got = real(path, fast=fast, received=received)
        if fast:
            reference = real(path, fast=False, received=received)
            assert dataclasses.replace(got, fast=False) == reference, f"fast path differs on {path.name}"
            if got.fast:
                tally.fast += 1
            else:
                tally.openpyxl += 1
        return got

    monkeypatch.setattr(V, "read_return", checked)
    return tally
