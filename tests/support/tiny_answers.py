"""Every query's answer over the tiny hand-made shop (analysis_support.py), worked out on paper: every column.

This is the source of truth for the queries and for ``queries/answers/*.parquet``: a query is right when it
gives these frames, and a golden file when it holds them. Change a query on purpose: work out its new answer
here first, then run ``python -m tests.support.update_answers``, which writes only what agrees with this module.

The shop: Ann orders 28.00, 25.50 and 18.00 (the last paid 40 days late, and only 15.00 of it), Bob 26.00 and
51.00 (underpaid 45.00), Cid 360.00 (30 balls) and four 8.00 orders on 2025-03-20; Dee never orders.
Products: Widget 10.00 and Gadget 25.50 (Electronics), Novel 8.00 (Books), Ball 12.00 (Sports).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

D = dt.date
INT, FLOAT, TEXT, DATE = pl.Int64, pl.Float64, pl.String, pl.Date


@dataclass(frozen=True)
class Answer:
    query: str
    rows: list[tuple[Any, ...]]
    schema: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.query + "".join(f"-{k}={v}" for k, v in self.params.items())

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=self.schema, orient="row")


ANN = (1, "Ann", "Arden")
BOB = (2, "Bob", "Banks")
CID = (3, "Cid", "Cole")

TOP_CUSTOMERS = {
    "spend_rank": INT,
    "customer_id": INT,
    "first_name": TEXT,
    "last_name": TEXT,
    "email": TEXT,
    "order_count": INT,
    "total_spend": FLOAT,
    "avg_order_value": FLOAT,
}
TOP_PRODUCTS = {
    "sales_rank": INT,
    "product_id": INT,
    "name": TEXT,
    "category": TEXT,
    "price": FLOAT,
    "order_count": INT,
    "units": INT,
    "revenue": FLOAT,
    "revenue_rank": INT,
    "units_rank": INT,
}
# (product_id, name, category, price, orders, units, revenue, revenue rank, units rank)
BALL = (4, "Ball", "Sports", 12.0, 1, 30, 360.0, 1, 1)  # order 4
GADGET = (2, "Gadget", "Electronics", 25.5, 2, 3, 76.5, 2, 4)  # orders 2 (1 unit) and 5 (2)
NOVEL = (3, "Novel", "Books", 8.0, 7, 8, 64.0, 3, 2)  # orders 1, 3 (2 units), 6, 7-10
WIDGET = (1, "Widget", "Electronics", 10.0, 3, 4, 40.0, 4, 3)  # orders 1 (2 units), 3, 6
TIMESERIES = {
    "period_start": DATE,
    "order_count": INT,
    "customer_count": INT,
    "revenue": FLOAT,
    "avg_order_value": FLOAT,
}
# The days with orders: (day, orders, customers, revenue, average order value).
ORDER_DAYS = {
    D(2025, 1, 5): (1, 1, 28.0, 28.0),
    D(2025, 2, 3): (2, 2, 51.5, 25.75),  # Ann 25.50, Bob 26.00
    D(2025, 2, 15): (1, 1, 360.0, 360.0),
    D(2025, 3, 10): (1, 1, 51.0, 51.0),
    D(2025, 3, 11): (1, 1, 18.0, 18.0),
    D(2025, 3, 20): (4, 1, 32.0, 8.0),
}
EVERY_DAY = [D(2025, 1, 5) + dt.timedelta(days=n) for n in range(75)]  # 2025-01-05 .. 2025-03-20
CUSTOMER_AOV = {
    "customer_id": INT,
    "first_name": TEXT,
    "last_name": TEXT,
    "email": TEXT,
    "signup_date": DATE,
    "order_count": INT,
    "total_spend": FLOAT,
    "avg_order_value": FLOAT,
    "first_order_date": DATE,
    "last_order_date": DATE,
}
ANN_AOV = (*ANN, "ann@example.com", D(2025, 1, 5), 3, 71.5, 23.83, D(2025, 1, 5), D(2025, 3, 11))  # 71.50 / 3
BOB_AOV = (*BOB, "bob@example.com", D(2025, 1, 20), 2, 77.0, 38.5, D(2025, 2, 3), D(2025, 3, 10))
CID_AOV = (*CID, "cid@example.com", D(2025, 2, 10), 5, 392.0, 78.4, D(2025, 2, 15), D(2025, 3, 20))
ANOMALIES = {
    "order_id": INT,
    "customer_id": INT,
    "order_date": DATE,
    "total_amount": FLOAT,
    "paid_amount": FLOAT,
    "payment_lag_days": INT,
    "min_quantity": INT,
    "orders_that_day": INT,
    "kind": TEXT,
    "reasons": TEXT,
}
# Order 5: 45.00 of 51.00, paid two days later. Order 6: 15.00 of 18.00, paid on 2025-04-20, 40 days later.
BOB_UNDERPAID = (5, 2, D(2025, 3, 10), 51.0, 45.0, 2, 2, 1, "payment_mismatch", "payment_mismatch")
ANN_LATE_AND_UNDERPAID = (6, 1, D(2025, 3, 11), 18.0, 15.0, 40, 1, 1, "payment_mismatch")
POWER_USERS = {
    "power_rank": INT,
    "customer_id": INT,
    "first_name": TEXT,
    "last_name": TEXT,
    "order_count": INT,
    "total_spend": FLOAT,
    "spend_share": FLOAT,
    "active_months": INT,
    "orders_per_active_month": FLOAT,
    "first_order_date": DATE,
    "last_order_date": DATE,
}
COHORTS = {
    "cohort_month": DATE,
    "months_since_signup": INT,
    "cohort_size": INT,
    "active_customers": INT,
    "retention_rate": FLOAT,
}
RFM = {
    "customer_id": INT,
    "last_order_date": DATE,
    "recency_days": INT,
    "order_count": INT,
    "total_spend": FLOAT,
    "r_score": INT,
    "f_score": INT,
    "m_score": INT,
    "rfm_code": TEXT,
    "segment": TEXT,
}
REPEAT = {"first_order_month": DATE, "new_buyers": INT, "repeat_buyers": INT, "repeat_rate": FLOAT}
BOUGHT_TOGETHER = {
    "product_a_id": INT,
    "product_a_name": TEXT,
    "product_b_id": INT,
    "product_b_name": TEXT,
    "orders_together": INT,
    "pair_support": FLOAT,
    "confidence_a_to_b": FLOAT,
    "lift": FLOAT,
}
PAYMENT_MIX = {
    "period_start": DATE,
    "payment_method": TEXT,
    "payment_count": INT,
    "amount": FLOAT,
    "count_share": FLOAT,
    "amount_share": FLOAT,
}
SIGNUPS = {"period_start": DATE, "signups": INT}
CATEGORY_TIMESERIES = {"period_start": DATE, "category": TEXT, "order_count": INT, "units": INT, "revenue": FLOAT}
PRICES = {
    "category": TEXT,
    "product_count": INT,
    "min_price": FLOAT,
    "q1_price": FLOAT,
    "median_price": FLOAT,
    "q3_price": FLOAT,
    "max_price": FLOAT,
    "mean_price": FLOAT,
}

ANSWERS = [
    # Spend: Cid 360 + 4 x 8 = 392.00 over 5 orders, Bob 26 + 51 = 77.00 over 2, Ann 28 + 25.5 + 18 = 71.50 over 3.
    Answer(
        "top_customers",
        [
            (1, *CID, "cid@example.com", 5, 392.0, 78.4),
            (2, *BOB, "bob@example.com", 2, 77.0, 38.5),
            (3, *ANN, "ann@example.com", 3, 71.5, 23.83),
        ],
        TOP_CUSTOMERS,
    ),
    Answer("top_customers", [(1, *CID, "cid@example.com", 5, 392.0, 78.4)], TOP_CUSTOMERS, {"limit": 1}),
    # February: orders 2 (Ann 25.50), 3 (Bob 26.00) and 4 (Cid 360.00).
    Answer(
        "top_customers",
        [
            (1, *CID, "cid@example.com", 1, 360.0, 360.0),
            (2, *BOB, "bob@example.com", 1, 26.0, 26.0),
            (3, *ANN, "ann@example.com", 1, 25.5, 25.5),
        ],
        TOP_CUSTOMERS,
        {"start_date": D(2025, 2, 1), "end_date": D(2025, 2, 28)},
    ),
    Answer("top_products", [(rank, *p) for rank, p in enumerate((BALL, GADGET, NOVEL, WIDGET), 1)], TOP_PRODUCTS),
    Answer(
        "top_products",
        [(p[-1], *p) for p in (BALL, NOVEL, WIDGET)],
        TOP_PRODUCTS,
        {"rank_by": "units", "limit": 3},
    ),
    # 540.50 in all: Sports 360 / 540.5 = 0.66605, Electronics (40 + 76.5) / 540.5 = 0.21554, Books 64 / 540.5.
    Answer(
        "category_revenue",
        [("Sports", 1, 30, 360.0, 0.666), ("Electronics", 5, 7, 116.5, 0.2155), ("Books", 7, 8, 64.0, 0.1184)],
        {"category": TEXT, "order_count": INT, "units": INT, "revenue": FLOAT, "revenue_share": FLOAT},
    ),
    # February: 25.50 + 26.00 + 360.00 over three customers; March: 51 + 18 + 4 x 8 = 101.00 over six orders.
    Answer(
        "revenue_timeseries",
        [
            (D(2025, 1, 1), 1, 1, 28.0, 28.0),
            (D(2025, 2, 1), 3, 3, 411.5, 137.17),
            (D(2025, 3, 1), 6, 3, 101.0, 16.83),
        ],
        TIMESERIES,
    ),
    # ISO weeks from Monday 2024-12-30 (Sunday 2025-01-05 belongs to it) to Monday 2025-03-17.
    Answer(
        "revenue_timeseries",
        [
            (D(2024, 12, 30), 1, 1, 28.0, 28.0),
            *[(D(2025, 1, 6) + dt.timedelta(weeks=n), 0, 0, 0.0, 0.0) for n in range(4)],
            (D(2025, 2, 3), 2, 2, 51.5, 25.75),
            (D(2025, 2, 10), 1, 1, 360.0, 360.0),
            (D(2025, 2, 17), 0, 0, 0.0, 0.0),
            (D(2025, 2, 24), 0, 0, 0.0, 0.0),
            (D(2025, 3, 3), 0, 0, 0.0, 0.0),
            (D(2025, 3, 10), 2, 2, 69.0, 34.5),  # Bob 51.00 on Monday, Ann 18.00 on Tuesday
            (D(2025, 3, 17), 4, 1, 32.0, 8.0),
        ],
        TIMESERIES,
        {"grain": "week"},
    ),
    Answer(
        "revenue_timeseries",
        [(day, *ORDER_DAYS.get(day, (0, 0, 0.0, 0.0))) for day in EVERY_DAY],
        TIMESERIES,
        {"grain": "day"},
    ),
    Answer("customer_aov", [ANN_AOV, BOB_AOV, CID_AOV], CUSTOMER_AOV),
    Answer("customer_aov", [ANN_AOV, CID_AOV], CUSTOMER_AOV, {"min_orders": 3}),
    # Order 6 breaks two rules: it is reported once, under the first (the mismatch), with both as reasons.
    Answer(
        "anomalies",
        [
            (4, 3, D(2025, 2, 15), 360.0, 360.0, 0, 30, 1, "extreme_amount", "extreme_amount"),
            BOB_UNDERPAID,
            (*ANN_LATE_AND_UNDERPAID, "payment_mismatch,late_payment"),
            *[(order, 3, D(2025, 3, 20), 8.0, 8.0, 0, 1, 4, "burst", "burst") for order in (7, 8, 9, 10)],
        ],
        ANOMALIES,
    ),
    # Thresholds are parameters: a burst of four is not a burst of five, 40 days is not late at 41, 30 balls are
    # not extreme at 31; the mismatches stay, and order 6 is no longer late.
    Answer(
        "anomalies",
        [BOB_UNDERPAID, (*ANN_LATE_AND_UNDERPAID, "payment_mismatch")],
        ANOMALIES,
        {"burst_orders": 5, "late_days": 41, "extreme_quantity": 31},
    ),
    Answer("power_users", [], POWER_USERS),  # nobody has 10 orders
    # Shares of all 540.50 spent: 392 / 540.5 = 0.7252544, 71.5 / 540.5 = 0.1322849.
    Answer(
        "power_users",
        [
            (1, *CID, 5, 392.0, 0.725254, 2, 2.5, D(2025, 2, 15), D(2025, 3, 20)),
            (2, *ANN, 3, 71.5, 0.132285, 3, 1.0, D(2025, 1, 5), D(2025, 3, 11)),
        ],
        POWER_USERS,
        {"min_orders": 3},
    ),
    # Cohorts: January (Ann, Bob), February (Cid), March (Dee); months up to March, that of the last order.
    Answer(
        "signup_cohorts",
        [
            (D(2025, 1, 1), 0, 2, 1, 0.5),  # Ann ordered in January, Bob not until February
            (D(2025, 1, 1), 1, 2, 2, 1.0),
            (D(2025, 1, 1), 2, 2, 2, 1.0),
            (D(2025, 2, 1), 0, 1, 1, 1.0),
            (D(2025, 2, 1), 1, 1, 1, 1.0),
            (D(2025, 3, 1), 0, 1, 0, 0.0),  # Dee
        ],
        COHORTS,
    ),
    Answer(
        "signup_cohorts",
        [(D(2025, 1, 1), 0, 2, 1, 0.5), (D(2025, 2, 1), 0, 1, 1, 1.0), (D(2025, 3, 1), 0, 1, 0, 0.0)],
        COHORTS,
        {"max_months": 0},
    ),
    # As of the last order day, 2025-03-20. Three customers in five quintiles take quintiles 1, 2 and 3: by last
    # order Bob, Ann, Cid; by orders Bob (2), Ann (3), Cid (5); by spend Ann (71.50), Bob (77.00), Cid.
    Answer(
        "rfm_segments",
        [
            (1, D(2025, 3, 11), 9, 3, 71.5, 2, 2, 1, "221", "hibernating"),
            (2, D(2025, 3, 10), 10, 2, 77.0, 1, 1, 2, "112", "hibernating"),
            (3, D(2025, 3, 20), 0, 5, 392.0, 3, 3, 3, "333", "loyal"),
        ],
        RFM,
    ),
    # As of 2025-02-28: Ann's first two orders, Bob's first, Cid's first. Ann and Bob last ordered the same day
    # and Bob and Cid ordered once: ties go by customer_id.
    Answer(
        "rfm_segments",
        [
            (1, D(2025, 2, 3), 25, 2, 53.5, 1, 3, 2, "132", "at_risk"),
            (2, D(2025, 2, 3), 25, 1, 26.0, 2, 1, 1, "211", "hibernating"),
            (3, D(2025, 2, 15), 13, 1, 360.0, 3, 2, 3, "323", "needs_attention"),
        ],
        RFM,
        {"as_of": D(2025, 2, 28)},
    ),
    # Ann came back after 29 days, Bob after 35, Cid after 33.
    Answer("repeat_purchase_rate", [(D(2025, 1, 1), 1, 1, 1.0), (D(2025, 2, 1), 2, 2, 1.0)], REPEAT),
    Answer(
        "repeat_purchase_rate",
        [(D(2025, 1, 1), 1, 1, 1.0), (D(2025, 2, 1), 2, 0, 0.0)],
        REPEAT,
        {"window_days": 30},
    ),
    # Widget and Novel share orders 1, 3 and 6 of the 10; Widget is in 3 orders, Novel in 7: lift 3 x 10 / 21.
    Answer("bought_together", [(1, "Widget", 3, "Novel", 3, 0.3, 1.0, 1.43)], BOUGHT_TOGETHER),
    Answer("bought_together", [], BOUGHT_TOGETHER, {"min_orders": 4}),
    # By payment month: Ann's late payment (15.00) lands in April.
    Answer(
        "payment_mix",
        [
            (D(2025, 1, 1), "card", 1, 28.0, 1.0, 1.0),
            (D(2025, 2, 1), "card", 2, 386.0, 0.6667, 0.938),  # 26 + 360 of 411.50
            (D(2025, 2, 1), "paypal", 1, 25.5, 0.3333, 0.062),
            (D(2025, 3, 1), "bank", 1, 45.0, 0.2, 0.5844),  # 45 of 77.00
            (D(2025, 3, 1), "card", 4, 32.0, 0.8, 0.4156),
            (D(2025, 4, 1), "bank", 1, 15.0, 1.0, 1.0),
        ],
        PAYMENT_MIX,
    ),
    Answer(
        "payment_mix",
        [
            (D(2024, 12, 30), "card", 1, 28.0, 1.0, 1.0),
            (D(2025, 2, 3), "card", 1, 26.0, 0.5, 0.5049),  # Bob's 26.00 on Monday, of 51.50 that week
            (D(2025, 2, 3), "paypal", 1, 25.5, 0.5, 0.4951),  # Ann's 25.50 on Tuesday
            (D(2025, 2, 10), "card", 1, 360.0, 1.0, 1.0),
            (D(2025, 3, 10), "bank", 1, 45.0, 1.0, 1.0),
            (D(2025, 3, 17), "card", 4, 32.0, 1.0, 1.0),
            (D(2025, 4, 14), "bank", 1, 15.0, 1.0, 1.0),  # Sunday 2025-04-20
        ],
        PAYMENT_MIX,
        {"grain": "week"},
    ),
    # One method a day: every share is 1.
    Answer(
        "payment_mix",
        [
            (D(2025, 1, 5), "card", 1, 28.0, 1.0, 1.0),
            (D(2025, 2, 3), "card", 1, 26.0, 1.0, 1.0),
            (D(2025, 2, 4), "paypal", 1, 25.5, 1.0, 1.0),
            (D(2025, 2, 15), "card", 1, 360.0, 1.0, 1.0),
            (D(2025, 3, 12), "bank", 1, 45.0, 1.0, 1.0),
            (D(2025, 3, 20), "card", 4, 32.0, 1.0, 1.0),
            (D(2025, 4, 20), "bank", 1, 15.0, 1.0, 1.0),
        ],
        PAYMENT_MIX,
        {"grain": "day"},
    ),
    # Signups: Ann 01-05 (a Sunday) and Bob 01-20, Cid 02-10, Dee 03-01 (a Saturday), who never orders.
    Answer("signups", [(D(2025, 1, 1), 2), (D(2025, 2, 1), 1), (D(2025, 3, 1), 1)], SIGNUPS),
    Answer(
        "signups",
        [(D(2024, 12, 30), 1), (D(2025, 1, 20), 1), (D(2025, 2, 10), 1), (D(2025, 2, 24), 1)],
        SIGNUPS,
        {"grain": "week"},
    ),
    Answer(
        "signups",
        [(D(2025, 1, 5), 1), (D(2025, 1, 20), 1), (D(2025, 2, 10), 1), (D(2025, 3, 1), 1)],
        SIGNUPS,
        {"grain": "day"},
    ),
    # Each category's orders, units and revenue per month; summed over the months, those of category_revenue.
    Answer(
        "category_revenue_timeseries",
        [
            (D(2025, 1, 1), "Books", 1, 1, 8.0),  # order 1: a novel
            (D(2025, 1, 1), "Electronics", 1, 2, 20.0),  # order 1: two widgets
            (D(2025, 2, 1), "Books", 1, 2, 16.0),  # order 3: two novels
            (D(2025, 2, 1), "Electronics", 2, 2, 35.5),  # orders 2 (a gadget) and 3 (a widget)
            (D(2025, 2, 1), "Sports", 1, 30, 360.0),  # order 4: thirty balls
            (D(2025, 3, 1), "Books", 5, 5, 40.0),  # orders 6 to 10, a novel each
            (D(2025, 3, 1), "Electronics", 2, 3, 61.0),  # orders 5 (two gadgets) and 6 (a widget)
        ],
        CATEGORY_TIMESERIES,
    ),
    Answer(
        "category_revenue_timeseries",
        [
            (D(2024, 12, 30), "Books", 1, 1, 8.0),
            (D(2024, 12, 30), "Electronics", 1, 2, 20.0),
            (D(2025, 2, 3), "Books", 1, 2, 16.0),
            (D(2025, 2, 3), "Electronics", 2, 2, 35.5),
            (D(2025, 2, 10), "Sports", 1, 30, 360.0),  # Saturday 02-15
            (D(2025, 3, 10), "Books", 1, 1, 8.0),  # order 6 on Tuesday 03-11
            (D(2025, 3, 10), "Electronics", 2, 3, 61.0),
            (D(2025, 3, 17), "Books", 4, 4, 32.0),  # orders 7-10 on Thursday 03-20
        ],
        CATEGORY_TIMESERIES,
        {"grain": "week"},
    ),
    Answer(
        "category_revenue_timeseries",
        [
            (D(2025, 1, 5), "Books", 1, 1, 8.0),
            (D(2025, 1, 5), "Electronics", 1, 2, 20.0),
            (D(2025, 2, 3), "Books", 1, 2, 16.0),
            (D(2025, 2, 3), "Electronics", 2, 2, 35.5),
            (D(2025, 2, 15), "Sports", 1, 30, 360.0),
            (D(2025, 3, 10), "Electronics", 1, 2, 51.0),
            (D(2025, 3, 11), "Books", 1, 1, 8.0),
            (D(2025, 3, 11), "Electronics", 1, 1, 10.0),
            (D(2025, 3, 20), "Books", 4, 4, 32.0),
        ],
        CATEGORY_TIMESERIES,
        {"grain": "day"},
    ),
    # Electronics: 10.00 and 25.50; the quartiles lie a quarter, a half and three quarters of the way between
    # (13.875 and 21.625, rounded half up to the cent).
    Answer(
        "price_distribution",
        [
            ("Books", 1, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0),
            ("Electronics", 2, 10.0, 13.88, 17.75, 21.63, 25.5, 17.75),
            ("Sports", 1, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0),
        ],
        PRICES,
    ),
]


def default_answer(query: str) -> pl.DataFrame:
    """The answer with every parameter at its default: what queries/answers/<query>.parquet holds."""
    (answer,) = [a for a in ANSWERS if a.query == query and not a.params]
    return answer.frame()
