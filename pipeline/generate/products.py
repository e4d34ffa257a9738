"""products: a catalogue with log-normal prices per category and Zipf-like popularity."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from pipeline.domain import CATEGORIES
from pipeline.generate import vocab
from pipeline.generate.plan import Plan, Stream, rng

CATEGORY_WEIGHTS = (0.14, 0.16, 0.12, 0.10, 0.10, 0.09, 0.08, 0.07, 0.05, 0.09)
# Median price (dollars) and log-space sigma per category, in CATEGORIES order.
PRICE_MEDIAN = (180.0, 35.0, 60.0, 15.0, 50.0, 22.0, 25.0, 70.0, 120.0, 20.0)
PRICE_SIGMA = (0.8, 0.6, 0.8, 0.5, 0.8, 0.6, 0.7, 0.9, 1.0, 0.6)
# Pareto-tailed popularity weights: their rank-frequency curve is Zipf-like with exponent 1 / alpha.
POPULARITY_ALPHA = 1.3


@dataclass(frozen=True)
class Catalog:
    """Per-product facts that order items depend on, for products [0, n) in id order."""

    category: np.ndarray
    price_cents: np.ndarray
    popularity: np.ndarray


def _catalog_chunk(seed: int, chunk: int, start: int, stop: int) -> Catalog:
    n = stop - start
    category = rng(seed, Stream.CATEGORY, chunk).choice(len(CATEGORIES), size=n, p=CATEGORY_WEIGHTS)
    # A standard normal per product, shifted and scaled by its category's log-space median and sigma.
    z = rng(seed, Stream.PRICE, chunk).standard_normal(n)
    log_price = np.log(np.asarray(PRICE_MEDIAN))[category] + np.asarray(PRICE_SIGMA)[category] * z
    price_cents = np.maximum(1, np.rint(np.exp(log_price) * 100)).astype(np.int64)
    popularity = rng(seed, Stream.POPULARITY, chunk).pareto(POPULARITY_ALPHA, size=n) + 1.0
    return Catalog(category, price_cents, popularity)


@cache
def catalog(seed: int, scale: float) -> Catalog:
    """The whole catalogue, chunk by chunk; cached because every order chunk samples from it."""
    parts = [_catalog_chunk(seed, c, a, b) for c, (a, b) in enumerate(Plan.of(seed, scale).product_chunks())]
    return Catalog(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("category", "price_cents", "popularity")))


def generate(seed: int, scale: float, chunk: int) -> pl.DataFrame:
    start, stop = Plan.of(seed, scale).product_chunks()[chunk]
    n = stop - start
    facts = _catalog_chunk(seed, chunk, start, stop)
    nouns_per_category = len(vocab.NOUNS[CATEGORIES[0]])
    noun_table = pl.Series([noun for category in CATEGORIES for noun in vocab.NOUNS[category]])
    noun = rng(seed, Stream.NOUN, chunk).integers(0, nouns_per_category, size=n)
    brand = rng(seed, Stream.BRAND, chunk).integers(0, len(vocab.BRANDS), size=n)
    adjective = rng(seed, Stream.ADJECTIVE, chunk).integers(0, len(vocab.ADJECTIVES), size=n)
    return pl.DataFrame(
        {
            "product_id": np.arange(start + 1, stop + 1, dtype=np.int64),
            "brand": pl.Series(vocab.BRANDS).gather(brand),
            "adjective": pl.Series(vocab.ADJECTIVES).gather(adjective),
            "noun": noun_table.gather(facts.category * nouns_per_category + noun),
            "category": pl.Series(CATEGORIES).gather(facts.category),
            "price": facts.price_cents / 100,
        }
    ).select(
        "product_id",
        pl.concat_str("brand", "adjective", "noun", separator=" ").alias("name"),
        "category",
        "price",
    )
