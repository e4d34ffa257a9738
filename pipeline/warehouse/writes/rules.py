"""The hard rules of the data that a write can break, checked inside its transaction; each refusal names its rule
as validation does (``order_after_signup``, ``payment_after_order``, ``<column>_in_window``, unique email, a
missing reference), and the server computes the money (line totals, order totals) so it cannot be wrong."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from pipeline.settings import WINDOW_DAYS, Window
from pipeline.warehouse.sql_files import write_statement
from pipeline.warehouse.writes import rows
from pipeline.warehouse.writes.transaction import Conflict, Missing, Row


def date_window(db: sqlite3.Connection, default: Window) -> Window:
    """The build's generation window; ``default`` for a build loaded from --source, which records none."""
    row = db.execute(write_statement("window_end")).fetchone()
    if row is None or row[0] is None:
        return default
    end = dt.date.fromisoformat(row[0])
    return end - dt.timedelta(days=WINDOW_DAYS - 1), end


def in_window(column: str, day: dt.date, window: Window) -> None:
    if not window[0] <= day <= window[1]:
        msg = f"{column} {day} is outside the data's date window, {window[0]} to {window[1]}"
        raise Conflict(msg, f"{column}_in_window")


def email_free(db: sqlite3.Connection, email: str, customer_id: int | None) -> None:
    row = db.execute(write_statement("email_owner"), (email,)).fetchone()
    if row is not None and row[0] != customer_id:
        msg = f"email {email!r} already belongs to customer {row[0]}"
        raise Conflict(msg, "unique customers.email")


def order_after_signup(db: sqlite3.Connection, customer_id: int, order_date: dt.date) -> None:
    row = db.execute(write_statement("signup_date"), (customer_id,)).fetchone()
    if row is None:
        msg = f"customer {customer_id} does not exist"
        raise Missing(msg, rows.rule_name(rows.reference("orders", "customers")))
    if order_date < dt.date.fromisoformat(row[0]):
        msg = f"order_date {order_date} is before customer {customer_id} signed up ({row[0]})"
        raise Conflict(msg, "order_after_signup")


def signup_before_first_order(db: sqlite3.Connection, customer_id: int, signup: dt.date) -> None:
    (first,) = db.execute(write_statement("first_order_date"), (customer_id,)).fetchone()
    if first is not None and dt.date.fromisoformat(first) < signup:
        msg = f"customer {customer_id} placed an order on {first}, before the new signup_date {signup}"
        raise Conflict(msg, "order_after_signup")


def payment_after_order(order_date: dt.date, payment_date: dt.date) -> None:
    if payment_date < order_date:
        msg = f"payment_date {payment_date} is before the order_date {order_date}"
        raise Conflict(msg, "payment_after_order")


def price_fixed_while_on_lines(db: sqlite3.Connection, product_id: int, before: float, after: float) -> None:
    """A product's price cannot change while order lines carry it: their line_total is quantity x price."""
    lines = rows.reference("order_items", "products")
    if after == before:
        return
    (count,) = db.execute(f"select count(*) from {lines.table} where {lines.column} = ?", (product_id,)).fetchone()
    if count:
        msg = (
            f"product {product_id} is on {count} order line(s) whose line_total is quantity x its price "
            f"{before}; its price cannot change (create a new product instead)"
        )
        raise Conflict(msg, "line_total_is_quantity_times_price")


def round_to_cents(amount: float) -> float:
    """An amount rounded to the cent, half away from zero (as the data's money is)."""
    return float(Decimal(repr(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _cents(amount: float) -> int:
    return round(round_to_cents(amount) * 100)


def priced_lines(db: sqlite3.Connection, items: Sequence[Mapping[str, int]]) -> list[Row]:
    """The order lines with their line_total = quantity x the product's price, computed here, in cents."""
    lines = []
    for item in items:
        row = db.execute(write_statement("price"), (item["product_id"],)).fetchone()
        if row is None:
            msg = f"product {item['product_id']} does not exist"
            raise Missing(msg, rows.rule_name(rows.reference("order_items", "products")))
        cents = _cents(row[0]) * item["quantity"]
        lines.append({"product_id": item["product_id"], "quantity": item["quantity"], "line_total": cents / 100})
    return lines


def total(lines: list[Row]) -> float:
    """The order total: the sum of its line totals, in cents."""
    cents: int = sum(round(line["line_total"] * 100) for line in lines)
    return cents / 100
