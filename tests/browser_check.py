"""Open pages of the built site in headless Chromium (Debian's, started here) with the network blocked."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Debian's chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageReport:
    """What a page did when opened from disk."""

    url: str
    charts: int = 0
    drawn: int = 0
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    csp: str = ""
    tables: int = 0
    inspected: object = None  # what `inspect` returned for the page

    @property
    def network_requests(self) -> list[str]:
        """Requests that would leave the machine (anything but the page's own files and inline data)."""
        return [url for url in self.requests if not url.startswith(("file://", "data:", "blob:", "about:"))]


def open_pages(pages: list[Path], screenshot_dir: Path | None = None, inspect=None) -> list[PageReport]:
    """Open each page from file://, wait for its charts, and report what happened: every request (those not for
    the site's own files are aborted), console and page errors, dialogs, the page's Content-Security-Policy, and
    what `inspect(page)` returns once the charts are drawn (e.g. the copy desk's chart boxes)."""
    from playwright.sync_api import sync_playwright

    reports = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, service_workers="block")
        for page_path in pages:
            report = PageReport(page_path.resolve().as_uri())
            page = context.new_page()

            def handle(route, request, report=report):
                report.requests.append(request.url)
                if request.url.startswith("file://"):
                    route.continue_()
                else:
                    report.blocked_requests.append(request.url)
                    route.abort()

            page.route("**/*", handle)
            page.on("console", lambda message, report=report: report.console_errors.append(message.text)
                    if message.type == "error" else None)
            page.on("pageerror", lambda error, report=report: report.page_errors.append(str(error)))
            page.on("request", lambda request, report=report: report.requests.append(request.url)
                    if not request.url.startswith("file://") and request.url not in report.requests else None)
            page.on("dialog", lambda dialog, report=report: (report.dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(report.url, wait_until="load")
            policy = page.locator('meta[http-equiv="Content-Security-Policy"]')
            report.csp = policy.first.get_attribute("content") if policy.count() else ""
            report.charts = page.locator(".vega-chart").count()
            if report.charts:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.vega-chart')].every(e => e.querySelector('svg, canvas'))",
                    timeout=20000)
            report.drawn = page.locator(".vega-chart svg, .vega-chart canvas").count()
            report.tables = page.locator("table").count()
            if inspect is not None:
                report.inspected = inspect(page)
            if screenshot_dir is not None:
                screenshot_dir.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot_dir / f"{page_path.stem}.png"), full_page=True)
            page.close()
            reports.append(report)
        browser.close()
    return reports
