"""Orders: the row, the order with its lines and payment, and what a create or update may send.

A client sends products and quantities; the server computes every line total (quantity x price), the order
total (the sum of its lines) and the payment amount (the total).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from api.models.common import ExportQuery, Filtered, IsoDate, Key, Money, PageQuery
from pipeline.domain import PAYMENT_METHODS
from pipeline.warehouse.reads.pages import LISTINGS

if TYPE_CHECKING:
    PaymentMethod = str
    OrderSort = str
else:  # the generators' list, which a test keeps equal to the schema's CHECK; the sorts of the list
    PaymentMethod = Literal[PAYMENT_METHODS]
    OrderSort = Literal[LISTINGS["orders"].orders]

MAX_LINES = 100
Quantity = Annotated[int, Field(ge=1, le=10_000)]

ITEM: JsonDict = {"order_item_id": 1, "order_id": 1, "product_id": 17, "quantity": 2, "line_total": 90.98}
PAYMENT: JsonDict = {
    "payment_id": 1,
    "order_id": 1,
    "payment_method": "card",
    "amount": 90.98,
    "payment_date": "2023-01-03",
}
ORDER: JsonDict = {"order_id": 1, "customer_id": 7, "order_date": "2023-01-01", "total_amount": 90.98}
_NEW: JsonDict = {
    "customer_id": 1,
    "order_date": "2025-06-01",
    "items": [{"product_id": 1, "quantity": 2}, {"product_id": 2, "quantity": 1}],
    "payment": {"payment_method": "card", "payment_date": "2025-06-02"},
}


class Order(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ORDER]})

    order_id: int
    customer_id: int
    order_date: dt.date
    total_amount: float


class OrderItem(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ITEM]})

    order_item_id: int
    order_id: int
    product_id: int
    quantity: int
    line_total: float


class Payment(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PAYMENT]})

    payment_id: int
    order_id: int
    payment_method: str
    amount: float
    payment_date: dt.date


class OrderDetail(Order):
    model_config = ConfigDict(json_schema_extra={"examples": [{**ORDER, "items": [ITEM], "payment": PAYMENT}]})

    items: list[OrderItem] = Field(description="the order's lines, by order_item_id")
    payment: Payment


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Key
    quantity: Quantity


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: PaymentMethod
    payment_date: IsoDate = Field(description="on or after the order_date, inside the data's date window")


class PaymentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: PaymentMethod | MISSING = MISSING
    payment_date: IsoDate | MISSING = MISSING


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_NEW]})

    customer_id: Key
    order_date: IsoDate = Field(description="on or after the customer's signup_date, inside the data's date window")
    items: list[OrderLine] = Field(min_length=1, max_length=MAX_LINES)
    payment: PaymentCreate


class OrderUpdate(BaseModel):
    """Only the fields sent change; ``items`` replaces every line, and the total and payment amount follow."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"items": [{"product_id": 3, "quantity": 1}], "payment": {"payment_method": "bank"}}]
        },
    )

    customer_id: Key | MISSING = MISSING
    order_date: IsoDate | MISSING = MISSING
    items: Annotated[list[OrderLine], Field(min_length=1, max_length=MAX_LINES)] | MISSING = MISSING
    payment: PaymentUpdate | MISSING = MISSING


class OrderFilters(Filtered):
    customer_id: Key | None = Field(None, description="orders of this customer", examples=[7])
    date_from: IsoDate | None = Field(None, description="ordered on or after", examples=["2025-01-01"])
    date_to: IsoDate | None = Field(None, description="ordered on or before", examples=["2025-01-31"])
    min_total: Money | None = Field(None, description="total_amount at least", examples=[100])
    max_total: Money | None = Field(None, description="total_amount at most", examples=[500])


class OrderQuery(OrderFilters, PageQuery):
    sort: OrderSort = Field(
        "order_id",
        description="the order: the key, order_date or total_amount (with a minus: newest or largest first), "
        "ties by key",
    )


class OrderExport(OrderFilters, ExportQuery):
    pass


class OrderPartExport(ExportQuery):
    """The lines or payments of one order, or of every order."""

    order_id: Key | None = Field(None, description="only those of this order", examples=[7])
