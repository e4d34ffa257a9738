"""The API tests' apps: one over the session's scale-1 build (read-only: writes are disabled there), and, per
module that writes, one over a copy of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.api import KEY, OTHER_KEY, client, settings
from tests.support.cli import run_pipeline


@dataclass(frozen=True)
class Served:
    client: TestClient
    warehouse: Path
    data_dir: Path


@pytest.fixture(scope="session")
def reader(scale1: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The API over the scale-1 build, which no test may change: it has no keys, so it takes no writes."""
    data_dir = tmp_path_factory.mktemp("api-reader")
    warehouse = scale1 / "warehouse.sqlite"
    with client(settings(data_dir, warehouse, keys=())) as test_client:
        yield Served(test_client, warehouse, data_dir)


@pytest.fixture(scope="module")
def writer(scale1: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The API over a copy of the scale-1 build, with two keys: for the tests that write."""
    data_dir = tmp_path_factory.mktemp("api-writer")
    warehouse = data_dir / "warehouse.sqlite"
    shutil.copyfile(scale1 / "warehouse.sqlite", warehouse)
    with client(settings(data_dir, warehouse, keys=(KEY, OTHER_KEY))) as test_client:
        test_client.headers["X-API-Key"] = KEY
        yield Served(test_client, warehouse, data_dir)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scale-0.05 run (lake and warehouse) for the tests that rebuild: each copies it first."""
    return run_pipeline(tmp_path_factory.mktemp("api-small"), "--scale", "0.05")


@pytest.fixture
def rebuildable(small_run: Path, tmp_path: Path) -> Path:
    """A copy of the small run's data directory, to write to and rebuild."""
    data_dir = tmp_path / "data"
    shutil.copytree(small_run, data_dir, symlinks=True)
    return data_dir
