"""A command's outputs published as one set: built aside in ``data/builds/``, made current by one atomic switch.

The data directory::

    builds/<id>/              a published set: lake/, labels/, analysis/, reports/, profiling_reports/,
                              warehouse.sqlite, manifest.json (a set holds what has been made so far)
    builds/.<id>.building/    a set being built, owned by its command through a lock; swept once abandoned
    current -> builds/<id>    which set is published: a symbolic link, replaced by rename(2) in one step
    lake -> current/lake, ..., warehouse.sqlite -> current/warehouse.sqlite, manifest.json -> ...
                              the paths people and tools use, each a link through ``current``
    logs/, edits/             outside every set: the log, and the archive of API writes

A command builds its new set from the current one (the parts it does not make are hard-linked, not copied),
decides everything that can refuse it before it writes, and only then switches. Readers that open a stable path
(the API, the dashboard, the sqlite3 shell) see the previous set whole until the switch and the new one whole
after it; a command that reads a set over time (``just sql``, ``validate``, ``analyze --out``, ``profile
--reports-dir``, ``spark analyze``) holds a shared lock on it (:func:`reading`), and a set is deleted only when no
reader holds it. A kill at any instant leaves the previous set current; the next command sweeps what the
killed one left. The publishing steps are named (``settings.PUBLISHING_STEPS``): ``ECOM_FAULT_AT=<step>`` kills
the process there, for the tests that prove it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import cancel, files
from pipeline.errors import Refused

log = logging.getLogger(__name__)

BUILDS = "builds"
CURRENT = "current"
BUILDING = ".building"
# Every output a set may hold, by its name in the set and under the data directory.
OUTPUTS = ("lake", "labels", "analysis", "reports", "profiling_reports", "warehouse.sqlite", "manifest.json")
READERS = ".readers"  # readers hold a shared lock on it; a set is deleted only under an exclusive one
PUBLISHED = ".published"  # in a set that has been current: a complete set without it was never switched in
PUBLISH_LOCK = ".publish.lock"


@dataclass(frozen=True)
class SetPaths:
    """Where a set (or the data directory, through its stable links) keeps each output."""

    root: Path

    @property
    def lake_dir(self) -> Path:
        return self.root / "lake"

    @property
    def labels_path(self) -> Path:
        return self.root / "labels" / "anomalies.parquet"

    @property
    def analysis_dir(self) -> Path:
        return self.root / "analysis"

    @property
    def report_path(self) -> Path:
        return self.root / "reports" / "validation.json"

    @property
    def profiling_dir(self) -> Path:
        return self.root / "profiling_reports"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse.sqlite"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"


def fault_point(step: str, fault_at: str | None) -> None:
    """Die here, as a kill would (SIGKILL: nothing is cleaned up), when the tests armed this step."""
    if fault_at == step:
        log.warning("ECOM_FAULT_AT=%s: killing this process at that step", step)
        os.kill(os.getpid(), signal.SIGKILL)


def current_set(data_dir: Path) -> Path | None:
    """The published set: where ``current`` points, or the data directory itself for a layout made before sets
    existed (its outputs are plain files and directories there), or None when nothing has been published."""
    link = data_dir / CURRENT
    if link.is_symlink():
        target = link.resolve()
        return target if target.is_dir() else None
    legacy = [part for part in OUTPUTS if (data_dir / part).exists() and not (data_dir / part).is_symlink()]
    return data_dir if legacy else None


@contextmanager
def publish_lock(data_dir: Path) -> Iterator[None]:
    """One command at a time publishes into ``data_dir``; another one is refused at once, before it writes."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / PUBLISH_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            msg = (
                f"another command is publishing into {data_dir} right now; wait for it to finish "
                "(or use another --data-dir)"
            )
            raise Refused(msg) from None
        yield
    finally:
        os.close(fd)


def _new_id(builds: Path) -> str:
    """The new set's name: when it was started (sets sort by age), unique among the sets there."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return next(f"{stamp}-{n}" for n in range(1000) if not (builds / f"{stamp}-{n}").exists())


def _link_tree(source: Path, target: Path) -> None:
    """``target`` made of hard links to every file under ``source`` (a file or a directory)."""
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target)
        return
    for directory, _, names in os.walk(source):
        relative = Path(directory).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in names:
            os.link(Path(directory, name), target / relative / name)


def _fsync_tree(root: Path) -> None:
    """Every file and directory of ``root`` on disk: once, before the set is switched in."""
    for directory, _, names in os.walk(root):
        for name in names:
            fd = os.open(Path(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        files.fsync_dir(Path(directory))


def _swap_link(link: Path, target: str) -> None:
    """Make ``link`` a symbolic link to ``target`` in one step (a new link renamed over the old path)."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.new")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)


class NewSet:
    """A set being built in ``builds/.<id>.building``: the command writes its outputs under :attr:`paths`, carries
    what it does not make from the current set, then :meth:`publish` switches it in."""

    def __init__(self, data_dir: Path, directory: Path, set_id: str) -> None:
        self.data_dir = data_dir
        self.set_id = set_id
        self.paths = SetPaths(directory)
        self.previous = current_set(data_dir)

    def carry(self, *parts: str) -> list[str]:
        """Hard-link ``parts`` of the current set into this one (those it has); returns the parts carried."""
        carried = []
        for part in parts:
            source = self.previous / part if self.previous is not None else None
            if source is not None and source.exists():
                _link_tree(source, self.paths.root / part)
                carried.append(part)
        return carried

    def previous_manifest(self) -> dict[str, Any]:
        path = self.previous / "manifest.json" if self.previous is not None else None
        return dict(json.loads(path.read_text())) if path is not None and path.is_file() else {}

    def publish(
        self,
        fault_at: str | None,
        write_lock: AbstractContextManager[None],
        under_lock: Callable[[], None],
        keep: int,
        warehouse: Path,
    ) -> Path:
        """Make this set the current one; returns its published directory.

        The switch holds ``write_lock``, the lock API writes take too, and runs ``under_lock`` just before it (the
        guard over API writes made meanwhile). ``warehouse`` is the warehouse's path as configured (when the user
        chose one, it becomes a link to the current warehouse). A cancellation (Ctrl-C, SIGTERM) that came in at
        any point before stops it before the switch.
        """
        spill = self.paths.root / ".spill"
        shutil.rmtree(spill, ignore_errors=True)
        fault_point("built", fault_at)
        _fsync_tree(self.paths.root)
        fault_point("synced", fault_at)
        builds = self.data_dir / BUILDS
        published = builds / self.set_id
        files.promote(self.paths.root, published)
        files.fsync_dir(builds)
        fault_point("renamed", fault_at)
        try:
            switch(self.data_dir, self.set_id, write_lock, under_lock)
        except BaseException:
            shutil.rmtree(published, ignore_errors=True)  # refused at the last moment: it never was current
            raise
        fault_point("switched", fault_at)
        stable_links(self.data_dir, warehouse)
        fault_point("linked", fault_at)
        retire(self.data_dir, keep)
        fault_point("retired", fault_at)
        log.info("published set %s", self.set_id)
        return published


def switch(
    data_dir: Path, set_id: str, write_lock: AbstractContextManager[None], under_lock: Callable[[], None]
) -> None:
    """Make ``builds/<set_id>`` current: one rename of the ``current`` link, holding ``write_lock`` (the lock of
    API writes), after ``under_lock``, unless the command was cancelled meanwhile (then nothing changes)."""
    with write_lock:
        cancel.check()  # a signal that came while nothing could be interrupted: nothing is published
        under_lock()
        # Marked (or its mark's time renewed, on a rollback) before the link moves: a kill in between leaves a set
        # marked that never became current, which retirement treats as an old one, never a current set unmarked.
        (data_dir / BUILDS / set_id / PUBLISHED).touch()
        _swap_link(data_dir / CURRENT, f"{BUILDS}/{set_id}")
        files.fsync_dir(data_dir)
        cancel.note_published("the new set")


@contextmanager
def building(data_dir: Path) -> Iterator[NewSet]:
    """A new set in ``builds/.<id>.building``, owned while it is built, removed unless it was published.

    Sets that a killed command left half built (their owner lock free) are swept first.
    """
    builds = data_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    files.sweep(builds, ".")
    set_id = _new_id(builds)
    with files.scratch_dir(builds, f".{set_id}", BUILDING) as directory:
        directory.chmod(0o755)  # readable as the published outputs always were (a temporary directory is private)
        new = NewSet(data_dir, directory, set_id)
        (directory / ".spill").mkdir()
        yield new


def scratch(data_dir: Path) -> AbstractContextManager[Path]:
    """Scratch space for a command that publishes no set (``validate``, ``analyze --out``): spill files, typed
    copies; owned while it runs, removed afterwards."""
    return files.scratch_dir(data_dir, ".scratch-")


def stable_links(data_dir: Path, warehouse: Path) -> None:
    """Each output's path in the data directory a link through ``current``, and ``warehouse`` (when the user chose
    another path for it) a link to the current warehouse. A plain file or directory there (a data directory from
    before sets) is moved aside, replaced by the link, then deleted."""
    legacy = data_dir / BUILDS / f".legacy-{os.getpid()}"
    for part in OUTPUTS:
        path = data_dir / part
        if path.exists() and not path.is_symlink():
            legacy.mkdir(parents=True, exist_ok=True)
            os.replace(path, legacy / part)
        if not path.is_symlink():
            _swap_link(path, f"{CURRENT}/{part}")
    wanted = str(data_dir / CURRENT / "warehouse.sqlite")
    if warehouse != data_dir / "warehouse.sqlite" and not (warehouse.is_symlink() and os.readlink(warehouse) == wanted):
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        _swap_link(warehouse, wanted)
    shutil.rmtree(legacy, ignore_errors=True)
    files.fsync_dir(data_dir)


@contextmanager
def _exclusively(directory: Path) -> Iterator[bool]:
    """Whether no reader holds ``directory`` (its readers' lock taken exclusively for the block)."""
    try:
        fd = os.open(directory / READERS, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _complete_sets(data_dir: Path) -> list[Path]:
    builds = data_dir / BUILDS
    return sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")) if builds.is_dir() else []


def _last_current(directory: Path) -> int:
    """When a set was last made current (its mark's time); 0 for a set of earlier versions left unmarked."""
    try:
        return (directory / PUBLISHED).stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def published_sets(data_dir: Path) -> list[Path]:
    """The sets that have been current, by when they last were (a set rolled back to counts from then), oldest
    first; the current one last."""
    current = current_set(data_dir)
    published = [s for s in _complete_sets(data_dir) if s == current or (s / PUBLISHED).exists()]
    return sorted(published, key=lambda s: (s == current, _last_current(s), s.name))


def retire(data_dir: Path, keep: int) -> list[Path]:
    """Delete the published sets but the current one and the ``keep`` last current before it, unless a reader
    holds them, and any complete set that was never switched in (a command killed at the switch)."""
    current = current_set(data_dir)
    published = published_sets(data_dir)
    older = [s for s in published if s != current]
    never = [s for s in _complete_sets(data_dir) if s not in published]
    removed = []
    for stale in older[: max(0, len(older) - keep)] + never:
        with _exclusively(stale) as free:
            if free:
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale)
            else:
                log.info("set %s is in use by a reader: kept until a later command", stale.name)
    return removed


@dataclass(frozen=True)
class Held:
    """A path as a reader uses it, with the set it lies in held for as long as the reader needs it."""

    path: Path  # resolved: a stable path leads into the current set
    lease: int | None  # the descriptor of the set's shared lock; None for a path outside every set


@contextmanager
def reading(data_dir: Path, path: Path) -> Iterator[Held]:
    """``path`` resolved, and the set it lies in held for the block (or, the descriptor inherited across exec, for
    a shell's life): a shared lock on the set's readers' file, which retirement must take exclusively before it
    deletes a set. A set retired between the resolving and the lock is refused with a hint to run again."""
    resolved = path.resolve()
    builds = (data_dir / BUILDS).resolve()
    if not resolved.is_relative_to(builds) or resolved == builds:
        yield Held(resolved, None)
        return
    directory = builds / resolved.relative_to(builds).parts[0]
    retired = f"the set {directory.name} was retired as this command started; run it again"
    try:
        fd = os.open(directory / READERS, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except FileNotFoundError:
        raise Refused(retired) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        if not resolved.exists():  # deleted while the lock was waited for
            raise Refused(retired)
        yield Held(resolved, fd)
    finally:
        with suppress(OSError):
            os.close(fd)
