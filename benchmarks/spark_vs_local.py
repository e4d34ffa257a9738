"""``just bench-spark``: Spark local[2] against the one-machine pipeline, generation and all queries, at scales 10, 100.

For each scale, in this process and with the same code paths as the commands:
- one machine: ``chunks.generate_lake`` with one worker and with two (the pipeline's choice: in-process below
  1 M rows, a pool of two above), then every query of ``queries/`` on DuckDB over the lake, twice (cold, warm);
- Spark (``--master``, default local[2]), in a fresh process per scale: the session start, the first job
  (Python workers start), the generators' imports and first calls in the workers, a job of empty tasks (the
  fixed cost of a task), the generation (``spark.generate``'s job, with each task timing itself from inside),
  the results shipped back to the driver, then every query on Spark SQL, twice, split into planning
  (``spark.sql``) and execution with the Arrow transfer (``toArrow``).
Spark's lake must have the one-machine lake's content hashes and every Spark answer DuckDB's; the run stops
otherwise. The raw numbers go to docs/benchmarks/spark.json, the page rendered from them to docs/benchmarks/spark.md.
The 1-minute load average is recorded before and after each phase.

    python -m benchmarks.spark_vs_local [--scales 10,100] [--master local[2]]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from benchmarks.environment import command_line, machine
from benchmarks.inprocess import clear_generation_caches
from benchmarks.spark_task_timing import import_generators, no_op, timed_run_task
from pipeline.analysis.queries import all_queries
from pipeline.analysis.sources import connect_lake
from pipeline.chunks import generate_lake, summarize
from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Job, tasks
from pipeline.manifest import versions
from pipeline.settings import Settings
from pipeline.spark.analyze import collect, register_lake, spark_frame
from pipeline.spark.session import spark_session

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS = DOCS / "benchmarks"  # beside the sweep's scaling.json and scaling.md
EMPTY_TASKS = 200
WARM_UP_SCALE = 0.01  # the first calls of the generators in a process (lazy imports, caches), on tiny chunks


def load() -> float:
    return os.getloadavg()[0]


def cpu_seconds() -> float:
    """User + system time of this process and of its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def measured(into: dict[str, Any], name: str) -> Iterator[None]:
    """Wall seconds, CPU seconds (this process and finished children) and load average around a block."""
    before, cpu, started = load(), cpu_seconds(), time.perf_counter()
    yield
    into[name] = {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu,
        "load_before": before,
        "load_after": load(),
    }


def one_machine(settings: Settings, work: Path) -> tuple[dict[str, Any], dict[str, str], dict[str, pl.DataFrame]]:
    plan = Plan.of(settings.seed, settings.scale)
    out: dict[str, Any] = {}
    hashes: dict[str, str] = {}
    warm_up = Job(settings.seed, WARM_UP_SCALE, settings.start_date, settings.anomaly_rate, work / "warm-up")
    generate_lake(warm_up, Plan.of(settings.seed, WARM_UP_SCALE), 1, work / "warm-up.parquet", lambda _: None)
    for workers in (1, 2):
        lake_dir = work / f"lake-{workers}"
        job = Job(settings.seed, settings.scale, settings.start_date, settings.anomaly_rate, lake_dir)
        clear_generation_caches()
        with measured(out, f"generate_workers_{workers}"):
            summary = generate_lake(job, plan, workers, work / f"labels-{workers}.parquet", lambda _: None)
        hashes = summary.hashes
    answers: dict[str, pl.DataFrame] = {}
    queries: dict[str, list[float]] = {}
    with connect_lake(work / "lake-1") as con:
        for round_name in ("cold", "warm"):
            with measured(out, f"queries_{round_name}"):
                for name, query in all_queries().items():
                    started = time.perf_counter()
                    answers[name] = query.run(con, query.bind())
                    queries.setdefault(name, []).append(time.perf_counter() - started)
    out["query_seconds"] = queries
    return out, hashes, answers


def spark_generation(spark: Any, settings: Settings, lake_dir: Path, expected: dict[str, str]) -> dict[str, Any]:
    plan = Plan.of(settings.seed, settings.scale)
    job = Job(settings.seed, settings.scale, settings.start_date, settings.anomaly_rate, lake_dir)
    todo = tasks(plan)
    out: dict[str, Any] = {}
    with measured(out, "generate"):
        timed = spark.sparkContext.parallelize(todo, len(todo)).map(partial(timed_run_task, job)).collect()
    results = [result for result, _ in timed]
    if summarize(plan, results).hashes != expected:
        msg = f"scale {settings.scale}: Spark's lake differs from the one-machine lake"
        raise AssertionError(msg)
    shipped = pickle.dumps(results)
    started = time.perf_counter()
    pickle.loads(shipped)
    out["tasks"] = [timing for _, timing in timed]
    out["results_bytes"] = len(shipped)
    out["results_unpickle_s"] = time.perf_counter() - started
    return out


def spark_queries(spark: Any, lake_dir: Path, answers: dict[str, pl.DataFrame]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with measured(out, "register_views"):
        register_lake(spark, lake_dir)
    per_query: dict[str, list[dict[str, float]]] = {}
    for round_name in ("cold", "warm"):
        with measured(out, f"queries_{round_name}"):
            for name, query in all_queries().items():
                started = time.perf_counter()
                frame = spark_frame(spark, query, query.bind())
                planned = time.perf_counter()
                result = collect(frame)
                done = time.perf_counter()
                assert_frame_equal(result, answers[name], check_exact=False, rel_tol=0, abs_tol=1e-9)
                per_query.setdefault(name, []).append({"plan_s": planned - started, "execute_s": done - planned})
    out["query_seconds"] = per_query
    return out


def spark_overheads(spark: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cores = spark.sparkContext.defaultParallelism
    with measured(out, "first_job"):  # starts the Python workers
        spark.sparkContext.parallelize(range(cores), cores).map(no_op).collect()
    out["worker_imports_s"] = spark.sparkContext.parallelize(range(cores), cores).map(import_generators).collect()
    with measured(out, "empty_tasks"):
        spark.sparkContext.parallelize(range(EMPTY_TASKS), EMPTY_TASKS).map(no_op).collect()
    out["empty_tasks"]["count"] = EMPTY_TASKS
    out["cores"] = cores
    return out


def spark_warm_up(spark: Any, settings: Settings, lake_dir: Path) -> dict[str, Any]:
    """A tiny generation job, so that each worker has made its first calls (as the one-machine side has)."""
    plan = Plan.of(settings.seed, WARM_UP_SCALE)
    job = Job(settings.seed, WARM_UP_SCALE, settings.start_date, settings.anomaly_rate, lake_dir)
    out: dict[str, Any] = {}
    with measured(out, "warm_up"):
        spark.sparkContext.parallelize(tasks(plan), len(tasks(plan))).map(partial(timed_run_task, job)).collect()
    return out


def measure_scale(scale: float, master: str, work: Path) -> dict[str, Any]:
    settings = Settings(data_dir=work, scale=scale, workers=2)
    plan = Plan.of(settings.seed, scale)
    print(f"scale {scale:g}: one machine", flush=True)
    local, hashes, answers = one_machine(settings, work)
    result: dict[str, Any] = {"scale": scale, "rows": sum(plan.row_counts.values()), "chunks": len(tasks(plan))}
    result["one_machine"] = local
    print(f"scale {scale:g}: Spark {master}", flush=True)
    before, started = load(), time.perf_counter()
    with spark_session(master, work) as spark:
        spark_out: dict[str, Any] = {
            "session_start": {"seconds": time.perf_counter() - started, "load_before": before, "load_after": load()}
        }
        spark_out |= spark_overheads(spark)
        spark_out |= spark_warm_up(spark, settings, work / "warm-up-spark")
        spark_out |= spark_generation(spark, settings, work / "lake-spark", hashes)
        spark_out |= spark_queries(spark, work / "lake-spark", answers)
    result["spark"] = spark_out
    return result


def java_version() -> str:
    java = shutil.which("java") or "java"
    lines = subprocess.run([java, "-version"], capture_output=True, text=True, check=True).stderr.splitlines()
    return lines[0] if lines else "unknown"


# ---------------------------------------------------------------------------------------------- the report


def fmt_s(seconds: float) -> str:
    return f"{seconds:,.2f}" if seconds < 10 else f"{seconds:,.1f}"


def fmt_rate(rate: float) -> str:
    return f"{rate:,.0f}"


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:,.1f}x" if fast else ""


def query_totals(per_query: dict[str, list[Any]], round_index: int, pick: Callable[[Any], float]) -> float:
    return sum(pick(times[round_index]) for times in per_query.values())


def comparison_rows(r: dict[str, Any]) -> list[str]:
    local, spark = r["one_machine"], r["spark"]
    gen1, gen2, gens = (
        local["generate_workers_1"]["seconds"],
        local["generate_workers_2"]["seconds"],
        spark["generate"]["seconds"],
    )
    rows = [
        f"| {r['scale']:g} | generate ({r['rows']:,} rows, {r['chunks']} chunks) | {fmt_s(gen1)} | {fmt_s(gen2)} "
        f"| {fmt_s(gens)} | {ratio(gens, min(gen1, gen2))} |"
    ]
    for round_name in ("cold", "warm"):
        duck, sparkq = local[f"queries_{round_name}"]["seconds"], spark[f"queries_{round_name}"]["seconds"]
        rows.append(
            f"| {r['scale']:g} | all {len(local['query_seconds'])} queries, {round_name} | {fmt_s(duck)} | (same) "
            f"| {fmt_s(sparkq)} | {ratio(sparkq, duck)} |"
        )
    session = spark["session_start"]["seconds"]
    total_local = gen2 + local["queries_cold"]["seconds"]
    total_spark = session + spark["first_job"]["seconds"] + max(spark["worker_imports_s"]) + gens
    total_spark += spark["warm_up"]["seconds"]
    total_spark += spark["register_views"]["seconds"]
    total_spark += spark["queries_cold"]["seconds"]
    rows.append(
        f"| {r['scale']:g} | end to end (Spark: with session start) | | {fmt_s(total_local)} | {fmt_s(total_spark)} "
        f"| {ratio(total_spark, total_local)} |"
    )
    return rows


def where_rows(r: dict[str, Any]) -> list[str]:
    spark = r["spark"]
    task_times = spark["tasks"]
    in_tasks = sum(t["task_s"] for t in task_times)
    imports = max(spark["worker_imports_s"])
    per_task_ms = spark["empty_tasks"]["seconds"] / spark["empty_tasks"]["count"] * spark["cores"] * 1000
    gen = spark["generate"]["seconds"]
    plan_cold = query_totals(spark["query_seconds"], 0, lambda q: q["plan_s"])
    exec_cold = query_totals(spark["query_seconds"], 0, lambda q: q["execute_s"])
    plan_warm = query_totals(spark["query_seconds"], 1, lambda q: q["plan_s"])
    exec_warm = query_totals(spark["query_seconds"], 1, lambda q: q["execute_s"])
    return [
        f"| {r['scale']:g} | session start (JVM, SparkContext) | {fmt_s(spark['session_start']['seconds'])} |",
        f"| {r['scale']:g} | first job: Python workers start | {fmt_s(spark['first_job']['seconds'])} |",
        f"| {r['scale']:g} | fixed cost of a task (empty tasks, per core) | {per_task_ms:,.0f} ms |",
        f"| {r['scale']:g} | the generators imported in each worker (before the job) | {fmt_s(imports)} |",
        f"| {r['scale']:g} | their first calls in each worker (a scale-{WARM_UP_SCALE:g} generation job) | "
        f"{fmt_s(spark['warm_up']['seconds'])} |",
        f"| {r['scale']:g} | generation job, wall | {fmt_s(gen)} |",
        f"| {r['scale']:g} | of which in run_task (summed over tasks; {spark['cores']} run at once) | "
        f"{fmt_s(in_tasks)} |",
        f"| {r['scale']:g} | results back to the driver | {spark['results_bytes'] / 1024:,.0f} KiB, "
        f"unpickled in {spark['results_unpickle_s'] * 1000:,.1f} ms |",
        f"| {r['scale']:g} | views over the lake (schema from Parquet footers) | "
        f"{fmt_s(spark['register_views']['seconds'])} |",
        f"| {r['scale']:g} | queries cold: planning / execution + Arrow transfer | {fmt_s(plan_cold)} / "
        f"{fmt_s(exec_cold)} |",
        f"| {r['scale']:g} | queries warm: planning / execution + Arrow transfer | {fmt_s(plan_warm)} / "
        f"{fmt_s(exec_warm)} |",
    ]


def rate_rows(r: dict[str, Any]) -> list[str]:
    local, spark = r["one_machine"], r["spark"]
    rows_total = r["rows"]
    one = local["generate_workers_1"]
    task_cpu = sum(t["cpu_s"] for t in spark["tasks"])
    task_wall = sum(t["task_s"] for t in spark["tasks"])
    cores = spark["cores"]
    lines = [
        f"| {r['scale']:g} | generation, one process | {fmt_rate(rows_total / one['seconds'])} rows/s | "
        f"{fmt_rate(rows_total / one['cpu_seconds'])} |",
        f"| {r['scale']:g} | generation, Spark tasks (inside run_task) | "
        f"{fmt_rate(rows_total / spark['generate']['seconds'])} rows/s (job wall) | "
        f"{fmt_rate(rows_total / task_cpu)} (per task-second: {fmt_rate(rows_total / task_wall)}) |",
    ]
    scanned = rows_total * len(local["query_seconds"])
    duck, sparkq = local["queries_warm"], spark["queries_warm"]
    lines += [
        f"| {r['scale']:g} | all queries, DuckDB (warm) | {fmt_rate(scanned / duck['seconds'])} table rows/s | "
        f"{fmt_rate(scanned / duck['seconds'] / cores)} (wall x {cores} cores) |",
        f"| {r['scale']:g} | all queries, Spark SQL (warm) | {fmt_rate(scanned / sparkq['seconds'])} table rows/s | "
        f"{fmt_rate(scanned / sparkq['seconds'] / cores)} (wall x {cores} cores) |",
    ]
    return lines


def load_note(results: list[dict[str, Any]]) -> str:
    loads: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            loads.extend(v for k, v in value.items() if k.startswith("load_") and isinstance(v, float))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(results)
    return f"{min(loads):.1f} to {max(loads):.1f}" if loads else "unknown"


def render(raw: dict[str, Any]) -> str:
    results = raw["results"]
    info = raw["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in raw["versions"].items())
    lines = [
        "# Benchmarks: Spark local[2] against one machine",
        "",
        f"Generated by `just bench-spark` (`{raw['command']}`) on {raw['started']} from `spark.json` beside it; do "
        "not edit by hand. Findings: [../benchmarks.md](../benchmarks.md).",
        "",
        f"- **Machine**: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM, {info['os']}",
        f"- **Versions**: {versions}",
        f"- **Load**: the 1-minute load average during the phases was {load_note(results)} on {info['cores']} "
        "cores (Spark's JVM and Python workers run on the same cores as the measurements).",
        f"- **Spark**: `--master {raw['master']}`, one task per chunk for generation, "
        "`spark.sql.shuffle.partitions` = the local cores; every Spark answer was checked equal to DuckDB's and "
        "Spark's lake to the one-machine lake (content hashes) in the same run.",
        "- **One machine**: `generate_lake` in this process (after a tiny warm-up run), with one worker and with "
        "two, which is a spawn pool above 1 M rows: its fresh workers import the generators as Spark's do. DuckDB "
        "runs the queries over the lake (2 threads).",
        "",
        "### Seconds, one machine vs Spark",
        "",
        "| scale | work | one process | one machine (`--workers 2`) | Spark local[2] | Spark / best one machine |",
        "|---:|---|---:|---:|---:|---:|",
        *(row for r in results for row in comparison_rows(r)),
        "",
        "### Where Spark's time goes",
        "",
        "| scale | part | seconds |",
        "|---:|---|---:|",
        *(row for r in results for row in where_rows(r)),
        "",
        "### Rows per second per core (what a cluster scales from)",
        "",
        "Generation is embarrassingly parallel (no shuffle, no driver work but a few KiB per chunk), so a cluster "
        "of N executor cores generates about N x the per-CPU-second rate below, once the fixed costs above "
        "(session, worker start, ~one task per chunk) are paid. The queries shuffle, so their rate per core is a "
        "ceiling, not a promise.",
        "",
        "| scale | work | rate | rows per CPU-second (per core) |",
        "|---:|---|---:|---:|",
        *(row for r in results for row in rate_rows(r)),
    ]
    return "\n".join(lines)


def write_report(raw: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "spark.json").write_text(json.dumps(raw, indent=1, default=str) + "\n")
    (RESULTS / "spark.md").write_text(render(raw) + "\n")
    print(f"wrote {RESULTS / 'spark.md'} and {RESULTS / 'spark.json'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10,100", help="comma-separated scales (default 10,100)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--from-json", action="store_true", help="only re-render docs/benchmarks/spark.json")
    parser.add_argument("--one-scale", type=float, help=argparse.SUPPRESS)  # one scale, in this process
    parser.add_argument("--into", type=Path, help=argparse.SUPPRESS)  # where --one-scale writes its results
    args = parser.parse_args(argv)
    if args.one_scale is not None:
        with tempfile.TemporaryDirectory(prefix="spark-bench-") as work:
            args.into.write_text(json.dumps(measure_scale(args.one_scale, args.master, Path(work)), default=str))
        return 0
    if args.from_json:
        write_report(json.loads((RESULTS / "spark.json").read_text()))
        return 0
    raw: dict[str, Any] = {
        "command": command_line("python -m benchmarks.spark_vs_local", sys.argv[1:] if argv is None else argv, {}),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "master": args.master,
        "machine": machine(),
        "versions": {
            **versions(),
            **{p: version(p) for p in ("pyspark", "sqlglot")},
            "java": java_version(),
        },
        "results": [],
    }
    with tempfile.TemporaryDirectory(prefix="spark-bench-") as work:
        for scale in args.scales.split(","):
            # A process per scale: pyspark keeps its JVM for the life of the process, so a second session in the
            # same process would not pay (or show) the start of one.
            into = Path(work) / f"scale-{scale}.json"
            command = [sys.executable, "-m", "benchmarks.spark_vs_local", "--master", args.master]
            subprocess.run([*command, "--one-scale", scale, "--into", str(into)], check=True)
            raw["results"].append(json.loads(into.read_text()))
    write_report(raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
