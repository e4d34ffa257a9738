"""A tiny golden dataset (scale 0.005, seed 42) pins the generators' exact output.

An intended change to generation regenerates it with ``UPDATE_GOLDEN=1 just test tests/pipeline/test_golden.py``
and the diff of ``tests/pipeline/golden/`` shows what changed, row by row.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from pipeline.generate.plan import TABLES
from tests.conftest import RunCli

GOLDEN = Path(__file__).parent / "golden" / "sf-0.005"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.cli import main

    data_dir = tmp_path_factory.mktemp("golden")
    assert main(["generate", "--data-dir", str(data_dir), "--scale", "0.005", "--anomaly-rate", "0.1"]) == 0
    return data_dir


def _as_csv(data_dir: Path, table: str) -> str:
    if table == "anomalies":
        return pl.read_parquet(data_dir / "labels" / "anomalies.parquet").write_csv()
    return pl.read_parquet(sorted((data_dir / "lake" / table).glob("*.parquet"))).write_csv()


@pytest.mark.parametrize("table", [*TABLES, "anomalies"])
def test_generation_matches_the_golden_rows(generated: Path, table: str) -> None:
    golden = GOLDEN / f"{table}.csv"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(_as_csv(generated, table))
    assert _as_csv(generated, table) == golden.read_text()


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
    for expected in (
        "customers",
        "order_items",
        "10",
        "50",
        "checks passed",
        "generate",
        "validate",
        "load",
        str(tmp_path / "warehouse.sqlite"),
        str(tmp_path / "manifest.json"),
    ):
        assert expected in outcome.out
