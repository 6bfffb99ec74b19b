"""Benchmark: building the briefs of the newest release, for one country and for every European country.

Usage: DEFENCE_DATA_MIRROR=../shared/data/raw python benchmarks/bench_briefs.py [--repeat 3] [--all-repeat 1]
Runs `python build.py briefs` as a subprocess (as a user would) in a temporary copy of the project whose metrics
are built first (not timed). Reports the median wall time of each case, seconds per country, and where one
country's time goes (papermill run vs rendering, from the build's own log). Writes benchmarks/results/briefs.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("build.py", "_quarto.yml", "methodology.md", "notebooks", "data/sources.toml")


def make_project(folder: Path) -> Path:
    for name in COPIED:
        source, target = ROOT / name, folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    return folder


def build(project: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "build.py", *args], cwd=project, capture_output=True, text=True,
                            env={**os.environ, "DEFENCE_QUARTO": "off"}, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"build.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stdout


def phase_seconds(log: str, phase: str) -> list[float]:
    return [float(s) for s in re.findall(rf"{phase} \w+ \(\d+/\d+\) in ([\d.]+) s", log)]


def run(repeat: int, all_repeat: int) -> dict:
    if not os.environ.get("DEFENCE_DATA_MIRROR"):
        raise SystemExit("set DEFENCE_DATA_MIRROR to the folder of raw files (e.g. ../shared/data/raw)")
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp))
        build(project, "metrics", "--release", "2025")
        build(project, "metrics", "--release", "2026")
        one, one_logs = [], []
        for _ in range(repeat):
            seconds, log = build(project, "briefs", "--country", "POL")
            one.append(seconds)
            one_logs.append(log)
        every, every_logs = [], []
        for _ in range(all_repeat):
            seconds, log = build(project, "briefs")
            every.append(seconds)
            every_logs.append(log)
        countries = len(phase_seconds(every_logs[-1], "executed"))
    executed = [s for log in every_logs for s in phase_seconds(log, "executed")]
    rendered = [s for log in every_logs for s in phase_seconds(log, "rendered")]
    return {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "one_country": {"runs": one, "median_s": statistics.median(one)},
        "all_countries": {"runs": every, "median_s": statistics.median(every), "countries": countries,
                          "median_s_per_country": statistics.median(every) / countries},
        "per_country_phases": {"papermill_median_s": statistics.median(executed),
                               "render_html_pdf_median_s": statistics.median(rendered)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the one-country build (default 3)")
    parser.add_argument("--all-repeat", type=int, default=1, help="runs of the all-countries build (default 1)")
    args = parser.parse_args()
    results = run(args.repeat, args.all_repeat)
    out = ROOT / "benchmarks" / "results" / "briefs.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
