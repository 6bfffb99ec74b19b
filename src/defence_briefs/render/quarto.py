"""The Quarto route: the site as the Quarto project of `_quarto.yml`, rendered by one `quarto render` of the project
root (HTML pages and typst PDFs; Quarto executes no code).

The project's pre-render step (`python build.py pre-render`) runs the stages and the notebooks and writes the
documents Quarto renders (`write_documents`: the executed notebooks, each output as the built-in route shows it for
each format); the post-render step (`python build.py post-render`) finishes Quarto's pages (`finish_site`: the site's
Content-Security-Policy, no inline script, the PDFs in pdf/) and publishes them. `python build.py --renderer quarto`
runs the same `quarto render`, so both give the same site."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import nbformat
import yaml

from ..briefs.text import md_escape
from ..errors import UsageError
from . import template_path
from .notebook_markdown import cell_blocks
from .policy import csp_meta

QUARTO_ENV = "DEFENCE_QUARTO"
# what pre-render writes into the project (generated, not in git): the documents, and the files _quarto.yml names
GENERATED = ("index.ipynb", "countries", "diversification.md", "assets")
CHARTS = "charts"  # the PDF's chart files, beside the country documents
TYPST_PARTIALS = ("typst-template.typ", "typst-show.typ")  # _quarto.yml: format.typst.template-partials
INLINE_SCRIPTS = "site_libs/quarto-inline"  # Quarto's inline scripts, moved to files the policy allows


def find_quarto() -> str:
    """The quarto CLI for `--renderer quarto`: $DEFENCE_QUARTO when set, else `quarto` on PATH; a UsageError
    saying how to get one when there is none."""
    choice = os.environ.get(QUARTO_ENV) or shutil.which("quarto")
    if not choice or not (shutil.which(choice) or os.access(choice, os.X_OK)):
        raise UsageError(f"--renderer quarto: no quarto CLI found (${QUARTO_ENV} or PATH); install it from "
                         "https://quarto.org, with `conda env create -f environment.yml` or "
                         "`pip install -e \".[quarto]\"`, or use the default --renderer built-in")
    return choice


def front_matter(metadata: dict) -> str:
    """A document's YAML front matter."""
    return "---\n" + yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=10_000) + "---\n"


def _by_cell(blocks: list[tuple[int, str]]) -> dict[int, str]:
    joined: dict[int, list[str]] = {}
    for index, block in blocks:
        joined.setdefault(index, []).append(block)
    return {index: "\n".join(parts) for index, parts in joined.items()}


def _for_formats(html: str | None, typst: str | None) -> str:
    """One output's markdown: shown once when both formats show the same, else each in its format's div."""
    if html == typst:
        return html or ""
    return "".join(f'::: {{.content-visible when-format="{name}"}}\n\n{text}\n:::\n\n'
                   for name, text in (("html", html), ("typst", typst)) if text)


def quarto_notebook(notebook: nbformat.NotebookNode, metadata: dict, figure_dir: Path, figure_prefix: str,
                    before: str = "", after: str = "") -> nbformat.NotebookNode:
    """The Quarto document of an executed notebook: `metadata` as front matter, its markdown cells as the built-in
    route reads them, its code cells (hidden by `echo: false`) each with one markdown output holding what the
    built-in route shows of its outputs for HTML and for typst (chart SVGs written into `figure_dir`); `before` and
    `after` (markdown) around the notebook's own cells."""
    html = _by_cell(cell_blocks(notebook, "html"))
    typst = _by_cell(cell_blocks(notebook, "typst", figure_dir, figure_prefix))
    cells = [nbformat.v4.new_raw_cell(front_matter(metadata))]
    if before:
        cells.append(nbformat.v4.new_markdown_cell(before))
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and index in html:
            cells.append(nbformat.v4.new_markdown_cell(html[index]))
        elif cell.cell_type == "code":
            code = nbformat.v4.new_code_cell(cell.source, metadata=cell.get("metadata", {}),
                                             execution_count=cell.get("execution_count"))
            shown = _for_formats(html.get(index), typst.get(index))
            if shown:
                code.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": shown})]
            cells.append(code)
    if after:
        cells.append(nbformat.v4.new_markdown_cell(after))
    document = nbformat.v4.new_notebook(cells=cells, metadata=notebook.get("metadata", {}))
    document.nbformat_minor = max(document.nbformat_minor, notebook.get("nbformat_minor", 4))
    return document


def page_scripts(depth: int) -> str:
    """The site's scripts (vega and the page script) after a page's body, from a page `depth` folders down."""
    up = "../" * depth
    return f'<script src="{up}assets/vega-bundle.js"></script>\n<script src="{up}assets/site.js"></script>\n'


def site_footer(metadata: dict) -> str:
    """The built-in page's citation block (metadata's `citation`: text and BibTeX, when given) and footer as an
    HTML-only block at the end of a Quarto document."""
    cite = ""
    if metadata.get("citation"):
        text, bibtex = metadata["citation"]
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", bibtex)), default=0))
        cite = (f"::: {{.cite #cite}}\n**Cite this page:** [{md_escape(text)}]{{#cite-text}}\n\n"
                f"{fence}{{#cite-bibtex .bibtex}}\n{bibtex}\n{fence}\n:::\n\n")
    return (f'::: {{.content-visible when-format="html"}}\n\n{cite}::: {{.site-footer}}\n{metadata["footer"]}\n'
            ':::\n\n:::\n')


def page_metadata(metadata: dict) -> dict:
    """Front matter of a Quarto page (HTML only) from the built-in route's page metadata (title, subtitle,
    downloads as Quarto's other-links, the site's scripts)."""
    front = {"title": metadata["title"], "subtitle": metadata["subtitle"],
             "other-links": [{"text": d["text"], "href": d["href"]} for d in metadata["downloads"]]}
    # the site's scripts, from the page's folder (Quarto includes the text as written)
    front["format"] = {"html": {"include-after-body": [{"text": page_scripts(metadata["assets"].count(".."))}]}}
    return front


def write_documents(project_dir: Path, pages: dict[str, tuple[dict, nbformat.NotebookNode | str]],
                    typst_metadata: dict[str, dict], assets: Path) -> list[Path]:
    """Write the site's Quarto documents into `project_dir`, replacing those of an earlier render: `pages` by
    their path in the project (index.ipynb, countries/<ISO3>.ipynb, diversification.md) with the built-in route's
    page metadata and their executed notebook or markdown; `typst_metadata` (by path) the PDF's title block and
    footer; `assets` the site's assets (CSS, scripts), copied with the typst template partials. Returns the files
    written."""
    for name in GENERATED:
        target = project_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    written = []
    shutil.copytree(assets, project_dir / "assets")
    for partial in TYPST_PARTIALS:
        shutil.copyfile(template_path(partial), project_dir / "assets" / partial)
    for relative, (metadata, content) in pages.items():
        target = project_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        pdf = relative in typst_metadata
        front = page_metadata(metadata)
        if pdf:
            # the bundled font (Quarto hands typst the path as written, to resolve from wherever it runs)
            fonts = str((project_dir / "assets" / "fonts").resolve())
            front["format"]["typst"] = {**typst_metadata[relative], "font-paths": [fonts]}
        if isinstance(content, str):
            target.write_text(front_matter(front) + "\n" + content + "\n" + site_footer(metadata), encoding="utf-8")
        else:
            document = quarto_notebook(content, front, target.parent / CHARTS, f"{CHARTS}/",
                                       before=metadata.get("before", ""), after=site_footer(metadata))
            nbformat.write(document, target)
        written.append(target)
    return written


_SCRIPT = re.compile(r"<script(?P<attributes>[^>]*)>(?P<body>.*?)</script>", re.S)
_IMPORT = re.compile(r'^import \* as (?P<name>\w+) from "(?P<path>[^"]+)";\n', re.M)
_EXPORT = re.compile(r"^export (?P<kind>function|const|let|class) (?P<name>\w+)", re.M)


def classic_script(module: Path) -> str | None:
    """A JavaScript module of Quarto's (quarto.js) as a classic script: browsers load no module from file://,
    where readers open the site. Each `import * as name from "./file.js"` becomes a constant holding that file's
    exports; None when the module uses any other form of import or export (it is then left as it is)."""
    text = module.read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        imported = (module.parent / match.group("path")).read_text(encoding="utf-8")
        names = [m.group("name") for m in _EXPORT.finditer(imported)]
        body = _EXPORT.sub(lambda m: f"{m.group('kind')} {m.group('name')}", imported)
        if re.search(r"^\s*(import|export)\b", body, re.M):
            raise ValueError(match.group("path"))
        return f"const {match.group('name')} = (() => {{\n{body}\nreturn {{{', '.join(names)}}};\n}})();\n"

    try:
        text = _IMPORT.sub(inline, text)
    except (ValueError, OSError):
        return None
    return None if re.search(r"^\s*(import|export)\b", text, re.M) else text


def classic_modules(output: Path) -> tuple[set[Path], set[Path]]:
    """Quarto's modules in `output`/site_libs made classic scripts, in place (classic_script): the modules
    converted, and those now carried inside them (a page need not load these)."""
    converted: set[Path] = set()
    carried: set[Path] = set()
    for module in sorted((output / "site_libs").rglob("*.js")):
        text = module.read_text(encoding="utf-8")
        made = re.match(re.escape(_CLASSIC_MARK) + r"(.*)\n", text)
        if made:  # converted by an earlier post-render (a preview re-renders some files only)
            converted.add(module.resolve())
            carried.update((module.parent / path).resolve() for path in made.group(1).split())
            continue
        imports = [m.group("path") for m in _IMPORT.finditer(text)]
        if not imports:
            continue
        classic = classic_script(module)
        if classic is not None:
            module.write_text(f"{_CLASSIC_MARK}{' '.join(imports)}\n{classic}", encoding="utf-8")
            converted.add(module.resolve())
            carried.update((module.parent / path).resolve() for path in imports)
    return converted, carried


_CLASSIC_MARK = "// a classic script (defence-briefs' post-render), carrying: "


def _external_scripts(page: str, depth: int, scripts: Path, page_dir: Path,
                      modules: tuple[set[Path], set[Path]]) -> str:
    """`page` with each inline script that runs (not a JSON data block) moved to a file of `scripts` (named by its
    content), so the policy's script-src 'self' allows it; and Quarto's modules loaded as classic scripts
    (`modules`: classic_modules), since no browser loads a module from file://."""
    def move(match: re.Match) -> str:
        attributes, body = match.group("attributes"), match.group("body")
        kind = re.search(r'type="([^"]+)"', attributes)
        if kind and kind.group(1) == "module" and "src=" in attributes:
            module = (page_dir / re.search(r'src="([^"]+)"', attributes).group(1)).resolve()
            if module in modules[1]:
                return ""
            return match.group(0).replace(' type="module"', "", 1) if module in modules[0] else match.group(0)
        if "src=" in attributes or not body.strip() or (kind and "json" in kind.group(1)):
            return match.group(0)
        name = hashlib.sha256(body.encode()).hexdigest()[:16] + ".js"
        scripts.mkdir(parents=True, exist_ok=True)
        (scripts / name).write_text(body, encoding="utf-8")
        return f'<script{attributes} src="{"../" * depth}{INLINE_SCRIPTS}/{name}"></script>'
    return _SCRIPT.sub(move, page)


def finish_page(page: str, depth: int, scripts: Path, page_dir: Path,
                modules: tuple[set[Path], set[Path]] = (set(), set())) -> str:
    """A page Quarto wrote, with the site's policy as the first element of its head, its inline scripts in
    files and its modules as classic scripts (`depth`: folders between the page and the site's root, `page_dir`
    its folder)."""
    if 'http-equiv="Content-Security-Policy"' in page:
        return page  # finished by an earlier post-render (a preview re-renders only the files that changed)
    page, found = re.subn(r"<head[^>]*>", lambda m: f"{m.group(0)}\n{csp_meta()}", page, count=1)
    if not found:
        raise ValueError("the page Quarto wrote has no <head>")
    return _external_scripts(page, depth, scripts, page_dir, modules)


def finish_site(output: Path) -> dict[str, Path]:
    """Finish the site Quarto wrote into `output`, in place: each page's policy and scripts (finish_page), each
    country's PDF copied from countries/ to pdf/ (where the built-in route puts it), no search index. Returns the
    site's files by their path in it (of PDFs, the briefs in pdf/ only: not Quarto's own copies, nor a PDF of
    another page)."""
    scripts, modules = output / INLINE_SCRIPTS, classic_modules(output)
    for path in sorted(output.rglob("*.html")):
        relative = path.relative_to(output)
        if relative.parts[0] == "site_libs":
            continue
        path.write_text(finish_page(path.read_text(encoding="utf-8"), len(relative.parts) - 1, scripts,
                                    path.parent, modules), encoding="utf-8")
    (output / "search.json").unlink(missing_ok=True)  # written even with search off; no page reads it
    for pdf in sorted((output / "countries").glob("*.pdf")):
        # pdf/ holds the site's copy; Quarto's stays where it wrote it, since `quarto preview` watches it there
        (output / "pdf").mkdir(exist_ok=True)
        shutil.copyfile(pdf, output / "pdf" / pdf.name)
    return {str(path.relative_to(output)): path for path in sorted(output.rglob("*"))
            if path.is_file() and (path.suffix != ".pdf" or path.parent == output / "pdf")}
