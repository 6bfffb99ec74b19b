"""The Quarto route: when the `quarto` CLI is on PATH, lay the executed notebooks out as the Quarto project of
`_quarto.yml` and let `quarto render` make the site and the typst PDFs (no code is executed by Quarto)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import DataError

QUARTO_ENV = "DEFENCE_QUARTO"


def quarto_executable() -> str | None:
    """The quarto CLI to use, or None to take the built-in route (DEFENCE_QUARTO=off forces it)."""
    import os

    choice = os.environ.get(QUARTO_ENV, "")
    if choice.lower() in ("off", "0", "no", "false"):
        return None
    return choice or shutil.which("quarto")


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
