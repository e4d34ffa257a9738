"""The jobs of the API's writer process, one per operation on customers, products and orders, and the marts'
refresh: each one transaction (``transaction``) that checks the rules (``rules``), writes (``rows``) and appends its
audit row, and returns the row as the API answers it. A create sent with an Idempotency-Key keeps its answer in
the same transaction (``idempotency``)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import WarehouseMissing
from pipeline.schema import schema
from pipeline.warehouse.writes import idempotency, rows, rules
from pipeline.warehouse.writes.idempotency import Created, Retry
from pipeline.warehouse.writes.transaction import HELD_BY_WRITES, Row, Writing, transaction


def _new_customer(db: sqlite3.Connection, writing: Writing, values: Row) -> int:
    rules.in_window("signup_date", values["signup_date"], rules.date_window(db, writing.default_window))
    rules.email_free(db, values["email"], None)
    return rows.insert_row(db, "customers", values)


def update_customer(writing: Writing, key: int, changes: Row) -> Row | None:
    with transaction(writing) as db:
        before = rows.existing(db, "customers", key)
        if "email" in changes:
            rules.email_free(db, changes["email"], key)
        if "signup_date" in changes:
            rules.in_window("signup_date", changes["signup_date"], rules.date_window(db, writing.default_window))
            rules.signup_before_first_order(db, key, changes["signup_date"])
        rows.update_row(db, "customers", "customer_id", key, changes)
        return rows.audited(db, writing, "update", "customers", key, before)


def _new_product(db: sqlite3.Connection, writing: Writing, values: Row) -> int:
    return rows.insert_row(db, "products", {**values, "price": rules.round_to_cents(values["price"])})


def update_product(writing: Writing, key: int, changes: Row) -> Row | None:
    with transaction(writing) as db:
        before = rows.existing(db, "products", key)
        if "price" in changes:
            changes = {**changes, "price": rules.round_to_cents(changes["price"])}
            rules.price_fixed_while_on_lines(db, key, before["price"], changes["price"])
        rows.update_row(db, "products", "product_id", key, changes)
        return rows.audited(db, writing, "update", "products", key, before)


def _new_order(db: sqlite3.Connection, writing: Writing, values: Row) -> int:
    """``values``: customer_id, order_date, items [{product_id, quantity}], payment {payment_method, payment_date}."""
    order_date, payment = values["order_date"], values["payment"]
    window = rules.date_window(db, writing.default_window)
    rules.in_window("order_date", order_date, window)
    rules.order_after_signup(db, values["customer_id"], order_date)
    rules.in_window("payment_date", payment["payment_date"], window)
    rules.payment_after_order(order_date, payment["payment_date"])
    lines = rules.priced_lines(db, values["items"])
    total = rules.total(lines)
    order = {"customer_id": values["customer_id"], "order_date": order_date, "total_amount": total}
    key = rows.insert_row(db, "orders", order)
    for line in lines:
        rows.insert_row(db, "order_items", {"order_id": key, **line})
    rows.insert_row(db, "payments", {"order_id": key, **payment, "amount": total})
    return key


NEW: dict[str, Callable[[sqlite3.Connection, Writing, Row], int]] = {
    "customers": _new_customer,
    "products": _new_product,
    "orders": _new_order,
}


def create(writing: Writing, resource: str, values: Row, retry: Retry | None = None) -> Created:
    """A new customer, product or order (with its lines and payment), answered as the API answers it. With
    ``retry`` (an Idempotency-Key), the answer kept for the key if there is one (nothing is written), else the new
    row's, kept in the same transaction."""
    now = dt.datetime.now(dt.UTC)
    with transaction(writing) as db:
        answer = None if retry is None else idempotency.kept(db, writing, retry, now)
        if answer is not None:
            return answer
        key = NEW[resource](db, writing, values)
        row = rows.audited(db, writing, "create", resource, key, None)
        assert row is not None  # a new row always differs from none
        answer = Created(201, row)
        if retry is not None:
            idempotency.keep(db, writing, retry, answer, now)
        return answer


def update_order(writing: Writing, key: int, changes: Row) -> Row | None:
    """``changes``: any of customer_id, order_date, items (replace every line), payment {payment_method,
    payment_date}; the totals and the payment amount follow new items."""
    with transaction(writing) as db:
        before = rows.existing(db, "orders", key)
        window = rules.date_window(db, writing.default_window)
        order: Row = {k: changes[k] for k in ("customer_id", "order_date") if k in changes}
        payment = dict(changes.get("payment", {}))
        customer_id: int = order["customer_id"] if "customer_id" in order else before["customer_id"]
        order_date: dt.date = order.get("order_date", dt.date.fromisoformat(before["order_date"]))
        payment_date: dt.date = payment.get("payment_date", dt.date.fromisoformat(before["payment"]["payment_date"]))
        if "order_date" in order:
            rules.in_window("order_date", order_date, window)
        if order:
            rules.order_after_signup(db, customer_id, order_date)
        if "payment_date" in payment:
            rules.in_window("payment_date", payment_date, window)
        rules.payment_after_order(order_date, payment_date)
        if "items" in changes:
            lines = rules.priced_lines(db, changes["items"])
            order_lines = rows.reference("order_items", "orders")
            rows.delete_rows(db, order_lines.table, order_lines.column, key)
            for line in lines:
                rows.insert_row(db, "order_items", {"order_id": key, **line})
            order["total_amount"] = payment["amount"] = rules.total(lines)
        rows.update_row(db, "orders", "order_id", key, order)
        rows.update_row(db, "payments", rows.reference("payments", "orders").column, key, payment)
        return rows.audited(db, writing, "update", "orders", key, before)


def delete(writing: Writing, resource: str, key: int) -> None:
    """Delete a customer, product or order (an order with its lines and payment); refused while referenced."""
    with transaction(writing) as db:
        before = rows.existing(db, resource, key)
        rows.refuse_if_referenced(db, resource, key)
        for part in rows.PARTS.get(resource, ()):
            fk = rows.reference(part, resource)
            rows.delete_rows(db, fk.table, fk.column, key)
        rows.delete_rows(db, resource, schema().primary_keys[resource], key)
        rows.audited(db, writing, "delete", resource, key, before)


def refresh_marts(writing: Writing, spill_parent: Path) -> int:
    """Recompute the marts from the warehouse tables (``pipeline.warehouse.marts``); the last audit_id they
    include.

    A job of the writer process like the writes: it writes the warehouse (through DuckDB's sqlite extension,
    which this process never has open at the same time as ``sqlite3``: jobs run one at a time and close what
    they open) and waits for the write lock like them.
    """
    from pipeline.warehouse import marts  # DuckDB: imported by this job only, not at the writer's start

    if not writing.warehouse.is_file():  # DuckDB's attach would create an empty one
        raise WarehouseMissing(writing.warehouse)
    try:
        return marts.refresh_marts(writing.warehouse, spill_parent, writing.wait_until)
    except TimeoutError:  # the write lock stayed taken
        raise writing.busy(HELD_BY_WRITES) from None
