"""Executed notebooks to markdown per target, the site configuration, and the Quarto route (stand-in quarto)."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from defence_briefs.briefs.display import BRIEF_METADATA
from defence_briefs.errors import UsageError
from defence_briefs.render.notebook_markdown import NotebookError, cell_options, notebook_markdown
from defence_briefs.render.policy import csp_meta
from defence_briefs.render.quarto import classic_script, find_quarto, finish_site, quarto_notebook
from defence_briefs.render.site_config import load_site_config

ROOT = Path(__file__).resolve().parents[1]
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>x</text></svg>'


def _notebook(*outputs) -> nbformat.NotebookNode:
    cell = new_code_cell("show()")
    cell.outputs = list(outputs)
    return new_notebook(cells=[new_markdown_cell("## Section"), new_markdown_cell("<!-- a note for authors -->"),
                               cell])


def _chart(pdf: bool = True):
    return new_output("display_data", data={"text/html": "<figure>chart</figure>", "image/svg+xml": SVG,
                                            "text/plain": "a chart"},
                      metadata={BRIEF_METADATA: {"kind": "chart", "pdf": pdf}})


def test_html_target_takes_the_html_of_charts_and_drops_code_and_streams() -> None:
    notebook = _notebook(_chart(), new_output("stream", name="stderr", text="a warning"),
                         new_output("display_data", data={"text/markdown": "Some **text**", "text/plain": "x"}))
    markdown = notebook_markdown(notebook, "html")
    assert "## Section" in markdown
    assert "```{=html}\n<figure>chart</figure>\n```" in markdown
    assert "Some **text**" in markdown
    assert "show()" not in markdown and "a warning" not in markdown and "a note for authors" not in markdown


def test_typst_target_writes_chart_svgs_and_leaves_out_html_only_parts(tmp_path: Path) -> None:
    notebook = _notebook(_chart(), _chart(pdf=False),
                         new_output("display_data", data={"text/markdown": "web only", "text/plain": "x"},
                                    metadata={BRIEF_METADATA: {"kind": "markdown", "pdf": False}}))
    markdown = notebook_markdown(notebook, "typst", figure_dir=tmp_path)
    svgs = list(tmp_path.glob("*.svg"))
    assert len(svgs) == 1 and svgs[0].read_text() == SVG
    # a chart as tall as wide floats; it carries its description as alternative text
    assert (f'#place(auto, float: true, clearance: 1.2em, block(width: 100%)[#box(image("{svgs[0].name}", '
            f'width: 45%, alt: "a chart"))])') in markdown
    assert "<figure>" not in markdown and "web only" not in markdown


WIDE = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><text font-size="10px">{}</text></svg>')


def test_two_narrow_pdf_charts_share_a_row_and_a_third_starts_the_next() -> None:
    """Three 400 px charts with 10 px text: each needs 400 x 6.5 / 10 = 260 pt of the 498.9 pt column (52%): two
    do not fit beside each other (104%); 300 px charts need 195 pt (39%): two share a row, the third stands alone."""
    charts = [new_output("display_data", data={"image/svg+xml": WIDE.replace('width="400"', 'width="300"')
                                               .format(i), "text/plain": f"chart {i}"},
                         metadata={BRIEF_METADATA: {"kind": "chart", "pdf": True}}) for i in range(3)]
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        markdown = notebook_markdown(_notebook(*charts), "typst", figure_dir=Path(folder))
    rows = [line for line in markdown.splitlines() if line.startswith("#block")]
    assert [row.count("image(") for row in rows] == [2, 1]
    assert 'width: 45%, alt: "chart 0"))' in rows[0] and "#h(1fr)" in rows[0]
    from defence_briefs.briefs.pdf_charts import figure_width
    assert figure_width(WIDE.format("x")) == pytest.approx(400 * 6.5 / 10 / 498.9, abs=0.001)


def test_the_pdf_layout_narrows_the_plot_and_wraps_title_and_source() -> None:
    from defence_briefs.briefs.pdf_charts import PLOT_SCALE, pdf_layout
    spec = {"title": {"text": "The United States supplied 44% of Poland’s arms imports in 2021–25 (37% in 2002–06)",
                      "subtitle": "Share of arms imports by supplier"},
            "datasets": {"src": [{"text": "Source: SIPRI Arms Transfers Database (2026 release; yearly tables of "
                                          "the 2022, 2024 and 2025 releases)."}],
                         "rows": [{"value": 0.44}]},
            "vconcat": [{"width": 520, "height": 130, "mark": "bar",
                         "encoding": {"y": {"field": "value", "type": "quantitative"}}},
                        {"width": 520, "height": 12, "data": {"name": "src"},
                         "mark": {"type": "text", "fontSize": 10, "dx": 0},
                         "encoding": {"x": {"value": 0}, "y": {"value": 0}}}]}
    source_text = spec["datasets"]["src"][0]["text"]
    pdf = pdf_layout(spec)
    assert spec["vconcat"][0]["width"] == 520  # the web's spec is left alone
    assert spec["datasets"]["src"][0]["text"] == source_text  # its source line too
    assert pdf["datasets"]["rows"] is spec["datasets"]["rows"]  # the plot's rows are shared, not copied
    assert pdf["vconcat"][0]["width"] == round(520 * PLOT_SCALE)
    assert len(pdf["title"]["text"]) == 2 and " ".join(pdf["title"]["text"]) == spec["title"]["text"]
    lines = pdf["datasets"]["src"][0]["text"]
    assert len(lines) == 2 and pdf["vconcat"][1]["height"] == round(10 * 1.25 * 2)


def test_an_error_output_names_the_cell() -> None:
    notebook = _notebook(new_output("error", ename="KeyError", evalue="'POL'", traceback=[]))
    with pytest.raises(NotebookError, match="cell 3 raised KeyError: 'POL'"):
        notebook_markdown(notebook, "html")


def test_site_config_follows_quarto_yml() -> None:
    config = load_site_config(ROOT)
    assert config.title == "European defence dependency briefs"
    assert ("Methodology", "methodology.html") in config.navigation
    assert config.formats == ("html", "pdf")  # html, and typst for the PDF briefs
    assert (config.toc, config.toc_depth, config.papersize, config.mainfont) == (True, 2, "a4", "Lato")
    assert config.renders("countries/POL.ipynb") and config.renders_country("DEU")
    assert config.renders("index.ipynb") and config.renders("methodology.md") and not config.renders("notes.md")


def test_a_format_the_built_in_route_cannot_make_is_named(tmp_path: Path) -> None:
    (tmp_path / "_quarto.yml").write_text("website:\n  title: t\nformat:\n  html: {}\n  docx: {}\n")
    with pytest.raises(UsageError, match=r"_quarto\.yml: format docx: the built-in route makes html and typst"):
        load_site_config(tmp_path)
    (tmp_path / "_quarto.yml").write_text("website:\n  title: t\n")  # no format: both; no render list: all pages
    config = load_site_config(tmp_path)
    assert config.formats == ("html", "pdf") and not config.toc and config.renders("anything.md")


def test_missing_site_config_is_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"_quarto\.yml: not found"):
        load_site_config(tmp_path)


def test_quarto_is_found_only_where_named_or_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stand_in = tmp_path / "quarto"
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("DEFENCE_QUARTO", str(stand_in))
    assert find_quarto() == str(stand_in)
    monkeypatch.delenv("DEFENCE_QUARTO")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_quarto() == str(stand_in)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(UsageError, match=r"--renderer quarto: no quarto CLI found"):
        find_quarto()


def test_a_quarto_document_shows_each_output_as_the_built_in_route_does_for_each_format(tmp_path: Path) -> None:
    """The executed notebook keeps its cells; a code cell's outputs become one markdown output: the same text once
    when both formats show the same, else each format's part in its content-visible div (an HTML-only part has no
    typst div; the chart's typst image names its SVG beside the document)."""
    notebook = _notebook(_chart(), new_output("display_data", data={"text/markdown": "Some **text**"}))
    notebook.cells.append(new_code_cell("note()"))
    notebook.cells[-1].outputs = [new_output("display_data", data={"text/markdown": "web only"},
                                             metadata={BRIEF_METADATA: {"kind": "markdown", "pdf": False}})]
    notebook.cells.append(new_code_cell("same()"))
    notebook.cells[-1].outputs = [new_output("display_data", data={"text/markdown": "Both formats"})]
    document = quarto_notebook(notebook, {"title": "Poland"}, tmp_path / "charts", "charts/", after="The end")
    assert document.cells[0].cell_type == "raw" and document.cells[0].source == "---\ntitle: Poland\n---\n"
    assert document.cells[1].source == "## Section\n"  # the authors' comment cell is left out, as on the built-in route
    chart, web, both = (cell.outputs[0].data["text/markdown"] for cell in document.cells[2:5])
    svg = next((tmp_path / "charts").glob("*.svg")).name
    assert chart.startswith('::: {.content-visible when-format="html"}\n\n```{=html}\n<figure>chart</figure>\n```\n')
    assert '::: {.content-visible when-format="typst"}' in chart and f'image("charts/{svg}"' in chart
    assert chart.count("Some **text**") == 2  # once in each format's part: they differ
    assert web == '::: {.content-visible when-format="html"}\n\nweb only\n\n:::\n\n'
    assert both == "Both formats\n"
    assert document.cells[2].source == "show()" and document.cells[-1].source == "The end"


def test_a_quarto_page_gets_the_policy_first_its_scripts_in_files_and_no_module(tmp_path: Path) -> None:
    """Quarto's inline scripts move to files named by their content; a JSON block stays; quarto.js, a module that
    imports tabsets.js, becomes one classic script holding it, and the page loads no module (none loads from
    file://)."""
    site = tmp_path / "site"
    libs = site / "site_libs" / "quarto-html"
    (libs / "tabsets").mkdir(parents=True)
    (libs / "tabsets" / "tabsets.js").write_text("export function init() {\n  return 1;\n}\n")
    (libs / "quarto.js").write_text('import * as tabsets from "./tabsets/tabsets.js";\n\ntabsets.init();\n')
    (site / "countries").mkdir()
    page = ('<html><head><title>t</title></head><body>'
            '<script src="../site_libs/quarto-html/quarto.js" type="module"></script>'
            '<script src="../site_libs/quarto-html/tabsets/tabsets.js" type="module"></script>'
            '<script type="application/json" id="spec-1">{"a": 1}</script>'
            '<script id="after" type="application/javascript">window.x = 1;</script></body></html>')
    (site / "countries" / "POL.html").write_text(page)
    (site / "countries" / "POL.pdf").write_bytes(b"%PDF")
    (site / "search.json").write_text("[]")
    files = finish_site(site)
    finished = (site / "countries" / "POL.html").read_text()
    assert finished.startswith(f"<html><head>\n{csp_meta()}<title>")
    name = hashlib.sha256(b"window.x = 1;").hexdigest()[:16]
    assert (f'<script id="after" type="application/javascript" src="../site_libs/quarto-inline/{name}.js">'
            "</script>") in finished
    assert (site / "site_libs" / "quarto-inline" / f"{name}.js").read_text() == "window.x = 1;"
    assert '<script src="../site_libs/quarto-html/quarto.js"></script>' in finished
    assert "tabsets.js" not in finished and 'type="module"' not in finished
    assert '<script type="application/json" id="spec-1">{"a": 1}</script>' in finished
    classic = (libs / "quarto.js").read_text()
    assert classic == ("// a classic script (defence-briefs' post-render), carrying: ./tabsets/tabsets.js\n"
                       "const tabsets = (() => {\nfunction init() {\n  return 1;\n}\n\nreturn {init};\n})();\n"
                       "\ntabsets.init();\n")
    assert "pdf/POL.pdf" in files and "countries/POL.pdf" not in files and "search.json" not in files
    assert finish_site(site) == files and (site / "countries" / "POL.html").read_text() == finished  # once only
    # a later render of one page (a preview) meets quarto.js converted already: the new page loads it as well
    (site / "countries" / "DEU.html").write_text(page)
    finish_site(site)
    assert (site / "countries" / "DEU.html").read_text() == finished and (libs / "quarto.js").read_text() == classic
    # a PDF Quarto made of another page (`--to typst` forces every document) is not the site's
    (site / "index.pdf").write_bytes(b"%PDF")
    assert "index.pdf" not in finish_site(site)


def test_a_module_in_another_form_is_left_a_module(tmp_path: Path) -> None:
    module = tmp_path / "quarto.js"
    module.write_text('import { init } from "./tabsets.js";\ninit();\n')
    assert classic_script(module) is None


def test_the_committed_notebooks_are_cleared_and_parameterized() -> None:
    for name in ("country_brief.ipynb", "europe_overview.ipynb"):
        notebook = json.loads((ROOT / "notebooks" / name).read_text())
        code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        assert all(not cell["outputs"] and cell["execution_count"] is None for cell in code), name
        tagged = [cell for cell in code if "parameters" in cell["metadata"].get("tags", [])]
        assert len(tagged) == 1, name


def test_analysis_cells_keep_their_outputs_in_the_notebook_only() -> None:
    """Cells marked `#| output: false` (Quarto's cell option) show the analysis in the executed notebook and
    nothing in the brief; every other output is shown."""
    analysis = new_code_cell("#| output: false\n# the US share, computed\nus_share")
    analysis.outputs = [new_output("execute_result", {"text/plain": "0.44", "text/html": "<table>0.44</table>"},
                                   execution_count=1)]
    hidden = new_code_cell("#| include: false\nx")
    hidden.outputs = [new_output("display_data", {"text/markdown": "not in the brief"})]
    shown = new_code_cell("show()\n#| output: false")  # an option only counts at the top of the cell
    shown.outputs = [new_output("display_data", {"text/markdown": "**in the brief**"})]
    notebook = new_notebook(cells=[analysis, hidden, shown])
    for target in ("html", "typst"):
        text = notebook_markdown(notebook, target)
        assert text.strip() == "**in the brief**", (target, text)
    assert cell_options("#| output: false\n#| echo: false\nx = 1") == {"output": "false", "echo": "false"}


def test_pandoc_converts_with_the_reader_and_names_the_page_when_it_fails(caplog, tmp_path: Path) -> None:
    from defence_briefs.render.pandoc import Page, RenderError, convert

    # the reader keeps raw HTML in the text as text: no tag of a source string reaches the page
    converted = convert(Page("Poland", "A *b* <i>c</i>\n", "html5", {"title": "Poland"}))
    assert [text.strip() for text in converted] == ["<p>A <em>b</em> &lt;i&gt;c&lt;/i&gt;</p>"]
    with pytest.raises(RenderError, match=r"pandoc could not convert Poland to html5: .*missing\.html"):
        convert(Page("Poland", "text\n", "html5", {"title": "Poland"}, template=tmp_path / "missing.html"))
    with caplog.at_level("WARNING", logger="defence_briefs.render.pandoc"):
        convert(Page("Poland", "[a]: https://one.example\n[a]: https://two.example\n\n[a]\n", "html5",
                     {"title": "Poland"}))
    assert any("Poland" in r.getMessage() and "Duplicate link reference" in r.getMessage() for r in caplog.records)


def test_pages_converted_together_come_out_as_pandoc_converts_each_alone(caplog, tmp_path: Path) -> None:
    """One pandoc process for a brief's pages gives what the command line gives for each from standard input:
    metadata read as markdown, template variables as written and the command line's own ($curdir$...), a template's
    byte-order mark dropped, the table of contents, relative widths of a long pipe table, tabs expanded, a no-break
    space after the abbreviations of pandoc's data file, and a raw block kept only by its own format (without a
    warning, as the command line says nothing of it)."""
    import subprocess

    from defence_briefs.render.pandoc import READER, Page, _pandoc_binary, convert

    long_row = "| " + " | ".join(["a fairly long cell of text"] * 4) + " |"
    markdown = ("## Key findings\n\n```{=typst}\n#keyfigures[\n```\n\nSome *text* with [a span]{.fig metric=\"x\"}: "
                "Hanwha Co. Ltd. in Jan. 2024, see Smith et al. and No. 5.\n\n"
                "| A | B | C | D |\n|---|---|---|---|\n" + long_row
                + "\n\n## More\n\n`a\tb` and\n\n\tcode\tblock\n\nEnd.")
    template = tmp_path / "page.html"
    template.write_bytes("\ufeff<title>$pagetitle$</title><p>$subtitle$</p><p>$csp$</p>$if(toc)$<nav>$toc$</nav>$endif$"
                         "[$curdir$|$sourcefile$|$outputfile$|$pandoc-version$]$body$\n".encode())
    metadata = {"title": "the Netherlands", "subtitle": "Arms \"imports\" · *2025*, c. 2020"}
    variables = {"csp": "default-src 'none'"}
    metadata_file = tmp_path / "meta.json"
    metadata_file.write_text(json.dumps(metadata))
    expected = []
    for to, extra in (("html5", ["--template", str(template), "--section-divs", "--toc", "--toc-depth=2",
                                 "-V", f"csp={variables['csp']}"]),
                      ("typst", []),
                      ("html5", [])):
        done = subprocess.run([_pandoc_binary(), f"--from={READER}", f"--to={to}", "--metadata-file",
                               str(metadata_file), "--wrap=none", *extra], input=markdown.encode(),
                              capture_output=True, check=True)
        expected.append(done.stdout.decode())
    pages = [Page("the Netherlands", markdown, "html5", metadata, template, variables,
                  {"section_divs": True, "table_of_contents": True, "toc_depth": 2}),
             Page("the Netherlands", markdown, "typst", metadata),
             Page("the Netherlands", markdown, "html5", metadata)]
    with caplog.at_level("INFO", logger="defence_briefs.render.pandoc"):
        assert convert(*pages) == expected
    assert "<col style=\"width:" in expected[0] and "&quot;imports&quot;" not in expected[0]
    assert "\ufeff" not in expected[0] and "|-|-|" in expected[0]
    assert "Co.\u00a0Ltd." in expected[2] and "\t" not in expected[2]
    assert "#keyfigures[" in expected[1] and "keyfigures" not in expected[2]
    assert not caplog.records


def test_a_failing_page_is_named_by_its_format_when_pages_share_a_name(tmp_path: Path) -> None:
    from defence_briefs.render.pandoc import Page, RenderError, convert

    pages = [Page("Poland", "text\n", "html5", {}), Page("Poland", "text\n", "typst", {}, tmp_path / "gone.typ")]
    with pytest.raises(RenderError, match=r"could not convert Poland to typst: .*gone\.typ"):
        convert(*pages)


def test_the_tables_that_convert_alike_anywhere_are_cut_out_of_the_text() -> None:
    """A pipe table standing alone between blank lines is cut out; a table with a caption beside it (before or after,
    `Table:` in any case or `:`, on any line of the paragraph), one inside a fenced block (closed only by a fence of
    its character, as long, at most 3 spaces in), one with a bracket, an example or attributes (a link, note, example
    number or highlighting may need the rest of the text), lines that only start with `|` (a line block), a table
    against a paragraph (a no-break space is no blank line), one right after a fence (pandoc may not read it as a
    fence) and one with a fence-like line right after it (pandoc reads that line as a row) stay in the text; the
    pieces and tables put back together give the text."""
    from defence_briefs.render.pandoc import _split_tables

    alone = "| A | B |\n|:--|--:|\n| 1 | 2 |\n"
    text = ("# Title\n\n" + alone + "\nA paragraph.\n\n"          # cut
            "Table: a caption\n\n| C |\n|---|\n| 3 |\n\n"         # a caption before it: kept
            "````{=html}\n<details>\n\n| D |\n|---|\n| 4 |\n\n````\n\n"  # inside a fence: kept
            "| E |\n|---|\n| [link] |\n\n"                        # a bracket: kept
            "| a line\n| block\n\n"                               # no rule: kept
            "Words\n| F |\n|---|\n\n"                             # against a paragraph: kept
            "```{=html}\n</details>\n```\n" + alone + "\n"        # right after a fence: kept
            "~~~\n| G |\n|---|\n~~~~\n\n"                         # a longer closing fence closes it
            "```\n    ```\n| H |\n|---|\n```\n\n"                 # 4 spaces in: no closing fence
            "# Heading\ntable: lower case\n\n| I |\n|---|\n\n"      # a caption on the paragraph's second line
            "| J |\n|---|\n\n: after it\n\n"                        # a caption after it
            "| (@a) |\n|---|\n\n| `x`{.py} |\n|---|\n\n"            # an example, attributed code: kept
            "Text\n\u00a0\n| K |\n|---|\n\n"                         # a no-break space line: kept
            + alone                                                # cut
            + "\n| L |\n|---|\n~~~ | row\n")                        # a fence-like line after it: kept
    pieces, tables = _split_tables(text)
    assert tables == [alone, alone]
    assert pieces[0] == "# Title\n\n"
    assert pieces[1].startswith("\nA paragraph.\n\nTable: a caption")
    assert "```{=html}\n</details>\n```\n" + alone + "\n~~~\n| G |" in pieces[1]
    assert pieces[1].endswith("| K |\n|---|\n\n")
    assert pieces[2] == "\n| L |\n|---|\n~~~ | row\n"
    assert "".join(piece + table for piece, table in zip(pieces, [*tables, ""], strict=True)) == text
    assert _split_tables("no table\n") == (["no table\n"], [])
    assert _split_tables("x\n\n" + alone.rstrip("\n")) == (["x\n\n", ""], [alone])  # at the very end: cut


def test_pages_with_repeated_tables_come_out_as_the_command_line_gives(tmp_path: Path) -> None:
    """Tables converted once and set into later pages as HTML give what the command line gives, page after page; a
    template edited between conversions is read again."""
    import subprocess

    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import READER, Page, _pandoc_binary, convert

    shared = "| System | From | Lead time |\n|:--|:--|--:|\n| Leopard\\-2A8 | Germany | 3.5 years |\n"
    page_one = f"## Tanks\n\nSome \"text\" first.\n\n{shared}\n| Only here | x |\n|---|---|\n| `code` | y |\n"
    page_two = f"## Tanks\n\n::: {{.note}}\n{shared}\n:::\n\nAfter it, Co. Ltd. said it.\n\n{shared}"
    template = tmp_path / "page.html"
    template.write_text("<title>$pagetitle$</title>\n$if(toc)$<nav>$toc$</nav>$endif$\n$body$\n<p>$csp$</p>\n")
    metadata = {"title": "Poland"}
    (tmp_path / "meta.json").write_text(json.dumps(metadata))

    def command_line(markdown: str) -> str:
        return subprocess.run([_pandoc_binary(), f"--from={READER}", "--to=html5", "--metadata-file",
                               str(tmp_path / "meta.json"), "--wrap=none", "--template", str(template),
                               "--section-divs", "--toc", "-V", "csp=none"], input=markdown.encode(),
                              capture_output=True, check=True).stdout.decode()

    pandoc._forget_tables()
    before = pandoc.STATS.copy()
    options = {"section_divs": True, "table_of_contents": True}
    for markdown in (page_one, page_two, page_one):
        page = Page("Poland", markdown, "html5", metadata, template, {"csp": "none"}, options)
        assert convert(page) == [command_line(markdown)]
    assert ("html5", json.dumps(options, sort_keys=True), shared) in pandoc._TABLE_HTML
    assert len(pandoc._TABLE_HTML) == 2
    assert pandoc.STATS - before == {"pages": 3, "tables_converted": 2, "tables_reused": 3}
    template.write_text("<main>\n$body$\n</main>\n")
    page = Page("Poland", page_two, "html5", metadata, template, {"csp": "none"}, {"section_divs": True})
    assert convert(page) == [command_line(page_two)]
    assert convert(page)[0].startswith("<main>\n<section")


def test_typst_pages_and_templates_with_partials_come_out_as_the_command_line_gives(tmp_path: Path) -> None:
    """A PDF brief's typst source from the brief template is what the command line gives, whatever block starts or
    ends the text, and so is a typst page whose template has text right after the body, an HTML page whose template
    repeats its body, and one whose body ends in blank lines; a partial edited, beside the template or in a folder
    below it, is read again."""
    import subprocess

    from defence_briefs.render.pandoc import READER, Page, _pandoc_binary, convert, typst_page

    def command_line(page: Page) -> str:
        (tmp_path / "meta.json").write_text(json.dumps(page.metadata))
        return subprocess.run([_pandoc_binary(), f"--from={READER}", f"--to={page.to}", "--wrap=none",
                               "--metadata-file", str(tmp_path / "meta.json"), "--template", str(page.template),
                               *(f"--variable={key}={value}" for key, value in page.variables.items())],
                              input=page.markdown.encode(), capture_output=True, check=True).stdout.decode()

    endings = ["Some text.\n", "- a\n- b\n", "```\nx\n```\n", "> quoted\n", "| A |\n|---|\n| 1 |\n",
               "a[^1]\n\n[^1]: a note\n", "```{=typst}\n#v(1em)\n```\n"]
    for ending in endings:
        for markdown in (f"# Imports\n\n{ending}", f"---\n\n{ending}"):  # a rule first: right after the partial
            page = typst_page("Poland", markdown, {"title": "Poland"}, "a4", "Lato")
            assert convert(page) == [command_line(page)], markdown
    (tmp_path / "own.typ").write_text("A\n$body$\nB\n")
    page = Page("Poland", "Some text.\n", "typst", {}, tmp_path / "own.typ")
    assert convert(page) == [command_line(page)] == ["A\nSome text.\n\nB\n"]

    template = tmp_path / "t.html"
    for text, markdown in (("$for(list)$\n$body$\n$endfor$\n", "x\n"),
                           ("<x>\n$body$\n</x>\n", "para\n\n```{=html}\n<div>\n\n\n```\n")):
        template.write_text(text)
        page = Page("Poland", markdown, "html5", {"list": [1, 2]}, template)
        assert convert(page) == [command_line(page)], text

    (tmp_path / "part.html").write_text("one")
    template.write_text("$part.html()$\n$body$\n")
    page = Page("Poland", "x\n", "html5", {}, template)
    assert convert(page) == [command_line(page)] and convert(page)[0].startswith("one")
    (tmp_path / "part.html").write_text("two, edited")
    assert convert(page) == [command_line(page)] and convert(page)[0].startswith("two, edited")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "part.html").write_text("three")
    template.write_text("$sub/part.html()$\n$body$\n")
    assert convert(page) == [command_line(page)] and convert(page)[0].startswith("three")
    (tmp_path / "sub" / "part.html").write_text("four, edited")
    assert convert(page) == [command_line(page)] and convert(page)[0].startswith("four, edited")


def test_tables_converted_with_other_writer_options_are_not_reused() -> None:
    """A table's HTML is kept with the writer options it was written with: quotes as <q>, obfuscated e-mail..."""
    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import Page, convert

    table = '| A |\n|---|\n| say "x" |\n'
    pandoc._forget_tables()
    assert convert(Page("a", table, "html5", {})) == ['<table>\n<thead>\n<tr>\n<th>A</th>\n</tr>\n</thead>\n<tbody>\n'
                                                      '<tr>\n<td>say “x”</td>\n</tr>\n</tbody>\n</table>\n']
    quoted = convert(Page("b", table, "html5", {}, options={"html_q_tags": True}))[0]
    assert "<td>say <q>x</q></td>" in quoted


def test_a_page_whose_cut_tables_do_not_stand_alone_is_read_whole(tmp_path: Path) -> None:
    """A pipe-table-like chunk that is a row of a multiline table, or one inside a code block that a false fence hid
    from the cut, does not come back from pandoc as a block of its own: the page is read whole, as the command line
    reads it."""
    import subprocess

    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import READER, Page, _pandoc_binary, convert

    multiline = ("----------------\nA        B\n-------- -------\n1        2\n\n| x |\n|---|\n\n3        4\n"
                 "----------------\n")
    hidden = "```python extra``` is inline code\n\n```\n\n| A |\n|---|\n| 1 |\n\n```\n"
    before = pandoc.STATS.copy()
    for markdown in (multiline, hidden):
        expected = subprocess.run([_pandoc_binary(), f"--from={READER}", "--to=html5", "--wrap=none"],
                                  input=markdown.encode(), capture_output=True, check=True).stdout.decode()
        assert convert(Page("Poland", markdown, "html5", {})) == [expected]
    assert (pandoc.STATS - before)["pages_read_whole"] == 2


def test_tables_after_a_fence_pandoc_does_not_open_or_inside_metadata_come_out_as_the_command_line_gives() -> None:
    """A table right after a tilde fence (pandoc's `~~~` does not break a paragraph) or after a line of backticks with
    words (no fence to pandoc) is read by pandoc as more of the paragraph: it is not cut. A table inside a metadata
    block, whose HTML would break the YAML, is read whole."""
    import subprocess

    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import READER, Page, _pandoc_binary, _split_tables, convert

    table = "| A |\n|--:|\n| 1 |\n"
    after_fences = ["para\n~~~\ncode\n~~~\n" + table, "``` two words\n```\n" + table, "~~~~ a b\n~~~~\n" + table]
    in_metadata = 'x\n\n---\n{note: "a\n\n' + table + '\nb"}\n---\n\ny\n'
    assert all(_split_tables(markdown)[1] == [] for markdown in after_fences)
    assert _split_tables(in_metadata)[1] == [table]
    before = pandoc.STATS.copy()
    for markdown in (*after_fences, in_metadata):
        expected = subprocess.run([_pandoc_binary(), f"--from={READER}", "--to=html5", "--wrap=none"],
                                  input=markdown.encode(), capture_output=True, check=True).stdout.decode()
        assert convert(Page("Poland", markdown, "html5", {})) == [expected], markdown
    assert "<table" not in expected and (pandoc.STATS - before)["pages_read_whole"] == 1


def test_the_tables_kept_are_bounded(monkeypatch) -> None:
    """Tables are kept up to TABLE_CACHE_CHARS (their markdown and HTML): past it all are dropped, and a page whose
    new tables alone pass it keeps none."""
    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import Page, convert

    def tables(word: str) -> str:
        return "\n".join(f"| {word}{number} |\n|---|\n| {'word ' * 40} |\n" for number in range(3))

    held = lambda: sum(len(key[2]) + len(html) for key, html in pandoc._TABLE_HTML.items())  # noqa: E731
    pandoc._forget_tables()
    convert(Page("p", tables("A"), "html5", {}))
    one_page = held()
    assert len(pandoc._TABLE_HTML) == 3 and one_page > 1000
    monkeypatch.setattr(pandoc, "TABLE_CACHE_CHARS", one_page + 10)
    convert(Page("p", tables("B"), "html5", {}))  # past the bound: A's dropped, B's kept
    assert {key[2].split(" |")[0] for key in pandoc._TABLE_HTML} == {"| B0", "| B1", "| B2"}
    monkeypatch.setattr(pandoc, "TABLE_CACHE_CHARS", 1000)
    convert(Page("p", tables("C"), "html5", {}))  # alone past the bound: none kept
    assert not pandoc._TABLE_HTML and held() == pandoc._TABLE_CHARS == 0
    # a table another thread kept meanwhile is counted once, and again after the tables are dropped
    monkeypatch.setattr(pandoc, "TABLE_CACHE_CHARS", 10_000)
    first, second = ("html5", "{}", "| D |\n"), ("html5", "{}", "| E |\n")
    pandoc._keep_tables({first: "x" * 6000})
    pandoc._keep_tables({first: "x" * 6000, second: "y" * 3000})
    assert held() == pandoc._TABLE_CHARS == 9000 + 2 * len(first[2])
    pandoc._keep_tables({second: "y" * 3000, ("html5", "{}", "| F |\n"): "z" * 3000})  # past it: E and F kept
    assert held() == pandoc._TABLE_CHARS == 6000 + 2 * len(first[2]) and len(pandoc._TABLE_HTML) == 2


def test_an_interrupted_conversion_ends_pandoc_at_once_and_the_next_page_gets_a_new_one(monkeypatch) -> None:
    """Ctrl-C while pandoc converts: its answer is not waited for (pandoc, its answer filling the pipe, is killed at
    once rather than after PANDOC_END_TIMEOUT), and the next page is converted by a new process."""
    import signal
    import time

    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import Page, convert

    convert(Page("warm", "x\n", "html5", {}))
    process = pandoc._PANDOC[0]
    ask = pandoc._PandocProcess.ask

    def interrupted(self: pandoc._PandocProcess, job: bytes) -> bytes:
        self.process.stdin.write(job + b"\n")
        self.process.stdin.flush()
        raise KeyboardInterrupt

    monkeypatch.setattr(pandoc._PandocProcess, "ask", interrupted)
    monkeypatch.setattr(pandoc, "PANDOC_END_TIMEOUT", 60)
    long_text = "\n\n".join(f"Paragraph {number} with *some* words." for number in range(20000))
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        convert(Page("a long page", long_text, "html5", {}))
    assert time.monotonic() - started < 30  # not the 60 s a pandoc blocked on its answer is given to end
    assert process.process.returncode == -signal.SIGKILL and not pandoc._PANDOC
    monkeypatch.setattr(pandoc._PandocProcess, "ask", ask)
    assert convert(Page("next", "x\n", "html5", {})) == ["<p>x</p>\n"]


def test_a_forked_process_converts_with_its_own_pandoc() -> None:
    """A child forked after pages were converted starts its own pandoc, its copies of the pipes to the parent's
    pointed at /dev/null (an open copy would keep the parent's pandoc from seeing its input end); the parent's carries
    on. Pandoc runs in a session of its own: Ctrl-C at a terminal reaches the build, not a conversion."""
    import os

    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import Page, convert

    convert(Page("warm", "x\n", "html5", {}))
    parent = pandoc._PANDOC[0]
    assert os.getpgid(parent.process.pid) != os.getpgid(0)
    ending = pandoc._PandocProcess()  # one a thread of the parent has taken out of _PANDOC to end
    pipes = [parent.process.stdin.fileno(), parent.process.stdout.fileno(),
             ending.process.stdin.fileno(), ending.process.stdout.fileno()]
    child = os.fork()
    if child == 0:
        ok = all(os.path.samestat(os.fstat(pipe), os.stat(os.devnull)) for pipe in pipes)
        ok = ok and not pandoc._PANDOC and convert(Page("child", "y\n", "html5", {})) == ["<p>y</p>\n"]
        ok = ok and pandoc._PANDOC[0].process.pid != parent.process.pid
        os._exit(0 if ok else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
    assert convert(Page("parent", "z\n", "html5", {})) == ["<p>z</p>\n"] and pandoc._PANDOC[0] is parent
    ending.close()
    assert ending.process.returncode == 0  # ended by its input closing, not killed


def test_a_pandoc_process_that_stopped_or_a_new_folder_gets_a_new_one(tmp_path: Path, monkeypatch) -> None:
    """The pandoc process is kept from page to page and shared by threads; one that was killed is replaced at the next
    page, and so is one started in another folder (pandoc's $curdir$ is the folder it runs in)."""
    import threading

    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import Page, convert

    template = tmp_path / "t.html"
    template.write_text("$curdir$|$body$\n")
    page = Page("Poland", "text\n", "html5", {}, template)
    monkeypatch.chdir(tmp_path)
    assert convert(page) == [f"{tmp_path}|<p>text</p>\n"]
    first = pandoc._PANDOC[0]
    assert convert(page) == [f"{tmp_path}|<p>text</p>\n"] and pandoc._PANDOC[0] is first
    first.process.kill()
    first.process.wait()
    assert convert(page) == [f"{tmp_path}|<p>text</p>\n"]
    assert pandoc._PANDOC[0] is not first
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    pages = [Page(f"page {number}", f"text {number}\n", "html5", {}, template) for number in range(20)]
    answers: dict[int, list[str]] = {}
    threads = [threading.Thread(target=lambda number=number: answers.update({number: convert(pages[number])}))
               for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {number: [f"{tmp_path / 'elsewhere'}|<p>text {number}</p>\n"] for number in range(20)}
    assert len(pandoc._PANDOC) == 1


def test_a_pandoc_process_that_ends_before_it_answers_is_an_error_naming_the_pages(tmp_path: Path,
                                                                                  monkeypatch) -> None:
    from defence_briefs.render import pandoc
    from defence_briefs.render.pandoc import Page, RenderError, convert

    script = tmp_path / "ends.lua"
    script.write_text('io.read("l")\nio.stderr:write("out of memory\\n")\nos.exit(3)\n')
    page = Page("Poland", "text\n", "html5", {})
    convert(page)
    monkeypatch.setattr(pandoc, "LUA_PAGES", script)
    pandoc._PANDOC.pop().close()
    with pytest.raises(RenderError, match=r"could not convert Poland to html5: pandoc stopped \(exit status 3\) "
                                          r"out of memory"):
        convert(page)
    monkeypatch.undo()
    assert convert(page) == ["<p>text</p>\n"]
