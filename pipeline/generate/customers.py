"""customers: who signs up when, and how keen each customer is to buy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipeline.generate import calendar, vocab
from pipeline.generate.plan import Plan, Stream, dates, rng

# Orders per customer is Poisson given a gamma-distributed propensity (a negative binomial overall):
# shape < 1 gives many one-off buyers and a tail of power users.
PROPENSITY_SHAPE = 0.6
# This share of customers signs up and never orders (a newsletter, a wish list, an abandoned cart): their
# propensity is zero. The others may still have no order yet, the more likely the later they signed up.
NEVER_ORDERS_SHARE = 0.2
EMAIL_SEPARATORS = (".", "_", "")


@dataclass(frozen=True)
class CustomerProfile:
    """The per-customer facts that orders depend on, for customers [0, n) in id order."""

    signup_day: np.ndarray  # days after the window start, never decreasing with the id
    propensity: np.ndarray


def _profile_chunk(seed: int, scale: float, chunk: int, start_date: dt.date) -> CustomerProfile:
    plan = Plan.of(seed, scale)
    start, stop = plan.customer_chunks()[chunk]
    n = stop - start
    # Stratified quantiles of the signup curve, as orders have theirs (decision 0003): ids follow signup dates.
    quantile = (np.arange(start, stop) + rng(seed, Stream.SIGNUP_DAY, chunk).random(n)) / plan.customers
    signup_day = calendar.signup_days(seed, start_date, quantile).astype(np.int32)
    propensity = rng(seed, Stream.PROPENSITY, chunk).gamma(PROPENSITY_SHAPE, 1 / PROPENSITY_SHAPE, size=n)
    never_orders = rng(seed, Stream.NEVER_ORDERS, chunk).random(n) < NEVER_ORDERS_SHARE
    if start == 0:
        # Someone who buys is always there to place the first order of the window.
        signup_day[0], never_orders[0] = 0, False
    propensity[never_orders] = 0.0
    return CustomerProfile(signup_day, propensity)


def profile(seed: int, scale: float, start_date: dt.date) -> CustomerProfile:
    """All customers' profiles, chunk by chunk (not kept: the order simulation keeps what it derives from them)."""
    parts = [_profile_chunk(seed, scale, c, start_date) for c in range(len(Plan.of(seed, scale).customer_chunks()))]
    return CustomerProfile(np.concatenate([p.signup_day for p in parts]), np.concatenate([p.propensity for p in parts]))


def generate(seed: int, scale: float, chunk: int, start_date: dt.date) -> pl.DataFrame:
    start, stop = Plan.of(seed, scale).customer_chunks()[chunk]
    n = stop - start
    first, last = vocab.first_names(), vocab.last_names()
    first_index = first.sample(rng(seed, Stream.FIRST_NAME, chunk), n)
    last_index = last.sample(rng(seed, Stream.LAST_NAME, chunk), n)
    customer_id = pl.Series("customer_id", np.arange(start + 1, stop + 1, dtype=np.int64))
    separator = rng(seed, Stream.EMAIL_SEPARATOR, chunk).integers(0, len(EMAIL_SEPARATORS), size=n)
    domains = len(vocab.EMAIL_DOMAINS)
    domain = rng(seed, Stream.EMAIL_DOMAIN, chunk).choice(domains, size=n, p=vocab.EMAIL_DOMAIN_WEIGHTS)
    # The id in the local part makes every email unique without a global uniqueness pass.
    email = pl.select(
        pl.concat_str(
            pl.lit(first.email_parts.gather(first_index)),
            pl.lit(pl.Series(EMAIL_SEPARATORS).gather(separator)),
            pl.lit(last.email_parts.gather(last_index)),
            pl.lit(customer_id.cast(pl.String)),
            pl.lit("@"),
            pl.lit(pl.Series(vocab.EMAIL_DOMAINS).gather(domain)),
        )
    ).to_series()
    return pl.DataFrame(
        {
            "customer_id": customer_id,
            "first_name": first.names.gather(first_index),
            "last_name": last.names.gather(last_index),
            "email": email,
            "signup_date": dates(start_date, _profile_chunk(seed, scale, chunk, start_date).signup_day),
        }
    )
