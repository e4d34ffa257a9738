"""A tiny golden dataset (scale 0.005, seed 42) pins the generators' exact output.

An intended change to generation regenerates it with ``python -m tests.support.update_golden``, and the diff
of ``tests/pipeline/generate/golden/`` shows what changed, row by row; this test only compares.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from pipeline.schema import TABLES
from tests.support.cli import RunCli
from tests.support.golden import GOLDEN, GOLDEN_OPTIONS, as_csv

pytestmark = pytest.mark.fast


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.cli import main

    data_dir = tmp_path_factory.mktemp("golden")
    assert main(["generate", "--data-dir", str(data_dir), *GOLDEN_OPTIONS]) == 0
    return data_dir


@pytest.mark.parametrize("table", [*TABLES, "anomalies"])
def test_generation_matches_the_golden_rows(generated: Path, table: str) -> None:
    assert as_csv(generated, table) == (GOLDEN / f"{table}.csv").read_text()


def test_golden_data_keeps_the_invariants() -> None:
    frames = {t: pl.read_csv(GOLDEN / f"{t}.csv", try_parse_dates=True) for t in TABLES}
    lines = frames["order_items"].join(frames["products"], on="product_id")
    assert ((lines["line_total"] - (lines["quantity"] * lines["price"]).round(2)).abs() < 0.005).all()
    totals = (
        frames["order_items"].group_by("order_id").agg(pl.col("line_total").sum()).join(frames["orders"], on="order_id")
    )
    assert ((totals["line_total"] - totals["total_amount"]).abs() < 0.005).all()
    assert frames["payments"]["order_id"].sort().equals(frames["orders"]["order_id"].sort())


def test_run_prints_a_readable_summary(run_cli: RunCli, tmp_path: Path) -> None:
    outcome = run_cli("run", "--data-dir", tmp_path, "--scale", "0.005", "--workers", "1", "--no-profile")
    assert outcome.status == 0
    rows = {table: int(n) for table, n in re.findall(r"│ (\w+) +│ +([\d,]+) │ [0-9a-f]{16} │", outcome.out)}
    assert rows == {"customers": 10, "products": 3, "orders": 20, "order_items": 50, "payments": 20}
    assert "valid: 5 frame(s) passed their pandera model and 20 cross-table rule(s) passed" in outcome.out
    stages = re.findall(r"│ ([a-z: ]+?) +│ +\d+\.\d\d │", outcome.out)
    assert stages[:2] == ["generate", "build"]
    assert {"build: validate", "build: analyze", "build: fill", "build: checks"} <= set(stages)
    for path in ("warehouse.sqlite", "manifest.json", "logs/pipeline.log", "lake"):
        assert str(tmp_path / path) in outcome.out.replace("\n", "")
