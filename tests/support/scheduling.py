"""How the suite's tests are shared among pytest-xdist's workers (decision 0065).

Tests that need one costly resource run on one worker, so that the resource is made once rather than once per
worker: the Spark session (a JVM), Chromium with the scale-1000 build, ydata-profiling's import. Every other test
is a unit of its own, given to the next free worker. The groups and the longest single tests start first: a
long unit started last would be the run's tail while the other worker idles.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

# A test's group: the first of these its node id starts with.
GROUPS = {
    "tests/dashboard/test_browser.py": "chromium and the scale-1000 build",
    "tests/pipeline/spark/": "the Spark session",
    "tests/pipeline/docs/test_profiling.py": "ydata-profiling",
}
# Single tests that take as long as a group (seconds in docs/benchmarks/tests.md); started right after the groups.
LONG = ("tests/api/test_server.py::test_schemathesis_finds_no_failure",)


def unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its group, or itself."""
    return next((group for prefix, group in GROUPS.items() if nodeid.startswith(prefix)), nodeid)


def rank(nodeid: str) -> int:
    """Where a test starts: the groups in their order, then the long tests, then the rest as collected."""
    for position, prefix in enumerate((*GROUPS, *LONG)):
        if nodeid.startswith(prefix):
            return position
    return len(GROUPS) + len(LONG)


class SharedResourceScheduling(LoadScopeScheduling):
    """xdist's scope scheduling with :func:`unit` as the scope (its own is the module or class)."""

    def _split_scope(self, nodeid: str) -> str:
        return unit(nodeid)
