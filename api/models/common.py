"""Models every resource shares: keys, keyset pages, the build a response reflects, health."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.config import JsonDict

from api.formats import FORMAT_DESCRIPTION, ExportFormat, Format
from pipeline.warehouse.connection import SqlValue
from pipeline.warehouse.reads.pages import CURSOR_PATTERN, DEFAULT_PAGE, MAX_PAGE, SORTED_CURSOR_PATTERN

T = TypeVar("T")

# The largest key a request may name: 2**53 - 1, the largest integer a JSON number holds exactly everywhere
# (JavaScript, and schema checkers that compare as doubles); SQLite's own limit is 2**63 - 1.
MAX_KEY = 2**53 - 1
Key = Annotated[int, Field(ge=1, le=MAX_KEY)]
Money = Annotated[float, Field(allow_inf_nan=False)]
# Text without NUL: SQLite's length() and DuckDB's binding of text both stop at the first NUL character. Every
# pattern of the API spells its classes out ([0-9], not \d; no \s or \w): the OpenAPI document's patterns are
# ECMA-262's, the server's Rust's (pydantic) or Python's, and their shorthand classes differ beyond ASCII.
TEXT_PATTERN = r"^[^\x00]*$"
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD is a date here, as the schema says (pydantic alone would also take 0 or 20240101)."""
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    msg = "should be a date, YYYY-MM-DD"
    raise ValueError(msg)


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# The query parameters of a list that are not filters.
PAGING = frozenset({"limit", "cursor", "format", "sort"})
CURSOR_DESCRIPTION = "the `next` value of the previous page; leave it out for the first page"


class Filtered(BaseModel):
    """Query parameters of which all but the paging ones are filters of a list (``pages.LISTINGS``)."""

    model_config = ConfigDict(extra="forbid")

    def filters(self) -> dict[str, SqlValue | None]:
        return self.model_dump(exclude=set(PAGING))


class PageQuery(Filtered):
    """The keyset-pagination parameters of every list, and its format."""

    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="rows per page", examples=[DEFAULT_PAGE])
    cursor: str | None = Field(
        None, pattern=SORTED_CURSOR_PATTERN, description=CURSOR_DESCRIPTION, examples=["AAAAAAAAAGQ"]
    )
    format: Format | None = Field(None, description=FORMAT_DESCRIPTION, examples=["csv"])
    sort: str | None = None  # each list's own orders (pages.LISTINGS)


# The cursor of an answer paged by position (the marts and the analyses, in their declared order).
PositionCursor = Annotated[
    str | None, Field(pattern=CURSOR_PATTERN, description=CURSOR_DESCRIPTION, examples=["AAAAAAAAJxA"])
]


class ExportQuery(Filtered):
    format: ExportFormat = Field(
        "csv", description="csv (RFC 4180, a header row) or ndjson (a JSON object per line)", examples=["ndjson"]
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
    """Rows of an analysis with the build they were read from, at most ECOM_API_MAX_ROWS of them; ``next`` is the
    cursor of the following page, null on the last."""

    build: BuildInfo
    items: list[T]
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
