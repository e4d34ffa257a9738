"""What the sweep runs, each in a subprocess of its own, and what it keeps of each.

- the pipeline, ``run --no-profile``, at each scale (stage times from its manifest, memory sampled here);
- the warehouse load alone over the same lake, and the ``sqlite3`` shell's ``.import`` + index build of it;
- the naive Faker + pandas baseline (small scales: it takes minutes beyond);
- optionally the previous version of the pipeline (a checkout with its own venv) at the small scales;
- start-up: ``--help`` and the Python side of ``just sql``; a newcomer's first ``run`` with profiling.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.sweep.measure import Measured, disk_mib, measure, median_seconds
from pipeline.generate.plan import Plan

ROOT = Path(__file__).resolve().parents[2]
SEED = 42
PYTHON = sys.executable
STARTUP_RUNS = 11


def label(scale: float) -> str:
    return f"{scale:g}"


def _json(text: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(next(line for line in reversed(text.splitlines()) if line.startswith("{")))
    return result


def _kept(measured: Measured) -> Measured:
    """A measurement without the command's output (the JSON keeps numbers, not logs)."""
    return dataclasses.replace(measured, output="")


@dataclass
class ScaleRun:
    scale: float
    rows: int
    run: Measured
    stages: list[dict[str, Any]]
    lake_mib: float
    warehouse_mib: float
    load_only: dict[str, Any] | None = None  # seconds and phases of the load alone, with its memory
    sqlite_import: dict[str, Any] | None = None
    naive: dict[str, Any] | None = None
    baseline: Measured | None = None  # the previous version's `run` at this scale

    def stage(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.stages if s["name"] == name), None)


@dataclass
class Startup:
    help_s: float
    sql_s: float  # `python -m pipeline sql "select 1"`: Python, then the DuckDB shell
    sql_shell_s: float  # the DuckDB shell alone with the same set-up

    @property
    def sql_python_s(self) -> float:
        return self.sql_s - self.sql_shell_s


@dataclass
class FirstRun:
    """A newcomer's `just run`: scale 1 with profiling, into a fresh data directory, then again."""

    first: Measured
    again: Measured


@dataclass
class Sweep:
    started: str
    command: str
    workers: int
    machine: dict[str, Any]
    versions: dict[str, str]
    runs: list[ScaleRun] = field(default_factory=list)
    startup: Startup | None = None
    first_run: FirstRun | None = None


def run_scale(
    scale: float, work: Path, workers: int, *, load_only: bool, sqlite_import: bool, naive: bool, baseline: Path | None
) -> ScaleRun:
    data_dir = work / f"scale-{label(scale)}"
    shutil.rmtree(data_dir, ignore_errors=True)
    command = [PYTHON, "-m", "pipeline", "run", "--scale", label(scale), "--seed", str(SEED),
               "--workers", str(workers), "--no-profile", "--data-dir", str(data_dir)]  # fmt: skip
    print(f"[scale {label(scale)}] {' '.join(command[1:])}", flush=True)
    run = measure(command, cwd=ROOT)
    manifest = json.loads((data_dir / "manifest.json").read_text())
    result = ScaleRun(
        scale,
        sum(Plan.of(SEED, scale).row_counts.values()),
        _kept(run),
        manifest["stages"],
        disk_mib(data_dir / "lake"),
        disk_mib(data_dir / "warehouse.sqlite"),
    )
    print(f"[scale {label(scale)}] {run.seconds:.1f} s, largest process {run.peak_process_anon_mib:.0f} MiB anon, "
          f"load {run.load_before:.1f}", flush=True)  # fmt: skip
    if load_only:
        target = work / "load-only" / "warehouse.sqlite"
        measured = measure([PYTHON, "-m", "benchmarks.load_only", str(data_dir / "lake"), str(target)], cwd=ROOT)
        result.load_only = {**_json(measured.output), "measured": dataclasses.asdict(_kept(measured))}
        shutil.rmtree(target.parent, ignore_errors=True)
    if sqlite_import:
        measured = measure([PYTHON, "-m", "benchmarks.sqlite_import_baseline", str(data_dir / "lake"),
                            "--work-dir", str(work / "import"), "--json"], cwd=ROOT)  # fmt: skip
        result.sqlite_import = _json(measured.output)
        shutil.rmtree(work / "import", ignore_errors=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    if naive:
        measured = measure([PYTHON, "-m", "benchmarks.naive_baseline", "--scale", label(scale), "--json"], cwd=ROOT)
        result.naive = {**_json(measured.output), "peak_tree_rss_mib": measured.peak_tree_rss_mib}
    if baseline is not None:
        old_dir = work / f"baseline-{label(scale)}"
        old = [str(baseline / ".venv" / "bin" / "python"), "-m", "pipeline", "run", "--scale", label(scale),
               "--seed", str(SEED), "--workers", str(workers), "--no-profile", "--data-dir", str(old_dir)]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        result.baseline = _kept(measure(old, cwd=baseline, env=env))
        shutil.rmtree(old_dir, ignore_errors=True)
    return result


def startup(work: Path) -> Startup:
    """Start-up times, medians of several runs, over a tiny built data directory."""
    data_dir = work / "startup"
    subprocess.run([PYTHON, "-m", "pipeline", "run", "--scale", "0.01", "--no-profile", "--data-dir", str(data_dir)],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    help_s = median_seconds([PYTHON, "-m", "pipeline", "--help"], STARTUP_RUNS)
    sql = [PYTHON, "-m", "pipeline", "sql", "--data-dir", str(data_dir), "select 1"]
    sql_s = median_seconds(sql, STARTUP_RUNS)
    from pipeline.commands.sql import command
    from pipeline.output_sets import SetPaths
    from pipeline.settings import Settings

    shell = command(Settings(data_dir=data_dir), "select 1", SetPaths(data_dir))
    shell_s = median_seconds(shell, STARTUP_RUNS)
    shutil.rmtree(data_dir, ignore_errors=True)
    return Startup(help_s, sql_s, shell_s)


def first_run(work: Path) -> FirstRun:
    data_dir = work / "first-run"
    shutil.rmtree(data_dir, ignore_errors=True)
    command = [PYTHON, "-m", "pipeline", "run", "--data-dir", str(data_dir)]
    first = _kept(measure(command, cwd=ROOT))
    again = _kept(measure(command, cwd=ROOT))
    shutil.rmtree(data_dir, ignore_errors=True)
    return FirstRun(first, again)


def load(path: Path) -> Sweep:
    raw = json.loads(path.read_text())
    runs = []
    for r in raw.pop("runs"):
        r["run"] = Measured(**r["run"])
        r["baseline"] = Measured(**r["baseline"]) if r.get("baseline") else None
        runs.append(ScaleRun(**r))
    startup_ = Startup(**raw.pop("startup")) if raw.get("startup") else None
    first = raw.pop("first_run", None)
    first_ = FirstRun(Measured(**first["first"]), Measured(**first["again"])) if first else None
    raw.pop("startup", None)
    return Sweep(**raw, runs=runs, startup=startup_, first_run=first_)
