"""The map of Europe: the shipped TopoJSON (one shape per covered country, a valid topology, its provenance),
the script that makes it, and the chart drawn from it offline."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import vl_convert
from copy_desk import colour_problems, legend_problems

from defence_briefs.briefs.fonts import FONT_DIR
from defence_briefs.briefs.maps import NO_DATA, SMALL_STATES, europe_map_chart, gdp_share_map, label_point, map_rows
from defence_briefs.briefs.theme import BLOC_COLOURS
from defence_briefs.countries import country_table

ROOT = Path(__file__).resolve().parents[1]
TOPO = ROOT / "src" / "defence_briefs" / "reference" / "europe-50m.topo.json"
PROVENANCE = TOPO.with_name(TOPO.name + ".PROVENANCE.md")
SCRIPT = ROOT / "scripts" / "trim_world_atlas.py"
TARBALL_ENV = "WORLD_ATLAS_TARBALL"  # a local world-atlas-2.0.2.tgz: rebuild the map without the network
SVG = "{http://www.w3.org/2000/svg}"


def _script():
    spec = importlib.util.spec_from_file_location("trim_world_atlas", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _covered() -> list[str]:
    """The countries of the briefs: every member the group EUROPE has had, from the project's tables."""
    table = country_table()
    return sorted({m.member for m in table.memberships if m.group == "EUROPE"})


def _topology() -> dict:
    return json.loads(TOPO.read_text(encoding="utf-8"))


def _polygons(geometry: dict) -> list:
    return [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]


def _ring(ring: list[int], arcs: list) -> list[tuple[int, int]]:
    points: list[tuple[int, int]] = []
    for ref in ring:
        x = y = 0
        arc = []
        for dx, dy in arcs[ref if ref >= 0 else ~ref]:
            x, y = x + dx, y + dy
            arc.append((x, y))
        arc = arc if ref >= 0 else arc[::-1]
        assert not points or points[-1] == arc[0], "consecutive arcs of a ring do not meet"
        points.extend(arc)
    return points


def test_one_shape_for_each_covered_country() -> None:
    covered = _covered()
    table = country_table()
    assert len(covered) == 40
    assert set(table.members("EUROPE", 2025)) <= set(covered)
    geometries = _topology()["objects"]["countries"]["geometries"]
    codes = [g["properties"]["iso3"] for g in geometries]
    assert sorted(codes) == covered and len(codes) == len(set(codes))
    for g in geometries:
        assert g["properties"]["name"] == table.name(g["properties"]["iso3"])
        assert g["type"] in ("Polygon", "MultiPolygon")
    context = [g["properties"]["iso3"] for g in _topology()["objects"]["context"]["geometries"]]
    assert not set(context) & set(covered)


def test_the_topology_is_valid_and_small() -> None:
    """Every arc a geometry references exists, every arc kept is used, every ring closes; the file stays small."""
    topology = _topology()
    assert topology["type"] == "Topology" and set(topology["transform"]) == {"scale", "translate"}
    arcs = topology["arcs"]
    used = set()
    for name in ("countries", "context"):
        for g in topology["objects"][name]["geometries"]:
            for polygon in _polygons(g):
                for ring in polygon:
                    for ref in ring:
                        index = ref if ref >= 0 else ~ref
                        assert 0 <= index < len(arcs), (g["properties"], ref)
                        used.add(index)
                    points = _ring(ring, arcs)
                    assert points[0] == points[-1] and len(points) >= 4, g["properties"]
    assert used == set(range(len(arcs)))
    assert all(len(arc) >= 2 and all(len(p) == 2 and all(isinstance(c, int) for c in p) for p in arc) for arc in arcs)
    assert TOPO.stat().st_size < 400_000


def test_cyprus_is_one_island_and_kosovo_and_malta_are_there() -> None:
    geometries = {g["properties"]["iso3"]: g for g in _topology()["objects"]["countries"]["geometries"]}
    # Northern Cyprus merged into Cyprus: one ring round the whole island, no border across it
    assert geometries["CYP"]["type"] == "Polygon" and len(geometries["CYP"]["arcs"]) == 1
    lon, lat = label_point("CYP")
    assert 32.8 < lon < 34.0 and 34.8 < lat < 35.4
    lon, lat = label_point("MLT")
    assert 14.1 < lon < 14.7 and 35.7 < lat < 36.1
    assert geometries["XKX"]["properties"]["name"] == "Kosovo"
    names = {g["properties"]["name"] for g in _topology()["objects"]["context"]["geometries"]}
    assert not names & {"N. Cyprus", "Åland"}


def _lonlat_rings(geometry: dict, topology: dict) -> list[list[list[tuple[float, float]]]]:
    """Each polygon of a geometry as its rings of (lon, lat): the arcs delta-decoded, then un-quantized."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    return [[[(x * sx + tx, y * sy + ty) for x, y in _ring(ring, topology["arcs"])] for ring in polygon]
            for polygon in _polygons(geometry)]


def _inside(lon: float, lat: float, geometry: dict, topology: dict) -> bool:
    """Whether a point lies in a geometry: even-odd ray casting over each polygon's rings (holes included)."""
    for polygon in _lonlat_rings(geometry, topology):
        crossings = 0
        for ring in polygon:
            for (x0, y0), (x1, y1) in itertools.pairwise(ring):
                if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
                    crossings += 1
        if crossings % 2:
            return True
    return False


def test_crimea_is_drawn_as_part_of_ukraine() -> None:
    """Crimea and Sevastopol are Ukraine's (UN GA resolution 68/262, ISO 3166): in Ukraine's shape, in no context
    shape, and no border drawn across the Perekop isthmus; Russia keeps its mainland up to the Kerch strait."""
    topology = _topology()
    countries = {g["properties"]["iso3"]: g for g in topology["objects"]["countries"]["geometries"]}
    context = {g["properties"]["iso3"]: g for g in topology["objects"]["context"]["geometries"]}
    in_crimea = {"Simferopol": (34.1, 44.9), "Sevastopol": (33.52, 44.6), "Kerch": (36.45, 45.33),
                 "Dzhankoi": (34.4, 45.7)}
    for place, (lon, lat) in in_crimea.items():
        assert _inside(lon, lat, countries["UKR"], topology), f"{place} is not in Ukraine"
        inside = [code for code, g in {**countries, **context}.items()
                  if code != "UKR" and _inside(lon, lat, g, topology)]
        assert inside == [], f"{place} is also in {inside}"
    for place, (lon, lat) in {"Moscow": (37.6, 55.75), "Taman": (36.75, 45.2), "Krasnodar": (38.98, 45.04),
                              "Rostov-on-Don": (39.7, 47.23)}.items():
        assert _inside(lon, lat, context["RUS"], topology), f"{place} is not in Russia"
        assert not _inside(lon, lat, countries["UKR"], topology), f"{place} is in Ukraine"
    assert _inside(30.52, 50.45, countries["UKR"], topology)  # Kyiv
    assert _inside(32.62, 46.64, countries["UKR"], topology)  # Kherson
    # one outline round mainland Ukraine and the peninsula: no arc used twice in Ukraine's shape (an inner border),
    # and of the arcs it shares with its neighbours none reaches the isthmus or the peninsula (south of 47°N, east
    # of 32°E: Russia's border ends on the Sea of Azov at 38.2°E 47.1°N)
    refs = [ref if ref >= 0 else ~ref for polygon in _polygons(countries["UKR"]) for ring in polygon for ref in ring]
    assert len(refs) == len(set(refs))
    others = {ref if ref >= 0 else ~ref for code, g in {**countries, **context}.items() if code != "UKR"
              for polygon in _polygons(g) for ring in polygon for ref in ring}
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    for index in set(refs) & others:
        points = _ring([index], topology["arcs"])
        assert not any(x * sx + tx > 32 and y * sy + ty < 47 for x, y in points), f"arc {index} borders Crimea"


def _provenance() -> dict[str, str]:
    rows = re.findall(r"^\| ([^|]+?) \| (.+?) \|$", PROVENANCE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return dict(rows)


def test_the_provenance_records_the_pinned_source_and_the_file() -> None:
    script = _script()
    note = _provenance()
    assert note["package"] == "world-atlas" and note["version"] == "2.0.2"
    assert note["licence"].startswith("ISC")
    assert note["url"] == "https://registry.npmjs.org/world-atlas/-/world-atlas-2.0.2.tgz"
    for key in ("tarball sha256", "countries-50m.json sha256", f"{TOPO.name} sha256"):
        assert re.fullmatch(r"[0-9a-f]{64}", note[key]), key
    assert note["tarball sha256"] == script.TARBALL_SHA256
    assert note["countries-50m.json sha256"] == script.SOURCE_SHA256
    assert note[f"{TOPO.name} sha256"] == hashlib.sha256(TOPO.read_bytes()).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", note["date"])
    assert note["command"].startswith("`python scripts/trim_world_atlas.py")


def _tarball(folder: Path) -> Path:
    """world-atlas-2.0.2.tgz: from $WORLD_ATLAS_TARBALL, else `npm pack` (skips when neither can give it)."""
    if os.environ.get(TARBALL_ENV):
        return Path(os.environ[TARBALL_ENV])
    if shutil.which("npm") is None:
        pytest.skip(f"npm is not installed and {TARBALL_ENV} is not set: cannot get world-atlas-2.0.2.tgz")
    try:
        result = subprocess.run(["npm", "pack", "world-atlas@2.0.2", "--silent"], cwd=folder, capture_output=True,
                                text=True, check=False, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm pack timed out (registry unreachable?) and {TARBALL_ENV} is not set")
    tarball = folder / "world-atlas-2.0.2.tgz"
    if result.returncode != 0 or not tarball.exists():
        pytest.skip(f"npm pack world-atlas@2.0.2 failed (registry unreachable?) and {TARBALL_ENV} is not set: "
                    f"{result.stderr.strip()[-300:]}")
    return tarball


def test_the_script_rebuilds_the_shipped_file(tmp_path: Path) -> None:
    """The script, run on the pinned tarball, writes the shipped TopoJSON byte for byte and the same checksums."""
    tarball = _tarball(tmp_path)
    output = tmp_path / "out" / TOPO.name
    assert _script().main(["--tarball", str(tarball), "--output", str(output)]) == 0
    assert output.read_bytes() == TOPO.read_bytes()
    rebuilt = output.with_name(output.name + ".PROVENANCE.md").read_text(encoding="utf-8")
    for key, value in _provenance().items():
        if key not in ("date", "command"):
            assert f"| {key} | {value} |" in rebuilt, key


def _values(seed: int = 7, missing: tuple[str, ...] = ("XKX", "MDA", "ISL")) -> pd.DataFrame:
    table = country_table()
    codes = _covered()
    shares = np.random.default_rng(seed).uniform(0, 0.9, len(codes))
    frame = pd.DataFrame({"country": codes, "value": shares, "name": [table.name(c) for c in codes]})
    frame.loc[frame["country"].isin(missing), "value"] = math.nan
    return frame


def _urls(node: object) -> list[str]:
    if isinstance(node, dict):
        return [str(v) for k, v in node.items() if k == "url"] + [u for v in node.values() for u in _urls(v)]
    if isinstance(node, list):
        return [u for v in node for u in _urls(v)]
    return []


def _svg(spec: dict) -> ET.Element:
    vl_convert.register_font_directory(str(FONT_DIR))
    return ET.fromstring(vl_convert.vegalite_to_svg(spec))


def test_the_map_is_inline_and_draws_every_country() -> None:
    chart = europe_map_chart(_values(), "US share of arms imports, 2021–25", "The US share of arms imports",
                             "A map of Europe shaded by the US share of each country's arms imports.", "pct",
                             "countries/{iso3}.html")
    spec = chart.to_dict()
    assert _urls(spec) == []  # no data fetched: the shapes travel in the spec
    assert colour_problems(spec, BLOC_COLOURS) == [] and legend_problems(spec) == []
    svg = _svg(spec)
    paths = {p.get("aria-label"): p.get("d", "") for p in svg.iter(f"{SVG}path") if p.get("aria-label")}
    table = country_table()
    for code in _covered():
        label = next((k for k in paths if k.startswith(f"{table.name(code)}: ")), None)
        assert label is not None, f"{code} is not drawn"
        assert paths[label].count("L") + paths[label].count("l") >= 3, f"{code} has no outline"
    assert paths["Kosovo: no data"] and paths["Iceland: no data"]
    assert re.fullmatch(r"Malta: \d+%", next(k for k in paths if k.startswith("Malta")))
    # Malta and Cyprus are small: a dot on each, where the country is, so that they can be hovered
    dots = [layer for layer in spec["layer"] if layer["mark"]["type"] == "circle"]
    on_dots = {row["iso3"]: (row["lon"], row["lat"]) for layer in dots
               for row in spec["datasets"][layer["data"]["name"]]}
    assert {"MLT", "CYP"} <= set(SMALL_STATES) and set(on_dots) == set(SMALL_STATES)
    assert on_dots["MLT"] == label_point("MLT") and on_dots["CYP"] == label_point("CYP")
    circles = [c for c in svg.iter(f"{SVG}path") if c.get("aria-label") is None and "A" in (c.get("d") or "")]
    assert len(circles) >= len(SMALL_STATES)


def test_no_data_reads_no_data_and_links_are_optional() -> None:
    rows = {row["iso3"]: row for row in map_rows(_values(), "pct", "countries/{iso3}.html")}
    assert rows["XKX"]["value"] is None and rows["XKX"]["shown"] == "no data"
    assert rows["XKX"]["href"] == "countries/XKX.html"
    assert rows["POL"]["shown"].endswith("%") and rows["POL"]["country_name"] == "Poland"
    partial = _values().iloc[:10]  # countries missing from the table are drawn as no data
    assert sum(row["value"] is None for row in map_rows(partial, "pct", None)) == 30
    assert all("href" not in row for row in map_rows(partial, "pct", None))
    with pytest.raises(ValueError, match="does not draw"):
        map_rows(pd.DataFrame({"country": ["USA"], "value": [0.5]}), "pct", None)
    everything_missing = _values(missing=tuple(_covered()))
    spec = europe_map_chart(everything_missing, "Share", "Nothing yet", "A map without data.", "pct", None).to_dict()
    assert "href" not in json.dumps(spec)
    paths = [p.get("aria-label") for p in _svg(spec).iter(f"{SVG}path") if p.get("aria-label")]
    assert sum(label.endswith(": no data") for label in paths) == 40


def test_a_shown_text_replaces_the_figure_in_tooltips_and_aria() -> None:
    """A country's `shown` text is what its tooltip and its aria label read; its colour still follows its value."""
    values = _values()
    values["shown"] = None
    values.loc[values["country"] == "ISL", "shown"] = "none (no armed forces)"
    rows = {row["iso3"]: row for row in map_rows(values, "pct", None)}
    assert rows["ISL"]["value"] is None and rows["ISL"]["shown"] == "none (no armed forces)"
    assert rows["ISL"]["aria"] == "Iceland: none (no armed forces)"
    assert rows["XKX"]["shown"] == "no data" and rows["POL"]["shown"].endswith("%")  # no text: as before
    spec = europe_map_chart(values, "Share", "A title", "A map.", "pct", None).to_dict()
    tooltips = {row["iso3"]: row["shown"] for dataset in spec["datasets"].values() for row in dataset
                if isinstance(row, dict) and "shown" in row}
    assert tooltips["ISL"] == "none (no armed forces)" and tooltips["XKX"] == "no data"
    iceland = [p for p in _svg(spec).iter(f"{SVG}path") if p.get("aria-label") == "Iceland: none (no armed forces)"]
    assert len(iceland) == 1 and iceland[0].get("fill", "").upper() == NO_DATA.upper()  # still grey


class _Countries:
    def __init__(self) -> None:
        self.table = country_table()

    def name(self, code: str) -> str:
        return self.table.name(code)


class _Data:
    """The little of a release's data that the spending map reads: Iceland's SIPRI share is 0 (no armed forces)."""

    last_year = 2024
    countries = _Countries()

    def european_countries(self) -> list[str]:
        return country_table().members("EUROPE", self.last_year)

    def across_countries(self, metric: str, period: str, codes: list[str]) -> pd.DataFrame:
        assert (metric, period) == ("milex_share_of_gdp", "2024")
        shares = [0.0 if code == "ISL" else 0.01 + 0.001 * i for i, code in enumerate(codes)]
        return pd.DataFrame({"country": codes, "value": shares, "estimate": False,
                             "name": [self.countries.name(c) for c in codes]})

    def citation(self, publisher_title: str) -> str:
        return f"{publisher_title} (test)"


def test_the_spending_map_says_iceland_has_no_armed_forces() -> None:
    brief_chart = gdp_share_map(_Data())
    spec = brief_chart.chart.to_dict()
    rows = {row["iso3"]: row for dataset in spec["datasets"].values() for row in dataset
            if isinstance(row, dict) and "aria" in row and "iso3" in row}
    assert rows["ISL"]["value"] is None and rows["ISL"]["shown"] == "none (no armed forces)"
    assert rows["ISL"]["aria"] == "Iceland: none (no armed forces)"
    assert rows["POL"]["value"] is not None and rows["POL"]["shown"].endswith("%")
    assert "Iceland" not in brief_chart.description.split("highest:")[1].split(";")[0]
