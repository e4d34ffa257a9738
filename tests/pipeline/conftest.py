"""Shared fixtures for the pipeline tests: one tiny good run, built once, and exports of its lake.

Every bad-input test copies a good export (CSV or Parquet, one ``<table>.<ext>`` per table), breaks exactly one
thing and runs ``load``; the session-scoped run is never modified.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from pipeline import cli
from pipeline.generate.plan import TABLES

SCALE = "1"
SEED = "42"


@dataclass(frozen=True)
class CliResult:
    status: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass(frozen=True)
class GoodRun:
    data_dir: Path
    lake_dir: Path
    warehouse: Path
    csv_dir: Path
    parquet_dir: Path
    frames: dict[str, pl.DataFrame]

    @property
    def row_counts(self) -> dict[str, int]:
        return {table: frame.height for table, frame in self.frames.items()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_counts(warehouse: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def build_files(warehouse: Path) -> list[Path]:
    """Temporary build files that ``load`` leaves next to the warehouse (there should be none)."""
    return sorted(warehouse.parent.glob(f".{warehouse.name}.build-*"))


def export(frames: dict[str, pl.DataFrame], directory: Path, fmt: str) -> Path:
    """Write one ``<table>.<fmt>`` per table, the layout of a user's own export."""
    directory.mkdir(parents=True, exist_ok=True)
    for table, frame in frames.items():
        path = directory / f"{table}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path, date_format="%Y-%m-%d")
        else:
            frame.write_parquet(path)
    return directory


@pytest.fixture(autouse=True)
def _no_ecom_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read ``ECOM_*`` variables: the tests see only the options they pass."""
    import os

    for name in [n for n in os.environ if n.startswith("ECOM_")]:
        monkeypatch.delenv(name)


def _run_in_process(argv: list[str], capture: Callable[[], tuple[str, str]]) -> CliResult:
    status = cli.main(argv)
    out, err = capture()
    return CliResult(status, out, err)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """``python -m pipeline ...`` in-process (``--workers 1`` where it matters): status, stdout, stderr."""

    def run(*argv: str | Path) -> CliResult:
        capsys.readouterr()  # drop whatever an earlier step printed

        def capture() -> tuple[str, str]:
            captured = capsys.readouterr()
            return captured.out, captured.err

        return _run_in_process([str(a) for a in argv], capture)

    return run


@pytest.fixture(scope="session")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoodRun]:
    """A scale-1, seed-42 ``run`` built once per session, with its lake exported as CSV and as Parquet."""
    root = tmp_path_factory.mktemp("good-run")
    data_dir = root / "data"
    status = cli.main(["run", "--data-dir", str(data_dir), "--scale", SCALE, "--seed", SEED, "--workers", "1"])
    assert status == 0
    lake_dir = data_dir / "lake"
    frames = {t: pl.read_parquet(sorted((lake_dir / t).glob("part-*.parquet"))) for t in TABLES}
    yield GoodRun(
        data_dir=data_dir,
        lake_dir=lake_dir,
        warehouse=data_dir / "warehouse.sqlite",
        csv_dir=export(frames, root / "export-csv", "csv"),
        parquet_dir=export(frames, root / "export-parquet", "parquet"),
        frames=frames,
    )


@pytest.fixture
def copy_export(good_run: GoodRun, tmp_path: Path) -> Callable[[str], Path]:
    """A private copy of the good CSV or Parquet export, to break one thing in."""

    def copy(fmt: str) -> Path:
        source = good_run.csv_dir if fmt == "csv" else good_run.parquet_dir
        target = tmp_path / f"source-{fmt}"
        shutil.copytree(source, target)
        return target

    return copy


@pytest.fixture
def prior_warehouse(good_run: GoodRun, tmp_path: Path) -> Path:
    """A copy of the good warehouse at the default place of a fresh data dir: the one a bad load must not touch."""
    warehouse = tmp_path / "data" / "warehouse.sqlite"
    warehouse.parent.mkdir(parents=True)
    shutil.copy2(good_run.warehouse, warehouse)
    return warehouse
