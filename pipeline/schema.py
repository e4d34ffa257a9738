"""The data model as ``warehouse/schema.sql`` declares it, read once: its tables, columns, keys and DDL.

``warehouse/schema.sql`` is the one place the tables and their keys are written down: the list of tables
(``TABLES``, parents before children), the cross-table key checks and the data dictionary read them from
here instead of repeating them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache

from pipeline.settings import PROJECT_ROOT

SCHEMA_PATH = PROJECT_ROOT / "warehouse" / "schema.sql"
INDEX_MARKER = "-- indexes: built after the bulk load"


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str
    parent: str
    parent_column: str


@dataclass(frozen=True)
class Schema:
    tables_ddl: str
    indexes_ddl: str
    tables: tuple[str, ...]  # in declaration order, parents before children
    columns: dict[str, tuple[str, ...]]
    types: dict[str, dict[str, str]]  # declared SQLite type per column: INTEGER, TEXT, REAL, DATE
    primary_keys: dict[str, str]
    unique_keys: tuple[tuple[str, str], ...]  # (table, column) pairs other than primary keys
    foreign_keys: tuple[ForeignKey, ...]
    indexes: dict[str, tuple[str, ...]]  # CREATE INDEX statements per table
    table_sql: dict[str, str]  # each CREATE TABLE statement as SQLite stores it in sqlite_schema


@cache
def schema() -> Schema:
    text = SCHEMA_PATH.read_text()
    tables_ddl, _, indexes_ddl = text.partition(INDEX_MARKER)
    if not indexes_ddl:
        msg = f"{SCHEMA_PATH}: the marker line {INDEX_MARKER!r} is missing"
        raise ValueError(msg)
    with sqlite3.connect(":memory:") as db:
        db.executescript(text)
        tables = tuple(
            name for (name,) in db.execute("select name from sqlite_schema where type = 'table' order by rowid")
        )
        columns, types, primary_keys, unique_keys, foreign_keys, indexes = {}, {}, {}, [], [], {}
        table_sql = dict(db.execute("select name, sql from sqlite_schema where type = 'table'").fetchall())
        for table in tables:
            info = db.execute("select name, type, pk from pragma_table_info(?) order by cid", (table,)).fetchall()
            columns[table] = tuple(name for name, _, _ in info)
            types[table] = {name: declared for name, declared, _ in info}
            primary_keys[table] = next(name for name, _, pk in info if pk == 1)
            for parent, column, parent_column in db.execute(
                'select "table", "from", "to" from pragma_foreign_key_list(?) order by id', (table,)
            ):
                foreign_keys.append(ForeignKey(table, column, parent, parent_column))
            indexes[table] = tuple(
                sql
                for (sql,) in db.execute(
                    "select sql from sqlite_schema where type = 'index' and tbl_name = ? and sql is not null", (table,)
                )
            )
            unique_keys += [
                (table, column)
                for (column,) in db.execute(
                    "select ii.name from pragma_index_list(?) as il, pragma_index_info(il.name) as ii "
                    "where il.[unique] and il.origin = 'c' order by il.name",
                    (table,),
                )
            ]
    return Schema(
        tables_ddl,
        indexes_ddl,
        tables,
        columns,
        types,
        primary_keys,
        tuple(unique_keys),
        tuple(foreign_keys),
        indexes,
        table_sql,
    )


# The data model's tables in foreign-key order; everything keyed by table (generators, models, row counts)
# is keyed by these names.
TABLES: tuple[str, ...] = schema().tables
