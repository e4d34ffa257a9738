"""Generation on Spark: one Spark task per chunk, each running the same ``chunks.run_task`` as one machine does.

A task generates its chunk from the chunk's addressed random streams, validates it against the pandera
models and writes its part files (and labels) straight into the output directory, which therefore has to be
storage that every executor and the driver see at the same path. Only the small per-chunk results (row
counts, content digests, labels) travel back to the driver, which checks the counts against the plan.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from pipeline.chunks import LakeSummary, run_task, summarize
from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Job, tasks

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def generate_on_spark(spark: SparkSession, job: Job, plan: Plan) -> LakeSummary:
    """Write every chunk of ``plan`` under ``job.lake_dir``, one Spark task each, biggest chunks first."""
    todo = tasks(plan)
    # One element per partition: Spark schedules each chunk as its own task, in this order.
    chunks = spark.sparkContext.parallelize(todo, numSlices=len(todo))
    return summarize(plan, chunks.map(partial(run_task, job)).collect())
