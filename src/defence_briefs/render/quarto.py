"""The Quarto route (`--renderer quarto`): lay the executed notebooks out as the Quarto project of `_quarto.yml`
and let `quarto render` make the site and the typst PDFs (no code is executed by Quarto). Used only when asked:
a `quarto` on PATH does not change the default route."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..errors import DataError, UsageError

QUARTO_ENV = "DEFENCE_QUARTO"


def find_quarto() -> str:
    """The quarto CLI for `--renderer quarto`: $DEFENCE_QUARTO when set, else `quarto` on PATH; a UsageError
    saying how to get one when there is none."""
    choice = os.environ.get(QUARTO_ENV) or shutil.which("quarto")
    if not choice or not (shutil.which(choice) or os.access(choice, os.X_OK)):
        raise UsageError(f"--renderer quarto: no quarto CLI found (${QUARTO_ENV} or PATH); install it from "
                         "https://quarto.org or with `conda env create -f environment.yml`, or use the default "
                         "--renderer built-in")
    return choice


def quarto_commands(quarto: str, project_dir: Path, output_dir: Path, countries: list[str],
                    formats: tuple[str, ...]) -> list[list[str]]:
    """The commands the Quarto route runs: the site as HTML, then each country's PDF through typst."""
    commands = []
    if "html" in formats:
        commands.append([quarto, "render", str(project_dir), "--to", "html", "--no-execute",
                         "--output-dir", str(output_dir)])
    if "pdf" in formats:
        for country in countries:
            commands.append([quarto, "render", str(project_dir / "countries" / f"{country}.ipynb"), "--to", "typst",
                             "--no-execute", "--output-dir", str(output_dir / "pdf")])
    return commands


def lay_out_project(root: Path, project_dir: Path, executed: dict[str, Path], overview: Path) -> None:
    """Copy _quarto.yml, methodology.md and the executed notebooks into a Quarto project folder."""
    if project_dir.exists():
        shutil.rmtree(project_dir)
    (project_dir / "countries").mkdir(parents=True)
    shutil.copyfile(root / "_quarto.yml", project_dir / "_quarto.yml")
    shutil.copyfile(root / "methodology.md", project_dir / "methodology.md")
    shutil.copyfile(overview, project_dir / "index.ipynb")
    for country, path in executed.items():
        shutil.copyfile(path, project_dir / "countries" / f"{country}.ipynb")


def run_quarto(commands: list[list[str]], report) -> None:
    """Run the commands; a failure is a DataError with Quarto's own message."""
    for command in commands:
        report("quarto: " + " ".join(command[1:3]) + " " + command[3 if len(command) > 3 else -1])
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DataError(f"quarto failed ({result.returncode}) on {' '.join(command)}:\n"
                            f"{(result.stderr or result.stdout)[-2000:]}")
