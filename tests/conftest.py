"""Shared fixtures: run the CLI in-process, and one scale-1 build shared by the whole session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipeline.cli import main

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


RunCli = Callable[..., Outcome]


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


def build(data_dir: Path, *options: str) -> Path:
    """A full in-process `run` without profiling (one worker: the spawn pool is exercised by its own tests)."""
    status = main(["run", "--data-dir", str(data_dir), "--workers", "1", "--no-profile", *options])
    assert status == 0, f"run {options} failed with status {status}"
    return data_dir


@pytest.fixture(scope="session")
def scale1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default run (scale 1, seed 42) built once; tests must not modify it."""
    return build(tmp_path_factory.mktemp("scale1"))


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """One local Spark session with 2 cores for the whole run, started by the first test that needs it.

    The ``spark`` commands run in-process by a test find it running and use it (and leave it running).
    """
    from pipeline.spark.session import spark_session

    with spark_session("local[2]", tmp_path_factory.mktemp("spark")) as session:
        yield session
