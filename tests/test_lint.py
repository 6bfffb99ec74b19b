"""The code base is ruff-clean (rules in pyproject.toml)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install -e '.[test]')")
def test_ruff_clean() -> None:
    result = subprocess.run(["ruff", "check", "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _readme_layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("```\nsrc/defence_briefs/\n")
    return text[start:text.index("```", start + 3)]


def test_the_readme_layout_matches_the_folders() -> None:
    """Every subpackage is in the README's diagram with its files, and every file the diagram names exists."""
    layout = _readme_layout()
    package = ROOT / "src" / "defence_briefs"
    folders = sorted(p.name for p in package.iterdir() if p.is_dir() and not p.name.startswith("__")
                     and not p.name.endswith(".egg-info"))
    for folder in folders:
        assert f"\n  {folder}/" in layout, folder
    named = set(re.findall(r"([a-z_]+\.(?:py|csv))", layout))
    existing = {p.name for p in package.rglob("*") if p.suffix in (".py", ".csv")}
    assert named <= existing, named - existing
    top_level = {p.name for p in package.glob("*.py") if p.name != "__init__.py"}
    assert top_level <= named, top_level - named


def test_no_stage_imports_a_later_stage() -> None:
    """The stages import only those before them in the data flow (validation reads every stage's output; intake,
    which adds a release, runs fetch, ingest and metrics, and nothing imports it)."""
    order = ["fetch", "ingest", "metrics", "briefs", "execute", "render", "publish", "intake"]
    package = ROOT / "src" / "defence_briefs"
    for position, stage in enumerate(order):
        later = order[position + 1:]
        for path in (package / stage).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            imported = set(re.findall(r"from \.\.(\w+)", text)) | set(re.findall(r"defence_briefs\.(\w+)", text))
            assert not imported & set(later), (path.name, imported & set(later))
