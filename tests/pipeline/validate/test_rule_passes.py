"""The shared passes count each of their rules on its own, with every rule of every pass broken at once.

Several rules checked in one query (``rules/*.sql`` with a ``-- pass:`` header) must report what each would
alone: its own failing-row count (several rows each, some standing for more than one row of their table) and
its own examples. The unique keys proven by a bitmap fall back to the exact count when one repeats. The
expected counts are worked out here from the planted rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline import duck, lake
from pipeline.schema import TABLES
from pipeline.settings import Settings
from pipeline.validate.rules import all_rules, check_rules, passes
from tests.support.planting import append_copy, set_row

pytestmark = pytest.mark.fast

Frames = dict[str, pl.DataFrame]
START, END = Settings(workers=1).window
DAY = dt.timedelta(days=1)
NOWHERE = 1_000_000  # a key no table holds


def _orders_used_once(frames: Frames) -> Iterator[dict[str, Any]]:
    """Orders (with their row, customer's signup and payment row) whose order date is after the window's start."""
    orders = frames["orders"].with_row_index("row").join(frames["customers"], on="customer_id")
    paid = frames["payments"].with_row_index("payment_row").select("order_id", "payment_row")
    yield from orders.join(paid, on="order_id").filter(pl.col("signup_date") > START).sort("row").iter_rows(named=True)


def plant_everything(f: Frames) -> tuple[Frames, dict[tuple[str, str, str], tuple[int, list[dict[str, Any]]]]]:
    """Break every rule checked in a pass (and two unique keys), each on rows of its own orders."""
    chosen = _orders_used_once(f)
    no_items, off_a, off_b, no_payment, paid_early_a, paid_early_b, early_a, early_b, orphan, twice_paid = (
        next(chosen) for _ in range(10)
    )
    items, orders, payments = f["order_items"], f["orders"], f["payments"]
    # order_items: two lines one unit off, two lines of an unknown product, three lines of an unknown order,
    # and one item id held by three rows; none on the orders broken below.
    used = {o["order_id"] for o in (no_items, off_a, off_b)}
    rows = [i for i, order in enumerate(items["order_id"]) if order not in used][:7]
    wrong = [items.row(i, named=True) for i in rows[:2]]
    for i in rows[:2]:
        items = set_row(items, i, quantity=items["quantity"][i] + 1)
    for i in rows[2:4]:
        items = set_row(items, i, product_id=NOWHERE)
    next_id = items["order_item_id"].max() + 1
    for k in range(3):
        items = append_copy(items, rows[4], order_item_id=next_id + k, order_id=NOWHERE)
    taken = items["order_item_id"][rows[6]]
    items = set_row(set_row(items, rows[5], order_item_id=taken), len(items) - 1, order_item_id=taken)
    items = items.filter(pl.col("order_id") != no_items["order_id"])
    # orders: two totals a dollar off, two orders the day before their customer's signup, one unknown customer.
    for o in (off_a, off_b):
        orders = set_row(orders, o["row"], total_amount=round(o["total_amount"] + 1.0, 2))
    for o in (early_a, early_b):
        orders = set_row(orders, o["row"], order_date=o["signup_date"] - DAY)
    orders = set_row(orders, orphan["row"], customer_id=NOWHERE)
    # payments: two the day before their order, one of an unknown order, a second for one order, one order unpaid.
    for o in (paid_early_a, paid_early_b):
        payments = set_row(payments, o["payment_row"], payment_date=o["order_date"] - DAY)
    next_payment = payments["payment_id"].max() + 1
    payments = append_copy(payments, 0, payment_id=next_payment, order_id=NOWHERE)
    payments = append_copy(payments, twice_paid["payment_row"], payment_id=next_payment + 1)
    payments = payments.filter(pl.col("order_id") != no_payment["order_id"])

    expected = {
        ("order_items", "line_total", "line_total equals quantity x the product's price, to the cent"): (
            2,
            [
                {
                    "order_item_id": w["order_item_id"],
                    "product_id": w["product_id"],
                    "quantity": w["quantity"] + 1,
                    "price": f["products"].filter(pl.col("product_id") == w["product_id"])["price"].item(),
                    "line_total": w["line_total"],
                }
                for w in wrong
            ],
        ),
        ("order_items", "product_id", "references products.product_id"): (2, [{"product_id": NOWHERE}]),
        ("order_items", "order_id", "references orders.order_id"): (3, [{"order_id": NOWHERE}]),
        ("order_items", "order_item_id", "unique"): (2, [{"order_item_id": taken, "copies": 3}]),
        ("orders", "order_id", "every order has at least one item"): (1, [{"order_id": no_items["order_id"]}]),
        ("orders", "total_amount", "total_amount equals the sum of the order's line totals, to the cent"): (
            2,
            [
                {
                    "order_id": o["order_id"],
                    "total_amount": round(o["total_amount"] + 1.0, 2),
                    "lines_total": f["order_items"].filter(pl.col("order_id") == o["order_id"])["line_total"].sum(),
                }
                for o in (off_a, off_b)
            ],
        ),
        ("orders", "order_date", "order_date is on or after the customer's signup_date"): (
            2,
            [
                {
                    "order_id": o["order_id"],
                    "order_date": o["signup_date"] - DAY,
                    "customer_id": o["customer_id"],
                    "signup_date": o["signup_date"],
                }
                for o in (early_a, early_b)
            ],
        ),
        ("orders", "customer_id", "references customers.customer_id"): (1, [{"customer_id": NOWHERE}]),
        ("orders", "order_id", "every order has a payment"): (1, [{"order_id": no_payment["order_id"]}]),
        ("payments", "payment_date", "payment_date is on or after its order's order_date"): (
            2,
            [
                {
                    "payment_id": payments_row["payment_id"],
                    "payment_date": o["order_date"] - DAY,
                    "order_id": o["order_id"],
                    "order_date": o["order_date"],
                }
                for o in (paid_early_a, paid_early_b)
                for payments_row in [f["payments"].row(o["payment_row"], named=True)]
            ],
        ),
        ("payments", "order_id", "references orders.order_id"): (1, [{"order_id": NOWHERE}]),
        ("payments", "order_id", "unique"): (1, [{"order_id": twice_paid["order_id"], "copies": 2}]),
    }
    return f | {"order_items": items, "orders": orders, "payments": payments}, expected


def _key(example: dict[str, Any]) -> str:
    return repr(sorted((k, round(v, 2) if isinstance(v, float) else v) for k, v in example.items()))


def test_every_rule_of_every_pass_is_counted_on_its_own(small_lake: Frames, tmp_path: Path) -> None:
    frames, expected = plant_everything(small_lake)
    for table in TABLES:
        lake.write_parquet(frames[table], lake.part_path(tmp_path / "lake", table, 0))
    with duck.connect() as con:
        duck.create_views(con, lake.lake_tables(tmp_path / "lake"))
        passed, failures = check_rules(con, (START, END))

    checked_in_passes = {(c.rule.table, c.rule.column, c.rule.name) for p in passes() for c in p.checks}
    assert checked_in_passes <= expected.keys()  # every rule of every pass is broken here
    assert {(f.table, f.column, f.rule) for f in failures} == expected.keys()
    assert passed == len(all_rules()) - len(expected)
    for f in failures:
        count, examples = expected[f.table, f.column, f.rule]
        assert f.failing_rows == count, f
        assert sorted(map(_key, f.examples)) == sorted(map(_key, examples)), f


@pytest.mark.parametrize("copies", [2, 3])
def test_a_key_the_bitmap_cannot_prove_unique_gets_its_exact_count(
    small_lake: Frames, tmp_path: Path, copies: int
) -> None:
    products = small_lake["products"]
    for _ in range(copies - 1):
        products = append_copy(products, 4)
    for table in TABLES:
        frame = products if table == "products" else small_lake[table]
        lake.write_parquet(frame, lake.part_path(tmp_path / "lake", table, 0))
    with duck.connect() as con:
        duck.create_views(con, lake.lake_tables(tmp_path / "lake"))
        _, failures = check_rules(con, (START, END))
    [failure] = failures
    key = products["product_id"][4]
    assert (failure.table, failure.column, failure.rule, failure.failing_rows) == (
        "products",
        "product_id",
        "unique",
        copies - 1,
    )
    assert failure.examples == [{"product_id": key, "copies": copies}]
