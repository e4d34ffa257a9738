"""Stage timing with peak memory, and data/manifest.json: what each published output is, and how it was made.

The manifest has one section per output (``lake``, ``warehouse``, ``analysis``, ``profiling``), each written
right after its output is swapped in, so a failure later in a run never leaves a section describing an
output that is not there. The outputs carry their own records too (the lake's ``_lake.json``, the warehouse's
``build_record`` table); readers that must not be wrong (the API, the dashboard) read those.
"""

from __future__ import annotations

import json
import platform
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psutil

from pipeline import cancel, files

SAMPLE_SECONDS = 0.05
MIB = 1024 * 1024
VERSIONED_PACKAGES = ("polars", "numpy", "pandera", "duckdb", "duckdb-extension-sqlite-scanner", "pyarrow")


def _tree_rss() -> int:
    """Resident memory of this process and its workers together."""
    me = psutil.Process()
    total: int = me.memory_info().rss
    for child in me.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            continue  # a worker that exited between listing and reading
    return total


@dataclass
class StageRecord:
    name: str
    seconds: float = 0.0
    rows: int = 0
    peak_rss_mib: float | None = None  # None for a phase inside a stage (timed, not sampled)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Timings:
    """The stages of a command, each timed with the process tree's peak memory, and their phases."""

    records: list[StageRecord] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str, rows: int = 0) -> Iterator[StageRecord]:
        """Time a stage and sample the process tree's memory while it runs."""
        record = StageRecord(name, rows=rows)
        peak = _tree_rss()
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(SAMPLE_SECONDS):
                peak = max(peak, _tree_rss())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        try:
            yield record
        finally:
            record.seconds = time.perf_counter() - start
            done.set()
            sampler.join()
            record.peak_rss_mib = max(peak, _tree_rss()) / MIB
            self.records.append(record)

    def phases(self, stage: str, seconds: dict[str, float]) -> None:
        """Record the phases of ``stage`` (as ``stage: phase``), timed by the stage itself."""
        self.records += [StageRecord(f"{stage}: {phase}", s) for phase, s in seconds.items()]

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {**asdict(r), "seconds": round(r.seconds, 3),
             "peak_rss_mib": None if r.peak_rss_mib is None else round(r.peak_rss_mib, 1),
             "rows_per_second": round(r.rows_per_second)}
            for r in self.records
        ]  # fmt: skip


@contextmanager
def timed(into: dict[str, float], name: str) -> Iterator[None]:
    """Record the block's wall time in ``into[name]`` (for phases of a stage that run side by side)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        into[name] = round(time.perf_counter() - started, 3)


def versions() -> dict[str, str]:
    found = {}
    for package in VERSIONED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, **found}


def read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())) if path.exists() else {}


def _update(path: Path, section: str | None, fields: dict[str, Any], timings: Timings | None) -> None:
    manifest = read(path)
    if section is not None:
        manifest[section] = fields
    manifest["versions"] = versions()
    if timings is not None:
        new = timings.as_json()
        names = {s["name"] for s in new}
        manifest["stages"] = [s for s in manifest.get("stages", []) if s["name"] not in names] + new
    files.write_text(path, json.dumps(manifest, indent=2, default=str) + "\n")


def describe(path: Path, section: str, fields: dict[str, Any], timings: Timings | None = None) -> None:
    """Describe an output right after it was swapped in; merge the stage records so far (same names replaced)."""
    _update(path, section, fields, timings)
    cancel.note_published(section)


def record_timings(path: Path, timings: Timings) -> None:
    _update(path, None, {}, timings)
