"""What the app does as it starts and stops, beyond opening its resources."""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from pipeline.warehouse.connection import Warehouse
from tests.support.api import client, settings

pytestmark = pytest.mark.fast


def test_what_the_app_loaded_at_start_is_left_out_of_full_collections(tmp_path: Path, warehouse_path: Path) -> None:
    with client(settings(tmp_path, warehouse_path, keys=())) as app_client:
        assert app_client.get("/customers/1").status_code == 200
        frozen = gc.get_freeze_count()
    assert frozen > 50_000  # the modules, routes and models of the app, DuckDB's and Polars' too
    assert gc.get_freeze_count() == 0  # collected again once it stops: another app may start in this process


def test_the_build_is_read_before_the_first_request(tmp_path: Path, warehouse_path: Path) -> None:
    """Its first statement with bound values makes DuckDB import pandas (0.3 s): at start, not in a request."""
    warehouse = tmp_path / "warehouse.sqlite"
    shutil.copyfile(warehouse_path, warehouse)
    an_hour_ago = time.time() - 3600
    os.utime(warehouse, (an_hour_ago, an_hour_ago))  # settled: a build read from it is kept
    with client(settings(tmp_path, warehouse, keys=())) as app_client:
        warehouse_served: Warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
        known = warehouse_served.known_build()
        assert known is not None
        assert known.build_id == app_client.get("/ready").json()["build_id"]


def test_a_warehouse_without_a_build_record_still_starts_the_app(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.sqlite"
    with closing(sqlite3.connect(warehouse)) as db:
        db.execute("create table other (x integer)")
    with client(settings(tmp_path, warehouse, keys=())) as app_client:
        assert app_client.get("/health").json() == {"status": "ok"}
