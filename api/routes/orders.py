"""/orders: list (filtered, keyset pages), read one with its lines and payment, and keyed writes.

The server computes every line total, the order total and the payment amount.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import GateDep, KeyedDep, RetryDep, WarehouseDep, WriterDep, WritingDep
from api.formats import rows_responses
from api.models.common import Page
from api.models.orders import Order, OrderCreate, OrderDetail, OrderQuery, OrderUpdate
from api.problems import responses
from api.routes.shared import LOCATION, KeyPath, created, found, list_page
from pipeline.warehouse.writes import resources

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", response_model=Page[Order], responses=rows_responses(responses(422, 503)))
async def list_orders(
    request: Request, warehouse: WarehouseDep, gate: GateDep, query: Annotated[OrderQuery, Query()]
) -> Response:
    """Orders by order_id, filtered; follow `next` for the following page."""
    return await list_page(request, warehouse, gate, "orders", query, Order)


@router.get("/{order_id}", responses=responses(404, 422, 503))
async def read_order(keyed: KeyedDep, order_id: KeyPath) -> OrderDetail:
    """One order with its lines (by order_item_id) and its payment."""
    return found(OrderDetail, "order", order_id, await keyed.orders.get(order_id))


@router.post("", status_code=201, responses={201: LOCATION, **responses(400, 401, 403, 404, 409, 413, 422, 503)})
def create_order(
    body: OrderCreate, writing: WritingDep, writer: WriterDep, retry: RetryDep, response: Response
) -> OrderDetail:
    """A new order with its lines and payment (key required).

    The order_date must be on or after the customer's signup, the payment_date on or after the order_date, both
    inside the data's window; a missing customer or product is a 404.
    """
    answer = writer.run(resources.create, writing, "orders", body.model_dump(), retry)
    return created(response, "orders", OrderDetail, answer)


@router.patch("/{order_id}", responses=responses(400, 401, 403, 404, 409, 413, 422, 503))
def update_order(order_id: KeyPath, body: OrderUpdate, writing: WritingDep, writer: WriterDep) -> OrderDetail:
    """Change an order (key required): its customer, date, lines (all replaced) or payment method and date."""
    row = writer.run(resources.update_order, writing, order_id, body.model_dump())
    return found(OrderDetail, "order", order_id, row)


@router.delete("/{order_id}", status_code=204, responses=responses(401, 403, 404, 413, 422, 503))
def delete_order(order_id: KeyPath, writing: WritingDep, writer: WriterDep) -> None:
    """Delete an order with its lines and payment, in one transaction (key required)."""
    writer.run(resources.delete, writing, "orders", order_id)
