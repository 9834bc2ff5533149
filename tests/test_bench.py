"""scripts/bench.py, smallest size only: it runs end to end and writes the JSON the README documents.

No timing is asserted here: timings depend on the machine; the benchmark itself is run by hand (see README).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_smallest_size_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--sizes", "4", "--runs", "1",
                           "--json", str(out), "--cache", str(tmp_path / "cache")],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) >= {"machine", "results"}
    assert {"cpu", "cores", "python"} <= set(doc["machine"])
    [result] = doc["results"]
    assert result["n"] == 4 and result["files"] == 4
    for key in ("consolidate_s", "floor_s", "baseline_s", "peak_rss_mb", "consolidate_over_floor",
                "baseline_over_consolidate", "consolidate_1_process_s", "speedup_2nd_process"):
        assert isinstance(result[key], (int, float)) and result[key] > 0, key
    assert sum(result["statuses"].values()) == 4
    assert "consolidate_s" in proc.stdout  # the table
