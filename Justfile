# E-commerce data platform: `just` lists the recipes; each is a thin call of `python -m pipeline` (or pytest).

set positional-arguments

# Use the project's virtual environment when there is one (the README's set-up creates .venv).
export PATH := justfile_directory() / ".venv/bin" + ":" + env_var("PATH")

# List the recipes
default:
    @just --list --unsorted

# Install the project with its locked runtime dependencies into .venv (uv.lock; `--extra spark` for Spark)
[group('setup')]
install *args:
    @python3 -m uv sync --locked --no-dev "$@"

# Install what the whole test suite needs: the dev and spark dependencies, and from apt a Java 17 runtime, Chromium, libatomic (Playwright's driver) and the sqlite3 shell (through sudo unless root)
[group('setup')]
install-test:
    #!/usr/bin/env bash
    set -euo pipefail
    missing=()
    command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
    command -v chromium >/dev/null || missing+=(chromium)
    command -v sqlite3 >/dev/null || missing+=(sqlite3)
    # Playwright's driver is a Node.js binary that needs libatomic, which a minimal Debian lacks.
    dpkg-query -W -f='${Status}' libatomic1 2>/dev/null | grep -q 'ok installed' || missing+=(libatomic1)
    if [ ${#missing[@]} -gt 0 ]; then
      sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
      "${sudo[@]}" apt-get update -qq
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    python3 -m uv sync --locked --extra spark

# Re-lock the dependency tree (uv.lock) after changing pyproject.toml
[group('setup')]
lock:
    python3 -m uv lock

# Remove generated data (every published set and its links, the logs, the archived API writes)
[group('setup')]
clean:
    rm -rf data

# The whole pipeline: generate, validate, load (with marts), analyze, profile (e.g. `just run --scale 10 --no-profile`)
[group('pipeline')]
run *args:
    @python -m pipeline run "$@"

# Generate the Parquet lake and anomaly labels (e.g. `just generate --scale 0.5 --seed 7`)
[group('pipeline')]
generate *args:
    @python -m pipeline generate "$@"

# Validate the lake or a directory of CSV/Parquet files (e.g. `just validate --source export --format csv`)
[group('pipeline')]
validate *args:
    @python -m pipeline validate "$@"

# Validate, then build the SQLite warehouse (e.g. `just load --source export --format csv`)
[group('pipeline')]
load *args:
    @python -m pipeline load "$@"

# Run the analyses in queries/ and write data/analysis/<query>.parquet (e.g. `just analyze --query top_products --param limit=20`)
[group('pipeline')]
analyze *args:
    @python -m pipeline analyze "$@"

# Recompute the marts from the warehouse tables after writes made through the API (one transaction)
[group('pipeline')]
refresh-marts *args:
    @python -m pipeline refresh-marts "$@"

# DuckDB shell over the lake (views) and the warehouse (read-only, as wh); `just sql "SELECT ..."` runs one statement
[group('pipeline')]
sql *args:
    @python -m pipeline sql "$@"

# The published sets in data/builds (ECOM_KEEP_BUILDS=N keeps N previous ones); `just builds --rollback ID` restores one
[group('pipeline')]
builds *args:
    @python -m pipeline builds "$@"

# Write the committed data dictionary docs/data_dictionary.md from the built warehouse; `just docs --check` fails on drift
[group('pipeline')]
docs *args:
    @python -m pipeline docs --output docs/data_dictionary.md "$@"

# ydata-profiling HTML reports of the lake into data/profiling_reports/ (e.g. `just profile --sample-rows 50000`)
[group('pipeline')]
profile *args:
    @python -m pipeline profile "$@"

# Generate the lake on Spark, one task per chunk (spark extra + Java 17; e.g. `just spark-generate --scale 10 --output /shared/lake`)
[group('spark')]
spark-generate *args:
    @python -m pipeline spark generate "$@"

# Run queries/*.sql on Spark SQL over a lake -> data/analysis-spark/<query>.parquet (e.g. `just spark-analyze --source /shared/lake`)
[group('spark')]
spark-analyze *args:
    @python -m pipeline spark analyze "$@"

# Serve the REST API with uvicorn on 127.0.0.1:8000 (ECOM_API_KEYS=k1,k2 enables writes; e.g. `just api --api-workers 2`)
[group('serve')]
api *args:
    @python -m pipeline api "$@"

# The Streamlit dashboard on 127.0.0.1:8501 (ECOM_DASHBOARD_PORT), over data/warehouse.sqlite (e.g. `just dashboard --dashboard-port 8600`)
[group('serve')]
dashboard *args:
    @python -m pipeline dashboard "$@"

# Run the whole test suite (after `just install-test`); as a user other than root, the tests marked `root` run under sudo
[group('check')]
test *args:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ "$(id -u)" -eq 0 ]; then exec python -m pytest "$@"; fi
    python -m pytest -m "not root" "$@"
    status=0
    sudo env "PATH=$PATH" PYTHONDONTWRITEBYTECODE=1 python -m pytest -p no:cacheprovider -m root "$@" || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 5 ]  # 5: no selected test needs root

# The fast tier: unit-level tests on tiny data (tests marked `fast`; no Spark, browser or servers; its time: docs/benchmarks/tests.md)
[group('check')]
test-fast *args:
    @python -m pytest -m fast "$@"

# Lint and type-check (as the pre-commit hooks do): ruff, mypy, the import contracts, sqlfluff on every .sql folder (its own dialect); hadolint, compose and workflow schemas, actionlint
[group('check')]
lint:
    ruff check .
    ruff format --check .
    mypy
    lint-imports
    sqlfluff lint queries/ pipeline/validate/rules/ pipeline/spark/queries/ warehouse/ benchmarks/sqlite_queries/
    hadolint Dockerfile
    check-jsonschema --builtin-schema vendor.compose-spec compose.yaml
    check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
    check-jsonschema --builtin-schema vendor.github-actions .github/actions/*/action.yml
    actionlint

# Per-stage and per-query benchmarks with pytest-benchmark (BENCH_SCALE=10, BENCH_QUERY_SCALE=100, BENCH_ROUNDS=3)
[group('bench')]
bench *args:
    @python -m pytest benchmarks/ --benchmark-only -n 0 "$@"

# The benchmarks in one round on small data: every benchmark's answer check, in a few minutes (CI runs it)
[group('bench')]
bench-quick *args:
    @BENCH_SCALE=0.1 BENCH_QUERY_SCALE=1 BENCH_ROUNDS=1 python -m pytest benchmarks/ --benchmark-only -n 0 -p no:cacheprovider "$@"

# Scale sweep 1, 10, 100, 1000 with baselines and targets -> docs/benchmarks/scaling.md (e.g. `just bench-scale --scales 1,10`)
[group('bench')]
bench-scale *args:
    @python -m benchmarks.sweep "$@"

# Two git refs (or `worktree`) installed alike, `run --no-profile` ABBA on fresh data: wall, CPU, max RSS, stages (e.g. `just bench-ab HEAD~1 worktree --scale 1000 --output /tmp/ab.json`)
[group('bench')]
bench-ab *args:
    @python -m benchmarks.ab_run "$@"

# Each mart and analysis alone on a fresh DuckDB: time, peak memory, which run out (e.g. `just bench-analyses data/lake --only bought_together`)
[group('bench')]
bench-analyses *args:
    @python -m benchmarks.analyses_alone "$@"

# Spark local[2] vs the one-machine pipeline, generation and all queries (default scales 10,100) -> docs/benchmarks/spark.md + spark.json
[group('bench')]
bench-spark *args:
    @python -m benchmarks.spark_vs_local "$@"

# API load benchmark with wrk at scale 1000, misses apart from hits, beside Datasette at scales 100 and 1000 (data built once under BENCH_API_DATA) -> docs/benchmarks/api.md + api.json
[group('bench')]
bench-api *args:
    @python -m uv sync --locked --inexact --group bench --quiet
    @python -m benchmarks.api_load "$@"

# Dashboard render times in Chromium -> docs/benchmarks/dashboard.md + dashboard.json (e.g. `just bench-dashboard --data-dir /tmp/ecom-1000`)
[group('bench')]
bench-dashboard *args:
    @python -m benchmarks.dashboard "$@"

# Screenshots of every dashboard page from a fresh scale-1 build -> docs/screenshots/ (commit them)
[group('bench')]
dashboard-screenshots *args:
    @python -m tools.screenshots "$@"

# Build the container image (Docker if its daemon answers, else podman; `PYTHON_IMAGE=...` picks the base image)
[group('containers')]
docker-build *args:
    @python container/engine.py compose build "$@" pipeline

# Build, run the pipeline (its output shown), then start the API and dashboard on 127.0.0.1:8000 and :8501
[group('containers')]
docker-run: docker-build
    @python container/engine.py compose run --rm pipeline
    @python container/engine.py compose up -d --no-deps api dashboard

# Stop the compose project (`just docker-down --volumes` also deletes its data volume)
[group('containers')]
docker-down *args:
    @python container/engine.py compose down "$@"

# Container smoke test: build, compose up at scale 0.1 on free ports, check /ready and the dashboard, tear down
[group('containers')]
docker-smoke:
    @python container/smoke.py
