"""NATO's tables workbook in the layout of its August 2025 and July 2026 editions (`def-exp-<YEAR>-en.xlsx`).

Sheets are named 'Table 1' ... 'Table 8b' and found by the title in their first cell ('Table 2: Defence
expenditure ...' in 2025, 'Table 2: Core defence expenditure ...' in 2026, the definition agreed at The Hague).
Within a sheet, each block is a header row whose first cell is empty, followed by year cells ('2014' ... '2024',
'2025e'), and named by the nearest non-empty row above it ('Current prices and exchange rates', 'Constant 2021
prices ...'). Country labels are in column A, with the currency in parentheses on Table 1 ('Sweden (Kronor)') and a
'*' for a footnote (revised figures in 2025, Slovenia in 2026); aggregate rows are 'NATO Europe and Canada' and 'NATO
Total'; a 'Notes' row closes each table. Whatever does not fit is an InputError naming sheet, row and column.

A core-defence edition's measures are named `nato_core_*` (`nato_core_share_of_gdp` ...): NATO's two definitions
are different series, never one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from .base import cell_ref, check_years, column_letter

TITLE = re.compile(r"^\s*Table\s+(\d+[ab]?)\s*:\s*(.+?)\s*$", re.IGNORECASE)
CORE = re.compile(r"\bcore defence\b", re.IGNORECASE)
YEAR = re.compile(r"^'?(\d{4})(e?)'?$")
CURRENCY = re.compile(r"\s*\(([^)]*)\)\s*$")
NOTES = re.compile(r"^\s*notes?\b", re.IGNORECASE)
TABLES_READ = ("1", "2", "3", "5", "8a", "8b")


@dataclass(frozen=True)
class Block:
    """What a block of a table holds: the measure (before the definition prefix), its unit and the divisor that
    turns a cell into it."""

    measure: str
    unit: str
    divisor: float


def block_of(table: str, label: str) -> Block | None:
    """The block a label names in `table`, or None for a label the layout does not know."""
    text = " ".join(label.split()).casefold()
    constant = re.search(r"constant (\d{4}) prices", text)
    if table in ("1", "2", "5"):
        what = {"1": "defexp_{kind}_ncu", "2": "defexp_{kind}_usd", "5": "gdp_{kind}_usd"}[table]
        money = {"1": "national currency m", "2": "USD m", "5": "USD m"}[table]
        if constant:
            return Block(what.format(kind="constant"), f"{money}, constant {constant.group(1)} prices", 1.0)
        if text.startswith("current prices"):
            return Block(what.format(kind="current"), f"{money}, current prices", 1.0)
        return None
    if table == "3":
        if text.startswith("share of real gdp"):
            return Block("share_of_gdp", "fraction of real GDP", 100.0)
        if text.startswith("annual real change"):
            return Block("real_change", "fraction, year on year, in real terms", 100.0)
        return None
    shares = {"equipment": "equipment_share", "personnel": "personnel_share",
              "infrastructure": "infrastructure_share", "other": "other_share"}
    for word, measure in shares.items():
        if text.startswith(word):
            return Block(measure, "fraction of defence expenditure", 100.0)
    return None


def table_titles(workbook) -> dict[str, tuple[str, str]]:
    """Table number -> (sheet name, title) for every sheet whose first cell is a 'Table N: ...' title."""
    found: dict[str, tuple[str, str]] = {}
    for sheet in workbook.sheetnames:
        first = next(workbook[sheet].iter_rows(values_only=True, max_row=1), ())
        cell = first[0] if first else None
        match = TITLE.match(cell) if isinstance(cell, str) else None
        if match:
            found.setdefault(match.group(1).lower(), (sheet, match.group(2)))
    return found


def is_layout(workbook) -> bool:
    """Whether the workbook is in this layout: a 'Table 2: ...' title in the first cell of a sheet."""
    return "2" in table_titles(workbook)


def year_header(value: object) -> tuple[int, bool] | None:
    """A year header cell of either layout: 2014 -> (2014, False); "'2019'" or '2019' -> (2019, False); '2023e' ->
    (2023, True); else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return (int(value), False) if 1949 <= value <= 2100 else None
    match = YEAR.match(value.strip()) if isinstance(value, str) else None
    return (int(match.group(1)), match.group(2) == "e") if match else None


def _header(cells: list) -> list[tuple[int, int, bool]] | None:
    """[(column, year, estimate)] when `cells` is a block's header row (first cell empty, three years or more)."""
    years = [(col + 1, *parsed) for col, cell in enumerate(cells[1:], start=1)
             if (parsed := year_header(cell)) is not None]
    return years if _label(cells) is None and len(years) >= 3 else None


def _label(row: tuple) -> str | None:
    first = row[0] if row else None
    return first.strip() if isinstance(first, str) and first.strip() else None


def read_table(rows: list[tuple], table: str, sheet: str, definition: str, file: str) -> tuple[list[dict], dict]:
    """The records of one table (one per country, measure and year) and the country labels with where each was
    first seen."""
    prefix = "nato_core_" if definition == "core" and table != "5" else "nato_"  # GDP is GDP in both definitions
    records: list[dict] = []
    names: dict[str, str] = {}
    block: Block | None = None
    years: list[tuple[int, int, bool]] = []
    last_text: tuple[int, str] | None = None
    number = 1
    for number, row in enumerate(rows, start=1):
        cells = list(row)
        header = _header(cells)
        if header:  # a block's header row: named by the row above it
            if last_text is None:
                raise InputError(file, "a row of year headers with no block name above it", sheet=sheet, row=number,
                                 column="A")
            block = block_of(table, last_text[1])
            if block is None:
                raise InputError(file, f"unknown block {last_text[1]!r} in Table {table}: NATO changed the table's "
                                 "layout or definition", sheet=sheet, row=last_text[0], column="A")
            check_years([(column_letter(col), year) for col, year, _ in header], file, sheet, number)
            years = header
            continue
        label = _label(cells)
        values = [cells[col - 1] if col - 1 < len(cells) else None for col, _, _ in years]
        if label is None:
            texts = [c for c in cells if isinstance(c, str) and c.strip()]
            if texts:
                last_text = (number, texts[0].strip())
            continue
        if NOTES.match(label):
            block, years = None, []
            continue
        if block is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            last_text = (number, label)  # a title, unit or block name
            continue
        clean = label.rstrip().rstrip("*").rstrip()
        currency = CURRENCY.search(clean)
        name = (CURRENCY.sub("", clean) if currency else clean).rstrip().rstrip("*").rstrip()
        footnote = "*" in label
        names.setdefault(name, cell_ref(sheet, number, 1))
        unit = block.unit.replace("national currency", currency.group(1)) if currency else block.unit
        for (col, year, estimate), raw in zip(years, values, strict=True):
            if raw is None or (isinstance(raw, str) and raw.strip() in ("", "-", "..")):
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise InputError(file, f"expected a number, found {raw!r}", sheet=sheet, row=number,
                                 column=column_letter(col))
            records.append({"source_name": name, "measure": prefix + block.measure, "year": year,
                            "estimate": estimate, "value": float(raw) / block.divisor, "unit": unit,
                            "national_2pct_law": False, "footnote": footnote,
                            "source_ref": cell_ref(sheet, number, col)})
    if not records:
        raise InputError(file, f"Table {table} holds no figures: no block with a year header and country rows",
                         sheet=sheet, row=number)
    return records, names


def read_workbook(workbook, file: str) -> tuple[list[dict], dict[str, str], str]:
    """Every record of the tables read (TABLES_READ), the country labels, and the edition's definition ('core' when
    the titles say core defence, else 'defence')."""
    titles = table_titles(workbook)
    missing = [t for t in TABLES_READ if t not in titles]
    if missing:
        raise InputError(file, f"no sheet titled 'Table {missing[0]}: ...' in its first cell; the sheets are "
                         f"{', '.join(workbook.sheetnames)}")
    definition = "core" if CORE.search(titles["2"][1]) else "defence"
    records: list[dict] = []
    names: dict[str, str] = {}
    for table in TABLES_READ:
        sheet, title = titles[table]
        if table in ("1", "2", "3") and ("core" if CORE.search(title) else "defence") != definition:
            raise InputError(file, f"Table {table} is titled {title!r}, but Table 2 reports "
                             f"{'core defence' if definition == 'core' else 'defence'} expenditure: the tables "
                             "mix NATO's two definitions", sheet=sheet, row=1, column="A")
        table_records, table_names = read_table(list(workbook[sheet].iter_rows(values_only=True)), table, sheet,
                                                definition, file)
        records.extend(table_records)
        for name, where in table_names.items():
            names.setdefault(name, where)
    return records, names, definition


def edition_years(workbook, file: str) -> list[tuple[int, int, bool]]:
    """Table 2's year headers: [(column, year, estimate)]."""
    sheet, _ = table_titles(workbook)["2"]
    for row in workbook[sheet].iter_rows(values_only=True, max_row=40):
        header = _header(list(row))
        if header:
            return header
    raise InputError(file, "no row of year headers in Table 2's first 40 rows", sheet=sheet)
