"""What Chromium spends on a dashboard page, by how the page is reached: the figures of decision 0067.

    python -m benchmarks.browser_tabs [--rounds 2] [--output docs/benchmarks/browser-tabs.json]

A scale-1 run (built here, in a temporary directory) is served by ``python -m pipeline dashboard``; Debian's
Chromium opens the Overview, then the five other pages one way, in turn and ``--rounds`` times each:

- ``new tab``: each page in a tab of its own (what the browser tests did before decision 0067's shared tab);
- ``open tab``: each page loaded by its URL in the tab already open (what they do now: a new document and a new
  Streamlit session);
- ``sidebar``: each page reached from the sidebar's link (a rerun of the open session).

For each, the CPU time the whole machine spent (``/proc/stat``: Chromium, the server and this driver) while the
five pages loaded and drew their charts. Writes the raw results as JSON and a Markdown page beside it, rendered
from that JSON alone (``--render PATH.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from benchmarks.environment import machine
from benchmarks.pages import add_page_options, heading, publish, render_again, versions_text
from benchmarks.suite_times import busy_cpu_seconds, cpu_probe_seconds
from pipeline.cli import main as pipeline_main
from pipeline.manifest import versions
from pipeline.settings import PROJECT_ROOT
from tools import browser

OUTPUT = PROJECT_ROOT / "docs" / "benchmarks" / "browser-tabs.json"
PAGES = list(browser.PAGE_TITLES.items())[1:]  # every page but the Overview, where each way starts


def _new_tab(chromium: Browser, page: Page, url: str, path: str, title: str) -> Page:
    page.close()
    opened = browser.new_page(chromium)
    browser.open_page(opened, url, path)
    return opened


def _open_tab(chromium: Browser, page: Page, url: str, path: str, title: str) -> Page:
    browser.open_page(page, url, path)
    return page


def _sidebar(chromium: Browser, page: Page, url: str, path: str, title: str) -> Page:
    before = browser.runs(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    browser.settle(page, before)
    return page


WAYS: dict[str, Callable[[Browser, Page, str, str, str], Page]] = {
    "new tab": _new_tab,
    "open tab": _open_tab,
    "sidebar": _sidebar,
}


def five_pages(chromium: Browser, url: str, way: str) -> dict[str, float]:
    """The machine's busy CPU seconds and the wall seconds while the five pages are reached ``way``."""
    page = browser.new_page(chromium)
    browser.open_page(page, url, "")
    busy, started = busy_cpu_seconds(), time.perf_counter()
    for path, title in PAGES:
        page = WAYS[way](chromium, page, url, path, title)
        assert page.locator('[data-testid="stMain"] h1').first.inner_text() == title, (way, title)
        charts, drawn = browser.charts_drawn(page)
        assert charts == drawn > 0, (way, title, charts, drawn)
    measured = {"cpu_busy_s": round(busy_cpu_seconds() - busy, 2), "wall_s": round(time.perf_counter() - started, 2)}
    page.close()
    return measured


def render(results: dict[str, Any], source: str) -> str:
    lines = [
        *heading("a dashboard page in Chromium, by how it is reached", "browser_tabs", source),
        f"Measured {results['measured_at']} on {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"over a scale-1 run: the five pages after the Overview, each way in turn, {results['rounds']} times. "
        "Busy CPU: the whole machine's (Chromium, the dashboard's server and the driver), from /proc/stat. CPU "
        "probe before each round (suite_times'): the lower, the faster the machine was.",
        "",
        "| way | busy CPU s for five pages, each round | per page (median) | wall s, each round |",
        "|---|---|---:|---|",
    ]
    for way in WAYS:
        runs = [run for run in results["runs"] if run["way"] == way]
        cpu = [run["cpu_busy_s"] for run in runs]
        walls = ", ".join(f"{run['wall_s']:.1f}" for run in runs)
        lines.append(
            f"| {way} | {', '.join(f'{c:.1f}' for c in cpu)} | {statistics.median(cpu) / len(PAGES):.2f} | {walls} |"
        )
    lines += ["", f"CPU probe s, each round: {', '.join(f'{p:.2f}' for p in results['cpu_probe_s'])}."]
    lines += ["", f"Versions: {versions_text(results['versions'])}; Chromium `{results['chromium']}`."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times each way is measured (default 2)")
    add_page_options(parser, OUTPUT)
    args = parser.parse_args(argv)
    if args.render:
        render_again(args.render, render)
        return 0
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, not {args.rounds}")
    results: dict[str, Any] = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "rounds": args.rounds,
        "runs": [],
        "cpu_probe_s": [],
    }
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        if pipeline_main(["run", "--data-dir", str(data_dir), "--no-profile", "--workers", "1"]) != 0:
            parser.error("the scale-1 run failed")
        with browser.serve(data_dir, Path(scratch) / "server.log") as served, browser.chromium() as chromium:
            results["chromium"] = chromium.version
            five_pages(chromium, served.url, "open tab")  # warm-up: the server's first views, not measured
            for _ in range(args.rounds):
                results["cpu_probe_s"].append(cpu_probe_seconds())
                for way in WAYS:
                    results["runs"].append({"way": way, **five_pages(chromium, served.url, way)})
    print(publish(args.output, results, render))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
