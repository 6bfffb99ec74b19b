"""The build's chart data transformer (charts.chart_values) gives exactly what Altair's own default gives."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

from defence_briefs.briefs.charts import chart_values


def _typed(values: dict) -> list:
    """The rows with each value's Python type, so that 1 and 1.0 and True differ."""
    return [[(key, type(value).__name__, value) for key, value in row.items()] for row in values["values"]]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"supplier": ["United States", None, "France", "Korea, South"],
                         "share": [0.4355, np.nan, np.inf, -0.0],
                         "year": np.array([2021, 2022, 2023, 2024], dtype="int64"),
                         "estimate": [True, False, True, False]},
                        index=["a", "b", "c", "d"])


def test_plain_frames_become_the_rows_altair_makes() -> None:
    frame = _frame()
    rows = chart_values(frame)
    # by hand: missing strings, NaN and infinities become None; the index is not a column
    assert rows == {"values": [
        {"supplier": "United States", "share": 0.4355, "year": 2021, "estimate": True},
        {"supplier": None, "share": None, "year": 2022, "estimate": False},
        {"supplier": "France", "share": None, "year": 2023, "estimate": True},
        {"supplier": "Korea, South", "share": -0.0, "year": 2024, "estimate": False}]}
    assert _typed(rows) == _typed(alt.default_data_transformer(frame))
    assert json.dumps(rows) == json.dumps(alt.default_data_transformer(frame))
    assert all(type(row["year"]) is int and type(row["estimate"]) is bool for row in rows["values"])


@pytest.mark.parametrize("column", [
    pd.Series(pd.to_datetime(["2024-01-01", None]), name="when"),
    pd.Series(["a", "b"], dtype="category", name="kind"),
    pd.Series([[1, 2], None], dtype=object, name="pairs"),
    pd.Series([1, None], dtype="Int64", name="count"),
])
def test_other_columns_go_through_altair(column: pd.Series) -> None:
    frame = column.to_frame()
    assert _typed(chart_values(frame)) == _typed(alt.default_data_transformer(frame))


def test_too_many_rows_are_refused_as_altair_refuses_them() -> None:
    frame = pd.DataFrame({"value": np.arange(6, dtype="float64")})
    with pytest.raises(alt.MaxRowsError):
        chart_values(frame, max_rows=5)


def test_a_chart_spec_is_the_same_with_either_transformer() -> None:
    frame = _frame().reset_index(drop=True)
    chart = alt.layer(alt.Chart(frame).mark_bar().encode(x="year:O", y="share:Q", color="supplier:N"),
                      alt.Chart(frame.head(2)).mark_rule().encode(y="share:Q"))
    default = chart.to_dict()
    alt.data_transformers.register("brief_values_test", chart_values)
    try:
        with alt.data_transformers.enable("brief_values_test"):
            fast = chart.to_dict()
    finally:
        alt.data_transformers.enable("default")
    # the datasets are named by a hash of their rows, so equal names mean equal rows
    assert json.dumps(fast, sort_keys=True) == json.dumps(default, sort_keys=True)


def test_frames_without_columns_and_unlimited_rows_are_taken_as_altair_takes_them() -> None:
    frame = pd.DataFrame(index=range(3))
    assert chart_values(frame) == alt.default_data_transformer(frame) == {"values": [{}, {}, {}]}
    big = pd.DataFrame({"value": np.arange(6, dtype="float64")})
    assert chart_values(big, max_rows=None) == alt.default_data_transformer(big, max_rows=None)


def test_registered_as_altairs_default_it_honours_disable_max_rows() -> None:
    """The build's kernels register chart_values as Altair's default transformer: a notebook's
    `alt.data_transformers.disable_max_rows()` then lets a large frame through, as with Altair's own."""
    big = pd.DataFrame({"value": np.arange(5001, dtype="float64")})
    chart = alt.Chart(big).mark_point().encode(x="value:Q")
    from altair.vegalite.data import default_data_transformer

    alt.data_transformers.register("default", chart_values)
    try:
        alt.data_transformers.enable("default")
        with pytest.raises(alt.MaxRowsError):
            chart.to_dict()
        with alt.data_transformers.disable_max_rows():
            assert len(next(iter(chart.to_dict()["datasets"].values()))) == 5001
    finally:
        alt.data_transformers.register("default", default_data_transformer)
        alt.data_transformers.enable("default")
