"""The command line: usage errors are one clear line and exit status 2 with nothing written; good input works."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline.schema import TABLES
from tests.support.cli import RunCli, clean_env, one_error_line

GoodRun = Any  # conftest.GoodRun
COMMANDS = ("generate", "validate", "load", "run")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(warehouse: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


# (argv after the command, fragments the one line must contain: the option, what is expected, what was given)
GENERATION_ERRORS = {
    "scale-zero": (["--scale", "0"], ["--scale", "greater than 0", "'0'"]),
    "scale-negative": (["--scale", "-1"], ["--scale", "greater than 0", "'-1'"]),
    "scale-not-a-number": (["--scale", "abc"], ["--scale", "number", "'abc'"]),
    "seed-not-a-number": (["--seed", "x"], ["--seed", "integer", "'x'"]),
    "workers-zero": (["--workers", "0"], ["--workers", "greater than or equal to 1", "'0'"]),
    "anomaly-rate-too-big": (["--anomaly-rate", "2"], ["--anomaly-rate", "less than or equal to 0.2", "'2'"]),
    "end-date-impossible": (["--end-date", "2025-13-45"], ["--end-date", "date", "'2025-13-45'"]),
}


@pytest.mark.fast
@pytest.mark.parametrize("command", ["run", "generate"])
@pytest.mark.parametrize(("argv", "fragments"), list(GENERATION_ERRORS.values()), ids=list(GENERATION_ERRORS))
def test_bad_generation_option_is_one_line_and_writes_nothing(
    command: str, argv: list[str], fragments: list[str], tmp_path: Path, run_cli: RunCli
) -> None:
    data_dir = tmp_path / "data"

    result = run_cli(command, "--data-dir", data_dir, *argv)

    assert result.status == 2
    line = one_error_line(result)
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} missing from: {line}"
    assert not data_dir.exists(), f"a usage error wrote {sorted(p.name for p in data_dir.rglob('*'))}"


@pytest.mark.fast
def test_bad_end_date_for_load_leaves_the_warehouse(good_run: GoodRun, prior_warehouse: Path, run_cli: RunCli) -> None:
    before = sha256(prior_warehouse)

    result = run_cli(
        "load", "--data-dir", prior_warehouse.parent, "--source", good_run.csv_dir, "--format", "csv",
        "--end-date", "2025-13-45", "--warehouse", prior_warehouse,
    )  # fmt: skip

    assert result.status == 2
    line = one_error_line(result)
    assert "--end-date" in line
    assert "2025-13-45" in line
    assert sha256(prior_warehouse) == before
    assert sorted(p.name for p in prior_warehouse.parent.iterdir()) == ["warehouse.sqlite"]


@pytest.mark.fast
@pytest.mark.parametrize("command", ["validate", "load"])
def test_missing_source_dir_is_a_usage_error_that_writes_nothing(
    command: str, tmp_path: Path, prior_warehouse: Path, run_cli: RunCli
) -> None:
    data_dir = tmp_path / "fresh-data"
    missing = tmp_path / "no-such-export"
    before = sha256(prior_warehouse)

    extra = ["--warehouse", prior_warehouse] if command == "load" else []

    result = run_cli(command, "--data-dir", data_dir, "--source", missing, *extra)

    assert result.status == 2
    line = one_error_line(result)
    assert f"--source {missing} is not a directory" in line, line
    assert "customers" in line  # says what the directory should hold
    assert "payments" in line
    assert sha256(prior_warehouse) == before
    assert not missing.exists()
    assert not data_dir.exists(), f"a usage error wrote {sorted(str(p) for p in data_dir.rglob('*'))}"


@pytest.mark.fast
@pytest.mark.parametrize("command", ["validate", "load"])
def test_unknown_format_is_a_usage_error_that_writes_nothing(
    command: str, good_run: GoodRun, tmp_path: Path, prior_warehouse: Path, run_cli: RunCli
) -> None:
    data_dir = tmp_path / "fresh-data"
    before = sha256(prior_warehouse)
    extra = ["--warehouse", prior_warehouse] if command == "load" else []

    result = run_cli(command, "--data-dir", data_dir, "--source", good_run.csv_dir, "--format", "xlsx", *extra)

    assert result.status == 2
    line = one_error_line(result)
    assert "--format 'xlsx' is not supported" in line
    assert "parquet" in line
    assert "csv" in line
    assert sha256(prior_warehouse) == before
    assert not data_dir.exists(), f"a usage error wrote {sorted(str(p) for p in data_dir.rglob('*'))}"


@pytest.mark.fast
def test_warehouse_that_is_a_directory_is_a_usage_error(good_run: GoodRun, tmp_path: Path, run_cli: RunCli) -> None:
    """Said before any work is done, as one line, not as a traceback after validating and building."""
    directory = tmp_path / "warehouse-dir"
    directory.mkdir()

    result = run_cli(
        "load", "--data-dir", tmp_path / "data", "--source", good_run.parquet_dir, "--warehouse", directory
    )

    assert result.status == 2
    line = one_error_line(result)
    assert f"--warehouse: should be the path of a SQLite file, not a directory (got '{directory}')" in line
    assert list(directory.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse-dir"]


@pytest.mark.fast
def test_data_dir_that_is_a_file_is_a_usage_error(good_run: GoodRun, tmp_path: Path, run_cli: RunCli) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a directory\n")

    result = run_cli("validate", "--data-dir", a_file, "--source", good_run.parquet_dir)

    assert result.status == 2
    line = one_error_line(result)
    assert f"--data-dir: should be a directory (created if missing), not a file (got '{a_file}')" in line
    assert a_file.read_text() == "not a directory\n"


@pytest.mark.fast
def test_unknown_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    monkeypatch.chdir(tmp_path)

    result = run_cli("frobnicate", "--data-dir", tmp_path / "data")

    assert result.status == 2
    line = one_error_line(result)
    assert "frobnicate" in line
    for command in COMMANDS:
        assert command in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.fast
def test_no_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    monkeypatch.chdir(tmp_path)

    result = run_cli()

    assert result.status == 2
    line = one_error_line(result)
    assert "command" in line.lower()
    # What is expected: the user should not need --help to learn which commands exist.
    for command in COMMANDS:
        assert command in line, f"the commands are not named in: {line}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [(["run", "--scale", "0"], "--scale")],
    ids=["bad-option"],
)
@pytest.mark.fast
def test_usage_error_from_the_real_entry_point(argv: list[str], fragment: str, tmp_path: Path) -> None:
    """``python -m pipeline`` itself: exit status 2 and one line on stderr, in a clean environment."""
    data_dir = tmp_path / "data"

    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *argv, "--data-dir", str(data_dir)],
        capture_output=True, text=True, cwd=tmp_path, env=clean_env(), timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


# --- good input ------------------------------------------------------------------------------------------


@pytest.mark.fast
def test_validate_the_generated_lake(good_run: GoodRun, tmp_path: Path, run_cli: RunCli) -> None:
    """With no --source, validate checks the lake of --data-dir."""
    data_dir = tmp_path / "data"
    shutil.copytree(good_run.lake_dir, data_dir / "lake")

    result = run_cli("validate", "--data-dir", data_dir)

    assert result.status == 0, result.out + result.err
    assert "valid:" in result.out
    assert str(data_dir / "lake") in result.out.replace("\n", "")
    report = json.loads((data_dir / "logs" / "validation.json").read_text())
    assert report["valid"] is True
    assert report["failures"] == []
    assert report["source"] == str(data_dir / "lake")
    # one pandera model per file (5 tables, one part each at scale 1), then every cross-table rule
    assert (report["frames_validated"], report["rules_passed"]) == (5, 20)
    assert not (data_dir / "warehouse.sqlite").exists()
    assert [p.name for p in data_dir.glob(".validate-*")] == []


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_load_an_export_builds_a_warehouse_with_its_rows(
    fmt: str, good_run: GoodRun, tmp_path: Path, run_cli: RunCli
) -> None:
    source = good_run.csv_dir if fmt == "csv" else good_run.parquet_dir
    data_dir = tmp_path / "data"
    warehouse = tmp_path / "elsewhere" / "wh.sqlite"

    result = run_cli("load", "--data-dir", data_dir, "--source", source, "--format", fmt, "--warehouse", warehouse)

    assert result.status == 0, result.out + result.err
    exported = {t: pl.read_csv(source / f"{t}.csv").height if fmt == "csv" else
                pl.read_parquet(source / f"{t}.parquet").height for t in TABLES}  # fmt: skip
    assert exported == good_run.row_counts
    assert counts(warehouse) == exported
    assert counts(warehouse) == counts(good_run.warehouse)
    # The warehouse's own path is a link to the current set's, with the lock that API writes and rebuilds share
    # beside it; in the data directory only the lock of one publishing command at a time: nothing left behind.
    assert sorted(p.name for p in warehouse.parent.iterdir()) == [".wh.sqlite.lock", "wh.sqlite"]
    assert warehouse.resolve() == (data_dir / "current" / "warehouse.sqlite").resolve()
    assert [p.name for p in data_dir.glob(".*")] == [".publish.lock"]
    assert [p.name for p in (data_dir / "builds").glob(".*")] == []
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        # Dates arrive as ISO text and money as REAL, exactly as in the lake.
        assert db.execute("SELECT DISTINCT typeof(order_date) FROM orders").fetchall() == [("text",)]
        assert db.execute("SELECT DISTINCT typeof(price) FROM products").fetchall() == [("real",)]
        lake_orders = good_run.frames["orders"]
        first = lake_orders.row(0, named=True)
        row = db.execute(
            "SELECT customer_id, order_date, total_amount FROM orders WHERE order_id = ?", (first["order_id"],)
        ).fetchone()
        assert row == (first["customer_id"], first["order_date"].isoformat(), first["total_amount"])
        total = db.execute("SELECT round(sum(total_amount), 2) FROM orders").fetchone()[0]
        assert total == pytest.approx(round(lake_orders["total_amount"].sum(), 2), abs=0.005)
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert manifest["warehouse"]["path"] == str(warehouse)
    assert manifest["warehouse"]["source"] == str(source)  # not a generated lake: no seed or scale
    assert "lake" not in manifest
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        assert db.execute("SELECT source, seed, scale FROM build_record").fetchall() == [(str(source), None, None)]
    assert f"warehouse: {warehouse}" in result.out.replace("\n", "")


def test_load_replaces_a_previous_warehouse(good_run: GoodRun, prior_warehouse: Path, run_cli: RunCli) -> None:
    """A good load over an older, different warehouse swaps the new one in and leaves no build file."""
    with closing(sqlite3.connect(prior_warehouse)) as db:
        db.execute("DELETE FROM payments WHERE payment_id > 10")
        db.commit()
    assert counts(prior_warehouse)["payments"] == 10

    result = run_cli(
        "load", "--data-dir", prior_warehouse.parent, "--source", good_run.parquet_dir, "--warehouse", prior_warehouse
    )

    assert result.status == 0, result.out + result.err
    assert counts(prior_warehouse) == good_run.row_counts
    assert list(prior_warehouse.parent.glob(".warehouse.sqlite.build-*")) == []
