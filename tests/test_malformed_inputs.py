"""Malformed inputs: each ends in an InputError naming the file and the place, exit code 2, and data/tidy unchanged.

Every variant is made from a good fixture by one change, then run through the real `data` stage of a
project whose tidy tables were already built from the good fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fixture_files as ff
import pytest
from conftest import tree_digest

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


def _duplicate_row(sheet: str, source_row: int, target_row: int) -> Callable:
    def mutate(wb) -> None:
        ws = wb[sheet]
        for col in range(1, ws.max_column + 1):
            ws.cell(row=target_row, column=col, value=ws.cell(row=source_row, column=col).value)
    return mutate


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
    # US exports by recipient
    text_variant("us_exports", "truncated", lambda t: t[: t.index(",Ukraine") + 12], "row 4", "truncated"),
    text_variant("us_exports", "renamed header", lambda t: t.replace("recipients", "recipient"), "row 1",
                 "supplier,recipients"),
    # import totals
    text_variant("import_totals", "truncated", lambda t: t[: t.index("Total world")], "truncated"),
    text_variant("import_totals", "text in a number cell", lambda t: t.replace("Poland,500", "Poland,5OO"),
                 "row 12", "column 2 (2022)"),
    # NATO workbook
    book_variant("nato", "missing sheet", _delete_sheet("TABLE3"), "sheet 'TABLE3'", "missing"),
    book_variant("nato", "unknown block label", _set("TABLE3", "B10", "Share of nominal GDP (%)"),
                 "sheet 'TABLE3', row 10, column B", "unknown block label"),
    book_variant("nato", "text in a number cell", _set("TABLE3", "E12", "4,1"), "sheet 'TABLE3', row 12",
                 "column E", "'4,1'"),
    book_variant("nato", "unknown country", _set("TABLE5", "C11", "Atlantis"), "'Atlantis'",
                 "sheet 'TABLE5', row 11, column C"),
    book_variant("nato", "duplicate country row", _set("TABLE8a", "C12", "Germany"), "duplicate", "code='DEU'"),
    # World Bank
    text_variant("population", "wrong encoding", lambda t: t.lstrip("\ufeff").replace("Poland", "Pölånd"),
                 "not valid utf-8-sig", "row 6", encoding="latin-1"),
    text_variant("population", "renamed header", lambda t: t.replace('"Country Code"', '"Code"'), "row 5",
                 "column 2", "'Code'"),
    text_variant("population", "unknown code", lambda t: t.replace('"POL"', '"PLX"'), "'PLX'", "line 6, column 2"),
    text_variant("population", "duplicate row", lambda t: t + t.splitlines(keepends=True)[5], "duplicate",
                 "code='POL'"),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[f"{v.file_id}: {v.name}" for v in VARIANTS])
def test_malformed_input_is_named_and_writes_nothing(built_project: tuple[Path, Path], variant: Variant,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root, mirror = built_project
    rel = ff.FIXTURE_FILES[variant.file_id][0]
    variant.write(mirror / rel)
    ff.write_manifest(root, mirror)
    tidy_before = tree_digest(root / "data" / "tidy")
    capsys.readouterr()
    assert main(["data", "--mirror", str(mirror)], root=root) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: "), error
    assert Path(rel).name in error, error
    for expected in variant.expect:
        assert expected in error, f"{expected!r} not in: {error}"
    assert tree_digest(root / "data" / "tidy") == tidy_before


def test_corpus_covers_every_parser() -> None:
    assert {v.file_id for v in VARIANTS} >= {"register", "milex", "tiv_usa", "us_exports", "import_totals", "nato",
                                             "population"}
