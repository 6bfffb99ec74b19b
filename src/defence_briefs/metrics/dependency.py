"""Arms-import dependency per country and group over SIPRI-style five-year windows, from yearly bilateral TIV.

Pure functions over the yearly bilateral table (`bilateral_tiv.allocate`), the allocated deal years (for weapon
categories) and the register (for orders not yet delivered). A group's imports are the sum of its members'
imports, with the members its convention gives (countries.csv): those of the window's last year (or of the
year) for NATO-style groups, today's members in every window for SIPRI's; transfers between members count, as
in SIPRI's figures for groups. Each figure's `source` names the files its rows came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..countries import GROUPS as GROUP_CODES
from ..countries import CountryTable
from .diversification import safe_eligible_suppliers
from .records import UNIT_FRACTION, UNIT_HHI, UNIT_TIV, MetricRows, period_label
from .weapon_categories import CATEGORIES

US = "USA"
# Suppliers counted as European: the EU27 (today's members, whatever the year), the UK, Norway,
# Switzerland, and EU and NATO bodies.
EUROPEAN_NON_EU = ("GBR", "NOR", "CHE", "ORG_EU", "ORG_NATO")
BLOCS = ("us", "europe", "others")
WINDOW_YEARS = 5
ROLLING_WINDOWS = 20
YEARLY_SPAN = 25
TOP_SUPPLIERS = 5
CATEGORY_TOP_SUPPLIERS = 3  # the largest suppliers named per weapon category
TOP_EXPORTERS = 10
WORLD = "WLD"
SIPRI_AT = "SIPRI Arms Transfers Database"
# An order counts as pending when part of its TIV is undelivered and it is recent or still delivering;
# older orders with undelivered TIV were mostly cut short, not delayed.
PENDING_RECENT_ORDER_YEARS = 10
PENDING_RECENT_DELIVERY_YEARS = 2
# "126 planned of which 48 ordered by end-2025" in a register comment
PLANNED_OF_WHICH = r"(\d+)\s+planned,?\s+of which\s+(\d+)\s+(?:were\s+)?(?:ordered|signed|contracted)"


@dataclass(frozen=True)
class Window:
    """A span of years, both ends included."""

    first: int
    last: int

    @property
    def label(self) -> str:
        return period_label(self.first, self.last)

    def previous(self) -> Window:
        length = self.last - self.first + 1
        return Window(self.first - length, self.last - length)


def latest_windows(last_year: int, count: int = ROLLING_WINDOWS, length: int = WINDOW_YEARS) -> list[Window]:
    """The `count` rolling windows ending in `last_year` and the years before it, oldest first."""
    return [Window(end - length + 1, end) for end in range(last_year - count + 1, last_year + 1)]


def european_suppliers(countries: CountryTable) -> frozenset[str]:
    """EU27 members (current membership), the UK, Norway, Switzerland, and EU and NATO bodies."""
    eu = {m.member for m in countries.memberships if m.group == "EU27" and m.left is None}
    return frozenset(eu | set(EUROPEAN_NON_EU))


def supplier_bloc(suppliers: pd.Series, european: frozenset[str]) -> pd.Series:
    """'us', 'europe' or 'others' for each supplier code."""
    bloc = pd.Series("others", index=suppliers.index, dtype=object)
    bloc[suppliers.isin(european)] = "europe"
    bloc[suppliers == US] = "us"
    return bloc


def members_of(entity: str, period_end: int, countries: CountryTable, last_year: int) -> list[str]:
    """The recipients an entity stands for in a period ending in `period_end` of data ending in `last_year`: a
    group's members by its convention (members of that year, or of the newest year), or the country itself."""
    if entity in countries.entities and countries.kind(entity) == "group":
        return countries.period_members(entity, period_end, last_year)
    return [entity]


def _window_rows(flows: pd.DataFrame, members: list[str], window: Window) -> pd.DataFrame:
    years = flows["year"].between(window.first, window.last)
    return flows[years & flows["recipient"].isin(members)]


def tiv_source(rows: pd.DataFrame, fallback: str) -> str:
    """The files a TIV figure rests on: every manifest id named by its rows (`fallback` when there are none)."""
    files = sorted({f for text in rows["source_file"].unique() for f in str(text).split("; ") if f})
    return f"{SIPRI_AT}: {', '.join(files)}" if files else fallback


@dataclass(frozen=True)
class Estimates:
    """Which parts of a set of flows rest on estimates: the total (allocated years) and each bloc's part."""

    total: bool
    bloc: dict[str, bool]
    split: bool

    @classmethod
    def of(cls, rows: pd.DataFrame) -> Estimates:
        total = bool((rows["basis"] == "allocated").any())
        inexact = rows[rows["basis"] != "exact"]
        return cls(total, {b: total or bool((inexact["bloc"] == b).any()) for b in BLOCS}, total or len(inexact) > 0)


def window_import_metrics(out: MetricRows, entity: str, rows: pd.DataFrame, window: Window, estimates: Estimates,
                          source: str, with_suppliers: bool, world: pd.Series) -> float:
    """Add one entity's imports, bloc shares, HHI, share of the world (and top suppliers) for a window, from the
    entity's `rows` of that window.

    A total rests on an estimate when it uses allocated years; a bloc's figures also when that bloc's split
    among suppliers was fitted. Returns the total TIV.
    """
    by_bloc = rows.groupby("bloc")["tiv"].sum()
    total = float(by_bloc.sum())  # the sum of the parts, so that one bloc's share of itself is exactly 1
    period = window.label
    out.add(entity, "arms_imports_tiv", period, total, UNIT_TIV, source, estimates.total)
    world_total = float(world.loc[window.first:window.last].sum())
    if world_total > 0:
        out.add(entity, "share_of_world_arms_imports", period, total / world_total, UNIT_FRACTION, source,
                estimates.total)
    for bloc in BLOCS:
        out.add(entity, f"arms_imports_from_{bloc}_tiv", period, float(by_bloc.get(bloc, 0.0)), UNIT_TIV, source,
                estimates.bloc[bloc])
    if total <= 0:
        return total  # shares of nothing are not figures
    for bloc, metric in (("us", "us_share_of_arms_imports"), ("europe", "european_share_of_arms_imports"),
                         ("others", "other_share_of_arms_imports")):
        out.add(entity, metric, period, by_bloc.get(bloc, 0.0) / total, UNIT_FRACTION, source, estimates.bloc[bloc])
    by_supplier = rows.groupby("supplier")["tiv"].sum()
    shares = by_supplier / by_supplier.sum()
    out.add(entity, "supplier_hhi", period, float((shares**2).sum()), UNIT_HHI, source, estimates.split)
    if with_suppliers:
        top = shares[shares > 0].sort_values(ascending=False, kind="stable").head(TOP_SUPPLIERS)
        for supplier, share in top.items():
            out.add(entity, f"supplier_share_{supplier}", period, float(share), UNIT_FRACTION, source,
                    estimates.split)
    return total


def category_metrics(out: MetricRows, entity: str, deal_rows: pd.DataFrame, window: Window, total: float,
                     members: list[str], source: str, estimate: bool, bloc_totals: pd.Series) -> None:
    """Add the window's imports by weapon category (register shares, scaled to the window's total TIV), and each
    category's imports by supplier bloc and its largest suppliers.

    The bloc figures are scaled bloc by bloc: each bloc's register deliveries are split among categories and
    scaled to the bloc's total in SIPRI's tables (`bloc_totals`), so that a category's parts add up, over the
    categories, to the bloc totals the text quotes; a bloc's total that the register does not cover in the
    window counts as 'other'.
    """
    rows = _window_rows(deal_rows, members, window)
    by_category = rows.groupby("category")["tiv"].sum()
    category_total = float(by_category.sum())
    if category_total <= 0 or total <= 0:
        return
    period = window.label
    for category in CATEGORIES:
        share = float(by_category.get(category, 0.0)) / category_total
        out.add(entity, f"category_share_{category}", period, share, UNIT_FRACTION, source, estimate)
        out.add(entity, f"arms_imports_tiv_{category}", period, share * total, UNIT_TIV, source, estimate)
    register_by_bloc = rows.groupby("bloc")["tiv"].sum()
    factor = (bloc_totals / register_by_bloc).replace([float("inf")], float("nan"))
    scaled = rows.assign(tiv=rows["tiv"] * rows["bloc"].map(factor).fillna(0.0))
    uncovered = [pd.DataFrame({"category": ["other"], "bloc": [bloc], "supplier": ["UNK_SUPPLIER"], "tiv": [tiv]})
                 for bloc, tiv in bloc_totals.items() if tiv > 0 and register_by_bloc.get(bloc, 0.0) <= 0]
    if uncovered:
        scaled = pd.concat([scaled, *uncovered], ignore_index=True)
    by_bloc = scaled.groupby(["category", "bloc"])["tiv"].sum()
    in_categories = scaled.groupby("category")["tiv"].sum()
    by_supplier = scaled.groupby(["category", "supplier"])["tiv"].sum()
    for category in CATEGORIES:
        for bloc in BLOCS:
            out.add(entity, f"arms_imports_tiv_{category}_from_{bloc}", period,
                    float(by_bloc.get((category, bloc), 0.0)), UNIT_TIV, source, estimate)
        in_category = float(in_categories.get(category, 0.0))
        if in_category <= 0:
            continue  # no share of nothing
        for bloc, metric in (("us", f"us_share_of_{category}_imports"),
                             ("europe", f"european_share_of_{category}_imports")):
            out.add(entity, metric, period, min(1.0, float(by_bloc.get((category, bloc), 0.0)) / in_category),
                    UNIT_FRACTION, source, estimate)
        suppliers = by_supplier.loc[category]
        suppliers = suppliers[(suppliers > 0) & (suppliers.index != "UNK_SUPPLIER")]
        top = suppliers.sort_values(ascending=False, kind="stable").head(CATEGORY_TOP_SUPPLIERS)
        for supplier, tiv in top.items():
            out.add(entity, f"share_of_{category}_imports_from_{supplier}", period, float(tiv) / in_category,
                    UNIT_FRACTION, source, estimate)


def pending_orders(transfers: pd.DataFrame, last_year: int) -> pd.DataFrame:
    """Register records with TIV ordered but not yet delivered at the end of `last_year` (`pending_tiv`), split
    into `firm_pending_tiv` and `planned_pending_tiv` (see `planned_part`)."""
    undelivered = transfers["tiv_order"] - transfers["tiv_delivered"].fillna(0.0)
    last_delivery = transfers["delivery_years"].map(lambda years: max(years) if len(years) else None)
    recent_order = transfers["order_year"] >= last_year - PENDING_RECENT_ORDER_YEARS
    still_delivering = last_delivery.fillna(0).astype(int) >= last_year - PENDING_RECENT_DELIVERY_YEARS
    pending = transfers[(undelivered > 0) & (recent_order.fillna(False) | still_delivering)].copy()
    pending["pending_tiv"] = undelivered[pending.index]
    pending["planned_pending_tiv"] = planned_part(pending)
    pending["firm_pending_tiv"] = pending["pending_tiv"] - pending["planned_pending_tiv"]
    return pending


def planned_part(pending: pd.DataFrame) -> pd.Series:
    """The part of each pending order's TIV that is planned or uncertain rather than firmly ordered.

    SIPRI counts a planned fleet as ordered and says so in the comments ("126 planned of which 48 ordered by
    end-2025"): the units beyond those ordered are planned. An ordered number SIPRI marks with '?' is uncertain:
    the whole pending part of that order is. Everything else is firm.
    """
    noted = pending["comments"].fillna("").str.extract(PLANNED_OF_WHICH).astype(float)
    planned_units = (noted[0] - noted[1]).clip(lower=0)
    by_note = (planned_units * pending["tiv_per_unit"]).clip(upper=pending["pending_tiv"])
    uncertain = pending["number_ordered_uncertain"].fillna(False).astype(bool)
    planned = pd.Series(0.0, index=pending.index)
    planned[uncertain] = pending.loc[uncertain, "pending_tiv"]
    has_note = by_note.notna()
    planned[has_note] = by_note[has_note]
    return planned


def pending_metrics(out: MetricRows, entity: str, pending: pd.DataFrame, last_year: int,
                    members: list[str], source: str, safe_suppliers: frozenset[str]) -> None:
    """Add the order pipeline at the end of `last_year`: total, by supplier, the US, European and SAFE-eligible
    shares, and the firm and the planned or uncertain parts with their US shares."""
    rows = pending[pending["recipient"].isin(members)]
    total = float(rows["pending_tiv"].sum())
    period = str(last_year)
    out.add(entity, "pending_orders_tiv", period, total, UNIT_TIV, source)
    if total <= 0:
        return
    by_bloc = rows.groupby("bloc")["pending_tiv"].sum()
    out.add(entity, "us_share_of_pending_orders", period, by_bloc.get("us", 0.0) / total, UNIT_FRACTION, source)
    out.add(entity, "european_share_of_pending_orders", period, by_bloc.get("europe", 0.0) / total,
            UNIT_FRACTION, source)
    safe = rows.loc[rows["supplier"].isin(safe_suppliers), "pending_tiv"].sum()
    out.add(entity, "safe_eligible_share_of_pending_orders", period, min(1.0, safe / total), UNIT_FRACTION, source)
    for part in ("firm", "planned"):
        column = f"{part}_pending_tiv"
        part_total = float(rows[column].sum())
        out.add(entity, f"pending_orders_tiv_{part}", period, part_total, UNIT_TIV, source)
        if part_total > 0:
            out.add(entity, f"us_share_of_pending_orders_{part}", period,
                    float(rows.loc[rows["bloc"] == "us", column].sum()) / part_total, UNIT_FRACTION, source)
    for supplier, tiv in rows.groupby("supplier")["pending_tiv"].sum().items():
        out.add(entity, f"pending_orders_tiv_from_{supplier}", period, float(tiv), UNIT_TIV, source)


def largest_pending_deals(pending: pd.DataFrame, recipients: Iterable[str], supplier: str = US,
                          count: int = 5) -> pd.DataFrame:
    """The `count` largest pending orders of each recipient from `supplier`, by undelivered TIV."""
    rows = pending[pending["recipient"].isin(list(recipients)) & (pending["supplier"] == supplier)]
    rows = rows.sort_values(["recipient", "pending_tiv"], ascending=[True, False], kind="stable")
    return rows.groupby("recipient").head(count)


def dependency_metrics(bilateral: pd.DataFrame, deal_rows: pd.DataFrame, transfers: pd.DataFrame,
                       entities: list[str], last_year: int, countries: CountryTable,
                       source: str, pending_source: str | None = None,
                       pending: pd.DataFrame | None = None) -> MetricRows:
    """Every dependency figure for `entities` (country or group codes) of a release ending in `last_year`, the
    world's imports (`WLD`), and the exports of the largest exporters (`exporter_metrics`).

    `bilateral`: the yearly matrix of every recipient (supplier, recipient, year, tiv, basis, source_file);
    `deal_rows`: allocated deal years with a `category` column; `transfers`: the register with a `category`
    column; `source`: the source named for a figure without rows; `pending`: `pending_orders(transfers,
    last_year)` when the caller has it already.
    """
    european = european_suppliers(countries)
    safe = safe_eligible_suppliers(countries)
    first_year = last_year - max(ROLLING_WINDOWS + 2 * WINDOW_YEARS, YEARLY_SPAN)
    bilateral = bilateral[bilateral["year"].between(first_year, last_year)]
    world = bilateral.groupby("year")["tiv"].sum().reindex(range(first_year, last_year + 1), fill_value=0.0)
    everyone = bilateral.assign(bloc=lambda f: supplier_bloc(f["supplier"], european))
    recipients = {m for e in entities for y in range(first_year, last_year + 1)
                  for m in members_of(e, y, countries, last_year)}
    flows = everyone[everyone["recipient"].isin(recipients)]
    deal_rows = deal_rows[deal_rows["year"].between(first_year, last_year) & deal_rows["recipient"].isin(recipients)]
    deal_rows = deal_rows.assign(bloc=supplier_bloc(deal_rows["supplier"], european))
    pending = pending_orders(transfers, last_year) if pending is None else pending
    pending = pending.assign(bloc=supplier_bloc(pending["supplier"], european))
    out = MetricRows()
    latest = Window(last_year - WINDOW_YEARS + 1, last_year)
    previous = latest.previous()
    windows = latest_windows(last_year)
    for entity in entities:
        for window in windows:
            detailed = window in (latest, previous)
            members = members_of(entity, window.last, countries, last_year)
            rows = _window_rows(flows, members, window)
            estimates = Estimates.of(rows)
            window_source = tiv_source(rows, source)
            total = window_import_metrics(out, entity, rows, window, estimates, window_source, detailed, world)
            if total > 0:
                # min: the same TIV summed in another order can exceed the total by a rounding error
                out.add(entity, "safe_eligible_share_of_arms_imports", window.label,
                        min(1.0, float(rows.loc[rows["supplier"].isin(safe), "tiv"].sum()) / total), UNIT_FRACTION,
                        window_source, estimates.split)
            if detailed:
                category_metrics(out, entity, deal_rows, window, total, members, window_source, estimates.split,
                                 rows.groupby("bloc")["tiv"].sum())
            # like for like: the same members in both windows
            before = _window_rows(flows, members, window.previous())
            if before["tiv"].sum() > 0:
                out.add(entity, "arms_imports_change", window.label, total / before["tiv"].sum() - 1, UNIT_FRACTION,
                        tiv_source(pd.concat([before, rows]), source), estimates.total or Estimates.of(before).total)
        for year in range(last_year - YEARLY_SPAN + 1, last_year + 1):
            rows = _window_rows(flows, members_of(entity, year, countries, last_year), Window(year, year))
            estimates = Estimates.of(rows)
            year_source = tiv_source(rows, source)
            out.add(entity, "arms_imports_tiv", str(year), float(rows["tiv"].sum()), UNIT_TIV, year_source,
                    estimates.total)
            by_bloc = rows.groupby("bloc")["tiv"].sum()
            for bloc in BLOCS:
                out.add(entity, f"arms_imports_from_{bloc}_tiv", str(year), float(by_bloc.get(bloc, 0.0)),
                        UNIT_TIV, year_source, estimates.bloc[bloc])
        pending_metrics(out, entity, pending, last_year, members_of(entity, last_year, countries, last_year),
                        pending_source or source, safe)
    world_metrics(out, everyone, windows, last_year, source)
    exporter_metrics(out, everyone, windows, last_year, countries, [e for e in entities if e in GROUP_CODES], source)
    return out


def world_metrics(out: MetricRows, flows: pd.DataFrame, windows: list[Window], last_year: int, source: str) -> None:
    """The world's arms imports (`WLD`: every recipient) per window and year, and their change."""
    for window in windows:
        rows = flows[flows["year"].between(window.first, window.last)]
        before = flows[flows["year"].between(window.previous().first, window.previous().last)]
        estimate = Estimates.of(rows).total
        out.add(WORLD, "arms_imports_tiv", window.label, float(rows["tiv"].sum()), UNIT_TIV, tiv_source(rows, source),
                estimate)
        if before["tiv"].sum() > 0:
            out.add(WORLD, "arms_imports_change", window.label, rows["tiv"].sum() / before["tiv"].sum() - 1,
                    UNIT_FRACTION, tiv_source(pd.concat([before, rows]), source),
                    estimate or Estimates.of(before).total)
    for year in range(last_year - YEARLY_SPAN + 1, last_year + 1):
        rows = flows[flows["year"] == year]
        out.add(WORLD, "arms_imports_tiv", str(year), float(rows["tiv"].sum()), UNIT_TIV, tiv_source(rows, source),
                Estimates.of(rows).total)


def largest_exporters(flows: pd.DataFrame, window: Window, countries: CountryTable, count: int = TOP_EXPORTERS) \
        -> list[str]:
    """The `count` states with the largest exports over `window`, and the United States in any case."""
    rows = flows[flows["year"].between(window.first, window.last)]
    by_supplier = rows.groupby("supplier")["tiv"].sum().sort_values(ascending=False, kind="stable")
    states = [s for s in by_supplier.index if s in countries.entities and countries.kind(s) == "state"]
    return list(dict.fromkeys([US, *states[:count]]))


def exporter_metrics(out: MetricRows, flows: pd.DataFrame, windows: list[Window], last_year: int,
                     countries: CountryTable, groups: list[str], source: str) -> None:
    """Exports of the largest exporters: volume and share of the world per window; in the latest and previous
    window, the share of their exports that went to each group (`share_of_arms_exports_to_<GROUP>`)."""
    latest = windows[-1]
    exporters = largest_exporters(flows, latest, countries)
    for window in windows:
        rows = flows[flows["year"].between(window.first, window.last)]
        world, world_source, world_estimate = float(rows["tiv"].sum()), tiv_source(rows, source), \
            Estimates.of(rows).total
        for exporter in exporters:
            own = rows[rows["supplier"] == exporter]
            exports = float(own["tiv"].sum())
            estimate = Estimates.of(own).total
            own_source = tiv_source(own, source)
            out.add(exporter, "arms_exports_tiv", window.label, exports, UNIT_TIV, own_source, estimate)
            if world > 0:
                out.add(exporter, "share_of_world_arms_exports", window.label, exports / world, UNIT_FRACTION,
                        world_source, world_estimate)
            if window not in (latest, latest.previous()) or exports <= 0:
                continue
            for group in groups:
                to_group = own[own["recipient"].isin(members_of(group, window.last, countries, last_year))]
                out.add(exporter, f"share_of_arms_exports_to_{group}", window.label, to_group["tiv"].sum() / exports,
                        UNIT_FRACTION, own_source, estimate)
