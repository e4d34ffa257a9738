"""Products: the row and what a create or update may send."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from api.models.common import TEXT_PATTERN, ExportQuery, Filtered, Money, PageQuery
from pipeline.domain import CATEGORIES
from pipeline.warehouse.reads.pages import LISTINGS

if TYPE_CHECKING:
    Category = str
    ProductSort = str
else:  # the generators' list, which a test keeps equal to the schema's CHECK; the sorts of the list
    Category = Literal[CATEGORIES]
    ProductSort = Literal[LISTINGS["products"].orders]

ProductName = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
Price = Annotated[float, Field(ge=0.01, le=1_000_000, allow_inf_nan=False, description="rounded to the cent")]

_EXAMPLE: JsonDict = {"product_id": 1, "name": "Solace Modern Cookbook", "category": "Books", "price": 33.81}
_NEW: JsonDict = {"name": "Atlas Rugged Backpack", "category": "Sports", "price": 89.9}


class Product(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    product_id: int
    name: str
    category: str
    price: float


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_NEW]})

    name: ProductName
    category: Category
    price: Price


class ProductUpdate(BaseModel):
    """Only the fields sent change; the price of a product on any order line cannot (its line totals use it)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Solace Classic Cookbook"}]})

    name: ProductName | MISSING = MISSING
    category: Category | MISSING = MISSING
    price: Price | MISSING = MISSING


class ProductFilters(Filtered):
    category: Category | None = Field(None, examples=["Books"])
    min_price: Money | None = Field(None, description="price at least", examples=[10])
    max_price: Money | None = Field(None, description="price at most", examples=[100])
    q: str | None = Field(
        None, max_length=100, pattern=TEXT_PATTERN, description="name contains (case-insensitive)", examples=["Lamp"]
    )


class ProductQuery(ProductFilters, PageQuery):
    sort: ProductSort = Field(
        "product_id", description="the order: the key, or price (-price: dearest first), ties by key"
    )


class ProductExport(ProductFilters, ExportQuery):
    pass
