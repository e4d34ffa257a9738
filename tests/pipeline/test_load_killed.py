"""A load killed part-way (SIGKILL: no cleanup runs) leaves the previous warehouse exactly as it was.

The lake is scale 10 (about 200k rows), so that the build takes about a second and the kill lands inside it.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline import cli
from pipeline.generate.plan import TABLES

SCALE = "10"
POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Built:
    lake_dir: Path
    warehouse: Path
    sha256: str
    counts: dict[str, int]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(warehouse: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def integrity(warehouse: Path) -> list[str]:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        return [row[0] for row in db.execute("PRAGMA integrity_check")]


def build_files(warehouse: Path, pid: int | str = "") -> list[Path]:
    """The build file of ``pid`` (any pid by default) and what goes with it: parts, journals."""
    return sorted(warehouse.parent.glob(f".{warehouse.name}.build-{pid}*"))


@pytest.fixture(scope="module")
def scale10(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A scale-10 lake and a warehouse built from it: the 'previous' warehouse of every kill test."""
    data_dir = tmp_path_factory.mktemp("scale10") / "data"
    assert cli.main(["run", "--data-dir", str(data_dir), "--scale", SCALE, "--seed", "7", "--workers", "1"]) == 0
    warehouse = data_dir / "warehouse.sqlite"
    return Built(data_dir / "lake", warehouse, sha256(warehouse), counts(warehouse))


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[Any], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"load ended (status {process.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(POLL_SECONDS)


def _size(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except FileNotFoundError:
            continue
    return total


KILL_POINTS: dict[str, Callable[[Path, int], bool]] = {
    # as soon as the build appears (schema being created, nothing inserted yet)
    "build-created": lambda warehouse, pid: bool(build_files(warehouse, pid)),
    # in the middle of the bulk insert: the build (or its parts, with several workers) holds a megabyte
    "mid-insert": lambda warehouse, pid: _size(build_files(warehouse, pid)) > 1024 * 1024,
}


@pytest.mark.slow
@pytest.mark.parametrize(("workers", "kill_point"), [("1", "build-created"), ("2", "mid-insert")])
def test_killed_load_leaves_the_previous_warehouse(
    workers: str, kill_point: str, scale10: Built, tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    warehouse = tmp_path / "wh" / "warehouse.sqlite"
    warehouse.parent.mkdir()
    warehouse.write_bytes(scale10.warehouse.read_bytes())
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOM_")}

    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "load", "--data-dir", str(data_dir),
         "--source", str(scale10.lake_dir), "--warehouse", str(warehouse), "--workers", workers],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    build = warehouse.with_name(f".{warehouse.name}.build-{process.pid}")
    try:
        reached = KILL_POINTS[kill_point]
        _wait_for(lambda: reached(warehouse, process.pid), process, f"{build.name}* ({kill_point})")
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=TIMEOUT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL, "the load finished before it could be killed"

    # The previous warehouse: the same bytes, and a usable database with the previous counts.
    assert sha256(warehouse) == scale10.sha256
    assert counts(warehouse) == scale10.counts
    assert integrity(warehouse) == ["ok"]
    # The killed run could not clean up after itself: its build is still there, beside the warehouse.
    assert build_files(warehouse, process.pid)

    result = run_cli("load", "--data-dir", data_dir, "--source", scale10.lake_dir, "--warehouse", warehouse)

    assert result.status == 0, result.out + result.err
    assert build_files(warehouse) == []  # the stale build is removed, and the new one was swapped in
    assert counts(warehouse) == scale10.counts
    assert integrity(warehouse) == ["ok"]
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["warehouse.sqlite"]


def test_load_removes_dead_builds_but_not_a_live_one(
    scale10: Built, tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    """A build whose process is gone is stale; a build whose process still runs is a concurrent load's.

    Deleting the live one makes that other load fail (its checks cannot open the build any more), so the
    clean-up must spare it, as ``generate`` spares the staging directories of live processes.
    """
    warehouse = tmp_path / "warehouse.sqlite"
    warehouse.write_bytes(scale10.warehouse.read_bytes())
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        dead_build = warehouse.with_name(f".{warehouse.name}.build-{dead_pid}")
        live_build = warehouse.with_name(f".{warehouse.name}.build-{alive.pid}")
        dead_build.write_bytes(b"left by a killed load")
        live_build.write_bytes(b"being written by a concurrent load")

        result = run_cli(
            "load", "--data-dir", tmp_path / "data", "--source", scale10.lake_dir, "--warehouse", warehouse
        )

        assert result.status == 0, result.out + result.err
        assert not dead_build.exists()
        assert live_build.exists(), "load deleted the build file of a load that is still running"
        assert counts(warehouse) == scale10.counts
    finally:
        alive.kill()
        alive.wait()
