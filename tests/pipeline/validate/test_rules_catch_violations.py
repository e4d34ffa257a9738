"""Every cross-table rule (key, foreign key, business rule) catches a violation planted on purpose.

Each case breaks exactly one thing in the small generated lake and says, worked out here from the planted rows
(not from the rule's SQL), what the validation report must list: that rule alone, its failing-row count and
its examples. It runs in the two ways data reaches validation: a lake of Parquet parts and a CSV export.
A rule without a case fails ``test_every_rule_has_a_case``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline import lake
from pipeline.settings import Settings
from pipeline.validate.rules import PARAMETER, all_rules
from tests.pipeline.conftest import export
from tests.support.cli import RunCli
from tests.support.planting import append_copy, set_row
from tests.support.tiers import fast_first

Frames = dict[str, pl.DataFrame]
START, END = Settings(workers=1).window  # the default window, which `validate` uses without --end-date
WINDOW = f"[{START}, {END}]"
DAY = dt.timedelta(days=1)
NOWHERE = 1_000_000  # a key no table holds


@dataclass(frozen=True)
class Planted:
    frames: Frames
    failures: list[dict[str, Any]]  # what the report must list: table, column, rule, failing_rows, examples


def failure(table: str, column: str, rule: str, *examples: dict[str, Any]) -> dict[str, Any]:
    """One failed rule with one failing row per example (every case here breaks rows one by one)."""
    return {
        "table": table,
        "column": column,
        "rule": rule,
        "failing_rows": len(examples),
        "examples": list(examples),
        "file": "",
    }


def changed(frames: Frames, table: str, frame: pl.DataFrame) -> Frames:
    return frames | {table: frame}


def value(frame: pl.DataFrame, row: int, column: str) -> Any:
    return frame[column][row]


def iso(day: dt.date) -> str:
    return day.isoformat()


# --- keys: a second row with a key already used ---------------------------------------------------------------


def key_taken(table: str, column: str) -> Callable[[Frames], Planted]:
    """Row 9 takes the key of row 8."""

    def plant(f: Frames) -> Planted:
        key = value(f[table], 8, column)
        return Planted(
            changed(f, table, set_row(f[table], 9, **{column: key})),
            [failure(table, column, "unique", {column: key, "copies": 2})],
        )

    return plant


def row_copied(table: str, column: str, **changes: Callable[[pl.DataFrame], Any]) -> Callable[[Frames], Planted]:
    """A copy of row 5 is added, with ``changes`` (computed from the table) keeping its other keys unique."""

    def plant(f: Frames) -> Planted:
        frame = f[table]
        copy = append_copy(frame, 5, **{name: change(frame) for name, change in changes.items()})
        return Planted(
            changed(f, table, copy),
            [failure(table, column, "unique", {column: value(frame, 5, column), "copies": 2})],
        )

    return plant


def _next_id(column: str) -> Callable[[pl.DataFrame], int]:
    return lambda frame: frame[column].max() + 1


# --- foreign keys: a reference to a row that is not there -------------------------------------------------------


def orphan(table: str, column: str, parent: str, *, extra_row: bool = False) -> Callable[[Frames], Planted]:
    """Row 7 refers to a ``parent`` row that is not there; with ``extra_row``, a copy of row 7 does (changing the
    row itself would leave its order without an item or a payment)."""

    def plant(f: Frames) -> Planted:
        frame, key = f[table], f[table].columns[0]
        if extra_row:
            broken = append_copy(frame, 7, **{key: frame[key].max() + 1, column: NOWHERE})
        else:
            broken = set_row(frame, 7, **{column: NOWHERE})
        return Planted(changed(f, table, broken), [failure(table, column, f"references {parent}", {column: NOWHERE})])

    return plant


# --- business rules ---------------------------------------------------------------------------------------------


def line_total_not_quantity_times_price(f: Frames) -> Planted:
    items = f["order_items"]
    product = value(items, 9, "product_id")
    price = f["products"].filter(pl.col("product_id") == product)["price"].item()
    quantity = value(items, 9, "quantity") + 1  # one unit more for the same line total
    example = {
        "order_item_id": value(items, 9, "order_item_id"),
        "product_id": product,
        "quantity": quantity,
        "price": price,
        "line_total": value(items, 9, "line_total"),
    }
    rule = "line_total equals quantity x the product's price, to the cent"
    return Planted(
        changed(f, "order_items", set_row(items, 9, quantity=quantity)),
        [failure("order_items", "line_total", rule, example)],
    )


def order_total_not_sum_of_lines(f: Frames) -> Planted:
    orders = f["orders"]
    order = value(orders, 7, "order_id")
    lines = f["order_items"].filter(pl.col("order_id") == order)["line_total"].sum()
    total = round(value(orders, 7, "total_amount") + 1.0, 2)
    return Planted(
        changed(f, "orders", set_row(orders, 7, total_amount=total)),
        [
            failure(
                "orders",
                "total_amount",
                "total_amount equals the sum of the order's line totals, to the cent",
                {"order_id": order, "total_amount": total, "lines_total": lines},
            )
        ],
    )


def order_before_signup(f: Frames) -> Planted:
    orders = f["orders"].with_row_index("row").join(f["customers"], on="customer_id")
    # An order of a customer who signed up after the window's first day, moved to the day before the signup.
    first = orders.filter(pl.col("signup_date") > START).row(0, named=True)
    before = first["signup_date"] - DAY
    example = {
        "order_id": first["order_id"],
        "order_date": iso(before),
        "customer_id": first["customer_id"],
        "signup_date": iso(first["signup_date"]),
    }
    return Planted(
        changed(f, "orders", set_row(f["orders"], first["row"], order_date=before)),
        [failure("orders", "order_date", "order_date is on or after the customer's signup_date", example)],
    )


def order_after_the_window(f: Frames) -> Planted:
    """The one rule that cannot fail alone: an order after the window has its payment (on or after it) there too.

    (Before the window, its customer's signup would be.) So the order and its payment both move past the end.
    """
    order = value(f["orders"], 7, "order_id")
    payments = f["payments"].with_row_index("row").filter(pl.col("order_id") == order).row(0, named=True)
    late = END + DAY
    return Planted(
        f
        | {
            "orders": set_row(f["orders"], 7, order_date=late),
            "payments": set_row(f["payments"], payments["row"], payment_date=late),
        },
        [
            failure(
                "orders",
                "order_date",
                f"order_date lies inside the generation window {WINDOW}",
                {"order_id": order, "order_date": iso(late)},
            ),
            failure(
                "payments",
                "payment_date",
                f"payment_date lies inside the generation window {WINDOW}",
                {"payment_id": payments["payment_id"], "payment_date": iso(late)},
            ),
        ],
    )


def order_without_items(f: Frames) -> Planted:
    order = value(f["orders"], 7, "order_id")
    return Planted(
        changed(f, "order_items", f["order_items"].filter(pl.col("order_id") != order)),
        [failure("orders", "order_id", "every order has at least one item", {"order_id": order})],
    )


def order_without_payment(f: Frames) -> Planted:
    order = value(f["orders"], 7, "order_id")
    return Planted(
        changed(f, "payments", f["payments"].filter(pl.col("order_id") != order)),
        [failure("orders", "order_id", "every order has a payment", {"order_id": order})],
    )


def payment_before_order(f: Frames) -> Planted:
    paid = f["payments"].with_row_index("row").join(f["orders"], on="order_id")
    first = paid.filter(pl.col("order_date") > START).row(0, named=True)
    early = first["order_date"] - DAY
    example = {
        "payment_id": first["payment_id"],
        "payment_date": iso(early),
        "order_id": first["order_id"],
        "order_date": iso(first["order_date"]),
    }
    return Planted(
        changed(f, "payments", set_row(f["payments"], first["row"], payment_date=early)),
        [failure("payments", "payment_date", "payment_date is on or after its order's order_date", example)],
    )


def payment_after_the_window(f: Frames) -> Planted:
    payments = f["payments"]
    late = END + DAY
    return Planted(
        changed(f, "payments", set_row(payments, 9, payment_date=late)),
        [
            failure(
                "payments",
                "payment_date",
                f"payment_date lies inside the generation window {WINDOW}",
                {"payment_id": value(payments, 9, "payment_id"), "payment_date": iso(late)},
            )
        ],
    )


def signup_before_the_window(f: Frames) -> Planted:
    customers = f["customers"]
    early = START - DAY
    return Planted(
        changed(f, "customers", set_row(customers, 6, signup_date=early)),
        [
            failure(
                "customers",
                "signup_date",
                f"signup_date lies inside the generation window {WINDOW}",
                {"customer_id": value(customers, 6, "customer_id"), "signup_date": iso(early)},
            )
        ],
    )


CASES: dict[str, Callable[[Frames], Planted]] = {
    "duplicate-customer-id": row_copied("customers", "customer_id", email=lambda f: "second." + f["email"][5]),
    "duplicate-product-id": row_copied("products", "product_id"),
    "duplicate-order-id": row_copied("orders", "order_id"),
    "duplicate-order-item-id": key_taken("order_items", "order_item_id"),
    "duplicate-payment-id": key_taken("payments", "payment_id"),
    "duplicate-email": key_taken("customers", "email"),
    "second-payment-for-an-order": row_copied("payments", "order_id", payment_id=_next_id("payment_id")),
    "order-of-unknown-customer": orphan("orders", "customer_id", "customers.customer_id"),
    "item-of-unknown-order": orphan("order_items", "order_id", "orders.order_id", extra_row=True),
    "item-of-unknown-product": orphan("order_items", "product_id", "products.product_id"),
    "payment-of-unknown-order": orphan("payments", "order_id", "orders.order_id", extra_row=True),
} | {
    case.__name__.replace("_", "-"): case
    for case in (
        line_total_not_quantity_times_price,
        order_total_not_sum_of_lines,
        order_before_signup,
        order_after_the_window,
        order_without_items,
        order_without_payment,
        payment_before_order,
        payment_after_the_window,
        signup_before_the_window,
    )
}


def write_lake(frames: Frames, data_dir: Path) -> None:
    for table, frame in frames.items():
        lake.write_parquet(frame, lake.part_path(data_dir / "lake", table, 0))


def money(report: Any) -> Any:
    """The report with floats rounded to the cent: a sum of line totals is a float sum, off in the last bit."""
    if isinstance(report, dict):
        return {k: money(v) for k, v in report.items()}
    if isinstance(report, list):
        return [money(v) for v in report]
    return round(report, 2) if isinstance(report, float) else report


@pytest.mark.parametrize("path", ["lake", "csv"])
@pytest.mark.parametrize("case", fast_first(CASES.values(), CASES.keys()))
def test_the_rule_reports_exactly_the_planted_violation(
    case: Callable[[Frames], Planted], path: str, small_lake: Frames, tmp_path: Path, run_cli: RunCli
) -> None:
    planted = case(small_lake)
    data_dir = tmp_path / "data"
    if path == "lake":
        write_lake(planted.frames, data_dir)
        result = run_cli("validate", "--data-dir", data_dir)
    else:
        source = export(planted.frames, tmp_path / "source", "csv")
        result = run_cli("validate", "--data-dir", data_dir, "--source", source, "--format", "csv")

    assert result.status == 1, result.out + result.err
    report = json.loads((data_dir / "logs" / "validation.json").read_text())
    assert report["frames_validated"] == 5  # every file passed its model: only the planted rule fails
    assert report["rules_passed"] == len(all_rules()) - len(planted.failures)
    assert money(report["failures"]) == money(planted.failures)


def test_the_small_lake_breaks_no_rule(small_lake: Frames, tmp_path: Path, run_cli: RunCli) -> None:
    """The control: unbroken, the same lake passes every rule."""
    write_lake(small_lake, tmp_path / "data")
    assert run_cli("validate", "--data-dir", tmp_path / "data").status == 0
    report = json.loads((tmp_path / "data" / "logs" / "validation.json").read_text())
    assert (report["failures"], report["rules_passed"]) == ([], len(all_rules()))


@pytest.mark.fast
def test_every_rule_has_a_case(small_lake: Frames) -> None:
    window = {"window_start": str(START), "window_end": str(END)}
    rules = {(r.table, r.column, PARAMETER.sub(lambda m: window[m.group(1)], r.name)) for r in all_rules()}
    planted = {(f["table"], f["column"], f["rule"]) for case in CASES.values() for f in case(small_lake).failures}
    assert planted == rules
