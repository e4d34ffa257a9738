"""The image's health check: probe what this container serves, read from its main process's command line.

One image runs every role, so the check follows the process rather than a fixed URL: uvicorn (``api``) is
asked for ``/health``, Streamlit (``dashboard``) for ``/_stcore/health``, each on the port it was started with.
Any other command (``run``, ``load``, ...) is a batch job that is healthy while it runs. Exit 0 healthy, 1 not.
Standard library only: it runs every few seconds, so it must start fast.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

# (what the command line contains, the option that holds its port, the port without it, the path to ask)
SERVERS = (
    ("uvicorn", "--port", "8000", "/health"),
    ("streamlit", "--server.port", "8501", "/_stcore/health"),
)


def probe_url(argv: list[str]) -> str | None:
    """The URL that answers for the server in ``argv``, or None when ``argv`` runs no server."""
    for marker, option, default_port, path in SERVERS:
        if marker in argv:
            port = argv[argv.index(option) + 1] if option in argv[:-1] else default_port
            return f"http://127.0.0.1:{port}{path}"
    return None


def main() -> int:
    argv = Path("/proc/1/cmdline").read_bytes().decode().split("\0")
    url = probe_url(argv)
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            status = response.status
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1
    print(f"{url}: {status}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
