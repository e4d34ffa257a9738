"""The API under load (not part of the tests): Debian's ``wrk`` against uvicorn, cache misses apart from hits, and
side by side with Datasette on the same SQLite file.

    just bench-api                                  # builds the data once per scale under /tmp/ecom-bench-api
    python -m benchmarks.api_load --data-root DIR --scale 1000 --compare-scales 100,1000

1. **Every endpoint twice** (``--api-workers`` workers, ``--duration`` seconds of wrk each): *misses*, where every
   request takes the next of a list of distinct paths (random keys over the whole table, random date ranges,
   limits and cursors), so that no answer kept by the API (its mart answers, per file state) serves it; and
   *hits*, one path requested again and again after a first request. A Lua script walks the list, each wrk
   thread its own share; a run that sent more requests than the list holds says how many repeated a path.
   Beside them ``GET /health`` (the server's floor) and raw ``sqlite3`` lookups in this process (SQLite's).
2. **Mixed reads through a rebuild**: misses of every endpoint for at least ``--swap-seconds`` while
   ``python -m pipeline load`` rebuilds the warehouse and swaps it in; no error, the new build served after.
3. **Datasette** (a benchmark-only dependency: ``uv sync --group bench``), per scale of ``--compare-scales``: our
   API with 1 worker and ``datasette serve -i`` (1 process) over the same file, one after the other, each under
   ``wrk -t2 -c8 -d10s`` at random keys over the whole table (the same keys for both): a customer by id, an order
   by id (ours with its lines and payment) and a customer's orders, 50 a page. Then whole-table CSV exports
   (``/export/customers`` against Datasette's ``.csv?_stream=on``: rows/s, rows sent) and ours of ``order_items``
   with the API process tree's resident memory sampled every 20 ms.

wrk is closed-loop (each connection sends its next request when the previous one is answered), so latency is
measured at the throughput the server sustains with that many requests in flight.

Writes ``docs/benchmarks/api.json`` (every number, with the machine, versions and load average) and the page
``docs/benchmarks/api.md`` rendered from it (``--render api.json`` renders it again).
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
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psutil

from benchmarks.environment import command_line, machine
from pipeline.domain import CATEGORIES, KIND_NAMES
from pipeline.manifest import versions
from pipeline.settings import PROJECT_ROOT
from pipeline.warehouse.reads.pages import encode_cursor

DOCS = PROJECT_ROOT / "docs"
TARGET_PAGE_MS, TARGET_PEER_RATIO, TARGET_EXPORT_RATIO, TARGET_EXPORT_RSS_MB = 25.0, 1.3, 10.0, 100.0
MAX_ROWS = 10_000  # ECOM_API_MAX_ROWS's default: the largest top-N a mart answers
DISTINCT = 60_000  # distinct paths per endpoint for the misses: more than any endpoint answers in a run
# How the command records its path options: the page is committed, the paths are one machine's.
PLACEHOLDERS = {"--data-root": "<data root>", "--json": "<output JSON>", "--markdown": "<output page>"}
API_PACKAGES = ("fastapi", "starlette", "uvicorn", "httpx", "datasette")
TABLES = ("customers", "products", "orders", "order_items", "payments")

# Each thread walks the list from its own offset with the thread count as its stride: no two requests of a run
# share a path until the list has been walked (then ``repeated`` counts them).
LUA = """
local paths, next_index, stride = {}, 0, 1
local started = 0
setup = function(thread)
  thread:set("offset", started)
  started = started + 1
end
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  next_index, stride = offset, tonumber(args[2])
end
request = function()
  local path = paths[next_index % #paths + 1]
  next_index = next_index + stride
  return wrk.format("GET", path)
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


@dataclass(frozen=True)
class Facts:
    """What the request paths are drawn from: the largest keys and the days of the revenue mart."""

    customers: int
    orders: int
    products: int
    days: list[str]

    @classmethod
    def of(cls, warehouse: Path) -> Facts:
        with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
            (customers,) = db.execute("SELECT max(customer_id) FROM customers").fetchone()
            (orders,) = db.execute("SELECT max(order_id) FROM orders").fetchone()
            (products,) = db.execute("SELECT max(product_id) FROM products").fetchone()
            (first, last) = db.execute("SELECT min(order_date), max(order_date) FROM orders").fetchone()
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        days = [str(start + dt.timedelta(days=i)) for i in range((end - start).days + 1)]
        return cls(customers, orders, products, days)


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: its kind, one path for the hits, and a path drawn at random for the misses."""

    name: str
    kind: str  # floor, keyed read, list page or mart read
    hit: str
    draw: Callable[[random.Random, Facts], str]


def _date_range(grain: str) -> Callable[[random.Random, Facts], str]:
    def draw(rng: random.Random, facts: Facts) -> str:
        start = rng.randrange(len(facts.days))
        end = min(start + rng.randint(0, 120), len(facts.days) - 1)
        return f"/analytics/revenue/{grain}?start_date={facts.days[start]}&end_date={facts.days[end]}"

    return draw


ENDPOINTS = (
    Endpoint("health", "floor", "/health", lambda rng, facts: "/health"),
    Endpoint("customer", "keyed read", "/customers/1", lambda rng, f: f"/customers/{rng.randint(1, f.customers)}"),
    Endpoint("order", "keyed read", "/orders/1", lambda rng, f: f"/orders/{rng.randint(1, f.orders)}"),
    Endpoint("product", "keyed read", "/products/1", lambda rng, f: f"/products/{rng.randint(1, f.products)}"),
    Endpoint(
        "orders of a customer",
        "list page",
        "/orders?customer_id=1&limit=50",
        lambda rng, f: f"/orders?customer_id={rng.randint(1, f.customers)}&limit=50",
    ),
    Endpoint(
        "newest orders",
        "list page",
        "/orders?sort=-order_date&limit=50",
        lambda rng, f: f"/orders?sort=-order_date&limit=50&date_to={rng.choice(f.days)}",
    ),
    Endpoint(
        "products by category and price",
        "list page",
        "/products?category=Books&min_price=10&limit=50",
        lambda rng, f: f"/products?category={quote(rng.choice(CATEGORIES))}&min_price={rng.randint(5, 500)}&limit=50",
    ),
    Endpoint(
        "deep cursor page",
        "list page",
        f"/orders?limit=50&cursor={encode_cursor(1000)}",
        lambda rng, f: f"/orders?limit=50&cursor={encode_cursor(rng.randint(f.orders // 2, f.orders))}",
    ),
    Endpoint(
        "revenue daily",
        "mart read",
        "/analytics/revenue/daily?start_date=2025-01-01&end_date=2025-03-31",
        _date_range("daily"),
    ),
    Endpoint("revenue weekly", "mart read", "/analytics/revenue/weekly", _date_range("weekly")),
    Endpoint("revenue monthly", "mart read", "/analytics/revenue/monthly", _date_range("monthly")),
    Endpoint(
        "top customers",
        "mart read",
        "/analytics/top-customers?limit=10",
        lambda rng, f: f"/analytics/top-customers?limit={rng.randint(1, MAX_ROWS)}",
    ),
    Endpoint(
        "top products",
        "mart read",
        "/analytics/top-products?limit=10",
        lambda rng, f: (
            f"/analytics/top-products?limit={rng.randint(1, MAX_ROWS)}&rank_by={rng.choice(('revenue', 'units'))}"
        ),
    ),
    Endpoint("category revenue", "mart read", "/analytics/category-revenue", lambda rng, f: "/analytics/category-revenue"),  # noqa: E501
    Endpoint(
        "anomalies page",
        "mart read",
        "/analytics/anomalies?limit=50&kind=burst",
        lambda rng, f: (
            f"/analytics/anomalies?limit=50&kind={rng.choice(KIND_NAMES)}"
            f"&cursor={encode_cursor(rng.randint(1, f.orders))}"
        ),
    ),
)  # fmt: skip

# The peer's reads: the same keys, each server's own path for them.
PEER_READS = {
    "customer by id": ("customers", "/customers/{key}", "/warehouse/customers/{key}.json"),
    "order by id": ("orders", "/orders/{key}", "/warehouse/orders/{key}.json"),
    "orders of a customer, 50 a page": (
        "customers",
        "/orders?customer_id={key}&limit=50",
        "/warehouse/orders.json?customer_id={key}&_size=50",
    ),
}


def distinct_paths(draw: Callable[[random.Random, Facts], str], facts: Facts, rng: random.Random) -> list[str]:
    """Up to ``DISTINCT`` distinct paths from ``draw`` (fewer where the endpoint has fewer: category revenue's
    one), in the order drawn."""
    found: dict[str, None] = {}
    for _ in range(DISTINCT * 3):
        found[draw(rng, facts)] = None
        if len(found) == DISTINCT:
            break
    return list(found)


def api_versions() -> dict[str, str]:
    """The pipeline's versions, the servers' packages and wrk's (the 2nd word of ``wrk debian/4.1.0-3 [epoll]``)."""
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


def ensure_data(data_dir: Path, scale: float) -> Path:
    """The warehouse of ``data_dir``, built at ``scale`` first if there is none."""
    if not (data_dir / "warehouse.sqlite").is_file():
        print(f"building scale {scale:g} under {data_dir} (once)", flush=True)
        command = [sys.executable, "-m", "pipeline", "run", "--scale", str(scale), "--no-profile",
                   "--data-dir", str(data_dir)]  # fmt: skip
        subprocess.run(command, cwd=PROJECT_ROOT, env=clean_env(), check=True)
    return data_dir / "warehouse.sqlite"


def sqlite_baseline(warehouse: Path, facts: Facts, lookups: int = 20_000) -> dict[str, Any]:
    """SQLite's floor: keyed lookups at random keys through Python's sqlite3 in this process, no HTTP, no DuckDB."""
    rng = random.Random(7)
    statements = {
        "customer": (facts.customers, ["SELECT * FROM customers WHERE customer_id = ?"]),
        "order": (
            facts.orders,
            [
                "SELECT * FROM orders WHERE order_id = ?",
                "SELECT * FROM order_items WHERE order_id = ? ORDER BY order_item_id",
                "SELECT * FROM payments WHERE order_id = ?",
            ],
        ),
    }
    results = {}
    for name, (largest, sqls) in statements.items():
        timings = []
        with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
            for _ in range(lookups):
                key = rng.randint(1, largest)
                started = time.perf_counter()
                for sql in sqls:
                    db.execute(sql, (key,)).fetchall()
                timings.append(time.perf_counter() - started)
        timings.sort()
        results[f"sqlite3 {name} lookup"] = {
            "lookups": lookups,
            "p50_ms": timings[len(timings) // 2] * 1000,
            "p99_ms": timings[int(len(timings) * 0.99)] * 1000,
            "mean_ms": statistics.fmean(timings) * 1000,
        }
    return results


@contextmanager
def serving(
    command: list[str], port: int, probe: str, *, cwd: Path = PROJECT_ROOT, poll_s: float = 0.5
) -> Iterator[tuple[str, int]]:
    """A server started by ``command`` in ``cwd`` on ``port`` (its base URL and pid), once ``probe`` answers 200
    (asked every ``poll_s``)."""
    log = tempfile.NamedTemporaryFile(prefix="bench-api-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, cwd=cwd, env=clean_env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            with suppress(httpx.TransportError):
                if httpx.get(f"{base}{probe}", timeout=30).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                msg = f"{command[2]} did not start; its log: {log.name}"
                raise RuntimeError(msg)
            time.sleep(poll_s)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def read_through(path: Path) -> None:
    """Read the file once, so that the servers compared find it in the page cache alike: otherwise the first to
    run reads it from disk for both (at scale 1000, with the 1.6 GB file not cached, ours ran first at half its
    throughput)."""
    with path.open("rb") as file:
        while file.read(1 << 24):
            pass


def api_server(data_dir: Path, port: int, workers: int) -> Any:
    command = [sys.executable, "-m", "pipeline", "api", "--data-dir", str(data_dir), "--api-port", str(port),
               "--api-workers", str(workers)]  # fmt: skip
    return serving(command, port, "/ready")


def datasette_server(warehouse: Path, port: int) -> Any:
    command = [sys.executable, "-m", "datasette", "serve", "-i", str(warehouse.resolve()), "--port", str(port)]
    return serving(command, port, "/-/versions.json")


def wrk(base: str, paths: list[str], seconds: float, connections: int, threads: int, work: Path) -> dict[str, Any]:
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = work / "walk_paths.lua"
    script.write_text(LUA)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s", "-s", str(script),
               base, "--", str(listing), str(threads)]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    seconds_run = result["duration_us"] / 1e6
    latency = result.pop("latency_us")
    return {
        "requests": result["requests"],
        "distinct_paths": len(paths),
        "repeated": max(0, result["requests"] - len(paths)),
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
        "load_average": load_average(),
    }


def warm(base: str, paths: list[str], connections: int, threads: int, work: Path) -> None:
    """Reads of paths never measured until the workers answer steadily (their first queries read the data into
    the page cache)."""
    for _ in range(12):
        result = wrk(base, paths, 5, connections * 2, threads, work)
        if result["requests"] > 100 and result["p99_ms"] < 250 and not result["errors"]:
            return
    print(f"warning: still slow after warming up: {result}", flush=True)


def swap_run(base: str, data_dir: Path, mixed: list[str], connections: int, threads: int, work: Path,
             minimum: float) -> dict[str, Any]:  # fmt: skip
    """Mixed reads of every endpoint while ``pipeline load`` rebuilds and swaps the warehouse: wrk runs in 10 s
    segments, back to back, until the rebuild has finished, 10 more seconds have passed and ``minimum`` in all
    (a rebuild's length depends on the scale and on how busy the machine is)."""
    before = httpx.get(f"{base}/ready", timeout=60).json()["build_id"]
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
    after = httpx.get(f"{base}/ready", timeout=60).json()["build_id"]
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


def tree_rss(pid: int) -> int:
    """The resident bytes of process ``pid`` and its children (uvicorn's worker, the writer)."""
    with suppress(psutil.NoSuchProcess):
        process = psutil.Process(pid)
        return sum(p.memory_info().rss for p in (process, *process.children(recursive=True)) if p.is_running())
    return 0


def streamed(url: str, pid: int) -> dict[str, Any]:
    """A whole export read as it comes: its rows (lines less the header), bytes, rows/s, and the serving
    process tree's resident memory before and at its peak (sampled every 20 ms)."""
    before = peak = tree_rss(pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, tree_rss(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    lines = size = 0
    started = time.perf_counter()
    try:
        with httpx.stream("GET", url, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes():
                lines += chunk.count(b"\n")
                size += len(chunk)
    finally:
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    rows = lines - 1
    return {"rows": rows, "bytes": size, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
            "rss_before_mb": round(before / 2**20, 1), "rss_growth_mb": round((peak - before) / 2**20, 1)}  # fmt: skip


def peer_run(data_dir: Path, scale: float, port: int, seconds: float, work: Path) -> dict[str, Any]:
    """Our API with 1 worker, then Datasette with 1 process, over the warehouse of ``data_dir`` (at ``scale``):
    ``PEER_READS`` at the same random keys under ``wrk -t2 -c8``, then the whole-table exports."""
    warehouse = data_dir / "warehouse.sqlite"
    facts = Facts.of(warehouse)
    rng = random.Random(42)
    keys = {table: [rng.randint(1, largest) for _ in range(DISTINCT)]
            for table, largest in (("customers", facts.customers), ("orders", facts.orders))}  # fmt: skip
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        rows = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    result: dict[str, Any] = {"scale": scale, "rows": rows, "reads": {}, "exports": {}}
    read_through(warehouse)
    servers: dict[str, Callable[[], Any]] = {
        "ours": lambda: api_server(data_dir, port, 1),
        "datasette": lambda: datasette_server(warehouse, port),
    }
    for side, start in servers.items():
        template = 1 if side == "ours" else 2
        with start() as (base, pid):
            for name, read in PEER_READS.items():
                paths = [read[template].format(key=k) for k in keys[read[0]]]
                warm(base, [read[template].format(key=k) for k in range(1, 2001)], 8, 2, work)  # keys not measured
                measured = wrk(base, paths, seconds, 8, 2, work)
                result["reads"].setdefault(name, {})[side] = measured
                print(f"scale {scale:g} {side:9s} {name:32s} {measured['rps']:8,.0f} req/s  "
                      f"p99 {measured['p99_ms']:7.2f} ms  errors {measured['errors']}", flush=True)  # fmt: skip
            exports = (
                # order_items first: its memory growth is measured from the server's state after the reads alone
                {"order_items": "/export/order_items?format=csv", "customers": "/export/customers?format=csv"}
                if side == "ours"
                else {"customers": "/warehouse/customers.csv?_stream=on&_size=max"}
            )
            for table, path in exports.items():
                got = streamed(base + path, pid)
                got["complete"] = got["rows"] == rows[table]
                result["exports"].setdefault(table, {})[side] = got
                print(f"scale {scale:g} {side:9s} export {table:14s} {got}", flush=True)
    return result


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, runs in report["endpoints"].items():
        if runs["kind"] in ("list page", "mart read"):
            for phase in ("miss", "hit"):
                r = runs[phase]
                rows.append({"what": f"{name} ({phase})", "target": f"p99 <= {TARGET_PAGE_MS:g} ms",
                             "measured": f"p99 {r['p99_ms']:.2f} ms",
                             "met": r["p99_ms"] <= TARGET_PAGE_MS and not r["errors"]})  # fmt: skip
    swap = report["swap"]
    rows.append({
        "what": "mixed reads through a warehouse swap",
        "target": "0 errors over >= 60 s, new build served after",
        "measured": f"{swap['errors']} errors in {swap['requests']:,} requests over {swap['seconds']:.0f} s; "
                    f"rebuild {swap.get('rebuild_started_s')}-{swap.get('rebuild_finished_s')} s, "
                    + (f"build {swap['build_before']} -> {swap['build_after']}" if swap["swapped"] else
                       f"no swap: the rebuild exited {swap['rebuild_status']}: {swap['rebuild_stderr'].strip()[:160]}"),
        "met": swap["errors"] == 0 and swap["swapped"] and swap["seconds"] >= 60,
    })  # fmt: skip
    for peer in report["datasette"]:
        for name, sides in peer["reads"].items():
            ours, theirs = sides["ours"], sides["datasette"]
            ratio = ours["rps"] / theirs["rps"]
            rows.append({
                "what": f"scale {peer['scale']:g}, {name} vs Datasette",
                "target": f">= {TARGET_PEER_RATIO:g}x its req/s, p99 no worse",
                "measured": f"{ratio:.2f}x ({ours['rps']:,.0f} vs {theirs['rps']:,.0f} req/s), "
                            f"p99 {ours['p99_ms']:.1f} vs {theirs['p99_ms']:.1f} ms",
                "met": ratio >= TARGET_PEER_RATIO and ours["p99_ms"] <= theirs["p99_ms"] and not ours["errors"],
            })  # fmt: skip
        ours, theirs = peer["exports"]["customers"]["ours"], peer["exports"]["customers"]["datasette"]
        ratio = ours["rows_per_s"] / theirs["rows_per_s"]
        rows.append({
            "what": f"scale {peer['scale']:g}, whole customers table as CSV vs Datasette's stream",
            "target": f">= {TARGET_EXPORT_RATIO:g}x its rows/s, every row",
            "measured": f"{ratio:.1f}x ({ours['rows_per_s']:,} vs {theirs['rows_per_s']:,} rows/s); ours "
                        f"{ours['rows']:,} of {peer['rows']['customers']:,} rows, Datasette {theirs['rows']:,}",
            "met": ratio >= TARGET_EXPORT_RATIO and ours["complete"],
        })  # fmt: skip
        items = peer["exports"]["order_items"]["ours"]
        rows.append({
            "what": f"scale {peer['scale']:g}, order_items exported whole",
            "target": f"API resident memory grows < {TARGET_EXPORT_RSS_MB:g} MB, every row",
            "measured": f"+{items['rss_growth_mb']:.1f} MB, {items['rows']:,} of {peer['rows']['order_items']:,} rows "
                        f"at {items['rows_per_s']:,} rows/s",
            "met": items["rss_growth_mb"] < TARGET_EXPORT_RSS_MB and items["complete"],
        })  # fmt: skip
    return rows


def peer_run_line(run: dict[str, Any] | None) -> str:
    if run is None:
        return ""
    before, after = run["load_average_before"], run["load_average_after"]
    return f" Run {run['started']} UTC, load average {before} before, {after} after."


def markdown(report: dict[str, Any]) -> str:
    health = report["endpoints"]["health"]["hit"]["p99_ms"]
    lines = [
        "# Benchmarks: the API under load, misses apart from hits, and side by side with Datasette",
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
        f"- **Versions**: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}.",
        f"- **Setup**: scale {report['scale']:g} ({report['rows']['orders']:,} orders, "
        f"{report['rows']['customers']:,} customers, {sum(report['rows'].values()):,} rows), uvicorn with "
        f"{report['api_workers']} workers (`python -m pipeline api --api-workers {report['api_workers']}`), wrk "
        f"{report['wrk_threads']} thread(s), {report['connections']} connections, {report['duration']:g} s per run, "
        "on the same machine.",
        "- **Misses**: each request takes the next of a list of distinct paths drawn at random (keys over the whole "
        "table, date ranges of up to 121 days, limits of 1-10,000 rows, cursors anywhere), so no answer the API keeps "
        "serves it; `repeated` counts requests past the end of the list (category revenue has one path only: its "
        "misses are hits but for the first). **Hits**: one path (the example) again and again, after a warm-up.",
        "",
        "| endpoint | kind | phase | example | requests | repeated | req/s | p50 ms | p99 ms | p99 / health p99 "
        "| errors |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for name, runs in report["endpoints"].items():
        for phase in ("miss", "hit"):
            r = runs.get(phase)
            if r is not None:
                lines.append(
                    f"| {name} | {runs['kind']} | {phase} | `{r['example']}` | {r['requests']:,} | {r['repeated']:,} "
                    f"| {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['p99_ms'] / health:.1f}x "
                    f"| {r['errors']} |"
                )
    for name, r in report["sqlite_baseline"].items():
        lines.append(
            f"| {name} | floor | miss | in-process, no HTTP | {r['lookups']:,} | | | {r['p50_ms']:.3f} "
            f"| {r['p99_ms']:.3f} | | |"
        )
    lines += [
        "",
        "## Side by side with Datasette",
        "",
        "Our API with 1 worker (`python -m pipeline api --api-workers 1`), then Datasette with 1 process "
        "(`datasette serve -i <warehouse>`, its default settings) over the same warehouse file, one after the other; "
        f"`wrk -t2 -c8 -d{report['peer_duration']:g}s` at the same random keys over the whole table, each server "
        "warmed up first on keys not measured, the warehouse file read once before both (so that both find it in "
        "the page cache). Ours answers an order with its lines and payment; Datasette the order row. Exports: "
        "`GET /export/customers?format=csv` against Datasette's "
        "`/warehouse/customers.csv?_stream=on&_size=max` (stopped at its 100 MB cap, `max_csv_mb`), read whole by "
        "one client; memory is the resident set of the server's process tree, sampled every 20 ms, `order_items` "
        "exported first after the reads."
        + peer_run_line(report.get("datasette_run")),
        "",
        "| scale | read | ours req/s | Datasette req/s | ratio | ours p50 / p99 ms | Datasette p50 / p99 ms "
        "| errors (ours, theirs) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for peer in report["datasette"]:
        for name, sides in peer["reads"].items():
            ours, theirs = sides["ours"], sides["datasette"]
            lines.append(
                f"| {peer['scale']:g} | {name} | {ours['rps']:,.0f} | {theirs['rps']:,.0f} "
                f"| {ours['rps'] / theirs['rps']:.2f}x | {ours['p50_ms']:.1f} / {ours['p99_ms']:.1f} "
                f"| {theirs['p50_ms']:.1f} / {theirs['p99_ms']:.1f} | {ours['errors']}, {theirs['errors']} |"
            )
    lines += ["", "| scale | export | server | rows sent | of | rows/s | MB sent | seconds | resident memory growth |",
              "|---:|---|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for peer in report["datasette"]:
        for table, sides in peer["exports"].items():
            for side, r in sides.items():
                lines.append(
                    f"| {peer['scale']:g} | {table} | {side} | {r['rows']:,} | {peer['rows'][table]:,} "
                    f"| {r['rows_per_s']:,} | {r['bytes'] / 1e6:,.0f} | {r['seconds']:.1f} "
                    f"| +{r['rss_growth_mb']:.1f} MB |"
                )
    lines += ["", "## Targets", "", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t['what']}: {t['target']} | {t['measured']} | {'met' if t['met'] else '**missed**'} |"
              for t in report["targets"]]  # fmt: skip
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-root",
        type=Path,
        default=Path(os.environ.get("BENCH_API_DATA", "/tmp/ecom-bench-api")),
        help="a data directory per scale under it, scale-<N>, built once",
    )
    parser.add_argument("--scale", type=float, default=1000, help="the scale of the endpoint and swap runs")
    parser.add_argument("--compare-scales", default="100,1000", help="the scales of the runs beside Datasette")
    parser.add_argument("--duration", type=float, default=10, help="seconds of wrk per endpoint and phase")
    parser.add_argument("--peer-duration", type=float, default=10, help="seconds of wrk per read beside Datasette")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--swap-seconds", type=float, default=60, help="the least length of the run through a swap")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--json", type=Path, default=DOCS / "benchmarks" / "api.json")
    parser.add_argument("--markdown", type=Path, default=DOCS / "benchmarks" / "api.md")
    parser.add_argument("--render", type=Path, help="only re-write the Markdown page from this saved JSON")
    parser.add_argument(
        "--peer-only", action="store_true", help="run only the runs beside Datasette, into the saved --json"
    )
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text())
        saved["targets"] = targets(saved)
        args.markdown.write_text(markdown(saved))
        return 0

    def data_dir(scale: float) -> Path:
        return Path(args.data_root) / f"scale-{scale:g}"

    def beside_datasette(report: dict[str, Any]) -> None:
        scales = [float(s) for s in args.compare_scales.split(",") if s]
        run = {"started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"), "load_average_before": load_average()}
        with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
            report["datasette"] = [peer_run(ensure_data(data_dir(s), s).parent, s, args.port, args.peer_duration,
                                            Path(scratch)) for s in scales]  # fmt: skip
        report["datasette_run"] = {**run, "load_average_after": load_average()}

    if args.peer_only:
        saved = json.loads(args.json.read_text())
        beside_datasette(saved)
        saved["peer_duration"] = args.peer_duration
        return write(saved, args.json, args.markdown)

    started = dt.datetime.now(dt.UTC)
    warehouse = ensure_data(data_dir(args.scale), args.scale)
    facts = Facts.of(warehouse)
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        rows = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    report: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": command_line("python -m benchmarks.api_load", sys.argv[1:] if argv is None else argv, PLACEHOLDERS),
        "machine": machine(),
        "versions": api_versions(),
        "load_average_before": load_average(),
        "scale": args.scale,
        "rows": rows,
        "api_workers": args.api_workers,
        "connections": args.connections,
        "wrk_threads": args.wrk_threads,
        "duration": args.duration,
        "peer_duration": args.peer_duration,
        "endpoints": {},
    }
    print(f"load average {report['load_average_before']}", flush=True)
    misses = {e.name: distinct_paths(e.draw, facts, random.Random(42)) for e in ENDPOINTS}
    unmeasured = [p for e in ENDPOINTS for p in distinct_paths(e.draw, facts, random.Random(1))[:50]]
    with (
        tempfile.TemporaryDirectory(prefix="bench-api-") as scratch,
        api_server(data_dir(args.scale), args.port, args.api_workers) as (base, _),
    ):
        work = Path(scratch)
        print("warming up every endpoint on both workers", flush=True)
        warm(base, unmeasured, args.connections, args.wrk_threads, work)
        for endpoint in ENDPOINTS:
            runs: dict[str, Any] = {"kind": endpoint.kind}
            for phase, paths in (("miss", misses[endpoint.name]), ("hit", [endpoint.hit])):
                if endpoint.kind == "floor" and phase == "miss":
                    continue
                httpx.get(base + paths[0], timeout=60).raise_for_status()  # a hit's answer kept, a miss's checked
                runs[phase] = r = wrk(base, paths, args.duration, args.connections, args.wrk_threads, work)
                print(f"{endpoint.name:32s} {phase:4s} {r['rps']:8,.0f} req/s  p99 {r['p99_ms']:7.2f} ms  "
                      f"repeated {r['repeated']:,}  errors {r['errors']}", flush=True)  # fmt: skip
            report["endpoints"][endpoint.name] = runs
        report["sqlite_baseline"] = sqlite_baseline(warehouse, facts)
        print("mixed reads through a rebuild and swap", flush=True)
        mixed = [p for e in ENDPOINTS if e.kind != "floor" for p in misses[e.name][-300:]]
        random.Random(3).shuffle(mixed)
        report["swap"] = swap_run(base, data_dir(args.scale), mixed, args.connections, args.wrk_threads, work,
                                  args.swap_seconds)  # fmt: skip
        print(json.dumps(report["swap"]), flush=True)
    report["load_average_after"] = load_average()
    beside_datasette(report)
    return write(report, args.json, args.markdown)


def write(report: dict[str, Any], json_path: Path, page: Path) -> int:
    report["targets"] = targets(report)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=1) + "\n")
    page.write_text(markdown(report))
    for target in report["targets"]:
        print(
            f"{'met    ' if target['met'] else 'MISSED '} {target['what']}: {target['target']} ({target['measured']})"
        )
    print(f"wrote {json_path} and {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
