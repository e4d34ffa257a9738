"""customers: who signs up when, and how keen each customer is to buy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from pipeline.generate import vocab
from pipeline.generate.plan import Plan, Stream, dates, rng
from pipeline.settings import WINDOW_DAYS

# Orders per customer is Poisson given a gamma-distributed propensity (a negative binomial overall):
# shape < 1 gives many one-off buyers and a tail of power users.
PROPENSITY_SHAPE = 0.6
# Signups are front-loaded in the window (Beta(1, 1.6)), so most customers have time to order.
SIGNUP_BETA = (1.0, 1.6)
EMAIL_SEPARATORS = (".", "_", "")


@dataclass(frozen=True)
class CustomerProfile:
    """The per-customer facts that orders depend on, for customers [0, n) in id order."""

    signup_day: np.ndarray  # days after the window start
    propensity: np.ndarray


def _profile_chunk(seed: int, chunk: int, start: int, stop: int) -> CustomerProfile:
    gen = rng(seed, Stream.CUSTOMER_PROFILE, chunk)
    signup_day = (gen.beta(*SIGNUP_BETA, size=stop - start) * WINDOW_DAYS).astype(np.int64)
    if start == 0:
        signup_day[0] = 0  # someone is always there to place the first order of the window
    propensity = gen.gamma(PROPENSITY_SHAPE, 1 / PROPENSITY_SHAPE, size=stop - start)
    return CustomerProfile(signup_day, propensity)


@cache
def profile(seed: int, scale: float) -> CustomerProfile:
    """All customers' profiles, chunk by chunk; cached because every order chunk needs them."""
    parts = [_profile_chunk(seed, c, a, b) for c, (a, b) in enumerate(Plan.of(seed, scale).customer_chunks())]
    return CustomerProfile(np.concatenate([p.signup_day for p in parts]), np.concatenate([p.propensity for p in parts]))


def generate(seed: int, scale: float, chunk: int, start_date: dt.date) -> pl.DataFrame:
    start, stop = Plan.of(seed, scale).customer_chunks()[chunk]
    n = stop - start
    gen = rng(seed, Stream.CUSTOMER_NAMES, chunk)
    raw = pl.DataFrame(
        {
            "customer_id": np.arange(start + 1, stop + 1, dtype=np.int64),
            "first_name": vocab.first_names().sample(gen, n),
            "last_name": vocab.last_names().sample(gen, n),
            "separator": pl.Series(EMAIL_SEPARATORS).gather(gen.integers(0, len(EMAIL_SEPARATORS), size=n)),
            "domain": pl.Series(vocab.EMAIL_DOMAINS).gather(
                gen.choice(len(vocab.EMAIL_DOMAINS), size=n, p=vocab.EMAIL_DOMAIN_WEIGHTS)
            ),
            "signup_date": dates(start_date, _profile_chunk(seed, chunk, start, stop).signup_day),
        }
    )
    return raw.select(
        "customer_id",
        "first_name",
        "last_name",
        # The id in the local part makes every email unique without a global uniqueness pass.
        pl.concat_str(
            pl.col("first_name").str.to_lowercase(),
            "separator",
            pl.col("last_name").str.to_lowercase().str.replace_all("[^a-z]", ""),
            pl.col("customer_id").cast(pl.String),
            pl.lit("@"),
            "domain",
        ).alias("email"),
        "signup_date",
    )
