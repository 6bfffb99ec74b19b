"""Which source a downloaded file is, read from its content (never its name), and what its preamble says of its
edition: the manifest entry `add-release` writes for it.

Recognised kinds: SIPRI's trade register, its TIV tables (imports by recipient, exports by supplier, one supplier's
exports by recipient, the US's exports by recipient, an export of per-supplier tables by recipient), its
military-expenditure workbook, NATO's defence-expenditure tables workbook and the World Bank's population CSV.
Each file is also parsed in full, so a file that would fail the data stage is refused here, before anything is
written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..countries import CountryTable
from ..errors import InputError
from ..ingest import PARSERS
from ..ingest.base import XLSX_MAGIC, open_workbook

HEAD_BYTES = 8192
KNOWN_KINDS = ("SIPRI's trade register (CSV from armstransfers.sipri.org), SIPRI's TIV tables (CSV), SIPRI's "
               "military-expenditure workbook (.xlsx), NATO's 'Defence Expenditure of NATO Countries' tables "
               "(.xlsx) and the World Bank's population CSV (SP.POP.TOTL)")
SIPRI_AT_PAGE = "https://armstransfers.sipri.org/"


@dataclass(frozen=True)
class Recognised:
    """A file of DIR: its kind, the manifest entry it gets, and the years of data it holds."""

    path: Path
    kind: str  # what a data editor calls it, e.g. "SIPRI trade register"
    id: str
    title: str
    edition: str
    published: dt.date | None
    source: str  # folder under data/raw
    publisher: str
    source_release: str  # the publisher's release: the folder under data/raw/<source>/
    folder: str
    parser: str
    role: str
    landing_page: str
    first_year: int
    last_year: int
    supplier: str = ""  # the supplier of a TIV export table (the table is per supplier)
    notes: tuple[str, ...] = field(default_factory=tuple)  # what the editor should know or fill in

    @property
    def raw_path(self) -> str:
        """The path under data/raw (and under the mirror)."""
        return f"{self.source}/{self.folder}/{self.path.name}"


def _short_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _generated(lines: list[str], file: str) -> dt.date:
    """SIPRI's 'Data generated: 18 May 2026 2:29:20 PM' line as a date."""
    for number, line in enumerate(lines[:40], start=1):
        if line.startswith("Data generated:"):
            text = line.split(":", 1)[1].strip()
            try:
                return dt.datetime.strptime(" ".join(text.split()[:3]), "%d %b %Y").date()
            except ValueError:
                raise InputError(file, f"the 'Data generated' date {text!r} is not a date like '18 May 2026'",
                                 row=number, column="1") from None
    raise InputError(file, "SIPRI's preamble has no 'Data generated:' line, so the file's date is unknown")


def _years(frame: pd.DataFrame, column: str = "year") -> tuple[int, int]:
    valued = frame[frame["value"].notna()] if "value" in frame.columns else frame
    years = valued[column].dropna()
    return int(years.min()), int(years.max())


def _head_text(path: Path) -> str:
    data = path.read_bytes()[:HEAD_BYTES]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("latin-1")


def recognise(path: Path, file: str, countries: CountryTable) -> Recognised:
    """The kind and manifest entry of `path` (shown as `file`); an InputError says why a file is refused."""
    with open(path, "rb") as handle:
        start = handle.read(64)
    if not start.strip():
        raise InputError(file, "the file is empty")
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(file, "UTF-16 text (what Excel writes when a sheet is saved as 'Unicode Text'), not the "
                         "publisher's file: download the file again from the publisher and add it as downloaded, or "
                         "save it from Excel as 'CSV UTF-8 (Comma delimited)'")
    if start.startswith(XLSX_MAGIC):
        return _workbook(path, file, countries)
    if start.startswith(b"%PDF"):
        raise InputError(file, "a PDF; the project reads the publishers' data files, not their reports: "
                         f"{KNOWN_KINDS}")
    lines = _head_text(path).replace("\r\n", "\n").split("\n")
    first = lines[0].strip().strip('"')
    if first.startswith("Transfers of major conventional arms"):
        return _register(path, file, countries, lines)
    if first.startswith("Volume of transfers of major arms"):
        return _totals(path, file, countries, lines)
    if first.startswith("TIV of arms exports from"):
        return _export_table(path, file, countries, first)
    if first.lower().startswith("supplier,recipients,"):
        return _us_exports(path, file, countries)
    if first.startswith("Data Source") and "World Development Indicators" in first:
        return _worldbank(path, file, countries, lines)
    shown = first if len(first) <= 80 else first[:77] + "..."
    raise InputError(file, f"not a file the project reads: its first line is {shown!r}. The project recognises "
                     f"{KNOWN_KINDS}, by their content", row=1)


def _check_suffix(path: Path, file: str, kind: str, suffixes: tuple[str, ...]) -> None:
    """A file whose name says another format than its content is refused: one of the two is wrong."""
    if path.suffix.lower() not in suffixes:
        raise InputError(file, f"the content is {kind}, but the name ends in '{path.suffix or '(nothing)'}' instead "
                         f"of {' or '.join(repr(s) for s in suffixes)}: the file was renamed or saved in another "
                         "format; download it again from the publisher")


def _parse(parser: str, path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    return PARSERS[parser].parse(path, file, countries)


def _register(path: Path, file: str, countries: CountryTable, lines: list[str]) -> Recognised:
    kind = "a SIPRI trade register"
    _check_suffix(path, file, kind, (".csv", ".txt"))
    generated = _generated(lines, file)
    deals = _parse("sipri_trade_register", path, file, countries)[""]
    latest = deals["delivery_years"].map(lambda years: max(years) if len(years) else 0)
    future = deals[latest > generated.year]
    if not future.empty:  # a delivery after the file was made: a corrupt or edited file, not SIPRI's
        row = future.iloc[0]
        raise InputError(file, f"a delivery in {int(latest[future.index[0]])}, after the file's own 'Data generated' "
                         f"date ({_long_date(generated)}); SIPRI records deliveries that have happened: the file "
                         f"was edited or damaged, download it again ({len(future)} such row(s))",
                         row=int(str(row["source_ref"]).split()[-1]), column="11 (Year(s) of delivery)")
    first, last = int(deals["order_year"].min()), int(latest.max())
    release = str(generated.year)
    return Recognised(
        path=path, kind="SIPRI trade register", id=f"sipri_at_register_{release}",
        title=f"SIPRI Arms Transfers Database, trade register (data to {last}, generated {_short_date(generated)})",
        # SIPRI publishes each year's arms-transfer data in March of the next year (its 'Trends in international
        # arms transfers' fact sheet); a register exported later in the year is still that release
        edition=f"trade register, March {last + 1} release", published=generated, source="sipri_arms_transfers",
        publisher="SIPRI", source_release=release, folder=f"{release}_release", parser="sipri_trade_register",
        role="transfers", landing_page=SIPRI_AT_PAGE, first_year=first, last_year=last)


def _totals(path: Path, file: str, countries: CountryTable, lines: list[str]) -> Recognised:
    kind = "a SIPRI TIV table"
    _check_suffix(path, file, kind, (".csv",))
    if re.search(r"^Total exports from ", path.read_bytes().decode("latin-1"), re.M):
        return _supplier_blocks(path, file, countries, lines)
    header = next((line for line in lines if line.startswith(("Recipient,", "Exports by,", "Imports by,"))), None)
    if header is None or header.startswith("Imports by,"):
        raise InputError(file, "a SIPRI TIV table, but neither imports by recipient (header 'Recipient,...') nor "
                         "exports by supplier (header 'Exports by,...'), the two totals the project reads")
    imports = header.startswith("Recipient,")
    generated = _generated(lines, file)
    frame = _parse("sipri_tiv_totals", path, file, countries)[""]
    first, last = _years(frame)
    release = str(generated.year)
    what, role, short = (("imports by recipient", "imports_tiv_totals", "import") if imports
                         else ("exports by supplier", "exports_tiv_totals", "export"))
    return Recognised(
        path=path, kind=f"SIPRI TIV of arms {what}", id=f"sipri_at_{short}_totals_{release}",
        title=f"SIPRI TIV of arms {what}, {first}-{last} (generated {_short_date(generated)})",
        edition=f"TIV of {what} {first}-{last}, {release} release",
        published=generated, source="sipri_arms_transfers", publisher="SIPRI", source_release=release,
        folder=f"{release}_release", parser="sipri_tiv_totals", role=role, landing_page=SIPRI_AT_PAGE,
        first_year=first, last_year=last)


def _supplier_blocks(path: Path, file: str, countries: CountryTable, lines: list[str]) -> Recognised:
    """One portal export of per-supplier tables ('Total exports from <supplier>' closing each): supplier x recipient
    pairs of the years it covers, without totals (SIPRI's 2024 pairs of the 2025 release are one)."""
    generated = _generated(lines, file)
    frame = _parse("sipri_tiv_supplier_blocks", path, file, countries)[""]
    if frame.empty:
        raise InputError(file, "an export of per-supplier TIV tables in which every table is empty")
    first, last = _years(frame)
    years = str(first) if first == last else f"{first}-{last}"
    release = str(last + 1)  # the tables of year Y belong to SIPRI's March release of Y + 1
    return Recognised(
        path=path, kind="SIPRI TIV of arms exports by supplier and recipient (one table per supplier)",
        id=f"sipri_at_supplier_pairs_{years.replace('-', '_')}_of_{release}",
        title=f"SIPRI TIV of arms exports by supplier and recipient, {years} ({release} release; "
              f"{frame['supplier'].nunique()} supplier tables, generated {_short_date(generated)})",
        edition=f"TIV by supplier and recipient {years}, March {release} release", published=generated,
        source="sipri_arms_transfers", publisher="SIPRI", source_release=release, folder=f"{release}_release",
        parser="sipri_tiv_supplier_blocks", role="supplier_pairs_tiv", landing_page=SIPRI_AT_PAGE,
        first_year=first, last_year=last,
        notes=("the export names only the suppliers and recipients selected on the portal: check that every state "
               "was selected",))


def export_table_supplier(first_line: str, file: str, countries: CountryTable) -> tuple[str, str]:
    """(supplier's name, ISO3 code) from a TIV export table's title line 'TIV of arms exports from X, 1950-2021'."""
    match = re.match(r"TIV of arms exports from (.+), (\d{4})-(\d{4})", first_line.strip().strip('"'))
    if match is None:
        raise InputError(file, f"a SIPRI TIV export table, but its title {first_line!r} does not name the supplier and "
                         "years ('TIV of arms exports from <supplier>, 1950-2021')", row=1)
    return match.group(1), countries.map_names({match.group(1): "line 1"}, file)[match.group(1)]


def _export_table(path: Path, file: str, countries: CountryTable, first_line: str) -> Recognised:
    _check_suffix(path, file, "a SIPRI TIV export table", (".csv",))
    name, supplier = export_table_supplier(first_line, file, countries)
    frame = _parse("sipri_tiv_export_table", path, file, countries)[""]
    first, last = _years(frame)
    release = str(last + 1)  # SIPRI's tables to year Y are published in year Y + 1; the file carries no date
    return Recognised(
        path=path, kind=f"SIPRI TIV export table ({name})", id=f"sipri_at_tiv_export_{release}_{supplier}",
        title=f"SIPRI TIV of arms exports from supplier {supplier} by recipient and year, {first}-{last}",
        edition=f"TIV export tables {first}-{last}, {release} release", published=None,
        source="sipri_arms_transfers", publisher="SIPRI", source_release=release,
        folder=f"{release}_release/tiv_export_tables", parser="sipri_tiv_export_table", role="bilateral_tiv",
        landing_page=SIPRI_AT_PAGE, first_year=first, last_year=last, supplier=supplier,
        notes=("the file has no date: fill in `published` from the download page",))


def _us_exports(path: Path, file: str, countries: CountryTable) -> Recognised:
    _check_suffix(path, file, "SIPRI's table of US arms exports by recipient", (".csv",))
    frame = _parse("sipri_us_exports_by_recipient", path, file, countries)[""]
    first, last = _years(frame)
    release = str(last + 1)
    return Recognised(
        path=path, kind="SIPRI TIV of US arms exports by recipient", id=f"sipri_at_us_exports_{release}",
        title=f"SIPRI TIV of US arms exports by recipient and year, {first}-{last}",
        edition=f"TIV of US exports by recipient {first}-{last}, {release} release", published=None,
        source="sipri_arms_transfers", publisher="SIPRI", source_release=release, folder=f"{release}_release",
        parser="sipri_us_exports_by_recipient", role="us_exports_tiv", landing_page=SIPRI_AT_PAGE,
        first_year=first, last_year=last, notes=("the file has no date: fill in `published` from the download page",))


def _worldbank(path: Path, file: str, countries: CountryTable, lines: list[str]) -> Recognised:
    kind = "a World Bank WDI indicator CSV"
    _check_suffix(path, file, kind, (".csv",))
    updated = None
    for number, line in enumerate(lines[:10], start=1):
        if line.startswith('"Last Updated Date"'):
            text = line.split(",")[1].strip().strip('"')
            try:
                updated = dt.date.fromisoformat(text)
            except ValueError:
                raise InputError(file, f"'Last Updated Date' {text!r} is not a date like 2026-04-08", row=number,
                                 column="2") from None
    if updated is None:
        raise InputError(file, "a World Bank WDI CSV without its 'Last Updated Date' line, so its edition is unknown")
    indicators = set(re.findall(r'"Country Code","[^"]*","([A-Z][A-Z0-9.]+)"', "\n".join(lines)))
    indicators |= set(re.findall(r'^"[^"]*","[A-Z0-9]{3}","[^"]*","([A-Z][A-Z0-9.]+)"', "\n".join(lines), re.M))
    if indicators and indicators != {"SP.POP.TOTL"}:
        raise InputError(file, f"a World Bank WDI file of indicator {', '.join(sorted(indicators))}; the project reads "
                         "only population (SP.POP.TOTL): download "
                         "https://api.worldbank.org/v2/en/indicator/SP.POP.TOTL?downloadformat=csv")
    frame = _parse("worldbank_wdi_csv", path, file, countries)[""]
    first, last = _years(frame)
    iso = updated.isoformat()
    return Recognised(
        path=path, kind="World Bank population (WDI)", id=f"worldbank_population_{iso.replace('-', '_')}",
        title=f"World Bank WDI, population total (SP.POP.TOTL), last updated {iso}",
        edition=f"World Development Indicators, population (SP.POP.TOTL), updated {_long_date(updated)}",
        published=updated, source="worldbank_wdi", publisher="World Bank", source_release=iso, folder=iso,
        parser="worldbank_wdi_csv", role="population", landing_page="https://data.worldbank.org/indicator/SP.POP.TOTL",
        first_year=first, last_year=last)


def _workbook(path: Path, file: str, countries: CountryTable) -> Recognised:
    from ..ingest.nato_layout_2025 import is_layout

    workbook = open_workbook(path, file)
    try:
        sheets = list(workbook.sheetnames)
        modified = workbook.properties.modified
        nato_2025 = is_layout(workbook)  # 'Table 2: ...' in a sheet's first cell (NATO's 2025 and 2026 editions)
    finally:
        workbook.close()
    if sum(bool(re.fullmatch(r"TABLE\d+[a-z]?", s)) for s in sheets) >= 3 or nato_2025:
        return _nato(path, file, countries)
    milex_sheets = [s for s in sheets if s in ("Share of GDP", "Current US$", "Per capita") or s.startswith("Constant")]
    if len(milex_sheets) >= 2:
        return _milex(path, file, countries, modified)
    raise InputError(file, f"an .xlsx workbook with sheets {', '.join(sheets[:8])}: neither SIPRI's "
                     "military-expenditure workbook (sheets 'Constant (YYYY) US$', 'Share of GDP', ...) nor NATO's "
                     "defence-expenditure tables (sheets TABLE1 to TABLE8b, or 'Table 1' ... titled 'Table 1: ...')")


def _milex(path: Path, file: str, countries: CountryTable, modified: dt.datetime | None) -> Recognised:
    _check_suffix(path, file, "SIPRI's military-expenditure workbook", (".xlsx",))
    if modified is None:
        raise InputError(file, "SIPRI's military-expenditure workbook without a saved date in its properties, so "
                         "its release is unknown")
    saved = modified.date()
    frame = _parse("sipri_milex_workbook", path, file, countries)[""]
    first, last = _years(frame)
    # SIPRI names corrected re-issues only in the file name ('..._v1.2.xlsx'); the version is part of the edition
    version = re.search(r"_v(\d+(?:\.\d+)*)$", path.stem)
    month = saved.strftime("%B %Y")
    release = str(saved.year)
    return Recognised(
        path=path, kind="SIPRI military expenditure workbook", id=f"sipri_milex_{release}",
        title=f"SIPRI Military Expenditure Database, {month} release{f' v{version.group(1)}' if version else ''} "
              f"({first}-{last})",
        edition=f"{month} release{f', version {version.group(1)}' if version else ''} (data {first}-{last})",
        published=saved, source="sipri_milex", publisher="SIPRI", source_release=release, folder=f"{release}_release",
        parser="sipri_milex_workbook", role="milex", landing_page="https://www.sipri.org/databases/milex",
        first_year=first, last_year=last)


def _nato(path: Path, file: str, countries: CountryTable) -> Recognised:
    from ..ingest.nato import edition_of

    _check_suffix(path, file, "NATO's defence-expenditure tables workbook", (".xlsx",))
    edition = edition_of(path, file)
    _parse("nato_defence_expenditure_tables", path, file, countries)  # the layout check: stops on any change
    if edition.saved is None:
        raise InputError(file, "NATO's tables workbook without a saved date in its properties, so its publication "
                         "date is unknown")
    estimates = ", ".join(str(y) for y in edition.estimate_years) or "none"
    years = f"{edition.first_year}-{edition.last_year}"
    definition = "; core defence, the Hague definition" if edition.core else ""
    return Recognised(
        path=path, kind=f"NATO defence expenditure tables, {edition.last_year} edition (estimates: {estimates}"
                        f"{definition})",
        id=f"nato_defence_expenditure_{edition.last_year}",
        title=f"NATO, Defence Expenditure of NATO Countries ({years}), tables, {_long_date(edition.saved)}",
        edition=f"{edition.title}, {edition.saved.strftime('%B %Y')}", published=edition.saved,
        source="nato_defence_expenditure", publisher="NATO", source_release=str(edition.last_year),
        folder=f"{edition.last_year}_edition", parser="nato_defence_expenditure_tables", role="nato",
        landing_page="https://www.nato.int/cps/en/natohq/topics_49198.htm", first_year=edition.first_year,
        last_year=edition.last_year)
