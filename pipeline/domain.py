"""The shop's vocabularies and the anomaly kinds: what generation, validation, the docs and serving all share.

A leaf: it imports nothing of the project, so no package reaches into another's for a list of names.
"""

from __future__ import annotations

from enum import IntEnum

CATEGORIES = (
    "Electronics",
    "Clothing",
    "Home & Garden",
    "Books",
    "Sports",
    "Beauty",
    "Toys",
    "Automotive",
    "Jewelry",
    "Health",
)
PAYMENT_METHODS = ("card", "paypal", "bank")


class AnomalyKind(IntEnum):
    """Every planted pattern passes the hard rules; each is visible to a query that knows what to look for."""

    NONE = 0
    EXTREME_AMOUNT = 1
    BURST = 2
    PAYMENT_MISMATCH = 3
    LATE_PAYMENT = 4


# Far outside what the normal process produces; ranges are half-open, [low, high), as numpy draws them.
EXTREME_QUANTITY = (20, 61)  # units on every line of an extreme order
BURST_SIZE = (6, 11)  # orders by one customer on one day
LATE_PAYMENT_DAYS = (30, 61)  # days from order to payment
MISMATCH_UNDERPAY_SHARE = (0.2, 0.8)  # an underpayment pays this share of the total
MISMATCH_OVERPAY_CENTS = (500, 20_001)  # an overpayment pays this much more than the total

# In words, for people (the data dictionary), from the numbers above.
ANOMALY_DESCRIPTIONS = {
    AnomalyKind.EXTREME_AMOUNT: (
        f"every line of the order has a wholesale quantity ({EXTREME_QUANTITY[0]} to {EXTREME_QUANTITY[1] - 1} "
        "units), so its total is extreme"
    ),
    AnomalyKind.BURST: (
        f"a new account (signed up that day, or the newest one) places {BURST_SIZE[0]} to {BURST_SIZE[1] - 1} "
        "orders on the same day"
    ),
    AnomalyKind.PAYMENT_MISMATCH: (
        f"the payment amount differs from the order total: {MISMATCH_UNDERPAY_SHARE[0]:.0%} to "
        f"{MISMATCH_UNDERPAY_SHARE[1]:.0%} of it, or ${MISMATCH_OVERPAY_CENTS[0] / 100:,.2f} to "
        f"${(MISMATCH_OVERPAY_CENTS[1] - 1) / 100:,.2f} more"
    ),
    AnomalyKind.LATE_PAYMENT: (
        f"the payment arrives {LATE_PAYMENT_DAYS[0]} to {LATE_PAYMENT_DAYS[1] - 1} days after the order"
    ),
}
KIND_NAMES = tuple(kind.name.lower() for kind in AnomalyKind if kind is not AnomalyKind.NONE)
