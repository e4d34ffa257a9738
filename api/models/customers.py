"""Customers: the row, the row with its order count and spend, and what a create or update may send."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from api.models.common import TEXT_PATTERN, ExportQuery, Filtered, IsoDate, PageQuery
from pipeline.warehouse.reads.pages import LISTINGS

if TYPE_CHECKING:
    CustomerSort = str
else:  # the key, and each sort column ascending and descending (pipeline.warehouse.reads.pages)
    CustomerSort = Literal[LISTINGS["customers"].orders]

Name = Annotated[str, Field(min_length=1, max_length=100, pattern=TEXT_PATTERN)]
# What the schema's CHECK (email LIKE '%_@_%._%') needs, without a second @, control characters (C0, DEL and C1:
# U+0085 is one), spaces or no-break spaces; the class is spelled out, as \s means another set in every engine.
_EMAIL_PART = r"[^@\x00-\x20\x7f-\xa0]+"
Email = Annotated[str, Field(pattern=rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$", max_length=254)]

_EXAMPLE: JsonDict = {
    "customer_id": 1,
    "first_name": "Kari",
    "last_name": "Miller",
    "email": "kari.miller1@gmail.com",
    "signup_date": "2023-01-01",
}
_NEW: JsonDict = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada.lovelace@example.com",
    "signup_date": "2024-03-01",
}


class Customer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    customer_id: int
    first_name: str
    last_name: str
    email: str
    signup_date: dt.date


class CustomerDetail(Customer):
    """A customer with what they have ordered so far (live, not from a mart)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_EXAMPLE, "order_count": 6, "total_spend": 2619.34}]})

    order_count: int = Field(description="orders the customer has placed")
    total_spend: float = Field(description="the sum of their order totals")


class CustomerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_NEW]})

    first_name: Name
    last_name: Name
    email: Email = Field(description="unique among customers")
    signup_date: IsoDate = Field(description="inside the data's date window, and on or before their first order")


class CustomerUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"last_name": "King"}]})

    first_name: Name | MISSING = MISSING
    last_name: Name | MISSING = MISSING
    email: Email | MISSING = MISSING
    signup_date: IsoDate | MISSING = MISSING


class CustomerFilters(Filtered):
    signup_from: IsoDate | None = Field(None, description="signed up on or after", examples=["2024-01-01"])
    signup_to: IsoDate | None = Field(None, description="signed up on or before", examples=["2024-12-31"])
    email: str | None = Field(
        None,
        max_length=254,
        pattern=TEXT_PATTERN,
        description="exactly this email",
        examples=["kari.miller1@gmail.com"],
    )
    q: str | None = Field(
        None,
        max_length=100,
        pattern=TEXT_PATTERN,
        description="first or last name contains (case-insensitive)",
        examples=["ann"],
    )


class CustomerQuery(CustomerFilters, PageQuery):
    sort: CustomerSort = Field(
        "customer_id", description="the order: the key, or signup_date (-signup_date: newest first), ties by key"
    )


class CustomerExport(CustomerFilters, ExportQuery):
    pass
