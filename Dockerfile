# One image for every role: the pipeline CLI (`run` by default), the API (`api`) and the dashboard (`dashboard`).
# PYTHON_IMAGE lets a machine without registry access build on a local stand-in of the official image; any
# Debian-based Python 3.11 image works, since the venv is built here and calls `python3` from PATH.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Builder: the locked dependency tree (uv.lock, runtime dependencies only) in a venv at /opt/venv. uv trusts the
# image's CA store (as pip does), so a build behind a TLS-intercepting proxy works with the proxy's CA installed.
FROM ${PYTHON_IMAGE} AS builder
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_SYSTEM_CERTS=1
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir --quiet uv==0.13.8
WORKDIR /build
# Only the two files that define the dependency tree: a code change leaves this layer (and its download) cached.
# The packages' own test suites (pandas, numba, scipy, ...: 160 MB) are never imported at run time.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    /opt/uv/bin/uv sync --locked --no-dev --no-install-project --no-progress \
    && find /opt/venv -type d -name tests -prune -exec rm -rf {} +

# Runtime: the venv and the code, nothing else (no uv, no compilers, no dev tools).
FROM ${PYTHON_IMAGE} AS runtime
# The code is importable from /app by PYTHONPATH rather than by installing the project into the venv: an
# installed (editable) project stamps the venv with a build time, which would make its copy below a new layer
# on every code change. The code stays root-owned; the user writes only under /app/data.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ECOM_DATA_DIR=/app/data \
    ECOM_API_HOST=0.0.0.0 \
    ECOM_DASHBOARD_HOST=0.0.0.0
RUN useradd --no-log-init --uid 10001 --user-group --create-home --home-dir /home/app app \
    && mkdir -p /app/data \
    && chown app:app /app/data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . .
# Bytecode for the project's own modules (the venv's was compiled by uv): the user cannot write __pycache__ here.
RUN python -m compileall -q pipeline api dashboard

USER 10001:10001
VOLUME ["/app/data"]
EXPOSE 8000 8501
# Probes what the container serves (the API's /health, Streamlit's /_stcore/health); a pipeline command is healthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/container/healthcheck.py"]
ENTRYPOINT ["python", "-m", "pipeline"]
CMD ["run"]
