"""order_items: the lines of each order; line_total = quantity x the product's price."""

from __future__ import annotations

import polars as pl

from pipeline.generate.baskets import Baskets


def from_baskets(baskets: Baskets) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "order_item_id": baskets.item_id,
            "order_id": baskets.item_order_id,
            "product_id": baskets.product_id,
            "quantity": baskets.quantity,
            "line_total": baskets.line_cents / 100,
        }
    )
