"""The image's health check: probe what this container serves, found from its processes' command lines.

One image runs every role, so the check follows the processes rather than a fixed URL: uvicorn (``api``) is
asked for ``/health``, Streamlit (``dashboard``, run as ``python -m dashboard.serve``) for ``/_stcore/health``,
each on the port it was started with. A container that runs neither runs a batch command (``run``, ``load``,
...), which is healthy while it runs. Every process is looked at, not only PID 1, so the check also holds under
an init (``docker run --init``). Exit 0 healthy, 1 not. Standard library only: it runs every few seconds, so it
must start fast.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

# (the module run with -m, the option that holds its port, the port without it, the path to ask)
SERVERS = (
    ("uvicorn", "--port", "8000", "/health"),
    ("dashboard.serve", "--server.port", "8501", "/_stcore/health"),
)


def probe_url(argv: list[str]) -> str | None:
    """The URL that answers for the server ``argv`` runs (``python -m <server> ...``), or None if it runs none."""
    for module, option, default_port, path in SERVERS:
        if any(argv[i : i + 2] == ["-m", module] for i in range(len(argv))):
            port = argv[argv.index(option) + 1] if option in argv[:-1] else default_port
            return f"http://127.0.0.1:{port}{path}"
    return None


def served_url() -> str | None:
    """The probe URL of the first (lowest-numbered) process in this container that runs a server."""
    for cmdline in sorted(Path("/proc").glob("[0-9]*/cmdline"), key=lambda path: int(path.parent.name)):
        try:
            argv = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:  # the process ended meanwhile
            continue
        url = probe_url(argv)
        if url is not None:
            return url
    return None


def main() -> int:
    url = served_url()
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
