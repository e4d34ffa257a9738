"""Profiling reports: one per table with its row count, a seeded sample, and failures that damage nothing."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from pipeline.docs import profiling
from pipeline.docs.profiling import ProfilingError, profiler, sample_rows
from pipeline.schema import TABLES
from tests.support.docs import Build, main, sha256

# tiny is scale 0.05: customers 100, products 30, orders 200, order_items 500, payments 200.
TINY_ROWS = {"customers": 100, "products": 30, "orders": 200, "order_items": 500, "payments": 200}
SAMPLE = 150
OPTIONS = ("--sample-rows", str(SAMPLE), "--minimal-above", "0")


@pytest.fixture(scope="module")
def profiled(tiny: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny build, profiled where `profile` puts its reports by default, by as many workers as there
    are cores: tables above 150 rows are sampled; all are minimal (fast)."""
    data_dir = tmp_path_factory.mktemp("profiled") / "data"
    shutil.copytree(tiny.data_dir, data_dir, symlinks=True)
    assert main("profile", "--data-dir", data_dir, *OPTIONS) == 0
    return data_dir


@pytest.fixture(scope="module")
def reports(profiled: Path) -> Path:
    return profiled / "profiling_reports"


def _observations(report: str) -> int:
    match = re.search(r"Number of observations<td[^>]*>([\d,]+)", report)
    assert match, "the report has no 'Number of observations'"
    return int(match.group(1).replace(",", ""))


def test_a_report_per_table_with_its_row_count(reports: Path) -> None:
    expected = [*(f"{t}.html" for t in TABLES), "_profiled.json", "index.html"]
    assert sorted(p.name for p in reports.iterdir()) == sorted(expected)
    for table, rows in TINY_ROWS.items():
        report = (reports / f"{table}.html").read_text(encoding="utf-8")
        assert f"<title>{table}: {rows:,} rows" in report
        assert _observations(report) == min(rows, SAMPLE)
        if rows > SAMPLE:
            assert f"{SAMPLE:,} of the {rows:,} rows, drawn without replacement with seed 42" in report
        else:
            assert "Every row is profiled." in report


def test_index_links_every_report_with_row_counts(reports: Path) -> None:
    index = (reports / "index.html").read_text(encoding="utf-8")
    rows = re.findall(
        r'<tr><td><a href="(\w+)\.html">\1</a></td><td class="n">([\d,]+)</td><td class="n">([\d,]+)</td>'
        r"<td>([^<]+)</td><td>(\w+)</td></tr>",
        index,
    )
    assert rows == [
        ("customers", "100", "100", "all rows", "minimal"),
        ("products", "30", "30", "all rows", "minimal"),
        ("orders", "200", "150", "seeded sample (seed 42)", "minimal"),
        ("order_items", "500", "150", "seeded sample (seed 42)", "minimal"),
        ("payments", "200", "150", "seeded sample (seed 42)", "minimal"),
    ]


def test_sample_is_seeded_and_keeps_lake_order(tiny: Build) -> None:
    frame = pl.scan_parquet(sorted((tiny.lake_dir / "order_items").glob("part-*.parquet")))
    first = sample_rows(frame, 500, 50, seed=42, position=3)
    assert first.height == 50
    assert first.equals(sample_rows(frame, 500, 50, seed=42, position=3))
    assert not first.equals(sample_rows(frame, 500, 50, seed=7, position=3))
    ids = first["order_item_id"].to_list()
    assert ids == sorted(ids)
    assert len(set(ids)) == 50
    assert sample_rows(frame, 500, 500, seed=42, position=3).height == 500


def test_an_empty_table_fails_clearly_and_damages_nothing(
    tiny: Build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(tiny.data_dir, data_dir, symlinks=True)
    payments = sorted((data_dir / "lake" / "payments").glob("part-*.parquet"))
    empty = pl.read_parquet(payments).clear()
    for part in payments:
        part.unlink()
    empty.write_parquet(data_dir / "lake" / "payments" / "part-00000.parquet")
    warehouse = data_dir / "warehouse.sqlite"
    warehouse_before = sha256(warehouse)
    reports_dir = tmp_path / "profiling_reports"
    reports_dir.mkdir()
    (reports_dir / "index.html").write_text("previous reports")

    status = main(
        "profile", "--data-dir", data_dir, "--reports-dir", reports_dir, "--sample-rows", "50", "--minimal-above", "0"
    )

    assert status == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "profiling failed: cannot profile table 'payments': it has 0 rows in" in err
    assert "the previous reports were kept" in err
    assert sha256(warehouse) == warehouse_before
    assert [p.name for p in reports_dir.iterdir()] == ["index.html"]
    assert (reports_dir / "index.html").read_text() == "previous reports"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "profiling_reports"]  # no staging left


def test_a_missing_table_fails_clearly(tiny: Build, tmp_path: Path) -> None:
    with (
        pytest.raises(ProfilingError, match=r"cannot profile table 'customers': no Parquet parts in .*just run"),
        profiler(1, 100, 0) as workers,
    ):
        workers.profile(tmp_path / "empty" / "lake", 42, tmp_path / "reports", None)
    assert not (tmp_path / "reports").exists()


def test_unchanged_tables_are_not_profiled_again(
    profiled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(profiled, data_dir, symlinks=True)
    reports = data_dir / "profiling_reports"
    first = {t: (reports / f"{t}.html").read_bytes() for t in TABLES}
    assert json.loads((data_dir / "manifest.json").read_text())["profiling"]["complete"] is True
    # One profiling process a command (`--workers 1`): each imports ydata-profiling, about 3.5 CPU-s.
    started: list[int] = []

    def counted(workers: int, *rest: int) -> contextlib.AbstractContextManager[profiling.Profiler]:
        started.append(workers)
        return profiler(workers, *rest)

    monkeypatch.setattr(profiling, "profiler", counted)

    # The lake says its orders changed (another content hash): only orders is profiled again.
    record = data_dir / "lake" / "_lake.json"
    lake_record = json.loads(record.read_text())
    lake_record["content_hashes"]["orders"] = "0" * 64
    record.write_text(json.dumps(lake_record))
    assert main("profile", "--data-dir", data_dir, *OPTIONS, "--workers", "1") == 0

    out = " ".join(capsys.readouterr().out.split())
    unchanged = re.findall(r"(\w+): [\d,]+ rows, unchanged since its report", out)
    assert sorted(unchanged) == sorted(t for t in TABLES if t != "orders")
    assert f"orders: 200 rows, a seeded sample of {SAMPLE} profiled (minimal)" in out
    assert all((reports / f"{t}.html").read_bytes() == first[t] for t in unchanged)
    # Other options make other reports: everything again.
    assert main("profile", "--data-dir", data_dir, "--sample-rows", "60", "--minimal-above", "0", "--workers", "1") == 0
    assert "unchanged since its report" not in capsys.readouterr().out
    assert json.loads((data_dir / "manifest.json").read_text())["profiling"]["complete"] is True
    # A new lake: its set carries the reports (for the tables that did not change), and its manifest says which
    # tables they no longer describe.
    assert main("generate", "--data-dir", data_dir, "--scale", "0.01", "--workers", "1") == 0
    section = json.loads((data_dir / "manifest.json").read_text())["profiling"]
    assert (section["complete"], section["outdated"]) == (False, sorted(TABLES))
    assert started == [1, 1]
    assert (data_dir / "profiling_reports" / "orders.html").read_bytes() != b""


def test_bad_options_are_usage_errors(tiny: Build, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main("profile", "--data-dir", tiny.data_dir, "--sample-rows", "many", "--reports-dir", tmp_path) == 2
    assert "expected a whole number >= 0, got 'many'" in capsys.readouterr().err
    assert main("profile", "--data-dir", tiny.data_dir, "--sample-rows", "0", "--reports-dir", tmp_path) == 2
    assert "--sample-rows must be at least 1" in capsys.readouterr().err
    assert main("profile", "--data-dir", tiny.data_dir, "--workers", "0", "--reports-dir", tmp_path) == 2
    assert "--workers: should be greater than or equal to 1 (got '0')" in capsys.readouterr().err
