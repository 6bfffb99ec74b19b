"""pandoc (from pypandoc-binary) and typst (the `typst` package): markdown to an HTML page, to typst, to PDF."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pypandoc
import typst

from ..briefs.fonts import FONT_DIR
from ..errors import DataError
from . import template_path
from .policy import CONTENT_SECURITY_POLICY

# Raw HTML in the text is not passed through: source strings stay text. Format-specific blocks are
# written as ```{=html} / ```{=typst} fences (raw_attribute), which only the matching writer keeps.
READER = ("markdown-raw_html-raw_tex-tex_math_dollars-tex_math_single_backslash"
          "+raw_attribute+fenced_divs+bracketed_spans+pipe_tables")
PANDOC_RUNTIME_OPTIONS = "-H8m -O32m"
LUA_PAGES = Path(__file__).with_name("pandoc_pages.lua")
# PDF/UA-1: typst declares it in the XMP metadata, asks viewers to show the title, and checks the document for it
PDF_STANDARDS = ["ua-1"]
LOG = logging.getLogger(__name__)


class RenderError(DataError):
    """pandoc or typst failed."""


@dataclass(frozen=True)
class Page:
    """One conversion of pandoc markdown (READER) to `to`: a complete page from `template` (None: a fragment),
    with `metadata` (read as markdown, as a metadata file is), template `variables` (inserted as written) and
    pandoc writer `options` (toc, section_divs...). `name` names the page in errors and warnings."""

    name: str
    markdown: str
    to: str
    metadata: dict
    template: Path | None = None
    variables: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)


@cache
def _pandoc_binary() -> str:
    return pypandoc.get_pandoc_path()


@cache
def _abbreviations() -> list[str]:
    """The abbreviations the command line reads (the user data directory's file, else pandoc's own)."""
    binary = _pandoc_binary()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    folder = re.search(r"^User data directory: (.+)$", version, re.MULTILINE)
    own = Path(folder.group(1)) / "abbreviations" if folder else None
    if own is not None and own.is_file():
        text = own.read_text(encoding="utf-8")
    else:
        text = subprocess.run([binary, "--print-default-data-file", "abbreviations"], capture_output=True, text=True,
                              check=True).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]


def _as_read(markdown: str, tab_stop: int = 4) -> str:
    """The text as pandoc's command line reads it from a file: tabs expanded to `tab_stop`, every line ended by a
    newline."""
    lines = markdown.split("\n")
    if lines[-1] == "":
        lines.pop()
    return "".join(line.expandtabs(tab_stop) + "\n" for line in lines)


def convert(*pages: Page) -> list[str]:
    """The pages converted in one pandoc process (pandoc_pages.lua), each as `pandoc --from=READER --to=... --wrap=none`
    with its metadata file, template and variables would convert it from standard input; pandoc's warnings are
    logged with the page's name. Raises RenderError naming the page that fails."""
    if not pages:
        return []
    job = {"reader": READER, "abbreviations": _abbreviations(), "pages": [
        {"name": page.name, "markdown": _as_read(page.markdown), "to": page.to, "metadata": json.dumps(page.metadata),
         "variables": page.variables, "options": page.options,
         **({} if page.template is None else {"template": str(page.template)})} for page in pages]}
    names = ", ".join(f"{page.name} to {page.to}" for page in pages)
    # one process for a brief's two pages: each pandoc start and first full garbage collection costs about 25 ms.
    # GHCRTS: pandoc's runtime reserves a 64 MB heap by default (-H64m); for pages this size touching it costs more than
    # the conversion; a 32 MB old generation spares a full collection
    command = [_pandoc_binary(), "lua", str(LUA_PAGES)]
    try:
        done = subprocess.run(command, input=json.dumps(job).encode("utf-8"), capture_output=True,
                              env={**os.environ, "GHCRTS": PANDOC_RUNTIME_OPTIONS})
    except OSError as exc:
        raise RenderError(f"pandoc could not convert {names}: {exc}") from None
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise RenderError(f"pandoc could not convert {names}: {stderr}")
    try:
        answer = json.loads(done.stdout)
        if "failed" not in answer and len(answer["pages"]) != len(pages):
            raise ValueError(f"{len(answer['pages'])} pages back for {len(pages)}")
    except (ValueError, KeyError, TypeError) as exc:
        raise RenderError(f"pandoc gave no readable answer converting {names} ({exc}): "
                          f"{done.stdout[:200]!r} {stderr}") from None
    if "failed" in answer:
        page = pages[answer["failed"] - 1]
        raise RenderError(f"pandoc could not convert {page.name} to {page.to}: {answer['error']}")
    for page, converted in zip(pages, answer["pages"], strict=True):
        for warning in converted["warnings"] or ():  # a duplicate identifier...: to the build's log, as before
            LOG.warning("pandoc, converting %s to %s: %s", page.name, page.to, warning)
    # pandoc repeats its warnings on standard error when it ends (logged above, page by page); anything else there
    # (a message of its runtime) is logged as it comes
    repeated = False
    for line in stderr.splitlines():
        repeated = line.startswith("[WARNING]") or (repeated and line[:1].isspace())
        if not repeated:
            LOG.warning("pandoc, converting %s: %s", names, line)
    return [converted["output"] for converted in answer["pages"]]


def html_page(name: str, markdown: str, metadata: dict, toc: bool, toc_depth: int,
              variables: dict[str, str] | None = None) -> Page:
    """A complete HTML page from the site template; `metadata` fills title, navigation, assets path...; a table
    of contents of `toc_depth` levels when `toc`; `variables` are inserted as written (HTML)."""
    # a variable, not metadata: metadata is read as markdown, which would curl the policy's quotes
    options = {"section_divs": True}
    if toc:
        options |= {"table_of_contents": True, "toc_depth": toc_depth}
    return Page(name, markdown, "html5", metadata, template_path("page.html"),
                {"csp": CONTENT_SECURITY_POLICY, **(variables or {})}, options)


def typst_page(name: str, markdown: str, metadata: dict, papersize: str, mainfont: str) -> Page:
    """Typst source of a PDF brief from the brief template, on `papersize` paper (typst's names: a4,
    us-letter...) in `mainfont`."""
    # variables, not metadata: they are inserted as written, not as typst markup
    return Page(name, markdown, "typst", metadata, template_path("brief.typ"),
                {"papersize": papersize, "mainfont": mainfont})


_COMPILERS = threading.local()


def _compiler() -> typst.Compiler:
    """This thread's typst compiler: made once, it keeps the fonts it has read (a compiler is not shared between
    threads)."""
    compiler = getattr(_COMPILERS, "compiler", None)
    if compiler is None:
        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[str(FONT_DIR)])
        compiler = _COMPILERS.compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
    return compiler


def compile_pdf(source: Path, timestamp: int) -> bytes:
    """Compile a typst file (images relative to it) into a tagged PDF/UA-1 PDF with the bundled font only, dated
    `timestamp` (seconds since 1970) so that equal inputs give equal bytes. Typst refuses a source that breaks
    PDF/UA-1 (no title, an image without alternative text...): a RenderError."""
    try:
        return _compiler().compile(input=str(source), root=str(source.parent), timestamp=timestamp,
                                   pdf_standards=PDF_STANDARDS)
    except Exception as exc:  # typst raises its own error types
        raise RenderError(f"typst could not compile {source}: {exc}") from None
