"""How numbers read on the dashboard: thousands separators, money to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

NOTHING = "n/a"  # shown where a value does not exist (no seed for a loaded export, no orders for an average)


def count(value: int) -> str:
    return f"{value:,}"


def cents(amount: float) -> int:
    """An amount of money in whole cents (amounts are stored rounded to the cent)."""
    return int(Decimal(repr(amount)).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP))


def money(amount: float) -> str:
    total = cents(amount)
    sign = "-" if total < 0 else ""
    return f"{sign}${abs(total) // 100:,}.{abs(total) % 100:02d}"


def average(total_cents: int, how_many: int) -> float:
    """``total_cents / how_many`` in currency units, rounded to the cent half away from zero, as the queries do."""
    exact = Decimal(total_cents) / Decimal(how_many)
    return float(exact.quantize(Decimal(1), ROUND_HALF_UP) / 100)


def percent(share: float, digits: int = 1) -> str:
    return f"{share * 100:.{digits}f}%"


def day(value: dt.date) -> str:
    return value.isoformat()


def period(start: dt.date, end: dt.date) -> str:
    days = (end - start).days + 1
    return f"{day(start)} to {day(end)} ({count(days)} day{'s' if days != 1 else ''})"


# Metrics and axes show money and counts compactly from here up: three significant digits and a suffix.
COMPACT_FROM = 10_000
SUFFIXES = {3: "K", 6: "M", 9: "B"}  # by power of ten; beyond billions the mantissa grows (1,230B)


def _three_digits(value: Decimal) -> Decimal:
    """``value`` rounded half up to three significant digits, which a carry may move up a power (999,999 -> 1.00E+6)."""
    rounded = value.quantize(Decimal(1).scaleb(value.adjusted() - 2), ROUND_HALF_UP)
    return rounded.quantize(Decimal(1).scaleb(rounded.adjusted() - 2), ROUND_HALF_UP)


def _compact(value: float, prefix: str, *, trim: bool) -> str:
    """``value`` (|value| >= COMPACT_FROM) as 1.14B, 4.00M, 12.3K; trimmed of trailing zeros: 4M."""
    rounded = _three_digits(Decimal(repr(abs(value))))
    power = min(3 * (rounded.adjusted() // 3), max(SUFFIXES))
    mantissa = rounded.scaleb(-power)
    return f"{'-' if value < 0 else ''}{prefix}{mantissa.normalize() if trim else mantissa:,f}{SUFFIXES[power]}"


def compact_count(value: float, *, trim: bool = False) -> str:
    """A count for a metric: in full below COMPACT_FROM, else 12.3K, 4.00M, 1.14B (``trim``: 4M, for an axis)."""
    if abs(value) < COMPACT_FROM:
        return f"{value:,g}"
    return _compact(value, "", trim=trim)


def compact_money(amount: float, *, trim: bool = False) -> str:
    """Money for a metric: to the cent below COMPACT_FROM, else $12.3K, $4.00M, $1.14B (``trim``: $4M, and below
    COMPACT_FROM no trailing cents, for an axis)."""
    if abs(amount) < COMPACT_FROM:
        return f"{'-' if amount < 0 else ''}${abs(amount):,g}" if trim else money(amount)
    return _compact(amount, "$", trim=trim)
