"""The one place every metric is defined: name (or name pattern), unit, definition and source.

`methodology.md` renders this table (`python build.py methodology` rewrites its generated blocks) and a
test fails when metrics.csv holds a metric that no entry matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dependency import EUROPEAN_SUPPLIERS_DEFINITION, PENDING_RULE
from .weapon_categories import CATEGORIES


@dataclass(frozen=True)
class MetricDefinition:
    """A metric, or a family of metrics whose names follow `pattern` (a regular expression)."""

    name: str
    unit: str
    definition: str
    source: str
    pattern: str | None = None

    def matches(self, metric: str) -> bool:
        return re.fullmatch(self.pattern or re.escape(self.name), metric) is not None


TIV = "SIPRI Arms Transfers Database: the release's own register, deal by deal (and the release's own yearly TIV " \
      "tables as printed), each deal split over its delivery years as SIPRI's older yearly tables place it; each row " \
      "names the files it used"
REGISTER = "SIPRI Arms Transfers Database, trade register"
SIPRI = "SIPRI Military Expenditure Database"
SIPRI_DERIVED = "Derived from the SIPRI Military Expenditure Database"
NATO = "NATO, Defence Expenditure of NATO Countries"
WINDOW = "Per five-year window (`2020-2024`) and, for charts, per year."
GROUP_NOTE = ("Groups: sum over the members by the group's convention (EU27, NATO_EUROPE, EUROPE, EUROPE_EX_UKR: "
              "members as of "
              "the window's last year; SIPRI_EUROPE, SIPRI_EURO_NATO: today's members in every window). `WLD`: "
              "every recipient.")

CATALOGUE: tuple[MetricDefinition, ...] = (
    MetricDefinition("arms_imports_tiv", "SIPRI TIV m",
                     f"Volume of major arms delivered to the country. {WINDOW} {GROUP_NOTE}", TIV),
    MetricDefinition("share_of_world_arms_imports", "fraction",
                     "The window's imports / the imports of every recipient in the world over the same window.", TIV),
    MetricDefinition("arms_exports_tiv", "SIPRI TIV m",
                     "Volume of major arms the country delivered to all recipients, per five-year window; for the "
                     "United States and the ten largest exporters of the latest window.", TIV),
    MetricDefinition("share_of_world_arms_exports", "fraction",
                     "The exporter's deliveries / all deliveries in the world over the window.", TIV),
    MetricDefinition("share_of_arms_exports_to_<GROUP>", "fraction",
                     "Share of the exporter's deliveries that went to the group (EU27, NATO_EUROPE, EUROPE, "
                     "EUROPE_EX_UKR, SIPRI_EUROPE, SIPRI_EURO_NATO), latest and previous window.", TIV,
                     r"share_of_arms_exports_to_(EU27|NATO_EUROPE|EUROPE|EUROPE_EX_UKR|SIPRI_EUROPE|SIPRI_EURO_NATO)"),
    MetricDefinition("arms_imports_from_{us,europe,others}_tiv", "SIPRI TIV m",
                     "Arms imports from the United States, from European suppliers and from all others; European "
                     f"suppliers are {EUROPEAN_SUPPLIERS_DEFINITION}.", TIV,
                     r"arms_imports_from_(us|europe|others)_tiv"),
    MetricDefinition("arms_imports_change", "fraction",
                     "Change of a window's imports from the previous five-year window (0.5 = +50%), "
                     "same members in both windows.", TIV),
    MetricDefinition("us_share_of_arms_imports", "fraction", "Imports from the United States / all imports.", TIV),
    MetricDefinition("european_share_of_arms_imports", "fraction",
                     "Imports from European suppliers / all imports.", TIV),
    MetricDefinition("other_share_of_arms_imports", "fraction", "Imports from all other suppliers / all imports.",
                     TIV),
    MetricDefinition("supplier_hhi", "index 0-1",
                     "Herfindahl-Hirschman index of supplier concentration: sum of squared supplier shares "
                     "(1 = a single supplier).", TIV),
    MetricDefinition("supplier_share_<ISO3>", "fraction",
                     "Share of each of the five largest suppliers (latest and previous window).", TIV,
                     r"supplier_share_[A-Z_]+"),
    MetricDefinition("category_share_<category>", "fraction",
                     f"Share of a weapon category ({', '.join(CATEGORIES)}) in the window's register deliveries "
                     "(latest and previous window); categories mapped from the register's weapon descriptions.",
                     TIV, r"category_share_(" + "|".join(CATEGORIES) + ")"),
    MetricDefinition("built_in_recipient_share_of_arms_imports", "fraction",
                     "Share of the latest window's register deliveries that SIPRI's comments say were produced under "
                     "licence or assembled in the recipient's own country ('produced under licence in Turkiye', "
                     "'assembled from kits in Turkey'); SIPRI counts such production as imports. An estimate: "
                     "deals delivered over several years are split between them.", REGISTER),
    MetricDefinition("arms_imports_tiv_<category>", "SIPRI TIV m",
                     "The window's imports times the category's share.", TIV,
                     r"arms_imports_tiv_(" + "|".join(CATEGORIES) + ")"),
    MetricDefinition("arms_imports_tiv_<category>_from_{us,europe,others}", "SIPRI TIV m",
                     "The window's imports times the share of the category's deliveries from that supplier bloc in "
                     "the register (latest and previous window); over categories and blocs they add up to the "
                     "window's imports.", TIV,
                     r"arms_imports_tiv_(" + "|".join(CATEGORIES) + ")_from_(us|europe|others)"),
    MetricDefinition("{us,european}_share_of_<category>_imports", "fraction",
                     "The register's deliveries of the category from the United States (from European suppliers) / "
                     "all its deliveries of the category, in the window.", TIV,
                     r"(us|european)_share_of_(" + "|".join(CATEGORIES) + ")_imports"),
    MetricDefinition("share_of_<category>_imports_from_<ISO3>", "fraction",
                     "Share of each of the three largest suppliers of the category in the window (register).", TIV,
                     r"share_of_(" + "|".join(CATEGORIES) + ")_imports_from_[A-Z_]+"),
    MetricDefinition("safe_eligible_share_of_arms_imports", "fraction",
                     "Imports from suppliers whose defence products the EU's SAFE loans accept as made inside (the "
                     "EU, the EEA-EFTA states, Ukraine, and Canada, the one third country with a SAFE agreement, "
                     "concluded 1 December 2025) / all imports; a proxy: home production is not in SIPRI's "
                     "transfers.", "Council Regulation (EU) 2025/1106 (SAFE); " + TIV),
    MetricDefinition("safe_eligible_share_of_pending_orders", "fraction",
                     "The same for the pending orders.", "Council Regulation (EU) 2025/1106 (SAFE); " + REGISTER),
    MetricDefinition("pending_orders_tiv_{firm,uncertain}", "SIPRI TIV m",
                     "Pending orders split into firm and uncertain: every order whose number SIPRI marks with '?' is "
                     "uncertain (unless the '?' is on a planned fleet whose ordered units SIPRI's comment gives: "
                     "'126? ... 126 planned of which 48 ordered'); the rest is firm. Units of a planned fleet beyond "
                     "those ordered are not pending at all.", REGISTER, r"pending_orders_tiv_(firm|uncertain)"),
    MetricDefinition("us_share_of_pending_orders_{firm,uncertain}", "fraction",
                     "The US share of the firm, and of the uncertain, pending orders.", REGISTER,
                     r"us_share_of_pending_orders_(firm|uncertain)"),
    MetricDefinition("us_procurement_at_stake_usd", "USD m, current prices",
                     "A scenario, not a forecast: the extra spending an ally needs to reach 3.5% of GDP (NATO's "
                     "figures, latest year) x its equipment share (NATO's; else NATO's 20% guideline) x the US share "
                     "of the arms orders it placed since 2022 (`us_share_of_arms_orders`; deliveries lag orders by "
                     "years): how much of the increase would buy US arms at the pattern of today's orders. A TIV "
                     "share is a share of volume, not of money. Groups: sum over their NATO allies.",
                     NATO + "; " + REGISTER),
    MetricDefinition("projected_arms_imports_tiv", "SIPRI TIV m",
                     "What orders already placed should deliver over the next five years (the window after the "
                     "release's last year): each pending order spread over the years of SIPRI's stated schedule, "
                     "else at its own pace so far, else at the pace of the same designation elsewhere, else evenly; "
                     "orders not yet signed are not in it. Backtested in the methodology.", REGISTER),
    MetricDefinition("projected_us_share_of_arms_imports", "fraction",
                     "The US share of those projected deliveries.", REGISTER),
    MetricDefinition("pending_orders_tiv", "SIPRI TIV m",
                     "TIV ordered but not yet delivered at the end of the release's last year (order TIV minus "
                     f"delivered TIV), for {PENDING_RULE}.", REGISTER),
    MetricDefinition("us_share_of_pending_orders", "fraction", "Pending orders from the United States / all.",
                     REGISTER),
    MetricDefinition("european_share_of_pending_orders", "fraction", "Pending orders from European suppliers / all.",
                     REGISTER),
    MetricDefinition("pending_orders_tiv_from_<ISO3>", "SIPRI TIV m", "Pending orders by supplier.", REGISTER,
                     r"pending_orders_tiv_from_[A-Z_]+"),
    MetricDefinition("arms_orders_tiv", "SIPRI TIV m",
                     "Orders placed in the year or window (the register's order year), at SIPRI's TIV for the total "
                     "order, less the parts SIPRI says were selected but not yet ordered and the planned units beyond "
                     "those ordered; options are not in SIPRI's number ordered. Each year from 2000, `2011-2015`, "
                     "`2016-2021` and `2022-<last year>`. Estimate where more than 5% of the TIV is an order whose "
                     "year SIPRI marks '?' (orders.csv flags uncertain numbers too). Every order and its "
                     "classification: data/orders.csv. "
                     + GROUP_NOTE, REGISTER),
    MetricDefinition("arms_orders_tiv_from_{us,europe,others}", "SIPRI TIV m",
                     "Orders placed with the United States, European suppliers and all others.", REGISTER,
                     r"arms_orders_tiv_from_(us|europe|others)"),
    MetricDefinition("arms_orders_tiv_from_<ISO3>", "SIPRI TIV m",
                     "Orders placed with each of the five largest suppliers of a window.", REGISTER,
                     r"arms_orders_tiv_from_[A-Z_]+"),
    MetricDefinition("arms_orders_supplier_share_<ISO3>", "fraction",
                     "Each of those five suppliers' share of the window's orders.", REGISTER,
                     r"arms_orders_supplier_share_[A-Z_]+"),
    MetricDefinition("{us,european,safe_eligible,aid}_share_of_arms_orders", "fraction",
                     "The part of the orders placed with the United States, with European suppliers, with suppliers "
                     "SAFE accepts, and financed as aid (the register's comments: 'aid', 'FMF', PURL; the payers in "
                     "data/orders.csv).", REGISTER, r"(us|european|safe_eligible|aid)_share_of_arms_orders"),
    MetricDefinition("us_share_of_<category>_orders", "fraction",
                     "The US share of the orders placed in a weapon category, per window.", REGISTER,
                     r"us_share_of_(" + "|".join(CATEGORIES) + r")_orders"),
    MetricDefinition("arms_selections_tiv", "SIPRI TIV m",
                     "Deals SIPRI lists as selected but not yet ordered (or whose contract is not yet signed) at the "
                     "end of the release's last year, by the year SIPRI gives them: shown beside the orders, never in "
                     "them.", REGISTER),
    MetricDefinition("us_share_of_arms_selections", "fraction", "The US share of those selections.", REGISTER),
    MetricDefinition("arms_selections_tiv_from_{us,europe,others}", "SIPRI TIV m",
                     "Those selections by supplier bloc.", REGISTER, r"arms_selections_tiv_from_(us|europe|others)"),
    MetricDefinition("arms_orders_unvalued_count{,_from_europe}", "orders",
                     "Orders placed (all, and from European suppliers) to which SIPRI gives no TIV yet (a new "
                     "system such as the Leopard-2A8): they count as zero in the volumes above.", REGISTER,
                     r"arms_orders_unvalued_count(_from_europe)?"),
    MetricDefinition("milex_current_usd", "USD m, current prices",
                     "Military expenditure (SIPRI definition). Groups: sum, only when every member has data.", SIPRI),
    MetricDefinition("milex_constant_usd", "USD m, constant prices (base year in the unit)",
                     "Military expenditure at constant prices and exchange rates.", SIPRI),
    MetricDefinition("milex_real_change", "fraction", "Real change from the year before (constant USD).", SIPRI),
    MetricDefinition("milex_real_change_since_{2014,2021}", "fraction",
                     "Real change since 2014 (Crimea, Wales pledge) and since 2021 (before the full-scale invasion "
                     "of Ukraine).", SIPRI, r"milex_real_change_since_(2014|2021)"),
    MetricDefinition("milex_share_of_gdp", "fraction",
                     "Military expenditure / GDP. Groups: members' spending / members' GDP (implied by SIPRI).",
                     SIPRI),
    MetricDefinition("milex_per_capita_usd", "USD, current prices", "Military expenditure per person.", SIPRI),
    MetricDefinition("milex_share_of_govt_spending", "fraction",
                     "Military expenditure / general government expenditure.", SIPRI),
    MetricDefinition("gdp_current_usd", "USD m, current prices",
                     "GDP implied by SIPRI: military expenditure / its share of GDP.", SIPRI_DERIVED),
    MetricDefinition("gap_to_2pct_gdp_usd", "USD m, current prices",
                     "Extra spending needed to reach 2% of GDP: max(0, 0.02 x GDP - military expenditure); zero "
                     "when met. Groups: sum of the members' gaps.", SIPRI_DERIVED),
    MetricDefinition("gap_to_3_5pct_gdp_usd", "USD m, current prices",
                     "The same for 3.5% of GDP (NATO's Hague target for core defence by 2035).", SIPRI_DERIVED),
    MetricDefinition("nato_defexp_current_usd", "USD m, current prices", "Defence expenditure (NATO definition).",
                     NATO),
    MetricDefinition("nato_share_of_gdp", "fraction",
                     "Defence expenditure / real GDP (at the edition's constant prices: 2015 in the 2024 edition), "
                     "as NATO publishes it; estimates ('e' years) flagged.", NATO),
    MetricDefinition("nato_real_change", "fraction",
                     "Real change from the year before (at the edition's constant prices).", NATO),
    MetricDefinition("nato_equipment_share", "fraction",
                     "Major equipment and related R&D / defence expenditure; NATO's guideline is 20%.", NATO),
    MetricDefinition("nato_gdp_current_usd", "USD m, current prices", "GDP as NATO publishes it.", NATO),
    MetricDefinition("nato_gap_to_{2pct,3_5pct}_gdp_usd", "USD m, current prices",
                     "max(0, target - NATO's share of GDP) x NATO GDP at current prices: measured on the share NATO "
                     "publishes (of real GDP), so a share that meets the target has no gap. Only for the years the "
                     "country was an ally (Finland from 2023, Sweden from 2024).", NATO,
                     r"nato_gap_to_(2pct|3_5pct)_gdp_usd"),
    MetricDefinition("nato_core_defexp_current_usd", "USD m, current prices",
                     "Core defence expenditure, the definition agreed at The Hague (June 2025), from NATO's 2026 "
                     "edition on; another series than nato_defexp_current_usd, never joined to it.", NATO),
    MetricDefinition("nato_core_share_of_gdp", "fraction",
                     "Core defence expenditure / real GDP (at the edition's constant prices), as NATO publishes it: "
                     "the measure of the Hague commitment's 3.5% by 2035.", NATO),
    MetricDefinition("nato_core_real_change", "fraction", "Real change of core defence expenditure.", NATO),
    MetricDefinition("nato_core_equipment_share", "fraction",
                     "Major equipment and related R&D / core defence expenditure.", NATO),
    MetricDefinition("nato_core_gap_to_3_5pct_gdp_usd", "USD m, current prices",
                     "max(0, 3.5% - NATO's core-defence share of GDP) x NATO GDP at current prices: the Hague "
                     "target on its own definition.", NATO),
    MetricDefinition("<metric>_rank_in_europe", "rank among N European countries (1 = highest)",
                     "The country's rank among the European countries with data for that period.",
                     "As the ranked metric", r"[a-z0-9_]+_rank_in_europe"),
)


def definition_of(metric: str) -> MetricDefinition | None:
    """The catalogue entry a metric name matches, or None."""
    return next((entry for entry in CATALOGUE if entry.matches(metric)), None)


def catalogue_markdown() -> str:
    """The catalogue as a Markdown table (for the methodology page)."""
    lines = ["| Metric | Unit | Definition | Source |", "|---|---|---|---|"]
    for entry in CATALOGUE:
        lines.append(f"| `{entry.name}` | {entry.unit} | {entry.definition} | {entry.source} |")
    return "\n".join(lines) + "\n"
