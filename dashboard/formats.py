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
