"""Models every resource shares: keys, keyset pages, the build a response reflects, health."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.config import JsonDict

from pipeline.warehouse.reads.pages import CURSOR_PATTERN, DEFAULT_PAGE, MAX_PAGE

T = TypeVar("T")

# The largest key a request may name: 2**53 - 1, the largest integer a JSON number holds exactly everywhere
# (JavaScript, and schema checkers that compare as doubles); SQLite's own limit is 2**63 - 1.
MAX_KEY = 2**53 - 1
Key = Annotated[int, Field(ge=1, le=MAX_KEY)]
Money = Annotated[float, Field(allow_inf_nan=False)]
# Text without NUL: SQLite's length() and DuckDB's binding of text both stop at the first NUL character.
TEXT_PATTERN = r"^[^\x00]*$"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD is a date here, as the schema says (pydantic alone would also take 0 or 20240101)."""
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    msg = "should be a date, YYYY-MM-DD"
    raise ValueError(msg)


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class PageQuery(BaseModel):
    """The keyset-pagination parameters of every list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="rows per page", examples=[DEFAULT_PAGE])
    cursor: str | None = Field(
        None,
        pattern=CURSOR_PATTERN,
        description="the `next` value of the previous page; leave it out for the first page",
        examples=["AAAAAAAAAGQ"],
    )


class Page(BaseModel, Generic[T]):
    """One page of rows ordered by key; ``next`` is the cursor of the following page, null on the last."""

    items: list[T]
    next: str | None = Field(description="pass it as `cursor` to get the next page; null on the last page")


BUILD_EXAMPLE: JsonDict = {
    "build_id": "01bb40428d37c971",
    "built_at": "2025-12-31T12:00:00+00:00",
    "source": "lake",
    "seed": 42,
    "scale": 1.0,
    "end_date": "2025-12-31",
    "anomaly_rate": 0.005,
    "edits": 0,
    "marts_through": 0,
    "marts_stale": False,
}


class BuildInfo(BaseModel):
    """The warehouse build a response reflects, and the writes made through the API since."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [BUILD_EXAMPLE]})

    build_id: str
    built_at: str
    source: str = Field(description='"lake" for generated data, else the --source directory loaded')
    seed: int | None
    scale: float | None
    end_date: dt.date | None
    anomaly_rate: float | None
    edits: int = Field(description="writes made through the API since the build")
    marts_through: int = Field(description="the last write (audit_id) the marts include")
    marts_stale: bool = Field(description="true while writes are newer than the marts: POST /admin/refresh-marts")


class Analytics(BaseModel, Generic[T]):
    """Rows of an analysis with the build they were read from."""

    build: BuildInfo
    items: list[T]


class AnalyticsPage(Analytics[T], Generic[T]):
    next: str | None = Field(description="pass it as `cursor` to get the next page; null on the last page")


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str


class Ready(BuildInfo):
    """The build being served, and its rows per table of the data model."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ready",
                    **BUILD_EXAMPLE,
                    "row_counts": {
                        "customers": 2000,
                        "products": 600,
                        "orders": 4000,
                        "order_items": 10000,
                        "payments": 4000,
                    },
                }
            ]
        }
    )

    status: str
    row_counts: dict[str, int] = Field(description="rows per table of the data model")
