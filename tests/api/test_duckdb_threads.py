"""Each API process gives DuckDB its share of the cores: a keyed read is one small statement that more threads
than cores per worker only slow down."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.warehouse.connection import Warehouse
from tests.support.api import client, settings

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("workers", [1, 2, 64])
def test_each_process_gets_duckdb_threads_for_its_share_of_the_cores(
    scale1: Path, tmp_path: Path, workers: int
) -> None:
    cores = os.cpu_count() or 1
    expected = max(1, cores // workers)  # by hand: 2 cores -> 2, 1, 1
    with client(settings(tmp_path, scale1 / "warehouse.sqlite", keys=(), api_workers=workers)) as app:
        warehouse: Warehouse = app.app.state.warehouse  # type: ignore[attr-defined]
        with warehouse.lease() as cursor:
            (threads,) = cursor.execute("select current_setting('threads')").fetchone() or (None,)
    assert threads == expected
