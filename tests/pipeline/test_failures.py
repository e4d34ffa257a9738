"""Failures end with their documented exit status and one readable line, and change nothing they should not.

0 success, 1 invalid data, 2 usage, 3 out of resources, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
The disk-full and read-only cases run on a small tmpfs mounted for the test: they are marked `root` (CI runs those
under sudo).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from pipeline import cancel, duck
from pipeline.analysis import queries
from pipeline.analysis.compute import _copy
from pipeline.chunks import worker_pool
from pipeline.errors import DataInvalid, Failure, ResourceError, as_resource_error
from tests.support import pools
from tests.support.cli import RunCli, clean_env

TIMEOUT = 180


def pipeline(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", *map(str, args)]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        pipeline(*args), capture_output=True, text=True, env=clean_env(), timeout=TIMEOUT, check=False
    )


def leftovers(directory: Path) -> list[str]:
    """Scratch space, build directories, journals and temporary files anywhere under ``directory``."""
    patterns = (".*.building", ".scratch-*", ".spill-*", "*-journal", "*.tmp", ".legacy-*")
    return sorted(str(p.relative_to(directory)) for pattern in patterns for p in directory.rglob(pattern))


# --- errors that cross the process boundary ------------------------------------------------------------------


def test_data_invalid_survives_pickling() -> None:
    failure = Failure("orders", "total_amount", "greater_than_or_equal_to(0)", 3, [{"row": 7}], "part-00000.parquet")
    copy = pickle.loads(pickle.dumps(DataInvalid([failure])))
    assert isinstance(copy, DataInvalid)
    assert copy.failures == [failure]
    assert str(copy) == failure.line()


def test_invalid_data_in_a_worker_reaches_the_parent_as_invalid_data() -> None:
    with worker_pool(2) as pool, pytest.raises(DataInvalid) as raised:
        pool.submit(pools.fail_validation).result(timeout=TIMEOUT)
    assert raised.value.failures[0].failing_rows == 3


def test_each_worker_runs_polars_on_its_share_of_the_cores() -> None:
    cores = os.cpu_count() or 1
    with worker_pool(2) as pool:
        threads = {pool.submit(pools.polars_threads).result(timeout=TIMEOUT) for _ in range(4)}
    assert threads == {max(1, cores // 2)}
    assert "POLARS_MAX_THREADS" not in os.environ  # the budget is for the workers, not left behind here


# --- a bad query file affects only the commands that run queries --------------------------------------------


def test_a_malformed_query_header_breaks_only_analysis(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "queries"
    broken.mkdir()
    (broken / "broken.sql").write_text("-- broken: a header with no grain\nselect $limit as x\n")
    monkeypatch.setattr(queries, "QUERIES_DIR", broken)
    data_dir = tmp_path / "data"

    generated = run_cli("generate", "--data-dir", data_dir, "--scale", "0.01", "--workers", "1")
    analyzed = run_cli("analyze", "--data-dir", data_dir)

    assert generated.status == 0, generated.err
    assert analyzed.status == 2
    assert analyzed.err.strip().splitlines() == [
        f"error: {broken / 'broken.sql'}: parameters used ['limit'] differ from those declared in the header []"
    ]


# --- out of resources ----------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MiB tmpfs: room for a scale-1 run, not for the build of a scale-5 warehouse."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _build_id(warehouse: Path) -> str:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        return str(db.execute("SELECT build_id FROM build_record").fetchone()[0])


@pytest.mark.root
def test_a_full_disk_is_one_line_exit_3_and_leaves_nothing_behind(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    assert run("run", "--data-dir", data_dir, "--scale", "1", "--seed", "1", "--no-profile").returncode == 0
    before = _build_id(data_dir / "warehouse.sqlite")

    result = run("run", "--data-dir", data_dir, "--scale", "5", "--seed", "2", "--no-profile")

    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip().replace("\n", " ")
    assert message.startswith("out of resources: disk full while"), message
    assert str(data_dir) in message
    assert "MiB free there" in message
    assert leftovers(data_dir) == []
    # A run publishes nothing until all of it passed: the lake, the warehouse and the manifest are the old ones.
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert (manifest["lake"]["scale"], manifest["lake"]["seed"]) == (1.0, 1)
    assert json.loads((data_dir / "lake" / "_lake.json").read_text())["seed"] == 1
    assert _build_id(data_dir / "warehouse.sqlite") == before == manifest["warehouse"]["build_id"]


@pytest.mark.root
def test_no_room_for_the_lake_is_exit_3_and_keeps_the_previous_lake(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    assert run("generate", "--data-dir", data_dir, "--scale", "1", "--workers", "1").returncode == 0
    previous = (data_dir / "lake" / "_lake.json").read_text()
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (7 * 2**20))  # leave well under a megabyte

    result = run("generate", "--data-dir", data_dir, "--scale", "5", "--workers", "1")

    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("out of resources: disk full while"), result.stderr
    assert (data_dir / "lake" / "_lake.json").read_text() == previous
    assert leftovers(data_dir) == []


@pytest.mark.root
def test_no_room_for_the_warehouse_refuses_load_before_it_writes(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    assert run("generate", "--data-dir", data_dir, "--scale", "1", "--workers", "1").returncode == 0
    report = data_dir / "logs" / "validation.json"
    before = (report.read_bytes(), report.stat().st_mtime_ns)
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 2**20))  # a megabyte left: the lake's rows need more

    result = run("load", "--data-dir", data_dir)

    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("out of resources: disk full while building the warehouse"), result.stderr
    assert (report.read_bytes(), report.stat().st_mtime_ns) == before  # refused before validating: nothing written
    assert leftovers(data_dir) == []
    assert not (data_dir / "warehouse.sqlite").exists()


@pytest.mark.root
def test_a_read_only_data_dir_is_exit_3_naming_it(tmp_path: Path) -> None:
    mount = tmp_path / "read-only"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], check=True)
    try:
        result = run("generate", "--data-dir", mount, "--scale", "0.01", "--workers", "1")
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("out of resources: permission denied while"), result.stderr
    assert str(mount) in result.stderr.replace("\n", "")


def test_memory_and_disk_errors_of_the_engines_are_resource_errors(tmp_path: Path) -> None:
    out_of_memory = duckdb.OutOfMemoryException("could not allocate block of size 256.0 KiB (768.0 MiB/768.0 MiB used)")
    full = sqlite3.OperationalError("database or disk is full")
    for error in (out_of_memory, full, MemoryError()):
        found = as_resource_error(error, tmp_path / "warehouse.sqlite", "building the warehouse")
        assert isinstance(found, ResourceError), error
        assert str(tmp_path / "warehouse.sqlite") in str(found)
    assert as_resource_error(ValueError("a bug"), tmp_path, "running") is None


def test_an_analysis_out_of_memory_names_itself(tmp_path: Path) -> None:
    """Out of memory while computing a result: the message starts with the result's name, before DuckDB's."""
    heavy = "select i % 3000000 as k, count(*) as n from range(6000000) as t(i) group by k"
    # No spill directory: nothing can spill.
    with (
        duck.connection(None, memory_limit="8MB", threads=1) as con,
        pytest.raises(duckdb.OutOfMemoryException) as raised,
    ):
        _copy(con, heavy, {}, tmp_path / "analysis" / "mart_heavy.parquet")
    assert str(raised.value).startswith("mart_heavy: Out of Memory Error"), str(raised.value)
    found = as_resource_error(raised.value, tmp_path, "running the pipeline")
    assert found is not None
    assert "DuckDB mart_heavy: Out of Memory Error" in str(found)


# --- interrupted ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scale30_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("scale30")
    assert run("generate", "--data-dir", data_dir, "--scale", "30", "--workers", "2").returncode == 0
    return data_dir / "lake"


@pytest.mark.parametrize(("sent", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_the_load_stops_it_at_once_and_changes_nothing(
    sent: signal.Signals, status: int, scale30_lake: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.sqlite"
    with closing(sqlite3.connect(warehouse)) as db:
        db.execute("create table previous (kept integer)")
        db.commit()
    previous = warehouse.read_bytes()
    process = subprocess.Popen(
        pipeline("load", "--data-dir", tmp_path / "data", "--source", scale30_lake, "--warehouse", warehouse),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT
        while not any(p.stat().st_size > 2**20 for p in tmp_path.glob("data/builds/.*.building/warehouse.sqlite")):
            assert process.poll() is None, "the load ended before the signal"
            assert time.monotonic() < deadline, "the build never grew"
            time.sleep(0.01)
        sent_at = time.monotonic()
        process.send_signal(sent)
        _, err = process.communicate(timeout=TIMEOUT)
        stopped_after = time.monotonic() - sent_at
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == status, err
    assert err.strip().splitlines() == ["interrupted: nothing changed"]
    # Stopped in the middle of the fill (the queries were interrupted), not after the build had run its course.
    log_file = tmp_path / "data" / "logs" / "pipeline.log"
    log = log_file.read_text() if log_file.exists() else ""
    assert "order_items filled" not in log
    assert "published set" not in log
    assert stopped_after < 10, f"took {stopped_after:.1f} s to stop"  # ~0.5 s on a quiet machine
    assert warehouse.read_bytes() == previous
    assert leftovers(tmp_path) == []


def test_a_warehouse_path_that_is_not_a_database_is_never_replaced(tmp_path: Path, scale30_lake: Path) -> None:
    warehouse = tmp_path / "warehouse.sqlite"
    warehouse.write_bytes(b"someone's notes, not a warehouse")

    done = run("load", "--data-dir", tmp_path / "data", "--source", scale30_lake, "--warehouse", warehouse)

    assert done.returncode == 2, done.stderr
    assert "is not a SQLite database" in " ".join(done.stderr.split())
    assert warehouse.read_bytes() == b"someone's notes, not a warehouse"
    assert not (tmp_path / "data" / "builds").exists()


def test_a_failed_task_interrupts_its_siblings() -> None:
    """One part fill failing stops the others at once: their running DuckDB query is interrupted."""
    outcome: dict[str, BaseException] = {}

    def long_query() -> None:
        with closing(duckdb.connect()) as con, cancel.interruptible(con.interrupt):
            try:
                con.execute("select count(*) from range(1000000000000) a, range(1000) b").fetchall()
            except duckdb.InterruptException as interrupted:
                outcome["sibling"] = interrupted
                raise

    def failing() -> None:
        time.sleep(0.2)
        msg = "database or disk is full"
        raise sqlite3.OperationalError(msg)

    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        cancel.run_parallel([long_query, failing])
    assert isinstance(outcome["sibling"], duckdb.InterruptException)
