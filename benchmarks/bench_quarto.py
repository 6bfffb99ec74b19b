"""Benchmark of the Quarto route against the built-in route, on the real data.

Usage: DEFENCE_DATA_MIRROR=../shared/data/raw python benchmarks/bench_quarto.py [--runs 3]

In a fresh copy of the project whose data, metrics and briefs are built first (not timed), every brief is rebuilt
(`briefs --force`: 40 notebooks run, 40 HTML pages and 40 PDFs, the Europe pages) by each route in turn, alternating
(built-in, quarto, built-in, quarto...) so that both meet the same machine:
  built-in  `python build.py briefs --force` (pandoc and typst, one pandoc process a brief)
  quarto    `python build.py briefs --force --renderer quarto` (the notebooks as above, then one `quarto render`
            of the project: its pre-render step runs them, its post-render step publishes)
Each run's wall time and CPU time (user + system of the whole process tree, from the kernel's accounting of
waited-for children) are kept, with the medians and the machine (CPU model, cores). Results are appended to
benchmarks/results/quarto.json under this machine's name and the date: no earlier run is overwritten.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_build import machine, make_project  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "quarto.json"
COUNTRIES = 40


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the command and all it waited for) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                         f"{done.stderr[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    quarto = shutil.which("quarto")
    if not os.environ.get("DEFENCE_DATA_MIRROR") or not quarto:
        raise SystemExit("set DEFENCE_DATA_MIRROR and put quarto on PATH (../shared/tools/quarto/setup.sh PREFIX)")
    version = subprocess.run([quarto, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    # build.py and the pre-render step run with this interpreter
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    build = [sys.executable, "build.py", "briefs", "--force"]
    cases = {"built-in": build, "quarto": [*build, "--renderer", "quarto"]}
    runs: dict[str, list[dict]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory(prefix="bench-quarto-") as folder:
        project = make_project(Path(folder))
        subprocess.run([sys.executable, "build.py"], cwd=project, env=env, check=True, capture_output=True)
        for run in range(args.runs):
            for name, command in cases.items():
                wall, cpu = timed(command, project, env)
                runs[name].append({"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)})
                print(f"run {run + 1}/{args.runs} {name}: {wall:.1f} s wall, {cpu:.1f} CPU-s", flush=True)
    summary = {name: {"median_wall_s": statistics.median(r["wall_s"] for r in values),
                      "median_cpu_s": statistics.median(r["cpu_s"] for r in values),
                      "median_wall_s_per_brief": round(statistics.median(r["wall_s"] for r in values) / COUNTRIES, 3),
                      "runs": values} for name, values in runs.items()}
    summary["quarto_over_built_in"] = round(summary["quarto"]["median_wall_s"] /
                                            summary["built-in"]["median_wall_s"], 2)
    record = {"date": dt.date.today().isoformat(), "machine": machine(), "quarto_version": version,
              "countries": COUNTRIES, "what": "briefs --force: 40 notebooks, 40 HTML + 40 PDF, Europe pages",
              **summary}
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"runs": []}
    results["runs"].append(record)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps({k: v for k, v in record.items() if k not in ("built-in", "quarto")} | {
        name: {k: v for k, v in summary[name].items() if k != "runs"} for name in cases}, indent=1))


if __name__ == "__main__":
    main()
