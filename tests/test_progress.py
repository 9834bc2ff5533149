"""The progress bar: drawn for a person at a terminal, silent otherwise; the CLI wires it to consolidate/split."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from zedxl.progress import progress_bar, wants_progress


def test_progress_bar_draws_on_a_terminal() -> None:
    out = io.StringIO()
    with progress_bar("Revisando retornos", enabled=True, delay=0,
                      console=Console(file=out, force_terminal=True, width=100)) as update:
        assert update is not None
        for i in range(1, 4):
            update(i - 1, 3)
        update(3, 3)
    assert "Revisando retornos" in out.getvalue()


def test_progress_bar_is_silent_when_disabled_or_quick() -> None:
    with progress_bar("x", enabled=False) as update:
        assert update is None
    out = io.StringIO()
    with progress_bar("Revisando", enabled=True, delay=60,
                      console=Console(file=out, force_terminal=True)) as update:
        assert update is not None
        update(1, 2)
        update(2, 2)
    assert out.getvalue() == ""


def test_wants_progress_is_false_with_json_or_without_a_terminal() -> None:
    assert wants_progress(json_output=True) is False
    assert wants_progress() is False  # pytest captures stdout: not a terminal


def test_cli_consolidate_passes_a_bar_only_to_a_person(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import zedxl.consolidate
    import zedxl.progress
    from zedxl.cli import main

    seen: list[object] = []

    def fake(master: Path, folder: Path, **kwargs: object) -> zedxl.consolidate.ConsolidationResult:
        seen.append(kwargs.get("progress"))
        return zedxl.consolidate.ConsolidationResult(Path(master))

    monkeypatch.setattr(zedxl.consolidate, "consolidate", fake)
    monkeypatch.setattr(zedxl.progress, "wants_progress", lambda json_output=False: not json_output)
    assert main(["consolidate", str(tmp_path / "m.xlsx"), str(tmp_path)]) == 0
    assert main(["consolidate", str(tmp_path / "m.xlsx"), str(tmp_path), "--json"]) == 0
    assert callable(seen[0]) and seen[1] is None
    capsys.readouterr()
