"""Every dependency is bounded on both sides (``>=`` tested release, ``<`` next major) and installed within them."""

from __future__ import annotations

import importlib.metadata
import tomllib

from packaging.requirements import Requirement

from tests.conftest import ROOT


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return [Requirement(text) for text in listed]


def test_dependencies_have_a_lower_and_an_upper_bound() -> None:
    for req in requirements():
        operators = {spec.operator for spec in req.specifier}
        assert ">=" in operators and "<" in operators, f"{req}: needs >= and < (next major)"


def test_dependencies_installed_within_their_bounds() -> None:
    for req in requirements():
        installed = importlib.metadata.version(req.name)
        assert req.specifier.contains(installed, prereleases=True), f"{req.name} {installed} outside {req.specifier}"
