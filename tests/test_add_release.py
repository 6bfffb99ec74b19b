"""`build.py add-release NAME --from DIR`: files recognised by content, the manifest written with its comments and
order kept, refusals that change nothing, NATO's newer editions and changed layouts, and, on the real data, the
2026 release rebuilt from its files equal to the committed one, site and all."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import fixture_files as ff
import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import MIRROR, ROOT, copy_project, manifest_without, tree_digest

from defence_briefs.cli import main
from defence_briefs.countries import country_table
from defence_briefs.errors import InputError
from defence_briefs.ingest import PARSERS
from defence_briefs.ingest.nato import parse as parse_nato
from defence_briefs.ingest.stage import load_table
from defence_briefs.intake.recognise import recognise
from defence_briefs.manifest import load_manifest
from defence_briefs.project import Project

NEWER_REGISTER_PREAMBLE = [*ff.REGISTER_PREAMBLE[:-1], "Data generated: 16 Mar 2027 9:02:11 AM"]
NEWER_RECORDS = [  # SIPRI revised the Patriot deal (TIV 600 -> 900) and recorded a delivery in 2026
    ff.REGISTER_RECORDS[0].replace(",300,600,600", ",450,900,900"), *ff.REGISTER_RECORDS[1:],
    "Poland,South Korea,2025,,180,,K9,self-propelled gun,12,,2026,New,Second batch,3,540,36"]


def _set_saved(path: Path, when: dt.date) -> Path:
    """Set a workbook's saved date (docProps/core.xml, dcterms:modified): openpyxl stamps 'now' on every save."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    core = parts["docProps/core.xml"].decode()
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{when.isoformat()}T10:00:00Z\g<2>", core)
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def _state(root: Path) -> dict[str, str]:
    """Everything add-release may write: the manifest and data/raw."""
    return {"manifest": hashlib.sha256((root / "data" / "sources.toml").read_bytes()).hexdigest(),
            **tree_digest(root / "data" / "raw")}


@pytest.fixture
def project(built_project: tuple[Path, Path]) -> Path:
    """A fixture project (release 'test', data to 2024) whose data stage has run."""
    return built_project[0]


def _downloads(tmp_path: Path, name: str = "downloads") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


# --- recognition ------------------------------------------------------------------------------------------------

def test_each_kind_is_recognised_by_its_content_not_its_name(tmp_path: Path) -> None:
    """Every fixture written under a neutral name (its real extension kept) gets the parser and role of its kind and
    the edition its own preamble states."""
    expected = {  # fixture id -> (parser, role, publication date read from the file)
        "register": ("sipri_trade_register", "transfers", dt.date(2026, 5, 18)),  # 'Data generated: 18 May 2026'
        "tiv_usa": ("sipri_tiv_export_table", "bilateral_tiv", None),  # the 2022 tables carry no date
        "us_exports": ("sipri_us_exports_by_recipient", "us_exports_tiv", None),
        "import_totals": ("sipri_tiv_totals", "imports_tiv_totals", None),
        "export_totals": ("sipri_tiv_totals", "exports_tiv_totals", None),
        "milex": ("sipri_milex_workbook", "milex", dt.date(2025, 4, 30)),  # the workbook's saved date, set below
        "nato": ("nato_defence_expenditure_tables", "nato", dt.date(2024, 6, 17)),
        "population": ("worldbank_wdi_csv", "population", dt.date(2026, 4, 8)),  # 'Last Updated Date'
    }
    countries = country_table()
    for number, (file_id, (parser, role, published)) in enumerate(expected.items()):
        suffix = Path(ff.FIXTURE_FILES[file_id][0]).suffix
        path = ff.write_fixture_file(file_id, tmp_path / f"download-{number}{suffix}")
        if suffix == ".xlsx":
            _set_saved(path, published)
        found = recognise(path, path.name, countries)
        assert (found.parser, found.role) == (parser, role), file_id
        if published is not None:
            assert found.published == published, file_id
        assert found.raw_path.startswith(f"{found.source}/") and found.raw_path.endswith(path.name)
    assert recognise(tmp_path / "download-0.csv", "x", countries).edition == "trade register, March 2026 release"


def test_an_export_of_per_supplier_tables_is_recognised_as_supplier_pairs(tmp_path: Path) -> None:
    """SIPRI's 2024 pairs (one portal export of per-supplier tables, 'Data generated: 24 Apr 2025') get their own
    parser and role, and the release of their data year's spring."""
    path = tmp_path / "download.csv"
    path.write_text(ff.SUPPLIER_BLOCKS, encoding="ascii")
    found = recognise(path, path.name, country_table())
    assert (found.parser, found.role, found.source_release) == ("sipri_tiv_supplier_blocks", "supplier_pairs_tiv",
                                                                "2025")
    assert found.published == dt.date(2025, 4, 24) and (found.first_year, found.last_year) == (2024, 2024)
    assert found.id == "sipri_at_supplier_pairs_2024_of_2025"
    assert found.edition == "TIV by supplier and recipient 2024, March 2025 release"


def _nato_edition(path: Path, years: list, base_year: int = 2021, title3: str | None = None) -> Path:
    """The NATO fixture as a later edition: other year headers, another price base, optionally a new title."""
    def mutate(book: openpyxl.Workbook) -> None:
        for sheet in ("TABLE2", "TABLE3", "TABLE5", "TABLE8a", "TABLE8b"):
            ws = book[sheet]
            for col, year in enumerate(years, start=4):
                ws.cell(row=8, column=col, value=year)
            for row in ws.iter_rows(min_col=2, max_col=2):
                if row[0].value == "Constant 2015 prices and exchange rates":
                    row[0].value = f"Constant {base_year} prices and exchange rates"
        if title3 is not None:
            book["TABLE3"]["B4"] = title3

    return _set_saved(ff.nato_workbook(path, mutate), dt.date(2025, 8, 28))


def test_a_newer_nato_edition_is_read_with_its_edition_and_estimate_years(tmp_path: Path) -> None:
    """NATO's August 2025 edition (2014-2025, estimates for 2024 and 2025, at 2021 prices in this fixture) keeps
    the published layout: it is recognised as the 2025 edition and parsed, its constant prices named by base year."""
    path = _nato_edition(tmp_path / "def-exp-2025-TABLES-en.xlsx", [2023, "2024e", "2025e"])
    found = recognise(path, path.name, country_table())
    assert found.id == "nato_defence_expenditure_2025"
    assert found.edition == "Defence Expenditure of NATO Countries (2023-2025), August 2025"
    assert found.raw_path == "nato_defence_expenditure/2025_edition/def-exp-2025-TABLES-en.xlsx"
    assert "estimates: 2024, 2025" in found.kind
    frame = parse_nato(path, path.name, country_table())[""]
    assert sorted(frame.loc[frame["estimate"], "year"].unique()) == [2024, 2025]
    constant = frame[frame["measure"] == "nato_defexp_constant_usd"]
    assert set(constant["unit"]) == {"USD m, constant 2021 prices"}
    poland = frame[(frame["code"] == "POL") & (frame["measure"] == "nato_share_of_gdp") & (frame["year"] == 2025)]
    assert poland["value"].tolist() == [pytest.approx(0.0412)]  # the fixture's 4.12% under the '2025e' header


def test_a_nato_table_with_a_new_definition_is_refused_saying_what_differs(tmp_path: Path) -> None:
    """An edition whose Table 3 reports core defence under the Hague definition is not read as the old table."""
    new_title = "Table 3 : Core defence expenditure as a share of GDP and annual real change"
    path = _nato_edition(tmp_path / "tables.xlsx", [2023, "2024e", "2025e"], title3=new_title)
    with pytest.raises(InputError) as error:
        recognise(path, "tables.xlsx", country_table())
    message = str(error.value)
    assert "sheet 'TABLE3', row 4, column B" in message
    assert new_title in message and "Table 3 : Defence expenditure as a share of GDP and annual real change" in message
    assert "changed what the table reports" in message


# --- the command on the fixture project ---------------------------------------------------------------------------

def test_add_release_writes_the_manifest_keeps_its_comments_and_reports(project: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    """A newer register: one new entry before the one it replaces, every other file carried over, the comments
    and the existing entries' text unchanged, the data and metrics of the new release computed, nothing
    published, and the report naming the new year."""
    manifest = project / "data" / "sources.toml"
    manifest.write_text("# the data editor's note, kept\n" + manifest.read_text())
    before = manifest.read_text()
    downloads = _downloads(tmp_path)
    (downloads / "register export.csv").write_bytes(ff.register_bytes(NEWER_RECORDS, NEWER_REGISTER_PREAMBLE))
    assert main(["add-release", "next", "--from", str(downloads)], root=project) == 0
    out = capsys.readouterr().out
    after = manifest.read_text()
    assert after.startswith("# the data editor's note, kept\n")
    loaded = load_manifest(manifest, set(PARSERS))
    release = loaded.release("next")
    assert (release.date, release.last_data_year) == (dt.date(2027, 3, 16), 2024)  # milex (carried) stops at 2024
    new = [f for f in release.files if f.releases == ("next",)]
    assert [(f.id, f.parser, f.role, f.url) for f in new] == [
        ("sipri_at_register_2027", "sipri_trade_register", "transfers", "")]
    assert new[0].sha256 == hashlib.sha256((downloads / "register export.csv").read_bytes()).hexdigest()
    assert new[0].path == "sipri_arms_transfers/2027_release/register export.csv"
    assert (project / "data" / "raw" / new[0].path).read_bytes() == (downloads / "register export.csv").read_bytes()
    assert sorted(f.id for f in release.files if f not in new) == sorted(
        f.id for f in loaded.release("test").files if f.role != "transfers")
    ids = [f.id for f in loaded.files]
    assert ids.index("sipri_at_register_2027") == ids.index("register") - 1  # newest first, as the manifest lists
    # the old entries and comments are as they were, save the new release's name in the lists of those carried over
    unchanged = after.replace(tomllib_free_block(after, "sipri_at_register_2027"), "").replace(', "next"]', "]")
    table = unchanged.index("[releases.next]\n")
    assert unchanged[:table] + unchanged[unchanged.index("\n\n", table) + 2:] == before
    assert (project / "_build" / "next" / "data" / "metrics.csv").is_file()
    assert not (project / "reports" / "next").exists()
    assert "# Data release next against test" in out
    # the milex file carried over stops at 2024, so the release does too: the 2026 delivery is not a new year
    assert "SIPRI arms imports by year: 2024 -> 2024 (no new period since release test)" in out
    # the newer register decides what was delivered: the larger Patriot deliveries raise Poland's US share in both
    # windows, and the US deliveries to Ukraine that the older US table prints (2022-2023) but no deal of the newer
    # register lists count nowhere (the fixture register has no US deal with Ukraine)
    revised = out[out.index("- US share of arms imports: 4 of"):out.index("- Arms imports, TIV m:")]
    assert re.fullmatch(r"- US share of arms imports: 4 of \d+ figures revised, largest first:\n"
                        r"    Ukraine, 2019-2023: 32.0% -> 0.0% \(-32.0 points\)\n"
                        r"    Ukraine, 2020-2024: 32.0% -> 0.0% \(-32.0 points\)\n"
                        r"    Poland, 2020-2024: [\d.]+% -> [\d.]+% \(\+[\d.]+ points\)\n"
                        r"    Poland, 2019-2023: [\d.]+% -> [\d.]+% \(\+[\d.]+ points\)\n", revised), revised
    assert "military spending as a share of GDP (SIPRI), latest year: no country moved" in out
    assert "## Plausibility findings that need review\n\n- none" in out
    assert "fill in the publisher's download URL (`url`) of: sipri_at_register_2027" in out
    assert "nothing was published" in out


def test_filling_in_a_url_refreshes_the_sources_table(project: Path) -> None:
    """The URL add-release leaves for the editor reaches sources.csv on the next build (it is not stale)."""
    assert main(["metrics"], root=project) == 0
    sources = project / "_build" / "test" / "data" / "sources.csv"
    assert "https://example.org/nato-tables.xlsx" not in sources.read_text()
    manifest = project / "data" / "sources.toml"
    text = manifest.read_text()
    block = tomllib_free_block(text, "nato")
    manifest.write_text(text.replace(block, block.replace('url = ""', 'url = "https://example.org/nato-tables.xlsx"')))
    assert main(["metrics"], root=project) == 0
    assert "https://example.org/nato-tables.xlsx" in sources.read_text()


def tomllib_free_block(text: str, file_id: str) -> str:
    """The text of the [[files]] entry `file_id` (from its header to the blank line after it)."""
    start = text.index(f'[[files]]\nid = "{file_id}"')
    return text[start:text.index("\n\n", start) + 2]


@pytest.mark.parametrize("case", ["unknown file", "duplicate", "same kind twice", "wrong indicator",
                                  "renamed format", "already pinned", "older than the base", "empty folder"])
def test_a_bad_folder_is_refused_with_the_reason_and_changes_nothing(project: Path, tmp_path: Path, case: str,
                                                                      capsys: pytest.CaptureFixture) -> None:
    downloads = _downloads(tmp_path)
    register = ff.register_bytes(NEWER_RECORDS, NEWER_REGISTER_PREAMBLE)
    (downloads / "register.csv").write_bytes(register)
    expected: tuple[str, ...]
    if case == "unknown file":
        (downloads / "notes.csv").write_text("country,budget\nPoland,100\n")
        expected = ("notes.csv", "not a file the project reads", "'country,budget'")
    elif case == "duplicate":
        (downloads / "register (1).csv").write_bytes(register)
        expected = ("register (1).csv", "register.csv", "are the same file")
    elif case == "same kind twice":
        (downloads / "other.csv").write_bytes(ff.register_bytes(NEWER_RECORDS[:3], NEWER_REGISTER_PREAMBLE))
        expected = ("other.csv", "are both a SIPRI trade register", "keep the newer")
    elif case == "wrong indicator":
        (downloads / "API_NY.GDP.csv").write_text(ff.WORLDBANK.replace("SP.POP.TOTL", "NY.GDP.MKTP.CD")
                                                  .replace("Population, total", "GDP (current US$)"), "utf-8")
        expected = ("API_NY.GDP.csv", "indicator NY.GDP.MKTP.CD", "only population (SP.POP.TOTL)")
    elif case == "renamed format":
        (downloads / "register.csv").rename(downloads / "register.xlsx")
        expected = ("register.xlsx", "the content is a SIPRI trade register", "ends in '.xlsx'")
    elif case == "already pinned":
        shutil.copy(project / "mirror" / ff.FIXTURE_FILES["nato"][0], downloads / "nato.xlsx")
        expected = ("nato.xlsx", "already in data/sources.toml as 'nato'", "carried over")
    elif case == "older than the base":
        (downloads / "register.csv").write_bytes(ff.register_bytes(
            preamble=[*ff.REGISTER_PREAMBLE[:-1], "Data generated: 2 Jan 2026 9:00:00 AM"]))
        manifest = project / "data" / "sources.toml"
        manifest.write_text(manifest.read_text().replace('id = "register"', 'id = "register"\npublished = 2026-05-18'))
        expected = ("register.csv", "older than the file release test reads", "2026-01-02")
    else:
        (downloads / "register.csv").unlink()
        expected = ("the folder holds no files", "nothing was changed")
    state = _state(project)
    assert main(["add-release", "next", "--from", str(downloads)], root=project) == 2
    message = capsys.readouterr().err
    for text in expected:
        assert text in message, (case, message)
    assert _state(project) == state, case


def test_a_release_name_already_used_is_refused(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    downloads = _downloads(tmp_path)
    (downloads / "r.csv").write_bytes(ff.register_bytes(NEWER_RECORDS, NEWER_REGISTER_PREAMBLE))
    state = _state(project)
    assert main(["add-release", "test", "--from", str(downloads)], root=project) == 2
    assert "already has a release 'test'" in capsys.readouterr().err
    assert _state(project) == state


# --- the real 2026 release, rebuilt from its files ----------------------------------------------------------------

@pytest.mark.realdata
def test_add_release_2026_from_its_files_equals_the_committed_release_and_site(briefs_project, tmp_path: Path,
                                                                              capsys: pytest.CaptureFixture) -> None:
    """A manifest with releases 2024 and 2025 only, then `add-release 2026 --from` a folder of the files the
    committed 2026 release adds (copied from the mirror under their download names): the entries written equal the
    committed ones (kind, parser, sha256, path, edition, publication date, title), the release table too, and once
    the download URLs are filled in as a data editor would, the site built from it equals the site built from the
    committed manifest, file for file (the pages' 'built on' line aside, as in the reproducibility test)."""
    committed_text = (ROOT / "data" / "sources.toml").read_text()
    committed = load_manifest(ROOT / "data" / "sources.toml", set(PARSERS))
    added = [f for f in committed.release("2026").files if f.releases == ("2026",)]
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "sources.toml").write_text(manifest_without(committed_text, "2026"))
    shutil.copy(ROOT / "data" / "reviewed_findings.toml", root / "data")
    for name in ("notebooks", "_quarto.yml", "methodology.md"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, root / name)
    downloads = _downloads(tmp_path)
    for source_file in added:
        shutil.copy(Path(MIRROR) / source_file.path, downloads / Path(source_file.path).name)

    assert main(["add-release", "2026", "--from", str(downloads)], root=root) == 0
    report = capsys.readouterr().out
    written = load_manifest(root / "data" / "sources.toml", set(PARSERS))
    fields = ("id", "title", "edition", "published", "source", "publisher", "source_release", "path", "parser", "role",
              "releases", "landing_page", "sha256", "size")
    assert sorted(tuple(getattr(f, k) for k in fields) for f in written.release("2026").files) == sorted(
        tuple(getattr(f, k) for k in fields) for f in committed.release("2026").files)
    release, expected = written.release("2026"), committed.release("2026")
    assert (release.title, release.date, release.last_data_year) == (expected.title, expected.date,
                                                                      expected.last_data_year)
    assert [f.id for f in written.files] == [f.id for f in committed.files]  # the same order
    for heading in ("## New years and windows", "## Revised history", "## Countries whose key figures moved most",
                    "## Plausibility findings that need review"):
        assert heading in report
    assert "SIPRI military expenditure: 2024 -> 2025; new: 2025" in report

    # the data editor fills in the download URLs and public copies, then builds
    document = tomllib.loads(committed_text)
    pins = {entry["id"]: entry for entry in document["files"]}
    text = (root / "data" / "sources.toml").read_text()
    for source_file in added:
        entry = pins[source_file.id]
        block = tomllib_free_block(text, source_file.id)
        url = f'url = "{entry.get("url", "")}"'
        copies = "copies = [" + ", ".join(f'"{c}"' for c in entry.get("copies", [])) + "]"
        filled = block.replace(next(line for line in block.splitlines() if line.startswith("url = ")),
                               url + "\n" + copies)
        text = text.replace(block, filled)
    (root / "data" / "sources.toml").write_text(text)
    assert main(["briefs"], root=root) == 0
    ours = tree_digest((root / "reports" / "2026").resolve())
    theirs = tree_digest((briefs_project.reports_dir / "2026").resolve())
    assert sorted(ours) == sorted(theirs)
    differing = [p for p in ours if ours[p] != theirs[p]]
    for name in differing:
        mine = (root / "reports" / "2026" / name).read_text().splitlines()
        other = (briefs_project.reports_dir / "2026" / name).read_text().splitlines()
        changed = [(a, b) for a, b in zip(mine, other, strict=True) if a != b]
        assert name.endswith(".html") and len(changed) == 1 and "built on" in changed[0][0].lower(), (name, changed)


# --- all or nothing ------------------------------------------------------------------------------------------------

def test_a_register_with_deliveries_after_its_own_date_is_refused_at_recognition(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    downloads = _downloads(tmp_path)
    records = [*NEWER_RECORDS[:-1], NEWER_RECORDS[-1].replace(",2026,New,", ",2099,New,")]
    (downloads / "register.csv").write_bytes(ff.register_bytes(records, NEWER_REGISTER_PREAMBLE))
    state = _state(project)
    assert main(["add-release", "next", "--from", str(downloads)], root=project) == 2
    message = capsys.readouterr().err
    row = len(NEWER_REGISTER_PREAMBLE) + 1 + len(records)  # the preamble, the header, then the records: the last
    assert f"register.csv, row {row}, column 11 (Year(s) of delivery)" in message, message
    assert "a delivery in 2099, after the file's own 'Data generated' date (16 March 2027)" in message
    assert _state(project) == state
    assert not (project / "data" / "tidy" / "next").exists()


def test_a_utf16_file_is_named_with_what_to_do(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    downloads = _downloads(tmp_path)
    text = ff.register_bytes(NEWER_RECORDS, NEWER_REGISTER_PREAMBLE).decode("latin-1")
    (downloads / "register.txt").write_bytes(text.encode("utf-16"))  # Excel's 'Unicode Text' (with its BOM)
    state = _state(project)
    assert main(["add-release", "next", "--from", str(downloads)], root=project) == 2
    message = capsys.readouterr().err
    assert "register.txt" in message and "UTF-16 text" in message and "download the file again" in message
    assert _state(project) == state


def test_a_failure_after_the_manifest_is_written_leaves_the_project_building_as_before(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A register that passes recognition and the data stage but stops the metrics (a weapon description no
    category knows): the manifest, data/raw and the new release's folders are as they were, and the project then
    builds exactly as before."""
    assert main(["metrics"], root=project) == 0  # the fixture project has no notebooks: data and metrics
    built = {**tree_digest(project / "_build" / "test" / "data"), **tree_digest(project / "data" / "tidy")}
    state = _state(project)
    downloads = _downloads(tmp_path)
    records = [*NEWER_RECORDS, "Poland,Germany,2024,,2,,Laser-X,laser cannon,,,,New,,10,20,"]
    (downloads / "register.csv").write_bytes(ff.register_bytes(records, NEWER_REGISTER_PREAMBLE))
    capsys.readouterr()
    assert main(["add-release", "next", "--from", str(downloads)], root=project) == 2
    captured = capsys.readouterr()
    assert "'laser cannon'" in captured.err and "no category" in captured.err, captured.err
    assert "add-release next: stopped; data/sources.toml and data/raw are as they were" in captured.out
    assert _state(project) == state
    assert not (project / "data" / "tidy" / "next").exists() and not (project / "_build" / "next").exists()
    assert main(["metrics"], root=project) == 0
    assert {**tree_digest(project / "_build" / "test" / "data"), **tree_digest(project / "data" / "tidy")} == built


# --- NATO's 2025 and 2026 layouts ------------------------------------------------------------------------------------

def _nato_cell(frame, code: str, measure: str, year: int):
    rows = frame[(frame["code"] == code) & (frame["measure"] == measure) & (frame["year"] == year)]
    assert len(rows) == 1, (code, measure, year, len(rows))
    return rows.iloc[0]


def test_the_2026_edition_is_read_as_core_defence_with_nato_s_published_values(tmp_path: Path) -> None:
    """def-exp-2026-en.xlsx: sheets 'Table 1' ... found by their titles, core defence kept apart from the earlier
    definition; the values asserted are NATO's published ones (July 2026 edition), to the printed digit."""
    path = _set_saved(ff.nato_workbook_2025_layout(tmp_path / "def-exp-2026-en.xlsx", 2026), dt.date(2026, 7, 1))
    found = recognise(path, path.name, country_table())
    assert found.id == "nato_defence_expenditure_2026"
    assert "2026 edition (estimates: 2025, 2026; core defence, the Hague definition)" in found.kind
    frame = parse_nato(path, path.name, country_table())[""]
    kronor = _nato_cell(frame, "SWE", "nato_core_defexp_current_ncu", 2024)
    assert kronor["value"] == 140549 and kronor["unit"] == "Kronor m, current prices" and not kronor["estimate"]
    current = _nato_cell(frame, "SWE", "nato_core_defexp_current_usd", 2026)
    assert current["value"] == 24186 and current["estimate"]
    constant = _nato_cell(frame, "SWE", "nato_core_defexp_constant_usd", 2026)
    assert constant["value"] == 21538 and constant["unit"] == "USD m, constant 2021 prices"
    assert _nato_cell(frame, "SWE", "nato_core_share_of_gdp", 2026)["value"] == pytest.approx(0.0322)
    assert _nato_cell(frame, "SWE", "nato_core_equipment_share", 2026)["value"] == pytest.approx(0.2541)
    assert _nato_cell(frame, "USA", "nato_core_defexp_current_usd", 2026)["value"] == 1032849
    assert "ISL" not in set(frame["code"])  # Iceland has no row in 2026
    assert frame.loc[frame["code"] == "SVN", "footnote"].all() and not frame.loc[frame["code"] == "SWE",
                                                                                  "footnote"].any()
    assert not frame["measure"].isin(["nato_share_of_gdp", "nato_defexp_current_usd"]).any()  # never one line
    assert {"nato_gdp_current_usd", "nato_core_real_change"} <= set(frame["measure"])


def test_the_2025_edition_keeps_the_earlier_definition(tmp_path: Path) -> None:
    path = _set_saved(ff.nato_workbook_2025_layout(tmp_path / "def-exp-2025-en.xlsx", 2025), dt.date(2025, 8, 28))
    found = recognise(path, path.name, country_table())
    assert found.id == "nato_defence_expenditure_2025" and "core defence" not in found.kind
    frame = parse_nato(path, path.name, country_table())[""]
    equipment = _nato_cell(frame, "SWE", "nato_equipment_share", 2025)  # NATO, August 2025: 35.827%
    assert equipment["value"] == pytest.approx(0.35827) and equipment["estimate"] and equipment["footnote"]
    assert not frame["measure"].str.startswith("nato_core_").any()


@pytest.mark.parametrize(("change", "expected"), [
    ("block", ("sheet 'Table 3', row 4, column A", "unknown block 'Share of nominal GDP (%)'")),
    ("value", ("sheet 'Table 2', row 6, column C", "expected a number, found 'n.a.'")),
    ("title", ("no sheet titled 'Table 8a: ...'",)),
    ("mixed", ("sheet 'Table 3', row 1, column A", "mix NATO's two definitions")),
])
def test_a_2025_layout_that_does_not_fit_is_refused_naming_sheet_row_and_column(tmp_path: Path, change: str,
                                                                                  expected: tuple[str, ...]) -> None:
    def mutate(book: openpyxl.Workbook) -> None:
        if change == "block":
            book["Table 3"]["A4"] = "Share of nominal GDP (%)"
        elif change == "value":
            book["Table 2"]["C6"] = "n.a."
        elif change == "title":
            book["Table 8a"]["A1"] = "Distribution by category"
        else:
            book["Table 3"]["A1"] = "Table 3: Defence expenditure as a share of GDP and annual real change"

    path = ff.nato_workbook_2025_layout(tmp_path / "def-exp-2026-en.xlsx", 2026, mutate)
    with pytest.raises(InputError) as raised:
        parse_nato(path, path.name, country_table())
    for text in expected:
        assert text in str(raised.value), str(raised.value)


def test_a_nato_edition_that_moves_final_figures_stops_for_review_and_goes_in_once_accepted(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """NATO's 2025 layout replacing the 2024 one: Poland's final 2022 figures differ (the fixtures' made-up cells)
    and the new edition does not mark Poland as revised, so add-release stops with the findings, changes nothing,
    and goes in once a data editor accepts them; the release then has the new edition's figures in metrics.csv."""
    downloads = _downloads(tmp_path)
    _set_saved(ff.nato_workbook_2025_layout(downloads / "def-exp-2025-en.xlsx", 2025), dt.date(2025, 8, 28))
    state = _state(project)
    assert main(["add-release", "next", "--from", str(downloads), "--date", "2026-08-01"], root=project) == 2
    out = capsys.readouterr().out
    assert "nato_revision: data/raw/nato_defence_expenditure/2025_edition/def-exp-2025-en.xlsx, sheet 'Table 2'" in out
    assert "POL nato_defexp_current_usd for 2022 is 1.68e+04 in the new edition but 1.3e+04" in out
    assert "release next was not added" in out and _state(project) == state
    entries = sorted(set(re.findall(r'check = "nato_revision"\n\s*country = "(\w+)"\n\s*year = (\d+)', out)))
    assert entries == [("NATO", "2022"), ("NATO_EUROPE_CANADA", "2022"), ("POL", "2022")]  # the made-up cells
    reviewed = project / "data" / "reviewed_findings.toml"
    reviewed.write_text((reviewed.read_text() if reviewed.is_file() else "") + "".join(
        f'\n[[accept]]\ncheck = "nato_revision"\ncountry = "{code}"\nyear = {year}\nreason = "checked in both '
        f'editions"\n' for code, year in entries))
    assert main(["add-release", "next", "--from", str(downloads), "--date", "2026-08-01"], root=project) == 0
    metrics = pd.read_csv(project / "_build" / "next" / "data" / "metrics.csv", dtype={"period": str})
    sweden = metrics[(metrics["country"] == "SWE") & (metrics["metric"] == "nato_equipment_share")
                     & (metrics["period"] == "2024")]
    # the release's data end in 2024 (SIPRI's spending file, carried over): the fixture's 2024 cell, 20% x 1.5
    assert sweden["value"].tolist() == [pytest.approx(0.30)]
    nato = load_table(Project(project), "next", "nato")
    published = nato[(nato["code"] == "SWE") & (nato["measure"] == "nato_equipment_share") & (nato["year"] == 2025)]
    assert published["value"].tolist() == [pytest.approx(0.35827)]  # NATO's published 35.827%, August 2025


@pytest.mark.parametrize("edition", [2025, 2026])
def test_a_brief_is_rendered_from_each_nato_layout(published_fixture_project: tuple[Path, Path], tmp_path: Path,
                                                    edition: int) -> None:
    """The fixture project with NATO's 2025 or 2026 layout added as a release and its briefs built: Poland's brief
    shows NATO's figures of that edition, the 2026 one as core defence apart from the earlier definition."""
    root = copy_project(published_fixture_project[0], tmp_path / "project")
    mirror = published_fixture_project[1]
    downloads = _downloads(tmp_path)
    saved = dt.date(2025, 8, 28) if edition == 2025 else dt.date(2026, 7, 1)
    _set_saved(ff.nato_workbook_2025_layout(downloads / f"def-exp-{edition}-en.xlsx", edition), saved)
    # the fixtures' made-up 2022 cells differ from the 2024 fixture's (in 2026 the GDP only, the one series both
    # definitions share): accepted as a data editor would, after checking
    (root / "data" / "reviewed_findings.toml").write_text("".join(
        f'[[accept]]\ncheck = "nato_revision"\ncountry = "{code}"\nyear = 2022\nreason = "fixture"\n\n'
        for code in ("NATO", "NATO_EUROPE_CANADA", "POL")))
    assert main(["add-release", "next", "--from", str(downloads), "--date", "2026-08-01", "--mirror", str(mirror),
                 "--build"], root=root) == 0
    page = (root / "reports" / "next" / "countries" / "POL.html").read_text(encoding="utf-8")
    text = " ".join(BeautifulSoup(page, "html.parser").get_text().split())
    # Poland in the fixture, 2024: share 2.0% x 1.5 = 3.00%; spending 12,000 x 1.5 = 18,000 US$ m, GDP 50 times
    # that, 900,000: the gap is measured on NATO's share, (3.5% - 3.00%) x 900,000 = 4,500 short
    if edition == 2026:
        assert "Core defence, share of GDP (NATO, Hague definition)" in text
        assert ("By NATO’s core-defence definition (agreed at The Hague, June 2025, and published from NATO’s 2026 "
                "edition) Poland’s core defence expenditure in 2024 was 3.00% of GDP; reaching 3.5% would take "
                "$4.5 bn more a year") in text
        assert "Defence expenditure, share of GDP (NATO)" not in text  # the earlier definition: not in this edition
        assert "NATO has published newer editions" not in text
    else:
        assert "By NATO’s definition Poland’s defence expenditure in 2024 was 3.00% of GDP (NATO’s August 2025" in text
        assert "Core defence" not in text
        assert ("NATO has published newer editions than the one used here: 2026 (July 2026). The 2026 edition "
                "(2014–2026e) reports core defence expenditure") in text
    assert "SIPRI figures)" not in text  # NATO's targets are measured on NATO's figures
