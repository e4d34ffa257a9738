"""When things happen: one business curve over the window (weekly and yearly seasonality, growth, noise) that the
signups follow, and the daily demand for orders: the same curve, ramping up from the shop's launch."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np

from pipeline.generate.plan import Stream, rng
from pipeline.settings import WINDOW_DAYS

# Relative activity by weekday (Mon..Sun): weekends are busiest.
WEEKDAY_FACTOR = (0.92, 0.90, 0.93, 0.97, 1.05, 1.25, 1.20)
# Relative activity by month (Jan..Dec): a Black-Friday November and a holiday December.
MONTH_FACTOR = (0.85, 0.80, 0.90, 0.92, 0.95, 0.95, 0.92, 0.95, 0.95, 1.00, 1.30, 1.60)
# The business grows: activity on the last day is this many times the first day's.
GROWTH = 1.6
# Day-to-day noise (gamma, mean 1) so that the daily series is not a smooth curve.
NOISE_SHAPE = 40.0
# The window opens with the shop's launch, when it has no customers yet. Signups follow the curve from the first
# day, while the demand for orders ramps up as 1 - exp(-(day + 1) / LAUNCH_DAYS): at full demand on day one the
# first few customers would each be handed several orders a day, which no shop sees (and which would pass for a
# burst of fraud, pipeline.domain).
LAUNCH_DAYS = 60.0


def _business(seed: int, start: dt.date) -> np.ndarray:
    """Relative activity on each day of the window: weekday x month x trend x noise."""
    days = np.arange(WINDOW_DAYS)
    dates = np.datetime64(start) + days
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    trend = 1.0 + (GROWTH - 1.0) * days / (WINDOW_DAYS - 1)
    noise = rng(seed, Stream.CALENDAR, 0).gamma(NOISE_SHAPE, 1 / NOISE_SHAPE, size=WINDOW_DAYS)
    activity: np.ndarray = np.asarray(WEEKDAY_FACTOR)[weekday] * np.asarray(MONTH_FACTOR)[month] * trend * noise
    return activity


def _cumulative_share(weights: np.ndarray) -> np.ndarray:
    """Cumulative share of the total by the end of each day (last value is 1)."""
    cumulative: np.ndarray = np.cumsum(weights)
    share: np.ndarray = cumulative / cumulative[-1]
    return share


@cache
def signup_quantiles(seed: int, start: dt.date) -> np.ndarray:
    """Cumulative share of all signups made by the end of each day of the window."""
    return _cumulative_share(_business(seed, start))


@cache
def demand_quantiles(seed: int, start: dt.date) -> np.ndarray:
    """Cumulative share of all orders placed by the end of each day of the window."""
    launch = 1.0 - np.exp(-(np.arange(WINDOW_DAYS) + 1) / LAUNCH_DAYS)
    return _cumulative_share(_business(seed, start) * launch)


def _days_at(curve: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(curve, quantiles, side="right"), WINDOW_DAYS - 1)


def signup_days(seed: int, start: dt.date, quantiles: np.ndarray) -> np.ndarray:
    """Day offsets for signups at the given quantiles of the signup curve."""
    return _days_at(signup_quantiles(seed, start), quantiles)


def order_days(seed: int, start: dt.date, quantiles: np.ndarray) -> np.ndarray:
    """Day offsets for orders at the given quantiles of the demand curve: orders ids follow the calendar."""
    return _days_at(demand_quantiles(seed, start), quantiles)
