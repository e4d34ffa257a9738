"""The image's health check finds the URL of whatever server a container runs (container/healthcheck.py)."""

from __future__ import annotations

import pytest

from container.healthcheck import probe_url

pytestmark = pytest.mark.fast

PYTHON = "/opt/venv/bin/python"


@pytest.mark.parametrize(
    ("argv", "url"),
    [
        # what `python -m pipeline api` execs (pipeline/commands/api.py), on the port given to it
        ([PYTHON, "-m", "uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "9000", "--workers", "1",
          "--no-access-log"], "http://127.0.0.1:9000/health"),
        # what `python -m pipeline dashboard` execs (pipeline/commands/dashboard.py)
        ([PYTHON, "-m", "dashboard.serve", "run", "/app/dashboard/app.py", "--server.headless", "true",
          "--server.address", "0.0.0.0", "--server.port", "8601"], "http://127.0.0.1:8601/_stcore/health"),
        ([PYTHON, "-m", "uvicorn", "api.main:app"], "http://127.0.0.1:8000/health"),
        # batch commands run no server, even when a server's name appears as an argument
        ([PYTHON, "-m", "pipeline", "run", "--no-profile"], None),
        ([PYTHON, "-m", "pipeline", "sql", "uvicorn"], None),
        (["/usr/bin/tini", "--", PYTHON, "-m", "pipeline", "api"], None),
        ([""], None),
    ],
)  # fmt: skip
def test_probe_url_follows_the_server_and_its_port(argv: list[str], url: str | None) -> None:
    assert probe_url(argv) == url
