"""Turn a ``test_queries.py --benchmark-json`` file into the Markdown tables of docs/benchmarks.md.

python -m benchmarks.report_queries results.json
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

# test_duckdb[<query>-<lake|scanner>] and test_sqlite_native[<query>]
DUCKDB_TEST, SQLITE_TEST = "test_duckdb", "test_sqlite_native"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def report(results: dict[str, Any]) -> str:
    queries: dict[str, dict[str, float]] = defaultdict(dict)
    marts: dict[str, tuple[float, int]] = {}
    native: dict[str, float] = {}
    info: dict[str, Any] = {}
    for bench in results["benchmarks"]:
        test, _, param = bench["name"].partition("[")
        param = param.rstrip("]")
        median = bench["stats"]["median"]
        info = bench["extra_info"] or info
        if test == DUCKDB_TEST:
            name, _, source = param.rpartition("-")
            queries[name][source] = median
        elif test == SQLITE_TEST:
            queries[param]["sqlite3"] = median
        elif test == "test_mart_read":
            marts[param] = (median, bench["extra_info"].get("rows", 0))
        elif test == "test_mart_read_native":
            native[param] = median
    lines = [
        f"Scale {info.get('scale')} ({info.get('orders', 0):,} orders); median of the rounds, milliseconds. "
        f"Machine: {info.get('machine', {}).get('cpu')}, {info.get('machine', {}).get('cores')} cores.",
        "",
        "| query | DuckDB over the lake | DuckDB over the warehouse (scanner) | SQLite itself (sqlite3) |",
        "|---|---:|---:|---:|",
    ]
    for name in sorted(queries):
        row = queries[name]
        lines.append(f"| {name} | {_ms(row['lake'])} | {_ms(row['scanner'])} | {_ms(row['sqlite3'])} |")
    totals = {kind: sum(row[kind] for row in queries.values()) for kind in ("lake", "scanner", "sqlite3")}
    lines.append(
        f"| **all {len(queries)}** | **{_ms(totals['lake'])}** | **{_ms(totals['scanner'])}** "
        f"| **{_ms(totals['sqlite3'])}** |"
    )
    if marts:
        lines += ["", "| mart read | rows | scanner (ms) | read_mart (ms) |", "|---|---:|---:|---:|"]
        lines += [
            f"| {name} | {rows:,} | {_ms(median)} | {_ms(native[name]) if name in native else '-'} |"
            for name, (median, rows) in marts.items()
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(json.loads(Path(sys.argv[1]).read_text())))
