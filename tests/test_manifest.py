"""The source manifest: the real one is complete and consistent; malformed ones give clear errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from defence_briefs.errors import ManifestError
from defence_briefs.ingest import PARSERS
from defence_briefs.manifest import load_manifest
from defence_briefs.project import MIRROR_ENV

ROOT = Path(__file__).resolve().parents[1]


def test_real_manifest_lists_every_file_once_and_groups_three_releases() -> None:
    manifest = load_manifest(ROOT / "data" / "sources.toml", set(PARSERS))
    assert [r.name for r in manifest.releases] == ["2024", "2025", "2026"]
    assert manifest.default_release.name == "2026"
    assert len(manifest.files) == 147
    assert len({f.path for f in manifest.files}) == 147
    roles = {r.name: set(r.files_by_role()) for r in manifest.releases}
    assert roles["2026"] >= {"transfers", "milex", "nato", "population", "bilateral_tiv", "us_exports_tiv"}
    assert "population" not in roles["2025"]  # the World Bank file (April 2026) is newer than the 2025 release
    assert "transfers_oct2024_extract" in roles["2024"]
    assert manifest.release("latest").name == "2026"


@pytest.mark.realdata
def test_manifest_pins_match_provenance() -> None:
    """Every sha256 in the manifest appears in the mirror's PROVENANCE.md, and every raw file is in the manifest."""
    if not os.environ.get(MIRROR_ENV):
        pytest.skip(f"{MIRROR_ENV} is not set: no raw files to compare the manifest with")
    mirror = Path(os.environ[MIRROR_ENV])
    if not (mirror / "PROVENANCE.md").is_file():
        pytest.skip(f"{MIRROR_ENV}={mirror} holds no PROVENANCE.md to compare the manifest with")
    provenance = (mirror / "PROVENANCE.md").read_text(encoding="utf-8")
    pinned = set(re.findall(r"[0-9a-f]{64}", provenance))
    manifest = load_manifest(ROOT / "data" / "sources.toml", set(PARSERS))
    assert {f.sha256 for f in manifest.files} <= pinned
    on_disk = {str(p.relative_to(mirror)) for p in mirror.rglob("*") if p.suffix in (".csv", ".xlsx")}
    assert on_disk == {f.path for f in manifest.files}


GOOD_FILE = """
[[files]]
id = "a"
title = "t"
source = "s"
publisher = "p"
source_release = "r"
path = "s/a.csv"
parser = "sipri_trade_register"
role = "transfers"
releases = ["x"]
sha256 = "{sha}"
size = 1
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[releases.x]\ntitle='x'\ndate=2026-01-01\nlast_data_year=2025\n" + GOOD_FILE.format(sha="zz"),
         "sha256 must be 64 hex digits"),
        ("[releases.x]\ntitle='x'\ndate=2026-01-01\nlast_data_year=2025\n" + GOOD_FILE.format(sha="a" * 64) * 2,
         "file id 'a' is used twice"),
        ("[releases.y]\ntitle='x'\ndate=2026-01-01\nlast_data_year=2025\n" + GOOD_FILE.format(sha="a" * 64),
         "release 'y' has no files"),
        ("[releases.x]\ntitle='x'\ndate=2026-01-01\nlast_data_year=2025\n"
         + GOOD_FILE.format(sha="a" * 64).replace("sipri_trade_register", "nope"), "names parser 'nope'"),
        ("[releases.x]\ntitle='x'\ndate=2026-01-01\nlast_data_year=2025\n"
         + GOOD_FILE.format(sha="a" * 64).replace('"s/a.csv"', '"../a.csv"'), "must be relative"),
        ("[releases.x\n", "not valid TOML"),
    ],
)
def test_malformed_manifest_is_a_clear_error(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ManifestError, match=re.escape(message)) as info:
        load_manifest(path, set(PARSERS))
    assert str(path) in str(info.value)


def test_unknown_release_lists_valid_names() -> None:
    manifest = load_manifest(ROOT / "data" / "sources.toml", set(PARSERS))
    with pytest.raises(ManifestError, match="2024, 2025, 2026"):
        manifest.release("1999")


def test_a_manifest_edited_between_two_reads_is_read_again(tmp_path: Path) -> None:
    """The parsed manifest is reused only for the same bytes: an edit (add-release, a filled-in URL) is seen at once,
    and a file that stops parsing fails again rather than returning what it held before."""
    path = tmp_path / "sources.toml"
    text = (ROOT / "data" / "sources.toml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    first = load_manifest(path)
    assert load_manifest(path) is first
    path.write_text(text.replace('title = "', 'title = "Edited: ', 1), encoding="utf-8")
    edited = load_manifest(path)
    assert edited is not first and edited.releases[0].title.startswith("Edited: ")
    path.write_text(text + "\n[broken\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid TOML"):
        load_manifest(path)
    path.write_bytes(b"title = \"\xff\"\n")
    with pytest.raises(ManifestError, match=r"sources\.toml: not valid TOML"):
        load_manifest(path)
