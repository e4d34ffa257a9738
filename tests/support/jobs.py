"""Jobs for the API's writer process in tests, each taking the write's context first as every job does. A module of
its own that imports only what a write job does, since the writer process imports it to run them."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
import time
from pathlib import Path

from pipeline.warehouse.writes.transaction import Writing


def writing(warehouse: Path, wait: float = 5.0) -> Writing:
    """A write's context as the API makes one, its wait ending ``wait`` seconds from now."""
    return Writing(warehouse, "sha256:test", (dt.date(2023, 1, 1), dt.date(2025, 12, 31)), time.monotonic() + wait)


def job_exit(_: Writing, status: int) -> None:
    os._exit(status)


def job_pid(_: Writing) -> int:
    return os.getpid()


def job_nap(_: Writing, seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def job_import(_: Writing, name: str) -> None:
    importlib.import_module(name)


def job_has_module(_: Writing, name: str) -> bool:
    return name in sys.modules
