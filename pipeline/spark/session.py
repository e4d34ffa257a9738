"""The Spark session: checked prerequisites, local or cluster master, nothing downloaded, cancellable work.

``python -m pipeline spark ...`` starts its own JVM in local mode (``--master local[N]``, default every core) or
connects to a cluster (``--master spark://...``, ``yarn``, ``k8s://...``); under ``spark-submit`` the master
and the rest come from spark-submit. No ``spark.jars.packages``: Spark never resolves anything with Ivy.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import cancel
from pipeline.errors import UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
INSTALL_HINT = (
    "install the spark extra (`uv sync --locked --extra spark`, or `just install --extra spark`) "
    "and a Java 17 runtime (Debian: `apt-get install openjdk-17-jre-headless`)"
)


def require_spark() -> None:
    """pyspark and a Java runtime, or a usage error that says how to install them (before any JVM starts)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        msg = f"the spark commands need pyspark, which is not installed: {INSTALL_HINT}"
        raise UsageError(msg) from None
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and (Path(java_home) / "bin" / "java").is_file()) and shutil.which("java") is None:
        msg = f"the spark commands need a Java 17 runtime: no java on PATH and no JAVA_HOME; {INSTALL_HINT}"
        raise UsageError(msg)


def _under_spark_submit() -> bool:
    # spark-submit starts the Python driver with the port of the JVM it already runs.
    return "PYSPARK_GATEWAY_PORT" in os.environ


@contextmanager
def spark_session(master: str | None, scratch: Path, java_options: Sequence[str] = ()) -> Iterator[SparkSession]:
    """A session for one command; stopped afterwards unless it was already running (the test run's session).

    ``scratch`` holds Spark's warehouse directory, which would otherwise appear in the working directory.
    ``java_options`` go to the JVM that a local master starts here (the test run's tunes its compiler and collector).
    """
    require_spark()
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("ecom-pipeline")
    builder = builder.config("spark.sql.session.timeZone", "UTC").config("spark.ui.showConsoleProgress", "false")
    builder = builder.config("spark.sql.warehouse.dir", str(scratch / "spark-warehouse"))
    if master is None and not _under_spark_submit():
        master = DEFAULT_MASTER
    if master is not None:
        builder = builder.master(master)
    local = master is not None and master.startswith("local")
    if local:
        # One machine: the Python workers are this interpreter (with this package), the UI is not needed, and
        # the JVM that pyspark starts here takes the quiet log configuration.
        builder = builder.config("spark.ui.enabled", "false")
        options = [f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}", *java_options]
        builder = builder.config("spark.driver.extraJavaOptions", " ".join(options))
        # pyspark starts its local workers with $PYSPARK_PYTHON (default: whatever python3 is on PATH).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # There is no public way to ask whether a session runs already; getOrCreate would silently reuse it.
    running = SparkContext._active_spark_context is not None
    spark = builder.getOrCreate()
    if local:
        # Spark's default of 200 shuffle partitions is sized for clusters: on one machine each query would run
        # hundreds of tiny tasks (measured: the queries at scale 1 take twice as long as with one per core).
        spark.conf.set("spark.sql.shuffle.partitions", str(spark.sparkContext.defaultParallelism))
    try:
        with cancel.interruptible(spark.sparkContext.cancelAllJobs):
            yield spark
    finally:
        if not running:
            spark.stop()
