"""When orders happen: daily demand over the window with weekly and yearly seasonality, growth and noise."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np

from pipeline.generate.plan import Stream, rng
from pipeline.settings import WINDOW_DAYS

# Relative demand by weekday (Mon..Sun): weekends are busiest.
WEEKDAY_FACTOR = (0.92, 0.90, 0.93, 0.97, 1.05, 1.25, 1.20)
# Relative demand by month (Jan..Dec): a Black-Friday November and a holiday December.
MONTH_FACTOR = (0.85, 0.80, 0.90, 0.92, 0.95, 0.95, 0.92, 0.95, 0.95, 1.00, 1.30, 1.60)
# The business grows: demand on the last day is this many times the first day's.
GROWTH = 1.6
# Day-to-day noise (gamma, mean 1) so that the daily series is not a smooth curve.
NOISE_SHAPE = 40.0


@cache
def demand_quantiles(seed: int, start: dt.date) -> np.ndarray:
    """Cumulative share of all orders placed by the end of each day of the window (last value is 1)."""
    days = np.arange(WINDOW_DAYS)
    dates = np.datetime64(start) + days
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    trend = 1.0 + (GROWTH - 1.0) * days / (WINDOW_DAYS - 1)
    noise = rng(seed, Stream.CALENDAR, 0).gamma(NOISE_SHAPE, 1 / NOISE_SHAPE, size=WINDOW_DAYS)
    weights = np.asarray(WEEKDAY_FACTOR)[weekday] * np.asarray(MONTH_FACTOR)[month] * trend * noise
    cumulative: np.ndarray = np.cumsum(weights)
    quantiles: np.ndarray = cumulative / cumulative[-1]
    return quantiles


def order_days(seed: int, start: dt.date, quantiles: np.ndarray) -> np.ndarray:
    """Day offsets for orders at the given quantiles of the demand curve: orders ids follow the calendar."""
    return np.minimum(np.searchsorted(demand_quantiles(seed, start), quantiles, side="right"), WINDOW_DAYS - 1)
