"""The dashboard as a user meets it: ``python -m pipeline dashboard`` on a free port, Debian's Chromium driving it.

Every page loads without an exception and draws every one of its Plotly charts, and so does every section of a
page shown one section at a time; the sidebar's date range, typed as a user types it, changes the Overview's Orders
to the count sqlite3 finds. A screenshot of each page goes to ``$DASHBOARD_SCREENSHOTS`` (CI keeps that directory)
or to the test's temporary directory. Over a scale-1000 build (built here, about a minute and 2 GB, deleted
after), no metric's value is cut short. The tests share one Chromium tab, each loading its page anew by its URL.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from dashboard.app import PAGES
from tests.support.cli import run_pipeline
from tests.support.dashboard import CHARTS, SECTIONS, compact
from tests.support.sqlite import one
from tools import browser

FILES = {path: name for name, _, path, _ in PAGES}


@pytest.fixture(scope="module")
def server(scale1: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with browser.serve(scale1, tmp_path_factory.mktemp("dashboard") / "server.log") as served:
        yield served.url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser.chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def tab(chromium: Browser) -> Iterator[Page]:
    opened = browser.new_page(chromium)
    yield opened
    opened.close()


@pytest.fixture
def page(tab: Page) -> Iterator[Page]:
    """The module's one tab: each test loads its page anew in it (a new document and a new Streamlit session, as a
    link opened from outside the app gives). A new tab costs Chromium three times what loading a page in an open
    one does, since it starts a renderer process (decision 0067)."""
    yield tab
    tab.set_viewport_size(browser.VIEWPORT)  # type: ignore[arg-type]  # as a test that failed mid-screenshot left it


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("DASHBOARD_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("path", list(browser.PAGE_TITLES))
def test_every_page_loads_and_draws_its_charts(server: str, page: Page, screenshots: Path, path: str) -> None:
    """A page that shows one section at a time then has its sections picked one after another, as a user goes
    through them, and the first again (a page opened anew costs Chromium many times what a section's rerun does:
    decision 0067)."""
    browser.open_page(page, server, path)
    assert browser.exceptions(page) == []
    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == browser.PAGE_TITLES[path]
    charts, drawn = browser.charts_drawn(page)
    assert (charts, drawn) == (CHARTS[FILES[path]], CHARTS[FILES[path]])
    shot = screenshots / f"{path or 'overview'}.png"
    browser.screenshot(page, shot)
    assert shot.stat().st_size > 10_000
    if FILES[path] not in SECTIONS:
        return
    first, *others = SECTIONS[FILES[path]][1]
    shown = []
    picker = page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"]')
    for section in [*others, first]:
        before = browser.runs(page)
        picker.get_by_text(section, exact=True).click()
        browser.settle(page, before)
        shown.append((section, browser.exceptions(page), browser.charts_drawn(page)))
    assert shown == [(section, [], (1, 1)) for section in [*others, first]]


def test_the_sidebar_date_range_changes_the_orders_metric(server: str, page: Page, db: sqlite3.Connection) -> None:
    browser.open_page(page, server, "")
    assert browser.metric(page, "Orders") == "4,000"
    start, end = dt.date(2024, 11, 15), dt.date(2025, 2, 14)
    browser.set_date_range(page, start, end)
    (orders,) = one(db, "SELECT count(*) FROM orders WHERE order_date BETWEEN ? AND ?", str(start), str(end))
    assert browser.metric(page, "Orders") == f"{orders:,}"
    assert browser.exceptions(page) == []
    # The range stays with the session when the user moves to another page.
    before = browser.runs(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Orders").click()
    browser.settle(page, before)
    assert page.get_by_text("2024-11-15 to 2025-02-14 (92 days)").count() == 1


# The text of each metric value wider than its box: Streamlit cuts it with an ellipsis.
CUT_SHORT = """() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]'))
  .filter(value => [value, ...value.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth))
  .map(value => value.innerText)"""


@pytest.fixture(scope="module")
def scale1000(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Two workers, as `just run` has here: the same data for less CPU than one worker's in-process generation.
    data_dir = run_pipeline(tmp_path_factory.mktemp("scale1000"), "--scale", "1000", "--workers", "2")
    yield data_dir
    shutil.rmtree(data_dir)


def test_no_metric_is_cut_short_at_scale_1000(scale1000: Path, page: Page, tmp_path: Path) -> None:
    with closing(sqlite3.connect(f"file:{scale1000 / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
        orders, cents = one(db, "SELECT count(*), CAST(sum(round(total_amount * 100)) AS INTEGER) FROM orders")
    assert isinstance(orders, int)
    assert isinstance(cents, int)
    with browser.serve(scale1000, tmp_path / "server.log") as served:
        browser.open_page(page, served.url, "quality")
        assert browser.exceptions(page) == []
        assert page.evaluate(CUT_SHORT) == [], "/quality"
        browser.open_page(page, served.url, "")
        assert browser.exceptions(page) == []
        assert page.evaluate(CUT_SHORT) == [], "/"
        assert (browser.metric(page, "Revenue"), browser.metric(page, "Orders")) == (
            compact(cents, 100, "$"),
            compact(orders),
        )
        # The check sees a cut: the exact figure, as the card showed it before, does not fit.
        page.locator('[data-testid="stMetricValue"]').first.evaluate(
            f"value => value.querySelector('*:not(:has(*))').textContent = '${cents // 100:,}.{cents % 100:02d}'"
        )
        assert page.evaluate(CUT_SHORT) == [f"${cents // 100:,}.{cents % 100:02d}"]
