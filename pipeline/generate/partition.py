"""One machine's share of a lake: the chunks split into P partitions balanced by rows (``generate --parts``).

Every chunk's randomness has an address, so a partition is nothing but a subset of the chunks. Any scheduler
(a shell loop, a batch array job, Kubernetes indexed jobs) runs ``--part 1`` to ``--part P`` in any order, on
any machines, into one shared directory; together they write, file for file, the lake that one ``generate``
writes. Cross-table validation is left to ``validate --source DIR`` once every partition has finished.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Task, task_rows, tasks


@dataclass(frozen=True)
class Partition:
    number: int  # 1-based, as --part
    tasks: tuple[Task, ...]  # in the order of tasks.tasks
    rows: int


def assign(plan: Plan, parts: int) -> list[Partition]:
    """Split the chunks into ``parts`` partitions of nearly equal rows (longest-processing-time-first greedy).

    Biggest chunk first, each to the partition with the fewest rows so far (ties to the lower number), so the
    heaviest partition exceeds the lightest by at most one chunk. The split depends only on the plan and
    ``parts``: every machine computes the same one without talking to the others. With more partitions than
    chunks, the extra partitions are empty.
    """
    order = tasks(plan)
    rows = task_rows(plan)
    heaviest_first = sorted(range(len(order)), key=lambda i: (-rows[order[i]], i))
    loads = [(0, number) for number in range(parts)]
    owned: list[list[int]] = [[] for _ in range(parts)]
    for i in heaviest_first:
        load, number = heapq.heappop(loads)
        owned[number].append(i)
        heapq.heappush(loads, (load + rows[order[i]], number))
    return [
        Partition(number + 1, tuple(order[i] for i in sorted(mine)), sum(rows[order[i]] for i in mine))
        for number, mine in enumerate(owned)
    ]
