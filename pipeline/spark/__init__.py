"""The pipeline on Spark (the ``spark`` extra): generation as one Spark task per chunk, ``queries/*.sql`` as Spark SQL.

Nothing here is imported unless a ``spark`` command runs, so the default install never needs pyspark or Java.
"""
