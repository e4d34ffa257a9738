"""The dashboard as a user meets it: a real ``streamlit run`` server and Debian's Chromium, driven by Playwright.

Shared by the browser tests, the screenshot script and the dashboard benchmark. Chromium is the system's
(``apt-get install chromium``), never one Playwright downloads.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from dashboard.app import PAGES
from pipeline.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# URL path of each page -> its title, as dashboard/app.py declares them.
PAGE_TITLES = {path: title for _, title, path, _ in PAGES}
VIEWPORT = {"width": 1400, "height": 1000}
START_TIMEOUT_S = 60.0

# Counts the app's completed script runs (stApp's data-test-script-state turning to notRunning) and when the
# last one started and finished, so that a test can wait for the run an action started rather than guess with a
# sleep, and a benchmark can tell the script's run from the drawing after it.
RUN_COUNTER = """
(() => {
  window.__runs = 0;
  window.__lastRunStart = 0;
  window.__lastRunEnd = 0;
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { requestAnimationFrame(watch); return; }
    let state = app.getAttribute('data-test-script-state');
    new MutationObserver(() => {
      const now = app.getAttribute('data-test-script-state');
      if (now === 'running' && state !== 'running') window.__lastRunStart = performance.now();
      if (now === 'notRunning' && state !== 'notRunning') {
        window.__runs += 1;
        window.__lastRunEnd = performance.now();
      }
      state = now;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  };
  watch();
})();
"""
# Done: at least `runs` runs finished, none running, nothing still loading (a skeleton), every Plotly chart drawn.
SETTLED = """
([runs, DRAWN]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || window.__runs < runs || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')) return false;
  return Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).every(
    chart => chart.querySelector(DRAWN));
}
"""
# A chart is drawn when its SVG holds a trace (bars, lines, boxes, a pie) or a heatmap's image.
DRAWN = ".js-plotly-plot .main-svg g.trace, .js-plotly-plot .main-svg g.hm"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass(frozen=True)
class Served:
    url: str
    process: subprocess.Popen[bytes]


@contextmanager
def serve(data_dir: Path, log: Path, launcher: Sequence[str] = ("-m", "pipeline", "dashboard")) -> Iterator[Served]:
    """``python -m pipeline dashboard`` on a free port over ``data_dir``, stopped afterwards.

    ``launcher`` replaces ``-m pipeline dashboard`` (the benchmark's recording server); it gets the same
    options. Output goes to ``log``.
    """
    port = free_port()
    command = [sys.executable, *launcher, "--data-dir", str(data_dir), "--dashboard-port", str(port)]
    variables = {k: v for k, v in os.environ.items() if not k.startswith("ECOM_")}
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=variables, stdout=output, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(url):
                if server.poll() is not None or time.monotonic() > deadline:
                    msg = f"the dashboard did not start (exit status {server.poll()}); its output:\n{log.read_text()}"
                    raise RuntimeError(msg)
                time.sleep(0.2)
            yield Served(url, server)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        msg = f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium), as .ci/run does"
        raise RuntimeError(msg)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Browser) -> Page:
    page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
    page.add_init_script(RUN_COUNTER)
    return page


def runs(page: Page) -> int:
    return int(page.evaluate("window.__runs || 0"))


def settle(page: Page, after: int = 0, timeout_ms: float = 60_000) -> None:
    """Wait until a run later than the ``after``-th has finished and its charts are drawn."""
    page.wait_for_function(SETTLED, arg=[after + 1, DRAWN], polling="raf", timeout=timeout_ms)


def open_page(page: Page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}/{path}")
    settle(page)


def exceptions(page: Page) -> list[str]:
    return [e.inner_text() for e in page.locator('[data-testid="stException"]').all()]


def metric(page: Page, label: str) -> str:
    """The value of the ``st.metric`` labelled ``label``."""
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def type_date_range(page: Page, start: dt.date, end: dt.date) -> None:
    """Type a range into the sidebar's date input, as a user does; it is taken by :func:`leave_field`.

    The input is two date fields of year, month and day segments; a full segment moves on to the next one.
    """
    box = page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"]')
    for field, day in (("start", start), ("end", end)):
        box.locator(f'[data-range-field="{field}"] [data-type="year"]').click()
        page.keyboard.type(day.strftime("%Y%m%d"))
    typed = start.strftime("%Y%m%d") + end.strftime("%Y%m%d")
    page.wait_for_function(
        "([box, typed]) => document.querySelector(box).innerText.replace(/\\D/g, '') === typed",
        arg=['[data-testid="stSidebar"] [data-testid="stDateInput"] [data-testid="stDateInputField"]', typed],
    )


def leave_field(page: Page) -> None:
    """Click the page's title: a date input takes what was typed when it loses the focus."""
    page.locator('[data-testid="stMain"] h1').first.click()


def set_date_range(page: Page, start: dt.date, end: dt.date) -> None:
    """Type a range into the sidebar's date input and wait for the rerun it starts."""
    type_date_range(page, start, end)
    before = runs(page)
    leave_field(page)
    settle(page, before)


def charts_drawn(page: Page) -> tuple[int, int]:
    """(Plotly charts on the page, those drawn: with a trace or a heatmap in their SVG)."""
    charts = page.locator('[data-testid="stPlotlyChart"]')
    drawn = sum(1 for chart in charts.all() if chart.locator(DRAWN).count())
    return charts.count(), drawn


def screenshot(page: Page, path: Path) -> None:
    """The whole page: the window is made as tall as the page's content (Streamlit scrolls inside stMain)."""
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stSidebarContent'].map("
        'id => document.querySelector(`[data-testid="${id}"]`)?.scrollHeight ?? 0))'
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], int(height))})
    page.wait_for_function(SETTLED, arg=[0, DRAWN], polling="raf")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]


def last_run(page: Page) -> tuple[float, float]:
    """(seconds the last script run took as the browser saw it, seconds since it ended): the run, then drawing."""
    start, end, now = page.evaluate("[window.__lastRunStart, window.__lastRunEnd, performance.now()]")
    return (end - start) / 1000, (now - end) / 1000
