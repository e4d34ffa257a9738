"""The data follows the laws the generators state, and a generator that breaks one of them is caught.

Every law of laws.py holds on a scale-10 lake, and fails on a lake from a deliberately wrong generator (its
constants monkeypatched here): a test that would pass whatever the generator does proves nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats

from pipeline import lake as lake_files
from pipeline.generate import baskets, calendar, customers, plan, products, vocab
from pipeline.generate.plan import Stream
from pipeline.settings import WINDOW_DAYS
from tests.support import generators
from tests.support.cli import RunCli
from tests.support.laws import LAWS, START, Frames, Verdict

SEED, SCALE = 7, 10.0  # 206,000 rows: every law has a few hundred draws or more per check


def generate(data_dir: Path) -> Frames:
    return generators.frames(data_dir, SEED, SCALE)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Frames:
    return generate(tmp_path_factory.mktemp("scale10"))


@pytest.mark.parametrize("law", LAWS.values(), ids=LAWS.keys())
def test_the_lake_follows_the_law(lake: Frames, law: Callable[[Frames], Verdict]) -> None:
    verdict = law(lake)
    assert verdict.holds, str(verdict)


# --- wrong generators -----------------------------------------------------------------------------------------


class _EvenSpread:
    """Stands in for the basket-size stream: the extra items go to the orders in turn, not at random."""

    def integers(self, low: int, high: int, size: int) -> np.ndarray:
        return np.arange(size) % high


def _even_baskets(seed: int, stream: Stream, chunk: int) -> Any:
    return _EvenSpread() if stream == Stream.BASKET_SIZE else plan.rng(seed, stream, chunk)


def _uniform_signups(seed: int, start: dt.date) -> np.ndarray:
    return np.arange(1, WINDOW_DAYS + 1) / WINDOW_DAYS


def _front_loaded_signups(seed: int, start: dt.date) -> np.ndarray:
    result: np.ndarray = stats.beta(1.0, 1.6).cdf(np.arange(1, WINDOW_DAYS + 1) / WINDOW_DAYS)
    return result


_eligibility = baskets._eligibility


def _everyone_eligible(seed: int, scale: float, start: dt.date) -> Any:
    """Every customer may be drawn from the first day on, whenever they signed up."""
    eligible = _eligibility(seed, scale, start)
    signed_up = np.full_like(eligible.signed_up_by_day, eligible.signed_up_by_day[-1])
    return replace(eligible, signed_up_by_day=signed_up)


Patch = tuple[ModuleType, str, Any]
# The law each wrong generator breaks, and how it is wrong: (module, attribute, the wrong value).
WRONG: dict[str, tuple[Callable[[Frames], Verdict], list[Patch]]] = {
    "one-price-median-for-every-category": (LAWS["prices"], [(products, "PRICE_MEDIAN", (45.0,) * 10)]),
    "popularity-tail-twice-as-thin": (LAWS["popularity"], [(products, "POPULARITY_ALPHA", 2.6)]),
    "uniform-signup-timing": (LAWS["signup_days"], [(calendar, "signup_quantiles", _uniform_signups)]),
    # The generator before issue 24: signups front-loaded, falling while the orders grow.
    "signups-front-loaded": (LAWS["signup_days"], [(calendar, "signup_quantiles", _front_loaded_signups)]),
    "uniform-email-domains": (LAWS["email_domains"], [(vocab, "EMAIL_DOMAIN_WEIGHTS", (1 / 7,) * 7)]),
    "propensity-shape-doubled": (LAWS["orders_per_customer"], [(customers, "PROPENSITY_SHAPE", 1.2)]),
    # Gamma(k, 1/k) tends to the constant 1 as k grows.
    "constant-propensity": (LAWS["orders_per_customer"], [(customers, "PROPENSITY_SHAPE", 1e9)]),
    "everyone-may-order": (LAWS["orders_per_customer"], [(customers, "NEVER_ORDERS_SHARE", 0.0)]),
    # Late signups as busy as the first: their orders placed before they signed up.
    "orders-ignore-signup-dates": (LAWS["orders_by_signup"], [(baskets, "_eligibility", _everyone_eligible)]),
    # Saturday and Sunday demand 1.125 and 1.10 instead of 1.25 and 1.20: half the excess over 1.
    "weekend-effect-halved": (
        LAWS["weekend_effect"],
        [(calendar, "WEEKDAY_FACTOR", (0.92, 0.90, 0.93, 0.97, 1.05, 1.125, 1.10))],
    ),
    "no-holiday-season": (
        LAWS["december_effect"],
        [(calendar, "MONTH_FACTOR", (0.85, 0.80, 0.90, 0.92, 0.95, 0.95, 0.92, 0.95, 0.95, 1.00, 1.00, 1.00))],
    ),
    "growth-halved": (LAWS["growth"], [(calendar, "GROWTH", 1.3)]),
    # A ramp this short is over on the first day: full demand from the launch on.
    "no-launch-ramp": (LAWS["launch"], [(calendar, "LAUNCH_DAYS", 1e-9)]),
    "items-spread-evenly": (LAWS["items_per_order"], [(baskets, "rng", _even_baskets)]),
    "quantity-per-line-mean-tripled": (LAWS["quantities"], [(baskets, "QUANTITY_EXTRA_MEAN", 3 * 0.35)]),
    "uniform-payment-methods": (LAWS["payment_methods"], [(baskets, "PAYMENT_METHOD_WEIGHTS", (1 / 3,) * 3)]),
    # The methods' mean lag weighted by their shares (0.561 days), for every method.
    "one-payment-lag-for-all-methods": (LAWS["payment_lags"], [(baskets, "PAYMENT_LAG_MEAN_DAYS", (0.561,) * 3)]),
}


@pytest.mark.parametrize(("law", "patches"), WRONG.values(), ids=WRONG.keys())
def test_a_wrong_generator_breaks_the_law(
    law: Callable[[Frames], Verdict], patches: list[Patch], tmp_path: Path
) -> None:
    with pytest.MonkeyPatch.context() as wrong:
        for module, attribute, value in patches:
            wrong.setattr(module, attribute, value)
        wrong_lake = generate(tmp_path)
    # Judged by the stated law: the constants the law reads are the right ones again.
    verdict = law(wrong_lake)
    assert not verdict.holds, f"the wrong generator passes: {verdict}"


def test_every_law_has_a_wrong_generator() -> None:
    assert {law for law, _ in WRONG.values()} == set(LAWS.values())


# --- exact by construction ----------------------------------------------------------------------------------------


def test_counts_per_order_and_customer_are_exact(lake: Frames) -> None:
    per_order = lake["order_items"].group_by("order_id").len()["len"]
    assert per_order.min() >= 1
    assert per_order.sum() / per_order.len() == 2.5  # exactly 10,000 / 4,000 items per order
    assert lake["orders"].height / lake["customers"].height == 2.0


def test_signups_grow_with_the_business(lake: Frames) -> None:
    quarter = lake["customers"]["signup_date"].dt.truncate("1q")
    first, last = (quarter == quarter.min()).sum(), (quarter == quarter.max()).sum()
    assert last >= first, f"{last} signups in the window's last quarter, {first} in its first"


def test_customer_ids_follow_signup_dates(lake: Frames) -> None:
    customers = lake["customers"].sort("customer_id")
    assert customers["signup_date"].is_sorted()
    assert customers["signup_date"][0] == START


def test_names_and_emails_look_real(lake: Frames) -> None:
    customers = lake["customers"]
    assert customers["email"].n_unique() == customers.height
    assert customers["first_name"].n_unique() > 300
    assert customers["email"].str.contains(r"^[a-z]+[._]?[a-z]+\d+@[a-z]+\.[a-z]+$").all()
    assert lake["products"]["name"].str.split(" ").list.len().min() >= 3


def test_end_date_moves_the_window(run_cli: RunCli, tmp_path: Path) -> None:
    # A window that ends elsewhere keeps every date inside it.
    assert run_cli("generate", "--data-dir", tmp_path, "--scale", "0.2", "--end-date", "2020-06-30").status == 0
    orders = pl.read_parquet(lake_files.lake_files(tmp_path / "lake", "orders"))
    assert orders["order_date"].min() >= dt.date(2017, 7, 1)
    assert orders["order_date"].max() <= dt.date(2020, 6, 30)
