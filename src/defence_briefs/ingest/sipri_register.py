"""SIPRI Arms Transfers Database trade registers (portal CSV exports, releases 2024, 2025, 2026).

Traps handled: Latin-1 bytes; an 11-line preamble before the header; three flag columns whose
header is a single space and whose value is '' or '?'; records broken over two physical lines by an
unquoted line break in Comments (rejoined); bare CR inside a record; delivery years as a '; ' list;
orders with nothing delivered yet (kept, with an empty delivery list).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from ..countries import CountryTable
from ..errors import InputError
from .base import Parser
from .schema import Column, TableSchema
from .text_input import parse_number, read_text

VERSION = "1"
EXPECTED_HEADER = (
    "Recipient", "Supplier", "Year of order", " ", "Number ordered", " ", "Weapon designation",
    "Weapon description", "Number delivered", " ", "Year(s) of delivery", "status", "Comments",
    "SIPRI TIV per unit", "SIPRI TIV for total order", "SIPRI TIV of delivered weapons",
)
N_FIELDS = len(EXPECTED_HEADER)
HEADER_SEARCH_LINES = 30
STATUSES = frozenset({"New", "Second hand", "Second hand but modernized"})

TRANSFERS_SCHEMA = TableSchema(
    name="transfers",
    columns=(
        Column("recipient", "str"),
        Column("supplier", "str"),
        Column("recipient_name", "str"),
        Column("supplier_name", "str"),
        Column("order_year", "int", min=1900, max=2100),
        Column("order_year_uncertain", "bool"),
        Column("number_ordered", "int", nullable=True, min=0),
        Column("number_ordered_uncertain", "bool"),
        Column("weapon_designation", "str"),
        Column("weapon_description", "str"),
        Column("number_delivered", "int", nullable=True, min=0),
        Column("number_delivered_uncertain", "bool"),
        Column("delivery_years", "list[int]"),
        Column("status", "str", allowed=STATUSES),
        Column("comments", "str", nullable=True),
        Column("tiv_per_unit", "float", nullable=True, min=0),
        Column("tiv_order", "float", nullable=True, min=0),
        Column("tiv_delivered", "float", nullable=True, min=0),
        Column("source_ref", "str"),
    ),
)
INFO_SCHEMA = TableSchema(
    name="transfers_info",
    columns=(Column("key", "str"), Column("value", "str"), Column("source_ref", "str")),
    key=("key",),
)


def _fields(line: str) -> list[str]:
    return next(csv.reader([line.replace("\r", " ")]))


def _flag(text: str, file: str, line: int, column: int) -> bool:
    value = text.strip()
    if value not in ("", "?"):
        raise InputError(file, f"uncertainty flag must be '?' or empty, found {text!r}", row=line,
                         column=f"{column + 1} (flag after '{EXPECTED_HEADER[column - 1]}')")
    return value == "?"


def _years(text: str, file: str, line: int) -> list[int]:
    if not text.strip():
        return []
    years = []
    for part in re.split(r";\s*", text.strip()):
        if not re.fullmatch(r"\d{4}", part.strip()):
            raise InputError(file, f"delivery years must be a '; '-separated list of years, found {text!r}",
                             row=line, column="11 (Year(s) of delivery)")
        years.append(int(part))
    if years != sorted(set(years)):
        raise InputError(file, f"delivery years repeat or go backwards: {text!r}", row=line,
                         column="11 (Year(s) of delivery)")
    return years


def _header_line(lines: list[str], file: str) -> int:
    for index, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        if line.startswith("Recipient,"):
            fields = _fields(line)
            if tuple(fields) != EXPECTED_HEADER:
                for position, (got, expected) in enumerate(zip(fields, EXPECTED_HEADER, strict=False), start=1):
                    if got != expected:
                        raise InputError(file, f"header column is {got!r}, expected {expected!r}",
                                         row=index + 1, column=str(position))
                raise InputError(file, f"header has {len(fields)} columns, expected {N_FIELDS}", row=index + 1)
            for number, above in enumerate(lines[:index], start=1):
                if len(_fields(above)) >= N_FIELDS:
                    raise InputError(file, f"a data record appears above the header line (line {index + 1}); "
                                     "the header row was moved, and the records above it would be lost",
                                     row=number, column="1")
            return index
    raise InputError(file, f"no header line starting 'Recipient,Supplier,' within the first {HEADER_SEARCH_LINES} "
                     "lines; is this a SIPRI trade register?", row=1)


def _records(lines: list[str], start: int, file: str) -> list[tuple[int, list[str]]]:
    """Logical records as (first physical line number, 16 fields), rejoining records split over lines."""
    records = []
    index = start
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        first = index + 1
        if line.startswith("Recipient,Supplier,"):
            raise InputError(file, "the header line appears again inside the data (two exports pasted together?)",
                             row=first, column="1")
        text = line
        fields = _fields(text)
        while len(fields) < N_FIELDS and index + 1 < len(lines):
            index += 1
            text = text + " " + lines[index]
            fields = _fields(text)
        if len(fields) != N_FIELDS:
            what = "the file ends inside this record (truncated?)" if len(fields) < N_FIELDS else "too many fields"
            raise InputError(file, f"record has {len(fields)} fields, expected {N_FIELDS}: {what}", row=first)
        records.append((first, fields))
        index += 1
    return records


def parse(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """Parse one trade register into tables '' (one row per deal) and 'info' (preamble facts)."""
    lines = read_text(path, file, "latin-1").split("\n")
    header = _header_line(lines, file)
    info = [{"key": "title", "value": lines[0].strip(), "source_ref": "line 1"}]
    for number, line in enumerate(lines[:header], start=1):
        if line.startswith("Data generated:"):
            info.append({"key": "data_generated", "value": line.split(":", 1)[1].strip(),
                         "source_ref": f"line {number}"})
    rows = []
    names: dict[str, str] = {}
    for line, f in _records(lines, header + 1, file):
        if not f[0].strip() or not f[1].strip():
            raise InputError(file, "recipient and supplier must not be empty", row=line,
                             column="1 (Recipient)" if not f[0].strip() else "2 (Supplier)")
        order_year = parse_number(f[2], file, line, "3 (Year of order)", integer=True)
        if order_year is None:
            raise InputError(file, "year of order is empty", row=line, column="3 (Year of order)")
        delivery_years = _years(f[10], file, line)
        names.setdefault(f[0].strip(), f"line {line}, column 1")
        names.setdefault(f[1].strip(), f"line {line}, column 2")
        rows.append({
            "recipient_name": f[0].strip(), "supplier_name": f[1].strip(),
            "order_year": order_year, "order_year_uncertain": _flag(f[3], file, line, 3),
            "number_ordered": parse_number(f[4], file, line, "5 (Number ordered)", integer=True),
            "number_ordered_uncertain": _flag(f[5], file, line, 5),
            "weapon_designation": f[6].strip(), "weapon_description": f[7].strip(),
            "number_delivered": parse_number(f[8], file, line, "9 (Number delivered)", integer=True),
            "number_delivered_uncertain": _flag(f[9], file, line, 9),
            "delivery_years": delivery_years, "status": f[11].strip(), "comments": f[12].strip() or None,
            "tiv_per_unit": parse_number(f[13], file, line, "14 (SIPRI TIV per unit)"),
            "tiv_order": parse_number(f[14], file, line, "15 (SIPRI TIV for total order)"),
            "tiv_delivered": parse_number(f[15], file, line, "16 (SIPRI TIV of delivered weapons)"),
            "source_ref": f"line {line}",
        })
    if not rows:
        raise InputError(file, "no records below the header", row=header + 1)
    codes = countries.map_names(names, file)
    frame = pd.DataFrame.from_records(rows)
    frame["recipient"] = frame["recipient_name"].map(codes)
    frame["supplier"] = frame["supplier_name"].map(codes)
    return {"": TRANSFERS_SCHEMA.validate(frame, file), "info": INFO_SCHEMA.validate(pd.DataFrame(info), file)}


PARSER = Parser(
    name="sipri_trade_register",
    version=VERSION,
    description="SIPRI Arms Transfers Database trade register (portal CSV export, Latin-1)",
    parse=parse,
    schemas={"": TRANSFERS_SCHEMA, "info": INFO_SCHEMA},
)
