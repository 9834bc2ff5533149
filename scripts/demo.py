"""Run zedxl's demo: set up the working copy (``scripts/setup.py``), then ``python -m zedxl demo -o salida``.

Usage: ``python scripts/demo.py [more demo arguments...]``; the demo's exit code is returned.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from setup import ROOT, ensure  # noqa: E402


def main(argv: list[str]) -> int:
    python = ensure()
    return subprocess.run([str(python), "-m", "zedxl", "demo", "-o", "salida", *argv], cwd=ROOT,
                          check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
