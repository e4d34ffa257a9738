"""SQLite's own bulk-insert speed: the ``sqlite3`` command-line shell's ``.import`` of the lake's rows.

The lake's Parquet parts are exported to one CSV per table with DuckDB (not timed as part of the import),
a fresh database is created from the tables part of ``warehouse/schema.sql`` (same constraints, no indexes),
and one ``sqlite3`` process runs ``.mode csv`` + ``.import --skip 1 FILE TABLE`` for every table in
foreign-key order. The import is timed on its own; the secondary indexes are then built in a second
``sqlite3`` process and timed separately.

    python -m benchmarks.sqlite_import_baseline LAKE_DIR [--work-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.schema import schema

SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"


@dataclass(frozen=True)
class ImportTimings:
    rows: dict[str, int]
    export_s: float
    import_s: float
    indexes_s: float
    sqlite_version: str

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "total_rows": self.total_rows,
            "export_csv_s": self.export_s,
            "import_s": self.import_s,
            "indexes_s": self.indexes_s,
            "import_rows_per_s": self.total_rows / self.import_s,
            "import_plus_indexes_rows_per_s": self.total_rows / (self.import_s + self.indexes_s),
            "sqlite3_cli": self.sqlite_version,
        }


def _quote(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_csv(lake_dir: Path, csv_dir: Path) -> dict[str, Path]:
    """One CSV (with a header) per table, columns in schema order, rows in lake order."""
    csv_dir.mkdir(parents=True, exist_ok=True)
    ddl = schema()
    paths = {}
    con = duckdb.connect()
    try:
        for table in ddl.tables:
            parts = sorted((lake_dir / table).glob("part-*.parquet"))
            if not parts:
                msg = f"no Parquet parts for table {table!r} under {lake_dir}; run `python -m pipeline generate`"
                raise FileNotFoundError(msg)
            columns = ", ".join(ddl.columns[table])
            files = ", ".join(_sql_string(p) for p in parts)
            path = csv_dir / f"{table}.csv"
            con.execute(
                f"COPY (SELECT {columns} FROM read_parquet([{files}])) TO {_sql_string(path)} "
                "(FORMAT csv, HEADER true, DATEFORMAT '%Y-%m-%d')"
            )
            paths[table] = path
    finally:
        con.close()
    return paths


def _sqlite3(db: Path, script: str) -> float:
    started = time.perf_counter()
    subprocess.run([SQLITE3, "-bail", str(db)], input=script, text=True, check=True, capture_output=True)
    return time.perf_counter() - started


def import_csv(csv_paths: dict[str, Path], db: Path) -> tuple[float, float]:
    """Import into a fresh database; returns (import seconds, index-build seconds)."""
    ddl = schema()
    db.unlink(missing_ok=True)
    with sqlite3.connect(db) as con:
        con.executescript(ddl.tables_ddl)
    con.close()
    script = ".mode csv\n" + "".join(f".import --skip 1 {_quote(csv_paths[table])} {table}\n" for table in ddl.tables)
    import_s = _sqlite3(db, script)
    indexes_s = _sqlite3(db, ddl.indexes_ddl)
    return import_s, indexes_s


def run(lake_dir: Path, work_dir: Path) -> ImportTimings:
    started = time.perf_counter()
    csv_paths = export_csv(lake_dir, work_dir / "csv")
    export_s = time.perf_counter() - started
    db = work_dir / "import.sqlite"
    import_s, indexes_s = import_csv(csv_paths, db)
    con = sqlite3.connect(db)
    try:
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema().tables}
    finally:
        con.close()
    version = subprocess.run([SQLITE3, "--version"], capture_output=True, text=True, check=True).stdout
    return ImportTimings(rows, export_s, import_s, indexes_s, version.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lake_dir", type=Path, help="the lake: LAKE_DIR/<table>/part-*.parquet")
    parser.add_argument("--work-dir", type=Path, help="where the CSVs and the database go (default: temporary)")
    parser.add_argument("--json", action="store_true", help="print the timings as one JSON object")
    args = parser.parse_args()
    if args.work_dir:
        timings = run(args.lake_dir, args.work_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="sqlite-import-") as tmp:
            timings = run(args.lake_dir, Path(tmp))
    result = timings.as_dict()
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>32}: {value}")


if __name__ == "__main__":
    main()
