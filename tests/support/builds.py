"""Data for the analysis tests: generated lakes with their warehouses, and a tiny hand-made shop.

The tiny shop is small enough that every answer can be worked out on paper; ``tiny_lake`` writes it as a
lake and a warehouse through the same code as a real run (``stages.load``, marts included).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline import lake, stages
from pipeline.chunks import generate_lake
from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Job
from pipeline.manifest import Timings
from pipeline.settings import Settings
from pipeline.validate.source import SourceDir

ANSWERS_DIR = Path(__file__).resolve().parents[2] / "queries" / "answers"


@dataclass(frozen=True)
class Built:
    data_dir: Path
    settings: Settings

    @property
    def lake_dir(self) -> Path:
        return self.settings.lake_dir

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse_path

    def table(self, name: str) -> pl.DataFrame:
        return pl.read_parquet(lake.lake_files(self.lake_dir, name))


def build_warehouse_with_marts(settings: Settings) -> None:
    stages.load(settings, SourceDir.open(settings.lake_dir, "parquet"), Timings())


def generated(data_dir: Path, scale: float) -> Built:
    settings = Settings(data_dir=data_dir, scale=scale, workers=1)
    job = Job(settings.seed, scale, settings.start_date, settings.anomaly_rate, settings.lake_dir)
    generate_lake(job, Plan.of(settings.seed, scale), 1, settings.labels_path, lambda _: None)
    build_warehouse_with_marts(settings)
    return Built(data_dir, settings)


D = dt.date

# Four customers; Dee never orders.
TINY_CUSTOMERS = pl.DataFrame(
    {
        "customer_id": [1, 2, 3, 4],
        "first_name": ["Ann", "Bob", "Cid", "Dee"],
        "last_name": ["Arden", "Banks", "Cole", "Dunn"],
        "email": ["ann@example.com", "bob@example.com", "cid@example.com", "dee@example.com"],
        "signup_date": [D(2025, 1, 5), D(2025, 1, 20), D(2025, 2, 10), D(2025, 3, 1)],
    }
)
TINY_PRODUCTS = pl.DataFrame(
    {
        "product_id": [1, 2, 3, 4],
        "name": ["Widget", "Gadget", "Novel", "Ball"],
        "category": ["Electronics", "Electronics", "Books", "Sports"],
        "price": [10.0, 25.5, 8.0, 12.0],
    }
)
# Order 4 is an extreme amount (30 balls), order 5 is underpaid (45.00 of 51.00), order 6 is paid 40 days
# late and underpaid (15.00 of 18.00), orders 7-10 are a burst (Cid, four orders on 2025-03-20).
TINY_ORDERS = pl.DataFrame(
    {
        "order_id": list(range(1, 11)),
        "customer_id": [1, 1, 2, 3, 2, 1, 3, 3, 3, 3],
        "order_date": [D(2025, 1, 5), D(2025, 2, 3), D(2025, 2, 3), D(2025, 2, 15), D(2025, 3, 10), D(2025, 3, 11)]
        + [D(2025, 3, 20)] * 4,
        "total_amount": [28.0, 25.5, 26.0, 360.0, 51.0, 18.0, 8.0, 8.0, 8.0, 8.0],
    }
)
_ITEMS = [  # (order_id, product_id, quantity, line_total)
    (1, 1, 2, 20.0),
    (1, 3, 1, 8.0),
    (2, 2, 1, 25.5),
    (3, 1, 1, 10.0),
    (3, 3, 2, 16.0),
    (4, 4, 30, 360.0),
    (5, 2, 2, 51.0),
    (6, 1, 1, 10.0),
    (6, 3, 1, 8.0),
    (7, 3, 1, 8.0),
    (8, 3, 1, 8.0),
    (9, 3, 1, 8.0),
    (10, 3, 1, 8.0),
]
TINY_ORDER_ITEMS = pl.DataFrame(
    {
        "order_item_id": list(range(1, len(_ITEMS) + 1)),
        "order_id": [i[0] for i in _ITEMS],
        "product_id": [i[1] for i in _ITEMS],
        "quantity": [i[2] for i in _ITEMS],
        "line_total": [i[3] for i in _ITEMS],
    }
)
TINY_PAYMENTS = pl.DataFrame(
    {
        "payment_id": list(range(1, 11)),
        "order_id": list(range(1, 11)),
        "payment_method": ["card", "paypal", "card", "card", "bank", "bank", "card", "card", "card", "card"],
        "amount": [28.0, 25.5, 26.0, 360.0, 45.0, 15.0, 8.0, 8.0, 8.0, 8.0],
        "payment_date": [D(2025, 1, 5), D(2025, 2, 4), D(2025, 2, 3), D(2025, 2, 15), D(2025, 3, 12), D(2025, 4, 20)]
        + [D(2025, 3, 20)] * 4,
    }
)
TINY_TABLES = {
    "customers": TINY_CUSTOMERS,
    "products": TINY_PRODUCTS,
    "orders": TINY_ORDERS,
    "order_items": TINY_ORDER_ITEMS,
    "payments": TINY_PAYMENTS,
}


def tiny(data_dir: Path) -> Built:
    settings = Settings(data_dir=data_dir, workers=1)
    for table, frame in TINY_TABLES.items():
        lake.write_parquet(frame, lake.part_path(settings.lake_dir, table, 0))
    build_warehouse_with_marts(settings)
    return Built(data_dir, settings)
