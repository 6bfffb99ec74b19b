"""Benchmark of `python build.py` against the naive way, on the real data.

Usage: DEFENCE_DATA_MIRROR=../shared/data/raw python benchmarks/bench_build.py [--runs 3] [--naive-countries 8]

Every case runs as a user runs it: a subprocess in a fresh copy of the project.
  cold    `python build.py --verbose` in an empty project: fetch, ingest and metrics of 3 releases, 40 briefs
          (HTML and PDF); the metrics stage's seconds per release are read from its lines
  noop    `python build.py` again, nothing changed
  metrics `python build.py metrics --force --verbose`: the metrics stage alone, seconds per release
  one     `python build.py briefs --country POL --force`: one country's brief rebuilt
  all     `python build.py briefs --force`: every brief rebuilt (HTML and PDF), data and metrics current
  naive   for a sample of countries, one after another: papermill then `nbconvert --to html` (the papermill +
          nbconvert way)
  quarto  for the same sample, one after another, as a Quarto user renders a parameterized report:
          `quarto render country_brief.ipynb -P country:XXX --to html`, then `--to typst` for the PDF (a copy of the
          notebook outside the project, executed by Quarto with this interpreter's Jupyter)
`all`, `naive` and `quarto` alternate within the run (all, naive, quarto, all...), so that all meet the same machine.
Tools are found through the running interpreter (`python -m papermill`, `python -m nbconvert`; Quarto from
$DEFENCE_QUARTO, beside the interpreter (PyPI's quarto-cli) or on PATH), not PATH alone. Every timed run records wall
seconds and CPU seconds (user + system of the command and all it waited for); per brief, both are reported.
Peak memory is measured in runs of their own (timed runs are not sampled, so that sampling costs them nothing): the
largest sum, sampled every 100 ms, of the proportional set size (PSS) of the build's process tree (build.py, its
kernels, pandoc): each process's private memory plus its share of pages shared with others, so that a library
mapped by both kernels, or a process just forked, is not counted twice. For the cold build, and for
`briefs --force` of 10 countries and of all of them; and once, with one kernel (`--jobs 1`), for 10, 20 and all
countries, to tell memory that levels off from memory that grows with every brief. Every run's value is kept, with
the median.
Results are appended to benchmarks/results/build.json under the machine (CPU model, cores, boot) and the date, with
the seconds of a fixed pure-Python workload at the start and the end of the run (the machine's speed then): every
machine's runs are kept, none overwritten. Needs `pip install -e ".[bench]"` (nbconvert) and, for the quarto case,
Quarto (skipped, and said so, without it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
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


def machine() -> dict:
    """The machine's CPU model and core count, for reading a result beside others, and its boot (our VMs share a
    name and a CPU model: the boot tells one from another)."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    boot = Path("/proc/sys/kernel/random/boot_id")
    return {"name": platform.node(), "cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "boot_id": boot.read_text().strip()[:8] if boot.is_file() else None}


def reference_seconds() -> float:
    """Wall seconds of a fixed single-threaded pure-Python workload, best of 3: the machine's speed at that moment,
    so that runs on machines of one model, or one machine in a slow hour, can be read side by side."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(3_000_000):
            total += number * number % 7
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


LAST_CPU = [0.0]  # CPU seconds of the last `timed` run


def timed(command: list[str], cwd: Path, memory: bool = False,
          env: dict | None = None) -> tuple[float, str, float | None]:
    """Run `command` in `cwd`: (wall seconds, stdout, peak MB of its process tree when `memory`, else None); its
    CPU seconds (user + system, with all it waited for) go to LAST_CPU; a failure stops the run."""
    env = env or {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    peak = [0.0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
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


def naive(project: Path, countries: list[str], out: Path) -> tuple[float, float]:
    """papermill then an HTML conversion per country, one after another: (wall seconds, CPU seconds)."""
    started, cpu = time.perf_counter(), 0.0
    for country in countries:
        executed = out / f"{country}.ipynb"
        timed([sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3",
               "notebooks/country_brief.ipynb", str(executed), "-r", "country", country, "-r", "release", RELEASE,
               "-r", "root", str(project)], project)
        cpu += LAST_CPU[0]
        timed([sys.executable, "-m", "nbconvert", "--to", "html", "--log-level", "ERROR", str(executed)], project)
        cpu += LAST_CPU[0]
    return time.perf_counter() - started, cpu


def find_quarto() -> str | None:
    """Quarto: $DEFENCE_QUARTO, else beside this interpreter (PyPI's quarto-cli), else on PATH; None without."""
    for choice in (os.environ.get("DEFENCE_QUARTO"), str(Path(sys.executable).parent / "quarto"),
                   shutil.which("quarto")):
        if choice and Path(choice).is_file() and os.access(choice, os.X_OK):
            return choice
    return None


def quarto_per_country(quarto: str, project: Path, countries: list[str], out: Path) -> tuple[float, float]:
    """Quarto's own parameterized render of the brief per country, to HTML and to PDF (typst), one after another,
    from a copy of the notebook outside the project: (wall seconds, CPU seconds)."""
    import yaml

    out.mkdir(parents=True, exist_ok=True)
    notebook = out / "country_brief.ipynb"
    shutil.copy(project / "notebooks" / "country_brief.ipynb", notebook)
    # the project's formats (the typst template's partials, which the notebook's typst output calls, the paper and
    # the font), as a Quarto user keeps them beside a report
    templates = ROOT / "src" / "defence_briefs" / "render" / "templates"
    for partial in ("typst-template.typ", "typst-show.typ"):
        shutil.copy(templates / partial, out / partial)
    formats = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))["format"]
    from defence_briefs.briefs.fonts import FONT_DIR

    formats["typst"] |= {"template-partials": ["typst-template.typ", "typst-show.typ"], "font-paths": [str(FONT_DIR)]}
    formats["html"].pop("css", None)
    (out / "_quarto.yml").write_text(yaml.safe_dump({"format": formats}), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "QUARTO_PYTHON": sys.executable,
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    started, cpu = time.perf_counter(), 0.0
    for country in countries:
        for to in ("html", "typst"):
            timed([quarto, "render", notebook.name, "--execute", "-P", f"country:{country}", "-P",
                   f'release:"{RELEASE}"', "-P", f"root:{project}", "--to", to, "--output",
                   f"{country}.{'pdf' if to == 'typst' else to}"],
                  out, env=env)
            cpu += LAST_CPU[0]
    return time.perf_counter() - started, cpu


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
    try:
        import nbconvert  # noqa: F401  (the naive way's converter)
    except ImportError:
        raise SystemExit('the naive baseline needs nbconvert: pip install -e ".[bench]"') from None
    quarto = find_quarto()
    if quarto is None:
        print("no Quarto found ($DEFENCE_QUARTO, beside the interpreter, PATH): the quarto case is skipped", flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    results: dict = {"date": dt.date.today().isoformat(), "machine": machine(), "commit": commit.strip(),
                     "reference_s": {"start": reference_seconds()}, "cases": {}}
    print(f"reference workload: {results['reference_s']['start']} s", flush=True)
    if quarto:
        results["quarto_version"] = subprocess.run([quarto, "--version"], capture_output=True, text=True).stdout.strip()
    cases = results["cases"]
    with tempfile.TemporaryDirectory() as tmp:
        cold, cold_cpu, cold_logs = [], [], []
        for number in range(runs):
            project = make_project(Path(tmp) / f"cold{number}")
            elapsed, log, _ = build(project, "--verbose")
            cold.append(elapsed)
            cold_cpu.append(LAST_CPU[0])
            cold_logs.append(log)
            print(f"cold full build {number + 1}/{runs}: {elapsed:.1f} s, {LAST_CPU[0]:.1f} CPU-s", flush=True)
        countries = countries_of(cold_logs[0])
        metrics: dict[str, list[float]] = {}
        for log in cold_logs:
            for release, seconds in metrics_seconds(log).items():
                metrics.setdefault(release, []).append(seconds)
        cases["cold"] = {**summary(cold), "cpu": summary(cold_cpu), "countries": countries,
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
        one, one_cpu = [], []
        for _ in range(runs):
            one.append(build(project, "briefs", "--country", "POL", "--force")[0])
            one_cpu.append(LAST_CPU[0])
        cases["one"] = {**summary(one), "cpu": summary(one_cpu)}
        print(f"one country: {statistics.median(one):.1f} s, {statistics.median(one_cpu):.1f} CPU-s", flush=True)
        names = covered(project)
        sample = names[::max(1, len(names) // naive_countries)][:naive_countries]
        every, every_cpu, logs, baseline, baseline_cpu, by_quarto, by_quarto_cpu = [], [], [], [], [], [], []
        for number in range(runs):
            elapsed, log, _ = build(project, "briefs", "--force", "--verbose")
            every.append(elapsed)
            every_cpu.append(LAST_CPU[0])
            logs.append(log)
            print(f"all countries {number + 1}/{runs}: {elapsed:.1f} s, {LAST_CPU[0]:.1f} CPU-s", flush=True)
            (Path(tmp) / f"naive{number}").mkdir()
            wall, cpu = naive(project, sample, Path(tmp) / f"naive{number}")
            baseline.append(wall)
            baseline_cpu.append(cpu)
            print(f"naive {number + 1}/{runs} ({len(sample)} countries): {wall:.1f} s, {cpu:.1f} CPU-s", flush=True)
            if quarto:
                wall, cpu = quarto_per_country(quarto, project, sample, Path(tmp) / f"quarto{number}")
                by_quarto.append(wall)
                by_quarto_cpu.append(cpu)
                print(f"quarto {number + 1}/{runs} ({len(sample)} countries, HTML and PDF): {wall:.1f} s, "
                      f"{cpu:.1f} CPU-s", flush=True)
        per_brief = statistics.median(every) / countries
        cases["all"] = {**summary(every), "cpu": summary(every_cpu), "countries": countries,
                        "per_country_s": round(per_brief, 3),
                        "cpu_per_country_s": round(statistics.median(every_cpu) / countries, 3),
                        "per_brief_steps_s": per_brief_steps("\n".join(logs))}
        cases["naive"] = {**summary(baseline), "cpu": summary(baseline_cpu), "countries": sample,
                          "per_country_s": round(statistics.median(baseline) / len(sample), 2),
                          "cpu_per_country_s": round(statistics.median(baseline_cpu) / len(sample), 2),
                          "what": "python -m papermill + python -m nbconvert --to html, per country, one after another"}
        if quarto:
            cases["quarto"] = {**summary(by_quarto), "cpu": summary(by_quarto_cpu), "countries": sample,
                               "per_country_s": round(statistics.median(by_quarto) / len(sample), 2),
                               "cpu_per_country_s": round(statistics.median(by_quarto_cpu) / len(sample), 2),
                               "what": "quarto render country_brief.ipynb -P country:XXX --to html, then --to typst"}
        cases["memory"] = measure_memory(project, tmp, names, countries, runs)
    results["reference_s"]["end"] = reference_seconds()
    print(f"reference workload at the end: {results['reference_s']['end']} s", flush=True)
    results["speedup_all_vs_naive"] = round(cases["naive"]["per_country_s"] / per_brief, 1)
    if quarto:
        results["speedup_all_vs_quarto"] = round(cases["quarto"]["per_country_s"] / per_brief, 1)
    return results


def measure_memory(project: Path, tmp: str, names: list[str], countries: int, runs: int) -> dict:
    """Peak PSS of the cold build and of `briefs --force` (10 countries, all), and with one kernel by briefs."""
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
    return memory


RESULTS = ROOT / "benchmarks" / "results" / "build.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each case (no-op: at least 5)")
    parser.add_argument("--naive-countries", type=int, default=8,
                        help="countries of the naive and Quarto baselines' sample (spread over the list)")
    args = parser.parse_args()
    record = run(args.runs, args.naive_countries)
    earlier = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"runs": []}
    if "runs" not in earlier:  # the file before results were kept per machine: its one run, kept as it was
        earlier = {"runs": [earlier]}
    earlier["runs"].append(record)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(earlier, indent=1) + "\n")
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
