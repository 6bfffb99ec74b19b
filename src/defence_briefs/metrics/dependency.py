"""Arms-import dependency per country and group over SIPRI-style five-year windows, from yearly bilateral TIV.

Pure functions over the yearly bilateral table (`bilateral_tiv.yearly_bilateral_tiv`), the allocated deal
years (for weapon categories) and the register (for orders not yet delivered). A group's imports are the
sum of its members' imports, with membership as of the window's last year (or of the year, for yearly
figures); transfers between members count, as in SIPRI's figures for groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..countries import CountryTable
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
# An order counts as pending when part of its TIV is undelivered and it is recent or still delivering;
# older orders with undelivered TIV were mostly cut short, not delayed.
PENDING_RECENT_ORDER_YEARS = 10
PENDING_RECENT_DELIVERY_YEARS = 2


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


def members_of(entity: str, year: int, countries: CountryTable) -> list[str]:
    """The recipients an entity stands for in `year`: a group's members then, or the country itself."""
    return countries.members(entity, year) if entity in countries.entities and countries.kind(entity) == "group" \
        else [entity]


def _window_rows(flows: pd.DataFrame, members: list[str], window: Window) -> pd.DataFrame:
    years = flows["year"].between(window.first, window.last)
    return flows[years & flows["recipient"].isin(members)]


def window_import_metrics(out: MetricRows, entity: str, flows: pd.DataFrame, window: Window,
                          countries: CountryTable, source: str, with_suppliers: bool) -> float:
    """Add one entity's imports, bloc shares, HHI (and top suppliers) for a window; returns the total TIV."""
    rows = _window_rows(flows, members_of(entity, window.last, countries), window)
    total = float(rows["tiv"].sum())
    estimate = bool(rows["allocated"].any())
    period = window.label
    out.add(entity, "arms_imports_tiv", period, total, UNIT_TIV, source, estimate)
    by_bloc = rows.groupby("bloc")["tiv"].sum()
    for bloc in BLOCS:
        out.add(entity, f"arms_imports_from_{bloc}_tiv", period, float(by_bloc.get(bloc, 0.0)), UNIT_TIV, source,
                estimate)
    if total <= 0:
        return total  # shares of nothing are not figures
    out.add(entity, "us_share_of_arms_imports", period, by_bloc.get("us", 0.0) / total, UNIT_FRACTION, source,
            estimate)
    out.add(entity, "european_share_of_arms_imports", period, by_bloc.get("europe", 0.0) / total, UNIT_FRACTION,
            source, estimate)
    out.add(entity, "other_share_of_arms_imports", period, by_bloc.get("others", 0.0) / total, UNIT_FRACTION,
            source, estimate)
    shares = rows.groupby("supplier")["tiv"].sum() / total
    out.add(entity, "supplier_hhi", period, float((shares**2).sum()), UNIT_HHI, source, estimate)
    if with_suppliers:
        top = shares[shares > 0].sort_values(ascending=False, kind="stable").head(TOP_SUPPLIERS)
        for supplier, share in top.items():
            out.add(entity, f"supplier_share_{supplier}", period, float(share), UNIT_FRACTION, source, estimate)
    return total


def category_metrics(out: MetricRows, entity: str, deal_rows: pd.DataFrame, window: Window, total: float,
                     countries: CountryTable, source: str, estimate: bool) -> None:
    """Add the window's imports by weapon category: register shares, scaled to the window's total TIV."""
    rows = _window_rows(deal_rows, members_of(entity, window.last, countries), window)
    by_category = rows.groupby("category")["tiv"].sum()
    category_total = float(by_category.sum())
    if category_total <= 0 or total <= 0:
        return
    for category in CATEGORIES:
        share = float(by_category.get(category, 0.0)) / category_total
        out.add(entity, f"category_share_{category}", window.label, share, UNIT_FRACTION, source, estimate)
        out.add(entity, f"arms_imports_tiv_{category}", window.label, share * total, UNIT_TIV, source, estimate)


def pending_orders(transfers: pd.DataFrame, last_year: int) -> pd.DataFrame:
    """Register records with TIV ordered but not yet delivered at the end of `last_year` (`pending_tiv`)."""
    undelivered = transfers["tiv_order"] - transfers["tiv_delivered"].fillna(0.0)
    last_delivery = transfers["delivery_years"].map(lambda years: max(years) if len(years) else None)
    recent_order = transfers["order_year"] >= last_year - PENDING_RECENT_ORDER_YEARS
    still_delivering = last_delivery.fillna(0).astype(int) >= last_year - PENDING_RECENT_DELIVERY_YEARS
    pending = transfers[(undelivered > 0) & (recent_order.fillna(False) | still_delivering)].copy()
    pending["pending_tiv"] = undelivered[pending.index]
    return pending


def pending_metrics(out: MetricRows, entity: str, pending: pd.DataFrame, last_year: int,
                    countries: CountryTable, source: str) -> None:
    """Add the order pipeline at the end of `last_year`: total, by supplier, and the US and European shares."""
    rows = pending[pending["recipient"].isin(members_of(entity, last_year, countries))]
    total = float(rows["pending_tiv"].sum())
    period = str(last_year)
    out.add(entity, "pending_orders_tiv", period, total, UNIT_TIV, source)
    if total <= 0:
        return
    by_bloc = rows.groupby("bloc")["pending_tiv"].sum()
    out.add(entity, "us_share_of_pending_orders", period, by_bloc.get("us", 0.0) / total, UNIT_FRACTION, source)
    out.add(entity, "european_share_of_pending_orders", period, by_bloc.get("europe", 0.0) / total,
            UNIT_FRACTION, source)
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
                       source: str, pending_source: str | None = None) -> MetricRows:
    """Every dependency figure for `entities` (country or group codes) of a release ending in `last_year`.

    `bilateral`: yearly bilateral TIV (supplier, recipient, year, tiv, basis); `deal_rows`: allocated deal
    years with a `category` column; `transfers`: the register with a `category` column.
    """
    european = european_suppliers(countries)
    first_year = last_year - max(ROLLING_WINDOWS + 2 * WINDOW_YEARS, YEARLY_SPAN)
    recipients = {m for e in entities for y in range(first_year, last_year + 1) for m in members_of(e, y, countries)}
    bilateral = bilateral[bilateral["year"].between(first_year, last_year) & bilateral["recipient"].isin(recipients)]
    flows = bilateral.assign(
        bloc=lambda f: supplier_bloc(f["supplier"], european), allocated=lambda f: f["basis"] == "allocated")
    deal_rows = deal_rows[deal_rows["year"].between(first_year, last_year) & deal_rows["recipient"].isin(recipients)]
    pending = pending_orders(transfers, last_year)
    pending = pending.assign(bloc=supplier_bloc(pending["supplier"], european))
    out = MetricRows()
    latest = Window(last_year - WINDOW_YEARS + 1, last_year)
    previous = latest.previous()
    windows = latest_windows(last_year)
    for entity in entities:
        for window in windows:
            detailed = window in (latest, previous)
            total = window_import_metrics(out, entity, flows, window, countries, source, detailed)
            members = members_of(entity, window.last, countries)
            estimate = bool(_window_rows(flows, members, window)["allocated"].any())
            if detailed:
                category_metrics(out, entity, deal_rows, window, total, countries, source, estimate)
            # like for like: the same members in both windows
            before = _window_rows(flows, members, window.previous())
            if before["tiv"].sum() > 0:
                out.add(entity, "arms_imports_change", window.label, total / before["tiv"].sum() - 1, UNIT_FRACTION,
                        source, estimate or bool(before["allocated"].any()))
        for year in range(last_year - YEARLY_SPAN + 1, last_year + 1):
            rows = _window_rows(flows, members_of(entity, year, countries), Window(year, year))
            estimate = bool(rows["allocated"].any())
            out.add(entity, "arms_imports_tiv", str(year), float(rows["tiv"].sum()), UNIT_TIV, source, estimate)
            by_bloc = rows.groupby("bloc")["tiv"].sum()
            for bloc in BLOCS:
                out.add(entity, f"arms_imports_from_{bloc}_tiv", str(year), float(by_bloc.get(bloc, 0.0)),
                        UNIT_TIV, source, estimate)
        pending_metrics(out, entity, pending, last_year, countries, pending_source or source)
    return out


def world_shares(bilateral: pd.DataFrame, window: Window) -> tuple[pd.Series, pd.Series]:
    """Each recipient's share of world imports and each supplier's share of world exports over `window`."""
    rows = bilateral[bilateral["year"].between(window.first, window.last)]
    total = rows["tiv"].sum()
    return rows.groupby("recipient")["tiv"].sum() / total, rows.groupby("supplier")["tiv"].sum() / total
