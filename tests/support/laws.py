"""The generators' stated laws as statistical tests: each gives a statistic and the bound it must stay below.

Each bound comes from the law (the constants of pipeline/generate/) and the sample size: a z statistic uses the
standard error the law implies for that many draws and must stay within Z_BOUND; a goodness-of-fit statistic
(chi-square, Kolmogorov-Smirnov) must stay below the quantile its distribution under the law exceeds with
probability TAIL for that sample size. Data drawn from the law fails a check with probability about 1e-6,
whatever the seed, while each wrong generator the tests plant moves its statistic well beyond the bound.
Anomalous orders are left out where they are planted on purpose to break the law they are measured against.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from pipeline.domain import CATEGORIES, PAYMENT_METHODS
from pipeline.generate import baskets, calendar, customers, products, vocab
from pipeline.settings import WINDOW_DAYS, Settings

Frames = dict[str, pl.DataFrame]

TAIL = 1e-6  # the chance that data drawn from the law fails one goodness-of-fit check
Z_BOUND = 5.0  # the two-sided normal tail beyond it is 5.7e-7
START = Settings(workers=1).start_date  # the tests generate with the default window


@dataclass(frozen=True)
class Verdict:
    """A statistic (a z score, a distance) whose size must stay below ``bound``."""

    law: str
    statistic: float
    bound: float

    @property
    def used(self) -> float:
        """The share of the bound the statistic uses up: the law fails at 1 or more."""
        return abs(self.statistic) / self.bound

    @property
    def holds(self) -> bool:
        return self.used < 1

    def __str__(self) -> str:
        return f"{self.law}: {self.statistic:.4g} against the bound {self.bound:.4g} ({self.used:.0%} of it)"


def z_verdict(law: str, z: float) -> Verdict:
    return Verdict(law, z, Z_BOUND)


def chi_square(law: str, counts: np.ndarray, shares: np.ndarray) -> Verdict:
    """Counts per category against the stated shares: Pearson's statistic below its chi-square quantile."""
    expected = shares * counts.sum()
    statistic = float(((counts - expected) ** 2 / expected).sum())
    return Verdict(f"{law} (chi-square, n={counts.sum()})", statistic, float(stats.chi2.isf(TAIL, counts.size - 1)))


def kolmogorov(law: str, distance: float, n: int) -> Verdict:
    """A Kolmogorov-Smirnov distance against a fully stated distribution, below its quantile for n draws
    (conservative for a discrete distribution)."""
    return Verdict(f"{law} (KS distance, n={n})", distance, float(stats.kstwo.isf(TAIL, n)))


def worst(verdicts: list[Verdict]) -> Verdict:
    """One verdict for a family of checks (one per category, per method): the one nearest to, or most beyond,
    its bound."""
    return max(verdicts, key=lambda v: v.used)


def _normal_orders(lake: Frames, *kinds: str) -> pl.DataFrame:
    """Orders not labelled with one of ``kinds`` (all labelled orders if none is given)."""
    labels = lake["labels"] if not kinds else lake["labels"].filter(pl.col("kind").is_in(kinds))
    return lake["orders"].join(labels, on="order_id", how="anti")


# --- products ---------------------------------------------------------------------------------------------------


def prices(lake: Frames) -> Verdict:
    """Within each category, log(price) is normal with that category's stated median and sigma: a KS test
    against the stated distribution itself (nothing estimated from the data). Every category has a few hundred
    products at scale 10; prices are rounded to the cent, far below the resolution of the test."""
    verdicts = []
    for index, category in enumerate(CATEGORIES):
        price = lake["products"].filter(pl.col("category") == category)["price"].to_numpy()
        z = (np.log(price) - math.log(products.PRICE_MEDIAN[index])) / products.PRICE_SIGMA[index]
        verdicts.append(kolmogorov(f"log-normal prices of {category}", stats.kstest(z, "norm").statistic, price.size))
    return worst(verdicts)


def popularity(lake: Frames) -> Verdict:
    """Product weights are Pareto with tail index POPULARITY_ALPHA, so the best sellers' sales are too: the Hill
    estimate over the top K sellers has standard error alpha / sqrt(K). K = 200 keeps the K-th seller at ~50 sales
    at scale 10, where the Poisson noise of a count no longer bends the tail."""
    top = 200
    sold = np.sort(lake["order_items"].group_by("product_id").len()["len"].to_numpy())[::-1]
    hill = top / np.log(sold[:top] / sold[top]).sum()
    alpha = products.POPULARITY_ALPHA
    return z_verdict(
        f"Pareto tail of sales (Hill alpha {hill:.3f}, stated {alpha})", (hill - alpha) / (alpha / math.sqrt(top))
    )


# --- customers --------------------------------------------------------------------------------------------------


def email_domains(lake: Frames) -> Verdict:
    """Domain counts against the stated weights: chi-square goodness of fit."""
    domain = lake["customers"]["email"].str.extract(r"@(.+)$")
    counts = np.array([(domain == d).sum() for d in vocab.EMAIL_DOMAINS])
    return chi_square("email domain weights", counts, np.asarray(vocab.EMAIL_DOMAIN_WEIGHTS))


def _exposure(lake: Frames, orders: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's signup day and exposure e: the orders a buyer of propensity 1 who signed up that day is
    expected to place, sum over days d >= s of orders(d) / ((1 - z) signed_up(d)) (the day's orders shared by the
    propensity of everyone signed up, mean 1 - z each, z = NEVER_ORDERS_SHARE)."""
    z = customers.NEVER_ORDERS_SHARE
    signup = (lake["customers"]["signup_date"] - START).dt.total_days().to_numpy()
    per_day = np.bincount((orders["order_date"] - START).dt.total_days().to_numpy(), minlength=WINDOW_DAYS)
    signed_up = np.searchsorted(np.sort(signup), np.arange(WINDOW_DAYS), side="right")
    share = np.where(signed_up > 0, per_day / np.maximum((1 - z) * signed_up, 1), 0.0)
    return signup, np.cumsum(share[::-1])[::-1][signup]  # sum over days >= signup


def orders_per_customer(lake: Frames) -> Verdict:
    """Orders per customer: a share z (NEVER_ORDERS_SHARE) of customers never orders; the others are Poisson given
    a Gamma(shape k, mean 1) propensity, among the customers signed up by each order's day. A buyer of exposure e
    (_exposure) has no order with probability (1 + e / k)^-k, so P(no order) = z + (1 - z) (1 + e / k)^-k; the
    number of customers without an order is a sum of such Bernoullis with variance sum p(1 - p). A larger shape,
    a constant propensity (k -> infinity, Poisson) or no never-ordering share leaves fewer customers without an
    order. Bursts go to whichever new account, so anomalous orders are left out."""
    k, z = customers.PROPENSITY_SHAPE, customers.NEVER_ORDERS_SHARE
    orders = _normal_orders(lake)
    signup, exposure = _exposure(lake, orders)
    p_none = z + (1 - z) * (1 + exposure / k) ** -k
    buyers = orders["customer_id"].n_unique()
    observed = signup.size - buyers
    z_score = (observed - p_none.sum()) / math.sqrt((p_none * (1 - p_none)).sum())
    return z_verdict(
        f"customers without an order, {z:.0%} never ordering, Gamma shape {k} ({observed} of {signup.size})", z_score
    )


def orders_by_signup(lake: Frames) -> Verdict:
    """Recent signups have fewer orders, having had less time (what the cohort charts show): the mean orders of
    the customers who signed up in the window's last year over that of its first year's, against the ratio of
    their expected orders. A customer of exposure e (_exposure) expects m = (1 - z) e orders with variance
    (1 - z) (e + e^2 / k) + z (1 - z) e^2 (never ordering with probability z, else Poisson-gamma); the ratio's
    relative standard error follows from those of the two means."""
    k, z = customers.PROPENSITY_SHAPE, customers.NEVER_ORDERS_SHARE
    orders = _normal_orders(lake)
    signup, exposure = _exposure(lake, orders)
    count = np.bincount(orders["customer_id"].to_numpy() - 1, minlength=signup.size)
    expected = (1 - z) * exposure
    variance = (1 - z) * (exposure + exposure**2 / k) + z * (1 - z) * exposure**2
    late, early = signup >= WINDOW_DAYS - 365, signup < 365
    observed = count[late].mean() / count[early].mean()
    stated = expected[late].mean() / expected[early].mean()
    relative_error = math.sqrt(sum(variance[group].sum() / expected[group].sum() ** 2 for group in (late, early)))
    return z_verdict(
        f"mean orders of the last / first year's signups ({observed:.3f}, stated {stated:.3f})",
        (observed / stated - 1) / relative_error,
    )


# --- signups and orders over time -------------------------------------------------------------------------------

FACTORS = ("weekday", "month", "trend", "launch")


def _daily(dates: pl.Series, *, launch: bool) -> pl.DataFrame:
    """Events per day of the window (``len``) with the day's stated factors: weekday, month, trend and, for
    orders, the launch ramp (1 for signups, which follow the curve from the first day)."""
    days = pl.DataFrame({"date": pl.date_range(START, START + dt.timedelta(days=WINDOW_DAYS - 1), eager=True)})
    counts = dates.alias("date").to_frame().group_by("date").len()
    offset = np.arange(WINDOW_DAYS)
    ramp = 1.0 - np.exp(-(offset + 1) / calendar.LAUNCH_DAYS) if launch else np.ones(WINDOW_DAYS)
    return (
        days.join(counts, on="date", how="left")
        .with_columns(pl.col("len").fill_null(0))
        .with_columns(
            weekday=pl.Series(np.asarray(calendar.WEEKDAY_FACTOR)[days["date"].dt.weekday().to_numpy() - 1]),
            month=pl.Series(np.asarray(calendar.MONTH_FACTOR)[days["date"].dt.month().to_numpy() - 1]),
            trend=pl.Series(1.0 + (calendar.GROWTH - 1.0) * offset / (WINDOW_DAYS - 1)),
            launch=pl.Series(ramp),
            day=pl.Series(offset),
        )
    )


# (words, the days compared, against which days, the stated factor that makes them differ)
_WEEKDAY = pl.col("date").dt.weekday()
_MONTH = pl.col("date").dt.month()
RATIOS = {
    "weekend": ("weekend / Monday-Thursday", _WEEKDAY >= 6, _WEEKDAY <= 4, "weekday"),
    "december": ("December / March-May", _MONTH == 12, _MONTH.is_between(3, 5), "month"),
    "growth": ("last / first year's", pl.col("day") >= WINDOW_DAYS - 365, pl.col("day") < 365, "trend"),
    "launch": (
        "first 60 days' / the second year's",
        pl.col("day") < 60,
        pl.col("day").is_between(365, 729),
        "launch",
    ),
}


# Each day's activity is multiplied by Gamma(NOISE_SHAPE) noise of mean 1, so a mean over n days of counts divided
# by the day's other stated factors has a relative standard error of sqrt(1 / NOISE_SHAPE / n). Signups and orders
# are placed at stratified quantiles of their curves, so their own counting noise is far smaller.
def _ratio(daily: pl.DataFrame, ratio: str, what: str) -> Verdict:
    """z of (mean of count / the other factors over the compared days) / (the same over the others) against the
    ratio of the stated factor over those days."""
    words, top, bottom, factor = RATIOS[ratio]
    others = math.prod((pl.col(f) for f in FACTORS if f != factor), start=pl.lit(1.0))
    normalized = daily.with_columns(y=pl.col("len") / others)
    a, b = normalized.filter(top), normalized.filter(bottom)
    observed = a["y"].mean() / b["y"].mean()
    stated = a[factor].mean() / b[factor].mean()
    relative_error = math.sqrt((1 / a.height + 1 / b.height) / calendar.NOISE_SHAPE)
    return z_verdict(f"{words} {what} ({observed:.3f}, stated {stated:.3f})", (observed / stated - 1) / relative_error)


def signup_days(lake: Frames) -> Verdict:
    """Signups follow the business curve, with the orders' weekday, month and growth factors (the worst of the
    three ratios)."""
    daily = _daily(lake["customers"]["signup_date"], launch=False)
    return worst([_ratio(daily, ratio, "signups") for ratio in ("weekend", "december", "growth")])


def _order_ratio(lake: Frames, ratio: str) -> Verdict:
    return _ratio(_daily(lake["orders"]["order_date"], launch=True), ratio, "orders")


def weekend_effect(lake: Frames) -> Verdict:
    return _order_ratio(lake, "weekend")


def december_effect(lake: Frames) -> Verdict:
    return _order_ratio(lake, "december")


def growth(lake: Frames) -> Verdict:
    return _order_ratio(lake, "growth")


def launch(lake: Frames) -> Verdict:
    """Orders ramp up from the shop's launch as 1 - exp(-(day + 1) / LAUNCH_DAYS)."""
    return _order_ratio(lake, "launch")


# --- baskets and payments ---------------------------------------------------------------------------------------


def items_per_order(lake: Frames) -> Verdict:
    """1 + the extra items spread uniformly over the orders: the extras per order are Binomial(extra, 1 / n),
    of variance lam (1 - 1/n) with lam = extra / n; the sample variance of Poisson-like counts has standard
    error sqrt((mu4 - sigma^4) / n) = sqrt(lam (1 + 3 lam) - lam^2) / sqrt(n) (Poisson moments)."""
    per_order = lake["order_items"].group_by("order_id").len()["len"].to_numpy()
    n = per_order.size
    lam = per_order.sum() / n - 1
    se = math.sqrt((lam * (1 + 3 * lam) - lam**2) / n)
    return z_verdict(
        f"variance of items per order ({per_order.var():.4f}, n={n})", (per_order.var() - lam * (1 - 1 / n)) / se
    )


def quantities(lake: Frames) -> Verdict:
    """Units per line = 1 + Poisson(QUANTITY_EXTRA_MEAN), lines of extreme-amount orders left out: chi-square
    goodness of fit over 0, 1, 2, 3, 4 and more extra units."""
    lines = lake["order_items"].join(
        lake["labels"].filter(pl.col("kind") == "extreme_amount"), on="order_id", how="anti"
    )
    extra = np.minimum(lines["quantity"].to_numpy() - 1, 4)
    counts = np.bincount(extra, minlength=5)
    law = stats.poisson(baskets.QUANTITY_EXTRA_MEAN)
    shares = np.append(law.pmf(np.arange(4)), law.sf(3))
    return chi_square(f"units per line 1 + Poisson({baskets.QUANTITY_EXTRA_MEAN})", counts, shares)


def payment_methods(lake: Frames) -> Verdict:
    methods = lake["payments"]["payment_method"]
    counts = np.array([(methods == m).sum() for m in PAYMENT_METHODS])
    return chi_square("payment method weights", counts, np.asarray(baskets.PAYMENT_METHOD_WEIGHTS))


def payment_lags(lake: Frames) -> Verdict:
    """Days from order to payment are Poisson with each method's stated mean: the mean lag of n payments has
    standard error sqrt(mean / n). Late payments (planted) are left out, and so are orders of the window's last
    30 days, whose lag is cut at the window's end."""
    end = lake["orders"]["order_date"].max()
    paid = (
        _normal_orders(lake, "late_payment")
        .filter(pl.col("order_date") <= end - pl.duration(days=30))
        .join(lake["payments"], on="order_id")
        .with_columns(lag=(pl.col("payment_date") - pl.col("order_date")).dt.total_days())
    )
    verdicts = []
    for method, mean in zip(PAYMENT_METHODS, baskets.PAYMENT_LAG_MEAN_DAYS, strict=True):
        lag = paid.filter(pl.col("payment_method") == method)["lag"]
        z = (lag.mean() - mean) / math.sqrt(mean / lag.len())
        verdicts.append(z_verdict(f"{method} payment lag ({lag.mean():.3f} days, stated {mean}, n={lag.len()})", z))
    return worst(verdicts)


LAWS = {
    law.__name__: law
    for law in (
        prices,
        popularity,
        signup_days,
        email_domains,
        orders_per_customer,
        orders_by_signup,
        weekend_effect,
        december_effect,
        growth,
        launch,
        items_per_order,
        quantities,
        payment_methods,
        payment_lags,
    )
}
