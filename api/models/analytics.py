"""Analytics: the marts' rows (their columns as the mart tables have them) and the analyses of ``queries/``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import BUILD_EXAMPLE, BuildInfo
from pipeline.domain import KIND_NAMES

if TYPE_CHECKING:
    AnomalyKind = str
else:  # the planted kinds, which queries/anomalies.sql reports under the same names
    AnomalyKind = Literal[KIND_NAMES]


class RevenuePeriod(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period_start": "2025-06-02",
                    "order_count": 31,
                    "customer_count": 30,
                    "revenue": 14215.5,
                    "avg_order_value": 458.56,
                }
            ]
        }
    )

    period_start: dt.date = Field(description="the first day of the day, ISO week (from Monday) or month")
    order_count: int
    customer_count: int = Field(description="distinct customers who ordered")
    revenue: float
    avg_order_value: float


class TopCustomer(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "spend_rank": 1,
                    "customer_id": 1085,
                    "first_name": "Kari",
                    "last_name": "Miller",
                    "email": "kari.miller1085@gmail.com",
                    "signup_date": "2023-02-11",
                    "order_count": 14,
                    "total_spend": 12001.1,
                    "avg_order_value": 857.22,
                    "first_order_date": "2023-03-25",
                    "last_order_date": "2025-11-30",
                }
            ]
        }
    )

    spend_rank: int = Field(description="1 for the biggest spender; ties broken by customer_id")
    customer_id: int
    first_name: str
    last_name: str
    email: str
    signup_date: dt.date
    order_count: int
    total_spend: float
    avg_order_value: float
    first_order_date: dt.date
    last_order_date: dt.date


class TopProduct(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sales_rank": 1,
                    "product_id": 312,
                    "name": "Vertex Smart Monitor",
                    "category": "Electronics",
                    "price": 1093.77,
                    "order_count": 40,
                    "units": 52,
                    "revenue": 56876.04,
                    "revenue_rank": 1,
                    "units_rank": 9,
                }
            ]
        }
    )

    sales_rank: int = Field(description="the rank by the measure asked for (rank_by)")
    product_id: int
    name: str
    category: str
    price: float
    order_count: int
    units: int
    revenue: float
    revenue_rank: int
    units_rank: int


class CategoryRevenue(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "Electronics",
                    "order_count": 2543,
                    "units": 5201,
                    "revenue": 1577563.55,
                    "revenue_share": 0.7786,
                }
            ]
        }
    )

    category: str
    order_count: int
    units: int
    revenue: float
    revenue_share: float = Field(description="the category's share of all revenue, 0..1")


class Anomaly(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "order_id": 196,
                    "customer_id": 1085,
                    "order_date": "2023-03-25",
                    "total_amount": 338.32,
                    "paid_amount": 338.32,
                    "payment_lag_days": 0,
                    "min_quantity": 1,
                    "orders_that_day": 8,
                    "kind": "burst",
                    "reasons": "burst",
                }
            ]
        }
    )

    order_id: int
    customer_id: int
    order_date: dt.date
    total_amount: float
    paid_amount: float
    payment_lag_days: int
    min_quantity: int = Field(description="the smallest quantity on the order's lines")
    orders_that_day: int = Field(description="orders the customer placed that day")
    kind: str = Field(description="the first rule that flagged the order")
    reasons: str = Field(description="every rule that flagged it, comma-separated")


class QueryParameter(BaseModel):
    name: str
    type: Literal["date", "int", "float", "choice"]
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: list[str] | None = None
    nullable: bool = Field(description='whether "null" is a value (the query then decides what it means)')


class QueryInfo(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "top_customers",
                    "title": "which customers spent the most on orders placed in a date range?",
                    "grain": "one row per customer, best first (ties broken by customer_id); money in currency units.",
                    "path": "/analytics/queries/top_customers",
                    "parameters": [
                        {
                            "name": "limit",
                            "type": "int",
                            "default": 10,
                            "description": "how many customers to return",
                            "minimum": 1,
                            "maximum": 1000000,
                            "nullable": False,
                        }
                    ],
                }
            ]
        }
    )

    name: str
    title: str = Field(description="the question the query answers")
    grain: str = Field(description="what one row is")
    path: str = Field(description="where to run it")
    parameters: list[QueryParameter]


class QueryColumn(BaseModel):
    name: str
    type: str = Field(description="the DuckDB type of the column")


class QueryResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "build": BUILD_EXAMPLE,
                    "query": "category_revenue",
                    "parameters": {"start_date": "2025-01-01", "end_date": "2025-12-31"},
                    "columns": [{"name": "category", "type": "VARCHAR"}, {"name": "revenue", "type": "DOUBLE"}],
                    "items": [{"category": "Electronics", "revenue": 512345.67}],
                    "next": None,
                }
            ]
        }
    )

    build: BuildInfo
    query: str
    parameters: dict[str, Any] = Field(description="every parameter's value, the defaults included")
    columns: list[QueryColumn]
    items: list[dict[str, Any]] = Field(description="at most ECOM_API_MAX_ROWS rows, in the query's declared order")
    next: str | None = Field(description="pass it as `cursor` to get the next page; null on the last page")


class RefreshResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"refreshed_through": 12}]})

    refreshed_through: int = Field(description="the last write (audit_id) the marts now include")
