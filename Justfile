# E-commerce data platform: `just` lists the recipes; each is a thin call of `python -m pipeline`.

set positional-arguments

# Use the project's virtual environment when there is one (the README's set-up creates .venv).
export PATH := justfile_directory() / ".venv/bin" + ":" + env_var("PATH")

# List the recipes
default:
    @just --list --unsorted

# Install the project with its locked dependencies into .venv (uv.lock; `--extra spark` for Spark)
install *args:
    @python3 -m uv sync --locked "$@"

# The whole pipeline: generate, validate, load (with marts), analyze, profile (e.g. `just run --scale 10 --no-profile`)
run *args:
    @python -m pipeline run "$@"

# Generate the Parquet lake and anomaly labels (e.g. `just generate --scale 0.5 --seed 7`)
generate *args:
    @python -m pipeline generate "$@"

# Validate the lake or a directory of CSV/Parquet files (e.g. `just validate --source export --format csv`)
validate *args:
    @python -m pipeline validate "$@"

# Validate, then build the SQLite warehouse (e.g. `just load --source export --format csv`)
load *args:
    @python -m pipeline load "$@"

# Run the analyses in queries/ and write data/analysis/<query>.parquet (e.g. `just analyze --query top_products --param limit=20`)
analyze *args:
    @python -m pipeline analyze "$@"

# Generate the lake on Spark, one task per chunk (spark extra + Java 17; e.g. `just spark-generate --scale 10 --output /shared/lake`)
spark-generate *args:
    @python -m pipeline spark generate "$@"

# Run queries/*.sql on Spark SQL over a lake -> data/analysis-spark/<query>.parquet (e.g. `just spark-analyze --source /shared/lake`)
spark-analyze *args:
    @python -m pipeline spark analyze "$@"

# DuckDB shell over the lake (views) and the warehouse (read-only, as wh); `just sql "SELECT ..."` runs one statement
sql *args:
    @python -m pipeline sql "$@"

# Write the committed data dictionary docs/data_dictionary.md from the built warehouse; `just docs --check` fails on drift
docs *args:
    @python -m pipeline docs --output docs/data_dictionary.md "$@"

# ydata-profiling HTML reports of the lake into data/profiling_reports/ (e.g. `just profile --sample-rows 50000`)
profile *args:
    @python -m pipeline profile "$@"

# Serve the REST API with uvicorn on 127.0.0.1:8000 (ECOM_API_KEYS=k1,k2 enables writes; e.g. `just api --api-workers 2`)
api *args:
    @python -m pipeline api "$@"

# Recompute the marts from the warehouse tables after writes made through the API (one transaction)
refresh-marts *args:
    @python -m pipeline refresh-marts "$@"

# Run the test suite
test *args:
    @python -m pytest "$@"

# Per-stage benchmarks with pytest-benchmark (BENCH_SCALE=10 by default); not part of `just test`
bench *args:
    @python -m pytest benchmarks/ --benchmark-only "$@"

# Scale sweep 1, 10, 100, 1000 with baselines and targets -> docs/benchmarks/scaling.md (e.g. `just bench-scale --scales 1,10`)
bench-scale *args:
    @python -m benchmarks.sweep "$@"

# Two git refs (or `worktree`) installed alike, `run --no-profile` ABBA on fresh data: wall, CPU, max RSS, stages (e.g. `just bench-ab HEAD~1 worktree --scale 1000 --output /tmp/ab.json`)
bench-ab *args:
    @python -m benchmarks.ab_run "$@"

# Each mart and analysis alone on a fresh DuckDB: time, peak memory, which run out (e.g. `just bench-analyses data/lake --only bought_together`)
bench-analyses *args:
    @python -m benchmarks.analyses_alone "$@"

# Spark local[2] vs the one-machine pipeline, generation and all queries (default scales 10,100) -> docs/benchmarks/spark.md + spark.json
bench-spark *args:
    @python -m benchmarks.spark_vs_local "$@"

# API load benchmark with wrk at scale 1000 (data built once under BENCH_API_DATA) -> docs/benchmarks/api.md + api.json
bench-api *args:
    @python -m benchmarks.api_load "$@"

# --- dashboard (issue 8) ---

# The Streamlit dashboard on 127.0.0.1:8501 (ECOM_DASHBOARD_PORT), over data/warehouse.sqlite (e.g. `just dashboard --dashboard-port 8600`)
dashboard *args:
    @python -m pipeline dashboard "$@"

# Dashboard render times in Chromium -> docs/benchmarks/dashboard.md + dashboard.json (e.g. `just bench-dashboard --data-dir /tmp/ecom-1000`)
bench-dashboard *args:
    @python -m benchmarks.dashboard "$@"

# Screenshots of every dashboard page from a fresh scale-1 build -> docs/screenshots/ (commit them)
dashboard-screenshots *args:
    @python -m tests.dashboard.screenshots "$@"

# --- end dashboard ---

# Lint and type-check: ruff, mypy, sqlfluff on queries/; hadolint, compose and workflow schemas, actionlint
lint:
    ruff check .
    ruff format --check .
    mypy
    sqlfluff lint queries/ pipeline/validate/rules/ pipeline/spark/queries/
    hadolint Dockerfile
    check-jsonschema --builtin-schema vendor.compose-spec compose.yaml
    check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
    check-jsonschema --builtin-schema vendor.github-actions .github/actions/*/action.yml
    actionlint

# Build the container image (Docker if its daemon answers, else podman; `PYTHON_IMAGE=...` picks the base image)
docker-build *args:
    @python container/engine.py compose build "$@" pipeline

# Build, run the pipeline (its output shown), then start the API and dashboard on 127.0.0.1:8000 and :8501
docker-run: docker-build
    @python container/engine.py compose run --rm pipeline
    @python container/engine.py compose up -d --no-deps api dashboard

# Stop the compose project (`just docker-down --volumes` also deletes its data volume)
docker-down *args:
    @python container/engine.py compose down "$@"

# Container smoke test: build, compose up at scale 0.1 on free ports, check /ready and the dashboard, tear down
docker-smoke:
    @python container/smoke.py

# Re-lock the dependency tree (uv.lock) after changing pyproject.toml
lock:
    python3 -m uv lock

# Remove generated data (the lake, labels, warehouse, reports, logs)
clean:
    rm -rf data
