"""The bad-input corpus: malformed variants of every source format, each made from a good fixture by one change.

Each variant is copied into a project whose whole build already ran (tidy tables, metrics and a published
site), then `python build.py` runs again. It must stop with exit code 2 and an error naming the file and the
place (sheet, row, column), and leave data/tidy and the published reports/ byte for byte as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fixture_files as ff
import pytest
from conftest import copy_project, published_digest, tree_digest

from defence_briefs.cli import main


@dataclass(frozen=True)
class Variant:
    file_id: str
    name: str
    write: Callable[[Path], None]
    expect: tuple[str, ...]  # substrings the error message must contain (besides the file name)


def text_variant(file_id: str, name: str, change: Callable[[str], str], *expect: str,
                 encoding: str | None = None) -> Variant:
    base = {"tiv_usa": ff.TIV_EXPORT_USA, "us_exports": ff.US_EXPORTS, "import_totals": ff.IMPORT_TOTALS,
            "population": ff.WORLDBANK}.get(file_id)

    encoding = encoding or {"register": "latin-1", "population": "utf-8"}.get(file_id, "ascii")

    def write(path: Path) -> None:
        if file_id == "register":
            text = ff.register_bytes().decode("latin-1")
            path.write_bytes(change(text).encode(encoding))
        else:
            path.write_bytes(change(base).encode(encoding))

    return Variant(file_id, name, write, expect)


def book_variant(file_id: str, name: str, mutate: Callable, *expect: str) -> Variant:
    writer = ff.milex_workbook if file_id == "milex" else ff.nato_workbook
    return Variant(file_id, name, lambda path: writer(path, mutate), expect)


def raw_variant(file_id: str, name: str, data: Callable[[bytes], bytes], *expect: str) -> Variant:
    def write(path: Path) -> None:
        ff.write_fixture_file(file_id, path)
        path.write_bytes(data(path.read_bytes()))

    return Variant(file_id, name, write, expect)


def _set(sheet: str, cell: str, value: object) -> Callable:
    def mutate(wb) -> None:
        wb[sheet][cell] = value
    return mutate


def _delete_sheet(sheet: str) -> Callable:
    return lambda wb: wb.remove(wb[sheet])


def _rename_sheet(sheet: str, title: str) -> Callable:
    def mutate(wb) -> None:
        wb[sheet].title = title
    return mutate


def _duplicate_row(sheet: str, source_row: int, target_row: int) -> Callable:
    def mutate(wb) -> None:
        ws = wb[sheet]
        for col in range(1, ws.max_column + 1):
            ws.cell(row=target_row, column=col, value=ws.cell(row=source_row, column=col).value)
    return mutate


def _move_row(sheet: str, source_row: int, target_row: int) -> Callable:
    def mutate(wb) -> None:
        _duplicate_row(sheet, source_row, target_row)(wb)
        for col in range(1, wb[sheet].max_column + 1):
            wb[sheet].cell(row=source_row, column=col).value = None  # cell(value=None) would leave it as it was
    return mutate


def _swap_lines(text: str, first: str, second: str) -> str:
    """Swap the line starting with `first` and the line starting with `second`."""
    lines = text.split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith(first))
    j = next(n for n, line in enumerate(lines) if line.startswith(second))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _csv_of_register() -> str:
    return ff.register_bytes().decode("latin-1")


REGISTER_LINE_14 = "Poland,South Korea,2022,,180,?,K2,tank,46,?,2023; 2024; 2025,New,K2PL version,6,1080,276"

VARIANTS = [
    # SIPRI trade register (CSV, Latin-1)
    text_variant("register", "truncated", lambda t: t[: t.index("Bü-181") + 20], "row 19", "truncated"),
    text_variant("register", "wrong encoding", lambda t: t, "UTF-8 encoded", "row 18", encoding="utf-8"),
    text_variant("register", "renamed header", lambda t: t.replace("Year of order", "Order year"),
                 "row 12", "column 3", "'Order year'"),
    text_variant("register", "text in a number cell", lambda t: t.replace(",6,1080,276", ",6,1080,abc"),
                 "row 14", "column 16", "'abc'"),
    text_variant("register", "unknown country", lambda t: t.replace("Poland,South Korea", "Narnia,South Korea"),
                 "'Narnia'", "line 14, column 1"),
    text_variant("register", "header duplicated inside data", lambda t: t + ff.REGISTER_HEADER + "\n",
                 "row 21", "header line appears again"),
    text_variant("register", "bad uncertainty flag", lambda t: t.replace("46,?,2023", "46,x,2023"),
                 "row 14", "column 10", "uncertainty flag"),
    text_variant("register", "bad delivery years", lambda t: t.replace("2023; 2024; 2025", "2023; soon"),
                 "row 14", "column 11", "delivery years"),
    text_variant("register", "negative TIV", lambda t: t.replace(REGISTER_LINE_14, REGISTER_LINE_14[:-3] + "-276"),
                 "line 14", "tiv_delivered", "below the minimum"),
    text_variant("register", "empty file", lambda t: "", "empty"),
    text_variant("register", "another source's file", lambda t: ff.US_EXPORTS, "no header line", "row 1"),
    text_variant("register", "header row moved below a record",
                 lambda t: _swap_lines(t, "Recipient,Supplier", "Poland,United States"), "row 12", "above the header"),
    text_variant("register", "future order year",
                 lambda t: t.replace("Poland,South Korea,2025,", "Poland,South Korea,2052,"),
                 "line 15", "order_year 2052", "after 2026"),
    text_variant("register", "future delivery year", lambda t: t.replace("2023; 2024; 2025", "2023; 2024; 2035"),
                 "line 14", "delivery year 2035"),
    text_variant("register", "missing column", lambda t: t.replace(",status,Comments", ",Comments"), "row 12",
                 "column 12", "'Comments'"),
    text_variant("register", "UTF-8 byte-order mark", lambda t: "\ufeff" + t, "byte-order mark", "row 1",
                 encoding="utf-8"),
    # SIPRI milex workbook
    book_variant("milex", "missing sheet", _delete_sheet("Share of GDP"), "sheet 'Share of GDP'", "missing"),
    book_variant("milex", "renamed header", _set("Current US$", "A6", "Nation"), "sheet 'Current US$'", "column A",
                 "'Country'"),
    book_variant("milex", "text in a number cell", _set("Current US$", "D11", "n/a"), "sheet 'Current US$'",
                 "row 11", "column D", "'n/a'"),
    book_variant("milex", "duplicate country row", _duplicate_row("Current US$", 10, 16), "duplicate",
                 "sheet 'Current US$', row 10", "row 16"),
    book_variant("milex", "unknown country", _set("Per capita", "A11", "Ruritania"), "'Ruritania'",
                 "sheet 'Per capita', row 11, column A"),
    book_variant("milex", "share of GDP above 1", _set("Share of GDP", "E10", 1.7), "sheet 'Share of GDP', row 10",
                 "column E", "above the maximum"),
    book_variant("milex", "duplicated year column", _set("Share of GDP", "E6", 2022), "sheet 'Share of GDP'",
                 "row 6", "column E", "duplicated"),
    raw_variant("milex", "truncated workbook", lambda b: b[: len(b) // 2], "not a readable .xlsx"),
    book_variant("milex", "future year", _set("Current US$", "E6", 2052), "sheet 'Current US$', row 10, column E",
                 "year 2052 is after 2026"),
    book_variant("milex", "header row moved", _move_row("Current US$", 6, 30), "sheet 'Current US$'",
                 "no header row with 'Country'"),
    raw_variant("milex", "empty file", lambda b: b"", "the file is empty"),
    raw_variant("milex", "another source's file", lambda b: ff.register_bytes(), "not an .xlsx workbook",
                 "Transfers of major"),
    book_variant("milex", "negative spending", _set("Constant (2023) US$", "E10", -500.0),
                 "sheet 'Constant (2023) US$', row 10, column E", "below the minimum"),
    book_variant("milex", "missing Notes column", _set("Current US$", "B6", None), "sheet 'Current US$'", "row 6",
                 "'Notes'"),
    book_variant("milex", "renamed sheet", _rename_sheet("Per capita", "Per head"), "sheet 'Per capita' is missing",
                 "Per head"),
    # SIPRI TIV export table
    text_variant("tiv_usa", "truncated", lambda t: t[: t.index("Turkey")], "truncated"),
    text_variant("tiv_usa", "text in a number cell", lambda t: t.replace("Poland,147", "Poland,14x"),
                 "row 13", "column 2 (2019)", "'14x'"),
    text_variant("tiv_usa", "unknown country", lambda t: t.replace("Turkey,", "Freedonia,"), "'Freedonia'",
                 "line 14, column 1"),
    text_variant("tiv_usa", "duplicate recipient row", lambda t: t.replace("Turkey,0,,12,12", "Poland,1,,,1"),
                 "duplicate", "recipient='POL'"),
    text_variant("tiv_usa", "renamed title", lambda t: t.replace("TIV of arms exports from", "Exports of"),
                 "row 1", "column 1"),
    text_variant("tiv_usa", "empty file", lambda t: "", "the file is empty"),
    text_variant("tiv_usa", "wrong encoding", lambda t: t.replace("Turkey", "Türkiye"), "UTF-8 encoded", "row 14",
                 encoding="utf-8"),
    text_variant("tiv_usa", "future year", lambda t: t.replace(",2019,2020,2021,", ",2019,2020,2052,"),
                 "line 12, column 4 (2052)", "after 2026"),
    text_variant("tiv_usa", "duplicated year column", lambda t: t.replace(",2019,2020,2021,", ",2019,2020,2020,"),
                 "row 11", "column 4", "duplicated"),
    text_variant("tiv_usa", "header row moved below a data row", lambda t: _swap_lines(t, ",2019", "Germany"),
                 "row 11", "above the header"),
    text_variant("tiv_usa", "negative TIV", lambda t: t.replace("Poland,147", "Poland,-147"),
                 "line 13, column 2 (2019)", "below the minimum"),
    text_variant("tiv_usa", "another source's file", lambda t: ff.US_EXPORTS, "row 1", "TIV of arms exports from"),
    text_variant("tiv_usa", "missing year column", lambda t: t.replace(",2019,2020,2021,Total", ",2019,2020,Total"),
                 "row 12", "5 fields, the header 4"),
    # US exports by recipient
    text_variant("us_exports", "truncated", lambda t: t[: t.index(",Ukraine") + 12], "row 4", "truncated"),
    text_variant("us_exports", "renamed header", lambda t: t.replace("recipients", "recipient"), "row 1",
                 "supplier,recipients"),
    text_variant("us_exports", "empty file", lambda t: "", "the file is empty"),
    text_variant("us_exports", "wrong encoding", lambda t: t.replace(",Germany", ",Türkiye"), "UTF-8 encoded", "row 3",
                 encoding="utf-8"),
    text_variant("us_exports", "unknown country", lambda t: t.replace(",Ukraine", ",Ruritania"), "'Ruritania'",
                 "line 4, column 2"),
    text_variant("us_exports", "text in a number cell", lambda t: t.replace(",Germany,35,,80", ",Germany,35,,8O"),
                 "row 3", "column 5 (2023)", "'8O'"),
    text_variant("us_exports", "negative TIV", lambda t: t.replace("37,150,634", "37,-150,634"),
                 "line 2, column 4 (2022)", "below the minimum"),
    text_variant("us_exports", "future year", lambda t: t.replace("2021,2022,2023", "2021,2022,2052"),
                 "line 2, column 5 (2052)", "after 2026"),
    text_variant("us_exports", "duplicated year column", lambda t: t.replace("2021,2022,2023", "2021,2022,2022"),
                 "row 1", "column 5", "duplicated"),
    text_variant("us_exports", "another source's file", lambda t: ff.IMPORT_TOTALS, "row 1",
                 "'supplier,recipients,<years>'"),
    text_variant("us_exports", "missing column", lambda t: t.replace("supplier,recipients,", "supplier,"), "row 1",
                 "'supplier,recipients,<years>'"),
    text_variant("us_exports", "second supplier", lambda t: t.replace(",Netherlands", "Russia,Netherlands"),
                 "row 5", "column 1", "second supplier"),
    text_variant("us_exports", "header row moved", lambda t: _swap_lines(t, "supplier,", "United States"),
                 "row 1", "'supplier,recipients,<years>'"),
    # import totals
    text_variant("import_totals", "truncated", lambda t: t[: t.index("Total world")], "truncated"),
    text_variant("import_totals", "text in a number cell", lambda t: t.replace("Poland,500", "Poland,5OO"),
                 "row 12", "column 2 (2022)"),
    text_variant("import_totals", "empty file", lambda t: "", "the file is empty"),
    text_variant("import_totals", "wrong encoding", lambda t: t.replace("Poland,500", "Pölånd,500"), "UTF-8 encoded",
                 "row 12", encoding="utf-8"),
    text_variant("import_totals", "unknown country", lambda t: t.replace("MTA (Myanmar)*", "Oz*"), "'Oz*'",
                 "line 13, column 1"),
    text_variant("import_totals", "negative TIV", lambda t: t.replace("Poland,500", "Poland,-500"),
                 "line 12, column 2 (2022)", "below the minimum"),
    text_variant("import_totals", "future year",
                 lambda t: t.replace("Recipient,2022,2023,2024,", "Recipient,2022,2052,2053,"),
                 "line 11, column 3 (2052)", "after 2026"),
    text_variant("import_totals", "duplicated year column",
                 lambda t: t.replace("Recipient,2022,2023,2024,", "Recipient,2022,2023,2023,"), "row 10", "column 4",
                 "duplicated"),
    text_variant("import_totals", "another source's file", lambda t: ff.US_EXPORTS, "row 1", "'Recipient,'"),
    text_variant("import_totals", "header row moved below a data row",
                 lambda t: _swap_lines(t, "Recipient,", "Ukraine,"), "row 10", "above the header"),
    text_variant("import_totals", "renamed header", lambda t: t.replace("Recipient,", "Country,"), "row 1",
                 "'Recipient,'"),
    text_variant("import_totals", "duplicate recipient row",
                 lambda t: t.replace("Total world", "Poland,1,1,,2,0.0%,2,0.0%\nTotal world"),
                 "duplicate", "code='POL'"),
    text_variant("import_totals", "missing year column",
                 lambda t: t.replace("Recipient,2022,2023,2024,", "Recipient,2022,2024,"), "row 11",
                 "8 fields, the header 7"),
    # NATO workbook
    book_variant("nato", "missing sheet", _delete_sheet("TABLE3"), "sheet 'TABLE3'", "missing"),
    book_variant("nato", "unknown block label", _set("TABLE3", "B10", "Share of nominal GDP (%)"),
                 "sheet 'TABLE3', row 10, column B", "unknown block label"),
    book_variant("nato", "text in a number cell", _set("TABLE3", "E12", "4,1"), "sheet 'TABLE3', row 12",
                 "column E", "'4,1'"),
    book_variant("nato", "unknown country", _set("TABLE5", "C11", "Atlantis"), "'Atlantis'",
                 "sheet 'TABLE5', row 11, column C"),
    book_variant("nato", "duplicate country row", _set("TABLE8a", "C12", "Germany"), "duplicate", "code='DEU'"),
    raw_variant("nato", "empty file", lambda b: b"", "the file is empty"),
    Variant("nato", "another source's file", lambda path: ff.milex_workbook(path), ("sheet 'TABLE2' is missing",)),
    raw_variant("nato", "truncated workbook", lambda b: b[: len(b) * 2 // 3], "not a readable .xlsx"),
    book_variant("nato", "future year", _set("TABLE3", "F8", "2052e"), "sheet 'TABLE3', row 11, column F",
                 "year 2052 is after 2026"),
    book_variant("nato", "duplicated year column", _set("TABLE2", "F8", "2023e"), "sheet 'TABLE2', row 8",
                 "column F", "duplicated"),
    book_variant("nato", "header row moved", _move_row("TABLE5", 8, 30), "sheet 'TABLE5'", "no row of year headers"),
    book_variant("nato", "share of GDP above 1", _set("TABLE3", "D11", 150.0), "sheet 'TABLE3', row 11, column D",
                 "above the maximum"),
    book_variant("nato", "negative GDP", _set("TABLE5", "D11", -4080000.0), "sheet 'TABLE5', row 11, column D",
                 "below the minimum"),
    book_variant("nato", "renamed sheet", _rename_sheet("TABLE8a", "Table 8a"), "sheet 'TABLE8a' is missing"),
    # World Bank
    text_variant("population", "wrong encoding", lambda t: t.lstrip("\ufeff").replace("Poland", "Pölånd"),
                 "not valid utf-8-sig", "row 6", encoding="latin-1"),
    text_variant("population", "renamed header", lambda t: t.replace('"Country Code"', '"Code"'), "row 5",
                 "column 2", "'Code'"),
    text_variant("population", "unknown code", lambda t: t.replace('"POL"', '"PLX"'), "'PLX'", "line 6, column 2"),
    text_variant("population", "duplicate row", lambda t: t + t.splitlines(keepends=True)[5], "duplicate",
                 "code='POL'"),
    text_variant("population", "empty file", lambda t: "", "the file is empty"),
    text_variant("population", "truncated", lambda t: t[: t.index('"SP.POP.TOTL","83797985"') + 10], "row 7",
                 "truncated"),
    text_variant("population", "future year", lambda t: t.replace('"2024","2025"', '"2051","2052"'),
                 "line 6, column 7 (2051)", "after 2026"),
    text_variant("population", "duplicated year column", lambda t: t.replace('"2023","2024"', '"2022","2024"'),
                 "row 5", "column 6", "duplicated"),
    text_variant("population", "header row moved below a data row",
                 lambda t: _swap_lines(t, '"Country Name"', '"Poland"'), "row 5", "above the header"),
    text_variant("population", "text in a number cell", lambda t: t.replace("36821749", "3682l749"), "row 6",
                 "column 5 (2022)", "'3682l749'"),
    text_variant("population", "negative population", lambda t: t.replace("36821749", "-36821749"),
                 "line 6, column 5 (2022)", "below the minimum"),
    text_variant("population", "another source's file", lambda t: ff.US_EXPORTS, "row 1", "'Country Name'"),
    text_variant("population", "missing column", lambda t: t.replace('"Indicator Code",', ""), "row 5", "column 4",
                 "'Indicator Code'"),
    text_variant("population", "unknown indicator", lambda t: t.replace('"SP.POP.TOTL","36821749"',
                                                                       '"MS.MIL.XPND.GD.ZS","36821749"'),
                 "row 6", "column 4", "indicator"),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[f"{v.file_id}: {v.name}" for v in VARIANTS])
def test_malformed_input_stops_the_build_and_changes_nothing(
        published_fixture_project: tuple[Path, Path], tmp_path: Path, variant: Variant,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(published_fixture_project[0], tmp_path / "project")
    mirror = root / "mirror"
    rel = ff.FIXTURE_FILES[variant.file_id][0]
    variant.write(mirror / rel)
    ff.write_manifest(root, mirror)
    tidy_before = tree_digest(root / "data" / "tidy")
    reports_before = published_digest(root / "reports")
    assert reports_before, "the project has no published site to protect"
    capsys.readouterr()
    assert main(["--mirror", str(mirror), "--country", "POL", "--country", "DEU"], root=root) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: "), error
    assert Path(rel).name in error, error
    for expected in variant.expect:
        assert expected in error, f"{expected!r} not in: {error}"
    assert tree_digest(root / "data" / "tidy") == tidy_before
    assert published_digest(root / "reports") == reports_before


def test_corpus_has_ten_variants_of_every_format() -> None:
    formats = {file_id: ff.FIXTURE_FILES[file_id][1] for file_id in ff.FIXTURE_FILES}
    counts: dict[str, int] = {}
    for variant in VARIANTS:
        counts[formats[variant.file_id]] = counts.get(formats[variant.file_id], 0) + 1
    assert set(counts) == set(formats.values())
    assert min(counts.values()) >= 10, counts
    print(f"bad-input corpus: {len(VARIANTS)} malformed inputs over {len(counts)} formats: {counts}")
