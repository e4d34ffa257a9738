"""The schema's CHECK vocabularies and the generators' vocabularies are one list written twice: keep them equal."""

from __future__ import annotations

import sqlite3

import pytest

from pipeline.domain import CATEGORIES, PAYMENT_METHODS
from pipeline.schema import schema

pytestmark = pytest.mark.fast


@pytest.fixture
def db() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.executescript(schema().tables_ddl)
    con.execute("INSERT INTO customers VALUES (1, 'Ann', 'Lee', 'ann.lee1@example.com', '2024-01-01')")
    con.execute("INSERT INTO orders VALUES (1, 1, '2024-01-01', 0)")
    return con


def test_every_generated_category_and_only_those_pass_the_check(db: sqlite3.Connection) -> None:
    for product_id, category in enumerate(CATEGORIES, 1):
        db.execute("INSERT INTO products VALUES (?, 'x', ?, 1.0)", (product_id, category))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        db.execute("INSERT INTO products VALUES (99, 'x', 'Groceries', 1.0)")


def test_every_generated_payment_method_and_only_those_pass_the_check(db: sqlite3.Connection) -> None:
    for payment_id, method in enumerate(PAYMENT_METHODS, 1):
        db.execute("INSERT INTO payments VALUES (?, 1, ?, 1.0, '2024-01-02')", (payment_id, method))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        db.execute("INSERT INTO payments VALUES (99, 1, 'cash', 1.0, '2024-01-02')")
