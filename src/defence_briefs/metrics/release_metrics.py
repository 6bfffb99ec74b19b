"""All metrics of one data release, from its tidy tables: the `metrics` stage's computation."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from ..countries import CountryTable
from ..ingest.stage import load_table
from ..manifest import DataRelease
from ..project import Project
from . import alternatives, bilateral_tiv, dependency, diversification, orders, projection, ranking, spending
from .bilateral_tiv import EXACT_TABLES, TOTALS_REGISTER
from .records import COLUMNS
from .weapon_categories import weapon_category, weapon_role

SPENDING_GROUPS = ("EU27", "NATO_EUROPE", "EUROPE", "EUROPE_EX_UKR")
GROUPS = (*SPENDING_GROUPS, "SIPRI_EUROPE", "SIPRI_EURO_NATO")  # SIPRI's groups: arms transfers only
DEPENDENCY_RANKED = ("arms_imports_tiv", "us_share_of_arms_imports", "european_share_of_arms_imports",
                     "supplier_hhi", "pending_orders_tiv", "us_share_of_pending_orders")


@dataclass(frozen=True)
class ReleaseMetrics:
    """A release's metrics table and the detail tables published beside it."""

    metrics: pd.DataFrame
    bilateral: pd.DataFrame
    pending_us_deals: pd.DataFrame
    european_alternatives: pd.DataFrame
    us_systems: pd.DataFrame
    imports_by_role: pd.DataFrame
    orders: pd.DataFrame
    order_revisions: pd.DataFrame


def european_countries(countries: CountryTable, year: int) -> list[str]:
    """The countries the briefs cover: members of the EUROPE group in `year`."""
    return countries.members("EUROPE", year)


def source_labels(release: DataRelease) -> dict[str, str]:
    """Short source notes per family, naming the manifest's file ids (whose sha256 the release info lists)."""
    by_role = release.files_by_role()

    def ids(*roles: str) -> str:
        parts = []
        for role in roles:
            files = by_role.get(role, [])
            if len(files) > 3:
                parts.append(f"{files[0].id.rsplit('_', 1)[0]}_* ({len(files)} files)")
            else:
                parts.extend(f.id for f in files)
        return ", ".join(parts)

    nato_files = by_role.get("nato", [])
    nato = nato_files[0].citation if nato_files else "NATO, Defence Expenditure of NATO Countries"
    return {
        "tiv": f"SIPRI Arms Transfers Database: register {ids('transfers')}; yearly TIV tables {ids(*EXACT_TABLES)}",
        "register": f"SIPRI Arms Transfers Database: register {ids('transfers')}",
        "sipri": f"SIPRI Military Expenditure Database: {ids('milex')}",
        "sipri_derived": f"derived from SIPRI Military Expenditure Database: {ids('milex')}",
        "nato": f"{nato}: {ids('nato')}",
    }


def release_exact_tiv(release: DataRelease, table: Callable[[str], pd.DataFrame]) -> bilateral_tiv.ExactTiv:
    """The release's exact TIV tables (read by `table(name)`), each with its publisher's release as vintage."""
    roles = release.files_by_role()
    present = [t for t in EXACT_TABLES if t in roles]
    return bilateral_tiv.exact_tiv({t: table(t) for t in present},
                                   {t: max(_vintage(f.source_release) for f in roles[t]) for t in present})


def release_vintage(release: DataRelease) -> int:
    """The vintage of a release's own SIPRI data: its register's publisher release year."""
    return max(_vintage(f.source_release) for f in release.files_by_role()["transfers"])


def _vintage(source_release: str) -> int:
    """The year in a publisher's release name ('2024' -> 2024); 0 when it names none (all count as one vintage)."""
    match = re.search(r"\d{4}", source_release)
    return int(match.group()) if match else 0


def classify(transfers: pd.DataFrame, countries: CountryTable) -> pd.DataFrame:
    """`orders.classify_orders` with the project's blocs and country names."""
    european = dependency.european_suppliers(countries)
    return orders.classify_orders(transfers, lambda suppliers: dependency.supplier_bloc(suppliers, european),
                                  countries.code_for)


def order_revisions(transfers: pd.DataFrame, last_year: int, earlier: Mapping[str, tuple[int, pd.DataFrame]],
                    release: str, recipients: list[str], countries: CountryTable) -> pd.DataFrame:
    """How each earlier release's latest order year grew in the releases after it (`orders.revisions`) for
    `recipients`, from the registers of `earlier` (release name -> (last data year, register)) and this one."""
    registers = {name: register for name, (_, register) in earlier.items()} | {release: transfers}
    last_years = {name: year for name, (year, _) in earlier.items()} | {release: last_year}
    years = range(min(last_years.values()) - 10, last_year + 1)
    by_register = orders.orders_by_register(registers, recipients, years, lambda f: classify(f, countries))
    return orders.revisions(by_register, last_years)


def release_metrics(project: Project, release: DataRelease, countries: CountryTable,
                    tables: Mapping[str, pd.DataFrame] | None = None,
                    earlier_registers: Mapping[str, tuple[int, pd.DataFrame]] | None = None) -> ReleaseMetrics:
    """Compute every metric of `release` for the European countries and groups (membership per period).
    `tables` holds tidy tables already read (by name); the others are read from data/tidy. `earlier_registers`
    (release name -> (last data year, register)) measure how order years grow in later releases."""
    loaded = tables or {}

    def table(name: str) -> pd.DataFrame:
        return loaded[name] if name in loaded else load_table(project, release.name, name)

    last_year = release.last_data_year
    sources = source_labels(release)
    roles = release.files_by_role()
    transfers = table("transfers")
    register = project.display(project.raw_dir / roles["transfers"][0].path)
    transfers = transfers.assign(category=weapon_category(transfers, register))
    transfers = transfers.assign(role=weapon_role(transfers))
    allocation = bilateral_tiv.allocate(transfers, release_exact_tiv(release, table), release_vintage(release),
                                        table(TOTALS_REGISTER) if TOTALS_REGISTER in roles else None)
    deal_rows = allocation.deal_rows
    deal_rows["category"] = transfers["category"].reindex(deal_rows["deal"]).to_numpy()
    bilateral = allocation.yearly

    codes = european_countries(countries, last_year)
    # every member of a group has its own figures (SIPRI's Europe also holds Russia, Belarus, the South Caucasus)
    members = {m for g in GROUPS for y in range(last_year - 40, last_year + 1)
               for m in countries.period_members(g, y, last_year)}
    entities = [*codes, *sorted(members - set(codes)), *GROUPS]
    pending = dependency.pending_orders(transfers, last_year)
    dependency_rows = dependency.dependency_metrics(bilateral, deal_rows, transfers, entities, last_year, countries,
                                                    sources["tiv"], sources["register"], pending)
    milex = table("milex")
    nato = table("nato") if "nato" in roles else None
    spending_rows = spending.spending_metrics(milex, nato, codes, list(SPENDING_GROUPS), countries, last_year, sources)
    ordering = sorted(members | set(codes))
    register_classified = classify(transfers, countries)  # the choice set reads every recipient's orders
    register_classified["source_file"] = project.display(project.raw_dir / roles["transfers"][0].path)
    classified = register_classified[register_classified["recipient"].isin(ordering)]
    order_rows = orders.order_metrics(
        classified, entities, lambda entity, year: dependency.members_of(entity, year, countries, last_year),
        last_year, diversification.safe_eligible_suppliers(countries), sources["register"])
    role_imports = alternatives.imports_by_role(transfers, deal_rows, codes, last_year)
    built_rows = alternatives.built_in_recipient_metrics(
        role_imports, dependency.Window(last_year - dependency.WINDOW_YEARS + 1, last_year).label, sources["register"])
    rows = pd.concat([dependency_rows.frame(release.name), spending_rows.frame(release.name),
                      order_rows.frame(release.name), built_rows.frame(release.name)], ignore_index=True)
    latest = dependency.Window(last_year - dependency.WINDOW_YEARS + 1, last_year).label
    allies = [c for c in codes if countries.is_member("NATO", c, last_year)]
    at_stake = diversification.procurement_at_stake(
        rows, allies, {g: countries.members(g, last_year) for g in SPENDING_GROUPS}, orders.since_invasion(last_year))
    rows = pd.concat([rows, at_stake.frame(release.name)], ignore_index=True)
    in_europe = {m for g in SPENDING_GROUPS for m in countries.members(g, last_year)} | set(codes)
    projected = projection.project_deliveries(pending[pending["recipient"].isin(in_europe)], transfers, last_year)
    forecast = projection.projection_metrics(
        projected, {**{c: [c] for c in codes}, **{g: countries.members(g, last_year) for g in SPENDING_GROUPS}},
        last_year, sources["register"])
    rows = pd.concat([rows, forecast.frame(release.name)], ignore_index=True)
    ranked_dependency = rows[(rows["period"].isin([latest, str(last_year)]))]
    def peers(year: int) -> list[str]:
        return european_countries(countries, year)

    spending_ranked = rows[rows["metric"].isin(spending.RANKED)]  # with milex_current_usd, which says who has none
    ranks = (ranking.add_ranks(spending.with_armed_forces(spending_ranked), peers, spending.RANKED)
             + ranking.add_ranks(ranked_dependency, peers, DEPENDENCY_RANKED))
    rank_frame = pd.DataFrame.from_records(ranks).assign(release=release.name) if ranks else None
    if rank_frame is not None:
        rows = pd.concat([rows, rank_frame[list(COLUMNS)]], ignore_index=True)
    rows = rows.sort_values(["country", "metric", "period"], kind="stable").reset_index(drop=True)

    deals = dependency.largest_pending_deals(pending, codes, count=10)[
        ["recipient", "supplier", "order_year", "order_year_uncertain", "number_ordered", "number_ordered_uncertain",
         "number_delivered", "number_delivered_uncertain", "weapon_designation",
         "weapon_description", "category", "tiv_order", "tiv_delivered", "selection_tiv", "pending_tiv",
         "planned_tiv", "firm_pending_tiv", "uncertain_pending_tiv", "comments", "source_file", "source_ref"]]
    europe = set(codes)
    european = dependency.european_suppliers(countries)
    names = {code: countries.name(code) for code in countries.entities}
    published_orders = classified[classified["recipient"].isin(europe)
                                  & (classified["order_year"] >= orders.FIRST_ORDER_YEAR)]
    published_orders = published_orders.sort_values(["recipient", "order_year", "supplier"], kind="stable")
    revisions = order_revisions(transfers, last_year, earlier_registers or {}, release.name, codes, countries)
    return ReleaseMetrics(rows[list(COLUMNS)], bilateral[bilateral["recipient"].isin(europe)].reset_index(drop=True),
                          deals.reset_index(drop=True),
                          alternatives.choice_set(register_classified, deal_rows, european, european, codes, names,
                                                  last_year),
                          alternatives.choice_set(register_classified, deal_rows, {dependency.US}, european, codes,
                                                  names, last_year, keep_all=True),
                          role_imports,
                          published_orders[list(orders.ORDER_COLUMNS)].reset_index(drop=True), revisions)
