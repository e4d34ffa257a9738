"""/customers: list (filtered, keyset pages), read one with their order count and spend, and keyed writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import GateDep, KeyedDep, RetryDep, WarehouseDep, WriterDep, WritingDep
from api.formats import rows_responses
from api.models.common import Page
from api.models.customers import Customer, CustomerCreate, CustomerDetail, CustomerQuery, CustomerUpdate
from api.problems import responses
from api.routes.shared import LOCATION, KeyPath, created, found, list_page
from pipeline.warehouse.writes import resources

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("", response_model=Page[Customer], responses=rows_responses(responses(422, 503)))
async def list_customers(
    request: Request, warehouse: WarehouseDep, gate: GateDep, query: Annotated[CustomerQuery, Query()]
) -> Response:
    """Customers by customer_id, filtered; follow `next` for the following page."""
    return await list_page(request, warehouse, gate, "customers", query, Customer)


@router.get("/{customer_id}", responses=responses(404, 422, 503))
async def read_customer(keyed: KeyedDep, customer_id: KeyPath) -> CustomerDetail:
    """One customer, with how many orders they placed and what they spent in all."""
    return found(CustomerDetail, "customer", customer_id, await keyed.customers.get(customer_id))


@router.post("", status_code=201, responses={201: LOCATION, **responses(400, 401, 403, 409, 413, 422, 503)})
def create_customer(
    body: CustomerCreate, writing: WritingDep, writer: WriterDep, retry: RetryDep, response: Response
) -> CustomerDetail:
    """A new customer (key required): the email must be unused, the signup_date inside the data's window."""
    answer = writer.run(resources.create, writing, "customers", body.model_dump(), retry)
    return created(response, "customers", CustomerDetail, answer)


@router.patch("/{customer_id}", responses=responses(400, 401, 403, 404, 409, 413, 422, 503))
def update_customer(
    customer_id: KeyPath, body: CustomerUpdate, writing: WritingDep, writer: WriterDep
) -> CustomerDetail:
    """Change some of a customer's fields (key required); a new signup_date must not follow their first order."""
    row = writer.run(resources.update_customer, writing, customer_id, body.model_dump())
    return found(CustomerDetail, "customer", customer_id, row)


@router.delete("/{customer_id}", status_code=204, responses=responses(401, 403, 404, 409, 413, 422, 503))
def delete_customer(customer_id: KeyPath, writing: WritingDep, writer: WriterDep) -> None:
    """Delete a customer who has no orders (key required)."""
    writer.run(resources.delete, writing, "customers", customer_id)
