"""Count CPU instructions of one stage of zedxl with valgrind's callgrind: a repeatable A/B measure on a noisy machine.

Usage::

    python scripts/instructions.py intake|read|write [--files 12]

Wall-clock timings on a shared 2-core VM drift by ±20 % from one minute to the next; instruction counts do not
(the same code on the same input gives the same count to within 0.1 %). This runs a small Python program twice under
``valgrind --tool=callgrind`` — once doing only the imports, once doing the stage — and prints the difference per
item, so the cost of importing does not count:

* ``intake``: ``zedxl.intake.inspect(keep_cells=True)`` on the first ``--files`` returns of the benchmark's cache;
* ``read``: ``zedxl.validate.read_return`` on the same returns (intake included);
* ``write``: ``zedxl.xlsx.master_write.write_master`` of the benchmark's 2,500-AO monthly master.

The inputs come from ``scripts/bench.py``'s cache (``.bench-cache/``): run the benchmark once first. valgrind runs
Python ~50 times slower, so a count takes one to two minutes. Developers' tool; not used by the tests.
"""

from __future__ import annotations

import argparse
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench-cache"


def _entity_dir() -> Path:
    found = sorted(CACHE.glob("mensual-100of-100r-*"))
    if not found:
        raise SystemExit("No hay caché del benchmark: ejecute antes «python scripts/bench.py --sizes 200».")
    return found[0]


def _child(stage: str, files: int, plan_file: str, out: str) -> None:
    """The measured program (run under valgrind): imports, then the stage unless ``stage`` is ``none``."""
    sys.path.insert(0, str(ROOT))
    from zedxl.intake import inspect
    from zedxl.validate import read_return
    from zedxl.xlsx.master_write import write_master

    returns = sorted((_entity_dir() / "retornos").iterdir())[:files]
    if stage == "intake":
        for path in returns:
            inspect(path, keep_cells=True)
    elif stage == "read":
        for path in returns:
            read_return(path)
    elif stage == "write":
        with open(plan_file, "rb") as fh:
            write_master(pickle.load(fh), out)


def _count(stage: str, files: int, plan_file: str, out: str) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
           "--child", stage, "--files", str(files), "--plan", plan_file, "--out", out]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    m = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or m is None:
        raise SystemExit(f"valgrind falló:\n{done.stderr[-2000:]}")
    return int(m.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stage", choices=["intake", "read", "write", "none"])
    ap.add_argument("--files", type=int, default=12)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--plan", default="", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.stage, args.files, args.plan, args.out)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("Falta valgrind (paquete Debian «valgrind»).")
    with tempfile.TemporaryDirectory(prefix="zedxl-instr-") as tmp:
        plan_file = str(Path(tmp) / "plan.pickle")
        if args.stage == "write":
            sys.path.insert(0, str(ROOT))
            from zedxl.xlsx.master_read import read_master

            with open(plan_file, "wb") as fh:
                pickle.dump(read_master(_entity_dir() / "maestro.xlsx").plan, fh)
        out = str(Path(tmp) / "maestro.xlsx")
        base = _count("none", args.files, plan_file, out)
        total = _count(args.stage, args.files, plan_file, out)
    per = 1 if args.stage == "write" else args.files
    unit = "el maestro de 2.500 AO" if args.stage == "write" else "cada retorno"
    print(f"{args.stage}: {(total - base) / per / 1e6:.1f} millones de instrucciones por {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
