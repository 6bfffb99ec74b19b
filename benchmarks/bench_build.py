"""Benchmark of `python build.py` against the naive way, on the real data.

Usage: DEFENCE_DATA_MIRROR=../shared/data/raw python benchmarks/bench_build.py [--runs 3] [--naive-countries 8]

Every case runs as a user runs it: a subprocess in a fresh copy of the project.
  cold    `python build.py --verbose` in an empty project: fetch, ingest and metrics of 3 releases, 40 briefs
          (HTML and PDF); the metrics stage's seconds per release are read from its lines
  noop    `python build.py` again, nothing changed
  metrics `python build.py metrics --force --verbose`: the metrics stage alone, seconds per release
  one     `python build.py briefs --country POL --force`: one country's brief rebuilt
  all     `python build.py briefs --force`: every brief rebuilt (HTML and PDF), data and metrics current
  naive   for a sample of countries, one after another: `papermill` (CLI) then `jupyter nbconvert --to html`
`all` and `naive` alternate within the run (all, naive, all, naive...), so that both meet the same machine.
Peak memory is measured in runs of their own (timed runs are not sampled, so that sampling costs them nothing): the
largest sum, sampled every 100 ms, of the proportional set size (PSS) of the build's process tree (build.py, its
kernels, pandoc): each process's private memory plus its share of pages shared with others, so that a library
mapped by both kernels, or a process just forked, is not counted twice. For the cold build, and for
`briefs --force` of 10 countries and of all of them; and once, with one kernel (`--jobs 1`), for 10, 20 and all
countries, to tell memory that levels off from memory that grows with every brief. Every run's value is kept, with
the median.
Writes benchmarks/results/build.json.
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
import threading
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


def _tree_pss_mb(root: int) -> float:
    """Proportional set size of process `root` and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                total += int(re.search(r"^Pss:\s+(\d+) kB", handle.read(), re.MULTILINE).group(1)) / 1024
        except (OSError, AttributeError, ValueError):
            continue
    return total


def timed(command: list[str], cwd: Path, memory: bool = False) -> tuple[float, str, float | None]:
    """Run `command` in `cwd`: (wall seconds, stdout, peak MB of its process tree when `memory`, else None);
    a failure stops the run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    peak = [0.0]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_pss_mb(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True) if memory else None
    if sampler is not None:
        sampler.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    if sampler is not None:
        sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{(stderr or stdout)[-3000:]}")
    return elapsed, stdout, round(peak[0], 1) if memory else None


def build(project: Path, *args: str, memory: bool = False) -> tuple[float, str, float | None]:
    return timed([sys.executable, "build.py", *args], project, memory)


def countries_of(log: str) -> int:
    match = re.search(r"briefs \w+: (\d+) notebooks run", log)
    return int(match.group(1)) if match else 0


def metrics_seconds(log: str) -> dict[str, float]:
    """Seconds of the metrics stage per release, from its lines ('metrics 2026: ... (6.8 s)')."""
    return {release: float(seconds) for release, seconds in re.findall(r"^metrics (\w+): .*\(([\d.]+) s\)$", log,
                                                                      re.MULTILINE)}


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


def covered(project: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from defence_briefs.briefs.context import load_release
    from defence_briefs.publish.stage import covered_countries

    return covered_countries(load_release(project, RELEASE))


def run(runs: int, naive_countries: int) -> dict:
    if not os.environ.get("DEFENCE_DATA_MIRROR"):
        raise SystemExit("set DEFENCE_DATA_MIRROR to the folder of raw files (e.g. ../shared/data/raw)")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    results: dict = {"machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                     "commit": commit.strip(), "cases": {}}
    cases = results["cases"]
    with tempfile.TemporaryDirectory() as tmp:
        cold, cold_logs = [], []
        for number in range(runs):
            project = make_project(Path(tmp) / f"cold{number}")
            elapsed, log, _ = build(project, "--verbose")
            cold.append(elapsed)
            cold_logs.append(log)
            print(f"cold full build {number + 1}/{runs}: {elapsed:.1f} s", flush=True)
        countries = countries_of(cold_logs[0])
        metrics: dict[str, list[float]] = {}
        for log in cold_logs:
            for release, seconds in metrics_seconds(log).items():
                metrics.setdefault(release, []).append(seconds)
        cases["cold"] = {**summary(cold), "countries": countries,
                         "per_country_s": round(statistics.median(cold) / countries, 2),
                         "metrics_s_per_release": {r: summary(v) for r, v in metrics.items()}}
        project = Path(tmp) / "cold0"
        noop = []
        for _ in range(max(5, runs)):
            elapsed, log, _ = build(project)
            assert "briefs 2026: up to date" in log, log
            noop.append(elapsed)
        cases["noop"] = summary(noop)
        print(f"no-op: {statistics.median(noop):.2f} s", flush=True)
        alone: dict[str, list[float]] = {}
        for _ in range(runs):
            for release, seconds in metrics_seconds(build(project, "metrics", "--force", "--verbose")[1]).items():
                alone.setdefault(release, []).append(seconds)
        cases["metrics"] = {"s_per_release": {r: summary(v) for r, v in alone.items()}}
        print("metrics alone: " + ", ".join(f"{r} {statistics.median(v):.1f} s" for r, v in alone.items()), flush=True)
        one = [build(project, "briefs", "--country", "POL", "--force")[0] for _ in range(runs)]
        cases["one"] = summary(one)
        print(f"one country: {statistics.median(one):.1f} s", flush=True)
        names = covered(project)
        sample = names[::max(1, len(names) // naive_countries)][:naive_countries]
        every, logs, baseline = [], [], []
        for number in range(runs):
            elapsed, log, _ = build(project, "briefs", "--force", "--verbose")
            every.append(elapsed)
            logs.append(log)
            print(f"all countries {number + 1}/{runs}: {elapsed:.1f} s", flush=True)
            out = Path(tmp) / f"naive{number}"
            out.mkdir()
            baseline.append(naive(project, sample, out))
            print(f"naive {number + 1}/{runs} ({len(sample)} countries): {baseline[-1]:.1f} s", flush=True)
        cases["all"] = {**summary(every), "countries": countries,
                        "per_country_s": round(statistics.median(every) / countries, 2),
                        "per_brief_steps_s": per_brief_steps("\n".join(logs))}
        cases["naive"] = {**summary(baseline), "countries": sample,
                          "per_country_s": round(statistics.median(baseline) / len(sample), 2),
                          "what": "papermill CLI + jupyter nbconvert --to html, per country, one after another"}
        some = [a for c in names[:10] for a in ("--country", c)]
        memory: dict[str, list | dict] = {"cold_build_peak_mb": [], "briefs_force_10_countries_peak_mb": [],
                                          f"briefs_force_{countries}_countries_peak_mb": []}
        for number in range(runs):
            memory["cold_build_peak_mb"].append(build(make_project(Path(tmp) / f"memory{number}"), memory=True)[2])
            memory["briefs_force_10_countries_peak_mb"].append(build(project, "briefs", "--force", *some,
                                                                     memory=True)[2])
            memory[f"briefs_force_{countries}_countries_peak_mb"].append(build(project, "briefs", "--force",
                                                                               memory=True)[2])
            print("peak memory (PSS): " + ", ".join(f"{name} {values[-1]:.0f}" for name, values in memory.items()),
                  flush=True)
        # with one kernel, the briefs it runs: does memory level off (warming caches) or keep growing (a leak)?
        memory["one_kernel_peak_mb_by_briefs"] = {
            str(count): build(project, "briefs", "--force", "--jobs", "1",
                              *[a for c in names[:count] for a in ("--country", c)], memory=True)[2]
            for count in sorted({10, 20, len(names)})}
        print(f"peak memory (PSS), one kernel: {memory['one_kernel_peak_mb_by_briefs']}", flush=True)
        cases["memory"] = memory
    naive_per_country = statistics.median(baseline) / len(sample)
    results["speedup_all_vs_naive"] = round(naive_per_country / (statistics.median(every) / countries), 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each case (no-op: at least 5)")
    parser.add_argument("--naive-countries", type=int, default=8,
                        help="countries of the naive baseline's sample (spread over the list)")
    args = parser.parse_args()
    results = run(args.runs, args.naive_countries)
    target = ROOT / "benchmarks" / "results" / "build.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
