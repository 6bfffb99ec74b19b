"""Trim Natural Earth's country shapes (npm package world-atlas) to the map of Europe the briefs draw.

    python scripts/trim_world_atlas.py                      # npm pack world-atlas@2.0.2 in a temporary folder
    python scripts/trim_world_atlas.py --tarball world-atlas-2.0.2.tgz   # an already-downloaded tarball

Reads `package/countries-50m.json` (TopoJSON, Natural Earth 1:50m, public domain; the package is ISC-licensed),
checks the tarball and that file against the pinned sha256 below, and writes

    src/defence_briefs/reference/europe-50m.topo.json               (TopoJSON, objects `countries` and `context`)
    src/defence_briefs/reference/europe-50m.topo.json.PROVENANCE.md (where it came from, checksums, the command)

`countries` holds one geometry per member of the group EUROPE (reference/group_membership.csv, every member it
has ever had), with properties `iso3` and `name` (the display name of reference/countries.csv). `context` holds
the neighbours and the territories drawn in grey, with the same two properties. Decisions on shapes:

- Kosovo has no ISO numeric code in world-atlas: matched by its name "Kosovo".
- Northern Cyprus ("N. Cyprus", a separate shape in Natural Earth) is merged into Cyprus: the whole island is
  drawn as Cyprus, its border with the rest of the island removed, as the UN and ISO 3166 (CY) do.
- Åland (a separate shape, ISO 3166 AX) is merged into Finland, of which it is a part.
- Crimea, Sevastopol included, is drawn as part of Ukraine, as UN General Assembly resolution 68/262 and ISO 3166
  (UA-43, UA-40) have it. Natural Earth draws the peninsula as a polygon of Russia's MultiPolygon: the polygons of
  Russia lying wholly within 32.4–36.7°E, 44.3–46.3°N (the peninsula; Russia's mainland, across the Kerch strait,
  is one polygon reaching far beyond that box) move into Ukraine's shape and are merged with Ukraine's mainland:
  the arc they share across the Perekop isthmus and the Syvash is dropped, so no border is drawn there.
- Parts of a country outside Europe (France's overseas departments, the Caribbean Netherlands; any polygon
  entirely south of 27°N or outside 35°W–70°E) are dropped; the Canary Islands, Madeira, the Azores and Svalbard
  stay (the map's projection may leave them outside its frame).
- The Faroe Islands, Greenland, Jersey, Guernsey and the Isle of Man (outside the countries' own territory
  in ISO 3166), the microstates the briefs do not cover, and the neighbours are `context`; of each context
  country only the polygons that reach into Europe's frame are kept (Russia's mainland is one polygon, kept whole).

The output is deterministic: the same tarball gives the same bytes (only the provenance file carries a date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import shlex
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from defence_briefs.countries import country_table  # noqa: E402

PACKAGE = "world-atlas"
VERSION = "2.0.2"
LICENCE = "ISC"
SOURCE_MEMBER = "package/countries-50m.json"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"
HOMEPAGE = "https://github.com/topojson/world-atlas"
# pinned: npm never changes a published version's tarball, so any other bytes are a different input
TARBALL_SHA256 = "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97"
SOURCE_SHA256 = "04342cdc1e3016bcd7db1630de95684d67b79fe3c8c460321e87aef469502394"

REFERENCE = ROOT / "src" / "defence_briefs" / "reference"
OUTPUT = REFERENCE / "europe-50m.topo.json"
PROVENANCE_SUFFIX = ".PROVENANCE.md"
GROUP = "EUROPE"

# ISO 3166-1 numeric code (as world-atlas writes it: three digits) of every country the briefs cover
ISO_NUMERIC = {
    "ALB": "008", "AUT": "040", "BEL": "056", "BGR": "100", "BIH": "070", "CHE": "756", "CYP": "196",
    "CZE": "203", "DEU": "276", "DNK": "208", "ESP": "724", "EST": "233", "FIN": "246", "FRA": "250",
    "GBR": "826", "GRC": "300", "HRV": "191", "HUN": "348", "IRL": "372", "ISL": "352", "ITA": "380",
    "LTU": "440", "LUX": "442", "LVA": "428", "MDA": "498", "MKD": "807", "MLT": "470", "MNE": "499",
    "NLD": "528", "NOR": "578", "POL": "616", "PRT": "620", "ROU": "642", "SRB": "688", "SVK": "703",
    "SVN": "705", "SWE": "752", "TUR": "792", "UKR": "804",
}
BY_NAME = {"XKX": "Kosovo"}  # no numeric code in world-atlas
MERGED = {"CYP": ["N. Cyprus"], "FIN": ["Åland"]}  # world-atlas names of shapes drawn as part of a country
# polygons drawn in world-atlas as part of another country's shape: country -> [(that shape's world-atlas name,
# box (west, south, east, north) that each polygon moved lies wholly within)]. Crimea and Sevastopol are Ukraine's
# (UN General Assembly resolution 68/262; ISO 3166-2 UA-43, UA-40), Natural Earth has them in Russia's shape.
TRANSFERRED = {"UKR": [("Russia", (32.4, 44.3, 36.7, 46.3))]}

# grey context: ISO3 -> world-atlas name (each is matched by name and its numeric id is not needed)
CONTEXT = {
    "RUS": "Russia", "BLR": "Belarus", "GEO": "Georgia", "ARM": "Armenia", "AZE": "Azerbaijan",
    "KAZ": "Kazakhstan", "MAR": "Morocco", "DZA": "Algeria", "TUN": "Tunisia", "LBY": "Libya", "EGY": "Egypt",
    "SYR": "Syria", "LBN": "Lebanon", "ISR": "Israel", "PSE": "Palestine", "JOR": "Jordan", "IRQ": "Iraq",
    "IRN": "Iran", "SAU": "Saudi Arabia", "GRL": "Greenland", "FRO": "Faeroe Is.", "JEY": "Jersey",
    "GGY": "Guernsey", "IMN": "Isle of Man", "AND": "Andorra", "MCO": "Monaco", "SMR": "San Marino",
    "VAT": "Vatican", "LIE": "Liechtenstein",
}
# a polygon is kept when its bounding box reaches into this frame (lon/lat degrees)
EUROPE_FRAME = (-35.0, 27.0, 70.0, 84.0)  # west, south, east, north
CONTEXT_FRAME = (-35.0, 27.0, 55.0, 75.0)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(folder: Path) -> Path:
    """Download the package's tarball from the npm registry into `folder` with `npm pack`."""
    result = subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=folder, capture_output=True,
                            text=True, check=False, timeout=300)
    tarballs = sorted(folder.glob(f"{PACKAGE}-{VERSION}.tgz"))
    if result.returncode != 0 or not tarballs:
        raise SystemExit(f"npm pack {PACKAGE}@{VERSION} failed ({result.returncode}): {result.stderr.strip()}")
    return tarballs[0]


def read_source(tarball: bytes) -> tuple[bytes, dict]:
    """countries-50m.json and package.json from the tarball's bytes."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        source = archive.extractfile(SOURCE_MEMBER).read()
        package = json.loads(archive.extractfile("package/package.json").read())
    return source, package


# --- TopoJSON helpers (quantized arcs: each arc a list of delta-encoded integer positions) ---

def ref_index(ref: int) -> int:
    """The arc index of a reference (a negative reference ~i is arc i reversed)."""
    return ref if ref >= 0 else ~ref


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    """The polygons (each a list of rings of arc references) of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    raise ValueError(f"unexpected geometry type {geometry['type']}")


def decode(arc: list[list[int]]) -> list[tuple[int, int]]:
    """Absolute quantized positions of a delta-encoded arc."""
    x = y = 0
    points = []
    for dx, dy in arc:
        x, y = x + dx, y + dy
        points.append((x, y))
    return points


def ring_points(ring: list[int], decoded: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    points: list[tuple[int, int]] = []
    for ref in ring:
        arc = decoded[ref_index(ref)]
        points.extend(arc if ref >= 0 else arc[::-1])
    return points


def lonlat(point: tuple[float, float], transform: dict) -> tuple[float, float]:
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    return point[0] * sx + tx, point[1] * sy + ty


def polygon_bbox(polygon: list[list[int]], decoded: list, transform: dict) -> tuple[float, float, float, float]:
    xs, ys = zip(*(lonlat(p, transform) for p in ring_points(polygon[0], decoded)), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def within(bbox: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    """Whether a bounding box lies wholly within `box`."""
    return bbox[0] >= box[0] and bbox[1] >= box[1] and bbox[2] <= box[2] and bbox[3] <= box[3]


def in_frame(bbox: tuple[float, float, float, float], frame: tuple[float, float, float, float]) -> bool:
    return bbox[2] >= frame[0] and bbox[0] <= frame[2] and bbox[3] >= frame[1] and bbox[1] <= frame[3]


def signed_area(points: list[tuple[float, float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)) / 2


def merge_polygons(polygons: list[list[list[int]]], decoded: list) -> list[list[list[int]]]:
    """The union of polygons that touch along shared arcs (as topojson-client's merge): an arc used by two of
    them is an inner border and goes; the remaining arcs are stitched into rings by their end points."""
    uses: dict[int, int] = {}
    for polygon in polygons:
        for ring in polygon:
            for ref in ring:
                uses[ref_index(ref)] = uses.get(ref_index(ref), 0) + 1
    outer = [ref for polygon in polygons for ring in polygon for ref in ring if uses[ref_index(ref)] == 1]

    def ends(ref: int) -> tuple[tuple[int, int], tuple[int, int]]:
        arc = decoded[ref_index(ref)]
        return (arc[0], arc[-1]) if ref >= 0 else (arc[-1], arc[0])

    starting: dict[tuple[int, int], list[int]] = {}
    for ref in outer:
        starting.setdefault(ends(ref)[0], []).append(ref)
    used: set[int] = set()
    rings: list[list[int]] = []
    for first in outer:
        if first in used:
            continue
        ring, ref = [], first
        while True:
            used.add(ref)
            ring.append(ref)
            end = ends(ref)[1]
            if end == ends(first)[0]:
                break
            candidates = [r for r in starting.get(end, []) if r not in used]
            if not candidates:
                raise ValueError(f"cannot close a ring at {end} while merging")
            ref = candidates[0]
        rings.append(ring)
    # exteriors wind like the exteriors of the inputs; each hole goes to the exterior whose bounding box holds it
    exterior_sign = signed_area(ring_points(polygons[0][0], decoded)) > 0
    exteriors = [r for r in rings if (signed_area(ring_points(r, decoded)) > 0) == exterior_sign]
    holes = [r for r in rings if r not in exteriors]
    merged = [[ring] for ring in exteriors]
    for hole in holes:
        hx, hy = ring_points(hole, decoded)[0]
        for polygon in merged:
            xs, ys = zip(*ring_points(polygon[0], decoded), strict=True)
            if min(xs) <= hx <= max(xs) and min(ys) <= hy <= max(ys):
                polygon.append(hole)
                break
        else:
            raise ValueError("a hole outside every exterior ring while merging")
    return merged


def geometry(polygons: list[list[list[int]]], iso3: str, name: str) -> dict:
    if len(polygons) == 1:
        return {"type": "Polygon", "arcs": polygons[0], "properties": {"iso3": iso3, "name": name}}
    return {"type": "MultiPolygon", "arcs": polygons, "properties": {"iso3": iso3, "name": name}}


def covered_countries() -> list[str]:
    """Every country ever a member of the group EUROPE (the countries the briefs cover), sorted."""
    table = country_table()
    return sorted({m.member for m in table.memberships if m.group == GROUP})


def trim(source: dict) -> dict:
    """The trimmed topology: covered countries in `countries`, neighbours in `context`, only the arcs they use."""
    table = country_table()
    shapes = source["objects"]["countries"]["geometries"]
    by_id = {g["id"]: g for g in shapes if "id" in g}
    by_name = {g["properties"]["name"]: g for g in shapes}
    decoded = [decode(arc) for arc in source["arcs"]]
    transform = source["transform"]

    def find(iso3: str) -> dict:
        if iso3 in ISO_NUMERIC:
            return by_id[ISO_NUMERIC[iso3]]
        return by_name[BY_NAME[iso3]]

    # polygons moved from one country's shape to another's (Crimea): {(world-atlas name, polygon index): receiver}
    moved: dict[tuple[str, int], str] = {}
    for receiver, sources in TRANSFERRED.items():
        for atlas_name, box in sources:
            found = [i for i, p in enumerate(polygons_of(by_name[atlas_name]))
                     if within(polygon_bbox(p, decoded, transform), box)]
            if not found:
                raise SystemExit(f"no polygon of {atlas_name} within {box} to move to {receiver}")
            moved.update({(atlas_name, i): receiver for i in found})

    def moved_to(iso3: str) -> list[list[list[int]]]:
        return [polygons_of(by_name[name])[i] for (name, i), receiver in sorted(moved.items()) if receiver == iso3]

    covered = covered_countries()
    missing = [c for c in covered if c not in ISO_NUMERIC and c not in BY_NAME]
    if missing:
        raise SystemExit(f"no world-atlas shape known for {missing}: add them to ISO_NUMERIC or BY_NAME")
    countries = []
    for iso3 in covered:
        polygons = [p for p in polygons_of(find(iso3))
                    if in_frame(polygon_bbox(p, decoded, transform), EUROPE_FRAME)]
        if iso3 in MERGED:
            polygons = merge_polygons(polygons + [p for name in MERGED[iso3] for p in polygons_of(by_name[name])],
                                      decoded)
        if iso3 in TRANSFERRED:
            before = polygons + moved_to(iso3)
            polygons = merge_polygons(before, decoded)
            if len(polygons) >= len(before):  # the moved polygons share no arc with the country: a border would show
                raise SystemExit(f"the polygons moved to {iso3} do not touch its shape: nothing merged")
        countries.append(geometry(polygons, iso3, table.name(iso3)))
    context = []
    for iso3, atlas_name in CONTEXT.items():
        polygons = [p for i, p in enumerate(polygons_of(by_name[atlas_name]))
                    if (atlas_name, i) not in moved and in_frame(polygon_bbox(p, decoded, transform), CONTEXT_FRAME)]
        if polygons:
            name = table.name(iso3) if iso3 in table.entities else atlas_name
            context.append(geometry(polygons, iso3, name))

    # keep only the arcs the kept geometries use, renumbered in their old order
    kept = sorted({ref_index(ref) for g in countries + context for polygon in polygons_of(g)
                   for ring in polygon for ref in ring})
    new_index = {old: new for new, old in enumerate(kept)}
    for g in countries + context:
        renumbered = [[[new_index[r] if r >= 0 else ~new_index[~r] for r in ring] for ring in polygon]
                      for polygon in polygons_of(g)]
        g["arcs"] = renumbered[0] if g["type"] == "Polygon" else renumbered
    points = [lonlat(p, transform) for i in kept for p in decoded[i]]
    bbox = [round(min(p[0] for p in points), 6), round(min(p[1] for p in points), 6),
            round(max(p[0] for p in points), 6), round(max(p[1] for p in points), 6)]
    return {
        "type": "Topology",
        "bbox": bbox,
        "transform": transform,
        "objects": {
            "countries": {"type": "GeometryCollection", "geometries": countries},
            "context": {"type": "GeometryCollection", "geometries": context},
        },
        "arcs": [source["arcs"][i] for i in kept],
    }


def provenance(tarball_sha: str, source_sha: str, output: Path, output_sha: str, command: str,
               topology: dict) -> str:
    n_countries = len(topology["objects"]["countries"]["geometries"])
    n_context = len(topology["objects"]["context"]["geometries"])
    return f"""# Provenance of {output.name}

Natural Earth 1:50m country boundaries (public domain, https://www.naturalearthdata.com), as TopoJSON in the npm
package `{PACKAGE}` version {VERSION} by Mike Bostock ({LICENCE} licence, {HOMEPAGE}), trimmed to Europe by
`scripts/trim_world_atlas.py`.

| | |
|---|---|
| package | {PACKAGE} |
| version | {VERSION} |
| licence | {LICENCE} (package); Natural Earth data: public domain |
| url | {TARBALL_URL} |
| source file | {SOURCE_MEMBER} |
| tarball sha256 | {tarball_sha} |
| countries-50m.json sha256 | {source_sha} |
| {output.name} sha256 | {output_sha} |
| date | {dt.date.today().isoformat()} |
| command | `{command}` |

Objects: `countries` ({n_countries} geometries, one per member of the group EUROPE, properties `iso3` and `name`),
`context` ({n_context} neighbours and territories drawn in grey). The quantization of the source is kept; only the
arcs these geometries use are kept.

Decisions (see the script's docstring): Kosovo is matched by name (no ISO numeric code in world-atlas); Northern
Cyprus is merged into Cyprus (the whole island is drawn as Cyprus, as the UN and ISO 3166 do); Åland is merged into
Finland; polygons outside Europe (France's overseas departments, the Caribbean Netherlands) are dropped; the Faroe
Islands, Greenland, the Crown Dependencies, the microstates and the neighbours are context.

Crimea, Sevastopol included, is drawn as part of Ukraine, as UN General Assembly resolution 68/262 and ISO 3166-2
(UA-43, UA-40) have it. Natural Earth draws the peninsula as a polygon of Russia's MultiPolygon; the polygon of
Russia lying wholly within 32.4–36.7°E, 44.3–46.3°N (the peninsula alone, east to 36.58°E at Kerch; Russia's
mainland across the Kerch strait is another polygon) is taken out of Russia's `context` shape and merged into
Ukraine's mainland polygon: the arc they shared across the Perekop isthmus and the Syvash is dropped, so Ukraine is
one outline there and no border is drawn across the isthmus.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path,
                        help=f"a downloaded {PACKAGE}-{VERSION}.tgz (default: npm pack, in a temporary folder)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"the TopoJSON to write (default: {OUTPUT})")
    args = parser.parse_args(argv)

    if args.tarball:
        tarball = args.tarball.read_bytes()
    else:
        with tempfile.TemporaryDirectory() as folder:
            tarball = npm_pack(Path(folder)).read_bytes()
    tarball_sha = sha256_bytes(tarball)
    if tarball_sha != TARBALL_SHA256:
        raise SystemExit(f"{PACKAGE}-{VERSION}.tgz has sha256 {tarball_sha}, expected {TARBALL_SHA256}")
    source_bytes, package = read_source(tarball)
    source_sha = sha256_bytes(source_bytes)
    if source_sha != SOURCE_SHA256:
        raise SystemExit(f"{SOURCE_MEMBER} has sha256 {source_sha}, expected {SOURCE_SHA256}")
    if (package["name"], package["version"], package["license"]) != (PACKAGE, VERSION, LICENCE):
        raise SystemExit(f"unexpected package.json: {package['name']} {package['version']} {package['license']}")

    topology = trim(json.loads(source_bytes))
    data = (json.dumps(topology, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
    output = args.output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    shown = ["scripts/trim_world_atlas.py"]
    if args.tarball:
        shown += ["--tarball", args.tarball.name]
    if output != OUTPUT:
        shown += ["--output", str(args.output)]
    command = "python " + shlex.join(shown)
    note = provenance(tarball_sha, source_sha, output, sha256_bytes(data), command, topology)
    output.with_name(output.name + PROVENANCE_SUFFIX).write_text(note, encoding="utf-8")
    print(f"wrote {output} ({len(data):,} bytes, {len(topology['arcs'])} arcs, "
          f"{len(topology['objects']['countries']['geometries'])} countries, "
          f"{len(topology['objects']['context']['geometries'])} context)")
    print(f"tarball sha256 {tarball_sha}\n{SOURCE_MEMBER} sha256 {source_sha}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
