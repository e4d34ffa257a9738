"""``python -m pipeline analyze`` and ``sql``: results written, scores printed; bad input exits 2, writes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from analysis_support import Built

from pipeline import cli
from pipeline.analysis.queries import all_queries

PROJECT = Path(__file__).resolve().parents[2]


def analyze(data_dir: Path, *args: str) -> int:
    return cli.main(["analyze", "--data-dir", str(data_dir), *args])


def test_analyze_writes_every_result_and_scores_anomalies(
    scale1: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "analysis"
    assert analyze(scale1.data_dir, "--out", str(out)) == 0
    assert sorted(p.stem for p in out.glob("*.parquet")) == sorted(all_queries())
    assert not list(out.glob(".*"))  # no partial files left behind
    printed = capsys.readouterr().out
    assert f"{len(all_queries())} queries in" in printed
    for kind in ("burst", "extreme_amount", "late_payment", "payment_mismatch"):
        assert f"{kind} " in printed
    assert "precision 100.0%" in printed
    top = pl.read_parquet(out / "top_customers.parquet")
    assert top.height == 10
    assert top["spend_rank"].to_list() == list(range(1, 11))


def test_analyze_one_query_with_params_from_the_warehouse(scale1: Built, tmp_path: Path) -> None:
    out = tmp_path / "analysis"
    args = ["--query", "top_products", "--param", "rank_by=units", "--param", "limit=3", "--source", "warehouse"]
    assert analyze(scale1.data_dir, *args, "--out", str(out)) == 0
    assert [p.name for p in out.iterdir()] == ["top_products.parquet"]
    result = pl.read_parquet(out / "top_products.parquet")
    assert result["units_rank"].to_list() == [1, 2, 3]


BAD_ARGS = {
    "unknown query": (["--query", "top_sellers"], "unknown query 'top_sellers'"),
    "not an int": (["--query", "top_customers", "--param", "limit=ten"], "is not a valid int"),
    "limit zero": (["--query", "top_customers", "--param", "limit=0"], "out of range"),
    "limit negative": (["--query", "top_customers", "--param", "limit=-5"], "out of range"),
    "limit absurd": (["--query", "top_customers", "--param", "limit=1000000000"], "out of range"),
    "not a date": (["--param", "start_date=2024-13-01"], "is not a valid date"),
    "end before start": (["--param", "start_date=2024-06-01", "--param", "end_date=2024-01-01"], "is before"),
    "bad choice": (["--query", "revenue_timeseries", "--param", "grain=year"], "not one of the choices"),
    "unknown param": (["--query", "top_customers", "--param", "grain=day"], "no selected query takes it"),
    "not key=value": (["--param", "limit"], "expected KEY=VALUE"),
    "not a float": (["--query", "anomalies", "--param", "mismatch_tolerance=nan"], "not a finite number"),
    "bad source": (["--source", "cloud"], "invalid choice"),
}


@pytest.mark.parametrize(("args", "message"), BAD_ARGS.values(), ids=BAD_ARGS.keys())
def test_bad_input_exits_2_and_writes_nothing(
    scale1: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "analysis"
    assert analyze(scale1.data_dir, *args, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()


@pytest.mark.parametrize("source", ["lake", "warehouse"])
def test_missing_source_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str) -> None:
    assert analyze(tmp_path, "--source", source) == 2
    err = capsys.readouterr().err
    assert ("run `just generate` first" if source == "lake" else "no warehouse at") in err
    assert not (tmp_path / "analysis").exists()


def sql(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipeline", "sql", "--data-dir", str(data_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=PROJECT, timeout=60, check=False)


def test_sql_runs_one_statement_over_lake_and_warehouse(scale1: Built) -> None:
    done = sql(scale1.data_dir, "select count(*) as lake_orders from orders")
    assert done.returncode == 0, done.stderr
    assert "4000" in done.stdout
    done = sql(scale1.data_dir, "select count(*) as days from wh.mart_revenue_daily")
    assert done.returncode == 0, done.stderr
    assert "1096" in done.stdout


def test_sql_warehouse_is_read_only(scale1: Built) -> None:
    done = sql(scale1.data_dir, "delete from wh.orders")
    assert done.returncode != 0
    assert "read-only" in (done.stdout + done.stderr).lower()


def test_sql_without_a_lake_exits_2(tmp_path: Path) -> None:
    done = sql(tmp_path, "select 1")
    assert done.returncode == 2
    assert "run `just generate` first" in done.stderr
