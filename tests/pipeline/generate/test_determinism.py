"""Same seed and scale, same data: across runs, worker counts and chunkings of the work."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from pipeline import chunks
from pipeline.generate import baskets, customers, order_items, orders, payments, products
from pipeline.generate.plan import Plan
from pipeline.schema import TABLES
from tests.support.cli import RunCli

START = dt.date(2023, 1, 1)


def _hashes(data_dir: Path) -> dict[str, str]:
    return json.loads((data_dir / "manifest.json").read_text())["lake"]["content_hashes"]


def _parquet_bytes(data_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data_dir)): p.read_bytes() for p in sorted((data_dir / "lake").rglob("*.parquet"))}


def test_same_seed_gives_identical_content_and_bytes(run_cli: RunCli, tmp_path: Path, scale1: Path) -> None:
    again = tmp_path / "again"
    assert run_cli("generate", "--data-dir", again, "--workers", "1").status == 0
    assert _hashes(again) == _hashes(scale1)
    assert _parquet_bytes(again) == _parquet_bytes(scale1)
    assert (again / "labels" / "anomalies.parquet").read_bytes() == (
        scale1 / "labels" / "anomalies.parquet"
    ).read_bytes()


def test_another_seed_differs_in_every_table(run_cli: RunCli, tmp_path: Path, scale1: Path) -> None:
    other = tmp_path / "other"
    assert run_cli("generate", "--data-dir", other, "--seed", "43", "--workers", "1").status == 0
    ours, theirs = _hashes(scale1), _hashes(other)
    assert all(ours[t] != theirs[t] for t in TABLES)


def test_worker_processes_give_the_same_data(
    run_cli: RunCli, tmp_path: Path, scale1: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "POOL_MIN_ROWS", 0)  # use the spawn pool even at scale 1
    pooled = tmp_path / "pooled"
    assert run_cli("generate", "--data-dir", pooled, "--workers", "2").status == 0
    assert _hashes(pooled) == _hashes(scale1)
    assert _parquet_bytes(pooled) == _parquet_bytes(scale1)


@pytest.mark.usefixtures("small_chunks")
def test_chunks_generated_one_by_one_concatenate_to_the_lake(run_cli: RunCli, tmp_path: Path) -> None:
    data_dir = tmp_path / "chunked"
    assert run_cli("run", "--data-dir", data_dir, "--workers", "1", "--no-profile").status == 0  # hard rules hold
    p = Plan.of(42, 1.0)
    assert len(p.customer_chunks()) == 7
    assert len(p.order_chunks()) == 6
    by_table: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    # Chunks in reverse order in a fresh process state: no chunk depends on another having run first.
    for cached in (products.catalog, baskets._eligibility, baskets._popularity):
        cached.cache_clear()
    for c in reversed(range(len(p.order_chunks()))):
        chunk = baskets.simulate(42, 1.0, c, START, 0.005)
        by_table["orders"].insert(0, orders.from_baskets(chunk, START))
        by_table["order_items"].insert(0, order_items.from_baskets(chunk))
        by_table["payments"].insert(0, payments.from_baskets(chunk, START))
    by_table["customers"] = [customers.generate(42, 1.0, c, START) for c in range(len(p.customer_chunks()))]
    by_table["products"] = [products.generate(42, 1.0, c) for c in range(len(p.product_chunks()))]
    for table in TABLES:
        lake = pl.read_parquet(sorted((data_dir / "lake" / table).glob("part-*.parquet")))
        assert pl.concat(by_table[table]).equals(lake), table
