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

import numpy as np
import pandas as pd

from ..countries import GROUPS as GROUP_CODES
from ..countries import CountryTable
from .bilateral_tiv import UNKNOWN_SUPPLIER
from .diversification import safe_eligible_suppliers
from .orders import planned_tiv, selected_tiv
from .records import UNIT_FRACTION, UNIT_HHI, UNIT_TIV, MetricRows, period_label
from .weapon_categories import CATEGORIES

US = "USA"
# Suppliers counted as European: the EU27 (today's members, whatever the year), the UK, Norway,
# Switzerland, and the EU and NATO where SIPRI names them as the supplier. Every page says it in these words.
EUROPEAN_NON_EU = ("GBR", "NOR", "CHE", "ORG_EU", "ORG_NATO")
EUROPEAN_SUPPLIERS_DEFINITION = ("the EU27 (today's members), the United Kingdom, Norway and Switzerland, and the EU "
                                 "and NATO where SIPRI names them as the supplier (jointly run fleets and "
                                 "programmes)")
BLOCS = ("us", "europe", "others")
WINDOW_YEARS = 5
# a figure is an estimate when more than this part of its TIV comes from deals split over years that its period cuts
# (or cuts the deal's printed years off): the most the split could move it by
MATERIAL_CUT = 0.05
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
PENDING_RULE = (f"orders placed in the release's last year or the {PENDING_RECENT_ORDER_YEARS} years before it "
                f"(2015–25 for data to 2025), and older orders with a delivery in its last year or the "
                f"{PENDING_RECENT_DELIVERY_YEARS} years before it (2023–25); deals SIPRI gives as selected but not "
                f"yet ordered, and the units of a planned fleet beyond those ordered, are not orders and not counted")


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
    """The suppliers of EUROPEAN_SUPPLIERS_DEFINITION as codes."""
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


def _codes(values: pd.Series, names: Iterable[str] = ()) -> tuple[np.ndarray, list[str]]:
    """Integer codes of `values` and the names they stand for (those of `values` and `names`), sorted, so that
    code order is name order (the order of a pandas groupby's keys)."""
    ordered = sorted({*values.unique(), *names})
    return pd.Index(ordered).get_indexer(values), ordered


BLOC_NAMES = sorted(BLOCS)


class _Table:
    """A table of flows (supplier, recipient, year, tiv and `bloc`) as arrays, its rows indexed by recipient and year.

    A selection is an array of row positions in table order: the rows a boolean filter would keep, in the same
    order, so that a sum over a selection adds the same values in the same order as a sum over the filtered frame.
    """

    def __init__(self, frame: pd.DataFrame, suppliers: Iterable[str] = ()) -> None:
        self.tiv = frame["tiv"].to_numpy(dtype=float)
        self.year = frame["year"].to_numpy()
        self.supplier, self.suppliers = _codes(frame["supplier"], suppliers)
        self.bloc = _codes(frame["bloc"], BLOCS)[0]
        self.recipient, recipients = _codes(frame["recipient"])
        self.recipient_code = {name: code for code, name in enumerate(recipients)}
        self._order = np.lexsort((self.year, self.recipient))  # by recipient, then year
        self._ordered_years = self.year[self._order]
        bounds = np.searchsorted(self.recipient[self._order], np.arange(len(recipients) + 1))
        self._spans = {name: (int(bounds[code]), int(bounds[code + 1])) for code, name in enumerate(recipients)}

    def select(self, members: Iterable[str], window: Window) -> np.ndarray:
        """The rows of `members` (recipients) in `window`."""
        parts = []
        for member in dict.fromkeys(members):
            if member in self._spans:
                lo, hi = self._spans[member]
                first, end = lo + self._ordered_years[lo:hi].searchsorted([window.first, window.last + 1])
                parts.append(self._order[first:end])
        return np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.intp)

    def select_years(self, window: Window) -> np.ndarray:
        """The rows of every recipient in `window`."""
        return np.flatnonzero((self.year >= window.first) & (self.year <= window.last))

    def of_recipients(self, rows: np.ndarray, members: Iterable[str]) -> np.ndarray:
        """The rows among `rows` whose recipient is one of `members`."""
        codes = [self.recipient_code[m] for m in members if m in self.recipient_code]
        return rows[np.isin(self.recipient[rows], codes)]

    def of_supplier(self, rows: np.ndarray, supplier: str) -> np.ndarray:
        """The rows among `rows` from `supplier`."""
        return rows[self.supplier[rows] == self.suppliers.index(supplier)] if supplier in self.suppliers \
            else rows[:0]


@dataclass(frozen=True)
class Estimates:
    """Which parts of a set of flows rest on estimates: the total, each bloc's part, and the split among
    suppliers (`_Flows.estimates`)."""

    total: bool
    bloc: dict[str, bool]
    split: bool


class _Flows(_Table):
    """A `_Table` whose rows also have a `basis` and a `source_file`, for what each figure rests on."""

    def __init__(self, frame: pd.DataFrame) -> None:
        super().__init__(frame)
        self.fitted = (frame["basis"] == "fitted").to_numpy(dtype=bool)
        self.registered = frame["basis"].isin(["shaped", "allocated"]).to_numpy(dtype=bool)
        year = frame["year"].to_numpy()
        self.split_first = frame["split_first"].to_numpy() if "split_first" in frame else year
        self.split_last = frame["split_last"].to_numpy() if "split_last" in frame else year
        self.source_file, texts = pd.factorize(frame["source_file"], use_na_sentinel=False)
        self.files = [frozenset(f for f in str(text).split("; ") if f) for text in texts]

    def source(self, fallback: str, *selections: np.ndarray) -> str:
        """The files a TIV figure rests on: every manifest id named by its rows (`fallback` when there are none)."""
        texts = np.unique(self.source_file[np.concatenate(selections)])
        files = sorted(set().union(*(self.files[text] for text in texts)))
        return f"{SIPRI_AT}: {', '.join(files)}" if files else fallback

    def estimates(self, rows: np.ndarray, window: Window) -> Estimates:
        """Which parts of the figures of `rows`, summed over `window`, rest on estimates: a total when more than
        MATERIAL_CUT of it is part of register deals split over years that reach outside the window (a deal held
        whole in the window counts as the register has it, however it is split); a bloc's part also when more than
        MATERIAL_CUT of the bloc's TIV is so cut, or when its split among suppliers was fitted to SIPRI's totals."""
        cut = self.registered[rows] & ((self.split_first[rows] < window.first) | (self.split_last[rows] > window.last))
        tiv = self.tiv[rows]
        total = bool(tiv[cut].sum() > MATERIAL_CUT * tiv.sum())
        blocs = {}
        for bloc in BLOCS:
            mine = self.bloc[rows] == BLOC_NAMES.index(bloc)
            # a bloc with no deliveries at all has none whatever the split: its nought is no estimate
            blocs[bloc] = bool(mine.any()) and (total or bool((mine & self.fitted[rows]).any()) or bool(
                tiv[mine & cut].sum() > MATERIAL_CUT * tiv[mine].sum()))
        return Estimates(total, blocs, total or any(blocs.values()))


def _grouped_sums(values: np.ndarray, which: np.ndarray, count: int, *keys: np.ndarray) -> list[dict]:
    """The sum of `values` per selection (`which`: 0 to count - 1) and key (codes; a tuple for several keys), one
    dict per selection in key order, each the sum that a pandas groupby over that selection's rows alone gives.

    pandas sums with np.add.reduceat when the rows come sorted by key and with a compensated loop in row order
    otherwise (or when a value is NaN), and the two can differ in the last bit. So the selections whose rows are
    sorted by key are summed in one groupby (sorted: reduceat over the same runs of rows) and the others in another
    (the loop: the same additions in the same order per group).
    """
    order = np.argsort(which, kind="stable")  # each selection's rows together, in their order
    values, which, keys = values[order], which[order], tuple(key[order] for key in keys)
    flat = np.ravel_multi_index(keys, tuple(int(key.max()) + 1 for key in keys)) if len(values) else which
    descending = (flat[1:] < flat[:-1]) & (which[1:] == which[:-1])
    unsorted = np.zeros(count, dtype=bool)
    unsorted[which[1:][descending]] = True
    unsorted[which[np.isnan(values)]] = True
    out: list[dict] = [{} for _ in range(count)]
    for part in (~unsorted[which], unsorted[which]):
        sums = pd.Series(values[part], dtype=float).groupby([which[part], *(key[part] for key in keys)]).sum()
        levels = [sums.index.get_level_values(i).tolist() for i in range(sums.index.nlevels)]
        for selection, *key, value in zip(*levels, sums.tolist(), strict=True):
            out[selection][key[0] if len(key) == 1 else tuple(key)] = value
    return out


def _concatenated(selections: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The rows of every selection, one selection after the other, and the number of the selection of each."""
    rows = np.concatenate(selections) if selections else np.empty(0, dtype=np.intp)
    return rows, np.repeat(np.arange(len(selections)), [len(s) for s in selections])


class _Selections:
    """Numbered selections of a table's rows (some recipients over a window), each made once."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.rows: list[np.ndarray] = []
        self._ids: dict[tuple[tuple[str, ...], int, int], int] = {}

    def id(self, members: list[str], window: Window) -> int:
        key = (tuple(members), window.first, window.last)
        if key not in self._ids:
            self._ids[key] = len(self.rows)
            self.rows.append(self.table.select(members, window))
        return self._ids[key]

    def sums_by(self, key: np.ndarray, names: list[str]) -> list[dict[str, float]]:
        """Each selection's TIV per value of a code column (`key`, naming `names`), in name order."""
        rows, which = _concatenated(self.rows)
        return [{names[code]: tiv for code, tiv in sums.items()}
                for sums in _grouped_sums(self.table.tiv[rows], which, len(self.rows), key[rows])]


def _sum(values: Iterable[float]) -> float:
    """The sum of values as pandas sums a Series of them (numpy's summation, in the order given)."""
    return float(np.sum(np.fromiter(values, dtype=float)))


def window_import_metrics(out: MetricRows, entity: str, by_bloc: dict[str, float], by_supplier: dict[str, float],
                          window: Window, estimates: Estimates, source: str, with_suppliers: bool,
                          world_total: float) -> float:
    """Add one entity's imports, bloc shares, HHI, share of the world (and top suppliers) for a window, from the
    sums of the entity's rows of that window by bloc and by supplier (in name order).

    Which figures are estimates is said by `estimates` (`_Flows.estimates`). Returns the total TIV.
    """
    total = _sum(by_bloc.values())  # the sum of the parts, so that one bloc's share of itself is exactly 1
    period = window.label
    out.add(entity, "arms_imports_tiv", period, total, UNIT_TIV, source, estimates.total)
    if world_total > 0:
        out.add(entity, "share_of_world_arms_imports", period, total / world_total, UNIT_FRACTION, source,
                estimates.total)
    for bloc in BLOCS:
        out.add(entity, f"arms_imports_from_{bloc}_tiv", period, by_bloc.get(bloc, 0.0), UNIT_TIV, source,
                estimates.bloc[bloc])
    if total <= 0:
        return total  # shares of nothing are not figures
    for bloc, metric in (("us", "us_share_of_arms_imports"), ("europe", "european_share_of_arms_imports"),
                         ("others", "other_share_of_arms_imports")):
        out.add(entity, metric, period, by_bloc.get(bloc, 0.0) / total, UNIT_FRACTION, source, estimates.bloc[bloc])
    tiv = np.fromiter(by_supplier.values(), dtype=float)
    shares = tiv / tiv.sum()
    out.add(entity, "supplier_hhi", period, float((shares**2).sum()), UNIT_HHI, source, estimates.split)
    if with_suppliers:
        named = [(supplier, float(share)) for supplier, share in zip(by_supplier, shares, strict=True) if share > 0]
        for supplier, share in sorted(named, key=lambda item: -item[1])[:TOP_SUPPLIERS]:  # stable: ties by name
            out.add(entity, f"supplier_share_{supplier}", period, share, UNIT_FRACTION, source, estimates.split)
    return total


@dataclass(frozen=True)
class CategorySums:
    """One entity's register deliveries in a window by weapon category: as registered (`registered`), and with
    each bloc's deliveries scaled to the bloc's total in SIPRI's tables (`by_bloc`: (category, bloc) -> TIV,
    `in_category`, `by_supplier`: category -> supplier -> TIV, suppliers in name order)."""

    registered: dict[str, float]
    by_bloc: dict[tuple[str, str], float]
    in_category: dict[str, float]
    by_supplier: dict[str, dict[str, float]]


def _scale_factor(bloc_total: float, registered: float) -> float:
    """What a bloc's register deliveries are multiplied by to reach the bloc's total: 0 where the quotient is not a
    number or +inf (no register deliveries to scale)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.float64(bloc_total) / np.float64(registered)
    return 0.0 if np.isnan(factor) or factor == np.inf else float(factor)


def category_sums(deals: _Table, categories: tuple[np.ndarray, list[str]], selections: list[np.ndarray],
                  bloc_totals: list[dict[str, float]]) -> list[CategorySums]:
    """The `CategorySums` of each selection of register deal years (`deals`, with the `categories` codes and
    names), scaled bloc by bloc to that selection's `bloc_totals` from SIPRI's tables; a bloc's total that the
    register does not cover counts as 'other', from an unknown supplier. All selections in one grouped pass."""
    category, names = categories
    rows, which = _concatenated(selections)
    count = len(selections)
    registered = _grouped_sums(deals.tiv[rows], which, count, category[rows])
    register_by_bloc = _grouped_sums(deals.tiv[rows], which, count, deals.bloc[rows])
    factors = np.zeros((count, len(BLOC_NAMES)))
    uncovered: list[tuple[int, int, float]] = []
    for selection, (totals, register) in enumerate(zip(bloc_totals, register_by_bloc, strict=True)):
        for bloc, tiv in totals.items():
            code = BLOC_NAMES.index(bloc)
            if code in register:
                factors[selection, code] = _scale_factor(tiv, register[code])
            if tiv > 0 and register.get(code, 0.0) <= 0:
                uncovered.append((selection, code, tiv))
    extra = np.array([selection for selection, _, _ in uncovered], dtype=np.intp)
    scaled_which = np.concatenate([which, extra])
    scaled_category = np.concatenate([category[rows], np.full(len(extra), names.index("other"))])
    scaled_bloc = np.concatenate([deals.bloc[rows], np.array([code for _, code, _ in uncovered], dtype=np.intp)])
    scaled_supplier = np.concatenate([deals.supplier[rows],
                                      np.full(len(extra), deals.suppliers.index(UNKNOWN_SUPPLIER))])
    scaled = np.concatenate([deals.tiv[rows] * factors[which, deals.bloc[rows]],
                             np.array([tiv for _, _, tiv in uncovered], dtype=float)])
    by_bloc = _grouped_sums(scaled, scaled_which, count, scaled_category, scaled_bloc)
    in_category = _grouped_sums(scaled, scaled_which, count, scaled_category)
    by_supplier = _grouped_sums(scaled, scaled_which, count, scaled_category, scaled_supplier)
    out = []
    for selection in range(count):
        suppliers: dict[str, dict[str, float]] = {}
        for (c, s), tiv in by_supplier[selection].items():
            suppliers.setdefault(names[c], {})[deals.suppliers[s]] = tiv
        out.append(CategorySums({names[c]: tiv for c, tiv in registered[selection].items()},
                                {(names[c], BLOC_NAMES[b]): tiv for (c, b), tiv in by_bloc[selection].items()},
                                {names[c]: tiv for c, tiv in in_category[selection].items()}, suppliers))
    return out


def category_metrics(out: MetricRows, entity: str, sums: CategorySums, window: Window, total: float, source: str,
                     estimate: bool) -> None:
    """Add the window's imports by weapon category (register shares, scaled to the window's total TIV), and each
    category's imports by supplier bloc and its largest suppliers.

    The bloc figures are scaled bloc by bloc (`category_sums`): each bloc's register deliveries are split among
    categories and scaled to the bloc's total in SIPRI's tables, so that a category's parts add up, over the
    categories, to the bloc totals the text quotes; a bloc's total that the register does not cover in the
    window counts as 'other'.
    """
    category_total = _sum(sums.registered.values())
    if category_total <= 0 or total <= 0:
        return
    period = window.label
    for category in CATEGORIES:
        share = sums.registered.get(category, 0.0) / category_total
        out.add(entity, f"category_share_{category}", period, share, UNIT_FRACTION, source, estimate)
        out.add(entity, f"arms_imports_tiv_{category}", period, share * total, UNIT_TIV, source, estimate)
    for category in CATEGORIES:
        for bloc in BLOCS:
            out.add(entity, f"arms_imports_tiv_{category}_from_{bloc}", period,
                    sums.by_bloc.get((category, bloc), 0.0), UNIT_TIV, source, estimate)
        in_category = sums.in_category.get(category, 0.0)
        if in_category <= 0:
            continue  # no share of nothing
        for bloc, metric in (("us", f"us_share_of_{category}_imports"),
                             ("europe", f"european_share_of_{category}_imports")):
            out.add(entity, metric, period, min(1.0, sums.by_bloc.get((category, bloc), 0.0) / in_category),
                    UNIT_FRACTION, source, estimate)
        suppliers = [(supplier, tiv) for supplier, tiv in sums.by_supplier[category].items()
                     if tiv > 0 and supplier != UNKNOWN_SUPPLIER]
        for supplier, tiv in sorted(suppliers, key=lambda item: -item[1])[:CATEGORY_TOP_SUPPLIERS]:
            out.add(entity, f"share_of_{category}_imports_from_{supplier}", period, tiv / in_category,
                    UNIT_FRACTION, source, estimate)


def pending_orders(transfers: pd.DataFrame, last_year: int) -> pd.DataFrame:
    """Register records with TIV ordered but not yet delivered at the end of `last_year` (`pending_tiv`), split
    into `firm_pending_tiv` and `uncertain_pending_tiv` (see `uncertain_part`). What SIPRI gives as selected but
    not yet ordered, and the units of a planned fleet beyond those ordered, are not orders, so not pending
    (`orders.selected_tiv`, `orders.planned_tiv`; `selection_tiv` and `planned_tiv` say how much was left out of a
    deal only partly ordered)."""
    selected = selected_tiv(transfers)
    planned = planned_tiv(transfers, selected)
    undelivered = transfers["tiv_order"] - selected - planned - transfers["tiv_delivered"].fillna(0.0)
    last_delivery = transfers["delivery_years"].map(lambda years: max(years) if len(years) else None)
    recent_order = transfers["order_year"] >= last_year - PENDING_RECENT_ORDER_YEARS
    still_delivering = last_delivery.fillna(0).astype(int) >= last_year - PENDING_RECENT_DELIVERY_YEARS
    pending = transfers[(undelivered > 0) & (recent_order.fillna(False) | still_delivering)].copy()
    pending["pending_tiv"] = undelivered[pending.index]
    pending["selection_tiv"] = selected[pending.index]
    pending["planned_tiv"] = planned[pending.index]
    pending["uncertain_pending_tiv"] = uncertain_part(pending)
    pending["firm_pending_tiv"] = pending["pending_tiv"] - pending["uncertain_pending_tiv"]
    return pending


def uncertain_part(pending: pd.DataFrame) -> pd.Series:
    """The part of each pending order's TIV that is uncertain rather than firm: all of it where SIPRI marks the
    number ordered with '?', unless units of a planned fleet were left out of it ("126? ... 126 planned of which 48
    ordered": the '?' is on the planned fleet; the 48 ordered are firm, the planned units not pending at all)."""
    uncertain = pending["number_ordered_uncertain"].fillna(False).astype(bool) & ~(pending["planned_tiv"] > 0)
    return pending["pending_tiv"].where(uncertain, 0.0)


def pending_metrics(out: MetricRows, entity: str, pending: pd.DataFrame, rows: np.ndarray, by_bloc: dict[str, float],
                    by_supplier: dict[str, float], last_year: int, source: str, safe_suppliers: frozenset[str]) -> None:
    """Add the order pipeline at the end of `last_year`: total, by supplier, the US, European and SAFE-eligible
    shares, and the firm and the uncertain parts with their US shares, from the entity's `rows` of
    `pending` (positions, in table order) and their pending TIV by bloc and by supplier (in name order)."""
    tiv = pending["pending_tiv"].to_numpy(dtype=float)[rows]
    total = float(tiv.sum())
    period = str(last_year)
    out.add(entity, "pending_orders_tiv", period, total, UNIT_TIV, source)
    if total <= 0:
        return
    out.add(entity, "us_share_of_pending_orders", period, by_bloc.get("us", 0.0) / total, UNIT_FRACTION, source)
    out.add(entity, "european_share_of_pending_orders", period, by_bloc.get("europe", 0.0) / total,
            UNIT_FRACTION, source)
    suppliers = pending["supplier"].to_numpy()[rows]
    safe = tiv[np.fromiter((s in safe_suppliers for s in suppliers), dtype=bool, count=len(rows))].sum()
    out.add(entity, "safe_eligible_share_of_pending_orders", period, min(1.0, safe / total), UNIT_FRACTION, source)
    us = pending["bloc"].to_numpy()[rows] == "us"
    for part in ("firm", "uncertain"):
        values = pending[f"{part}_pending_tiv"].to_numpy(dtype=float)[rows]
        part_total = float(values.sum())
        out.add(entity, f"pending_orders_tiv_{part}", period, part_total, UNIT_TIV, source)
        if part_total > 0:
            out.add(entity, f"us_share_of_pending_orders_{part}", period, float(values[us].sum()) / part_total,
                    UNIT_FRACTION, source)
    for supplier, supplier_tiv in by_supplier.items():
        out.add(entity, f"pending_orders_tiv_from_{supplier}", period, supplier_tiv, UNIT_TIV, source)


def _pending_sums(pending: pd.DataFrame, column: str, rows: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Each entity's pending TIV per value of `column` (in name order), from its `rows` of `pending`."""
    codes, names = _codes(pending[column])
    selections = list(rows.values())
    positions, which = _concatenated(selections)
    sums = _grouped_sums(pending["pending_tiv"].to_numpy(dtype=float)[positions], which, len(selections),
                         codes[positions])
    return {entity: {names[code]: tiv for code, tiv in entity_sums.items()}
            for entity, entity_sums in zip(rows, sums, strict=True)}


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

    The rows of each entity and window are selected once, and the sums by bloc, supplier and category of all
    of them are made in one grouped pass each.
    """
    european = european_suppliers(countries)
    safe = safe_eligible_suppliers(countries)
    first_year = last_year - max(ROLLING_WINDOWS + 2 * WINDOW_YEARS, YEARLY_SPAN)
    bilateral = bilateral[bilateral["year"].between(first_year, last_year)]
    world = bilateral.groupby("year")["tiv"].sum().reindex(range(first_year, last_year + 1), fill_value=0.0)
    everyone = bilateral.assign(bloc=lambda f: supplier_bloc(f["supplier"], european))
    deal_rows = deal_rows[deal_rows["year"].between(first_year, last_year)]
    deal_rows = deal_rows.assign(bloc=supplier_bloc(deal_rows["supplier"], european))
    pending = pending_orders(transfers, last_year) if pending is None else pending
    pending = pending.assign(bloc=supplier_bloc(pending["supplier"], european))
    out = MetricRows()
    latest = Window(last_year - WINDOW_YEARS + 1, last_year)
    previous = latest.previous()
    windows = latest_windows(last_year)
    years = [Window(year, year) for year in range(last_year - YEARLY_SPAN + 1, last_year + 1)]

    flows = _Flows(everyone)
    selections = _Selections(flows)
    deals = _Table(deal_rows, [UNKNOWN_SUPPLIER])
    deal_selections = _Selections(deals)
    detailed_windows: list[tuple[int, int]] = []  # (flow selection, deal selection) of the detailed windows
    for entity in entities:
        for window in windows:
            members = members_of(entity, window.last, countries, last_year)
            now = selections.id(members, window)
            selections.id(members, window.previous())
            if window in (latest, previous):
                detailed_windows.append((now, deal_selections.id(members, window)))
        for year in years:
            selections.id(members_of(entity, year.last, countries, last_year), year)
    by_bloc = selections.sums_by(flows.bloc, BLOC_NAMES)
    by_supplier = selections.sums_by(flows.supplier, flows.suppliers)
    by_category = dict(zip(detailed_windows, category_sums(
        deals, _codes(deal_rows["category"], CATEGORIES), deal_selections.rows,
        [by_bloc[now] for now, _ in detailed_windows]), strict=True))
    world_totals = {window: float(world.loc[window.first:window.last].sum()) for window in windows}
    safe_codes = [code for code, supplier in enumerate(flows.suppliers) if supplier in safe]
    pending_rows = {entity: np.flatnonzero(pending["recipient"].isin(members_of(entity, last_year, countries,
                                                                                last_year)).to_numpy(dtype=bool))
                    for entity in entities}
    pending_by_bloc = _pending_sums(pending, "bloc", pending_rows)
    pending_by_supplier = _pending_sums(pending, "supplier", pending_rows)

    for entity in entities:
        for window in windows:
            detailed = window in (latest, previous)
            members = members_of(entity, window.last, countries, last_year)
            now = selections.id(members, window)
            rows = selections.rows[now]
            estimates = flows.estimates(rows, window)
            window_source = flows.source(source, rows)
            total = window_import_metrics(out, entity, by_bloc[now], by_supplier[now], window, estimates,
                                          window_source, detailed, world_totals[window])
            if total > 0:
                # min: the same TIV summed in another order can exceed the total by a rounding error
                safe_tiv = float(flows.tiv[rows[np.isin(flows.supplier[rows], safe_codes)]].sum())
                out.add(entity, "safe_eligible_share_of_arms_imports", window.label, min(1.0, safe_tiv / total),
                        UNIT_FRACTION, window_source, estimates.split)
            if detailed:
                category_metrics(out, entity, by_category[now, deal_selections.id(members, window)], window, total,
                                 window_source, estimates.split)
            # like for like: the same members in both windows
            before = selections.rows[selections.id(members, window.previous())]
            before_tiv = flows.tiv[before].sum()
            if before_tiv > 0:
                out.add(entity, "arms_imports_change", window.label, total / before_tiv - 1, UNIT_FRACTION,
                        flows.source(source, before, rows),
                        estimates.total or flows.estimates(before, window.previous()).total)
        for year in years:
            selection = selections.id(members_of(entity, year.last, countries, last_year), year)
            rows = selections.rows[selection]
            estimates = flows.estimates(rows, year)
            year_source = flows.source(source, rows)
            out.add(entity, "arms_imports_tiv", year.label, float(flows.tiv[rows].sum()), UNIT_TIV, year_source,
                    estimates.total)
            for bloc in BLOCS:
                out.add(entity, f"arms_imports_from_{bloc}_tiv", year.label, by_bloc[selection].get(bloc, 0.0),
                        UNIT_TIV, year_source, estimates.bloc[bloc])
        rows = pending_rows[entity]
        pending_metrics(out, entity, pending, rows, pending_by_bloc[entity], pending_by_supplier[entity],
                        last_year, pending_source or source, safe)
    world_metrics(out, flows, windows, years, source)
    exporter_metrics(out, flows, largest_exporters(everyone, latest, countries), windows, last_year, countries,
                     [e for e in entities if e in GROUP_CODES], source)
    return out


def world_metrics(out: MetricRows, flows: _Flows, windows: list[Window], years: list[Window], source: str) -> None:
    """The world's arms imports (`WLD`: every recipient) per window and year, and their change."""
    for window in windows:
        rows = flows.select_years(window)
        before = flows.select_years(window.previous())
        estimate = flows.estimates(rows, window).total
        out.add(WORLD, "arms_imports_tiv", window.label, float(flows.tiv[rows].sum()), UNIT_TIV,
                flows.source(source, rows), estimate)
        if flows.tiv[before].sum() > 0:
            out.add(WORLD, "arms_imports_change", window.label, flows.tiv[rows].sum() / flows.tiv[before].sum() - 1,
                    UNIT_FRACTION, flows.source(source, before, rows),
                    estimate or flows.estimates(before, window.previous()).total)
    for year in years:
        rows = flows.select_years(year)
        out.add(WORLD, "arms_imports_tiv", year.label, float(flows.tiv[rows].sum()), UNIT_TIV,
                flows.source(source, rows), flows.estimates(rows, year).total)


def largest_exporters(flows: pd.DataFrame, window: Window, countries: CountryTable, count: int = TOP_EXPORTERS) \
        -> list[str]:
    """The `count` states with the largest exports over `window`, and the United States in any case."""
    rows = flows[flows["year"].between(window.first, window.last)]
    by_supplier = rows.groupby("supplier")["tiv"].sum().sort_values(ascending=False, kind="stable")
    states = [s for s in by_supplier.index if s in countries.entities and countries.kind(s) == "state"]
    return list(dict.fromkeys([US, *states[:count]]))


def exporter_metrics(out: MetricRows, flows: _Flows, exporters: list[str], windows: list[Window], last_year: int,
                     countries: CountryTable, groups: list[str], source: str) -> None:
    """Exports of `exporters` (`largest_exporters`): volume and share of the world per window; in the latest and
    previous window, the share of their exports that went to each group (`share_of_arms_exports_to_<GROUP>`)."""
    latest = windows[-1]
    for window in windows:
        rows = flows.select_years(window)
        world, world_source, world_estimate = float(flows.tiv[rows].sum()), flows.source(source, rows), \
            flows.estimates(rows, window).total
        for exporter in exporters:
            own = flows.of_supplier(rows, exporter)
            exports = float(flows.tiv[own].sum())
            estimate = flows.estimates(own, window).total
            own_source = flows.source(source, own)
            out.add(exporter, "arms_exports_tiv", window.label, exports, UNIT_TIV, own_source, estimate)
            if world > 0:
                out.add(exporter, "share_of_world_arms_exports", window.label, exports / world, UNIT_FRACTION,
                        world_source, world_estimate)
            if window not in (latest, latest.previous()) or exports <= 0:
                continue
            for group in groups:
                to_group = flows.of_recipients(own, members_of(group, window.last, countries, last_year))
                out.add(exporter, f"share_of_arms_exports_to_{group}", window.label,
                        flows.tiv[to_group].sum() / exports, UNIT_FRACTION, own_source, estimate)
