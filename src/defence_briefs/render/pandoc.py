"""pandoc (from pypandoc-binary) and typst (the `typst` package): markdown to an HTML page, to typst, to PDF."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
import threading
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
PANDOC_RUNTIME_OPTIONS = "-H8m"
LOG = logging.getLogger(__name__)


class RenderError(DataError):
    """pandoc or typst failed."""


@cache
def _pandoc_binary() -> str:
    return pypandoc.get_pandoc_path()


def _pandoc(markdown: str, to: str, metadata: dict, extra: list[str]) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as handle:
        json.dump(metadata, handle)
        meta_file = handle.name
    # pandoc is run directly rather than through pypandoc.convert_text, which starts pandoc twice more per call to
    # list its formats. GHCRTS: pandoc's runtime reserves a 64 MB heap by default (-H64m); for pages this size
    # touching it costs more than the conversion (21,000 page faults, 0.08 s, against 7,000 and 0.05 s).
    command = [_pandoc_binary(), f"--from={READER}", f"--to={to}", "--metadata-file", meta_file, "--wrap=none",
               *extra]
    try:
        done = subprocess.run(command, input=markdown.encode("utf-8"), capture_output=True,
                              env={**os.environ, "GHCRTS": PANDOC_RUNTIME_OPTIONS})
    except OSError as exc:
        raise RenderError(f"pandoc could not convert {metadata.get('title', 'a page')} to {to}: {exc}") from None
    finally:
        Path(meta_file).unlink(missing_ok=True)
    if done.returncode != 0:
        raise RenderError(f"pandoc could not convert {metadata.get('title', 'a page')} to {to}: "
                          f"{done.stderr.decode('utf-8', 'replace').strip()}")
    if done.stderr.strip():  # pandoc's warnings (a duplicate identifier...) reach the build's log, as before
        LOG.warning("pandoc, converting %s to %s: %s", metadata.get("title", "a page"), to,
                    done.stderr.decode("utf-8", "replace").strip())
    return done.stdout.decode("utf-8")


def html_page(markdown: str, metadata: dict, toc: bool, toc_depth: int) -> str:
    """A complete HTML page from the site template; `metadata` fills title, navigation, assets path...; a table
    of contents of `toc_depth` levels when `toc`."""
    # a variable, not metadata: metadata is read as markdown, which would curl the policy's quotes
    extra = ["--template", str(template_path("page.html")), "--section-divs", "-V",
             f"csp={CONTENT_SECURITY_POLICY}"]
    if toc:
        extra += ["--toc", f"--toc-depth={toc_depth}"]
    return _pandoc(markdown, "html5", metadata, extra)


def typst_source(markdown: str, metadata: dict, papersize: str, mainfont: str) -> str:
    """Typst source of a PDF brief from the brief template, on `papersize` paper (typst's names: a4,
    us-letter...) in `mainfont`."""
    # variables, not metadata: they are inserted as written, not as typst markup
    return _pandoc(markdown, "typst", metadata, ["--template", str(template_path("brief.typ")),
                                                 "-V", f"papersize={papersize}", "-V", f"mainfont={mainfont}"])


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
    """Compile a typst file (images relative to it) into PDF bytes with the bundled font only, dated
    `timestamp` (seconds since 1970) so that equal inputs give equal bytes."""
    try:
        return _compiler().compile(input=str(source), root=str(source.parent), timestamp=timestamp)
    except Exception as exc:  # typst raises its own error types
        raise RenderError(f"typst could not compile {source}: {exc}") from None
