"""One chunk of orders simulated together: who buys what, when, how they pay, and which orders are anomalies.

orders, order_items and payments are three views of this one simulation, so they agree by construction.
Money is simulated in integer cents so that line totals and order totals are exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np

from pipeline.domain import (
    BURST_SIZE,
    EXTREME_QUANTITY,
    LATE_PAYMENT_DAYS,
    MISMATCH_OVERPAY_CENTS,
    MISMATCH_UNDERPAY_SHARE,
    AnomalyKind,
)
from pipeline.generate import calendar, customers, products
from pipeline.generate.plan import Plan, Stream, rng
from pipeline.settings import WINDOW_DAYS

# Items per order: 1 + the extra items spread uniformly over the chunk's orders (a multinomial, so the
# per-order extra count is Poisson-like) and the chunk's total is exact.
# Units per line: 1 + Poisson(QUANTITY_EXTRA_MEAN).
QUANTITY_EXTRA_MEAN = 0.35
PAYMENT_METHOD_WEIGHTS = (0.62, 0.27, 0.11)  # card, paypal, bank
PAYMENT_LAG_MEAN_DAYS = (0.2, 0.6, 2.5)  # bank transfers settle slowest


@dataclass(frozen=True)
class Baskets:
    order_id: np.ndarray
    customer_id: np.ndarray
    order_day: np.ndarray
    total_cents: np.ndarray
    kind: np.ndarray  # AnomalyKind per order, AnomalyKind.NONE for normal orders
    item_id: np.ndarray
    item_order_id: np.ndarray
    product_id: np.ndarray
    quantity: np.ndarray
    line_cents: np.ndarray
    payment_method: np.ndarray  # index into PAYMENT_METHODS (pipeline.domain)
    payment_day: np.ndarray
    payment_cents: np.ndarray


@dataclass(frozen=True)
class _Eligibility:
    """Cumulative propensity in customer id order, which is signup order, for sampling among those signed up."""

    cumulative_propensity: np.ndarray
    signed_up_by_day: np.ndarray  # how many customers have signed up on or before each day


@cache
def _eligibility(seed: int, scale: float, start_date: dt.date) -> _Eligibility:
    """Cached in each worker (every order chunk needs it); 8 bytes a customer, the profiles themselves dropped."""
    profile = customers.profile(seed, scale, start_date)
    signed_up = np.searchsorted(profile.signup_day, np.arange(WINDOW_DAYS), side="right")
    return _Eligibility(np.cumsum(profile.propensity), signed_up)


@cache
def _popularity(seed: int, scale: float) -> np.ndarray:
    return np.cumsum(products.catalog(seed, scale).popularity)


def _plant_bursts(sizes: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Make the orders right after each burst anchor members of its burst (relabelled in ``kind``).

    ``sizes`` holds a burst size for every order (used where the order anchors a burst). Returns, per order,
    the order whose customer and day it takes (itself when not in a burst). An anchor inside an earlier burst
    joins it; one too close to the chunk's end for a full burst becomes a mismatch.
    """
    owner = np.arange(kind.size)
    anchors = np.flatnonzero(kind == AnomalyKind.BURST)
    burst_end = 0
    for anchor, size in zip(anchors.tolist(), sizes[anchors].tolist(), strict=True):  # a step per burst, not row
        if anchor < burst_end:
            continue
        if anchor + size > kind.size:
            kind[anchor] = AnomalyKind.PAYMENT_MISMATCH
            continue
        burst_end = anchor + size
        owner[anchor:burst_end] = anchor
        kind[anchor:burst_end] = AnomalyKind.BURST
    return owner


def _positions(cumulative: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cumulative, picks, side="right")``, searched in ascending order of the picks: NumPy starts
    each search at the last one's position, so successive searches touch the same cached parts of the array (16 MB
    of customers at scale 1000) instead of missing the cache at every pick. The same positions, sorting included
    in about a third of the time for customers, half for products."""
    order = np.argsort(picks)
    positions = np.empty(picks.size, dtype=np.intp)
    positions[order] = np.searchsorted(cumulative, picks[order], side="right")
    return positions


def _buyers(eligible: _Eligibility, order_day: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """Each order's customer (an index, id - 1), drawn by propensity among the customers signed up by the order's
    day (customers who never order have none); customer ids follow signup days, so those are the first ids."""
    signed_up = eligible.signed_up_by_day[order_day]
    pick = chance * eligible.cumulative_propensity[signed_up - 1]
    position = _positions(eligible.cumulative_propensity, pick)
    buyer: np.ndarray = np.minimum(position, signed_up - 1)
    return buyer


def _new_accounts(eligible: _Eligibility, order_day: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """A burst's customer: a new account, whatever its propensity, one of those who signed up on the burst's day
    (or the newest before it), so that its orders stand out from a regular's busy day (decision 0061)."""
    signed_up = eligible.signed_up_by_day[order_day]
    signed_up_before = np.where(order_day > 0, eligible.signed_up_by_day[order_day - 1], 0)
    newcomer: np.ndarray = np.minimum(
        signed_up_before + (chance * (signed_up - signed_up_before)).astype(np.int64), signed_up - 1
    )
    return newcomer


def simulate(seed: int, scale: float, chunk: int, start_date: dt.date, anomaly_rate: float) -> Baskets:
    """Every random draw comes from the stream of its concern, in a number fixed by the chunk's size."""
    plan = Plan.of(seed, scale)
    first, stop = plan.order_chunks()[chunk]
    n = stop - first
    n_items = plan.items_before(stop) - plan.items_before(first)

    def draw(stream: Stream) -> np.random.Generator:
        return rng(seed, stream, chunk)

    order_id = np.arange(first + 1, stop + 1, dtype=np.int64)

    # Stratified quantiles of the demand curve: order ids increase with the date across all chunks.
    order_time = (np.arange(first, stop) + draw(Stream.ORDER_TIME).random(n)) / plan.orders
    order_day = calendar.order_days(seed, start_date, order_time)

    anomaly = draw(Stream.ANOMALY)
    starts, kinds = anomaly.random(n) < anomaly_rate, anomaly.integers(1, len(AnomalyKind), size=n)
    kind = np.where(starts, kinds, AnomalyKind.NONE).astype(np.int8)
    burst_anchor = _plant_bursts(draw(Stream.BURST_SIZE).integers(*BURST_SIZE, size=n), kind)
    order_day = order_day[burst_anchor]
    # A late payment must still fall inside the window; near its end the anomaly becomes a mismatch.
    too_late = (kind == AnomalyKind.LATE_PAYMENT) & (order_day >= WINDOW_DAYS - LATE_PAYMENT_DAYS[1])
    kind[too_late] = AnomalyKind.PAYMENT_MISMATCH

    eligible = _eligibility(seed, scale, start_date)
    chance = draw(Stream.CUSTOMER_PICK).random(n)
    position = np.where(
        kind == AnomalyKind.BURST,
        _new_accounts(eligible, order_day, chance),
        _buyers(eligible, order_day, chance),
    )
    customer_id = (position.astype(np.int64) + 1)[burst_anchor]

    items_per_order = 1 + np.bincount(draw(Stream.BASKET_SIZE).integers(0, n, size=n_items - n), minlength=n)
    item_order = np.repeat(np.arange(n), items_per_order)
    popularity = _popularity(seed, scale)
    product_pick = draw(Stream.PRODUCT_PICK).random(n_items) * popularity[-1]
    product_index = np.minimum(_positions(popularity, product_pick), popularity.size - 1)
    quantity = 1 + draw(Stream.QUANTITY).poisson(QUANTITY_EXTRA_MEAN, size=n_items)
    extreme = kind[item_order] == AnomalyKind.EXTREME_AMOUNT
    quantity = np.where(extreme, draw(Stream.EXTREME_QUANTITY).integers(*EXTREME_QUANTITY, size=n_items), quantity)
    line_cents = quantity * products.catalog(seed, scale).price_cents[product_index]
    total_cents = np.add.reduceat(line_cents, np.cumsum(items_per_order) - items_per_order)

    method = draw(Stream.PAYMENT_METHOD).choice(len(PAYMENT_METHOD_WEIGHTS), size=n, p=PAYMENT_METHOD_WEIGHTS)
    lag = draw(Stream.PAYMENT_LAG).poisson(np.asarray(PAYMENT_LAG_MEAN_DAYS)[method])
    late = kind == AnomalyKind.LATE_PAYMENT
    lag = np.where(late, draw(Stream.LATE_PAYMENT_LAG).integers(*LATE_PAYMENT_DAYS, size=n), lag)
    mismatch = draw(Stream.MISMATCH)
    underpay = mismatch.random(n) < 0.5
    share = mismatch.uniform(*MISMATCH_UNDERPAY_SHARE, size=n)
    extra = mismatch.integers(*MISMATCH_OVERPAY_CENTS, size=n)
    underpaid = np.minimum(np.rint(total_cents * share).astype(np.int64), total_cents - 1)
    mismatched = np.where(underpay, underpaid, total_cents + extra)
    payment_cents = np.where(kind == AnomalyKind.PAYMENT_MISMATCH, mismatched, total_cents)

    return Baskets(
        order_id=order_id,
        customer_id=customer_id,
        order_day=order_day,
        total_cents=total_cents,
        kind=kind,
        item_id=np.arange(plan.items_before(first) + 1, plan.items_before(stop) + 1, dtype=np.int64),
        item_order_id=order_id[item_order],
        product_id=product_index.astype(np.int64) + 1,
        quantity=quantity.astype(np.int64),
        line_cents=line_cents,
        payment_method=method,
        payment_day=np.minimum(order_day + lag, WINDOW_DAYS - 1),
        payment_cents=payment_cents,
    )
