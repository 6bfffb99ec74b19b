"""The house look of every chart: one sans font (Lato, shipped by the font-lato package), Okabe-Ito colours.

The US, European suppliers and others always get the same three colours, in charts and tables alike.
"""

from __future__ import annotations

import altair as alt

from .fonts import FONT

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
# Bloc colours mean supplier blocs and nothing else; periods are neutral tones; other series take the colours
# below, none of them a bloc colour (a test walks every chart spec for this rule).
BLOC_COLOURS = {"United States": "#D55E00", "European suppliers": "#0072B2", "Others": "#A0A0A0"}
BLOCS = tuple(BLOC_COLOURS)
PERIOD_COLOURS = ("#C5CDD6", "#3E4C59")  # earlier period light, latest period dark
SERIES = "#3E4C59"  # a single series (spending, countries in the scatter)
HIGHLIGHT = "#1F2933"  # the country of the brief among its peers (dark), the others light
MUTED = "#B8C4CE"
MEASURE_COLOURS = {"SIPRI": "#3E4C59", "NATO": "#CC79A7"}
GUIDE_MET = "#009E73"
ACCENT = SERIES
CATEGORICAL = ("#009E73", "#CC79A7", "#E69F00", "#F0E442", "#000000", "#3E4C59")  # no bloc colour among them
TEXT = "#1F2933"
GRID = "#E4E7EB"
WIDTH = 520
HEIGHT = 210
THEME = "defence_briefs"


def bloc_scale(present: list[str] | None = None) -> alt.Scale:
    """Colour scale that pins US / European / other to their colours; only the blocs `present` in the data get
    a legend entry (default: all three)."""
    blocs = [b for b in BLOC_COLOURS if present is None or b in present]
    return alt.Scale(domain=blocs, range=[BLOC_COLOURS[b] for b in blocs])


def theme_config() -> dict:
    """Vega-Lite config of the house theme."""
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "title": {"font": FONT, "fontSize": 15, "fontWeight": "bold", "color": TEXT, "anchor": "start",
                      "subtitleFont": FONT, "subtitleFontSize": 12, "subtitleColor": "#52606D", "offset": 10},
            "axis": {"labelOverlap": True, "labelSeparation": 6,
                     "labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 11,
                     "labelColor": TEXT, "titleColor": TEXT, "gridColor": GRID, "domainColor": "#9AA5B1",
                     "tickColor": "#9AA5B1", "titleFontWeight": "normal"},
            "axisX": {"grid": False},
            "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 11,
                       "orient": "top", "direction": "horizontal", "title": None},
            "header": {"labelFont": FONT, "titleFont": FONT},
            "text": {"font": FONT, "color": TEXT},
            "range": {"category": list(CATEGORICAL)},
            "bar": {"color": ACCENT},
            "line": {"color": ACCENT, "strokeWidth": 2.5},
            "point": {"color": ACCENT},
            "concat": {"spacing": 6},
        }
    }


@alt.theme.register(THEME, enable=True)
def _house_theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig(theme_config())

