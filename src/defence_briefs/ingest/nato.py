"""NATO 'Defence Expenditure of NATO Countries' tables workbook (June 2024 edition, 2014-2024e).

Reads TABLE2 (defence expenditure, USD m), TABLE3 (share of real GDP, annual real change),
TABLE5 (GDP, USD m) and TABLE8a/8b (distribution by category) into one long table. Year headers mix
ints and strings ('2019', '2023e'); 'e' marks an estimate. Percentages become fractions. A '*' after a
country name (national 2% law) is kept as a flag. Hidden rows without a name holding cached '#REF!'
errors are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from ..countries import CountryTable
from ..errors import InputError
from .base import Parser, cell_ref, check_years, open_workbook
from .schema import Column, TableSchema

VERSION = "2"
HEADER_SEARCH_ROWS = 15

# sheet -> block label in column B -> (measure, unit, divisor to turn the cell into the unit)
BLOCKS: dict[str, dict[str, tuple[str, str, float]]] = {
    "TABLE2": {
        "Current prices and exchange rates": ("nato_defexp_current_usd", "USD m, current prices", 1.0),
        "Constant 2015 prices and exchange rates": (
            "nato_defexp_constant_2015_usd", "USD m, constant 2015 prices", 1.0),
    },
    "TABLE3": {
        "Share of real GDP (%)": ("nato_share_of_gdp", "fraction of GDP (2015 prices)", 100.0),
        "Annual real change (%)": ("nato_real_change", "fraction, year on year, 2015 prices", 100.0),
    },
    "TABLE5": {
        "Current prices and exchange rates": ("nato_gdp_current_usd", "USD m, current prices", 1.0),
        "Constant 2015 prices and exchange rates": ("nato_gdp_constant_2015_usd", "USD m, constant 2015 prices", 1.0),
    },
    "TABLE8a": {
        "Equipment (a)": ("nato_equipment_share", "fraction of defence expenditure", 100.0),
        "Personnel (b)": ("nato_personnel_share", "fraction of defence expenditure", 100.0),
    },
    "TABLE8b": {
        "Infrastructure (c)": ("nato_infrastructure_share", "fraction of defence expenditure", 100.0),
        "Other (d)": ("nato_other_share", "fraction of defence expenditure", 100.0),
    },
}
SHARE_MEASURES = frozenset({"nato_share_of_gdp", "nato_equipment_share", "nato_personnel_share",
                            "nato_infrastructure_share", "nato_other_share"})

NATO_SCHEMA = TableSchema(
    name="nato",
    columns=(
        Column("code", "str"),
        Column("source_name", "str"),
        Column("measure", "str"),
        Column("year", "int", min=1949, max=2100),
        Column("estimate", "bool"),
        Column("value", "float"),
        Column("unit", "str"),
        Column("national_2pct_law", "bool"),
        Column("source_ref", "str"),
    ),
    key=("code", "year", "measure"),
)
SHARES_SCHEMA = TableSchema(
    name="nato shares",
    columns=(Column("value", "float", min=0, max=1), Column("source_ref", "str")),
)
AMOUNTS_SCHEMA = TableSchema(
    name="nato amounts",
    columns=(Column("value", "float", min=0), Column("source_ref", "str")),
)
CHANGE_SCHEMA = TableSchema(
    name="nato real change",
    columns=(Column("value", "float", min=-1), Column("source_ref", "str")),
)


def _year_header(value: object) -> tuple[int, bool] | None:
    """2014 -> (2014, False); "'2019'" or '2019' -> (2019, False); '2023e' -> (2023, True)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, False) if 1949 <= value <= 2100 else None
    if isinstance(value, float) and value.is_integer():
        return (int(value), False) if 1949 <= value <= 2100 else None
    if isinstance(value, str):
        match = re.fullmatch(r"'?(\d{4})(e?)'?", value.strip())
        if match:
            return int(match.group(1)), match.group(2) == "e"
    return None


def _is_blank_or_error(value: object) -> bool:
    return value is None or value == 0 or (isinstance(value, str) and (not value.strip() or value.startswith("#")))


def _sheet(ws_rows: list[tuple], sheet: str, file: str) -> tuple[list[dict], dict[str, str]]:
    header_index = None
    years: list[tuple[int, int, bool]] = []
    for index, row in enumerate(ws_rows[:HEADER_SEARCH_ROWS]):
        found = [(col + 1, *parsed) for col, cell in enumerate(row) if (parsed := _year_header(cell)) is not None]
        if len(found) >= 3:
            header_index, years = index, found
            break
    if header_index is None:
        raise InputError(file, f"no row of year headers within the first {HEADER_SEARCH_ROWS} rows", sheet=sheet)
    check_years([(get_column_letter(col), year) for col, year, _ in years], file, sheet, header_index + 1)
    blocks = BLOCKS[sheet]
    block: tuple[str, str, float] | None = None
    records: list[dict] = []
    names: dict[str, str] = {}
    for number, row in enumerate(ws_rows[header_index + 1:], start=header_index + 2):
        cells = [row[col - 1] if col - 1 < len(row) else None for col, _, _ in years]
        label_b = row[1] if len(row) > 1 and isinstance(row[1], str) and row[1].strip() else None
        label_c = row[2] if len(row) > 2 and isinstance(row[2], str) and row[2].strip() else None
        if all(cell is None for cell in cells):
            if label_b is not None and label_b.strip() in blocks:
                block = blocks[label_b.strip()]
            elif label_b is not None and not re.fullmatch(r"-\d+-", label_b.strip()):
                raise InputError(file, f"unknown block label {label_b!r}; expected one of {sorted(blocks)}",
                                 sheet=sheet, row=number, column="B")
            continue  # notes under the table, page numbers and blank rows
        name = label_c or label_b
        if name is None:
            if all(_is_blank_or_error(cell) for cell in cells):
                continue  # hidden rows holding cached '#REF!' errors or zeros, with no name
            raise InputError(file, "a row of values has no country name in column B or C", sheet=sheet, row=number,
                             column="C")
        if block is None:
            raise InputError(file, "values appear before any block label (e.g. 'Current prices and exchange rates')",
                             sheet=sheet, row=number, column="B")
        measure, unit, divisor = block
        clean = re.sub(r"\s*\*\s*$", "", name.strip())
        law = clean != name.strip()
        names.setdefault(clean, f"sheet '{sheet}', row {number}, column {'C' if label_c else 'B'}")
        for (col, year, estimate), raw in zip(years, cells, strict=True):
            if raw is None:
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise InputError(file, f"expected a number, found {raw!r}", sheet=sheet, row=number,
                                 column=get_column_letter(col))
            records.append({"source_name": clean, "measure": measure, "year": year, "estimate": estimate,
                            "value": float(raw) / divisor, "unit": unit, "national_2pct_law": law,
                            "source_ref": cell_ref(sheet, number, col)})
    return records, names


def parse(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """Parse the NATO tables workbook into one long table."""
    workbook = open_workbook(path, file)
    try:
        records: list[dict] = []
        names: dict[str, str] = {}
        for sheet in BLOCKS:
            if sheet not in workbook.sheetnames:
                present = ", ".join(workbook.sheetnames)
                raise InputError(file, f"sheet '{sheet}' is missing; the workbook has: {present}", sheet=sheet)
            sheet_records, sheet_names = _sheet(list(workbook[sheet].iter_rows(values_only=True)), sheet, file)
            records.extend(sheet_records)
            for name, where in sheet_names.items():
                names.setdefault(name, where)
    finally:
        workbook.close()
    codes = countries.map_names(names, file)
    frame = pd.DataFrame.from_records(records)
    frame["code"] = frame["source_name"].map(codes)
    frame = NATO_SCHEMA.validate(frame, file)
    SHARES_SCHEMA.validate(frame[frame["measure"].isin(SHARE_MEASURES)], file)
    CHANGE_SCHEMA.validate(frame[frame["measure"] == "nato_real_change"], file)
    AMOUNTS_SCHEMA.validate(frame[~frame["measure"].isin(SHARE_MEASURES | {"nato_real_change"})], file)
    return {"": frame}


PARSER = Parser(
    name="nato_defence_expenditure_tables",
    version=VERSION,
    description="NATO Defence Expenditure of NATO Countries, tables workbook (.xlsx)",
    parse=parse,
    schemas={"": NATO_SCHEMA},
)
