"""Rows written and read back inside a write: statements built from ``warehouse/schema.sql`` (identifiers come
only from there, values are bound), the resource's row as the API returns it, and the write's audit row."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Mapping

from pipeline.schema import ForeignKey, schema
from pipeline.warehouse.sql_files import keys_json, read_statement, write_statement
from pipeline.warehouse.writes.transaction import Conflict, Missing, Row, Writing

# A resource is its table and the tables written with it: an order is created, replaced and deleted together
# with its lines and its payment. Every other reference to a resource's row blocks its deletion.
PARTS = {"orders": ("order_items", "payments")}
# The read each resource is read back with (``warehouse/reads/<name>.sql``), for the response and the audit row.
DETAILS = {"customers": "customer", "products": "product", "orders": "order"}


def _columns(table: str, values: Mapping[str, object]) -> list[str]:
    unknown = set(values) - set(schema().columns[table])
    if unknown:
        msg = f"{table} has no column {', '.join(sorted(unknown))}"
        raise ValueError(msg)
    return list(values)


def _bound(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def insert_row(db: sqlite3.Connection, table: str, values: Mapping[str, object]) -> int:
    """Insert a row under the table's next key, which ``table_state`` keeps (counting the row there too): the
    largest key the table has ever held plus one, so a deleted row's key is never given again."""
    key = schema().primary_keys[table]
    columns = [key, *_columns(table, values)]
    # The table's own largest key as well: rows put in by other means than the API never collide.
    (next_key,) = db.execute(
        "update table_state set row_count = row_count + 1, "
        f"last_key = max(last_key, (select coalesce(max({key}), 0) from {table})) + 1 "
        "where table_name = ? returning last_key",
        (table,),
    ).fetchone()
    sql = f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
    db.execute(sql, [next_key, *map(_bound, values.values())])
    return int(next_key)


def update_row(db: sqlite3.Connection, table: str, where: str, key: int, values: Mapping[str, object]) -> None:
    if not values:
        return
    _columns(table, {**values, where: key})
    assignments = ", ".join(f"{c} = ?" for c in values)
    db.execute(f"update {table} set {assignments} where {where} = ?", [*map(_bound, values.values()), key])


def delete_rows(db: sqlite3.Connection, table: str, where: str, key: int) -> None:
    _columns(table, {where: key})
    deleted = db.execute(f"delete from {table} where {where} = ?", (key,)).rowcount
    db.execute(write_statement("rows_deleted"), (deleted, table))


def reference(table: str, parent: str) -> ForeignKey:
    return next(fk for fk in schema().foreign_keys if fk.table == table and fk.parent == parent)


def rule_name(fk: ForeignKey) -> str:
    return f"{fk.table}.{fk.column} references {fk.parent}.{fk.parent_column}"


def refuse_if_referenced(db: sqlite3.Connection, resource: str, key: int) -> None:
    """Refuse to delete a row that rows outside its resource still reference (a customer's orders, ...)."""
    for fk in schema().foreign_keys:
        if fk.parent != resource or fk.table in PARTS.get(resource, ()):
            continue
        (count,) = db.execute(f"select count(*) from {fk.table} where {fk.column} = ?", (key,)).fetchone()
        if count:
            msg = (
                f"{DETAILS[resource]} {key} is referenced by {count} row(s) of {fk.table} ({fk.column}); "
                f"delete those first"
            )
            raise Conflict(msg, rule_name(fk))


def detail(db: sqlite3.Connection, resource: str, key: int) -> Row | None:
    """The resource's row as the API returns it (an order with its items and payment), or None."""
    row = db.execute(read_statement(DETAILS[resource]).sql, (keys_json([key]),)).fetchone()
    if row is None:
        return None
    found = dict(row)
    if resource == "orders":
        found["items"] = json.loads(found["items"])
        found["payment"] = json.loads(found["payment"]) if found["payment"] else None
    return found


def existing(db: sqlite3.Connection, resource: str, key: int) -> Row:
    found = detail(db, resource, key)
    if found is None:
        msg = f"{DETAILS[resource]} {key} does not exist"
        raise Missing(msg)
    return found


def audited(
    db: sqlite3.Connection, writing: Writing, action: str, resource: str, key: int, before: Row | None
) -> Row | None:
    """Append the audit row of a write (unless it changed nothing) and return the row after it."""
    after = None if action == "delete" else detail(db, resource, key)
    if before != after:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        db.execute(write_statement("audit"), (at, writing.key_id, action, resource, key, _json(before), _json(after)))
    return after


def _json(row: Row | None) -> str | None:
    return None if row is None else json.dumps(row, sort_keys=True)
