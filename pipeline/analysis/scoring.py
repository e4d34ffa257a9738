"""How well the anomaly query finds the planted anomalies: precision and recall against the labels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.errors import UsageError

ALL_KINDS = "all"


@dataclass(frozen=True)
class Score:
    kind: str  # an anomaly kind, or "all" (any flag vs any label, whatever the kind)
    labelled: int
    flagged: int
    true_positives: int

    @property
    def precision(self) -> float:
        # Nothing flagged means nothing flagged wrongly.
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labelled if self.labelled else 1.0

    def line(self) -> str:
        return (
            f"{self.kind:<17} precision {self.precision:6.1%}  recall {self.recall:6.1%}  "
            f"({self.true_positives} of {self.flagged} flagged, {self.labelled} labelled)"
        )


def read_labels(path: Path) -> pl.DataFrame:
    if not path.exists():
        msg = f"no anomaly labels at {path}; run `just generate` (or `just run`) first"
        raise UsageError(msg)
    return pl.read_parquet(path).select(pl.col("order_id"), pl.col("kind").cast(pl.String))


def score(flagged: pl.DataFrame, labels: pl.DataFrame) -> list[Score]:
    """Per kind (a flag counts only under the kind it is labelled with), then over all kinds.

    ``flagged`` and ``labels`` both have the columns order_id and kind, one row per order.
    """
    flagged = flagged.select("order_id", pl.col("kind").cast(pl.String))
    labels = labels.select("order_id", pl.col("kind").cast(pl.String))
    kinds = sorted(set(labels["kind"]) | set(flagged["kind"]))
    scores = []
    for kind in kinds:
        mine, truth = flagged.filter(pl.col("kind") == kind), labels.filter(pl.col("kind") == kind)
        hits = mine.join(truth, on="order_id", how="semi").height
        scores.append(Score(kind, truth.height, mine.height, hits))
    hits = flagged.join(labels, on="order_id", how="semi").height
    scores.append(Score(ALL_KINDS, labels.height, flagged.height, hits))
    return scores
