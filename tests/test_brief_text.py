"""Number formats, escaping and markdown tables of the briefs, against hand-written expectations."""

from __future__ import annotations

import pypandoc
import pytest

from defence_briefs.briefs.text import figure_span, fmt, md_escape, md_table, parse_fmt, short_period
from defence_briefs.render.pandoc import READER


@pytest.mark.parametrize(("value", "kind", "shown"), [
    (0.4355, "pct", "44%"),
    (0.998, "pct", "99.8%"),  # not all of it: never '100%'
    (0.9999, "pct", "99.99%"),
    (0.003, "pct", "0.3%"),  # some: never '0%'
    (0.4951, "pct", "49.5%"),  # under half: never '50%'
    (0.4999, "pct", "49.99%"),
    (0.5, "pct", "50%"),
    (0.99996, "pct", "over 99.99%"), (0.00004, "pct", "under 0.01%"), (0.49996, "pct", "just under 50%"),
    (1.0, "pct", "100%"),
    (0.0, "pct", "0%"),
    (0.0450, "pct1", "4.5%"),
    (0.04123, "pct2", "4.12%"),
    (-0.48, "pct_abs", "48%"),
    (9.306, "change", "+931%"),
    (-0.516, "change", "−52%"),
    (0.234, "real_change", "+23.4%"),
    (-0.05, "real_change", "−5.0%"),
    (16.561, "real_change", "+1,656%"),  # 100% or more: whole percents
    (114.81, "times", "about 116 times"),
    (2.57, "times", "about 3.6 times"),  # Denmark's spending since 2014: 14,083 / 3,944 = 3.57, not 'about 4'
    (8.97, "times", "about 10 times"),
    (2.02, "times", "about 3 times"),
    (46812.0, "usd_m", "$46.8 bn"),
    (235.4, "usd_m", "$235 m"),
    (1219.4, "usd", "$1,219"),
    (18080.44, "tiv", "18,080"),
])
def test_fmt_prints_what_a_reader_expects(value: float, kind: str, shown: str) -> None:
    assert fmt(value, kind) == shown


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("44%", "pct", 0.44), ("$46.8 bn", "usd_m", 46800.0), ("$235 m", "usd_m", 235.0), ("+931%", "change", 9.31),
    ("−5.0%", "real_change", -0.05), ("18,080", "tiv", 18080.0), ("about 116 times", "times", 115.0),
])
def test_parse_fmt_reads_the_number_back(text: str, kind: str, value: float) -> None:
    assert parse_fmt(text, kind) == pytest.approx(value)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown number format 'euro'"):
        fmt(1.0, "euro")


def test_short_period() -> None:
    assert short_period("2021-2025") == "2021–25"
    assert short_period("1999-2003") == "1999–2003"
    assert short_period("2024") == "2024"


def _html(markdown: str) -> str:
    return pypandoc.convert_text(markdown, "html5", format=READER)


def test_source_strings_stay_text_in_html() -> None:
    hostile = """<script>alert("x")</script> & 'Mk-2' *F-16* [link](http://evil) $5 $6"""
    html = _html(f"A weapon: {md_escape(hostile)}")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<em>" not in html and "<a " not in html
    assert "&amp;" in html


def test_figure_span_carries_its_metrics_row() -> None:
    span = figure_span(0.4355, "pct", "POL", "us_share_of_arms_imports", "2021-2025")
    html = _html(span)
    assert 'data-metric="us_share_of_arms_imports"' in html
    assert 'data-period="2021-2025"' in html and 'data-format="pct"' in html and ">44%<" in html


def test_md_table_is_a_real_table_with_widths_from_the_content() -> None:
    table = md_table(["Figure", "Value"], [["A long label of a figure", "1"]])
    lines = table.splitlines()
    assert lines[1] == "|:" + "-" * len("A long label of a figure") + "|-----:|"
    html = _html(table)
    assert "<table" in html and "<th" in html and html.count("<tr") == 2


def test_apostrophes_in_words_are_set_typographic_and_quotes_left_alone() -> None:
    """Pandoc sets the prose's apostrophes curly; source strings go through md_escape, so they match it."""
    assert md_escape("SIPRI's register; the allies' spending") == "SIPRI’s register; the allies’ spending"
    assert md_escape("'II'") == "\\'II\\'"  # a quotation SIPRI writes with straight quotes stays as written
