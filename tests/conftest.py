"""Shared fixtures: the bundled example plan and masters written from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.plan import load_plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbook" / "examples" / "zedilo-2025.yaml"


@pytest.fixture(scope="session")
def example_plan() -> Plan:
    return load_plan(EXAMPLE)


@pytest.fixture
def master(tmp_path: Path, example_plan: Plan) -> Path:
    """A fresh master of the bundled example (executed values included) in tmp_path."""
    path = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, path)
    return path
