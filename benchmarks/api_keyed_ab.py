"""Two checkouts' API side by side on the keyed miss path (not part of the tests): 1 worker each, alternately,
a customer and an order by id at random keys under ``wrk -t2 -c8 -d10s`` (the load of the runs beside Datasette).

    git archive ebacae7 | tar -x -C /tmp/before
    python -m benchmarks.api_keyed_ab --before /tmp/before --data-dir DIR --output ab.json

The other checkout is served with this one's virtual environment; each round gives both the same keys.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks import api_load
from pipeline.settings import PROJECT_ROOT

PORT = 8741
KEYS = 60_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout (its API is run from it)")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    facts = api_load.Facts.of(args.data_dir / "warehouse.sqlite")
    rng = random.Random(42)
    paths = {
        "customer": [f"/customers/{rng.randint(1, facts.customers)}" for _ in range(KEYS)],
        "order": [f"/orders/{rng.randint(1, facts.orders)}" for _ in range(KEYS)],
    }
    api_load.read_through(args.data_dir / "warehouse.sqlite")
    base = f"http://127.0.0.1:{PORT}"
    work = Path(tempfile.mkdtemp(prefix="bench-api-ab-"))
    results = []
    for round_ in range(args.rounds):
        for side, root in (("before", args.before), ("after", PROJECT_ROOT)):
            command = [sys.executable, "-m", "pipeline", "api", "--data-dir", str(args.data_dir),
                       "--api-port", str(PORT), "--api-workers", "1"]  # fmt: skip
            server = subprocess.Popen(command, cwd=root, env=api_load.clean_env(), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)  # fmt: skip
            try:
                while True:
                    try:
                        if httpx.get(f"{base}/ready", timeout=600).status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.5)
                for read, keyed in paths.items():
                    api_load.warm(base, keyed[-2000:], 8, 2, work)  # keys not measured
                    measured = api_load.wrk(base, keyed[round_ * 20_000 :], 10, 8, 2, work)
                    row = {"round": round_, "side": side, "read": read, **{k: measured[k] for k in
                           ("rps", "p50_ms", "p99_ms", "errors", "load_average")}}  # fmt: skip
                    print(json.dumps(row), flush=True)
                    results.append(row)
            finally:
                server.terminate()
                server.wait(timeout=60)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
