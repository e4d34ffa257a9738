"""The writer process: a write gives way to a long read (503, nothing written), and a dead writer is replaced."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from api.writer import Writer, WriterUnavailable
from pipeline.warehouse import sql_files
from tests.api.conftest import Served
from tests.support.api import contents, problem

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
        assert "busy" in body["detail"]
        assert response.headers["retry-after"] == "1"
        reader.kill()
    assert contents(writer.warehouse) == before
    assert writer.client.post("/customers", json=customer).status_code == 201


def test_a_writer_that_dies_is_replaced() -> None:
    with Writer() as writer:
        with pytest.raises(WriterUnavailable, match="stopped during the write"):
            writer.run(os._exit, 1)
        assert writer.run(pow, 2, 10) == 1024
        assert writer.run(os.getpid) != os.getpid()  # the work runs in another process


def test_writes_run_in_a_process_that_never_imports_duckdb() -> None:
    """The writer's start-up stays light, and DuckDB's SQLite library never shares its process with sqlite3's."""
    with Writer() as writer:
        assert "insert into audit_log" in writer.run(sql_files.write_statement, "audit")  # what every write job imports
        assert writer.run(eval, "'duckdb' in __import__('sys').modules") is False
