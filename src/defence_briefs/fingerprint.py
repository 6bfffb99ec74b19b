"""Fingerprints of build inputs: what a stage's or a brief's output was made from, as one sha256 string.

A build step is up to date when the fingerprint of its inputs equals the one recorded when its output was
written. The parts are kept in groups (code of a subpackage, templates, library versions) so that a change to a
template re-renders pages without re-running notebooks, and a change to the metrics code recomputes metrics
without re-parsing raw files.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import metadata, resources
from pathlib import Path

from .fileio import sha256_file

PACKAGE = "defence_briefs"
# the code each kind of build step runs (module files and folders of the package, relative to it)
CODE_GROUPS: dict[str, tuple[str, ...]] = {
    # the parsers read the country reference tables (other reference tables feed the metrics)
    "ingest": ("ingest", "schema.py", "countries.py", "reference/countries.csv", "reference/country_names.csv",
               "reference/group_membership.csv"),
    "metrics": ("metrics", "metrics_stage.py", "plausibility.py", "countries.py", "schema.py", "reference"),
    "briefs": ("briefs", "countries.py", "manifest.py", "metrics_stage.py", "project.py", "errors.py",
               "reference", "metrics/dependency.py", "metrics/weapon_categories.py"),
    # templates are fingerprinted one by one (a page template changes pages, not PDFs): see briefs_stage
    "render": ("render", "briefs/display.py", "briefs/theme.py", "briefs/text.py", "site_publish.py"),
}
# libraries whose version changes what a step writes
LIBRARY_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": ("pandas", "openpyxl", "pyarrow"),
    "metrics": ("pandas", "numpy"),
    "briefs": ("altair", "vl-convert-python", "pandas", "papermill", "ipykernel", "font-lato"),
    "render": ("pypandoc-binary", "typst", "nbformat", "font-lato", "vl-convert-python"),
}


def digest(*parts: object) -> str:
    """sha256 over JSON-serialised parts (dicts with sorted keys), so equal inputs give equal strings."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def bytes_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, or 'missing' when there is no such file."""
    return sha256_file(path) if path.is_file() else "missing"


def _package_files(relative: str) -> list[tuple[str, bytes]]:
    root = Path(str(resources.files(PACKAGE)))
    target = root / relative
    paths = sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
    return [(str(p.relative_to(root)), p.read_bytes()) for p in paths
            if "__pycache__" not in p.parts and not p.name.endswith((".pyc", ".pyo"))]


@cache
def code_digest(group: str) -> str:
    """sha256 over the package files of one code group (see CODE_GROUPS) and its libraries' versions."""
    hasher = hashlib.sha256()
    for relative in CODE_GROUPS[group]:
        for name, data in _package_files(relative):
            hasher.update(name.encode() + b"\0" + data + b"\0")
    hasher.update(json.dumps(library_versions(LIBRARY_GROUPS[group])).encode())
    return hasher.hexdigest()


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions
