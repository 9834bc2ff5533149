"""Run zedxl's test suite: set up the working copy (``scripts/setup.py``), then pytest in ``.venv``.

Usage: ``python scripts/test.py [--minimos] [pytest arguments...]``, e.g.
``python scripts/test.py tests/test_a1.py -x``.
``--minimos`` runs the suite in ``.venv-minimos``, where every dependency is at the lowest version pyproject.toml
allows (CI runs both).
pytest's exit code is returned, except "no tests collected" (5), which counts as a failure (1).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from setup import ROOT, ensure  # noqa: E402

NO_TESTS_COLLECTED = 5


def main(argv: list[str]) -> int:
    lowest = "--minimos" in argv
    argv = [a for a in argv if a != "--minimos"]
    python = ensure(lowest=lowest)
    code = subprocess.run([str(python), "-m", "pytest", *argv], cwd=ROOT, check=False).returncode
    if code == NO_TESTS_COLLECTED:
        print("Error: pytest no ejecutó ninguna prueba.", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
