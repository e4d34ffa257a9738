"""``just bench-scale``: the pipeline at scales 1, 10, 100 and 1000 against two baselines, in one sweep.

For every scale, ``python -m pipeline run --scale S`` runs in a subprocess with its own data directory, while
this process samples the whole process tree's resident memory (the CLI plus its worker processes) every
50 ms for the true peak; per-stage times come from the run's ``manifest.json``. In the same sweep:
- the ``sqlite3`` shell's ``.import`` of the same rows into the same schema (SQLite's own bulk-insert speed),
- the naive Faker + pandas + ``DataFrame.to_sql`` implementation (scales 1 and 10; it takes minutes beyond),
- generation alone, in-process at scale 10, for the pipeline and the naive baseline.
The results go to ``docs/benchmarks.md`` and ``docs/benchmarks_scaling.png``; data directories are removed.

    python -m benchmarks.scale_sweep [--scales 1,10,100,1000] [--workers N] [--keep]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil

from benchmarks.environment import machine
from pipeline.generate.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SAMPLE_SECONDS = 0.05
MIB = 2**20
SEED = 42
NAIVE_SCALES = (1.0, 10.0)
COMPARE_SCALE = 10.0
# The stages of `run` that the targets are about; later stages (analysis, profiling) are reported if present.
LAKE_STAGES = ("generate", "validate")
LOAD_STAGE = "load"

TARGET_E2E_SECONDS = 90.0
TARGET_E2E_RSS_MIB = 2048.0
TARGET_LAKE_ROWS_PER_S = 2_000_000.0
TARGET_GENERATION_SPEEDUP = 30.0
TARGET_RSS_GROWTH = 1.5


Quiet = Callable[[], None]


@dataclass
class Measured:
    """A subprocess's wall time, the peak RSS of its process tree, and what it printed."""

    seconds: float
    peak_rss_mib: float
    stdout: str
    cpu_seconds: float  # user + system time of the whole process tree
    load_before: float  # 1-minute load average when it started: other work on the machine skews timings
    peak_anonymous_mib: float | None = None  # peak RSS without file-backed pages (mmap), see tree_rss


@dataclass
class ScaleResult:
    scale: float
    rows: int
    run: Measured
    stages: list[dict[str, Any]]
    versions: dict[str, str]
    sqlite_import: dict[str, Any] | None = None
    naive: dict[str, Any] | None = None
    naive_peak_rss_mib: float | None = None
    phases: list[tuple[str, str, float]] = field(default_factory=list)  # (logger, phase, seconds) from the log

    def stage(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.stages if s["name"] == name), None)

    @property
    def build_steps_s(self) -> float:
        """Seconds spent on derived tables (marts, logged as 'ran N build step(s)'); no baseline builds them."""
        return sum(sec for _, what, sec in self.phases if BUILD_STEPS.match(what))

    @property
    def load_core_s(self) -> float | None:
        """The load stage without the derived-table build steps: insert, indexes, checks, swap."""
        load = self.stage(LOAD_STAGE)
        return load["seconds"] - self.build_steps_s if load else None

    def seconds(self, names: tuple[str, ...]) -> float | None:
        found = [self.stage(n) for n in names]
        return sum(s["seconds"] for s in found if s) if all(found) else None


@dataclass
class Sweep:
    started: dt.datetime
    command: str
    workers: int
    results: list[ScaleResult] = field(default_factory=list)
    generation_compare: dict[str, Any] = field(default_factory=dict)


BUILD_STEPS = re.compile(r"ran \d+ build step")
PHASE_LINE = re.compile(r"INFO\s+(pipeline[\w.]*): (.+?) in ([0-9.]+) s\b")


def logged_phases(log: Path) -> list[tuple[str, str, float]]:
    """Sub-stage timings the pipeline logs as '<what> in N s' (e.g. the load's fill, merge and checks)."""
    if not log.exists():
        return []
    return [(m[1], m[2], float(m[3])) for m in PHASE_LINE.finditer(log.read_text())]


def tree_rss(process: psutil.Process) -> tuple[int, int]:
    """Resident bytes of the process tree: all of it, and the anonymous part (without file-backed pages).

    File-backed resident pages (e.g. SQLite's mmap of the database) count in RSS but are page cache the
    kernel can drop; the anonymous part is the memory the processes really allocated.
    """
    total = anonymous = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            info = member.memory_info()
        except psutil.Error:
            continue  # exited between listing and reading
        total += info.rss
        anonymous += info.rss - getattr(info, "shared", 0)
    return total, anonymous


def measure(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``command``, sampling its process tree's RSS every 50 ms; fail loudly with its output."""
    load_before = os.getloadavg()[0]
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    process = psutil.Process(child.pid)
    peak = peak_anonymous = 0
    output: list[str] = []
    # Read the output on the side so that a full pipe never blocks the child.
    reader = threading.Thread(target=lambda: output.extend(child.stdout or []), daemon=True)
    reader.start()
    while child.poll() is None:
        try:
            rss, anonymous = tree_rss(process)
            peak, peak_anonymous = max(peak, rss), max(peak_anonymous, anonymous)
        except psutil.NoSuchProcess:
            break
        time.sleep(SAMPLE_SECONDS)
    child.wait()
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - usage_before.ru_utime - usage_before.ru_stime
    reader.join()
    text = "".join(output)
    if child.returncode != 0:
        msg = f"{' '.join(command)} exited with status {child.returncode}:\n{text[-4000:]}"
        raise RuntimeError(msg)
    return Measured(seconds, peak / MIB, text, cpu, load_before, peak_anonymous / MIB)


def wait_for_quiet(max_load: float | None, timeout: float) -> None:
    """Wait (up to ``timeout`` s) until the 1-minute load average is below ``max_load``: other jobs skew timings."""
    if max_load is None:
        return
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(5)


def last_json(text: str) -> dict[str, Any]:
    line = next(line for line in reversed(text.splitlines()) if line.startswith("{"))
    result: dict[str, Any] = json.loads(line)
    return result


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def run_options() -> list[str]:
    """``--no-profile`` once the run command has a profiling stage to skip."""
    help_text = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return ["--no-profile"] if "--no-profile" in help_text else []


def sweep_scale(
    scale: float, work: Path, workers: int, options: list[str], *, naive: bool, imports: bool, quiet: Quiet
) -> ScaleResult:
    data_dir = work / f"scale-{scale_label(scale)}"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {**os.environ, "ECOM_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "pipeline", "run", "--scale", scale_label(scale), "--seed", str(SEED)]
    command += ["--workers", str(workers), "--data-dir", str(data_dir), *options]
    print(f"[scale {scale_label(scale)}] {' '.join(command[1:])}", flush=True)
    quiet()
    run = measure(command, env)
    manifest = json.loads((data_dir / "manifest.json").read_text())
    result = ScaleResult(
        scale, sum(Plan.of(SEED, scale).row_counts.values()), run, manifest["stages"], manifest.get("versions", {})
    )
    result.phases = logged_phases(data_dir / "logs" / "pipeline.log")
    print(
        f"[scale {scale_label(scale)}] run: {run.seconds:.1f} s, peak RSS {run.peak_rss_mib:.0f} MiB, "
        f"CPU {run.cpu_seconds:.1f} s, load average before {run.load_before:.1f}",
        flush=True,
    )
    if imports:
        quiet()
        out = measure(
            [sys.executable, "-m", "benchmarks.sqlite_import_baseline", str(data_dir / "lake"),
             "--work-dir", str(work / "import"), "--json"]
        )  # fmt: skip
        result.sqlite_import = last_json(out.stdout)
        shutil.rmtree(work / "import", ignore_errors=True)
        print(f"[scale {scale_label(scale)}] sqlite3 .import: {result.sqlite_import['import_s']:.1f} s", flush=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    if naive:
        quiet()
        out = measure([sys.executable, "-m", "benchmarks.naive_baseline", "--scale", scale_label(scale), "--json"])
        result.naive = last_json(out.stdout)
        result.naive_peak_rss_mib = out.peak_rss_mib
        print(f"[scale {scale_label(scale)}] naive: {out.seconds:.1f} s", flush=True)
    return result


def compare_generation(quiet: Quiet, naive: dict[str, Any] | None) -> dict[str, Any]:
    """Generation alone, in-process, at scale 10: the pipeline's generators and the naive baseline.

    ``naive`` is the naive baseline's result at scale 10 when the sweep already ran it.
    """
    scale = scale_label(COMPARE_SCALE)
    quiet()
    pipeline_gen = last_json(
        measure([sys.executable, "-m", "benchmarks.inprocess", "--scale", scale, "--rounds", "3", "--json"]).stdout
    )
    if naive is None:
        quiet()
        naive = last_json(
            measure([sys.executable, "-m", "benchmarks.naive_baseline", "--scale", scale, "--json"]).stdout
        )
    return {
        "scale": COMPARE_SCALE,
        "rows": pipeline_gen["rows"],
        "pipeline_s": pipeline_gen["generate_s"],
        "naive_s": naive["generate_s"],
        "pipeline_rows_per_s": pipeline_gen["generate_rows_per_s"],
        "naive_rows_per_s": naive["generate_rows_per_s"],
    }


# ---------------------------------------------------------------------------------------------- report


def fmt_rate(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def fmt_s(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def fmt_mib(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    ratio: float | None  # measured / goal, oriented so that >= 1 means met
    met: bool | None

    def row(self) -> str:
        verdict = "n/a (not measured)" if self.met is None else ("**met**" if self.met else "**missed**")
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}x"
        return f"| {self.name} | {self.goal} | {self.measured} | {verdict} | {ratio} |"


def anonymous_note(run: Measured) -> str:
    if run.peak_anonymous_mib is None:
        return ""
    return f" ({fmt_mib(run.peak_anonymous_mib)} without file-backed pages)"


def anonymous_growth(top: Measured, base: Measured) -> str:
    if not (top.peak_anonymous_mib and base.peak_anonymous_mib):
        return ""
    return f"; without file-backed pages {top.peak_anonymous_mib / base.peak_anonymous_mib:.2f}"


def targets(sweep: Sweep) -> list[Target]:
    by_scale = {r.scale: r for r in sweep.results}
    found: list[Target] = []
    top = by_scale.get(1000.0)
    if top:
        lake_s, load_s = top.seconds(LAKE_STAGES), top.load_core_s
        in_scope = (lake_s or 0.0) + (load_s or 0.0)
        found.append(
            Target(
                "scale 1000 end to end (generate, validate, Parquet, SQLite, checks)",
                f"<= {TARGET_E2E_SECONDS:.0f} s",
                f"{in_scope:.1f} s in scope (generate + validate + load without the mart build step); "
                f"{top.run.seconds:.1f} s process wall including the analysis stage and marts",
                TARGET_E2E_SECONDS / in_scope,
                in_scope <= TARGET_E2E_SECONDS,
            )
        )
        found.append(
            Target(
                "scale 1000 peak RSS (process tree)",
                f"<= {TARGET_E2E_RSS_MIB:,.0f} MiB",
                f"{top.run.peak_rss_mib:,.0f} MiB{anonymous_note(top.run)}",
                TARGET_E2E_RSS_MIB / top.run.peak_rss_mib,
                top.run.peak_rss_mib <= TARGET_E2E_RSS_MIB,
            )
        )
    else:
        found.append(Target("scale 1000 end to end", f"<= {TARGET_E2E_SECONDS:.0f} s", "not run", None, None))
    for result in sweep.results:
        if result.scale < 100:
            continue
        lake_s = result.seconds(LAKE_STAGES)
        if lake_s is None:
            continue
        rate = result.rows / lake_s
        found.append(
            Target(
                f"generation + validation + Parquet at scale {scale_label(result.scale)}",
                f">= {TARGET_LAKE_ROWS_PER_S:,.0f} rows/s",
                f"{rate:,.0f} rows/s ({lake_s:.2f} s)",
                rate / TARGET_LAKE_ROWS_PER_S,
                rate >= TARGET_LAKE_ROWS_PER_S,
            )
        )
    for result in sweep.results:
        load_s = result.load_core_s
        if not (load_s and result.sqlite_import):
            continue
        cli = result.rows / result.sqlite_import["import_s"]
        rate = result.rows / load_s
        found.append(
            Target(
                f"SQLite load vs `sqlite3 .import` at scale {scale_label(result.scale)}",
                f">= {cli:,.0f} rows/s (CLI .import, no indexes)",
                f"{rate:,.0f} rows/s (load stage without marts: insert + indexes + checks, {load_s:.1f} s)",
                rate / cli,
                rate >= cli,
            )
        )
    compare = sweep.generation_compare
    if compare:
        speedup = compare["pipeline_rows_per_s"] / compare["naive_rows_per_s"]
        found.append(
            Target(
                "generation vs naive baseline, in-process at scale 10",
                f">= {TARGET_GENERATION_SPEEDUP:.0f}x",
                f"{speedup:,.0f}x ({fmt_rate(compare['pipeline_rows_per_s'])} vs "
                f"{fmt_rate(compare['naive_rows_per_s'])} rows/s)",
                speedup / TARGET_GENERATION_SPEEDUP,
                speedup >= TARGET_GENERATION_SPEEDUP,
            )
        )
    if top and 100.0 in by_scale:
        growth = top.run.peak_rss_mib / by_scale[100.0].run.peak_rss_mib
        found.append(
            Target(
                "peak RSS scale 1000 / scale 100",
                f"<= {TARGET_RSS_GROWTH:.1f}",
                f"{growth:.2f} ({top.run.peak_rss_mib:,.0f} / {by_scale[100.0].run.peak_rss_mib:,.0f} MiB)"
                + anonymous_growth(top.run, by_scale[100.0].run),
                TARGET_RSS_GROWTH / growth,
                growth <= TARGET_RSS_GROWTH,
            )
        )
    return found


def stage_table(sweep: Sweep) -> list[str]:
    lines = [
        "| scale | rows | stage | seconds | rows/s | peak RSS MiB | CPU s (tree) | load avg before |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in sweep.results:
        label, rows = scale_label(r.scale), f"{r.rows:,}"
        for s in r.stages:
            rate = r.rows / s["seconds"] if s["seconds"] else None
            lines.append(
                f"| {label} | {rows} | {s['name']} | {fmt_s(s['seconds'])} | {fmt_rate(rate)} | "
                f"{fmt_mib(s.get('peak_rss_mib'))} | | |"
            )
        lake_s = r.seconds(LAKE_STAGES)
        if lake_s:
            lines.append(
                f"| {label} | {rows} | generate + validate | {fmt_s(lake_s)} | {fmt_rate(r.rows / lake_s)} | | | |"
            )
        lines.append(
            f"| {label} | {rows} | **end to end** (process wall) | **{fmt_s(r.run.seconds)}** | "
            f"**{fmt_rate(r.rows / r.run.seconds)}** | **{fmt_mib(r.run.peak_rss_mib)}**{anonymous_note(r.run)} | "
            f"{r.run.cpu_seconds:.1f} | {r.run.load_before:.1f} |"
        )
    return lines


def phase_table(sweep: Sweep) -> list[str]:
    lines = ["| scale | logged by | phase | seconds |", "|---:|---|---|---:|"]
    for r in sweep.results:
        lines += [f"| {scale_label(r.scale)} | {who} | {what} | {fmt_s(sec)} |" for who, what, sec in r.phases]
    return lines if len(lines) > 2 else []


def baseline_table(sweep: Sweep) -> list[str]:
    lines = [
        "| scale | rows | baseline | phase | seconds | rows/s | pipeline rows/s (same phase) | pipeline / baseline |",
        "|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in sweep.results:
        label, rows = scale_label(r.scale), f"{r.rows:,}"
        load_s = r.load_core_s
        load_rate = r.rows / load_s if load_s else None
        if r.sqlite_import:
            imp = r.sqlite_import
            for phase, seconds in (
                (".import (no indexes)", imp["import_s"]),
                (".import + index build", imp["import_s"] + imp["indexes_s"]),
            ):
                rate = r.rows / seconds
                ratio = f"{load_rate / rate:.2f}x" if load_rate else ""
                lines.append(
                    f"| {label} | {rows} | sqlite3 CLI {imp['sqlite3_cli']} | {phase} | {fmt_s(seconds)} | "
                    f"{fmt_rate(rate)} | {fmt_rate(load_rate)} (load stage without marts) | {ratio} |"
                )
        if r.naive:
            n = r.naive
            lake_s = r.seconds(LAKE_STAGES)
            lake_rate = r.rows / lake_s if lake_s else None
            naive_e2e = n["generate_s"] + n["to_sql_s"] + n["indexes_s"]
            rows_naive = n["total_rows"]
            for phase, seconds, ours in (
                ("generate (Faker per row)", n["generate_s"], lake_rate),
                ("DataFrame.to_sql", n["to_sql_s"], load_rate),
                ("generate + to_sql + indexes", naive_e2e, rows_naive / r.run.seconds),
            ):
                rate = rows_naive / seconds
                ours_note = {
                    "generate (Faker per row)": "(generate + validate, 2 workers)",
                    "DataFrame.to_sql": "(load stage without marts)",
                    "generate + to_sql + indexes": "(end to end)",
                }[phase]
                ratio = f"{ours / rate:.1f}x" if ours else ""
                lines.append(
                    f"| {label} | {rows} | naive Faker + pandas | {phase} | {fmt_s(seconds)} | {fmt_rate(rate)} | "
                    f"{fmt_rate(ours)} {ours_note} | {ratio} |"
                )
    return lines


QUERIES_DOC = DOCS / "benchmarks_queries.md"
SPARK_DOC = DOCS / "benchmarks_spark.md"


def render(sweep: Sweep, png: Path) -> str:
    info = machine()
    versions = dict(sweep.results[0].versions) if sweep.results else {}
    for package in ("faker", "pandas"):
        versions[package] = version(package)
    cli = next((r.sqlite_import["sqlite3_cli"] for r in sweep.results if r.sqlite_import), "")
    if cli:
        versions["sqlite3 CLI"] = cli
    compare = sweep.generation_compare
    lines = [
        "# Benchmarks",
        "",
        "Generated by `just bench-scale` (`python -m benchmarks.scale_sweep`); do not edit by hand.",
        "",
        f"- **Run**: {sweep.started:%Y-%m-%d %H:%M} UTC, command `{sweep.command}`",
        f"- **Machine**: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM, {info['os']}",
        f"- **Versions**: {', '.join(f'{k} {v}' for k, v in versions.items())}",
        f"- **Pipeline**: `python -m pipeline run --scale S --seed {SEED} --workers {sweep.workers}` in a subprocess "
        "with its own data directory; stage times from its `manifest.json`; the end-to-end peak RSS is the whole "
        "process tree (CLI + worker processes) sampled every 50 ms by the sweep.",
        "",
        "## Pipeline, per stage",
        "",
        "rows/s is always total rows (all five tables) / stage seconds. Per-stage peak RSS is the pipeline's own "
        "sampler (process tree, 50 ms). The end-to-end peak is the sweep's sampler; in brackets the same without "
        "file-backed resident pages (SQLite's memory-mapped database file counts in RSS but is droppable page cache).",
        "",
        *stage_table(sweep),
        "",
    ]
    phases = phase_table(sweep)
    if phases:
        lines += ["Sub-stage timings the pipeline logs (`logs/pipeline.log`):", "", *phases, ""]
    lines += [
        "## Baselines, measured in the same sweep",
        "",
        "- `sqlite3` CLI: the lake exported to CSV (DuckDB `COPY`, not timed), then one `sqlite3` process runs "
        "`.mode csv` and `.import --skip 1 FILE TABLE` per table, in foreign-key order, into a fresh database "
        "made from the tables part of `warehouse/schema.sql`; the secondary indexes are timed separately.",
        "- naive: `benchmarks/naive_baseline.py`, Faker called per row, Python loops building lists of dicts, "
        "pandas DataFrames, `DataFrame.to_sql` into the same schema, indexes after.",
        "- The pipeline's load stage includes the index build, `PRAGMA foreign_key_check`, integrity/quick check, "
        "row-count reconciliation, `ANALYZE` and the fsync + atomic swap; the baselines do none of the checks. "
        "Its derived-table build step (marts, logged as 'ran N build step(s)') is subtracted in these comparisons, "
        "since no baseline builds marts.",
        "",
        *baseline_table(sweep),
        "",
    ]
    if compare:
        lines += [
            "### Generation alone, in-process, at scale 10",
            "",
            "| implementation | seconds | rows/s |",
            "|---|---:|---:|",
            f"| pipeline generators (one process, best of 3, no validation, no files) | {fmt_s(compare['pipeline_s'])} "
            f"| {fmt_rate(compare['pipeline_rows_per_s'])} |",
            f"| naive Faker per row | {fmt_s(compare['naive_s'])} | {fmt_rate(compare['naive_rows_per_s'])} |",
            "",
        ]
    lines += [
        "## Targets",
        "",
        "| target | goal | measured | verdict | ratio (>= 1 is met) |",
        "|---|---|---|---|---:|",
        *(t.row() for t in targets(sweep)),
        "",
        f"![scaling]({png.name})",
        "",
    ]
    # The query benchmarks (benchmarks/test_queries.py) and Spark's (benchmarks/spark_vs_local.py) keep their own
    # results; this page carries them along.
    for carried in (QUERIES_DOC, SPARK_DOC):
        if carried.exists():
            lines += [carried.read_text().rstrip(), ""]
    return "\n".join(lines)


def plot(sweep: Sweep, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = sweep.results
    scales = [r.scale for r in results]
    names = [s["name"] for s in results[-1].stages] if results else []
    fig, (ax_time, ax_rate, ax_rss) = plt.subplots(1, 3, figsize=(16, 5))
    for name in names:
        found = [(r, s) for r in results if (s := r.stage(name)) and s["seconds"]]
        ax_time.plot([r.scale for r, _ in found], [s["seconds"] for _, s in found], marker="o", label=name)
        ax_rate.plot([r.scale for r, _ in found], [r.rows / s["seconds"] for r, s in found], marker="o", label=name)
    ax_time.plot(scales, [r.run.seconds for r in results], marker="s", color="black", label="end to end")
    ax_time.axhline(TARGET_E2E_SECONDS, color="red", linestyle=":", label="target at 1000 (90 s)")
    imports = [(r.scale, r.rows / r.sqlite_import["import_s"]) for r in results if r.sqlite_import]
    if imports:
        ax_rate.plot(*zip(*imports, strict=True), marker="x", linestyle="--", color="grey", label="sqlite3 .import")
    naive = [(r.scale, r.naive["generate_rows_per_s"]) for r in results if r.naive]
    if naive:
        ax_rate.plot(*zip(*naive, strict=True), marker="x", linestyle="--", color="brown", label="naive generate")
    ax_rate.axhline(TARGET_LAKE_ROWS_PER_S, color="red", linestyle=":", label="2 M rows/s target")
    ax_rss.plot(scales, [r.run.peak_rss_mib for r in results], marker="o", color="black", label="pipeline run")
    naive_rss = [(r.scale, r.naive_peak_rss_mib) for r in results if r.naive_peak_rss_mib]
    if naive_rss:
        ax_rss.plot(*zip(*naive_rss, strict=True), marker="x", linestyle="--", color="brown", label="naive")
    ax_rss.axhline(TARGET_E2E_RSS_MIB, color="red", linestyle=":", label="2 GiB target")
    for ax, title, unit in (
        (ax_time, "wall time per stage", "seconds"),
        (ax_rate, "throughput per stage", "rows/s (all tables)"),
        (ax_rss, "peak RSS, process tree", "MiB"),
    ):
        ax.set_xscale("log")
        if ax is not ax_rss:
            ax.set_yscale("log")
        ax.set_xlabel("scale factor (1 = 20,600 rows)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_scales(text: str) -> list[float]:
    try:
        scales = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        msg = f"--scales {text!r}: expected comma-separated numbers such as 1,10,100,1000"
        raise argparse.ArgumentTypeError(msg) from None
    if not scales or any(s <= 0 for s in scales):
        msg = f"--scales {text!r}: expected positive scale factors such as 1,10,100,1000"
        raise argparse.ArgumentTypeError(msg)
    return scales


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=parse_scales, default=[1.0, 10.0, 100.0, 1000.0])
    parser.add_argument("--import-scales", type=parse_scales, help="scales for the sqlite3 baseline (default all)")
    parser.add_argument("--naive-scales", type=parse_scales, default=list(NAIVE_SCALES))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "ecom-bench")
    parser.add_argument("--output", type=Path, default=DOCS / "benchmarks.md")
    parser.add_argument("--plot", type=Path, default=DOCS / "benchmarks_scaling.png")
    parser.add_argument("--no-compare", action="store_true", help="skip the in-process generation comparison")
    parser.add_argument(
        "--max-load",
        type=float,
        help="before each measurement wait (up to --max-wait s) until the 1-minute load average is below this",
    )
    parser.add_argument("--max-wait", type=float, default=120.0)
    parser.add_argument("--keep", action="store_true", help="keep the data directories (for debugging)")
    parser.add_argument(
        "--from-json",
        type=Path,
        help="only re-render the report from saved results (WORK_DIR/<output stem>.json)",
    )
    args = parser.parse_args(argv)
    if args.from_json:
        return report(load_sweep(args.from_json), args.output, args.plot)
    import_scales = args.import_scales or args.scales
    sweep = Sweep(
        dt.datetime.now(dt.UTC), "python -m benchmarks.scale_sweep " + " ".join(argv or sys.argv[1:]), args.workers
    )
    work = args.work_dir / f"sweep-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)

    def quiet() -> None:
        wait_for_quiet(args.max_load, args.max_wait)

    try:
        options = run_options()
        for scale in sorted(args.scales):
            sweep.results.append(
                sweep_scale(
                    scale, work, args.workers, options,
                    naive=scale in args.naive_scales, imports=scale in import_scales, quiet=quiet,
                )
            )  # fmt: skip
        if not args.no_compare:
            naive = next((r.naive for r in sweep.results if r.scale == COMPARE_SCALE and r.naive), None)
            sweep.generation_compare = compare_generation(quiet, naive)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    saved = args.work_dir / f"{args.output.stem}.json"
    saved.write_text(json.dumps(dataclasses.asdict(sweep), default=str, indent=1))
    print(f"raw results: {saved} (re-render with --from-json)")
    return report(sweep, args.output, args.plot)


def load_sweep(path: Path) -> Sweep:
    raw = json.loads(path.read_text())
    results = []
    for r in raw.pop("results"):
        r["run"] = Measured(**r["run"])
        r["phases"] = [tuple(p) for p in r["phases"]]
        results.append(ScaleResult(**r))
    return Sweep(dt.datetime.fromisoformat(raw.pop("started")), results=results, **raw)


def report(sweep: Sweep, output: Path, png: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    plot(sweep, png)
    output.write_text(render(sweep, png))
    print(f"wrote {output} and {png}")
    for target in targets(sweep):
        print(target.row())
    return 0


if __name__ == "__main__":
    sys.exit(main())
