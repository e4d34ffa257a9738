"""The writer process: a write gives way to a long read (503, nothing written), and a dead writer is replaced."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from api.writer import Writer, WriterUnavailable
from pipeline import files
from pipeline.warehouse.lock import lock_path
from pipeline.warehouse.writes.transaction import Busy
from tests.api.conftest import Served
from tests.support.api import KEY, client, contents, problem, settings
from tests.support.jobs import job_exit, job_has_module, job_import, job_nap, job_pid, writing

HOLD_READ = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
db.execute("SELECT count(*) FROM customers").fetchall()  # the read transaction keeps its SHARED lock
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_write_gives_way_to_a_long_read_and_changes_nothing(writer: Served) -> None:
    before = contents(writer.warehouse)
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_READ, str(writer.warehouse), "6"], stdout=subprocess.PIPE, text=True
    ) as reader:
        assert reader.stdout is not None
        assert reader.stdout.readline().strip() == "holding"
        customer = {
            "first_name": "Wait",
            "last_name": "Er",
            "email": "wait.er@example.com",
            "signup_date": "2024-01-01",
        }
        response = writer.client.post("/customers", json=customer)
        body = problem(response, 503)
        assert body["type"].endswith(":busy")
        assert "a long read" in body["detail"]
        assert "nothing was written" in body["detail"]
        assert response.headers["retry-after"] == "1"
        reader.kill()
    assert contents(writer.warehouse) == before
    assert writer.client.post("/customers", json=customer).status_code == 201


def test_a_writer_that_dies_is_replaced(tmp_path: Path) -> None:
    with Writer() as writer:
        with pytest.raises(WriterUnavailable, match="may or may not have been made"):
            writer.run(job_exit, writing(tmp_path), 1)
        assert writer.run(job_nap, writing(tmp_path), 0.01) == 0.01
        assert writer.run(job_pid, writing(tmp_path)) != os.getpid()  # the work runs in another process


def test_writes_run_in_a_process_that_never_imports_duckdb(tmp_path: Path) -> None:
    """The writer's start-up stays light, and DuckDB's SQLite library never shares its process with sqlite3's."""
    with Writer() as writer:
        writer.run(job_import, writing(tmp_path), "pipeline.warehouse.writes.resources")  # what every write job imports
        assert writer.run(job_has_module, writing(tmp_path), "pipeline.warehouse.writes.resources") is True
        assert writer.run(job_has_module, writing(tmp_path), "duckdb") is False


def test_a_write_waits_its_turn_only_until_its_deadline(tmp_path: Path) -> None:
    """A write queued behind a long job of the same process answers busy at its deadline, sending nothing."""
    with Writer() as writer:
        writer.run(job_pid, writing(tmp_path))  # the writer process is up
        long_job = threading.Thread(target=writer.run, args=(job_nap, writing(tmp_path), 3.0))
        long_job.start()
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(Busy, match="another write through this API process"):
            writer.run(job_pid, writing(tmp_path, wait=0.5))
        assert 0.4 < time.monotonic() - started < 1.5
        long_job.join()
        assert writer.run(job_pid, writing(tmp_path, wait=0.5)) > 0  # the negative control: a free turn is taken


def test_a_write_waits_for_the_warehouse_only_as_long_as_the_setting_says(scale1: Path, tmp_path: Path) -> None:
    """The write lock held past ECOM_API_WRITE_WAIT_SECONDS (a rebuild's swap, say): busy, nothing written."""
    copy = tmp_path / "warehouse.sqlite"
    shutil.copyfile(scale1 / "warehouse.sqlite", copy)
    customer = {
        "first_name": "Wait",
        "last_name": "Less",
        "email": "wait.less@example.com",
        "signup_date": "2024-01-01",
    }
    with client(settings(tmp_path, copy, keys=(KEY,), api_write_wait_seconds=0.5)) as http:
        http.headers["X-API-Key"] = KEY
        before = contents(copy)
        with files.exclusive_lock(lock_path(copy)):
            started = time.monotonic()
            response = http.post("/customers", json=customer)
            took = time.monotonic() - started
        body = problem(response, 503)
        assert body["type"].endswith(":busy")
        assert "ECOM_API_WRITE_WAIT_SECONDS" in body["detail"]
        assert response.headers["retry-after"] == "1"
        assert 0.4 < took < 5  # the writer's start-up included
        assert contents(copy) == before
        assert http.post("/customers", json=customer).status_code == 201  # the lock free: written
