"""/export: every row of a table matching the filters of its list, in key order, streamed as CSV or NDJSON a page
at a time (the memory of a page, whatever the table's size). The analyses' exports are ``api.routes.queries``.

Each page is read on its own, so writes are never held up for the length of an export; rows written meanwhile are
in it or not according to where the export was. A rebuild's swap ends the answer unfinished (its last chunk is
never sent, which every HTTP client reports): the rows after it would be another build's.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.types import Send

from api import formats
from api.deps import WarehouseDep
from api.models.common import ExportQuery
from api.models.customers import CustomerExport
from api.models.orders import OrderExport, OrderPartExport
from api.models.products import ProductExport
from api.problems import responses
from api.routes.shared import EXPORT_RESPONSES, EXPORT_ROWS
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads.pages import WarehouseSwapped, every_row

log = logging.getLogger("api")

router = APIRouter(prefix="/export", tags=["export"])
ANSWERS = {**EXPORT_RESPONSES, **responses(422, 503)}


class Export(StreamingResponse):
    """A table's rows, streamed; cut off, unfinished, if a rebuild swaps the warehouse during the export."""

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        except WarehouseSwapped as swapped:
            log.warning("the export of %s was cut off: a rebuild swapped the warehouse during it", swapped)


def _export(warehouse: Warehouse, resource: str, query: ExportQuery) -> Export:
    rows = every_row(warehouse, resource, query.filters(), EXPORT_ROWS)
    return Export(
        formats.export_answer(query.format, rows),
        media_type=formats.MEDIA_TYPES[query.format],
        headers={"Content-Disposition": formats.disposition(resource, query.format)},
    )


@router.get("/customers", response_class=Export, responses=ANSWERS)
async def export_customers(warehouse: WarehouseDep, query: Annotated[CustomerExport, Query()]) -> Export:
    """Every customer matching the filters of /customers, by customer_id."""
    return _export(warehouse, "customers", query)


@router.get("/products", response_class=Export, responses=ANSWERS)
async def export_products(warehouse: WarehouseDep, query: Annotated[ProductExport, Query()]) -> Export:
    """Every product matching the filters of /products, by product_id."""
    return _export(warehouse, "products", query)


@router.get("/orders", response_class=Export, responses=ANSWERS)
async def export_orders(warehouse: WarehouseDep, query: Annotated[OrderExport, Query()]) -> Export:
    """Every order matching the filters of /orders, by order_id."""
    return _export(warehouse, "orders", query)


@router.get("/order_items", response_class=Export, responses=ANSWERS)
async def export_order_items(warehouse: WarehouseDep, query: Annotated[OrderPartExport, Query()]) -> Export:
    """Every order line (of one order with `order_id`), by order_item_id."""
    return _export(warehouse, "order_items", query)


@router.get("/payments", response_class=Export, responses=ANSWERS)
async def export_payments(warehouse: WarehouseDep, query: Annotated[OrderPartExport, Query()]) -> Export:
    """Every payment (of one order with `order_id`), by payment_id."""
    return _export(warehouse, "payments", query)
