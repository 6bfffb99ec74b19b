"""The release comparison of add-release's change report and the site's release history (metrics.release_changes),
on hand-made metrics tables."""

from __future__ import annotations

import pandas as pd

from defence_briefs.countries import country_table
from defence_briefs.metrics.release_changes import revisions, revisions_by_country

COUNTRIES = country_table()


def _metrics(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["country", "metric", "period", "value"]).assign(unit="", source="",
                                                                                     estimate=False)


BASE = _metrics([("POL", "us_share_of_arms_imports", "2016-2020", 0.50),
                 ("POL", "arms_imports_tiv", "2020", 1000.0),
                 ("DEU", "us_share_of_arms_imports", "2016-2020", 0.20),
                 ("DEU", "milex_share_of_gdp", "2020", 0.0140),
                 ("FRA", "arms_imports_tiv", "2020", 10.0)])
NEW = _metrics([("POL", "us_share_of_arms_imports", "2016-2020", 0.52),   # +2 points: revised
                ("POL", "arms_imports_tiv", "2020", 1003.0),               # +0.3 %: under the 0.5 % step
                ("DEU", "us_share_of_arms_imports", "2016-2020", 0.2003),  # +0.03 points: under the step
                ("DEU", "milex_share_of_gdp", "2020", 0.0150),             # +0.1 point: revised
                ("FRA", "arms_imports_tiv", "2020", 10.4),                 # +4 % but only 0.4 TIV m: not revised
                ("FRA", "arms_imports_tiv", "2021", 50.0)])                # a new year: not in the base


def test_each_countrys_revisions_are_those_of_the_country_alone() -> None:
    """revisions_by_country compares the tables once; each country's lines are what `revisions` gives for it."""
    codes = ["POL", "DEU", "FRA"]
    by_country = revisions_by_country(BASE, NEW, codes, COUNTRIES)
    assert by_country == {code: revisions(BASE, NEW, [code], COUNTRIES) for code in codes}
    # hand-counted: Poland's US share moved by 2 points (its imports by 0.3 %, under the step)
    assert by_country["POL"] == ["- US share of arms imports: 1 of 1 figures revised, largest first:",
                                 "    Poland, 2016-2020: 50.0% -> 52.0% (+2.0 points)",
                                 "- Arms imports, TIV m: 0 of 1 figures revised"]
    assert by_country["DEU"] == ["- US share of arms imports: 0 of 1 figures revised",
                                 "- Military spending, share of GDP (SIPRI): 1 of 1 figures revised, largest first:",
                                 "    Germany, 2020: 1.4% -> 1.5% (+0.1 points)"]
    assert by_country["FRA"] == ["- Arms imports, TIV m: 0 of 1 figures revised"]


def test_a_country_without_figures_in_both_releases_has_no_lines() -> None:
    assert revisions_by_country(BASE, NEW, ["ITA"], COUNTRIES) == {"ITA": []}
    assert revisions(BASE, NEW, ["ITA"], COUNTRIES) == []


def test_the_largest_revisions_come_first_and_equal_ones_by_country() -> None:
    """Ten US shares revised by 1 to 9 points (Germany and Denmark both by 5): the eight largest are listed, the
    largest first, Germany before Denmark; all ten are counted."""
    shifts = {"AUT": 1, "BEL": 9, "BGR": 2, "CZE": 8, "DEU": 5, "DNK": 5, "ESP": 3, "EST": 7, "FIN": 4, "FRA": 6}
    base = _metrics([(code, "us_share_of_arms_imports", "2016-2020", 0.30) for code in shifts])
    new = _metrics([(code, "us_share_of_arms_imports", "2016-2020", (30 + shift) / 100)
                    for code, shift in shifts.items()])
    assert revisions(base, new, list(shifts), COUNTRIES) == [
        "- US share of arms imports: 10 of 10 figures revised, largest first:",
        "    Belgium, 2016-2020: 30.0% -> 39.0% (+9.0 points)",
        "    Czechia, 2016-2020: 30.0% -> 38.0% (+8.0 points)",
        "    Estonia, 2016-2020: 30.0% -> 37.0% (+7.0 points)",
        "    France, 2016-2020: 30.0% -> 36.0% (+6.0 points)",
        "    Germany, 2016-2020: 30.0% -> 35.0% (+5.0 points)",
        "    Denmark, 2016-2020: 30.0% -> 35.0% (+5.0 points)",
        "    Finland, 2016-2020: 30.0% -> 34.0% (+4.0 points)",
        "    Spain, 2016-2020: 30.0% -> 33.0% (+3.0 points)"]
