"""Stage timing with peak memory, and data/manifest.json: what was built, from what, how fast."""

from __future__ import annotations

import json
import platform
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil

SAMPLE_SECONDS = 0.05
# What describes a generated lake; meaningless for a warehouse loaded from another source.
GENERATION_FIELDS = ("seed", "scale", "end_date", "anomaly_rate", "row_counts", "content_hashes", "anomalies_labelled")
MIB = 1024 * 1024


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
    peak_rss_mib: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Stages:
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

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {**asdict(r), "seconds": round(r.seconds, 3), "peak_rss_mib": round(r.peak_rss_mib, 1),
             "rows_per_second": round(r.rows_per_second)}
            for r in self.records
        ]  # fmt: skip


def versions() -> dict[str, str]:
    packages = ("polars", "numpy", "pandera", "duckdb", "duckdb-extension-sqlite-scanner", "pyarrow")
    found = {}
    for package in packages:
        try:
            found[package] = version(package)
        except Exception:
            continue
    return {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, **found}


def update_manifest(path: Path, fields: dict[str, Any], stages: Stages, drop: Sequence[str] = ()) -> None:
    """Merge ``fields`` and the stage records into the manifest (stages replace same-named ones)."""
    manifest: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    for key in drop:
        manifest.pop(key, None)
    manifest.update(fields)
    manifest["versions"] = versions()
    new = stages.as_json()
    names = {s["name"] for s in new}
    manifest["stages"] = [s for s in manifest.get("stages", []) if s["name"] not in names] + new
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    tmp.replace(path)
