"""Small hand-written inputs in the real formats of every source, with the real traps.

CSV fixtures are literal text below. The .xlsx fixtures are written cell by cell with openpyxl, with the
same sheet names, header rows, markers and quirks as the publishers' workbooks. `write_fixture_project`
lays them out as a mirror and writes a matching manifest, so tests run the real fetch and data stages.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl

REGISTER_PREAMBLE = [
    "Transfers of major conventional arms from All countries  to All countries . Deals with deliveries made "
    "for the year range 'Not specified' to 'Not specified' ",
    "A '?' in a column indicates uncertain data. The 'Number delivered' and the 'Year(s) of deliveries' refer "
    "only to deliveries in the selected year(s).",
    "An empty field for 'Number ordered' indicates that data is not yet available.",
    "SIPRI trend-indicator values (TIVs) are in millions.",
    "An empty field for 'SIPRI TIV for total order' indicates that data (on the number ordered and/or the TIV "
    "per unit) is not available.",
    "A '0' for 'SIPRI TIV of delivered weapons' indicates that the volume of deliveries is between 0 and 0.5 "
    "million SIPRI TIV; and an empty field indicates that no deliveries have been identified.",
    "Figures may not add up to stated totals due to the conventions of rounding.",
    "For the method used for the SIPRI TIV and explanations of the conventions; abbreviations and acronyms see "
    "<https://www.sipri.org/databases/armstransfers/sources-and-methods>.",
    "",
    "Source: SIPRI Arms Transfers Database (c) SIPRI.",
    "Data generated: 18 May 2026 2:29:20 PM",
]
REGISTER_HEADER = (
    "Recipient,Supplier,Year of order, ,Number ordered, ,Weapon designation,Weapon description,Number delivered, ,"
    "Year(s) of delivery,status,Comments,SIPRI TIV per unit,SIPRI TIV for total order,SIPRI TIV of delivered weapons"
)
# Seven deals. Line 15 is split over two physical lines by a break inside Comments (as in the 2024 and
# 2025 files); line 17 holds a bare CR inside Comments (2025); Poland's K2 order has nothing delivered yet.
REGISTER_RECORDS = [
    "Poland,United States,2018,,2,,Patriot PAC-3,SAM system,2,,2023; 2024,New,"
    "\"Part of $4.75 b 'Wisla' programme, phase 1\",300,600,600",
    "Poland,South Korea,2022,,180,?,K2,tank,46,?,2023; 2024; 2025,New,K2PL version,6,1080,276",
    "Poland,South Korea,2025,,180,,K2,tank,0,,,New,Second batch; delivery from 2026,6,1080,",
    "Germany,United States,2022,?,35,,F-35A,FGA aircraft,,,,New,For nuclear sharing role; incl",
    " weapons; replacing Tornado,90,3150,",
    "Finland,Finland,2019,,1,,Wärtsilä 31,ship engine,1,,2021,New,For Pohjanmaa corvette,1,1,1",
    "Ukraine,NATO**,2023,,10,?,Bü-181,light aircraft,10,?,2023; 2024,Second hand,Aid;\rvia member states,0.2,2,2",
    "PKK (Turkiye)*,unknown supplier(s),2015,?,,,9M14 Malyutka,anti-tank missile,50,?,2015; 2016,Second hand,,"
    "0.01,,0.5",
]


def register_bytes(records: list[str] | None = None, preamble: list[str] | None = None,
                   header: str = REGISTER_HEADER) -> bytes:
    lines = (REGISTER_PREAMBLE if preamble is None else preamble) + [header] + (
        REGISTER_RECORDS if records is None else records)
    return ("\n".join(lines) + "\n").encode("latin-1")


TIV_EXPORT_NOTES = """\
Figures are SIPRI Trend Indicator Values (TIVs) expressed in millions.,,,,,
Figures may not add up due to the conventions of rounding.,,,,,
A '0' indicates that the value of deliveries is less than 0.5m,,,,,
"For more information, see http://www.sipri.org/databases/armstransfers/sources-and-methods/",,,,,
,,,,,
,,,,,
Source: SIPRI Arms Transfers Database,,,,,
Generated: 28 July 2022,,,,,
,,,,,
,2019,2020,2021,Total
"""


def tiv_export_table(supplier: str, body: str) -> str:
    """A 2022-release 'TIV of arms exports from <supplier>' file: title, notes, header (line 11), rows."""
    return f'"TIV of arms exports from {supplier}, 1950-2021",,,,,\n' + TIV_EXPORT_NOTES + body


TIV_EXPORT_USA = tiv_export_table("United States", """\
Germany,120,,35,155
Poland,147,79,37,263
Turkey,0,,12,12
,,,,,
Total,267,79,84,430
""")
TIV_EXPORT_FRG = tiv_export_table("Germany", """\
Poland,10,20,,30
Czechia,,5,5,10
,,,,,
Total,10,25,5,40
""")
US_EXPORTS = """\
supplier,recipients,2021,2022,2023
United States of America,Poland,37,150,634
,Germany,35,,80
,Ukraine,,400,1200
,Netherlands,0,12,
"""
IMPORT_TOTALS = """\
Volume of transfers of major arms
Figures are in millions of SIPRI trend-indicator values (TIVs).
A '0' indicates that the volume of deliveries is between 0 and 0.5 million SIPRI TIV. An empty field indicates \
that no deliveries have been identified.
Figures may not add up to stated totals due to the conventions of rounding.
For the method used for the SIPRI TIV see <https://www.sipri.org/databases/armstransfers/sources-and-methods>.

Source: SIPRI Arms Transfers Database (c) SIPRI.
Data generated: 13 Oct 2024 12:33:29 PM

Recipient,2022,2023,2024,2022-2024,Percentage,Sum total years,Percentage of total
Ukraine,2000,3000,,5000,50.0%,5000,50.0%
Poland,500,700,,1200,12.0%,1200,12.0%
MTA (Myanmar)*,0 ,,,0 ,0.0%,0 ,0.0%
Total world import,2500,3700,,6200,100.0%,6200,100.0%
"""
EXPORT_TOTALS = IMPORT_TOTALS.replace("Recipient,", "Exports by,").replace("Ukraine,2000", "United States,4000") \
    .replace("Poland,500", "France,300").replace("MTA (Myanmar)*", "Germany") \
    .replace("world import,2500,3700,,6200", "world export,4300,3700,,8000")
BLOCK_PREAMBLE = IMPORT_TOTALS.split("Recipient,")[0].replace("13 Oct 2024 12:33:29 PM", "24 Apr 2025 7:48:48 PM")
BLOCK_HEADER = "Recipient,2024,2024-2024,Percentage,Sum total years,Percentage of total\n"
# three supplier tables of one export (2025 release, data year 2024): the second table is empty and names no
# supplier; the United Kingdom's rows fall 8 short of its total, which the rows' percentages (92.0%) account for
SUPPLIER_BLOCKS = (
    BLOCK_PREAMBLE + BLOCK_HEADER + "Poland,600,600,60%,600,60%\nUkraine,399,399,40%,399,40%\n"
    "Netherlands,0 ,0 ,0.0%,0 ,0.0%\nTotal exports from United States,1000,1000,100%,1000,\n\n"
    + BLOCK_PREAMBLE + BLOCK_HEADER + "\n"
    + BLOCK_PREAMBLE + BLOCK_HEADER + "France,20,20,20%,20,20%\nUkraine,72,72,72%,72,72%\n"
    "Total exports from United Kingdom,100,100,100%,100,\n")
WORLDBANK = (
    '\ufeff"Data Source","World Development Indicators",\r\n\r\n"Last Updated Date","2026-04-08",\r\n\r\n'
    '"Country Name","Country Code","Indicator Name","Indicator Code","2022","2023","2024","2025",\r\n'
    '"Poland","POL","Population, total","SP.POP.TOTL","36821749","36687353","36559233","",\r\n'
    '"Germany","DEU","Population, total","SP.POP.TOTL","83797985","84482267","83510950","",\r\n'
    '"Kosovo","XKX","Population, total","SP.POP.TOTL","1761985","1756374","",""\r\n'
    '"World","WLD","Population, total","SP.POP.TOTL","7989981520","8064976550","8142056446","",\r\n'
)

# --- SIPRI military expenditure workbook -------------------------------------------------------------
MILEX_YEARS = [2022, 2023, 2024]
# name -> (notes, constant, current, share of GDP, per capita, share of govt spending), one value per year
MILEX_COUNTRIES: dict[str, tuple] = {
    "Germany": ("", [60000.0, 67000.0, 86301.3], [58000.0, 67285.2, 88458.5], [0.0139, 0.0149, 0.0189],
                [700.0, 797.2, 1044.4], [0.028, 0.031, 0.039]),
    "Poland": ("", [17000.0, 26342.8, 34488.3], [16600.0, 26342.8, 38000.7], [0.0238, 0.0327, 0.0415],
               [440.0, 678.7, 981.6], [0.05, 0.07, 0.085]),
    "Kosovo": ("§", ["...", 120.0, 130.0], ["...", 110.0, 133.2], ["...", 0.011, 0.012], ["...", 60.0, 70.0],
               ["...", "...", "..."]),
    "Yugoslavia": ("", ["xxx", "xxx", "xxx"], ["xxx", "xxx", "xxx"], ["xxx", "xxx", "xxx"], ["xxx", "xxx", "xxx"],
                   ["xxx", "xxx", "xxx"]),
    "Türkiye": ("‖12", [15000.0, 16000.0, "…"], [14000.0, 15800.0, "…"], [0.0155, 0.0146, "…"],
                [160.0, 185.0, "…"], [0.04, 0.041, "…"]),
}
SHEETS = [  # (sheet name, header row, extra columns between Country and Notes, measure index)
    ("Constant (2023) US$", 6, [""], 1),
    ("Current US$", 6, [], 2),
    ("Share of GDP", 6, [], 3),
    ("Per capita", 7, [], 4),
    ("Share of Govt. spending", 8, [], 5),
]


def milex_workbook(path: Path, mutate=None) -> Path:
    """Write a SIPRI-style milex workbook; `mutate(workbook)` may damage it before saving."""
    wb = openpyxl.Workbook()
    wb.active.title = "Front page"
    wb["Front page"]["A1"] = "SIPRI Military Expenditure Database"
    regional = wb.create_sheet("Regional totals")
    regional["A1"] = "Military expenditure by region in constant US dollars     © SIPRI 2025"
    header = ["Region", *MILEX_YEARS, "2024 (current prices)", "", "Omitted countries"]
    for col, value in enumerate(header, start=1):
        regional.cell(row=14, column=col, value=value)
    for row, (region, values, omitted) in enumerate([
        ("World", [2294.5, 2447.4, 2676.5, 2718.2], ""),
        ("Europe", [505.0, 581.5, 680.7, 693.4], None),
        ("Central Asia", ["xxx", ". .", 1.8, 1.9], "Turkmenistan"),
    ], start=15):
        regional.cell(row=row, column=1, value=region)
        for col, value in enumerate(values, start=2):
            regional.cell(row=row, column=col, value=value)
        regional.cell(row=row, column=7, value=omitted)
    for sheet_name, header_row, extra, index in SHEETS:
        ws = wb.create_sheet(sheet_name)
        ws["A1"] = f"Military expenditure by country, {sheet_name}, 1949-2024   © SIPRI 2025"
        ws["A4"] = '"..." = data unavailable. "xxx" = country did not exist or was not independent.'
        head = ["Country", *extra, "Notes"]
        if sheet_name.startswith("Share of Govt"):
            head.append("Reporting year")
        for col, value in enumerate([*head, *MILEX_YEARS], start=1):
            ws.cell(row=header_row, column=col, value=value)
        row = header_row + 2
        ws.cell(row=row, column=1, value="Europe")
        ws.cell(row=row + 1, column=1, value="Central Europe")
        for col in range(len(head) + 1, len(head) + 1 + len(MILEX_YEARS)):
            ws.cell(row=row + 1, column=col, value="...")  # some region labels are filled with '...'
        row += 2
        for name, spec in MILEX_COUNTRIES.items():
            ws.cell(row=row, column=1, value=name)
            ws.cell(row=row, column=len(head) - (1 if sheet_name.startswith("Share of Govt") else 0),
                    value=spec[0] or None)
            for col, value in enumerate(spec[index], start=len(head) + 1):
                ws.cell(row=row, column=col, value=value)
            row += 1
    wb.create_sheet("Footnotes")["A1"] = "Footnotes and special notes"
    if mutate is not None:
        mutate(wb)
    wb.save(path)
    return path


# --- NATO tables workbook ------------------------------------------------------------------------------
NATO_YEARS = [2022, "2023e", "2024e"]
NATO_COUNTRIES = {  # name -> TABLE2 current, TABLE3 share (%), TABLE3 change (%), TABLE5 GDP, TABLE8a equip (%)
    "Germany": ([58000.0, 68000.0, 97700.0], [1.49, 1.57, 2.12], [-2.0, 9.0, 23.2], [4080000.0, 4460000.0, 4610000.0],
                [17.0, 21.0, 27.0]),
    "Poland*": ([13000.0, 25000.0, 35000.0], [2.2, 3.26, 4.12], [13.0, 50.0, 31.0], [690000.0, 810000.0, 850000.0],
                [38.0, 48.0, 51.0]),
    "Slovak Republic": ([1800.0, 2400.0, 2500.0], [1.8, 2.0, 2.0], [8.0, 30.0, 1.0], [115000.0, 130000.0, 140000.0],
                        [34.0, 30.0, 27.0]),
    "Türkiye": ([10600.0, 15800.0, 21000.0], [1.37, 1.55, 2.09], [-7.0, 40.0, 40.0], [905000.0, 1100000.0, 1300000.0],
                [26.0, 30.0, 32.0]),
}
NATO_AGGREGATES = {"NATO Europe and Canada": ([300000.0, 360000.0, 450000.0], [1.6, 1.7, 2.0], [2.0, 10.0, 17.95]),
                   "NATO Total": ([1000000.0, 1100000.0, 1300000.0], [2.5, 2.5, 2.7], [-1.0, 2.0, 10.9])}


def nato_workbook(path: Path, mutate=None) -> Path:
    """Write a NATO-style tables workbook (TABLE2, 3, 5, 8a, 8b); `mutate(workbook)` may damage it."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)

    def sheet(name: str, title: str, blocks: list[tuple[str, dict[str, list]]]) -> None:
        ws = wb.create_sheet(name)
        ws["B4"] = title
        for col, year in enumerate(NATO_YEARS, start=4):
            ws.cell(row=8, column=col, value=year)
        row = 10
        for label, rows in blocks:
            ws.cell(row=row, column=2, value=label)
            row += 1
            for name, values in rows.items():
                ws.cell(row=row, column=3 if not name.startswith("NATO") else 2, value=name)
                for col, value in enumerate(values, start=4):
                    ws.cell(row=row, column=col, value=value)
                row += 1
            for col in range(4, 7):
                ws.cell(row=row, column=col, value="#REF!")  # hidden row with cached errors, no name
            row += 1
        ws.cell(row=row + 2, column=3, value="Notes: Figures for 2023 and 2024 are estimates.")
        ws.cell(row=row + 3, column=2, value="-9-")

    countries = NATO_COUNTRIES
    aggregates = NATO_AGGREGATES
    sheet("TABLE2", "Table 2 : Defence expenditure", [
        ("Current prices and exchange rates", {**{n: v[0] for n, v in countries.items()},
                                               **{n: v[0] for n, v in aggregates.items()}}),
        ("Constant 2015 prices and exchange rates", {n: [x * 0.8 for x in v[0]] for n, v in countries.items()}),
    ])
    sheet("TABLE3", "Table 3 : Defence expenditure as a share of GDP and annual real change", [
        ("Share of real GDP (%)", {**{n: v[1] for n, v in countries.items()},
                                   **{n: v[1] for n, v in aggregates.items()}}),
        ("Annual real change (%)", {**{n: v[2] for n, v in countries.items()},
                                    **{n: v[2] for n, v in aggregates.items()}}),
    ])
    sheet("TABLE5", "Table 5 : GDP", [
        ("Current prices and exchange rates", {n: v[3] for n, v in countries.items()}),
        ("Constant 2015 prices and exchange rates", {n: [x * 0.9 for x in v[3]] for n, v in countries.items()}),
    ])
    sheet("TABLE8a", "Table 8a : Distribution of defence expenditure by main category", [
        ("Equipment (a)", {n.rstrip("*"): v[4] for n, v in countries.items()}),
        ("Personnel (b)", {n.rstrip("*"): [50.0, 45.0, 40.0] for n in countries}),
    ])
    sheet("TABLE8b", "Table 8b : Distribution of defence expenditure by main category", [
        ("Infrastructure (c)", {n.rstrip("*"): [3.0, 3.0, 4.0] for n in countries}),
        ("Other (d)", {n.rstrip("*"): [10.0, 11.0, 12.0] for n in countries}),
    ])
    if mutate is not None:
        mutate(wb)
    wb.save(path)
    return path


# --- a whole project: mirror + manifest ----------------------------------------------------------------
FIXTURE_FILES = {  # id -> (path under the mirror, parser, role)
    "register": ("sipri_arms_transfers/2026_release/trade-register.csv", "sipri_trade_register", "transfers"),
    "tiv_usa": ("sipri_arms_transfers/2022_release/tiv_export_tables/TIV-Export-USA-1950-2021.csv",
                "sipri_tiv_export_table", "bilateral_tiv"),
    "tiv_frg": ("sipri_arms_transfers/2022_release/tiv_export_tables/TIV-Export-FRG-1950-2021.csv",
                "sipri_tiv_export_table", "bilateral_tiv"),
    "us_exports": ("sipri_arms_transfers/2024_release/us/us_import-export-values.csv",
                   "sipri_us_exports_by_recipient", "us_exports_tiv"),
    "import_totals": ("sipri_arms_transfers/2024_release/oct2024_extract/import-export-values_1950-2024.csv",
                      "sipri_tiv_totals", "imports_tiv_totals"),
    "export_totals": ("sipri_arms_transfers/2024_release/oct2024_extract/import-export-values_1950-2024_1950-2024.csv",
                      "sipri_tiv_totals", "exports_tiv_totals"),
    "milex": ("sipri_milex/2025_release/SIPRI-Milex-data-1949-2024_2.xlsx", "sipri_milex_workbook", "milex"),
    "nato": ("nato_defence_expenditure/2024_edition/240617-def-exp-2024-TABLES-en.xlsx",
             "nato_defence_expenditure_tables", "nato"),
    "population": ("worldbank_wdi/2026-04-08/API_SP.POP.TOTL_DS2_en_csv_v2_282912.csv", "worldbank_wdi_csv",
                   "population"),
}


def write_fixture_file(file_id: str, path: Path) -> Path:
    """Write the good fixture for `file_id` at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = {"tiv_usa": TIV_EXPORT_USA, "tiv_frg": TIV_EXPORT_FRG, "us_exports": US_EXPORTS,
            "import_totals": IMPORT_TOTALS, "export_totals": EXPORT_TOTALS}.get(file_id)
    if text is not None:
        path.write_bytes(text.encode("ascii"))
    elif file_id == "register":
        path.write_bytes(register_bytes())
    elif file_id == "population":
        path.write_bytes(WORLDBANK.encode("utf-8"))
    elif file_id == "milex":
        milex_workbook(path)
    elif file_id == "nato":
        nato_workbook(path)
    else:
        raise KeyError(file_id)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(root: Path, mirror: Path, ids: list[str] | None = None, url_base: str = "") -> Path:
    """Write data/sources.toml under `root` pinning the files now in `mirror` (one release, 'test')."""
    ids = ids or list(FIXTURE_FILES)
    lines = ['schema_version = 1', '', '[releases.test]', 'title = "Fixture release"', 'date = 2026-05-18',
             'last_data_year = 2024', '']
    for file_id in ids:
        rel, parser, role = FIXTURE_FILES[file_id]
        source = mirror / rel
        lines += [
            "[[files]]", f'id = "{file_id}"', f'title = "fixture {file_id}"', f'source = "{rel.split("/")[0]}"',
            'publisher = "test"', 'source_release = "test"', f'path = "{rel}"', f'parser = "{parser}"',
            f'role = "{role}"', 'releases = ["test"]', f'url = "{url_base + rel if url_base else ""}"',
            "copies = []", f'sha256 = "{sha256(source)}"', f"size = {source.stat().st_size}", "",
        ]
    manifest = root / "data" / "sources.toml"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text("\n".join(lines), encoding="utf-8")
    return manifest


def write_fixture_project(root: Path) -> Path:
    """Write every good fixture into `root/mirror` and a manifest into `root/data`; return the mirror."""
    mirror = root / "mirror"
    for file_id, (rel, _, _) in FIXTURE_FILES.items():
        write_fixture_file(file_id, mirror / rel)
    write_manifest(root, mirror)
    return mirror


# --- NATO tables workbook, the layout of the 2025 and 2026 editions ---------------------------------------------
# Published values (NATO, def-exp-2026-en.xlsx, July 2026): Sweden 2024 140,549 m kronor (Table 1); Sweden 2026e
# 24,186 US$ m current and 21,538 at constant 2021 prices (Table 2), 3.22% of GDP (Table 3), equipment 25.41%
# (Table 8a); United States 2026e 1,032,849 US$ m (Table 2). def-exp-2025-en.xlsx (August 2025): Sweden's
# equipment share 2025e 35.827%. The other cells are made up; Iceland has no row in 2026; Slovenia carries the
# 2026 footnote, Sweden the 2025 one (revised figures).
NATO_2025_LAYOUT = {
    2026: {"title": "Core defence expenditure", "years": [2014, *range(2015, 2025), "2025e", "2026e"],
           "published": {("1", "Sweden", 2024): 140549.0, ("2c", "Sweden", 2026): 24186.0,
                         ("2k", "Sweden", 2026): 21538.0, ("3", "Sweden", 2026): 3.22,
                         ("8a", "Sweden", 2026): 25.41, ("2c", "United States", 2026): 1032849.0},
           "footnoted": "Slovenia"},
    2025: {"title": "Defence expenditure", "years": [2014, *range(2015, 2024), "2024e", "2025e"],
           "published": {("8a", "Sweden", 2025): 35.827}, "footnoted": "Sweden"},
}
NATO_2025_COUNTRIES = {"Sweden": "Kronor", "Slovenia": "Euros", "Poland": "Zlotys", "United States": "US dollars"}


def nato_workbook_2025_layout(path: Path, edition: int, mutate=None) -> Path:
    """A tables workbook in the 2025/2026 layout: sheets 'Table 1' ... 'Table 8b', the title in A1, unit rows,
    blocks named by the row above their year header (first cell empty), countries in column A, a Notes row."""
    spec = NATO_2025_LAYOUT[edition]
    years = spec["years"]
    wb = openpyxl.Workbook()
    wb.remove(wb.active)

    def year_of(header) -> int:
        return int(str(header).rstrip("e"))

    def value(key: str, name: str, header, base: float) -> float:
        published = spec["published"].get((key, name, year_of(header)))
        return published if published is not None else round(base * (1 + 0.05 * (year_of(header) - 2014)), 3)

    def sheet(number: str, title: str, unit: str, blocks: list[tuple[str, str, dict[str, float]]],
              currency: bool = False) -> None:
        ws = wb.create_sheet(f"Table {number}")
        ws.append([f"Table {number}: {title}"])
        ws.append([unit])
        ws.append([])
        for label, key, bases in blocks:
            ws.append([label])
            ws.append([None, *years])
            for name, base in bases.items():
                shown = f"{name} ({NATO_2025_COUNTRIES[name]})" if currency and name in NATO_2025_COUNTRIES else name
                if name == spec["footnoted"]:
                    shown += "*"
                ws.append([shown, *(value(key, name, header, base) for header in years)])
            ws.append([])
        ws.append(["Notes: figures for the last years are estimates."])

    members = {"Sweden": 10000.0, "Slovenia": 500.0, "Poland": 12000.0, "United States": 700000.0}
    totals = {"NATO Europe and Canada": 300000.0, "NATO Total": 1000000.0}
    title = spec["title"]
    sheet("1", f"{title} (million national currency units)", "Million national currency units", [
        ("Current prices", "1", {"Sweden": 60000.0, "Slovenia": 450.0, "Poland": 40000.0,
                                 "United States": 700000.0}),
        ("Constant 2021 prices", "1k", {"Sweden": 55000.0, "Slovenia": 420.0, "Poland": 38000.0,
                                        "United States": 650000.0})], currency=True)
    sheet("2", f"{title} (million US dollars)", "Million US dollars", [
        ("Current prices and exchange rates", "2c", {**members, **totals}),
        ("Constant 2021 prices and exchange rates", "2k", {**members, **totals})])
    sheet("3", f"{title} as a share of GDP and annual real change", "Percentage", [
        ("Share of real GDP (%)", "3", {"Sweden": 1.2, "Slovenia": 1.0, "Poland": 2.0, "United States": 3.3}),
        ("Annual real change (%)", "3r", {"Sweden": 2.0, "Slovenia": 1.0, "Poland": 5.0, "United States": 1.0})])
    sheet("4", "Gross domestic product", "Not read", [("Current prices", "4", {"Sweden": 500000.0})])
    sheet("5", "Gross domestic product (million US dollars)", "Million US dollars", [
        ("Current prices and exchange rates", "5c", {n: v * 50 for n, v in members.items()}),
        ("Constant 2021 prices and exchange rates", "5k", {n: v * 45 for n, v in members.items()})])
    sheet("8a", f"Distribution of {title.lower()} by main category", "Percentage", [
        ("Equipment (a)", "8a", {"Sweden": 20.0, "Slovenia": 10.0, "Poland": 30.0, "United States": 28.0}),
        ("Personnel (b)", "8p", {"Sweden": 40.0, "Slovenia": 60.0, "Poland": 40.0, "United States": 35.0})])
    sheet("8b", f"Distribution of {title.lower()} by main category", "Percentage", [
        ("Infrastructure (c)", "8i", {"Sweden": 3.0, "Slovenia": 5.0, "Poland": 4.0, "United States": 2.0}),
        ("Other (d)", "8o", {"Sweden": 20.0, "Slovenia": 15.0, "Poland": 20.0, "United States": 30.0})])
    if mutate is not None:
        mutate(wb)
    wb.save(path)
    return path


def classified_register(folder: Path, records: list[str]):
    """Hand-written register rows in SIPRI's format, parsed, given their category and role, and classified by the
    order-book rules (`release_metrics.classify`), as the metrics stage reads the register."""
    from defence_briefs.countries import country_table
    from defence_briefs.ingest.sipri_register import parse
    from defence_briefs.metrics.release_metrics import classify
    from defence_briefs.metrics.weapon_categories import weapon_category, weapon_role

    path = folder / "register.csv"
    path.write_bytes(register_bytes(records))
    countries = country_table()
    transfers = parse(path, "register.csv", countries)[""]
    transfers = transfers.assign(category=weapon_category(transfers))
    return classify(transfers.assign(role=weapon_role(transfers)), countries)
