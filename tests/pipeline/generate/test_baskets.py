"""The searches that draw customers and products give NumPy's positions whatever the order of the picks."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.generate.baskets import _positions

pytestmark = pytest.mark.fast


def test_sorted_searches_give_numpy_s_positions_in_the_picks_order() -> None:
    generator = np.random.default_rng(7)
    cumulative = np.cumsum(generator.integers(0, 4, size=5_000).astype(np.float64))  # repeated values: zero weights
    picks = np.concatenate(
        [
            generator.random(20_000) * cumulative[-1],
            cumulative[generator.integers(0, cumulative.size, size=2_000)],  # exact hits: "right" means past them
            [0.0, cumulative[-1], cumulative[-1] + 1.0, -1.0],
        ]
    )
    generator.shuffle(picks)
    assert np.array_equal(_positions(cumulative, picks), np.searchsorted(cumulative, picks, side="right"))
