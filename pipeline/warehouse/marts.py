"""The marts in the warehouse: declared, filled and indexed in a build, and recomputed in place after API writes.

DuckDB's CREATE TABLE on an attached SQLite file declares DATE columns as VARCHAR, which the scanner then
reads back as text. The tables are therefore declared through Python's sqlite3 (DATE, INTEGER, REAL, TEXT,
with a primary key for the lookups the API makes) and only filled through DuckDB, never with both open.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from pipeline import duck, files
from pipeline.analysis.marts import MARTS, Mart, MartResult
from pipeline.duck import WAREHOUSE_ALIAS
from pipeline.warehouse.lock import write_lock
from pipeline.warehouse.sqlite import sqlite_connection

# DuckDB result types to SQLite declared types that the scanner maps back to the same DuckDB types.
_SQLITE_TYPES = {"DATE": "DATE", "BIGINT": "INTEGER", "INTEGER": "INTEGER", "DOUBLE": "REAL", "VARCHAR": "TEXT"}


def _ddl(mart: Mart, columns: list[tuple[str, str]]) -> str:
    declared = []
    for name, duck_type in columns:
        if duck_type not in _SQLITE_TYPES:
            msg = (
                f"{mart.table}: column {name} has type {duck_type}, which marts cannot store; "
                f"cast it in queries/{mart.query}.sql"
            )
            raise TypeError(msg)
        sqlite_type = _SQLITE_TYPES[duck_type]
        key = " primary key" if (name,) == mart.key_columns else ""
        declared.append(f"{name} {sqlite_type} not null{key}")
    if mart.key_rest:
        declared.append(f"primary key ({', '.join(mart.key_columns)})")
    return f"create table {mart.table} (\n    " + ",\n    ".join(declared) + "\n)"


def _fill_statement(mart: Mart, source: str, columns: list[tuple[str, str]]) -> str:
    """The mart's rows from the query ``source``; a mart keyed by one integer column (SQLite's rowid, so its rows
    are stored and read in key order whatever order they arrive in) is filled in key order, since SQLite appends
    rows that come in rowid order but inserts others into the middle of the table (the product summary, written
    best first, made the marts' phase of a scale-1000 build 4.7-6.9 s instead of 2.4-2.7; decision 0041)."""
    target = f"{WAREHOUSE_ALIAS}.{mart.table}"
    if mart.key_rest or _SQLITE_TYPES[dict(columns)[mart.key]] != "INTEGER":
        return f"insert into {target} {source}"
    return f"insert into {target} select * from ({source}) order by {mart.key}"


def load_marts(con: duckdb.DuckDBPyConnection, build: Path, results: Sequence[MartResult]) -> None:
    """Create and fill every mart of ``results`` in the SQLite file ``build`` (a build nobody reads yet), then
    index them: sqlite3 declares the tables, ``con`` (attached after sqlite3 has closed) fills them, sqlite3
    indexes them."""
    if not results:
        return
    columns = {
        r.mart.table: [(name, kind) for name, kind, *_ in con.execute(
            f"describe select * from read_parquet({duck.sql_string(r.path)})"
        ).fetchall()]
        for r in results
    }  # fmt: skip
    with sqlite_connection(build, unjournaled=True) as db:
        for r in results:
            db.execute(_ddl(r.mart, columns[r.mart.table]))
    with duck.attached(con, build, read_only=False, journal_off=True):
        for r in results:
            source = f"select * from read_parquet({duck.sql_string(r.path)})"
            con.execute(_fill_statement(r.mart, source, columns[r.mart.table]))
    with sqlite_connection(build, unjournaled=True) as db:
        for r in results:
            for column in r.mart.indexes:
                db.execute(f"create index {r.mart.table}_{column} on {r.mart.table} ({column})")


def refresh_marts(warehouse: Path, spill_parent: Path, until: float | None = None) -> int:
    """Recompute every mart from the warehouse's own tables in one transaction, under the warehouse's write lock
    (waited for until ``until``, a ``time.monotonic()`` value, then TimeoutError).

    Returns the last ``audit_id`` the marts now include (recorded in ``mart_state``): readers compare it with
    the audit log to tell whether writes made through the API have made the marts stale.
    """
    with (
        write_lock(warehouse, until),
        files.scratch_dir(spill_parent, ".spill-") as spill,
        duck.connection(spill) as con,
    ):
        duck.attach_warehouse(con, warehouse, read_only=False)
        con.execute(f"use {WAREHOUSE_ALIAS}")
        (through,) = con.execute("select coalesce(max(audit_id), 0) from audit_log").fetchone() or (0,)
        con.execute("begin transaction")
        for mart in MARTS:
            columns = [(name, kind) for name, kind, *_ in con.execute(f"describe {mart.table}").fetchall()]
            con.execute(f"delete from {mart.table}")
            con.execute(_fill_statement(mart, mart.sql(), columns), mart.bind())
        con.execute("update mart_state set refreshed_through = $through", {"through": through})
        con.execute("commit")
    return int(through)
