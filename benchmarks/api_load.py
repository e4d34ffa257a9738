"""The API under load (not part of the tests): Debian's ``wrk`` against uvicorn with 2 workers at scale 1000.

    just bench-api                                  # builds the data once under /tmp/ecom-bench-api/data
    python -m benchmarks.api_load --data-dir DIR --duration 15 --connections 4

Each endpoint gets its own wrk run of ``--duration`` seconds (a Lua script picks a random request path for every
request from a seeded list: random keys, filters and deep cursors), side by side with a constant ``GET /health``
(the server's floor) and raw ``sqlite3`` lookups in this process (SQLite's floor). Then mixed reads of every
endpoint run for at least 60 s while ``python -m pipeline load`` rebuilds the warehouse and swaps it in: the
run must see no error and end on the new build.

wrk is closed-loop (each connection sends its next request when the previous one is answered), so latency is
measured at the throughput the server sustains with ``--connections`` requests in flight.

Writes ``docs/benchmarks/api.json`` (every number, with the machine, versions and load average) and the page
``docs/benchmarks/api.md`` rendered from it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx

from benchmarks.environment import command_line, machine
from pipeline.domain import CATEGORIES, KIND_NAMES
from pipeline.manifest import versions
from pipeline.settings import PROJECT_ROOT
from pipeline.warehouse.reads.pages import encode_cursor

DOCS = PROJECT_ROOT / "docs"
KEYED = ("customer", "order", "product")
TARGET_KEYED_MS, TARGET_KEYED_RATIO, TARGET_PAGE_MS = 10.0, 3.0, 25.0
# How the command records its path options: the page is committed, the paths are one machine's.
PLACEHOLDERS = {"--data-dir": "<data dir>", "--json": "<output JSON>", "--markdown": "<output page>"}
API_PACKAGES = ("fastapi", "starlette", "uvicorn", "httpx")

LUA = """
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(tonumber(args[2]))
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def api_versions() -> dict[str, str]:
    """The pipeline's versions, the server's packages and wrk's (the 2nd word of ``wrk debian/4.1.0-3 [epoll] ...``)."""
    found = versions()
    for package in API_PACKAGES:
        with suppress(PackageNotFoundError):
            found[package] = version(package)
    with suppress(OSError):
        banner = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout
        found["wrk"] = " ".join(banner.split()[1:2])
    return found


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ECOM_")}


def ensure_data(data_dir: Path, scale: float) -> None:
    if (data_dir / "warehouse.sqlite").is_file():
        return
    print(f"building scale {scale:g} under {data_dir} (once)", flush=True)
    command = [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        "--scale",
        str(scale),
        "--no-profile",
        "--data-dir",
        str(data_dir),
    ]
    subprocess.run(command, cwd=PROJECT_ROOT, env=clean_env(), check=True)


def request_paths(warehouse: Path, rng: random.Random, count: int = 2000) -> dict[str, list[str]]:
    """Per endpoint, ``count`` request paths: random keys, filters and cursors from the data itself."""
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        (customers,) = db.execute("SELECT max(customer_id) FROM customers").fetchone()
        (orders,) = db.execute("SELECT max(order_id) FROM orders").fetchone()
        (products,) = db.execute("SELECT max(product_id) FROM products").fetchone()

    def many(make: Callable[[], str]) -> list[str]:
        return [make() for _ in range(count)]

    return {
        "health": ["/health"],
        "customer": many(lambda: f"/customers/{rng.randint(1, customers)}"),
        "order": many(lambda: f"/orders/{rng.randint(1, orders)}"),
        "product": many(lambda: f"/products/{rng.randint(1, products)}"),
        "orders of a customer": many(lambda: f"/orders?customer_id={rng.randint(1, customers)}&limit=50"),
        "products by category and price": many(
            lambda: (
                f"/products?category={rng.choice(CATEGORIES).replace('&', '%26').replace(' ', '%20')}"
                f"&min_price={rng.randint(5, 50)}&limit=50"
            )
        ),
        "deep cursor page": many(
            lambda: f"/orders?limit=50&cursor={encode_cursor('orders', rng.randint(orders // 2, orders))}"
        ),
        "revenue daily (a quarter)": ["/analytics/revenue/daily?start_date=2025-01-01&end_date=2025-03-31"],
        "revenue weekly (all)": ["/analytics/revenue/weekly"],
        "revenue monthly (all)": ["/analytics/revenue/monthly"],
        "top customers": many(lambda: f"/analytics/top-customers?limit={rng.choice((10, 20, 50))}"),
        "top products": many(lambda: f"/analytics/top-products?limit=10&rank_by={rng.choice(('revenue', 'units'))}"),
        "category revenue": ["/analytics/category-revenue"],
        "anomalies page": many(lambda: f"/analytics/anomalies?limit=50&kind={rng.choice(KIND_NAMES)}"),
    }


def kind_of(endpoint: str) -> str:
    if endpoint == "health":
        return "floor"
    if endpoint in KEYED:
        return "keyed read"
    if endpoint in ("orders of a customer", "products by category and price", "deep cursor page"):
        return "list page"
    return "mart read"


def sqlite_baseline(warehouse: Path, paths: dict[str, list[str]], lookups: int = 20_000) -> dict[str, Any]:
    """SQLite's floor: the same keyed lookups through Python's sqlite3 in this process, no HTTP, no DuckDB."""
    keys = {name: [int(p.rsplit("/", 1)[1]) for p in paths[name]] for name in ("customer", "order")}
    statements = {
        "customer": ["SELECT * FROM customers WHERE customer_id = ?"],
        "order": [
            "SELECT * FROM orders WHERE order_id = ?",
            "SELECT * FROM order_items WHERE order_id = ? ORDER BY order_item_id",
            "SELECT * FROM payments WHERE order_id = ?",
        ],
    }
    results = {}
    for name, sqls in statements.items():
        for fresh in (False, True):
            timings = []
            db = sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)
            for i in range(lookups):
                key = keys[name][i % len(keys[name])]
                started = time.perf_counter()
                if fresh:  # as DuckDB's sqlite_query does: open the file for every query
                    db.close()
                    db = sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)
                for sql in sqls:
                    db.execute(sql, (key,)).fetchall()
                timings.append(time.perf_counter() - started)
            db.close()
            timings.sort()
            label = f"sqlite3 {name} lookup" + (" (connection opened per lookup)" if fresh else "")
            results[label] = {
                "lookups": lookups,
                "p50_ms": timings[len(timings) // 2] * 1000,
                "p99_ms": timings[int(len(timings) * 0.99)] * 1000,
                "mean_ms": statistics.fmean(timings) * 1000,
            }
    return results


@contextmanager
def api_server(data_dir: Path, port: int, workers: int) -> Iterator[str]:
    command = [sys.executable, "-m", "pipeline", "api", "--data-dir", str(data_dir), "--api-port", str(port),
               "--api-workers", str(workers)]  # fmt: skip
    log = tempfile.NamedTemporaryFile(prefix="bench-api-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=clean_env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=10).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                msg = f"the API did not start; its log: {log.name}"
                raise RuntimeError(msg)
            time.sleep(0.5)
        httpx.get(f"{base}/ready", timeout=600).raise_for_status()  # counts every row once: minutes at scale 1000
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def wrk(base: str, paths: list[str], seconds: float, connections: int, threads: int, work: Path) -> dict[str, Any]:
    listing = work / f"paths-{abs(hash(tuple(paths[:3])))}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = work / "random_paths.lua"
    script.write_text(LUA)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s", "-s", str(script),
               base, "--", str(listing), "42"]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    seconds_run = result["duration_us"] / 1e6
    latency = result.pop("latency_us")
    return {
        "requests": result["requests"],
        "seconds": round(seconds_run, 2),
        "rps": round(result["requests"] / seconds_run, 1),
        "p50_ms": latency["p50"] / 1000,
        "p90_ms": latency["p90"] / 1000,
        "p99_ms": latency["p99"] / 1000,
        "max_ms": latency["max"] / 1000,
        "mean_ms": round(latency["mean"] / 1000, 3),
        "errors": sum(result["errors"].values()),
        "error_kinds": result["errors"],
        "example": paths[0],
    }


def warm(base: str, paths: list[str], connections: int, threads: int, work: Path) -> None:
    """Mixed reads until both workers answer steadily (their first queries read the data into the page cache)."""
    for _ in range(12):
        result = wrk(base, paths, 5, connections * 2, threads, work)
        if result["requests"] > 100 and result["p99_ms"] < 250 and not result["errors"]:
            return
    print(f"warning: still slow after warming up: {result}", flush=True)


def swap_run(base: str, data_dir: Path, paths: dict[str, list[str]], connections: int, threads: int, work: Path,
             minimum: float) -> dict[str, Any]:  # fmt: skip
    """Mixed reads of every endpoint while ``pipeline load`` rebuilds and swaps the warehouse: wrk runs in 10 s
    segments, back to back, until the rebuild has finished, 10 more seconds have passed and ``minimum`` in all
    (a rebuild's length depends on the scale and on how busy the machine is)."""
    mixed = [p for name, ps in paths.items() if name != "health" for p in ps[:200]]
    before = httpx.get(f"{base}/ready", timeout=600).json()["build_id"]
    timeline: dict[str, float] = {}
    outcome: dict[str, Any] = {}
    started = time.monotonic()

    def rebuild() -> None:
        time.sleep(5)
        timeline["rebuild_started_s"] = round(time.monotonic() - started, 1)
        command = [sys.executable, "-m", "pipeline", "load", "--data-dir", str(data_dir)]
        done = subprocess.run(command, cwd=PROJECT_ROOT, env=clean_env(), capture_output=True, text=True, check=False)
        timeline["rebuild_finished_s"] = round(time.monotonic() - started, 1)
        outcome["status"] = done.returncode
        outcome["stderr"] = done.stderr[-2000:].replace(str(data_dir), "<data dir>")  # it lands on the page

    thread = threading.Thread(target=rebuild)
    thread.start()
    segments = []
    while True:
        segments.append(wrk(base, mixed, 10, connections, threads, work))
        elapsed = time.monotonic() - started
        if not thread.is_alive() and elapsed >= minimum and elapsed - timeline["rebuild_finished_s"] >= 10:
            break
    thread.join()
    after = httpx.get(f"{base}/ready", timeout=600).json()["build_id"]
    return {
        "segments": len(segments),
        "seconds": round(sum(r["seconds"] for r in segments), 1),
        "requests": sum(r["requests"] for r in segments),
        "errors": sum(r["errors"] for r in segments),
        "p50_ms_median_of_segments": statistics.median(r["p50_ms"] for r in segments),
        "p99_ms_worst_segment": max(r["p99_ms"] for r in segments),
        **timeline,
        "rebuild_status": outcome.get("status"),
        "rebuild_stderr": outcome.get("stderr") if outcome.get("status") else "",
        "build_before": before,
        "build_after": after,
        "swapped": after != before and outcome.get("status") == 0,
    }


def targets(results: dict[str, dict[str, Any]], swap: dict[str, Any]) -> list[dict[str, Any]]:
    health = results["health"]["p99_ms"]
    rows = []
    for name, r in results.items():
        kind = kind_of(name)
        if kind == "keyed read":
            goal = f"p99 <= {TARGET_KEYED_MS:g} ms and <= {TARGET_KEYED_RATIO:g}x /health p99 ({health:.2f} ms)"
            met = r["p99_ms"] <= TARGET_KEYED_MS and r["p99_ms"] <= TARGET_KEYED_RATIO * health
        elif kind in ("list page", "mart read"):
            goal, met = f"p99 <= {TARGET_PAGE_MS:g} ms", r["p99_ms"] <= TARGET_PAGE_MS
        else:
            continue
        rows.append(
            {"what": name, "target": goal, "measured": f"p99 {r['p99_ms']:.2f} ms", "met": met and not r["errors"]}
        )
    rows.append({
        "what": "mixed reads through a warehouse swap",
        "target": "0 errors over >= 60 s, new build served after",
        "measured": f"{swap['errors']} errors in {swap['requests']:,} requests over {swap['seconds']:.0f} s; "
                    f"rebuild {swap.get('rebuild_started_s')}-{swap.get('rebuild_finished_s')} s, "
                    + (f"build {swap['build_before']} -> {swap['build_after']}" if swap["swapped"] else
                       f"no swap: the rebuild exited {swap['rebuild_status']}: {swap['rebuild_stderr'].strip()[:160]}"),
        "met": swap["errors"] == 0 and swap["swapped"] and swap["seconds"] >= 60,
    })  # fmt: skip
    return rows


def markdown(report: dict[str, Any]) -> str:
    results, health = report["endpoints"], report["endpoints"]["health"]["p99_ms"]
    lines = [
        "# Benchmarks: the API under load",
        "",
        "Generated by `just bench-api` (`python -m benchmarks.api_load`) from `api.json` beside it; do not edit by "
        "hand. Findings: [../benchmarks.md](../benchmarks.md).",
        "",
        f"- **Run**: {report['started']} UTC, `{report['command']}`; raw numbers in `api.json`.",
        f"- **Machine**: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"{report['machine']['ram_gib']} GiB; load average (1/5/15 min) {report['load_average_before']} before, "
        f"{report['load_average_after']} after."
        + (" **The machine was busy: re-run on a quiet machine before trusting the latencies.**"
           if report["load_average_before"][0] > 1.5 else ""),
        f"- **Versions**: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}."
        if "versions" in report else "- **Versions**: not recorded by this run.",
        f"- **Setup**: scale {report['scale']:g} ({report['rows']['orders']:,} orders, {report['rows']['customers']:,} "
        f"customers, {sum(report['rows'].values()):,} rows), uvicorn with {report['api_workers']} workers "
        f"(`python -m pipeline api --api-workers {report['api_workers']}`), wrk {report['wrk_threads']} thread(s), "
        f"{report['connections']} connections, {report['duration']:g} s per endpoint, on the same machine. Paths are "
        "drawn at random per request from 2,000 seeded ones (random keys, filters, cursors in the second half of "
        "the orders).",
        "",
        "| endpoint | kind | example | requests | req/s | p50 ms | p99 ms | p99 / health p99 | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for name, r in results.items():
        lines.append(
            f"| {name} | {kind_of(name)} | `{r['example']}` | {r['requests']:,} | {r['rps']:,.0f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['p99_ms'] / health:.1f}x | {r['errors']} |"
        )
    for name, r in report["sqlite_baseline"].items():
        lines.append(
            f"| {name} | floor | in-process, no HTTP | {r['lookups']:,} | | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | | |"
        )
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t['what']}: {t['target']} | {t['measured']} | {'met' if t['met'] else '**missed**'} |"
              for t in report["targets"]]  # fmt: skip
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("BENCH_API_DATA", "/tmp/ecom-bench-api/data"))
    )
    parser.add_argument("--scale", type=float, default=1000)
    parser.add_argument("--duration", type=float, default=15, help="seconds of wrk per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--swap-seconds", type=float, default=60, help="the least length of the run through a swap")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--json", type=Path, default=DOCS / "benchmarks" / "api.json")
    parser.add_argument("--markdown", type=Path, default=DOCS / "benchmarks" / "api.md")
    parser.add_argument("--render", type=Path, help="only re-write the Markdown page from this saved JSON")
    parser.add_argument(
        "--only",
        action="append",
        metavar="ENDPOINT",
        help="measure only this endpoint (and health; repeatable) and skip the swap run: for quick comparisons, "
        "printed only, the pages are not written",
    )
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text())
        saved["targets"] = targets(saved["endpoints"], saved["swap"])
        args.markdown.write_text(markdown(saved))
        return 0

    started = dt.datetime.now(dt.UTC)
    ensure_data(args.data_dir, args.scale)
    warehouse = args.data_dir / "warehouse.sqlite"
    paths = request_paths(warehouse, random.Random(42))
    if args.only:
        unknown = set(args.only) - set(paths)
        if unknown:
            parser.error(f"unknown endpoint(s) {', '.join(sorted(unknown))}; one of: {', '.join(paths)}")
        paths = {name: ps for name, ps in paths.items() if name == "health" or name in args.only}
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        rows = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("customers", "products", "orders", "order_items", "payments")}  # fmt: skip
        (scale,) = db.execute("SELECT scale FROM build_record").fetchone()
    report: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": command_line("python -m benchmarks.api_load", sys.argv[1:] if argv is None else argv, PLACEHOLDERS),
        "machine": machine(),
        "versions": api_versions(),
        "load_average_before": load_average(),
        "scale": scale,
        "rows": rows,
        "api_workers": args.api_workers,
        "connections": args.connections,
        "wrk_threads": args.wrk_threads,
        "duration": args.duration,
    }
    print(f"load average {report['load_average_before']}", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-api-") as scratch,
        api_server(args.data_dir, args.port, args.api_workers) as base,
    ):
        work = Path(scratch)
        print("warming up every endpoint on both workers", flush=True)
        warm(base, [p for ps in paths.values() for p in ps[:50]], args.connections, args.wrk_threads, work)
        report["endpoints"] = {}
        for name, endpoint_paths in paths.items():
            result = wrk(base, endpoint_paths, args.duration, args.connections, args.wrk_threads, work)
            result["load_average"] = load_average()
            report["endpoints"][name] = result
            print(f"{name:32s} {result['rps']:8,.0f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                  f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}", flush=True)  # fmt: skip
        if args.only:
            return 0
        report["sqlite_baseline"] = sqlite_baseline(warehouse, paths)
        print("mixed reads through a rebuild and swap", flush=True)
        report["swap"] = swap_run(base, args.data_dir, paths, args.connections, args.wrk_threads, work,
                                  args.swap_seconds)  # fmt: skip
        print(json.dumps({k: v for k, v in report["swap"].items() if k != "error_kinds"}), flush=True)
    report["load_average_after"] = load_average()
    report["targets"] = targets(report["endpoints"], report["swap"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    args.markdown.write_text(markdown(report))
    for target in report["targets"]:
        print(
            f"{'met    ' if target['met'] else 'MISSED '} {target['what']}: {target['target']} ({target['measured']})"
        )
    print(f"wrote {args.json} and {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
