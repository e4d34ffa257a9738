"""Shared fixtures: run the CLI in-process, one scale-1 build shared by the whole session, and its warehouse opened
with plain sqlite3 (the independent side of comparisons) and through the serving layer's ``Warehouse``."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from pipeline.cli import main
from pipeline.warehouse.connection import Warehouse
from tests.support.cli import Outcome, RunCli, run_pipeline

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


ROOT = Path(__file__).resolve().parent.parent
# Caches of the tools themselves; everything else in the checkout (data/ included) is the user's.
NOT_WATCHED = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".benchmarks"}


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in NOT_WATCHED]
        for name in names:
            path = Path(directory, name)
            stat = path.lstat()
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture(scope="session", autouse=True)
def _checkout_unchanged() -> Iterator[None]:
    """Tests write only into their temporary directories: the checkout (and any data/ in it) ends as it began."""
    before = _snapshot(ROOT)
    yield
    after = _snapshot(ROOT)
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    assert not changed, f"the test run changed the checkout: {changed[:20]}"


@pytest.fixture(autouse=True)
def _no_ecom_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read ``ECOM_*`` variables: the tests see only the options they pass."""
    for name in [n for n in os.environ if n.startswith("ECOM_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run ``python -m pipeline ARGS`` in this process and capture what it prints."""

    def run(*args: str | Path) -> Outcome:
        capsys.readouterr()
        status = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def scale1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The default run (scale 1, seed 42) built once and shared by every package's tests, which must not change its
    outputs (checked at the end; a command run over it only adds to its log)."""
    data_dir = run_pipeline(tmp_path_factory.mktemp("scale1"))
    before = _outputs(data_dir)
    yield data_dir
    after = _outputs(data_dir)
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    assert not changed, f"a test changed the shared scale-1 run: {changed[:20]}"


def _outputs(data_dir: Path) -> dict[str, tuple[int, int]]:
    return {path: state for path, state in _snapshot(data_dir).items() if not path.startswith("logs/")}


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """One local Spark session with 2 cores for the whole run, started by the first test that needs it.

    The ``spark`` commands run in-process by a test find it running and use it (and leave it running).
    Its JVM compiles with the client compiler only: the tests run many small queries, most of them once, and the
    optimising compiler's work on them was more than it saved (the Spark tests: 148 CPU-s against 109, in the
    same wall time). It compiles on one thread and collects garbage on the thread that allocates: the suite is
    short of CPU, and the other worker has the other core (decision 0067). Its cache of compiled query code holds
    2,000 classes, not 100: the tests run the same queries over several lakes and with several parameters, and
    each class evicted was compiled again (1,303 compilations in the Spark tests, against 599). Its class metadata
    may grow to 256 MB before a collection looks at it: Spark's classes pass the default 21 MB, and each time the
    JVM collected its whole heap (four times in the first five seconds). What Spark plans and computes is the same.
    """
    from pipeline.spark.session import spark_session

    jvm = [
        "-XX:TieredStopAtLevel=1",
        "-XX:CICompilerCount=1",
        "-XX:+UseSerialGC",
        "-XX:MetaspaceSize=256m",
        "-Dspark.sql.codegen.cache.maxEntries=2000",
    ]
    with spark_session("local[2]", tmp_path_factory.mktemp("spark"), jvm) as session:
        yield session


@pytest.fixture(scope="session")
def warehouse_path(scale1: Path) -> Path:
    return scale1 / "warehouse.sqlite"


@pytest.fixture(scope="session")
def db(warehouse_path: Path) -> Iterator[sqlite3.Connection]:
    """The warehouse through plain sqlite3, read only: the independent side of every comparison."""
    with closing(sqlite3.connect(f"file:{warehouse_path}?mode=ro", uri=True)) as connection:
        yield connection


@pytest.fixture(scope="session")
def warehouse(warehouse_path: Path) -> Iterator[Warehouse]:
    with Warehouse(warehouse_path) as opened:
        yield opened


@pytest.fixture
def cursor(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    opened = warehouse.cursor()
    try:
        yield opened
    finally:
        opened.close()
