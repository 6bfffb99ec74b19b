"""World Bank WDI bulk CSV (one indicator, e.g. SP.POP.TOTL): UTF-8 with BOM, 4-line preamble, header on line 5.

Rows are keyed by the World Bank's own ISO3-style code, which must be in the country table (states,
territories and the Bank's aggregates such as WLD or EUU are all listed there).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..countries import CountryTable
from ..errors import InputError
from .base import Parser, check_no_data_above, check_years, year_of
from .schema import Column, TableSchema
from .text_input import parse_number, read_text

VERSION = "1"
EXPECTED_START = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
INDICATORS = {"SP.POP.TOTL": ("population", "persons")}

POPULATION_SCHEMA = TableSchema(
    name="population",
    columns=(Column("code", "str"), Column("indicator", "str"), Column("year", "int", min=1900, max=2100),
             Column("value", "float", min=0), Column("unit", "str"), Column("source_ref", "str")),
    key=("code", "indicator", "year"),
)


def parse(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """Parse a WDI indicator CSV into code x year values (empty cells are not stored)."""
    text = read_text(path, file, "utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header_index = next((i for i, r in enumerate(rows[:10]) if r[:1] == ["Country Name"]), None)
    if header_index is None:
        raise InputError(file, "no header line starting 'Country Name' within the first 10 lines", row=1, column="1")
    check_no_data_above(rows, header_index, file)
    header = rows[header_index]
    for position, (got, expected) in enumerate(zip(header, EXPECTED_START, strict=False), start=1):
        if got != expected:
            raise InputError(file, f"header column is {got!r}, expected {expected!r}", row=header_index + 1,
                             column=str(position))
    years = [(i, y) for i, cell in enumerate(header) if i >= 4 and (y := year_of(cell)) is not None]
    check_years([(str(column + 1), year) for column, year in years], file, None, header_index + 1)
    records = []
    unknown: list[str] = []
    for line, fields in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(cell.strip() for cell in fields):
            continue
        if len(fields) < len(header) - 1:
            raise InputError(file, f"row has {len(fields)} fields, the header {len(header)} (truncated?)", row=line)
        code, indicator = fields[1].strip(), fields[3].strip()
        if indicator not in INDICATORS:
            raise InputError(file, f"indicator {indicator!r} is not one this parser knows ({', '.join(INDICATORS)})",
                             row=line, column="4 (Indicator Code)")
        if code not in countries.entities:
            unknown.append(f"{code!r} {fields[0]!r} (line {line}, column 2)")
            continue
        name, unit = INDICATORS[indicator]
        for column, year in years:
            value = parse_number(fields[column] if column < len(fields) else "", file, line, f"{column + 1} ({year})")
            if value is not None:
                records.append({"code": code, "indicator": name, "year": year, "value": value, "unit": unit,
                                "source_ref": f"line {line}, column {column + 1} ({year})"})
    if unknown:
        raise InputError(file, f"{len(unknown)} country code(s) not in the country table: {'; '.join(unknown)}. "
                         "Add them to src/defence_briefs/reference/countries.csv.")
    if not records:
        raise InputError(file, "no values below the header", row=header_index + 2)
    return {"": POPULATION_SCHEMA.validate(pd.DataFrame.from_records(records), file)}


PARSER = Parser(
    name="worldbank_wdi_csv",
    version=VERSION,
    description="World Bank WDI indicator CSV (bulk download, UTF-8 with BOM)",
    parse=parse,
    schemas={"": POPULATION_SCHEMA},
)
