"""pandoc (from pypandoc-binary) and typst (the `typst` package): markdown to an HTML page, to typst, to PDF."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import tempfile
import threading
import weakref
from collections import Counter
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
PANDOC_RUNTIME_OPTIONS = "-H8m -O16m"
LUA_PAGES = Path(__file__).with_name("pandoc_pages.lua")
# PDF/UA-1: typst declares it in the XMP metadata, asks viewers to show the title, and checks the document for it
PDF_STANDARDS = ["ua-1"]
LOG = logging.getLogger(__name__)
# Formats whose pipe tables are converted once per process (`_split_tables`): a brief's choice set repeats most of its
# 40 KB of tables from one country to the next, and pandoc reads and writes tables at about 1 MB/s.
TABLE_CACHE_FORMATS = ("html5",)
TABLE_CACHE_CHARS = 16_000_000  # the markdown and HTML kept; a build's briefs hold about 2 million distinct characters
# (format, writer options as JSON, table markdown): the table's HTML; the characters held; the lock for both and STATS
_TABLE_HTML: dict[tuple[str, str, str], str] = {}
_TABLE_CHARS = 0
_TABLES_LOCK = threading.Lock()
# pages converted by this process, tables converted and tables reused (what the cut saves, for the profile), and pages
# whose tables were cut where they did not stand alone, read whole again
STATS: Counter[str] = Counter()
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_TABLE_RULE = re.compile(r"\|(\s*:?-+:?\s*\|)+\s*")
# what may read differently within a page: a link, note or span ([), an example (@) and the highlighting styles
# inline code with attributes adds to a page ({)
_TABLE_DEPENDS_ON_PAGE = re.compile(r"[\[@{]")
_CAPTION = re.compile(r" *(:|table:)", re.IGNORECASE)
PANDOC_END_TIMEOUT = 10  # seconds a kept pandoc is given to end when its input closes, before it is killed


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


def _blank(line: str) -> bool:
    """Blank as pandoc reads a line: spaces and tabs only (a no-break space is text)."""
    return not line.strip(" \t\r")


def _closes(line: str, fence: str) -> bool:
    """Whether `line` closes a block opened by `fence`: the same character, at least as many, at most 3 spaces in."""
    closing = _FENCE.match(line)
    return (closing is not None and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence)
            and _blank(line[closing.end():]))


def _split_tables(markdown: str) -> tuple[list[str], list[str]]:
    """`markdown` cut around its pipe tables that pandoc converts the same wherever they stand: the text around them
    (one piece more than tables) and the tables. Such a table is a chunk of lines outside fenced blocks, between blank
    lines or the ends of the text (not just after a fence: pandoc may not read it as one), each line starting with
    `|`, the second a rule (`|:--|--:|`), with no caption beside it (a line of the chunks before or after starting
    with `:` or `Table:`, in any case) and none of `[`, `@`, `{` (a link, note, span, example or attributed code may
    depend on the rest of the text). pandoc_pages.lua checks that each stands as a block of its own in the page, and
    reads the text whole if not (a table row of a multiline table, say)."""
    lines = markdown.split("\n")
    chunks: list[tuple[int, int]] = []  # [start, end) line numbers of the chunks between blank lines, outside fences
    fence, start = None, None
    for number, line in enumerate(lines):
        if fence is not None:
            if _closes(line, fence):
                fence = None
            continue
        opened = _FENCE.match(line)
        if _blank(line) or opened:
            if start is not None:
                chunks.append((start, number))
                start = None
            if opened:
                fence = opened.group(1)
                chunks.append((number, number + 1))  # a fence is no caption, and ends what stood before it
            continue
        if start is None:
            start = number
    if start is not None:
        chunks.append((start, len(lines)))
    pieces, tables, done = [], [], 0
    for index, (first, end) in enumerate(chunks):
        block = lines[first:end]
        if not (len(block) >= 2 and all(line.startswith("|") for line in block) and _TABLE_RULE.fullmatch(block[1])
                and (first == 0 or _blank(lines[first - 1])) and (end == len(lines) or _blank(lines[end]))
                and not any(_TABLE_DEPENDS_ON_PAGE.search(line) for line in block)):
            continue
        beside = [line for other in (index - 1, index + 1) if 0 <= other < len(chunks)
                  for line in lines[chunks[other][0]:chunks[other][1]]]
        if any(_CAPTION.match(line) for line in beside):
            continue
        pieces.append("".join(line + "\n" for line in lines[done:first]))
        tables.append("".join(line + "\n" for line in block))
        done = end
    pieces.append("\n".join(lines[done:]))
    return pieces, tables


def _job_page(page: Page) -> tuple[dict, list[tuple[str, str, str]]]:
    """A page as pandoc_pages.lua reads it, and the keys of the tables left to pandoc to convert (in order): the
    tables converted before come as HTML, in `_TABLE_HTML`."""
    text = _as_read(page.markdown)
    job = {"name": page.name, "markdown": text, "to": page.to, "metadata": json.dumps(page.metadata),
           "variables": page.variables, "options": page.options,
           **({} if page.template is None else {"template": str(page.template)})}
    if page.to not in TABLE_CACHE_FORMATS or page.options.get("html_q_tags"):
        return job, []  # with <q> tags, a page's quotes set its `quotes` variable
    pieces, tables = _split_tables(text)
    if not tables:
        return job, []
    options = json.dumps(page.options, sort_keys=True)
    keys = [(page.to, options, table) for table in tables]
    with _TABLES_LOCK:
        known = [_TABLE_HTML.get(key) for key in keys]
    job["markdown"] = pieces
    job["tables"] = [{"markdown": table} | ({} if html is None else {"html": html}) for table, html in
                     zip(tables, known, strict=True)]
    return job, [key for key, html in zip(keys, known, strict=True) if html is None]


class _PandocProcess:
    """A `pandoc lua pandoc_pages.lua` kept from job to job: a job a line in, its answer a line out. Started in the
    working folder of its first job; its standard error goes to a file."""

    def __init__(self) -> None:
        self.cwd = os.getcwd()
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed when this is collected)
        self.stderr_read = 0
        # GHCRTS: pandoc's runtime reserves a 64 MB heap by default (-H64m); for pages this size touching it costs
        # more than the conversion; a 16 MB old generation spares most full collections (32 MB spares no more CPU
        # and holds 10 MB more)
        # a session of its own: Ctrl-C at a terminal interrupts the build, not a conversion on another thread
        self.process = subprocess.Popen([_pandoc_binary(), "lua", str(LUA_PAGES)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.stderr, start_new_session=True,
                                        env={**os.environ, "GHCRTS": PANDOC_RUNTIME_OPTIONS})
        self.close = weakref.finalize(self, _end_pandoc, self.process)
        _STARTED.add(self)

    def stop(self) -> None:
        """End pandoc now, whatever it is doing (its answer, if any, is not wanted)."""
        self.process.kill()
        self.close()

    def usable(self) -> bool:
        """Running, in the folder the caller is in (pandoc's $curdir$ and relative paths are its own folder)."""
        return self.process.poll() is None and self.cwd == os.getcwd()

    def ask(self, job: bytes) -> bytes:
        """The answer to `job` (a line of JSON). OSError if pandoc ends first."""
        try:
            self.process.stdin.write(job + b"\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except (OSError, ValueError) as exc:  # a closed pipe
            raise OSError(f"pandoc stopped: {exc}") from None
        if not line.endswith(b"\n"):
            raise OSError(f"pandoc stopped (exit status {self.process.wait()})")
        return line

    def new_stderr(self) -> str:
        """What pandoc wrote to standard error since this was last asked."""
        self.stderr.seek(self.stderr_read)
        text = self.stderr.read()
        self.stderr_read += len(text)
        return text.decode("utf-8", "replace").strip()


def _end_pandoc(process: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):  # a job half written to a pandoc that ended
        process.stdin.close()  # pandoc_pages.lua ends with its input
    try:
        process.wait(timeout=PANDOC_END_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stdout.close()


# One process for the build, its threads taking turns: a process kept per thread held 40-50 MB of heap each and ran
# no faster (a brief's two pages take pandoc about 60 CPU-ms, of the 800 a brief costs)
_PANDOC: list[_PandocProcess] = []
_PANDOC_TURN = threading.Lock()
_STARTED: weakref.WeakSet[_PandocProcess] = weakref.WeakSet()  # those kept, and those being ended


def _forget_pandoc_in_child() -> None:
    """A forked process starts its own pandoc: the parent's pipes and locks are not its to use. Its copies of the
    pipes of every pandoc the parent started and has not ended are pointed at /dev/null at once (a thread of the
    parent that was converting or ending one still holds them, and an open copy would keep the parent's pandoc from
    seeing its input end). A fork while another thread is starting a pandoc inherits that one's pipes: the parent then
    waits PANDOC_END_TIMEOUT for it to end, and kills it."""
    global _PANDOC_TURN, _TABLES_LOCK
    null = os.open(os.devnull, os.O_RDWR)
    for process in list(_STARTED):
        process.close.detach()
        for pipe in (process.process.stdin, process.process.stdout):
            with contextlib.suppress(OSError, ValueError):  # one the parent has closed
                os.dup2(null, pipe.fileno())
    os.close(null)
    _STARTED.clear()
    _PANDOC.clear()
    _PANDOC_TURN, _TABLES_LOCK = threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_forget_pandoc_in_child)


def _pandoc_answer(job: dict, names: str) -> tuple[bytes, str]:
    """The answer of the pandoc process to `job` and what it wrote to standard error meanwhile; a process that
    stopped, or whose answer is not read, is replaced at the next job."""
    line = json.dumps(job).encode("utf-8")
    with _PANDOC_TURN:
        if _PANDOC and not _PANDOC[0].usable():
            _PANDOC.pop().close()
        if not _PANDOC:
            try:
                _PANDOC.append(_PandocProcess())
            except OSError as exc:
                raise RenderError(f"pandoc could not convert {names}: {exc}") from None
        process = _PANDOC[0]
        try:
            return process.ask(line), process.new_stderr()
        except BaseException as exc:  # an interrupt too: the answer to this job would be read as the next one's
            _PANDOC.pop().stop()  # all it wrote to standard error is in its file
            if isinstance(exc, OSError):
                raise RenderError(f"pandoc could not convert {names}: {exc} {process.new_stderr()}".strip()
                                  ) from None
            raise


def _keep_tables(tables: dict[tuple[str, str, str], str]) -> None:
    """Keep converted tables for later pages (the caller holds _TABLES_LOCK): all are dropped first when they would
    hold more than TABLE_CACHE_CHARS, and a page's tables that alone would are not kept."""
    global _TABLE_CHARS
    new = {key: html for key, html in tables.items() if key not in _TABLE_HTML}  # another thread's may be kept
    if _TABLE_CHARS + _chars(new) > TABLE_CACHE_CHARS:
        _forget_tables()
        new = tables if _chars(tables) <= TABLE_CACHE_CHARS else {}
    _TABLE_HTML.update(new)
    _TABLE_CHARS += _chars(new)


def _chars(tables: dict[tuple[str, str, str], str]) -> int:
    """The characters a cache of `tables` holds: each table's markdown and HTML."""
    return sum(len(key[2]) + len(html) for key, html in tables.items())


def _forget_tables() -> None:
    """Drop the tables kept."""
    global _TABLE_CHARS
    _TABLE_HTML.clear()
    _TABLE_CHARS = 0


def convert(*pages: Page) -> list[str]:
    """The pages converted by the build's pandoc process (pandoc_pages.lua), each as `pandoc --from=READER
    --to=... --wrap=none` with its metadata file, template and variables would convert it from standard input;
    pandoc's warnings are logged with the page's name. Raises RenderError naming the page that fails."""
    if not pages:
        return []
    jobs = [_job_page(page) for page in pages]
    job = {"reader": READER, "abbreviations": _abbreviations(), "pages": [page for page, _ in jobs]}
    names = ", ".join(f"{page.name} to {page.to}" for page in pages)
    line, stderr = _pandoc_answer(job, names)
    try:
        answer = json.loads(line)
        if "failed" not in answer and len(answer["pages"]) != len(pages):
            raise ValueError(f"{len(answer['pages'])} pages back for {len(pages)}")
    except (ValueError, KeyError, TypeError) as exc:
        raise RenderError(f"pandoc gave no readable answer converting {names} ({exc}): {line[:200]!r} {stderr}"
                          ) from None
    if "failed" in answer:
        page = pages[answer["failed"] - 1]
        raise RenderError(f"pandoc could not convert {page.name} to {page.to}: {answer['error']}")
    for page, (page_job, pending), converted in zip(pages, jobs, answer["pages"], strict=True):
        for warning in converted["warnings"] or ():  # a duplicate identifier...: to the build's log, as before
            LOG.warning("pandoc, converting %s to %s: %s", page.name, page.to, warning)
        with _TABLES_LOCK:
            _keep_tables(dict(zip(pending, converted.get("tables") or (), strict=True)))
            STATS.update(pages=1, tables_converted=len(pending),
                         tables_reused=len(page_job.get("tables", ())) - len(pending),
                         pages_read_whole=bool(converted.get("read_whole")))
    # anything pandoc writes to standard error while it converts (a message of its runtime) is logged as it comes;
    # its warnings are logged above, page by page (it repeats them there when it ends)
    for line_of_stderr in stderr.splitlines():
        LOG.warning("pandoc, converting %s: %s", names, line_of_stderr)
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
