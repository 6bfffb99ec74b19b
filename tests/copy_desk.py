"""The copy desk as code: checks that read a built page (its text, its charts as drawn in Chromium, its chart
specs) the way an editor would, each returning the problems it finds as sentences (empty: the page passes).

The rules are those of src/defence_briefs/briefs/STYLE.md. Each check is shown failing on a page that has the
defect in tests/test_copy_desk.py, and passing on every page of the real site.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup

MARKUP = (
    (re.compile(r"\*\*|__"), "Markdown bold"),
    (re.compile(r"<!--|-->"), "an HTML comment marker"),
    (re.compile(r"^\s*:::|:::\s*$|:::\s*\{", re.M), "a pandoc div fence"),
    (re.compile(r"\|\s*:?-{3,}"), "a Markdown table rule"),
    (re.compile(r"\]\([^)]*\)"), "a Markdown link"),
    (re.compile(r"\{\.[a-z-]+"), "a pandoc attribute"),
    (re.compile(r"^#{1,6} ", re.M), "a Markdown heading mark"),
    (re.compile(r"\\[*_#\[\]]"), "a Markdown escape"),
    (re.compile(r"```"), "a code fence"),
)
HYPHEN_PERIOD = re.compile(r"\b(?:19|20)\d\d-(?:19|20)?\d\d\b")
ISO_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")
TIMES = re.compile(r"(?<!about )(?<![\d,.])\d[\d,]*(?:\.\d+)? times\b|about [0-2](?:\.\d+)? times\b")
# '2019–2023' where the house writes '2019–23' (a publisher's title keeps its own: NATO's "(2014–2024)")
FULL_YEAR_RANGE = re.compile(r"\b(19|20)\d\d–\1\d\d\b")
TITLES_WITH_RANGES = ("Defence Expenditure of NATO Countries (",)
HYPHEN_RANGE = re.compile(r"\b\d+(?:\.\d+)?-\d+(?:\.\d+)?%")  # '20-35%' for '20–35%'
# characters a reader cannot see that survive copy and paste (word joiner, zero-width space, soft hyphen, BOM)
INVISIBLE = re.compile("[\u2060\u200b\u200c\u200d\ufeff\u00ad]")
# a percentage of 1,000 or more, or with a decimal at 100 or more: "+11,481%", "+1,656.1%"
UNREADABLE_PERCENT = re.compile(r"[+−-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%|[+−-]?\d{3}\.\d+%")
NATO_TARGET_WORDS = re.compile(r"Hague|guideline|NATO target|(?<![\d.])2% of GDP|(?<![\d.])3\.5% of GDP")


def visible_text(soup: BeautifulSoup, skip_code: bool = True) -> str:
    """The page's text as a reader sees it: no scripts, styles or chart specs; code spans (file ids) dropped."""
    soup = BeautifulSoup(str(soup), "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    if skip_code:
        for tag in soup(["code"]):
            tag.decompose()
    return soup.get_text("\n")


def prose_blocks(soup: BeautifulSoup) -> list[str]:
    """Sentences the project writes: paragraphs, list items and figure captions (not tables, headings, nav)."""
    main = soup.find("main") or soup
    blocks = []
    for tag in main.find_all(["p", "li", "figcaption"]):
        if tag.find_parent(["table", "nav"]) or tag.find_parent(class_="toc") or tag.find_parent(id="TOC"):
            continue
        text = " ".join(tag.get_text(" ").split())
        if text:
            blocks.append(text)
    return blocks


def markup_leaks(text: str) -> list[str]:
    """Markdown or HTML syntax shown as text."""
    problems = []
    for pattern, what in MARKUP:
        for match in pattern.finditer(text):
            start = max(0, match.start() - 40)
            problems.append(f"{what} shown as text: …{text[start:match.end() + 40]!r}…")
    return problems


def style_problems(text: str) -> list[str]:
    """Period notation (2021–25, never 2021-2025), dates in words (18 May 2026), changes as percentages below
    +200% and as 'about N times' above, never '+11,481%' or '+1,656.1%'."""
    problems = [f"period written with a hyphen: {m.group(0)!r}" for m in HYPHEN_PERIOD.finditer(text)]
    problems += [f"ISO date in the text: {m.group(0)!r}" for m in ISO_DATE.finditer(text)]
    problems += [f"'times' other than 'about N times' (N of 3 or more): {m.group(0)!r}" for m in TIMES.finditer(text)]
    problems += [f"a period with both years in full: {m.group(0)!r} (write {m.group(0)[:5] + m.group(0)[7:]!r})"
                 for m in FULL_YEAR_RANGE.finditer(text)
                 if not " ".join(text[max(0, m.start() - 60):m.start()].split()).endswith(TITLES_WITH_RANGES)
                 and not _in_quote(text, m.start())]
    problems += [f"a range written with a hyphen: {m.group(0)!r}" for m in HYPHEN_RANGE.finditer(text)]
    problems += [f"invisible character U+{ord(m.group(0)):04X}: …{text[max(0, m.start() - 20):m.end() + 20]!r}…"
                 for m in INVISIBLE.finditer(text)]
    problems += [f"unreadable precision (write 'about N times' or whole percents): {m.group(0)!r}"
                 for m in UNREADABLE_PERCENT.finditer(text)]
    return problems


def _in_quote(text: str, position: int) -> bool:
    """Whether `position` falls inside a “double-quoted” passage (a source's own words, kept as written)."""
    before = text[:position]
    return before.rfind("“") > before.rfind("”")


def article_problems(blocks: list[str], names: dict[str, str]) -> list[str]:
    """A name that takes 'the' (`names`: display name -> 'the') used without it, or with "'s" after an 's'."""
    problems = []
    for block in blocks:
        for name in names:
            for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", block):
                before = block[:match.start()]
                context = block[max(0, match.start() - 30):match.end() + 30]
                if not re.search(r"\b[Tt]he\s+$", before):
                    problems.append(f"{name!r} without its article: …{context}…")
                if block[match.end():].startswith(("'s", "’s")) and name.endswith("s"):
                    problems.append(f"{name!r} takes only an apostrophe: …{block[match.start():match.end() + 3]}…")
    return problems


@dataclass(frozen=True)
class TextBox:
    """A text element of a drawn chart: its string, its axis (index of its `role-axis` group or -1), box."""

    text: str
    axis: int
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: TextBox, tolerance: float = 0.5) -> bool:
        return (self.x + self.w - tolerance > other.x and other.x + other.w - tolerance > self.x
                and self.y + self.h - tolerance > other.y and other.y + other.h - tolerance > self.y)


@dataclass(frozen=True)
class DrawnChart:
    """A chart as Chromium drew it: the id of its element, the SVG's box and its visible texts."""

    id: str
    x: float
    y: float
    w: float
    h: float
    texts: tuple[TextBox, ...]


DRAWN_CHARTS_JS = """
() => [...document.querySelectorAll('.vega-chart svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  const axes = [...svg.querySelectorAll('g.role-axis')];
  const shown = t => { for (let e = t; e && e !== svg; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.visibility === 'hidden' || s.display === 'none' || +s.opacity === 0) return false; }
    return true; };
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim() && shown(t)).map(t => {
    const r = t.getBoundingClientRect();
    const axis = t.closest('g.role-axis-label') ? axes.indexOf(t.closest('g.role-axis')) : -1;
    return {text: t.textContent, axis, x: r.left, y: r.top, w: r.width, h: r.height};
  });
  return {id: svg.closest('.vega-chart').id, x: box.left, y: box.top, w: box.width, h: box.height, texts};
})
"""


def drawn_charts(page) -> list[DrawnChart]:
    """Every chart of an open Playwright page, once drawn."""
    return [DrawnChart(c["id"], c["x"], c["y"], c["w"], c["h"], tuple(TextBox(**t) for t in c["texts"]))
            for c in page.evaluate(DRAWN_CHARTS_JS)]


def chart_problems(chart: DrawnChart) -> list[str]:
    """Axis labels repeated or colliding, and any two texts overlapping or text outside the chart."""
    problems = []
    labels: dict[int, list[TextBox]] = {}
    for box in chart.texts:
        if box.axis >= 0:
            labels.setdefault(box.axis, []).append(box)
    for axis, boxes in labels.items():
        seen = [b.text for b in boxes]
        repeated = sorted({t for t in seen if seen.count(t) > 1})
        if repeated:
            problems.append(f"{chart.id}: axis {axis} repeats tick labels {repeated}")
    for a, b in itertools.combinations(chart.texts, 2):
        if a.overlaps(b):
            problems.append(f"{chart.id}: {a.text!r} overlaps {b.text!r}")
    for box in chart.texts:
        if (box.x < chart.x - 1 or box.y < chart.y - 1 or box.x + box.w > chart.x + chart.w + 1
                or box.y + box.h > chart.y + chart.h + 1):
            problems.append(f"{chart.id}: {box.text!r} is cut at the chart's edge")
    return problems


def _units(spec: dict):
    """Every unit (a spec with a mark) of a Vega-Lite spec, with the data it inherits."""
    stack = [(spec, spec.get("data"))]
    while stack:
        node, data = stack.pop()
        data = node.get("data", data)
        if "mark" in node:
            yield node, data
        for key in ("layer", "vconcat", "hconcat", "concat"):
            stack.extend((child, data) for child in node.get(key, []))


def legend_problems(spec: dict) -> list[str]:
    """A colour legend entry (a value of a colour scale's domain) that no row of the layer's data holds."""
    datasets = spec.get("datasets", {})
    problems = []
    for unit, data in _units(spec):
        colour = unit.get("encoding", {}).get("color", {})
        domain = colour.get("scale", {}).get("domain")
        field = colour.get("field")
        if not domain or not field or colour.get("legend", {}) is None or data is None:
            continue
        if colour.get("type") == "quantitative":  # a gradient legend has no entries, only a range
            continue
        rows = datasets.get(data.get("name"), data.get("values", []))
        values = {row.get(field) for row in rows if row.get("value", 1) not in (0, None)}
        for entry in domain:
            if entry not in values:
                problems.append(f"legend entry {entry!r} ({field}) has no data")
    return problems


def colour_problems(spec: dict, blocs: dict[str, str]) -> list[str]:
    """A bloc colour (`blocs`: bloc name -> colour) used for anything but that bloc."""
    by_colour = {colour.lower(): name for name, colour in blocs.items()}
    problems = []
    for unit, _ in _units(spec):
        mark = unit["mark"] if isinstance(unit["mark"], dict) else {"type": unit["mark"]}
        for key in ("color", "fill", "stroke"):
            value = str(mark.get(key, "")).lower()
            if value in by_colour:
                problems.append(f"{mark['type']} mark drawn in {by_colour[value]}'s colour {value}")
        scale = unit.get("encoding", {}).get("color", {}).get("scale", {})
        for entry, colour in zip(scale.get("domain", []), scale.get("range", []), strict=False):
            colour = str(colour).lower()
            if colour in by_colour and by_colour[colour] != entry:
                problems.append(f"{entry!r} drawn in {by_colour[colour]}'s colour {colour}")
    return problems


def chart_specs(soup: BeautifulSoup) -> list[dict]:
    """The Vega-Lite specs a page carries (one JSON script per chart)."""
    return [json.loads(tag.string) for tag in soup.select('script[type="application/json"][id^="spec-"]')]


def spec_texts(spec: dict) -> str:
    """Every string a chart shows from its spec: titles, subtitles, axis titles, inline text and descriptions."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "subtitle", "description", "label") and isinstance(value, str):
                    out.append(value)
                elif key in ("text", "subtitle") and isinstance(value, list):
                    out.extend(str(v) for v in value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return "\n".join(out)


def rank_problems(soup: BeautifulSoup, counts: dict[str, int]) -> list[str]:
    """Peers-table ranks: 'k of N' with N the number of European countries with that figure (`counts`: row label
    -> count from metrics.csv), k <= N; a row without a figure ('no data', 'none') carries no rank."""
    problems = []
    for table in soup.find_all("table"):
        header = [th.get_text(" ", strip=True) for th in table.find_all("th")]
        if not any(h.startswith("Rank in Europe") for h in header):
            continue
        for row in table.find_all("tr")[1:]:
            cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
            label, own, rank = cells[0], cells[1], cells[2]
            match = re.fullmatch(r"(\d+) of (\d+)", rank)
            if own.startswith(("no data", "none")):
                if match:
                    problems.append(f"{label}: no figure, yet ranked {rank}")
                continue
            # SIPRI's 0 for a state without armed forces is no spending figure; a zero TIV is a real zero
            if re.search(r"spending|GDP|[Ee]quipment", label) and re.fullmatch(r"[$]?0(\.0+)?%?( m)?", own):
                problems.append(f"{label}: shows {own!r}")
            if match and label in counts and int(match.group(2)) != counts[label]:
                problems.append(f"{label}: ranked {rank}, but {counts[label]} European countries have the figure")
            if match and int(match.group(1)) > int(match.group(2)):
                problems.append(f"{label}: rank {rank} is beyond its count")
    return problems


CATEGORY_CAPTION = re.compile(r"the US share of each category: (.*?)\.$")


def category_contradictions(soup: BeautifulSoup, nouns: dict[str, str]) -> list[str]:
    """A weapon category the chart's description gives as mostly (50% or more) from the US that the page's prose
    never names (`nouns`: category display name -> the noun the sentences use, 'Combat aircraft' ->
    'combat-aircraft'): the sentence under the chart would contradict it."""
    prose = " ".join(prose_blocks(soup)).lower()
    problems = []
    for spec in chart_specs(soup):
        match = CATEGORY_CAPTION.search(str(spec.get("description", "")))
        if not match:
            continue
        for item in match.group(1).split(", "):
            name, _, share = item.rpartition(" ")
            if name in nouns and float(share.rstrip("%")) >= 50 and nouns[name] not in prose:
                problems.append(f"the chart gives {item} from the US; the text never names {nouns[name]!r}")
    return problems


OWN_BLOC_LIST = re.compile(r"European suppliers \(([^)]*)\)")


def own_bloc_problems(blocks: list[str], name: str) -> list[str]:
    """A country listed inside the European suppliers it buys from ('Besides the United States and European
    suppliers (the EU, the United Kingdom, …), the United Kingdom bought from Israel')."""
    return [f"{name!r} listed among its own suppliers: …{match.group(0)}…"
            for block in blocks for match in OWN_BLOC_LIST.finditer(block)
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", match.group(1))]


DEFINED_AS = re.compile(r"(European suppliers|SAFE-eligible suppliers)(?:, in the shares,)? are (.*?)(?:\.\s|\.$)")


def definition_problems(text: str, definitions: dict[str, str]) -> list[str]:
    """A page that defines European or SAFE-eligible suppliers in words other than the one definition
    (`definitions`: term -> its words), or lists them in a parenthesis after the term."""
    text = " ".join(text.replace("’", "'").split())  # pandoc sets the definition's apostrophes curly
    problems = [f"{m.group(1)} defined as {m.group(2)!r}, not as {definitions[m.group(1)]!r}"
                for m in DEFINED_AS.finditer(text) if not m.group(2).startswith(definitions[m.group(1)])]
    problems += [f"European suppliers listed in a parenthesis: {m.group(0)!r}" for m in OWN_BLOC_LIST.finditer(text)]
    return problems


STRAIGHT_APOSTROPHE = re.compile(r"[A-Za-z]'(?=[a-z\s])")


def apostrophe_problems(blocks: list[str]) -> list[str]:
    """A straight apostrophe in prose, where pandoc sets every other one curly (’): one sentence, one kind."""
    return [f"straight apostrophe: …{block[max(0, m.start() - 30):m.end() + 20]}…"
            for block in blocks for m in STRAIGHT_APOSTROPHE.finditer(block)]


def eu_goal_problems(blocks: list[str], name: str) -> list[str]:
    """The EU's 50% procurement goal set against a member's import share without saying, for that country, that
    imports are not its procurement budget."""
    return [f"the EU's goal compared without {name}'s caveat: …{block[:120]}…" for block in blocks
            if "50%" in block and "European defence industry" in block
            and not (name in block and "does not say whether" in block)]


CAUSAL_AS = re.compile(r"\bas (?:the )?[A-Z][\w ]*?(?:'s|’s|') share (?:rose|fell|grew)")


def causal_problems(text: str) -> list[str]:
    """A move of one share given as the cause of another's ('down from 47% … as Italy's share rose'): the data
    show the two together, not that one caused the other."""
    return [f"causal 'as' without evidence: …{text[max(0, m.start() - 40):m.end() + 20]}…"
            for m in CAUSAL_AS.finditer(text)]


def repeated_blocks(blocks: list[str]) -> list[str]:
    """The same sentence or paragraph printed twice in a row (Iceland's 'SIPRI records no arms imports …')."""
    return [f"printed twice in a row: {a[:100]!r}" for a, b in itertools.pairwise(blocks) if a == b]


def repeated_sentences(text: str) -> list[str]:
    """The same sentence twice in a row in running text (a PDF's)."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s.strip()) > 20]
    return [f"printed twice in a row: {a[:100]!r}" for a, b in itertools.pairwise(sentences) if a == b]


HIGHLIGHT_RANK = re.compile(r"Horizontal bars of (.*?), for \d+ European countries.*? rank (\d+) of (\d+)")


def rank_agreement_problems(soup: BeautifulSoup) -> list[str]:
    """The peers chart's rank of the country (its description) against the peers table's 'k of N' for the same
    figure: ties ranked one way in the chart and another in the table (Malta: 'rank 39' against '34 of 39')."""
    table_ranks = {}
    for row in soup.select("table tr"):
        cells = [" ".join(c.get_text().split()) for c in row.find_all(["td", "th"])]
        for cell in cells[1:]:
            if re.fullmatch(r"\d+ of \d+", cell):
                table_ranks[cells[0]] = cell
    problems = []
    for spec in chart_specs(soup):
        match = HIGHLIGHT_RANK.search(str(spec.get("description", "")))
        label = next((k for k in table_ranks if match and k.lower() == match.group(1).lower()), None)
        if label is not None:
            chart = f"{match.group(2)} of {match.group(3)}"
            if table_ranks[label] != chart:
                problems.append(f"{label}: the chart ranks it {chart}, the table {table_ranks[label]}")
    return problems


def shortfall_problems(soup: BeautifulSoup) -> list[str]:
    """A share of GDP printed as the level it falls short of, in the same column as its shortfall ('2.00%' above
    'Short of NATO's 2% guideline: $587 m'): NATO's share row against NATO's gap rows."""
    problems = []
    for table in soup.find_all("table"):
        rows = {" ".join(r.find_all(["td", "th"])[0].get_text().split()): [" ".join(c.get_text().split())
                                                                             for c in r.find_all(["td", "th"])[1:]]
                for r in table.find_all("tr") if r.find_all(["td", "th"])}
        for label, cells in rows.items():
            level = re.search(r"Short of (?:NATO[’']s )?(\d+(?:\.\d+)?)% ", label)
            share_label = next((k for k in rows if k.startswith(("Defence expenditure, share of GDP (NATO)",
                                                                  "Core defence, share of GDP (NATO"))
                                and ("core" in k.lower()) == ("core" in label.lower())), None)
            if not level or share_label is None:
                continue
            for short, share in zip(cells, rows[share_label], strict=False):
                shown = re.match(r"(\d+(?:\.\d+)?)%", share)
                no_gap = short.rstrip("*") in ("met", "no data", "not an ally")
                if not no_gap and shown and float(shown.group(1)) >= float(level.group(1)):
                    problems.append(f"{share_label} shows {share} beside '{label}' {short}")
    return problems


def unmarked_estimates(soup: BeautifulSoup, estimates: set[tuple[str, str, str]]) -> list[str]:
    """A traced figure (span.fig) in a table or a key-figure tile that metrics.csv flags as an estimate but that
    carries no '*' (`estimates`: the flagged (country, metric, period) rows)."""
    problems = []
    for span in soup.select("span.fig"):
        if span.find_parent(["table"]) is None and span.find_parent(class_="keyfigures") is None:
            continue
        key = (span.get("data-country"), span.get("data-metric"), span.get("data-period"))
        after = span.next_sibling
        marked = (isinstance(after, str) and after.lstrip().startswith("*")) or (
            span.parent.name == "strong" and span.parent.get_text().rstrip().endswith("*"))
        if key in estimates and not marked:
            problems.append(f"{span.get_text()} ({', '.join(map(str, key))}) is an estimate without its '*'")
    return problems


def untraced_cells(soup: BeautifulSoup, section_ids: tuple[str, ...]) -> list[str]:
    """A number in a table of the given sections that is not a traced figure (span.fig), so that neither its
    estimate mark nor its value can be checked against metrics.csv."""
    problems = []
    for section_id in section_ids:
        section = soup.find(id=section_id)
        rows = section.select("tbody tr") if section else []
        for cell in (c for row in rows for c in row.find_all("td")[1:]):  # the first cell names the row
            text = " ".join(cell.get_text().split())
            if re.search(r"\d", re.sub(r"\((?:19|20)\d\d\)|\(\d+ countries\)", "", text)) and not cell.select(
                    "span.fig"):
                problems.append(f"#{section_id}: {text!r} is not traced to metrics.csv")
    return problems


REGISTER_PUBLISHED = re.compile(r"trade register, [^:]*?, published \d")


def source_line_problems(soup: BeautifulSoup, text: str, nato_has_figures: bool | None) -> list[str]:
    """Source lines that credit what was not used: a chart of orders (the register alone) crediting SIPRI's yearly
    tables; a register's export date ('Data generated') called its publication date; NATO listed among the
    sources of a brief for which NATO has no figure (`nato_has_figures`; None: not a brief)."""
    problems = []
    for spec in chart_specs(soup):
        description = str(spec.get("description", ""))
        if re.search(r"undelivered|orders placed", description) and "yearly tables" in spec_texts(spec):
            problems.append(f"a chart of orders credits SIPRI's yearly tables: {description[:80]!r}")
    problems += [f"a register's export date called its publication: …{m.group(0)}…"
                 for m in REGISTER_PUBLISHED.finditer(text)]
    if nato_has_figures is False and ("Defence Expenditure of NATO Countries" in text
                                      or re.search(r"Sources: [^.]*\bNATO\b", text)):
        problems.append("NATO listed as a source of a brief NATO gives no figure for")
    return problems


def word_note_problems(soup: BeautifulSoup, notes: dict[str, str]) -> list[str]:
    """A register row quoted in a table whose SIPRI words mislead (`notes`: designation -> the description the
    note is about, '' for any) without the note's mark '†' and the note under the table."""
    problems = []
    for row in soup.select("tr"):
        cells = [" ".join(c.get_text().split()) for c in row.find_all(["td", "th"])]
        for i, cell in enumerate(cells):
            name = re.sub(r" \([\d,?]+\)$", "", cell.removesuffix("†"))
            described = i + 1 < len(cells) and cells[i + 1] == notes.get(name)
            if name in notes and (not notes[name] or described) and not cell.endswith("†"):
                problems.append(f"{cell!r} quoted without the note on SIPRI's words")
    if soup.find(string=re.compile("†")) and not soup.find(string=re.compile(r"^\s*†\s")):
        problems.append("a '†' mark without its note")
    return problems


PDF_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
MIN_PDF_TEXT_PT = 6.5


def small_pdf_text(bbox_html: str, tolerance: float = 0.25) -> list[str]:
    """Words a PDF prints smaller than MIN_PDF_TEXT_PT (`pdftotext -bbox` output: a word's box is about its font
    size high; a rotated axis label's box is that wide), single characters aside."""
    problems = []
    for page, text in enumerate(bbox_html.split("<page ")[1:], start=1):
        for x0, y0, x1, y1, word in PDF_WORD.findall(text):
            width, height = float(x1) - float(x0), float(y1) - float(y0)
            size = width if height > width and len(word) > 3 else height
            if len(word) > 1 and size < MIN_PDF_TEXT_PT - tolerance:
                problems.append(f"page {page}: {word!r} at about {size:.1f} pt")
    return problems
