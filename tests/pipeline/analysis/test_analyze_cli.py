"""``python -m pipeline analyze`` and ``sql``: results written, scores printed; bad input exits 2, writes nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline import cli
from pipeline.analysis.queries import all_queries
from tests.support import reference
from tests.support.builds import Built

pytestmark = pytest.mark.fast

PROJECT = Path(__file__).resolve().parents[2]


def analyze(data_dir: Path, *args: str) -> int:
    return cli.main(["analyze", "--data-dir", str(data_dir), *args])


def expected_scores(flagged: pl.DataFrame, labels: pl.DataFrame) -> list[str]:
    """The score lines, counted here: per kind (a flag counts under its own kind only), then over all kinds."""
    lines = []
    for kind in [*sorted(set(labels["kind"]) | set(flagged["kind"])), "all"]:
        mine = flagged if kind == "all" else flagged.filter(pl.col("kind") == kind)
        truth = labels if kind == "all" else labels.filter(pl.col("kind") == kind)
        hits = len(set(mine["order_id"]) & set(truth["order_id"]))
        precision, recall = hits / mine.height, hits / truth.height
        lines.append(
            f"  {kind:<17} precision {precision:6.1%}  recall {recall:6.1%}  "
            f"({hits} of {mine.height} flagged, {truth.height} labelled)"
        )
    return lines


@pytest.fixture
def data_dir(built1: Built, tmp_path: Path) -> Path:
    """A copy of the session's scale-1 run to analyze: a command records what it did in its data directory."""
    return Path(shutil.copytree(built1.data_dir, tmp_path / "data", symlinks=True))


def test_analyze_writes_every_result_and_scores_anomalies(
    built1: Built, data_dir: Path, shop1: reference.Shop, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "analysis"
    assert analyze(data_dir, "--out", str(out)) == 0
    assert sorted(p.stem for p in out.glob("*.parquet")) == sorted(all_queries())
    assert not list(out.glob(".*"))  # no partial files left behind
    printed = capsys.readouterr().out
    unwrapped = "".join(printed.split())  # rich wraps long lines at the terminal's width
    assert re.search(rf"{len(all_queries())}queriesin\d+\.\d\ds;resultsin{re.escape(str(out))}", unwrapped)
    assert f"anomalydetectionvs{data_dir / 'labels' / 'anomalies.parquet'}:" in unwrapped
    # The score lines close the output, scored here from the labels and the reference's flags.
    labels = pl.read_parquet(built1.settings.labels_path).with_columns(pl.col("kind").cast(pl.String))
    expected = expected_scores(reference.anomalies(shop1, *reference.ALL_TIME, 1, 20, 10, 4), labels)
    assert printed.splitlines()[-len(expected) :] == expected
    top = pl.read_parquet(out / "top_customers.parquet")
    reference.same(top, reference.top_customers(shop1, *reference.ALL_TIME, 10))


def test_analyze_one_query_with_params_from_the_warehouse(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "analysis"
    args = ["--query", "top_products", "--param", "rank_by=units", "--param", "limit=3", "--source", "warehouse"]
    assert analyze(data_dir, *args, "--out", str(out)) == 0
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
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "analysis"
    assert analyze(data_dir, *args, "--out", str(out)) == 2
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


def cells(box: str) -> list[str]:
    """The cells of the DuckDB shell's box output, row by row."""
    rows = [line.strip("│").split("│") for line in box.splitlines() if line.startswith("│")]
    return [cell.strip() for row in rows for cell in row]


def test_sql_runs_one_statement_over_lake_and_warehouse(data_dir: Path) -> None:
    done = sql(data_dir, "select count(*) as lake_orders from orders")
    assert done.returncode == 0, done.stderr
    assert cells(done.stdout) == ["lake_orders", "int64", "4000"]  # 4,000 orders at scale 1
    done = sql(data_dir, "select count(*) as days from wh.mart_revenue_daily")
    assert done.returncode == 0, done.stderr
    # Every day from the first order to the last (the shop's first orders come some days after its launch).
    dates = pl.read_parquet(data_dir / "lake" / "orders" / "*.parquet")["order_date"]
    assert cells(done.stdout) == ["days", "int64", str((dates.max() - dates.min()).days + 1)]


def test_sql_warehouse_is_read_only(data_dir: Path) -> None:
    done = sql(data_dir, "delete from wh.orders")
    assert done.returncode != 0
    assert "read-only" in (done.stdout + done.stderr).lower()


def test_sql_without_a_lake_exits_2(tmp_path: Path) -> None:
    done = sql(tmp_path, "select 1")
    assert done.returncode == 2
    assert "run `just generate` first" in done.stderr
