"""Whether two data directories hold the same outputs: what a change that only makes the pipeline faster must keep.

    python -m benchmarks.same_outputs BASELINE_DATA_DIR CANDIDATE_DATA_DIR [--output PATH.json]

Compared, each on its values (not its file bytes): the lake's content hash per table (``_lake.json``), the labels,
every analysis result of ``analysis/`` (frames equal, types included), and every table of the warehouse (the
five tables and every ``mart_*``, rows sorted), but not its own records (``build_record``, ``audit_log``,
``mart_state``), which say when it was built. Prints one line per output; exits 1 when any differs.
Make the two directories with the same ``run`` options, e.g. two sides of ``benchmarks.ab_run``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from benchmarks.environment import command_line, machine

OWN_RECORDS = {"build_record", "audit_log", "mart_state", "sqlite_sequence", "sqlite_stat1"}


def _frames_equal(left: pl.DataFrame, right: pl.DataFrame) -> bool:
    try:
        assert_frame_equal(left, right, check_exact=True)
    except AssertionError:
        return False
    return True


def _warehouse_tables(path: Path) -> dict[str, pl.DataFrame]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        names = [
            n for (n,) in db.execute("select name from sqlite_schema where type = 'table'") if n not in OWN_RECORDS
        ]
        tables = {}
        for name in sorted(names):
            frame = pl.read_database(f"select * from {name}", db, infer_schema_length=None)
            tables[name] = frame.sort(frame.columns)
        return tables


def compare(baseline: Path, candidate: Path) -> dict[str, bool]:
    """Output name -> whether both directories hold the same."""
    same: dict[str, bool] = {}
    hashes = [json.loads((d / "lake" / "_lake.json").read_text())["content_hashes"] for d in (baseline, candidate)]
    for table in sorted(hashes[0].keys() | hashes[1].keys()):
        same[f"lake/{table}"] = hashes[0].get(table) == hashes[1].get(table)
    labels = [pl.read_parquet(d / "labels" / "anomalies.parquet") for d in (baseline, candidate)]
    same["labels"] = _frames_equal(*labels)
    results = sorted({p.name for d in (baseline, candidate) for p in (d / "analysis").glob("*.parquet")})
    for name in results:
        paths = [d / "analysis" / name for d in (baseline, candidate)]
        same[f"analysis/{name}"] = all(p.exists() for p in paths) and _frames_equal(*map(pl.read_parquet, paths))
    tables = [_warehouse_tables(d / "warehouse.sqlite") for d in (baseline, candidate)]
    for name in sorted(tables[0].keys() | tables[1].keys()):
        both = name in tables[0] and name in tables[1]
        same[f"warehouse/{name}"] = both and _frames_equal(tables[0][name], tables[1][name])
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--output", type=Path, metavar="PATH.json", help="also write the verdicts as JSON")
    args = parser.parse_args()
    same = compare(args.baseline, args.candidate)
    for name, equal in same.items():
        print(f"{'same' if equal else 'DIFFERENT':9} {name}")
    print(f"{sum(same.values())} of {len(same)} outputs the same")
    if args.output is not None:
        placeholders = {"--output": "<output>"}
        command = command_line("python -m benchmarks.same_outputs", sys.argv[1:], placeholders)
        record = {"command": command, "machine": machine(), "outputs": same}
        args.output.write_text(json.dumps(record, indent=2) + "\n")
    sys.exit(0 if all(same.values()) else 1)


if __name__ == "__main__":
    main()
