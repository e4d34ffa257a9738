"""One pandera DataFrameModel per table (Polars backend): types, ranges, vocabularies and in-table rules.

The ``description=`` of each field is the single source of column descriptions (the data dictionary reads it).
Rules that span files or tables live in DuckDB (``pipeline/validate/rules.py``): key uniqueness (a key
must be unique across all of a table's files, so a per-file check would be redundant), foreign keys,
totals and date order.
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from pipeline.domain import CATEGORIES, PAYMENT_METHODS

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"
# A dollar amount times 100 is a whole number of cents up to this floating-point error.
WHOLE_CENT_EPSILON = 1e-6


def _whole_cents(data: PolarsData) -> pl.LazyFrame:
    cents = pl.col(data.key) * 100
    return data.lazyframe.select((cents - cents.round()).abs() < WHOLE_CENT_EPSILON)


class _Table(pa.DataFrameModel):
    class Config:
        strict = True  # a missing or an extra column is an error
        coerce = True  # CSV text and narrower Parquet types are cast; what cannot be cast is reported


class Customers(_Table):
    """One row per registered customer."""

    customer_id: int = pa.Field(gt=0, description="Surrogate key of the customer.")
    first_name: str = pa.Field(str_length={"min_value": 1}, description="Given name.")
    last_name: str = pa.Field(str_length={"min_value": 1}, description="Family name.")
    email: str = pa.Field(str_matches=EMAIL_PATTERN, description="Contact address, unique across customers.")
    signup_date: dt.date = pa.Field(description="Day the customer registered; no order precedes it.")


class Products(_Table):
    """One row per product in the catalogue."""

    product_id: int = pa.Field(gt=0, description="Surrogate key of the product.")
    name: str = pa.Field(str_length={"min_value": 1}, description="Display name: brand, adjective and noun.")
    category: str = pa.Field(isin=CATEGORIES, description="One of the ten catalogue categories.")
    price: float = pa.Field(gt=0, description="Unit price in dollars, rounded to the cent.")

    @pa.check("price", name="whole_cents")
    def _price_cents(cls, data: PolarsData) -> pl.LazyFrame:
        return _whole_cents(data)


class Orders(_Table):
    """One row per order placed by a customer."""

    order_id: int = pa.Field(gt=0, description="Surrogate key of the order.")
    customer_id: int = pa.Field(gt=0, description="The customer who placed the order.")
    order_date: dt.date = pa.Field(description="Day the order was placed.")
    total_amount: float = pa.Field(ge=0, description="Sum of the order's line totals, in dollars.")

    @pa.check("total_amount", name="whole_cents")
    def _total_cents(cls, data: PolarsData) -> pl.LazyFrame:
        return _whole_cents(data)


class OrderItems(_Table):
    """One row per product line of an order."""

    order_item_id: int = pa.Field(gt=0, description="Surrogate key of the order line.")
    order_id: int = pa.Field(gt=0, description="The order this line belongs to.")
    product_id: int = pa.Field(gt=0, description="The product bought on this line.")
    quantity: int = pa.Field(gt=0, description="Units bought.")
    line_total: float = pa.Field(ge=0, description="quantity x the product's price, in dollars.")

    @pa.check("line_total", name="whole_cents")
    def _line_cents(cls, data: PolarsData) -> pl.LazyFrame:
        return _whole_cents(data)

    @pa.dataframe_check(name="line_total_at_least_a_cent_per_unit")
    def _line_covers_quantity(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("line_total") >= pl.col("quantity") * 0.01 - WHOLE_CENT_EPSILON)


class Payments(_Table):
    """One row per payment; every order is paid exactly once."""

    payment_id: int = pa.Field(gt=0, description="Surrogate key of the payment.")
    order_id: int = pa.Field(gt=0, description="The order paid; one payment per order.")
    payment_method: str = pa.Field(isin=PAYMENT_METHODS, description="card, paypal or bank.")
    amount: float = pa.Field(ge=0, description="Amount paid in dollars; normally the order total.")
    payment_date: dt.date = pa.Field(description="Day the payment was received, on or after the order.")

    @pa.check("amount", name="whole_cents")
    def _amount_cents(cls, data: PolarsData) -> pl.LazyFrame:
        return _whole_cents(data)


# Keyed by the table names of warehouse/schema.sql (a test keeps the two equal).
MODELS: dict[str, type[_Table]] = {
    "customers": Customers,
    "products": Products,
    "orders": Orders,
    "order_items": OrderItems,
    "payments": Payments,
}
