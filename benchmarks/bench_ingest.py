"""Benchmark: cold ingest of every release (no tidy cache) and warm re-run (all cached).

Usage: DEFENCE_DATA_MIRROR=../shared/data/raw python benchmarks/bench_ingest.py [--repeat 3]
Runs in a temporary project with this repository's manifest; raw files are fetched once from the mirror
(not timed), then each cold run starts from an empty data/tidy. Prints the median and writes
benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from defence_briefs.cli import main  # noqa: E402


def timed(argv: list[str], root: Path) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv, root=root)
    if code != 0:
        raise SystemExit(f"build.py {' '.join(argv)} failed with exit code {code}")
    return time.perf_counter() - started


def run(repeat: int) -> dict:
    if not os.environ.get("DEFENCE_DATA_MIRROR"):
        raise SystemExit("set DEFENCE_DATA_MIRROR to the folder of raw files (e.g. ../shared/data/raw)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        shutil.copy(ROOT / "data" / "sources.toml", root / "data" / "sources.toml")
        fetch_seconds = timed(["fetch"], root)
        cold, warm = [], []
        for _ in range(repeat):
            shutil.rmtree(root / "data" / "tidy", ignore_errors=True)
            cold.append(timed(["data"], root))
            warm.append(timed(["data"], root))
    return {
        "what": "python build.py data, all releases (2024, 2025, 2026), in-process",
        "repeat": repeat,
        "fetch_from_mirror_s": round(fetch_seconds, 3),
        "cold_ingest_s": [round(x, 3) for x in cold],
        "warm_ingest_s": [round(x, 3) for x in warm],
        "cold_ingest_median_s": round(statistics.median(cold), 3),
        "warm_ingest_median_s": round(statistics.median(warm), 3),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    result = run(parser.parse_args().repeat)
    out = ROOT / "benchmarks" / "results" / "ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
