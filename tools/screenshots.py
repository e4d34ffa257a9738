"""Screenshots of every dashboard page for the README, from a fresh scale-1 build (``just dashboard-screenshots``).

    python -m tools.screenshots [--output docs/screenshots]

Builds the default run (scale 1, seed 42) in a temporary directory, serves it with ``python -m pipeline dashboard``
and photographs each page in Debian's Chromium, the Customers and Orders pages with one customer and one order
opened. The PNGs are reduced to 256 colours to stay small. The only script that writes into docs/: tests write
their screenshots elsewhere.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page

from pipeline.settings import PROJECT_ROOT
from tools import browser


def _open(page: Page, label: str, value: int) -> None:
    """Type ``value`` into the number input labelled ``label`` and wait for the rerun."""
    field = page.get_by_label(label)
    field.fill(str(value))
    before = browser.runs(page)
    field.press("Enter")
    browser.settle(page, before)
    browser.leave_field(page)  # no focus ring in the picture


def shoot(data_dir: Path, output: Path) -> list[Path]:
    with closing(sqlite3.connect(f"file:{data_dir / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
        (customer,) = db.execute(
            "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1"
        ).fetchone()
        (order,) = db.execute(
            "SELECT order_id FROM order_items GROUP BY order_id ORDER BY count(*) DESC, order_id LIMIT 1"
        ).fetchone()
    written = []
    with (
        tempfile.TemporaryDirectory() as scratch,
        browser.chromium() as chromium,
        browser.serve(data_dir, Path(scratch) / "server.log") as served,
    ):
        page = browser.new_page(chromium)
        for path in browser.PAGE_TITLES:
            browser.open_page(page, served.url, path)
            if path == "customers":
                _open(page, "Customer id (or select a row above)", customer)
            if path == "orders":
                _open(page, "Order id (or select a row above)", order)
            assert not browser.exceptions(page), browser.exceptions(page)
            target = output / f"{path or 'overview'}.png"
            browser.screenshot(page, target)
            Image.open(target).convert("RGB").quantize(colors=256).save(target, optimize=True)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        build = [sys.executable, "-m", "pipeline", "run", "--scale", "1", "--seed", "42", "--no-profile"]
        build += ["--data-dir", str(data_dir)]
        subprocess.run(build, check=True, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
        for path in shoot(data_dir, args.output):
            print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
