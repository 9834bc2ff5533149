"""The product's source stays readable: no module grows past what a person can hold in mind (issue #9)."""

from __future__ import annotations

from tests.conftest import ROOT

#: the longest a product module may be, comments and blank lines included
MAX_MODULE_LINES = 800


def test_no_module_above_the_cap() -> None:
    sizes = {path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
             for path in sorted((ROOT / "zedxl").rglob("*.py"))}
    assert len(sizes) > 50  # the whole package was read
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}
