"""The tutorial-style baseline: Faker per row, Python loops, lists of dicts -> pandas -> ``DataFrame.to_sql``.

This is how most "generate fake e-commerce data" tutorials do it, and it is what the pipeline's generation
speed is compared against. It is written to be honest: ordinary idiomatic code, no deliberate slowness
(no per-row commits, no quadratic lookups), and no optimisation either (no vectorisation, no word pools).

It produces the same five tables with the same row counts (base x scale) and the same hard rules:
line_total = quantity x price, an order's total = the sum of its lines, every order has at least one item,
exactly one payment per order dated on/after the order, orders on/after the customer's signup, unique emails.
It loads into the same schema (``warehouse/schema.sql``): tables, ``to_sql`` appends, then the indexes.

    python -m benchmarks.naive_baseline --scale 1 [--db PATH] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from faker import Faker

from pipeline.generate.plan import rows_at_scale
from pipeline.schema import schema

CATEGORIES = (
    "Electronics", "Clothing", "Home & Garden", "Books", "Sports",
    "Beauty", "Toys", "Automotive", "Jewelry", "Health",
)  # fmt: skip
PAYMENT_METHODS = ("card", "paypal", "bank")
START_DATE = dt.date(2023, 1, 1)
END_DATE = dt.date(2025, 12, 31)
TABLE_ORDER = ("customers", "products", "orders", "order_items", "payments")


@dataclass(frozen=True)
class NaiveTimings:
    scale: float
    rows: dict[str, int]
    generate_s: float
    to_sql_s: float
    indexes_s: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "scale": self.scale,
            "rows": self.rows,
            "total_rows": self.total_rows,
            "generate_s": self.generate_s,
            "to_sql_s": self.to_sql_s,
            "indexes_s": self.indexes_s,
            "generate_rows_per_s": self.total_rows / self.generate_s,
            "to_sql_rows_per_s": self.total_rows / self.to_sql_s,
        }


def generate(scale: float, seed: int = 42) -> dict[str, pd.DataFrame]:
    """All five tables as pandas DataFrames, built row by row."""
    fake = Faker()
    Faker.seed(seed)
    random.seed(seed)

    customers: list[dict[str, Any]] = []
    for customer_id in range(1, rows_at_scale("customers", scale) + 1):
        customers.append(
            {
                "customer_id": customer_id,
                "first_name": fake.first_name(),
                "last_name": fake.last_name(),
                "email": fake.unique.email(),
                "signup_date": fake.date_between(start_date=START_DATE, end_date=END_DATE),
            }
        )

    products: list[dict[str, Any]] = []
    for product_id in range(1, rows_at_scale("products", scale) + 1):
        products.append(
            {
                "product_id": product_id,
                "name": f"{fake.company()} {fake.word().title()}",
                "category": random.choice(CATEGORIES),
                "price": round(random.lognormvariate(3.5, 0.9) + 0.5, 2),
            }
        )

    n_orders = rows_at_scale("orders", scale)
    n_items = rows_at_scale("order_items", scale)
    # Every order gets one item, the rest are spread over random orders.
    items_per_order = [1] * n_orders
    for _ in range(n_items - n_orders):
        items_per_order[random.randrange(n_orders)] += 1

    orders: list[dict[str, Any]] = []
    order_items: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    order_item_id = 0
    for order_id in range(1, n_orders + 1):
        customer = random.choice(customers)
        order_date = fake.date_between(start_date=customer["signup_date"], end_date=END_DATE)
        total = 0.0
        for _ in range(items_per_order[order_id - 1]):
            product = random.choice(products)
            quantity = random.randint(1, 5)
            line_total = round(quantity * product["price"], 2)
            total += line_total
            order_item_id += 1
            order_items.append(
                {
                    "order_item_id": order_item_id,
                    "order_id": order_id,
                    "product_id": product["product_id"],
                    "quantity": quantity,
                    "line_total": line_total,
                }
            )
        total = round(total, 2)
        orders.append(
            {
                "order_id": order_id,
                "customer_id": customer["customer_id"],
                "order_date": order_date,
                "total_amount": total,
            }
        )
        payments.append(
            {
                "payment_id": order_id,
                "order_id": order_id,
                "payment_method": random.choice(PAYMENT_METHODS),
                "amount": total,
                "payment_date": min(order_date + dt.timedelta(days=random.randint(0, 7)), END_DATE),
            }
        )

    tables = {
        "customers": customers,
        "products": products,
        "orders": orders,
        "order_items": order_items,
        "payments": payments,
    }
    return {name: pd.DataFrame(rows) for name, rows in tables.items()}


def to_sql(frames: dict[str, pd.DataFrame], db_path: Path) -> tuple[float, float]:
    """Create the schema's tables, ``DataFrame.to_sql`` each table, then build the indexes.

    Returns (seconds for the to_sql calls, seconds for the index build).
    """
    ddl = schema()
    db_path.unlink(missing_ok=True)
    con = sqlite3.connect(db_path)
    try:
        con.executescript(ddl.tables_ddl)
        started = time.perf_counter()
        for name in TABLE_ORDER:
            frames[name].to_sql(name, con, if_exists="append", index=False)
        con.commit()
        loaded = time.perf_counter()
        con.executescript(ddl.indexes_ddl)
        con.commit()
        indexed = time.perf_counter()
    finally:
        con.close()
    return loaded - started, indexed - loaded


def run(scale: float, db_path: Path, seed: int = 42) -> NaiveTimings:
    started = time.perf_counter()
    frames = generate(scale, seed)
    generated = time.perf_counter()
    to_sql_s, indexes_s = to_sql(frames, db_path)
    rows = {name: len(frame) for name, frame in frames.items()}
    return NaiveTimings(scale, rows, generated - started, to_sql_s, indexes_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", type=Path, help="SQLite file to write (default: a temporary file, removed)")
    parser.add_argument("--json", action="store_true", help="print the timings as one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="naive-") as tmp:
        timings = run(args.scale, args.db or Path(tmp) / "naive.sqlite", args.seed)
    result = timings.as_dict()
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
