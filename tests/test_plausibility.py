"""Plausibility checks: hand-made tables with one implausible figure each, the real data passing (with the
findings a data editor accepted), and a build stopped by an implausible fixture with nothing published changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import fixture_files as ff
import pandas as pd
import pytest
from conftest import copy_project, published_digest, tree_digest

from defence_briefs.cli import main
from defence_briefs.countries import country_table
from defence_briefs.ingest import PARSERS
from defence_briefs.ingest.stage import load_table
from defence_briefs.manifest import DataRelease, Manifest, load_manifest
from defence_briefs.metrics import plausibility as pl
from defence_briefs.project import Project

COUNTRIES = country_table()


def _release(name: str = "test", year: int = 2024, date: dt.date = dt.date(2025, 4, 30)) -> DataRelease:
    return DataRelease(name, "t", date, year, ())


def _milex(values: dict[int, float], flags: dict[int, str] | None = None, code: str = "POL") -> pd.DataFrame:
    """Constant-USD rows of one country; `flags` holds a row's footnote symbols by year."""
    flags = flags or {}
    return pd.DataFrame([{"code": code, "measure": "milex_constant_usd", "year": y, "value": v,
                          "flags": flags.get(y), "footnotes": None, "estimate": False, "uncertain": False,
                          "source_ref": f"sheet 'Constant (2023) US$', row 10, column {chr(64 + y - 2018)}",
                          "source_file": "milex"} for y, v in values.items()])


def test_spending_jump_needs_a_flag_in_the_source(tmp_path: Path) -> None:
    project = Project(tmp_path)
    findings = pl.spending_jumps(_milex({2021: 100.0, 2022: 150.0, 2023: 301.0, 2024: 300.0}), COUNTRIES,
                                 _release(), project)
    assert [(f.check, f.country, f.year) for f in findings] == [("spending_jump", "POL", 2023)]
    assert "from 150.0 m in 2022 to 301.0 m in 2023 (x2.01)" in findings[0].message
    assert "row 10, column E" in findings[0].where
    halved = pl.spending_jumps(_milex({2021: 100.0, 2022: 49.0}), COUNTRIES, _release(), project)
    assert [(f.country, f.year) for f in halved] == [("POL", 2022)]
    # an estimate on either year, or a value exactly doubled, passes; a row's footnote symbol does not
    flagged = _milex({2022: 150.0, 2023: 301.0})
    flagged.loc[flagged["year"] == 2022, "estimate"] = True
    assert pl.spending_jumps(flagged, COUNTRIES, _release(), project) == []
    noted = pl.spending_jumps(_milex({2022: 150.0, 2023: 301.0}, {2023: "‡"}), COUNTRIES, _release(), project)
    assert len(noted) == 1 and "the row's notes '‡' apply to every year" in noted[0].message
    assert pl.spending_jumps(_milex({2022: 150.0, 2023: 300.0}), COUNTRIES, _release(), project) == []
    # outside Europe the briefs do not report spending
    assert pl.spending_jumps(_milex({2022: 1.0, 2023: 9.0}, code="USA"), COUNTRIES, _release(), project) == []


def test_accepted_finding_lets_the_check_pass(tmp_path: Path) -> None:
    project = Project(tmp_path)
    tables = {"milex": _milex({2023: 100.0, 2024: 250.0})}
    with pytest.raises(pl.PlausibilityError) as raised:
        pl.check_tables(project, _release(), tables, COUNTRIES)
    message = str(raised.value)
    assert "Poland's military expenditure" in message and 'country = "POL"' in message and "year = 2024" in message
    (tmp_path / "data").mkdir()
    entry = raised.value.findings[0].accept_entry().replace("<what you checked in the source>", "checked")
    (tmp_path / pl.REVIEWED_FILE).write_text(entry + "\n", encoding="utf-8")
    pl.check_tables(project, _release(), tables, COUNTRIES)
    (tmp_path / pl.REVIEWED_FILE).write_text('[[accept]]\ncheck = "spending_jump"\ncountry = "POL"\nyear = 2024\n')
    with pytest.raises(pl.DataError, match="entry 1 lacks reason"):
        pl.check_tables(project, _release(), tables, COUNTRIES)


def _nato(year: int, members: dict[str, float], aggregate: float) -> pd.DataFrame:
    rows = [{"code": c, "measure": "nato_defexp_current_usd", "year": year, "value": v,
             "source_ref": f"sheet 'TABLE2', row {i}, column D", "source_file": "nato"}
            for i, (c, v) in enumerate(members.items(), start=11)]
    rows.append({"code": "NATO_EUROPE_CANADA", "measure": "nato_defexp_current_usd", "year": year,
                 "value": aggregate, "source_ref": "sheet 'TABLE2', row 50, column D", "source_file": "nato"})
    return pd.DataFrame(rows)


def test_nato_aggregate_is_the_sum_of_that_years_members(tmp_path: Path) -> None:
    project = Project(tmp_path)
    members_2022 = COUNTRIES.members("NATO_EUROPE", 2022)  # without Finland and Sweden
    assert "FIN" not in members_2022 and "SWE" not in members_2022
    values = {code: 100.0 for code in [*members_2022, "CAN"]}
    right = _nato(2022, {**values, "FIN": 50.0, "SWE": 70.0}, 100.0 * len(values))
    assert pl.nato_aggregates(right, COUNTRIES, _release(), project) == []
    wrong = _nato(2022, {**values, "FIN": 50.0}, 100.0 * len(values) + 50.0)  # FIN counted a year early
    findings = pl.nato_aggregates(wrong, COUNTRIES, _release(), project)
    assert len(findings) == 1 and "NATO_EUROPE_CANADA nato_defexp_current_usd for 2022" in findings[0].message
    assert "sheet 'TABLE2', row 50, column D" in findings[0].where


def test_world_total_allows_rounding_only(tmp_path: Path) -> None:
    project = Project(tmp_path)

    def table(world: float) -> pd.DataFrame:
        rows = [("UKR", 2000.0), ("POL", 500.0), ("DEU", 0.0), ("WLD", world)]
        return pd.DataFrame([{"code": c, "year": 2022, "tiv": v, "source_ref": f"line {i}, column 2 (2022)",
                              "source_file": "totals"} for i, (c, v) in enumerate(rows, start=11)])

    assert pl.tiv_world_totals(table(2502.0), _release(), project, "imports") == []  # 3 cells: up to 2 off
    findings = pl.tiv_world_totals(table(2503.0), _release(), project, "imports")
    assert len(findings) == 1 and "line 14, column 2 (2022)" in findings[0].where


def test_release_years_must_not_go_backwards(tmp_path: Path) -> None:
    older = _release("2025", 2024, dt.date(2025, 4, 30))
    newer = _release("2026", 2023, dt.date(2026, 5, 18))
    manifest = Manifest(tmp_path / "sources.toml", (), (older, newer))
    with pytest.raises(pl.PlausibilityError, match=r"release 2026 .* has data to 2023, but the earlier release 2025"):
        pl.check_release_order(manifest)
    transfers = pd.DataFrame({"delivery_years": [[2021, 2022], [2023]], "source_file": ["register", "register"]})
    findings = pl.release_reach({"transfers": transfers}, _release("2025", 2024), Project(tmp_path))
    assert len(findings) == 1 and "newest year of arms transfers (deliveries) is 2023" in findings[0].message


def test_metric_shares_and_group_sums(tmp_path: Path) -> None:
    project = Project(tmp_path)
    members = COUNTRIES.members("EU27", 2024)
    rows = [{"country": c, "metric": "milex_current_usd", "period": "2024", "value": 10.0, "source": "s"}
            for c in members]
    rows.append({"country": "EU27", "metric": "milex_current_usd", "period": "2024", "value": 10.0 * len(members),
                 "source": "s"})
    rows.append({"country": "POL", "metric": "us_share_of_arms_imports", "period": "2020-2024", "value": 0.4,
                 "source": "s"})
    good = pd.DataFrame(rows)
    pl.check_metrics(project, _release(), good, COUNTRIES)
    bad = good.copy()
    bad.loc[bad["country"] == "EU27", "value"] += 1.0
    bad.loc[bad["metric"] == "us_share_of_arms_imports", "value"] = 1.2
    with pytest.raises(pl.PlausibilityError) as raised:
        pl.check_metrics(project, _release(), bad, COUNTRIES)
    checks = sorted(f.check for f in raised.value.findings)
    assert checks == ["group_total", "share_range"]
    assert "a share of 1.2000 is outside [0, 1]" in str(raised.value)


@pytest.mark.realdata
def test_real_data_passes_with_only_the_accepted_findings(real_project: Project) -> None:
    """On SIPRI's and NATO's real files every check passes; the spending jumps found are exactly the five a data
    editor accepted (Bulgaria 2019, North Macedonia 2001 and 2002, Ukraine 1994, Kosovo 2009), and NATO's
    aggregates and SIPRI's world totals add up."""
    manifest = load_manifest(real_project.manifest_path, set(PARSERS))
    pl.check_release_order(manifest)
    for release in manifest.releases:
        tables = {t: load_table(real_project, release.name, t) for t in pl.TABLES}
        jumps = pl.spending_jumps(tables["milex"], COUNTRIES, release, real_project)
        assert {(f.country, f.year) for f in jumps} == {("BGR", 2019), ("MKD", 2001), ("MKD", 2002), ("UKR", 1994),
                                                        ("XKX", 2009)}, jumps
        assert pl.nato_aggregates(tables["nato"], COUNTRIES, release, real_project) == []
        for name in ("imports_tiv_totals", "exports_tiv_totals"):
            assert pl.tiv_world_totals(tables[name], release, real_project, name) == []
        assert pl.release_reach(tables, release, real_project) == []


@pytest.mark.realdata
def test_implausible_real_spending_stops_the_metrics(real_project: Project) -> None:
    """Poland's real 2025 spending tripled in the real table: the check names the workbook, sheet, row, column."""
    release = load_manifest(real_project.manifest_path, set(PARSERS)).release("2026")
    milex = load_table(real_project, "2026", "milex")
    row = (milex["code"] == "POL") & (milex["measure"] == "milex_constant_usd") & (milex["year"] == 2025)
    milex.loc[row, "value"] *= 3
    with pytest.raises(pl.PlausibilityError) as raised:
        pl.check_tables(real_project, release, {"milex": milex}, COUNTRIES)
    message = str(raised.value)
    assert "data/raw/sipri_milex/2026_release/SIPRI-Milex-data-1949-2025_v1.2.xlsx, sheet 'Constant" in message
    assert "Poland's military expenditure" in message and "in 2025" in message


def test_implausible_fixture_stops_the_build_and_publishes_nothing(
        published_fixture_project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(published_fixture_project[0], tmp_path / "project")
    mirror = root / "mirror"
    path = mirror / ff.FIXTURE_FILES["milex"][0]
    ff.milex_workbook(path, lambda wb: wb["Constant (2023) US$"].__setitem__("F11", 90000.0))  # Poland 2024 x2.6
    ff.write_manifest(root, mirror)
    reports = published_digest(root / "reports")
    build = tree_digest(root / "_build")
    capsys.readouterr()
    assert main(["--mirror", str(mirror), "--country", "POL"], root=root) == 2
    error = capsys.readouterr().err
    assert "plausibility checks failed for data release test" in error
    assert "sheet 'Constant (2023) US$', row 11, column F" in error and "Poland" in error
    assert published_digest(root / "reports") == reports
    assert tree_digest(root / "_build") == build
