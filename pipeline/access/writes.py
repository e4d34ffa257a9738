"""Writes made through the API: each one short SQLite transaction that keeps every hard rule and logs itself.

Every job here runs in the API's writer process (``api/writer.py``), never in a process that reads the
warehouse through DuckDB: DuckDB's sqlite extension and Python's ``sqlite3`` are two SQLite libraries, and two
libraries with the same file open in one process do not see each other's POSIX locks (SQLite's "How To Corrupt
An SQLite Database File", section 2.2). A job takes the warehouse's write lock, which a rebuild's check and swap
take too, and only then opens the file, so it writes into the file in place and never into one being replaced.
It checks the rules, writes with ``PRAGMA foreign_keys = ON``, appends its ``audit_log`` row in the same
transaction, commits and closes.

The server computes every derived value (line totals, the order total, the payment amount), so a request can
only break a rule by what it asks for: a row that does not exist (:class:`Missing`) or a rule of the data
(:class:`Conflict`), each naming the rule. Tables, keys and references come from ``warehouse/schema.sql``;
the questions asked are ``sql/writes.sql`` and the detail queries the API reads with (``sql/<resource>.sql``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pipeline import edits
from pipeline.access.native import SQL_DIR, WarehouseMissing, native_query
from pipeline.schema import ForeignKey, schema
from pipeline.settings import WINDOW_DAYS

Row = dict[str, Any]
Window = tuple[dt.date, dt.date]

# A resource is its table and the tables written with it: an order is created, replaced and deleted together
# with its lines and its payment. Every other reference to a resource's row blocks its deletion.
RESOURCES = ("customers", "products", "orders")
PARTS = {"orders": ("order_items", "payments")}
# The query each resource is read back with (``sql/<name>.sql``), for the response and the audit row.
DETAILS = {"customers": "customer", "products": "product", "orders": "order"}
# How long a commit waits for readers to finish. While it waits it holds SQLite's PENDING lock, which keeps new
# readers out (rollback journal), so the wait must stay short: keyed reads finish in a millisecond; only an
# analysis of queries/ scanning a large warehouse reads for seconds, and then the write is the one to give way.
BUSY_SECONDS = 2.0


class WriteRefused(Exception):
    """A write that would break a rule; nothing was written. ``rule`` names the rule (None: the row is missing)."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.rule))


class Missing(WriteRefused):
    """The row written, or a row it references, does not exist."""


class Conflict(WriteRefused):
    """A rule of the data refuses the write: a duplicate email, an order before its customer signed up, ..."""


class Busy(Exception):
    """Readers held the warehouse for longer than a write may wait; nothing was written: retry."""


@dataclass(frozen=True)
class Writing:
    """What every job needs besides its payload; it crosses into the writer process, so it stays picklable."""

    warehouse: Path
    key_id: str  # who writes: a digest of the API key, never the key
    default_window: Window  # the date window of a build loaded from --source, which records none


@cache
def statement(name: str) -> str:
    """The statement after ``-- name: <name>`` in ``sql/writes.sql``."""
    text = (SQL_DIR / "writes.sql").read_text()
    blocks = dict(re.findall(r"^-- name: (\w+)\n(.*?)(?=^-- name:|\Z)", text, flags=re.MULTILINE | re.DOTALL))
    body = "\n".join(line for line in blocks[name].splitlines() if not line.startswith("--"))
    return body.strip()


# --- statements built from the schema (identifiers only from warehouse/schema.sql) --------------------------


def _columns(table: str, values: Mapping[str, object]) -> list[str]:
    unknown = set(values) - set(schema().columns[table])
    if unknown:
        msg = f"{table} has no column {', '.join(sorted(unknown))}"
        raise ValueError(msg)
    return list(values)


def _bound(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _insert(db: sqlite3.Connection, table: str, values: Mapping[str, object]) -> int:
    columns = _columns(table, values)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    key = db.execute(sql, [_bound(values[c]) for c in columns]).lastrowid
    assert key is not None  # every table has an INTEGER PRIMARY KEY
    return key


def _update(db: sqlite3.Connection, table: str, where: str, key: int, values: Mapping[str, object]) -> None:
    if not values:
        return
    _columns(table, {**values, where: key})
    assignments = ", ".join(f"{c} = ?" for c in values)
    db.execute(f"UPDATE {table} SET {assignments} WHERE {where} = ?", [*map(_bound, values.values()), key])


def _delete(db: sqlite3.Connection, table: str, where: str, key: int) -> None:
    _columns(table, {where: key})
    db.execute(f"DELETE FROM {table} WHERE {where} = ?", (key,))


def _reference(table: str, parent: str) -> ForeignKey:
    return next(fk for fk in schema().foreign_keys if fk.table == table and fk.parent == parent)


def _rule(fk: ForeignKey) -> str:
    return f"{fk.table}.{fk.column} references {fk.parent}.{fk.parent_column}"


def _references(db: sqlite3.Connection, resource: str, key: int) -> None:
    """Refuse to delete a row that rows outside its resource still reference (a customer's orders, ...)."""
    for fk in schema().foreign_keys:
        if fk.parent != resource or fk.table in PARTS.get(resource, ()):
            continue
        (count,) = db.execute(f"SELECT count(*) FROM {fk.table} WHERE {fk.column} = ?", (key,)).fetchone()
        if count:
            msg = (
                f"{DETAILS[resource]} {key} is referenced by {count} row(s) of {fk.table} ({fk.column}); "
                f"delete those first"
            )
            raise Conflict(msg, _rule(fk))


# --- reading back, auditing ---------------------------------------------------------------------------------


def detail(db: sqlite3.Connection, resource: str, key: int) -> Row | None:
    """The resource's row as the API returns it (an order with its items and payment), or None."""
    row = db.execute(native_query(DETAILS[resource]).sql, (key,)).fetchone()
    if row is None:
        return None
    found = dict(row)
    if resource == "orders":
        found["items"] = json.loads(found["items"])
        found["payment"] = json.loads(found["payment"]) if found["payment"] else None
    return found


def _existing(db: sqlite3.Connection, resource: str, key: int) -> Row:
    found = detail(db, resource, key)
    if found is None:
        msg = f"{DETAILS[resource]} {key} does not exist"
        raise Missing(msg)
    return found


def _record(
    db: sqlite3.Connection, writing: Writing, action: str, resource: str, key: int, before: Row | None
) -> Row | None:
    """Append the audit row of a write (unless it changed nothing) and return the row after it."""
    after = None if action == "delete" else detail(db, resource, key)
    if before != after:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        db.execute(
            statement("audit"),
            (at, writing.key_id, action, resource, key, _json(before), _json(after)),
        )
    return after


def _json(row: Row | None) -> str | None:
    return None if row is None else json.dumps(row, sort_keys=True)


@contextmanager
def _transaction(warehouse: Path) -> Iterator[sqlite3.Connection]:
    with edits.write_lock(warehouse):
        # Opened under the lock: a rebuild replaces the file only while holding it, so this is the file in place.
        # mode=rw: a missing warehouse is an error, not a new empty file.
        try:
            db = sqlite3.connect(
                f"{warehouse.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None, timeout=BUSY_SECONDS
            )
        except sqlite3.OperationalError:
            raise WarehouseMissing(warehouse) from None
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.IntegrityError as error:
            # The schema's own constraints are the last line: a rule the checks above missed is still a refusal.
            msg = f"the warehouse refused the write: {error}"
            raise Conflict(msg, "schema constraint") from None
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            msg = f"the warehouse is busy (a long read holds it) for more than {BUSY_SECONDS:g} s; nothing was written"
            raise Busy(msg) from None
        finally:
            db.close()


# --- rules --------------------------------------------------------------------------------------------------


def _window(db: sqlite3.Connection, default: Window) -> Window:
    row = db.execute(statement("window_end")).fetchone()
    if row is None or row[0] is None:
        return default
    end = dt.date.fromisoformat(row[0])
    return end - dt.timedelta(days=WINDOW_DAYS - 1), end


def _in_window(column: str, day: dt.date, window: Window) -> None:
    if not window[0] <= day <= window[1]:
        msg = f"{column} {day} is outside the data's date window, {window[0]} to {window[1]}"
        raise Conflict(msg, f"{column}_in_window")


def _email_free(db: sqlite3.Connection, email: str, customer_id: int | None) -> None:
    row = db.execute(statement("email_owner"), (email,)).fetchone()
    if row is not None and row[0] != customer_id:
        msg = f"email {email!r} already belongs to customer {row[0]}"
        raise Conflict(msg, "unique customers.email")


def _order_after_signup(db: sqlite3.Connection, customer_id: int, order_date: dt.date) -> None:
    row = db.execute(statement("signup_date"), (customer_id,)).fetchone()
    if row is None:
        msg = f"customer {customer_id} does not exist"
        raise Missing(msg, _rule(_reference("orders", "customers")))
    if order_date < dt.date.fromisoformat(row[0]):
        msg = f"order_date {order_date} is before customer {customer_id} signed up ({row[0]})"
        raise Conflict(msg, "order_after_signup")


def _payment_after_order(order_date: dt.date, payment_date: dt.date) -> None:
    if payment_date < order_date:
        msg = f"payment_date {payment_date} is before the order_date {order_date}"
        raise Conflict(msg, "payment_after_order")


def money(amount: float) -> float:
    """An amount rounded to the cent, half away from zero (as the data's money is)."""
    return float(Decimal(repr(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _cents(amount: float) -> int:
    return round(money(amount) * 100)


def _lines(db: sqlite3.Connection, items: Sequence[Mapping[str, int]]) -> list[Row]:
    """The order lines with their line_total = quantity x the product's price, computed here, in cents."""
    lines = []
    for item in items:
        row = db.execute(statement("price"), (item["product_id"],)).fetchone()
        if row is None:
            msg = f"product {item['product_id']} does not exist"
            raise Missing(msg, _rule(_reference("order_items", "products")))
        cents = _cents(row[0]) * item["quantity"]
        lines.append({"product_id": item["product_id"], "quantity": item["quantity"], "line_total": cents / 100})
    return lines


def _total(lines: list[Row]) -> float:
    """The order total: the sum of its line totals, in cents."""
    cents: int = sum(round(line["line_total"] * 100) for line in lines)
    return cents / 100


def _write_lines(db: sqlite3.Connection, order_id: int, lines: list[Row]) -> None:
    for line in lines:
        _insert(db, "order_items", {"order_id": order_id, **line})


# --- customers ----------------------------------------------------------------------------------------------


def create_customer(writing: Writing, values: Row) -> Row | None:
    with _transaction(writing.warehouse) as db:
        _in_window("signup_date", values["signup_date"], _window(db, writing.default_window))
        _email_free(db, values["email"], None)
        key = _insert(db, "customers", values)
        return _record(db, writing, "create", "customers", key, None)


def update_customer(writing: Writing, key: int, changes: Row) -> Row | None:
    with _transaction(writing.warehouse) as db:
        before = _existing(db, "customers", key)
        if "email" in changes:
            _email_free(db, changes["email"], key)
        if "signup_date" in changes:
            signup = changes["signup_date"]
            _in_window("signup_date", signup, _window(db, writing.default_window))
            (first,) = db.execute(statement("first_order_date"), (key,)).fetchone()
            if first is not None and dt.date.fromisoformat(first) < signup:
                msg = f"customer {key} placed an order on {first}, before the new signup_date {signup}"
                raise Conflict(msg, "order_after_signup")
        _update(db, "customers", "customer_id", key, changes)
        return _record(db, writing, "update", "customers", key, before)


# --- products -----------------------------------------------------------------------------------------------


def create_product(writing: Writing, values: Row) -> Row | None:
    with _transaction(writing.warehouse) as db:
        key = _insert(db, "products", {**values, "price": money(values["price"])})
        return _record(db, writing, "create", "products", key, None)


def update_product(writing: Writing, key: int, changes: Row) -> Row | None:
    with _transaction(writing.warehouse) as db:
        before = _existing(db, "products", key)
        if "price" in changes:
            changes = {**changes, "price": money(changes["price"])}
            lines = _reference("order_items", "products")
            if changes["price"] != before["price"]:
                (count,) = db.execute(f"SELECT count(*) FROM {lines.table} WHERE {lines.column} = ?", (key,)).fetchone()
                if count:
                    msg = (
                        f"product {key} is on {count} order line(s) whose line_total is quantity x its price "
                        f"{before['price']}; its price cannot change (create a new product instead)"
                    )
                    raise Conflict(msg, "line_total_is_quantity_times_price")
        _update(db, "products", "product_id", key, changes)
        return _record(db, writing, "update", "products", key, before)


# --- orders -------------------------------------------------------------------------------------------------


def create_order(writing: Writing, values: Row) -> Row | None:
    """``values``: customer_id, order_date, items [{product_id, quantity}], payment {payment_method, payment_date}."""
    order_date, payment = values["order_date"], values["payment"]
    with _transaction(writing.warehouse) as db:
        window = _window(db, writing.default_window)
        _in_window("order_date", order_date, window)
        _order_after_signup(db, values["customer_id"], order_date)
        _in_window("payment_date", payment["payment_date"], window)
        _payment_after_order(order_date, payment["payment_date"])
        lines = _lines(db, values["items"])
        total = _total(lines)
        key = _insert(
            db, "orders", {"customer_id": values["customer_id"], "order_date": order_date, "total_amount": total}
        )
        _write_lines(db, key, lines)
        _insert(db, "payments", {"order_id": key, **payment, "amount": total})
        return _record(db, writing, "create", "orders", key, None)


def update_order(writing: Writing, key: int, changes: Row) -> Row | None:
    """``changes``: any of customer_id, order_date, items (replace every line), payment {payment_method,
    payment_date}; the totals and the payment amount follow new items."""
    with _transaction(writing.warehouse) as db:
        before = _existing(db, "orders", key)
        window = _window(db, writing.default_window)
        order: Row = {k: changes[k] for k in ("customer_id", "order_date") if k in changes}
        payment = dict(changes.get("payment", {}))
        customer_id: int = order["customer_id"] if "customer_id" in order else before["customer_id"]
        order_date: dt.date = order.get("order_date", dt.date.fromisoformat(before["order_date"]))
        payment_date: dt.date = payment.get("payment_date", dt.date.fromisoformat(before["payment"]["payment_date"]))
        if "order_date" in order:
            _in_window("order_date", order_date, window)
        if order:
            _order_after_signup(db, customer_id, order_date)
        if "payment_date" in payment:
            _in_window("payment_date", payment_date, window)
        _payment_after_order(order_date, payment_date)
        if "items" in changes:
            lines = _lines(db, changes["items"])
            order_key = _reference("order_items", "orders")
            _delete(db, order_key.table, order_key.column, key)
            _write_lines(db, key, lines)
            order["total_amount"] = payment["amount"] = _total(lines)
        _update(db, "orders", "order_id", key, order)
        _update(db, "payments", _reference("payments", "orders").column, key, payment)
        return _record(db, writing, "update", "orders", key, before)


# --- deletes ------------------------------------------------------------------------------------------------


def delete(writing: Writing, resource: str, key: int) -> None:
    """Delete a customer, product or order (an order with its lines and payment); refused while referenced."""
    with _transaction(writing.warehouse) as db:
        before = _existing(db, resource, key)
        _references(db, resource, key)
        for part in PARTS.get(resource, ()):
            fk = _reference(part, resource)
            _delete(db, fk.table, fk.column, key)
        _delete(db, resource, schema().primary_keys[resource], key)
        _record(db, writing, "delete", resource, key, before)


# --- marts --------------------------------------------------------------------------------------------------


def refresh_marts(writing: Writing, spill_parent: Path) -> int:
    """Recompute the marts from the warehouse tables (``pipeline.analysis.marts``); the last audit_id they include.

    A job of the writer process like the writes: it writes the warehouse (through DuckDB's sqlite extension,
    which this process never has open at the same time as ``sqlite3``: jobs run one at a time and close what
    they open) and waits for the write lock like them.
    """
    from pipeline.analysis.marts import refresh_marts as refresh

    if not writing.warehouse.is_file():  # DuckDB's attach would create an empty one
        raise WarehouseMissing(writing.warehouse)
    return refresh(writing.warehouse, spill_parent)
