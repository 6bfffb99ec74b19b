"""SIPRI's yearly TIV tables: exact annual volumes where SIPRI publishes them.

Four layouts:
- `sipri_tiv_export_table`: one file per supplier, recipient x year, 1950-2021 (2022 release);
- `sipri_tiv_supplier_blocks`: one portal export holding one 'Import/Export values' table per selected supplier,
  the supplier named only in each table's closing row 'Total exports from <supplier>' (2025 release, 2024);
- `sipri_us_exports_by_recipient`: US -> recipient x year, 1950-2023 (2024 release, header edited by
  the uploader, supplier named on the first row only);
- `sipri_tiv_totals`: imports by recipient or exports by supplier per year, with the world total.

Cells are millions of TIV; '0' means less than 0.5; an empty cell means no deliveries identified and
is not stored (absent = none).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from ..countries import CountryTable
from ..errors import InputError
from .base import Parser, check_no_data_above, check_years, year_of
from .schema import Column, TableSchema
from .text_input import parse_number, read_text

VERSION = "2"
HEADER_SEARCH_LINES = 20

BILATERAL_SCHEMA = TableSchema(
    name="bilateral_tiv",
    columns=(Column("supplier", "str"), Column("recipient", "str"), Column("year", "int", min=1900, max=2100),
             Column("tiv", "float", min=0), Column("source_ref", "str")),
    key=("supplier", "recipient", "year"),
)
TOTALS_SCHEMA = TableSchema(
    name="tiv_totals",
    columns=(Column("code", "str"), Column("direction", "str", allowed=frozenset({"imports", "exports"})),
             Column("year", "int", min=1900, max=2100), Column("tiv", "float", min=0), Column("source_ref", "str")),
    key=("code", "year"),
)


def _rows(path: Path, file: str) -> list[list[str]]:
    text = read_text(path, file, "latin-1")
    return list(csv.reader(io.StringIO(text.replace("\r\n", "\n"))))


def _year_columns(header: list[str], file: str, line: int) -> list[tuple[int, int]]:
    years = [(i, y) for i, cell in enumerate(header) if re.fullmatch(r"\d{4}", cell.strip())
             and (y := year_of(cell)) is not None]
    if not years:
        raise InputError(file, "the header line has no year columns", row=line)
    check_years([(str(column + 1), year) for column, year in years], file, None, line)
    return years


def _cells(rows: list[tuple[int, str, list[str]]], years: list[tuple[int, int]], file: str) -> list[dict]:
    """(line, name, fields) rows -> one record per non-empty year cell."""
    records = []
    for line, name, fields in rows:
        for column, year in years:
            text = fields[column] if column < len(fields) else ""
            value = parse_number(text, file, line, f"{column + 1} ({year})")
            if value is not None:
                records.append({"name": name, "year": year, "tiv": value,
                                "source_ref": f"line {line}, column {column + 1} ({year})"})
    return records


def _check_width(fields: list[str], header: list[str], file: str, line: int) -> None:
    if len(fields) > len(header) and any(cell.strip() for cell in fields[len(header):]):
        raise InputError(file, f"row has {len(fields)} fields, the header {len(header)}", row=line)


def parse_export_table(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """One supplier's 'TIV of arms exports from <Supplier>, 1950-2021' table -> supplier x recipient x year."""
    rows = _rows(path, file)
    title = rows[0][0] if rows and rows[0] else ""
    match = re.match(r"TIV of arms exports from (.+), \d{4}-\d{4}$", title.strip())
    if not match:
        raise InputError(file, f"line 1 should read 'TIV of arms exports from <supplier>, <years>', found {title!r}",
                         row=1, column="1")
    supplier_name = match.group(1)
    header_index = next((i for i, r in enumerate(rows[:HEADER_SEARCH_LINES])
                         if len(r) > 1 and r[0].strip() == "" and year_of(r[1]) is not None), None)
    if header_index is None:
        raise InputError(file, "no header line (empty first cell, then years) within the first "
                         f"{HEADER_SEARCH_LINES} lines", row=1)
    check_no_data_above(rows, header_index, file)
    header = rows[header_index]
    years = _year_columns(header, file, header_index + 1)
    data_rows = []
    total_seen = False
    for line, fields in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not fields or not fields[0].strip():
            if any(cell.strip() for cell in fields):
                raise InputError(file, "a row with values has no recipient name", row=line, column="1")
            continue
        if fields[0].strip() == "Total":
            total_seen = True
            break
        _check_width(fields, header, file, line)
        data_rows.append((line, fields[0].strip(), fields))
    if not total_seen:
        raise InputError(file, "no closing 'Total' row: the file looks truncated", row=len(rows))
    names = {name: f"line {line}, column 1" for line, name, _ in reversed(data_rows)}
    names.setdefault(supplier_name, "line 1 (title)")
    codes = countries.map_names(names, file)
    frame = pd.DataFrame.from_records(_cells(data_rows, years, file),
                                      columns=["name", "year", "tiv", "source_ref"])
    frame["supplier"] = codes[supplier_name]
    frame["recipient"] = frame["name"].map(codes)
    return {"": BILATERAL_SCHEMA.validate(frame, file)}


def parse_us_exports(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """The US exports-by-recipient table (header 'supplier,recipients,1950,...') -> supplier x recipient x year."""
    rows = _rows(path, file)
    if not rows or [c.strip() for c in rows[0][:2]] != ["supplier", "recipients"]:
        found = ",".join(rows[0][:3]) if rows else ""
        raise InputError(file, f"header should start 'supplier,recipients,<years>', found {found!r}", row=1, column="1")
    header = rows[0]
    years = _year_columns(header, file, 1)
    supplier_name = rows[1][0].strip() if len(rows) > 1 and rows[1] else ""
    if not supplier_name:
        raise InputError(file, "the first data row must name the supplier", row=2, column="1")
    data_rows = []
    for line, fields in enumerate(rows[1:], start=2):
        if not fields or not any(cell.strip() for cell in fields):
            continue
        if fields[0].strip() not in ("", supplier_name):
            raise InputError(file, f"a second supplier {fields[0]!r} appears; this table holds one supplier",
                             row=line, column="1")
        if not fields[1].strip():
            raise InputError(file, "recipient is empty", row=line, column="2")
        if len(fields) < len(header):
            raise InputError(file, f"row has {len(fields)} fields, the header {len(header)} (truncated?)", row=line)
        _check_width(fields, header, file, line)
        data_rows.append((line, fields[1].strip(), fields))
    names = {name: f"line {line}, column 2" for line, name, _ in reversed(data_rows)}
    names.setdefault(supplier_name, "line 2, column 1")
    codes = countries.map_names(names, file)
    frame = pd.DataFrame.from_records(_cells(data_rows, years, file), columns=["name", "year", "tiv", "source_ref"])
    frame["supplier"] = codes[supplier_name]
    frame["recipient"] = frame["name"].map(codes)
    return {"": BILATERAL_SCHEMA.validate(frame, file)}


def parse_totals(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """'Volume of transfers of major arms' imports-by-recipient or exports-by-supplier table, with world total."""
    rows = _rows(path, file)
    header_index = next((i for i, r in enumerate(rows[:HEADER_SEARCH_LINES])
                         if r and r[0].strip() in ("Recipient", "Exports by")), None)
    if header_index is None:
        raise InputError(file, "no header line starting 'Recipient,' or 'Exports by,' within the first "
                         f"{HEADER_SEARCH_LINES} lines", row=1)
    check_no_data_above(rows, header_index, file)
    header = rows[header_index]
    direction = "imports" if header[0].strip() == "Recipient" else "exports"
    # Only the single-year columns: the table also has '1950-2024', 'Percentage' and similar summary columns.
    years = _year_columns(header, file, header_index + 1)
    data_rows = []
    world_seen = False
    for line, fields in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not fields or not fields[0].strip():
            continue
        if len(fields) < len(header):
            raise InputError(file, f"row has {len(fields)} fields, the header {len(header)} (truncated?)", row=line)
        _check_width(fields, header, file, line)
        data_rows.append((line, fields[0].strip(), fields))
        world_seen = world_seen or fields[0].strip().startswith("Total world")
    if not world_seen:
        raise InputError(file, "no 'Total world ...' row: the file looks truncated", row=len(rows))
    names = {name: f"line {line}, column 1" for line, name, _ in reversed(data_rows)}
    codes = countries.map_names(names, file)
    frame = pd.DataFrame.from_records(_cells(data_rows, years, file), columns=["name", "year", "tiv", "source_ref"])
    frame["code"] = frame["name"].map(codes)
    frame["direction"] = direction
    return {"": TOTALS_SCHEMA.validate(frame, file)}


SUPPLIER_BLOCK_PREFIX = "Total exports from "


def parse_supplier_blocks(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """Consecutive per-supplier tables ('Recipient,<year>,...' header, recipient rows, 'Total exports from <supplier>')
    -> supplier x recipient x year. A table with no rows names no supplier and is skipped; a table with rows must end
    in its closing row, and its rows must add up to that row's total within the rounding of whole TIV millions."""
    rows = _rows(path, file)
    headers = [i for i, r in enumerate(rows) if r and r[0].strip() == "Recipient"]
    if not headers:
        raise InputError(file, "no table header starting 'Recipient,' (one table per supplier expected)", row=1)
    check_no_data_above(rows, headers[0], file)
    records: list[dict] = []
    suppliers: dict[str, str] = {}  # name -> where its closing row is
    for number, start in enumerate(headers):
        end = headers[number + 1] if number + 1 < len(headers) else len(rows)
        header = rows[start]
        years = _year_columns(header, file, start + 1)
        data_rows, closing = [], None
        for line, fields in enumerate(rows[start + 1:end], start=start + 2):
            first = fields[0].strip() if fields else ""
            if not first:
                if any(cell.strip() for cell in fields):
                    raise InputError(file, "a row with values has no recipient name", row=line, column="1")
                continue
            if first.startswith(SUPPLIER_BLOCK_PREFIX):
                closing = (line, first[len(SUPPLIER_BLOCK_PREFIX):].strip(), fields)
                break
            if _is_preamble(fields):
                break  # the next table's preamble: this table ended without its closing row
            _check_width(fields, header, file, line)
            data_rows.append((line, first, fields))
        if closing is None:
            if data_rows:
                raise InputError(file, f"the table whose header is on line {start + 1} has {len(data_rows)} recipient "
                                 f"row(s) but no closing '{SUPPLIER_BLOCK_PREFIX}<supplier>' row, so its supplier is "
                                 "unknown: the file looks truncated or edited", row=data_rows[-1][0] + 1, column="1")
            continue
        line, supplier_name, fields = closing
        cells = _cells(data_rows, years, file)
        _check_block_sum(cells, data_rows, header, years, fields, supplier_name, file, line)
        if supplier_name in suppliers:
            raise InputError(file, f"a second table for supplier {supplier_name!r}", row=line, column="1")
        suppliers[supplier_name] = f"line {line}, column 1"
        records.extend({**c, "supplier_name": supplier_name} for c in cells)
    frame = pd.DataFrame.from_records(records, columns=["name", "year", "tiv", "source_ref", "supplier_name"])
    recipients = {name: ref.split(",")[0] + ", column 1"  # the first place each name is seen
                  for ref, name in reversed(list(zip(frame["source_ref"], frame["name"], strict=True)))}
    codes = countries.map_names({**recipients, **suppliers}, file)
    frame["supplier"] = frame["supplier_name"].map(codes)
    frame["recipient"] = frame["name"].map(codes)
    return {"": BILATERAL_SCHEMA.validate(frame.drop(columns="supplier_name"), file)}


def _check_block_sum(cells: list[dict], data_rows: list[tuple[int, str, list[str]]], header: list[str],
                     years: list[tuple[int, int]], closing: list[str], supplier: str, file: str, line: int) -> None:
    """A supplier's recipient rows must add up to its closing total, less the recipients outside the export's
    selection (organisations, unknown recipients): that part is what the rows' 'Percentage' column leaves short of
    100%. Every printed cell is rounded (values to whole millions, percentages to one decimal, or to a whole point
    from 10%), so the tolerance is half a unit per cell."""
    share_column = next((i for i, cell in enumerate(header) if cell.strip() == "Percentage"), None)
    printed = [fields[share_column].strip() if share_column is not None and share_column < len(fields) else ""
               for _, _, fields in data_rows]
    shares = [float(text.rstrip("%")) if text.endswith("%") else None for text in printed]
    for column, year in years:
        total = parse_number(closing[column] if column < len(closing) else "", file, line, f"{column + 1} ({year})")
        total = total or 0.0
        added = sum(c["tiv"] for c in cells if c["year"] == year)
        rounding = 0.5 * (sum(1 for c in cells if c["year"] == year) + 1)
        where = {"row": line, "column": f"{column + 1} ({year})"}
        if added > total + rounding:
            raise InputError(file, f"the recipients of {supplier} add up to {added:g} in {year}, more than the "
                             f"closing row's total {total:g}", **where)
        if len(years) == 1 and None not in shares and shares:
            covered = total * sum(shares) / 100
            slack = rounding + total * sum(0.0005 if "." in text else 0.005 for text in printed)
            if abs(added - covered) > slack:
                raise InputError(file, f"the recipients of {supplier} add up to {added:g} in {year}; the closing row's "
                                 f"total {total:g} and the rows' percentages ({sum(shares):.1f}% in all) give "
                                 f"{covered:.0f}: a row is missing or wrong", **where)
        elif total - added > rounding:  # no percentages to tell a recipient outside the selection from a lost row
            raise InputError(file, f"the recipients of {supplier} add up to {added:g} in {year}, short of the closing "
                             f"row's total {total:g}", **where)


def _is_preamble(fields: list[str]) -> bool:
    return fields[0].strip().startswith(("Volume of transfers", "Figures ", "A '0'", "For the method", "Source:",
                                         "Data generated"))


EXPORT_TABLE = Parser("sipri_tiv_export_table", VERSION, "SIPRI TIV of arms exports from one supplier, by recipient "
                      "and year (2022 release)", parse_export_table, {"": BILATERAL_SCHEMA})
US_EXPORTS = Parser("sipri_us_exports_by_recipient", VERSION, "SIPRI TIV of US arms exports by recipient and year "
                    "(header edited by the uploader)", parse_us_exports, {"": BILATERAL_SCHEMA})
SUPPLIER_BLOCKS = Parser("sipri_tiv_supplier_blocks", VERSION, "SIPRI TIV of arms exports by recipient, one table "
                         "per supplier in one export, the supplier named in each table's closing row (2025 release)",
                         parse_supplier_blocks, {"": BILATERAL_SCHEMA})
TOTALS = Parser("sipri_tiv_totals", VERSION, "SIPRI TIV of arms imports by recipient or exports by supplier, "
                "per year, with the world total", parse_totals, {"": TOTALS_SCHEMA})
