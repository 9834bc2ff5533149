"""Run zedxl's test suite: set up the working copy (``scripts/setup.py``), then pytest in ``.venv``.

Usage: ``python scripts/test.py [pytest arguments...]``, e.g. ``python scripts/test.py tests/test_a1.py -x``.
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
    python = ensure()
    code = subprocess.run([str(python), "-m", "pytest", *argv], cwd=ROOT, check=False).returncode
    if code == NO_TESTS_COLLECTED:
        print("Error: pytest no ejecutó ninguna prueba.", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
