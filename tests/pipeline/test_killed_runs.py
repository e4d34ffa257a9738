"""Runs killed part-way (SIGKILL: no clean-up runs) change nothing, and the next run sweeps what they left.

A command builds its new set in ``data/builds/.<id>.building`` (see ``pipeline.output_sets``); that scratch
space is owned through a lock, not a PID: in a container every run
is PID 1, so the kills are also done inside fresh PID namespaces (``unshare --pid --fork --mount-proc``),
where the killed run and the next one have the same PID.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from pipeline import cli
from pipeline.files import OWNER_LOCK
from pipeline.schema import TABLES
from tests.support.builds import Built
from tests.support.cli import clean_env

POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Previous:
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


def building(data_dir: Path) -> list[Path]:
    """The sets being built (or left half built) in ``data_dir``."""
    return sorted((data_dir / "builds").glob(".*.building"))


def size(directories: list[Path]) -> int:
    total = 0
    for directory in directories:
        for path in directory.rglob("*"):
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                continue
    return total


@pytest.fixture(scope="module")
def previous(scale10: Built) -> Previous:
    """The session's scale-10 lake and warehouse: the 'previous' warehouse of every kill test."""
    return Previous(scale10.lake_dir, scale10.warehouse, sha256(scale10.warehouse), counts(scale10.warehouse))


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[Any], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the run ended (status {process.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(POLL_SECONDS)


def kill(process: subprocess.Popen[Any]) -> None:
    """SIGKILL the run (in a PID namespace, its init: the kernel then kills every process inside)."""
    target = process.pid
    if Path("/proc", str(process.pid), "comm").read_text().strip() == "unshare":
        children = psutil.Process(process.pid).children()
        target = children[0].pid if children else process.pid
    os.kill(target, signal.SIGKILL)
    process.communicate(timeout=TIMEOUT_SECONDS)


def pipeline(*args: str | Path, namespace: bool = False) -> list[str]:
    argv = [sys.executable, "-m", "pipeline", *map(str, args)]
    return ["unshare", "--pid", "--fork", "--mount-proc", *argv] if namespace else argv


def start(*args: str | Path, namespace: bool = False) -> subprocess.Popen[str]:
    command = pipeline(*args, namespace=namespace)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())


def run(*args: str | Path, namespace: bool = False) -> subprocess.CompletedProcess[str]:
    command = pipeline(*args, namespace=namespace)
    return subprocess.run(
        command, capture_output=True, text=True, env=clean_env(), timeout=TIMEOUT_SECONDS, check=False
    )


KILL_POINTS: dict[str, Callable[[Path], bool]] = {
    # as soon as the build appears (schema being created, nothing inserted yet)
    "build-created": lambda data_dir: any(data_dir.glob("builds/.*.building/warehouse.sqlite")),
    # in the middle of the bulk insert: the new set holds a megabyte
    "mid-insert": lambda data_dir: size(building(data_dir)) > 1024 * 1024,
}


@pytest.mark.parametrize(
    ("workers", "kill_point", "namespace"),
    [
        ("1", "build-created", False),
        ("2", "mid-insert", False),
        pytest.param("2", "mid-insert", True, marks=pytest.mark.root),
    ],
    ids=["1-build-created", "2-mid-insert", "2-mid-insert-as-pid-1"],
)
def test_killed_load_leaves_the_previous_warehouse(
    workers: str, kill_point: str, namespace: bool, previous: Previous, tmp_path: Path
) -> None:
    warehouse = tmp_path / "wh" / "warehouse.sqlite"
    warehouse.parent.mkdir()
    warehouse.write_bytes(previous.warehouse.read_bytes())
    data_dir = tmp_path / "data"
    load = ("load", "--data-dir", data_dir, "--source", previous.lake_dir, "--warehouse", warehouse)

    process = start(*load, "--workers", workers, namespace=namespace)
    try:
        wait_for(lambda: KILL_POINTS[kill_point](data_dir), process, f"the build ({kill_point})")
        kill(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    # The previous warehouse: the same bytes, and a usable database with the previous counts.
    assert sha256(warehouse) == previous.sha256
    assert counts(warehouse) == previous.counts
    assert integrity(warehouse) == ["ok"]
    # The killed run could not clean up after itself: its half-built set is still there.
    assert len(building(data_dir)) == 1

    result = run(*load, namespace=namespace)

    assert result.returncode == 0, result.stdout + result.stderr
    assert building(data_dir) == []  # the abandoned set is removed, and the new one was switched in
    assert counts(warehouse) == previous.counts
    assert integrity(warehouse) == ["ok"]
    # The configured path now leads to the current set's warehouse; beside it, only the write lock.
    assert warehouse.resolve() == (data_dir / "current" / "warehouse.sqlite").resolve()
    assert sorted(p.name for p in warehouse.parent.iterdir()) == [".warehouse.sqlite.lock", "warehouse.sqlite"]


@pytest.mark.root
def test_killed_generate_as_pid_1_leaves_nothing_in_the_next_lake(previous: Previous, tmp_path: Path) -> None:
    """A large generate killed while staging, then a small one with the same PID: the small lake is exact."""
    data_dir = tmp_path / "data"
    assert run("generate", "--data-dir", data_dir, "--scale", "0.1", "--workers", "1").returncode == 0
    previous = json.loads((data_dir / "lake" / "_lake.json").read_text())

    process = start("generate", "--data-dir", data_dir, "--scale", "30", "--workers", "2", namespace=True)
    try:
        staged_parts = lambda: any(data_dir.glob("builds/.*.building/lake/order_items/part-*.parquet"))  # noqa: E731
        wait_for(staged_parts, process, "staged order_items parts")
        kill(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert json.loads((data_dir / "lake" / "_lake.json").read_text()) == previous  # the lake was never touched
    assert len(building(data_dir)) == 1

    result = run("generate", "--data-dir", data_dir, "--scale", "0.01", "--workers", "1", namespace=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert building(data_dir) == []
    for table in TABLES:  # one chunk per table at scale 0.01: nothing of the killed scale-30 run mixed in
        assert [p.name for p in (data_dir / "lake" / table).iterdir()] == ["part-00000.parquet"]
    clean = tmp_path / "clean"
    assert run("generate", "--data-dir", clean, "--scale", "0.01", "--workers", "1").returncode == 0
    lake_record = json.loads((data_dir / "lake" / "_lake.json").read_text())
    assert lake_record["content_hashes"] == json.loads((clean / "lake" / "_lake.json").read_text())["content_hashes"]


@contextmanager
def owned(directory: Path) -> Iterator[None]:
    """Hold ``directory``'s owner lock from another process, as a live run would."""
    directory.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'w'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(120)", str(directory / OWNER_LOCK)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_sweeping_spares_the_scratch_space_of_a_live_run(previous: Previous, tmp_path: Path) -> None:
    """An abandoned set (its lock free) is removed; a live run's (its lock held) is left alone."""
    data_dir = tmp_path / "data"
    (data_dir / "builds").mkdir(parents=True)
    abandoned = data_dir / "builds" / ".20260101T000000000000Z-0.building"
    abandoned.mkdir()
    (abandoned / OWNER_LOCK).touch()
    (abandoned / "warehouse.sqlite").write_bytes(b"left by a killed load")
    live = data_dir / "builds" / ".20260101T000000000000Z-1.building"
    with owned(live):
        (live / "warehouse.sqlite").write_bytes(b"being written by a concurrent load")

        result = cli.main(["load", "--data-dir", str(data_dir), "--source", str(previous.lake_dir)])

        assert result == 0
        assert not abandoned.exists()
        assert (live / "warehouse.sqlite").read_bytes() == b"being written by a concurrent load"
        assert counts(data_dir / "warehouse.sqlite") == previous.counts
