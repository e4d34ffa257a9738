"""`spark generate`: one Spark task per chunk writes, file for file and byte for byte, the lake of one `generate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from tests.pipeline.generate.test_partitions import files_of
from tests.support.cli import RunCli

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def last_job_tasks(spark: SparkSession) -> int:
    """Tasks of the last Spark job, as Spark's own status tracker counted them."""
    tracker = spark.sparkContext.statusTracker()
    job = tracker.getJobInfo(max(tracker.getJobIdsForGroup()))
    assert job is not None
    return sum(stage.numTasks for stage in map(tracker.getStageInfo, job.stageIds) if stage is not None)


def spark_generate(run_cli: RunCli, output: Path, data_dir: Path, *options: str) -> str:
    outcome = run_cli("spark", "generate", "--output", output, "--master", "local[2]", "--data-dir", data_dir, *options)
    assert outcome.status == 0, outcome.err
    return outcome.out


def test_scale_1_on_spark_is_the_lake_of_one_generate(
    spark: SparkSession, scale1: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    out = spark_generate(run_cli, tmp_path / "lake", tmp_path / "data")
    assert last_job_tasks(spark) == 3  # customers, products, orders: one chunk each
    assert files_of(tmp_path / "lake") == files_of(scale1 / "lake")
    hashes = json.loads((scale1 / "manifest.json").read_text())["lake"]["content_hashes"]
    assert all(digest[:16] in out for digest in hashes.values())


def test_several_chunks_of_a_table_on_spark_are_the_lake_of_one_generate(
    spark: SparkSession, run_cli: RunCli, tmp_path: Path
) -> None:
    """Scale 25.5: 102,000 orders make two order chunks (100,000 + 2,000); another seed and anomaly rate."""
    options = ("--scale", "25.5", "--seed", "7", "--anomaly-rate", "0.02")
    assert run_cli("generate", "--data-dir", tmp_path / "single", "--workers", "1", *options).status == 0
    spark_generate(run_cli, tmp_path / "lake", tmp_path / "data", *options)
    assert last_job_tasks(spark) == 4
    single = files_of(tmp_path / "single" / "lake")
    assert sorted(name for name in single if name.startswith("orders/")) == [
        "orders/part-00000.parquet",
        "orders/part-00001.parquet",
    ]
    assert files_of(tmp_path / "lake") == single
