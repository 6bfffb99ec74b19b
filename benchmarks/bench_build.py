"""Benchmark of `python build.py` against the naive way, on the real data.

Usage: DEFENCE_DATA_MIRROR=../shared/data/raw python benchmarks/bench_build.py [--runs 3] [--naive-runs 3]

Cases, each run as a user would (a subprocess in a fresh copy of the project), median of the runs:
  cold       `python build.py` in an empty project: fetch, ingest and compute 3 releases, 40 briefs (html+pdf)
  noop       `python build.py` again with nothing changed
  one        `python build.py briefs --country POL --force`: one country's brief rebuilt
  all        `python build.py briefs --force`: every brief rebuilt (data and metrics current)
  naive      for each country, one after another: `papermill` (CLI) then `jupyter nbconvert --to html`
Where a brief's time goes comes from the build's own per-brief lines (--verbose). Writes
benchmarks/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("build.py", "_quarto.yml", "methodology.md", "notebooks", "data/sources.toml",
          "data/reviewed_findings.toml")
RELEASE = "2026"


def make_project(folder: Path) -> Path:
    for name in COPIED:
        source, target = ROOT / name, folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    return folder


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        output = (result.stderr or result.stdout)[-3000:]
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{output}")
    return elapsed, result.stdout


def build(project: Path, *args: str) -> tuple[float, str]:
    return timed([sys.executable, "build.py", *args], project)


def countries_of(log: str) -> int:
    match = re.search(r"briefs \w+: (\d+) notebooks run", log)
    return int(match.group(1)) if match else 0


def per_brief_steps(log: str) -> dict[str, float]:
    """Median seconds of each step of a country's brief, from the --verbose lines."""
    steps: dict[str, list[float]] = {}
    for line in re.findall(r"\] [A-Z]{3} ok \((.*)\)", log):
        for step, seconds in re.findall(r"(\w+) ([\d.]+) s", line):
            steps.setdefault(step, []).append(float(seconds))
    return {step: round(statistics.median(values), 2) for step, values in steps.items()}


def naive(project: Path, countries: list[str], out: Path) -> float:
    """papermill's CLI then an HTML conversion per country, one after another."""
    started = time.perf_counter()
    for country in countries:
        executed = out / f"{country}.ipynb"
        timed(["papermill", "--no-progress-bar", "-k", "python3", "notebooks/country_brief.ipynb", str(executed),
               "-r", "country", country, "-r", "release", RELEASE, "-r", "root", str(project)], project)
        timed(["jupyter", "nbconvert", "--to", "html", "--log-level", "ERROR", str(executed)], project)
    return time.perf_counter() - started


def summary(values: list[float]) -> dict:
    return {"runs": [round(v, 2) for v in values], "median_s": round(statistics.median(values), 2)}


def run(runs: int, naive_runs: int) -> dict:
    if not os.environ.get("DEFENCE_DATA_MIRROR"):
        raise SystemExit("set DEFENCE_DATA_MIRROR to the folder of raw files (e.g. ../shared/data/raw)")
    results: dict = {"machine": {"cores": os.cpu_count(), "python": platform.python_version()}, "cases": {}}
    cold, cold_logs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(runs):
            project = make_project(Path(tmp) / f"cold{number}")
            elapsed, log = build(project, "--verbose")
            cold.append(elapsed)
            cold_logs.append(log)
            print(f"cold full build {number + 1}/{runs}: {elapsed:.1f} s", flush=True)
        countries = countries_of(cold_logs[0])
        results["cases"]["cold"] = {**summary(cold), "countries": countries,
                                    "per_country_s": round(statistics.median(cold) / countries, 2)}
        project = Path(tmp) / "cold0"
        noop = []
        for _ in range(max(5, runs)):
            elapsed, log = build(project)
            assert "briefs 2026: up to date" in log, log
            noop.append(elapsed)
        results["cases"]["noop"] = summary(noop)
        print(f"no-op: {statistics.median(noop):.2f} s", flush=True)
        one = []
        for _ in range(runs):
            elapsed, log = build(project, "briefs", "--country", "POL", "--force", "--verbose")
            one.append(elapsed)
        results["cases"]["one"] = summary(one)
        print(f"one country: {statistics.median(one):.1f} s", flush=True)
        every, logs = [], []
        for _ in range(runs):
            elapsed, log = build(project, "briefs", "--force", "--verbose")
            every.append(elapsed)
            logs.append(log)
        results["cases"]["all"] = {**summary(every), "countries": countries,
                                   "per_country_s": round(statistics.median(every) / countries, 2),
                                   "per_brief_steps_s": per_brief_steps("\n".join(logs))}
        print(f"all countries: {statistics.median(every):.1f} s", flush=True)
        results["cases"]["naive"] = naive_case(project, naive_runs, Path(tmp))
    return finish(results)


def naive_case(project: Path, naive_runs: int, tmp: Path) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from defence_briefs.briefs.context import load_release
    from defence_briefs.publish.stage import covered_countries

    names = covered_countries(load_release(project, RELEASE))
    baseline = []
    for number in range(naive_runs):
        out = tmp / f"naive{number}"
        out.mkdir()
        baseline.append(naive(project, names, out))
        print(f"naive {number + 1}/{naive_runs}: {baseline[-1]:.1f} s", flush=True)
    per_country = round(statistics.median(baseline) / len(names), 2)
    return {**summary(baseline), "countries": len(names), "per_country_s": per_country,
            "what": "papermill CLI + jupyter nbconvert --to html, per country, sequential"}


def finish(results: dict) -> dict:
    cases = results["cases"]
    results["speedup_all_vs_naive"] = round(cases["naive"]["per_country_s"] / cases["all"]["per_country_s"], 1)
    results["speedup_cold_vs_naive"] = round(cases["naive"]["per_country_s"] / cases["cold"]["per_country_s"], 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--naive-only", action="store_true",
                        help="measure only the naive baseline, into the existing results file")
    args = parser.parse_args()
    target = ROOT / "benchmarks" / "results" / "build.json"
    if args.naive_only:
        results = json.loads(target.read_text())
        with tempfile.TemporaryDirectory() as tmp:
            project = make_project(Path(tmp) / "project")
            build(project, "metrics", "--release", "2025", "--release", RELEASE)
            results["cases"]["naive"] = naive_case(project, args.naive_runs, Path(tmp))
        results = finish(results)
    else:
        results = run(args.runs, args.naive_runs)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
