"""/products: list (filtered, keyset pages), read one, and keyed writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import GateDep, KeyedDep, RetryDep, WarehouseDep, WriterDep, WritingDep
from api.formats import rows_responses
from api.models.common import Page
from api.models.products import Product, ProductCreate, ProductQuery, ProductUpdate
from api.problems import responses
from api.routes.shared import LOCATION, KeyPath, created, found, list_page
from pipeline.warehouse.writes import resources

router = APIRouter(prefix="/products", tags=["products"])


@router.get("", response_model=Page[Product], responses=rows_responses(responses(422, 503)))
async def list_products(
    request: Request, warehouse: WarehouseDep, gate: GateDep, query: Annotated[ProductQuery, Query()]
) -> Response:
    """Products by product_id, filtered; follow `next` for the following page."""
    return await list_page(request, warehouse, gate, "products", query, Product)


@router.get("/{product_id}", responses=responses(404, 422, 503))
async def read_product(keyed: KeyedDep, product_id: KeyPath) -> Product:
    """One product."""
    return found(Product, "product", product_id, await keyed.products.get(product_id))


@router.post("", status_code=201, responses={201: LOCATION, **responses(400, 401, 403, 409, 413, 422, 503)})
def create_product(
    body: ProductCreate, writing: WritingDep, writer: WriterDep, retry: RetryDep, response: Response
) -> Product:
    """A new product (key required); its price is rounded to the cent."""
    answer = writer.run(resources.create, writing, "products", body.model_dump(), retry)
    return created(response, "products", Product, answer)


@router.patch("/{product_id}", responses=responses(400, 401, 403, 404, 409, 413, 422, 503))
def update_product(product_id: KeyPath, body: ProductUpdate, writing: WritingDep, writer: WriterDep) -> Product:
    """Change some of a product's fields (key required); the price only while no order line uses it."""
    row = writer.run(resources.update_product, writing, product_id, body.model_dump())
    return found(Product, "product", product_id, row)


@router.delete("/{product_id}", status_code=204, responses=responses(401, 403, 404, 409, 413, 422, 503))
def delete_product(product_id: KeyPath, writing: WritingDep, writer: WriterDep) -> None:
    """Delete a product that is on no order line (key required)."""
    writer.run(resources.delete, writing, "products", product_id)
