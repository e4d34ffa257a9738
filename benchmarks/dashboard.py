"""How fast each dashboard page renders in a real browser, and what it asks the warehouse (not part of the tests).

    python -m pipeline run --scale 1000 --no-profile --data-dir /tmp/ecom-1000     # once: ~90 s, ~2 GB
    python -m benchmarks.dashboard --data-dir /tmp/ecom-1000 [--rounds 3]           # or `just bench-dashboard`

For every page and round, a fresh server (the recording server of tests/dashboard/recorder.py, its modules
imported before it serves, its caches empty) and Debian's Chromium through Playwright measure, from the action to
the end of the script run with every chart drawn:

- first render: the page opened (caches empty: every read goes to the warehouse);
- new session: the page reloaded (a new session; the results are cached);
- filter change: the sidebar's date range set to the last 92 days (the reads of the range are not cached);
- cached rerender: back to the whole window (every result cached).

Also measured in the same run: the first page view after ``python -m pipeline dashboard`` starts (imports
included), and the floor of Streamlit and the browser: the same server with no warehouse (the empty state).
Every statement a page sent is recorded with its rows and time, and SQLite's plan of it (EXPLAIN QUERY PLAN) says
how it read the tables. Results: docs/benchmarks_dashboard.md (carried into docs/benchmarks.md by
``benchmarks.scale_sweep``) and the raw docs/benchmarks_dashboard.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from importlib.metadata import version
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from benchmarks.environment import machine
from pipeline.settings import PROJECT_ROOT
from tests.dashboard import browser, recorder

DOCS = PROJECT_ROOT / "docs"
STEPS = ("first render", "new session", "filter change", "cached rerender")
TARGETS = {"first render": 2.0, "new session": 2.0, "filter change": 0.5, "cached rerender": 0.5}
FILTER_DAYS = 92
PACKAGES = ("streamlit", "plotly", "duckdb", "polars", "playwright")


def _timed(page: Page, action: Callable[[], None]) -> float:
    before = browser.runs(page)
    started = time.perf_counter()
    action()
    browser.settle(page, before)
    return time.perf_counter() - started


def _window(data_dir: Path) -> tuple[dt.date, dt.date]:
    with closing(sqlite3.connect(f"file:{data_dir / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
        first, last = db.execute("SELECT min(period_start), max(period_start) FROM mart_revenue_daily").fetchone()
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)


def _statements(log: Path, seen: int) -> tuple[list[recorder.Statement], int]:
    statements = recorder.read_log(log) if log.exists() else []
    return statements[seen:], len(statements)


def measure_page(
    chromium: Browser, data_dir: Path, work: Path, path: str, window: tuple[dt.date, dt.date]
) -> dict[str, Any]:
    """One round of one page on a fresh recording server: the four steps, with the statements of each."""
    log = work / f"statements-{path or 'overview'}.jsonl"
    log.unlink(missing_ok=True)
    launcher = ("-m", "tests.dashboard.recorder", str(log), "--preload")
    start = max(window[0], window[1] - dt.timedelta(days=FILTER_DAYS - 1))
    result: dict[str, Any] = {"load_before": os.getloadavg()[0]}
    with browser.serve(data_dir, work / "server.log", launcher=launcher) as url:
        page = browser.new_page(chromium)
        whole_window = page.locator('[data-testid="stSidebar"] button', has_text="Whole window")
        seen = 0
        for step in STEPS:
            if step == "first render":
                seconds = _timed(page, lambda: page.goto(f"{url}/{path}"))
            elif step == "new session":
                seconds = _reload(page)
            elif step == "filter change":
                browser.type_date_range(page, start, window[1])
                seconds = _timed(page, lambda: browser.leave_field(page))
            else:
                seconds = _timed(page, whole_window.click)
            assert not browser.exceptions(page), browser.exceptions(page)
            statements, seen = _statements(log, seen)
            result[step] = {"seconds": round(seconds, 3), "statements": statements}
        page.close()
    result["load_after"] = os.getloadavg()[0]
    return result


def _reload(page: Page) -> float:
    """A reload starts a new document and a new session: its count of runs starts again from zero."""
    started = time.perf_counter()
    page.reload()
    browser.settle(page, 0)
    return time.perf_counter() - started


def measure_once(chromium: Browser, data_dir: Path, work: Path) -> float:
    """The Overview opened once on a server just started with ``python -m pipeline dashboard``."""
    with browser.serve(data_dir, work / "server.log") as url:
        page = browser.new_page(chromium)
        seconds = _timed(page, lambda: page.goto(f"{url}/"))
        page.close()
    return seconds


def run(data_dir: Path, rounds: int) -> dict[str, Any]:
    window = _window(data_dir)
    pages: dict[str, list[dict[str, Any]]] = {path: [] for path in browser.PAGES}
    with tempfile.TemporaryDirectory() as scratch, browser.chromium() as chromium:
        work = Path(scratch)
        empty = work / "empty"
        empty.mkdir()
        measure_once(chromium, empty, work)  # the browser's cache now holds Streamlit's scripts
        cold = measure_once(chromium, data_dir, work)
        floor = statistics.median(measure_once(chromium, empty, work) for _ in range(rounds))
        for _ in range(rounds):
            for path in pages:
                pages[path].append(measure_page(chromium, data_dir, work, path, window))
        chromium_version = chromium.version
    with closing(sqlite3.connect(f"file:{data_dir / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
        rows = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("orders", "order_items")}
        for measured in pages.values():
            for one_round in measured:
                for step in STEPS:
                    one_round[step]["statements"] = recorder.summary(db, one_round[step]["statements"])
    return {
        "run": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.dashboard " + " ".join(sys.argv[1:]),
        "data_dir": str(data_dir),
        "rows": rows,
        "window": [d.isoformat() for d in window],
        "filter_days": FILTER_DAYS,
        "rounds": rounds,
        "machine": machine(),
        "versions": {p: version(p) for p in PACKAGES}
        | {"chromium": chromium_version, "sqlite": sqlite3.sqlite_version},
        "cold_start_overview_s": round(cold, 3),
        "empty_state_floor_s": round(floor, 3),
        "pages": pages,
    }


def _median(measured: list[dict[str, Any]], step: str) -> float:
    return statistics.median(r[step]["seconds"] for r in measured)


def _work(statements: dict[str, Any]) -> str:
    kinds = Counter(read.split(":")[0] for s in statements["statements"] for read in s["reads"])
    rows = sum(s["rows"] or 0 for s in statements["statements"])
    ms = sum(s["ms"] for s in statements["statements"])
    words = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    return f"{len(statements['statements'])} statements, {rows:,} rows, {ms:,.0f} ms in the warehouse ({words})"


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    loads = [r[k] for measured in results["pages"].values() for r in measured for k in ("load_before", "load_after")]
    versions = ", ".join(f"{k} {v}" for k, v in results["versions"].items())
    lines = [
        "## Dashboard: pages in a real browser",
        "",
        f"Generated by `just bench-dashboard` (`{results['command']}`, {results['run']}); do not edit by hand. "
        f"Data: {results['rows']['orders']:,} orders, {results['rows']['order_items']:,} order lines, window "
        f"{results['window'][0]} to {results['window'][1]}. Machine: {m['cpu']}, {m['cores']} cores, "
        f"{m['ram_gib']} GiB; {versions}. One-minute load average during the run: {min(loads):.1f} to "
        f"{max(loads):.1f} (the machine was shared). Median of {results['rounds']} rounds; each round of a page "
        "runs on a fresh server (its modules imported, its caches empty), timed from the action to the end of the "
        "script run with every chart drawn (Playwright, Debian's Chromium).",
        "",
        "| page | first render (s) | new session (s) | filter change (s) | cached rerender (s) | targets met |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for path, measured in results["pages"].items():
        times = {step: _median(measured, step) for step in STEPS}
        met = all(times[step] <= TARGETS[step] for step in STEPS)
        cells = " | ".join(f"{times[step]:.2f}" for step in STEPS)
        lines.append(f"| {browser.PAGES[path]} (`/{path}`) | {cells} | {'yes' if met else '**no**'} |")
    floor = results["empty_state_floor_s"]
    lines += [
        "",
        f"Targets: first render <= 2 s, rerender after a filter change <= 0.5 s. Baseline in the same run: the "
        f"empty state (Streamlit and the browser, no warehouse) renders in {floor:.2f} s; the first view after "
        f"`python -m pipeline dashboard` starts, imports included, took {results['cold_start_overview_s']:.2f} s. "
        f"Filter change: the last {results['filter_days']} days of the window; cached rerender: back to the whole "
        "window.",
        "",
        "What each page asked the warehouse on its first render (round 1; `search`: through a key or an index, "
        "`mart`: a mart read, `page`: a list walked in key order up to its page; a whole read of a big table "
        "would be `scan`):",
        "",
        "| page | first render | filter change | whole reads of a big table |",
        "|---|---|---|---|",
    ]
    for path, measured in results["pages"].items():
        first, change = measured[0]["first render"]["statements"], measured[0]["filter change"]["statements"]
        whole = first["big_table_reads"] + change["big_table_reads"]
        lines.append(f"| {browser.PAGES[path]} | {_work(first)} | {_work(change)} | {len(whole) or 'none'} |")
    lines += ["", "The statements themselves, with their plans: `docs/benchmarks_dashboard.json`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a built data directory (`python -m pipeline run --scale 1000`)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=DOCS / "benchmarks_dashboard.md")
    parser.add_argument("--json", type=Path, default=DOCS / "benchmarks_dashboard.json")
    parser.add_argument("--from-json", action="store_true", help="only render --json again into --output")
    args = parser.parse_args(argv)
    if args.from_json:
        results = json.loads(args.json.read_text())
    else:
        if args.data_dir is None or not (args.data_dir / "warehouse.sqlite").is_file():
            parser.error(f"--data-dir {args.data_dir}: no warehouse.sqlite there; build one as the docstring says")
        results = run(args.data_dir.resolve(), args.rounds)
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    args.output.write_text(render(results))
    print(f"wrote {args.output} and {args.json}")
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
