"""What a release's site is built from, page by page, and which pages are out of date.

Each page has a fingerprint of its inputs. A country's notebook run: the notebook, the code the run imports (the
notebook's imports and the kernel runner, with every module they import), the parameters, and the part of the
data its brief shows. Its HTML page and PDF: the executed notebook, the render code (every module the render
stage imports), `_quarto.yml`, the route and the one template of that format. So a change to any module a
notebook imports re-runs the briefs, and a change to a template only re-renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..briefs.context import ReleaseData, resolve_country
from ..execute.kernels import COUNTRY_NOTEBOOK, NOTEBOOKS, OVERVIEW_NOTEBOOK, WARM_MODULES
from ..fingerprint import bytes_digest, code_digest, digest, file_digest, notebook_imports
from ..manifest import DataRelease, Manifest
from ..metrics.stage import DATA_FILES, metrics_dir
from ..project import Project
from ..render import template_path
from .staging import published_state, published_tree

FORMATS = ("html", "pdf")
METHODOLOGY = "methodology.md"
TEMPLATES = ("page.html", "brief.typ", "typst-template.typ", "site.css", "site.js", "compare.js")
TEMPLATE_OF = {"html": ("page.html",), "pdf": ("brief.typ", "typst-template.typ")}  # brief.typ includes the partial
# the code that runs a notebook besides what the notebook itself imports: the runner and the kernel's warm-up
RUNNER = ("defence_briefs.execute.kernels", "defence_briefs.execute.jobs", *WARM_MODULES)
RENDERER = ("defence_briefs.render.stage", "defence_briefs.briefs.compare")  # compare: built by the site step


def template_digests() -> dict[str, str]:
    """sha256 of each template the site is rendered with (render.template_path)."""
    return {name: file_digest(template_path(name)) for name in TEMPLATES}


def notebook_code(notebook: Path, package_dir: Path | None = None) -> str:
    """Fingerprint of the code a run of `notebook` executes: its imports and the runner, transitively (modules
    read from `package_dir`, default: the installed package)."""
    if not notebook.is_file():
        return "missing"
    return code_digest(tuple(sorted({*notebook_imports(notebook), *RUNNER})), package_dir)


def build_dir(project: Project, release: str) -> Path:
    return project.root / "_build" / release


def covered_countries(data: ReleaseData) -> list[str]:
    """The European countries with any figure in the release (the default set of briefs)."""
    present = set(data.metrics["country"])
    return [code for code in data.european_countries() if code in present]


def select_countries(data: ReleaseData, requested: list[str] | None) -> list[str]:
    """Requested countries (codes or names, validated), or every covered country."""
    if not requested:
        return covered_countries(data)
    chosen: list[str] = []
    for item in requested:
        code = resolve_country(data, item)
        if code not in chosen:
            chosen.append(code)
    return chosen


@dataclass(frozen=True)
class SiteSources:
    """Digests of the project files and code a release's site is built from (not the data)."""

    country_notebook: str
    overview_notebook: str
    country_code: str
    overview_code: str
    config: str
    methodology: str
    render_code: str
    templates: dict[str, str]

    @classmethod
    def of(cls, root: Path) -> SiteSources:
        country, overview = root / NOTEBOOKS / COUNTRY_NOTEBOOK, root / NOTEBOOKS / OVERVIEW_NOTEBOOK
        return cls(file_digest(country), file_digest(overview), notebook_code(country), notebook_code(overview),
                   file_digest(root / "_quarto.yml"), file_digest(root / METHODOLOGY), code_digest(RENDERER),
                   template_digests())


def quick_key(project: Project, manifest: Manifest, release: DataRelease, requested: list[str] | None,
              formats: tuple[str, ...], route: str) -> str:
    """Fingerprint of everything a release's site is built from, cheap to compute (file digests only): when it
    equals the one recorded by the last complete build, and every page is there, nothing needs doing."""
    names = [r.name for r in manifest.releases]
    position = names.index(release.name)
    releases = [release.name] + ([names[position - 1]] if position else [])
    data_files = {f"{name}/{file}": file_digest(metrics_dir(project, name) / file)
                  for name in releases for file in DATA_FILES}
    return digest("site", release, manifest.releases[position - 1] if position else None, data_files,
                  SiteSources.of(project.root), sorted(requested or []), formats, route)


def site_is_current(project: Project, manifest: Manifest, release: DataRelease, requested: list[str] | None,
                    formats: tuple[str, ...], route: str) -> bool:
    """True when the published site of `release` was built, completely, from exactly these inputs."""
    tree = published_tree(project, release.name)
    state = published_state(project, release.name)
    if tree is None or state.get("quick_key") != quick_key(project, manifest, release, requested, formats, route):
        return False
    return all((tree / relative).is_file() for relative in state.get("files", []))


class Planner:
    """Fingerprints of each page of a release's site; see the module docstring for what each covers."""

    def __init__(self, project: Project, data: ReleaseData, formats: tuple[str, ...], route: str):
        self.project = project
        self.data = data
        self.formats = formats
        self.sources = SiteSources.of(project.root)
        self.route = route
        release = data.release
        self.release = (release.name, release.title, release.date.isoformat(), release.last_data_year)

    def execute_key(self, country: str) -> str:
        return digest("execute", country, self.release, self.sources.country_notebook, self.sources.country_code,
                      self.data.brief_fingerprint(country))

    def render_key(self, fmt: str, executed: bytes) -> str:
        """HTML pages depend on page.html, PDFs on brief.typ; both on the executed notebook and render code."""
        return digest("render", fmt, self.route, bytes_digest(executed), self.release, self.sources.config,
                      self.sources.render_code, *(self.sources.templates[name] for name in TEMPLATE_OF[fmt]))

    def overview_execute_key(self) -> str:
        return digest("overview", self.release, self.sources.overview_notebook, self.sources.overview_code,
                      self.data.fingerprint())

    def index_key(self, overview: bytes, stale: list[tuple[str, str]]) -> str:
        return digest("index", bytes_digest(overview), stale, self.route, self.release, self.sources.config,
                      self.sources.render_code, self.sources.templates["page.html"])

    def methodology_key(self) -> str:
        return digest("methodology", self.release, self.sources.methodology, self.sources.config,
                      self.sources.render_code, self.sources.templates["page.html"])

    def diversification_key(self) -> str:
        """The Europe page on buying less from the US: every figure of the release, render code, page template."""
        return digest("diversification", self.release, self.data.fingerprint(), self.sources.config,
                      self.sources.render_code, self.sources.templates["page.html"])

    def release_history_key(self) -> str:
        """changes.html: every figure of the release and of the previous one, render code, page template."""
        return digest("changes", self.release, self.data.fingerprint(), self.sources.config,
                      self.sources.render_code, self.sources.templates["page.html"])

    def compare_key(self, briefs: list[str]) -> str:
        """The compare page and data/compare.json: every figure of the release, the briefs it links to, render
        code, page template and compare.js."""
        return digest("compare", self.release, self.data.fingerprint(), briefs, self.sources.config,
                      self.sources.render_code, self.sources.templates["page.html"],
                      self.sources.templates["compare.js"])

    def assets_key(self) -> str:
        return digest("assets", self.sources.render_code, self.sources.templates["site.css"],
                      self.sources.templates["site.js"], self.sources.templates["compare.js"])


def stale_briefs(tree: Path, pages: dict, execute_keys: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The covered countries (keys of `execute_keys`) whose brief in `tree` is not current, with a kind
    ('missing', 'failed' or 'inputs') and the reason shown to readers."""
    stale = {}
    for country, key in execute_keys.items():
        page = pages.get(country)
        if page is None or not (tree / "notebooks" / f"{country}.ipynb").is_file():
            stale[country] = ("missing", "no brief built yet")
        elif page.get("status") == "failed":
            stale[country] = ("failed", f"the last build failed ({page.get('error', '').splitlines()[0]}); "
                                        "the brief shown is the last one that built")
        elif page.get("execute") != key:
            stale[country] = ("inputs", "built from older inputs; run the build for it")
    return stale
