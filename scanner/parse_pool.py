"""Owns turning input files into store rows, in file order: in this process for a small
import, in a pool of worker processes for a large one (``hdscan import``, issue #9).

Parsing a file (its collector, the privacy allow-list, each observation's id and canonical
JSON: ``store.observation_row``) is the same code either way; a worker returns the file's
rows and warnings, and the calling process stays the only writer, storing the files in
order, so the store, the progress lines, the errors and the warnings do not depend on
where a file was parsed.

* The pool is a ``ProcessPoolExecutor`` whose workers are *spawned* (a fork would copy the
  writer's open SQLite connection). A worker that dies raises ``BrokenProcessPool`` in the
  writer rather than hanging it; any exception other than a ``ScannerError`` is a bug and
  comes back with the worker's traceback as its ``__cause__``.
* At most ``AHEAD`` files per worker are parsed ahead of the writer, so memory holds the
  rows of a few files, not of the import.
* Workers ignore SIGINT (Ctrl-C interrupts the writer, whose open transaction rolls back)
  and exit as soon as the writer leaves on an error or dies (``kill -9``): each watches
  the end of a pipe only the writer holds (no lock shared with a process that may die).
* ``HDSCAN_IMPORT_WORKERS``: 0 or 1 parses in this process, N in N workers. Unset: one
  worker per CPU, only for imports of ``MIN_FILES`` files or ``MIN_BYTES`` bytes or more
  (starting two workers costs 0.5–0.9 s of CPU).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, TypeVar

from .collect import registry
from .errors import InputError, ScannerError, SourceLocation
from .store import Row, observation_row

ENV = "HDSCAN_IMPORT_WORKERS"
MIN_FILES = 512
MIN_BYTES = 32 * 1024 * 1024
AHEAD = 4                   # files in flight per worker

T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    """One file to parse: where it is, the name it is recorded under, who reads it."""

    path: Path
    source: str
    collector: str          # module path, as in ``registry.COLLECTORS``
    keep_truncated: bool


@dataclass
class Parsed:
    """One file's rows, to iterate once (raising the file's error, if any); ``warnings``
    is complete once ``rows`` is exhausted."""

    rows: Iterator[Row]
    warnings: list[str]


def workers_for(files: int, size: int) -> int:
    """Worker processes for an import of ``files`` files and ``size`` bytes (0: none)."""
    text = os.environ.get(ENV, "").strip()
    if text:
        if not (text.isascii() and text.isdecimal()):
            raise ScannerError(f"must be a number of worker processes (0 or 1: none), "
                               f"not {text!r}", SourceLocation("environment", ENV))
        return int(text) if int(text) > 1 else 0
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    large = files >= MIN_FILES or size >= MIN_BYTES
    return cpus if large and cpus and cpus > 1 else 0


def _complete_only(run, source: str):
    """Pass a collector's observations through, then refuse the file if it was cut short.

    Raising after the last observation rolls the file's transaction back, so a truncated
    capture leaves the store as it was.
    """
    yield from run
    cut = getattr(run, "truncated", None)
    if cut is not None:
        frame, offset = cut
        raise InputError(f"truncated: the file ends in the middle of a record, nothing kept "
                         f"(--keep-truncated keeps the {getattr(run, 'packets', 0)} complete "
                         "records before the cut)",
                         SourceLocation(source, f"frame {frame} (byte {offset})"))


def _rows(job: Job, warnings: list[str]) -> Iterator[Row]:
    """The file's rows, read as they are asked for; then its collector's warnings."""
    run = registry.load(job.collector).collect(job.path, job.source)
    yield from map(observation_row, run if job.keep_truncated else _complete_only(run, job.source))
    warnings.extend(getattr(run, "warnings", None) or [])


def _parse(job: Job) -> tuple[list[Row], list[str]]:
    """In a worker: the whole file's rows and warnings."""
    warnings: list[str] = []
    return list(_rows(job, warnings)), warnings


def _here(job: Job) -> Parsed:
    warnings: list[str] = []
    return Parsed(_rows(job, warnings), warnings)


def _there(future: Future) -> Parsed:
    warnings: list[str] = []

    def rows() -> Iterator[Row]:
        got, said = future.result()         # raises the worker's exception
        yield from got
        warnings.extend(said)

    return Parsed(rows(), warnings)


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    """A spawned worker that ignores SIGINT from birth (an ignored signal stays ignored
    across exec): Ctrl-C, sent to the whole process group, is the writer's to handle."""

    def start(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return super().start()          # only the main thread may change a handler
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return super().start()
        finally:
            signal.signal(signal.SIGINT, previous)


class _Spawn(multiprocessing.context.SpawnContext):
    Process = _WorkerProcess


def _worker_start(writer_alive) -> None:
    threading.Thread(target=_leave_with_the_writer, args=(writer_alive,), daemon=True).start()


def _leave_with_the_writer(writer_alive) -> None:
    """Exit when the writer closes its end of the pipe: on an error, or by dying (``kill -9``)."""
    try:
        writer_alive.recv()             # nothing is ever sent: returns or raises at EOF
    finally:
        os._exit(1)


class Parser:
    """Parses jobs in order, in ``workers`` processes (0: in this process).

    Use as a context manager: leaving on an exception stops the workers at once.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._alive = None                  # the writer's end of a pipe to every worker

    def __enter__(self) -> "Parser":
        return self

    def __exit__(self, kind, *_) -> None:
        if self._pool is None:
            return
        if kind is not None:
            self._alive.close()             # the workers leave at once
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._alive.close()

    def _submit(self, job: Job) -> Future:
        if self._pool is None:                  # started by the first file to parse
            context = _Spawn()
            their_end, self._alive = context.Pipe(duplex=False)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                             initializer=_worker_start, initargs=(their_end,))
        return self._pool.submit(_parse, job)

    def parse(self, items: Iterable[tuple[T, Job | None]]) -> Iterator[tuple[T, Parsed | None]]:
        """``(item, job)`` → ``(item, its Parsed)`` in the same order; None where job is None."""
        if not self.workers:
            for item, job in items:
                yield item, None if job is None else _here(job)
            return
        window: deque[tuple[T, Future | None]] = deque()
        in_flight = 0
        for item, job in items:
            window.append((item, None if job is None else self._submit(job)))
            in_flight += job is not None
            while window and (window[0][1] is None or in_flight >= AHEAD * self.workers):
                item, future = window.popleft()
                in_flight -= future is not None
                yield item, None if future is None else _there(future)
        for item, future in window:
            yield item, None if future is None else _there(future)
