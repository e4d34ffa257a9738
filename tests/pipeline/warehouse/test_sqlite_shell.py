"""The loaded warehouse as any SQLite user sees it, through the ``sqlite3`` command-line shell.

It passes SQLite's own checks, and the constraints of ``warehouse/schema.sql`` are real: SQLite itself refuses
rows that break them (tested on a copy of the warehouse).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipeline.schema import TABLES

pytestmark = pytest.mark.fast

SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
GoodRun = Any  # conftest.GoodRun


def sqlite3_cli(database: Path, sql: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SQLITE3, "-bail", *options, str(database)], input=sql, capture_output=True, text=True, timeout=60, check=False
    )


def query(database: Path, sql: str) -> str:
    done = sqlite3_cli(database, sql, "-readonly")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout.strip()


@pytest.fixture
def warehouse_copy(good_run: GoodRun, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse.sqlite"
    shutil.copy2(good_run.warehouse, copy)
    return copy


def test_foreign_key_check_finds_nothing(good_run: GoodRun) -> None:
    done = sqlite3_cli(good_run.warehouse, "PRAGMA foreign_key_check;", "-readonly")

    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == ""


def test_integrity_check_is_ok(good_run: GoodRun) -> None:
    assert query(good_run.warehouse, "PRAGMA integrity_check;") == "ok"


def test_tables_hold_the_lake(good_run: GoodRun) -> None:
    sql = "\n".join(f"SELECT '{t}', count(*) FROM {t};" for t in TABLES)
    rows = dict(line.split("|") for line in query(good_run.warehouse, sql).splitlines())

    assert {t: int(n) for t, n in rows.items()} == good_run.row_counts


def test_declared_keys_and_indexes(good_run: GoodRun) -> None:
    indexes = query(good_run.warehouse, "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name;")
    assert {"customers_email", "payments_order", "orders_customer", "order_items_order"} <= set(indexes.split())
    foreign_keys = query(
        good_run.warehouse,
        'SELECT m.name, f."from", f."table" FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f '
        "WHERE m.type = 'table' ORDER BY 1, 2;",
    )
    assert foreign_keys.splitlines() == [
        "order_items|order_id|orders",
        "order_items|product_id|products",
        "orders|customer_id|customers",
        "payments|order_id|orders",
    ]


def test_values_are_stored_with_their_types(good_run: GoodRun) -> None:
    """Dates are ISO text, money REAL, keys INTEGER: no text that merely looks like a number or a date."""
    sql = (
        "SELECT group_concat(DISTINCT typeof(order_date)), group_concat(DISTINCT typeof(total_amount)), "
        "group_concat(DISTINCT typeof(customer_id)) FROM orders;\n"
        "SELECT count(*) FROM orders WHERE order_date IS NOT date(order_date);\n"
        "SELECT count(*) FROM payments WHERE payment_date < (SELECT order_date FROM orders AS o "
        "WHERE o.order_id = payments.order_id);"
    )
    assert query(good_run.warehouse, sql).splitlines() == ["text|real|integer", "0", "0"]


# (what breaks the rule, the statement, the text SQLite's error must contain)
REFUSED = {
    "price-zero": (
        "INSERT INTO products VALUES (1000001, 'Free Thing', 'Books', 0);",
        "CHECK constraint failed: price > 0",
    ),
    "price-negative": (
        "INSERT INTO products VALUES (1000001, 'Refund Thing', 'Books', -5.5);",
        "CHECK constraint failed: price > 0",
    ),
    "price-update-negative": (
        "UPDATE products SET price = -1 WHERE product_id = 1;",
        "CHECK constraint failed: price > 0",
    ),
    "unknown-category": (
        "INSERT INTO products VALUES (1000001, 'Sword', 'Weapons', 10.0);",
        "CHECK constraint failed: category = 'Electronics' or",
    ),
    "category-wrong-case": (
        "INSERT INTO products VALUES (1000001, 'Lamp', 'electronics', 10.0);",
        "CHECK constraint failed: category = 'Electronics' or",
    ),
    "date-not-a-date": (
        "INSERT INTO orders VALUES (1000001, 1, 'yesterday', 0);",
        "CHECK constraint failed: order_date",
    ),
    "date-impossible-day": (
        "INSERT INTO orders VALUES (1000001, 1, '2024-02-30', 0);",
        "CHECK constraint failed: order_date",
    ),
    "date-not-iso": (
        "INSERT INTO customers VALUES (1000001, 'Ann', 'Lee', 'ann.lee@example.com', '31/12/2024');",
        "CHECK constraint failed: signup_date",
    ),
    "date-with-time": (
        "INSERT INTO payments VALUES (1000001, 1, 'card', 1.0, '2024-01-01 10:00:00');",
        "CHECK constraint failed: payment_date",
    ),
    "orphan-customer": (
        "PRAGMA foreign_keys = ON; INSERT INTO orders VALUES (1000001, 987654321, '2024-01-01', 0);",
        "FOREIGN KEY constraint failed",
    ),
    "orphan-product": (
        "PRAGMA foreign_keys = ON; INSERT INTO order_items VALUES (1000001, 1, 987654321, 1, 1.0);",
        "FOREIGN KEY constraint failed",
    ),
    "delete-parent-with-children": (
        "PRAGMA foreign_keys = ON; DELETE FROM customers WHERE customer_id = (SELECT customer_id FROM orders LIMIT 1);",
        "FOREIGN KEY constraint failed",
    ),
    "duplicate-primary-key": (
        "INSERT INTO customers VALUES (1, 'Ann', 'Lee', 'ann.lee.unique@example.com', '2024-01-01');",
        "UNIQUE constraint failed: customers.customer_id",
    ),
    "duplicate-email": (
        "INSERT INTO customers SELECT 1000001, 'Ann', 'Lee', email, '2024-01-01' FROM customers LIMIT 1;",
        "UNIQUE constraint failed: customers.email",
    ),
    "second-payment-for-an-order": (
        "INSERT INTO payments SELECT 1000001, order_id, 'card', 1.0, payment_date FROM payments LIMIT 1;",
        "UNIQUE constraint failed: payments.order_id",
    ),
    "unknown-payment-method": (
        "INSERT INTO payments VALUES (1000001, 1, 'cash', 1.0, '2024-01-01');",
        "CHECK constraint failed: payment_method = 'card' or",
    ),
    "quantity-zero": (
        "INSERT INTO order_items VALUES (1000001, 1, 1, 0, 0);",
        "CHECK constraint failed: quantity > 0",
    ),
    "negative-total": (
        "INSERT INTO orders VALUES (1000001, 1, '2024-01-01', -0.01);",
        "CHECK constraint failed: total_amount >= 0",
    ),
    "missing-value": (
        "INSERT INTO customers VALUES (1000001, 'Ann', NULL, 'ann.lee@example.com', '2024-01-01');",
        "NOT NULL constraint failed: customers.last_name",
    ),
    "empty-name": (
        "INSERT INTO products VALUES (1000001, '', 'Books', 1.0);",
        "CHECK constraint failed: length(name) > 0",
    ),
}

TOUCHED = ("customers", "products", "orders", "order_items", "payments")
SNAPSHOT = "\n".join(f"SELECT '{t}', count(*), total_changes() FROM {t};" for t in TOUCHED)


@pytest.mark.parametrize(("statement", "error"), list(REFUSED.values()), ids=list(REFUSED))
def test_sqlite_refuses_rows_that_break_the_schema(statement: str, error: str, warehouse_copy: Path) -> None:
    before = query(warehouse_copy, SNAPSHOT)

    done = sqlite3_cli(warehouse_copy, statement)

    assert done.returncode != 0, f"SQLite accepted: {statement}"
    assert error in done.stderr, done.stderr
    assert query(warehouse_copy, SNAPSHOT) == before


def test_a_good_row_is_accepted(warehouse_copy: Path) -> None:
    """The control for the refusals above: a row that keeps every rule goes in, with foreign keys on."""
    done = sqlite3_cli(
        warehouse_copy,
        "PRAGMA foreign_keys = ON;\n"
        "INSERT INTO products VALUES (1000001, 'Plain Mug', 'Home & Garden', 9.99);\n"
        "INSERT INTO orders SELECT 1000001, customer_id, '2025-12-31', 9.99 FROM customers LIMIT 1;\n"
        "INSERT INTO order_items VALUES (1000001, 1000001, 1000001, 1, 9.99);\n"
        "INSERT INTO payments VALUES (1000001, 1000001, 'paypal', 9.99, '2025-12-31');\n",
    )

    assert done.returncode == 0, done.stderr
    assert query(warehouse_copy, "PRAGMA foreign_key_check;") == ""
    assert query(warehouse_copy, "SELECT order_id, amount FROM payments WHERE payment_id = 1000001;") == "1000001|9.99"
