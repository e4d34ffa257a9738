"""What the app does as it starts and stops, beyond opening its resources."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tests.support.api import client, settings

pytestmark = pytest.mark.fast


def test_what_the_app_loaded_at_start_is_left_out_of_full_collections(tmp_path: Path, warehouse_path: Path) -> None:
    with client(settings(tmp_path, warehouse_path, keys=())) as app_client:
        assert app_client.get("/customers/1").status_code == 200
        frozen = gc.get_freeze_count()
    assert frozen > 50_000  # the modules, routes and models of the app, DuckDB's and Polars' too
    assert gc.get_freeze_count() == 0  # collected again once it stops: another app may start in this process
