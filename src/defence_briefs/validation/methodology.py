"""Keep the generated blocks of methodology.md current: the metric catalogue, the allocation error tables and the
published figures (reproductions and parser checks).

A block sits between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->`; everything else in the
page is written by hand. `python build.py methodology` rewrites the blocks.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..briefs.text import dash_periods, short_period
from ..countries import country_table
from ..errors import DataError
from ..fileio import atomic_write_bytes
from ..ingest.stage import load_table
from ..manifest import Manifest
from ..metrics.catalogue import catalogue_markdown
from ..metrics.dependency import european_suppliers
from ..project import Project
from . import allocation as allocation_check
from .projection_backtest import FROM_RELEASE, TO_RELEASE, backtest_markdown
from .published_figures import parser_checks_markdown, reproductions_markdown, sources_markdown

PAGE = "methodology.md"
CHECK_RELEASE = "2024"  # the release whose US table runs past the other exact tables (to 2023)
CHECK_BOUNDARIES = (2018, 2021)
CHECK_GROUP = "NATO_EUROPE"
BLOC_CHECK_BOUNDARY = 2019  # hold out 2020-2021 of the 2022 release's supplier x recipient tables
BLOC_CHECK_GROUP = "EUROPE"
BLOC_NAMES = {"us": "United States", "europe": "European suppliers", "others": "others"}


def allocation_markdown(project: Project) -> str:
    """The allocation error tables, computed from the CHECK_RELEASE tidy tables."""
    tables = {t: load_table(project, CHECK_RELEASE, t)
              for t in ("transfers", "bilateral_tiv", "us_exports_tiv", "imports_tiv_totals", "exports_tiv_totals")}
    transfers = tables.pop("transfers")
    last_year = int(tables["us_exports_tiv"]["year"].max())
    recipients = set(country_table().members(CHECK_GROUP, last_year))
    lines = [
        f"US deliveries to the {len(recipients)} European NATO members of {last_year}, release {CHECK_RELEASE}; "
        "exact tables cut at the boundary year, later years held out.", "",
        "| Held-out years | Method | Yearly error (WAPE) | Window error (WAPE) | Median / max window error, "
        "importers >= 500 TIV | US share of the group's imports (exact) |",
        "|---|---|---|---|---|---|",
    ]
    per_country = None
    for boundary in CHECK_BOUNDARIES:
        results, table = allocation_check.allocation_errors(transfers, tables, recipients, boundary, last_year)
        if per_country is None:
            per_country = table
        for r in results:
            lines.append(f"| {r.years} | {r.method} | {r.yearly_wape:.1%} | {r.window_wape:.1%} | "
                         f"{r.window_median_large:.1%} / {r.window_max_large:.1%} | "
                         f"{r.us_share:.1%} ({r.exact_us_share:.1%}) |")
    assert per_country is not None
    lines += ["", f"Per country, US deliveries {CHECK_BOUNDARIES[0] + 1}-{last_year} (TIV m), ten largest:", "",
              "| Recipient | Exact | Equal split | Anchored split |", "|---|---|---|---|"]
    for code, row in per_country.head(10).iterrows():
        lines.append(f"| {code} | {row['exact']:,.0f} | {row['equal split']:,.0f} | {row['anchored split']:,.0f} |")
    return dash_periods("\n".join(lines) + "\n")


def bloc_allocation_markdown(project: Project) -> str:
    """The allocation error by supplier bloc, on the 2022 release's tables (every supplier, to 2021)."""
    bilateral = load_table(project, CHECK_RELEASE, "bilateral_tiv")
    last_year = int(bilateral["year"].max())
    countries = country_table()
    recipients = set(countries.members(BLOC_CHECK_GROUP, last_year))
    results = allocation_check.bloc_allocation_errors(load_table(project, CHECK_RELEASE, "transfers"), bilateral,
                                                      recipients, european_suppliers(countries),
                                                      BLOC_CHECK_BOUNDARY, last_year)
    lines = [
        f"Deliveries of every supplier to the {len(recipients)} European countries of {last_year} (register of "
        f"release {CHECK_RELEASE}; exact values from the 2022 release's supplier x recipient tables, cut after "
        f"{BLOC_CHECK_BOUNDARY}). Share error: |allocated - exact| share of the bloc in an importer's imports over "
        "the held-out years, importers with at least 100 TIV.", "",
        "| Held-out years | Method | Supplier bloc | Yearly error (WAPE) | Window error (WAPE) | "
        "Share error, mean / max | Bloc's share of the group's imports (exact) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.years} | {r.method} | {BLOC_NAMES[r.bloc]} | {r.yearly_wape:.1%} | {r.window_wape:.1%} "
                     f"| {r.share_error_mean * 100:.1f} / {r.share_error_max * 100:.1f} points | "
                     f"{r.group_share:.1%} ({r.exact_group_share:.1%}) |")
    return dash_periods("\n".join(lines) + "\n")


LAST_YEAR_RELEASE = "2025"  # the release with a pair table of its own for its last year (SIPRI's 2024 pairs)


def last_year_markdown(project: Project, manifest: Manifest) -> str:
    """The allocation error of a release's last year, held out against the release's own pair table."""
    from ..metrics.bilateral_tiv import TOTALS_REGISTER
    from ..metrics.release_metrics import release_exact_tiv, release_vintage

    release = manifest.release(LAST_YEAR_RELEASE)
    roles = release.files_by_role()
    exact = release_exact_tiv(release, lambda name: load_table(project, release.name, name))
    pairs = next(t.pairs for t in exact.tables if t.name == "supplier_pairs_tiv")
    countries = country_table()
    year = int(pairs["year"].max())
    recipients = set(countries.members(BLOC_CHECK_GROUP, year))
    totals_register = load_table(project, release.name, TOTALS_REGISTER) if TOTALS_REGISTER in roles else None
    results = allocation_check.last_year_errors(load_table(project, release.name, "transfers"), exact,
                                                release_vintage(release), totals_register, recipients,
                                                european_suppliers(countries))
    lines = [
        f"Deliveries in {year} to the European countries, release {release.name}: its register allocated as if SIPRI "
        f"had published no {year} pairs (as the build allocates the last year of a release without a table for it) "
        f"and compared with those pairs, for the {pairs['supplier'].nunique()} suppliers they "
        "name. Share error: "
        f"|allocated - exact| share of the bloc in an importer's {year} imports from those suppliers, importers with "
        "at least 100 TIV.", "",
        "| Method | Supplier bloc | Pair error (WAPE) | Importer error (WAPE) | Share error, mean / max |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.method} | {BLOC_NAMES[r.bloc]} | {r.pair_wape:.1%} | {r.importer_wape:.1%} | "
                     f"{r.share_error_mean * 100:.1f} / {r.share_error_max * 100:.1f} points |")
    return dash_periods("\n".join(lines) + "\n")


def replace_block(text: str, name: str, body: str, page: str = PAGE) -> str:
    """`text` with the generated block `name` replaced by `body`."""
    pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)
    if not pattern.search(text):
        raise DataError(f"{page}: no generated block '{name}' (<!-- generated:{name} --> ... "
                        f"<!-- /generated:{name} -->)")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def block(text: str, name: str) -> str:
    """The body of the generated block `name` in `text`."""
    match = re.search(rf"<!-- generated:{name} -->\n(.*?)<!-- /generated:{name} -->", text, re.S)
    return match.group(1) if match else ""


def update_methodology(project: Project, manifest: Manifest) -> Path:
    """Rewrite the generated blocks of methodology.md (needs every release's tidy tables and metrics)."""
    path = project.root / PAGE
    text = path.read_text(encoding="utf-8")
    text = replace_block(text, "catalogue", catalogue_markdown())
    if CHECK_RELEASE in {r.name for r in manifest.releases}:
        text = replace_block(text, "allocation", allocation_markdown(project))
        text = replace_block(text, "allocation_blocs", bloc_allocation_markdown(project))
    if LAST_YEAR_RELEASE in {r.name for r in manifest.releases}:
        text = replace_block(text, "allocation_last_year", last_year_markdown(project, manifest))
    if {FROM_RELEASE, TO_RELEASE} <= {r.name for r in manifest.releases}:
        text = replace_block(text, "projection_backtest", backtest_markdown(project, manifest))
    text = replace_block(text, "orders", orders_markdown(project, manifest))
    text = replace_block(text, "choices", choices_markdown(project, manifest))
    text = replace_block(text, "reproduced", reproductions_markdown(project))
    text = replace_block(text, "parser_checks", parser_checks_markdown(project))
    text = replace_block(text, "published_sources", sources_markdown())
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


RULE_WORDS = {
    "selection": "selected, not yet ordered (whole deal): not an order",
    "part_selection": "part of the deal selected, not yet ordered: that part is not an order",
    "planned": "planned units beyond those ordered: not ordered",
    "option": "an option named: not in the number ordered (TIV checked against number x TIV per unit)",
    "uncertain": "order year or number marked '?': counts, flagged",
    "aid": "financed as aid: counts for the recipient, flagged, payers named",
    "second_hand": "second-hand (status column): counts, flagged",
    "licence": "licence production: counts as an order from the licensor",
    "unvalued": "no TIV yet for the total order: counts as zero, counted by number",
}


def orders_markdown(project: Project, manifest: Manifest) -> str:
    """The orders' rule counts (newest release), how order years grew across the registers, and the lead-lag
    check of orders against later deliveries."""
    import pandas as pd

    from ..metrics import orders as order_rules
    from ..metrics.release_metrics import classify
    from ..metrics.stage import load_metrics, metrics_dir

    latest = manifest.default_release
    countries = country_table()
    published = pd.read_csv(metrics_dir(project, latest.name) / "orders.csv", dtype={"rules": str})
    published["rules"] = published["rules"].fillna("")
    counts = order_rules.rule_counts(published)
    lines = [f"Release {latest.name}: {len(published):,} register rows of orders placed by the European countries "
             f"since {order_rules.FIRST_ORDER_YEAR} (data/orders.csv); a row can meet several rules.", "",
             "| Rule | Rows | TIV m taken out of the orders | Order TIV m of the rows |", "|---|---|---|---|"]
    for row in counts.itertuples():
        lines.append(f"| {RULE_WORDS[row.rule]} | {row.rows:,} | {row.tiv_out_of_orders:,.0f} | "
                     f"{row.order_tiv_flagged:,.0f} |")
    mismatches = order_rules.option_mismatches(published)
    lines += ["", f"Rows naming an option whose TIV is not the number ordered times the TIV per unit: "
              f"{len(mismatches)}.", ""]
    members = countries.members("EUROPE", latest.last_data_year)
    registers = {r.name: load_table(project, r.name, "transfers") for r in manifest.releases
                 if (project.tidy_dir / r.name / "transfers.parquet").is_file()}
    last_years = {r.name: r.last_data_year for r in manifest.releases if r.name in registers}
    first = min(last_years.values()) - 7
    by_register = order_rules.orders_by_register(registers, members, range(first, latest.last_data_year + 1),
                                                 lambda f: classify(f, countries))
    table = by_register.pivot(index="order_year", columns="release", values="order_tiv")
    lines += [f"Europe's orders by order year as each register records them (TIV m, selections left out; the "
              f"{len(members)} countries of the briefs):", "",
              "| Order year | " + " | ".join(f"Release {r}" for r in table.columns) + " |",
              "|---|" + "---|" * len(table.columns)]
    for year, row in table.iterrows():
        lines.append(f"| {year} | " + " | ".join("" if pd.isna(v) else f"{v:,.0f}" for v in row) + " |")
    growth = order_rules.revisions(by_register, last_years)
    lines += ["", "Growth of a register's latest order year in the later registers:", "",
              "| Order year | First recorded in | Recorded again in | Releases later | Growth |",
              "|---|---|---|---|---|"]
    for row in growth.itertuples():
        lines.append(f"| {row.order_year} | {row.first_release} | {row.later_release} | {row.releases_later} | "
                     f"{row.growth:+.1%} |")
    metrics = load_metrics(project, latest.name).set_index(["country", "metric", "period"])["value"]
    window = f"{latest.last_data_year - 4}-{latest.last_data_year}"
    earlier = f"{latest.last_data_year - 9}-{latest.last_data_year - 5}"
    lead = "-".join(str(y) for y in order_rules.LEAD_LAG_WINDOW)
    importers = sorted((c for c in members if (c, "arms_imports_tiv", window) in metrics.index),
                       key=lambda c: -metrics[c, "arms_imports_tiv", window])[:10]

    def pct(key: tuple) -> str:
        return f"{metrics[key]:.0%}" if key in metrics.index else "no data"

    lines += ["", f"Lead and lag: the US share of the orders placed in {lead} against the US share of the deliveries "
              f"of {earlier} and {window}, for Europe and its ten largest importers of {window}:", "",
              f"| Country | US share of orders, {lead} | US share of deliveries, {earlier} | US share of deliveries, "
              f"{window} |", "|---|---|---|---|"]
    for code in ["EUROPE", *importers]:
        lines.append(f"| {countries.name(code)} | {pct((code, 'us_share_of_arms_orders', lead))} | "
                     f"{pct((code, 'us_share_of_arms_imports', earlier))} | "
                     f"{pct((code, 'us_share_of_arms_imports', window))} |")
    return dash_periods("\n".join(lines) + "\n")


def choices_markdown(project: Project, manifest: Manifest) -> str:
    """The choice set's rules counted on the newest register (the rows each left out, with the largest), how many
    European systems it keeps and how many carry the US-content mark, and the roles' lead times side by side."""
    import pandas as pd

    from ..metrics import alternatives
    from ..metrics.release_metrics import classify, european_countries
    from ..metrics.stage import metrics_dir
    from ..metrics.weapon_categories import weapon_category, weapon_role

    latest = manifest.default_release
    countries = country_table()
    register = load_table(project, latest.name, "transfers")
    register = register.assign(category=weapon_category(register))
    register = register.assign(role=weapon_role(register))
    european = european_suppliers(countries)
    counts = alternatives.exclusion_counts(classify(register, countries), european, latest.last_data_year,
                                           european_countries(countries, latest.last_data_year))
    first = latest.last_data_year - alternatives.ALTERNATIVE_YEARS + 1
    lines = [f"Release {latest.name}: register rows of European suppliers ordered or delivered in "
             f"{short_period(f'{first}-{latest.last_data_year}')} that each rule left out of the choice set.", "",
             "| Rule | Rows | Order TIV m | Largest |", "|---|---|---|---|"]
    for row in counts.itertuples():
        lines.append(f"| {row.rule} | {row.rows:,} | {row.tiv_order:,.0f} | {row.examples} |")
    folder = metrics_dir(project, latest.name)
    systems = pd.read_csv(folder / "european_alternatives.csv", keep_default_na=False)
    marked = systems[systems["us_content"].astype(str) == "True"]
    parts = systems[systems["us_parts"] != ""]
    shown = int((systems["shown"].astype(str) == "True").sum())
    lines += ["", f"Kept: {len(systems)} European systems (designation and role), {shown} of them shown on the pages "
              f"(a European customer, a selection or 100 TIV m), {len(marked)} marked US "
              f"content ({int((marked['also_supplied_by_us'].astype(str) == 'True').sum())} because the US supplies "
              f"them too); SIPRI lists US parts for {len(parts)}: "
              f"{', '.join(sorted(set(marked['weapon_designation'])))} carry the mark.", ""]
    return "\n".join(lines) + "\n"
