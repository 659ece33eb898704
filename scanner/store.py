"""Owns the estate store: the observations of one estate, in one SQLite file.

The store is append-only and content-addressed:

* an observation's id is the hash of its content (kind, fields, evidence), so the same
  fact from the same place is stored once however often it is imported;
* an input file is recorded by the sha256 of its bytes and the collector version that
  read it, so importing the same file twice is a no-op;
* each input file is imported in ONE transaction: a collector error, a crash or a
  ``kill -9`` mid-import leaves the store exactly as it was before that file.

Everything after the observations (graph, tags, plan, reports) is derived from this
store, so it is the only thing that must be kept and carried.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import ScannerError, SourceLocation, StoreError
from .model.observations import Observation, canonical_json

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 600        # an import holds the write lock while it reads one input file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inputs (
    sha256 TEXT NOT NULL, collector TEXT NOT NULL, collector_version TEXT NOT NULL,
    source TEXT NOT NULL, size INTEGER NOT NULL, observations INTEGER NOT NULL,
    PRIMARY KEY (sha256, collector, collector_version));
CREATE TABLE IF NOT EXISTS observations (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, data TEXT NOT NULL, evidence TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS observations_kind ON observations (kind);
CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, body TEXT NOT NULL);
"""


@dataclass(frozen=True)
class ImportResult:
    """What one input file gave: new observations stored, or skipped as already known."""

    source: str
    collector: str
    observations: int
    new: int
    skipped: bool


Row = tuple[str, str, str, str]


def observation_row(obs: Observation) -> Row:
    """How an observation is stored: (id, kind, canonical JSON of its data, of its evidence)."""
    return (obs.id, obs.kind, canonical_json(obs.data), canonical_json(obs.evidence.to_dict()))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _test_pause_before_commit() -> None:
    """Fault-injection hook for the kill tests (tests/store/test_store_faults.py).

    With ``HDSCAN_TEST_PAUSE_BEFORE_COMMIT=<file>`` in the environment, an import writes
    ``<file>`` once everything of an input is inserted but not committed, then waits
    (at most 60 s) so a test can SIGKILL it at exactly that point. Unset: nothing.
    """
    marker = os.environ.get("HDSCAN_TEST_PAUSE_BEFORE_COMMIT")
    if not marker:
        return
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)


class Store:
    """An estate store on disk.  Use as a context manager or call ``close()``.

    Several processes may use one store at once (SQLite WAL): readers never wait,
    writers queue for up to ``BUSY_TIMEOUT_S`` seconds, and an input imported by another
    process while this one waited is skipped, not stored twice.
    """

    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError("no estate store here; run 'hdscan import' first",
                             SourceLocation(str(self.path)))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Two processes opening a new store at once race to switch it to WAL and create the
        # schema; SQLite then answers "database is locked" at once instead of waiting (it
        # refuses to wait where waiting could deadlock). Opening is idempotent: retry it.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            self._db = None
            try:
                self._db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S,
                                           isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                self._check_version()
                return
            except sqlite3.OperationalError as exc:
                if self._db is not None:
                    self._db.close()
                if "locked" not in str(exc) and "busy" not in str(exc) \
                        or time.monotonic() > deadline:
                    raise StoreError(f"not a readable hdscan store ({exc})",
                                     SourceLocation(str(self.path))) from exc
                time.sleep(0.02 + (os.getpid() % 7) / 100)
            except sqlite3.DatabaseError as exc:
                if self._db is not None:
                    self._db.close()
                raise StoreError(f"not a readable hdscan store ({exc})",
                                 SourceLocation(str(self.path))) from exc

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                             (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise StoreError(f"store schema version {row[0]}, this hdscan reads version "
                             f"{SCHEMA_VERSION}", SourceLocation(str(self.path)))

    # -- context manager ------------------------------------------------------------
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # -- writing --------------------------------------------------------------------
    def known_input(self, sha256: str, collector: str, version: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM inputs WHERE sha256=? AND collector=? AND collector_version=?",
            (sha256, collector, version)).fetchone()
        return row is not None

    def import_observations(self, source: str, sha256: str, size: int, collector: str,
                            version: str, observations: Iterable[Observation]) -> ImportResult:
        """Store every observation of one input in a single transaction (see ``import_rows``)."""
        return self.import_rows(source, sha256, size, collector, version,
                                map(observation_row, observations))

    def import_rows(self, source: str, sha256: str, size: int, collector: str,
                    version: str, rows: Iterable[Row]) -> ImportResult:
        """Store every row (``observation_row``) of one input in a single transaction.

        ``rows`` is not iterated when the input is already known.  If iterating it raises
        (bad input), nothing of this input is kept and the exception propagates.
        """
        if self.known_input(sha256, collector, version):
            return ImportResult(source, collector, 0, 0, True)
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"store busy: another import held it for over {BUSY_TIMEOUT_S} s "
                             f"({exc}); nothing of {source} was imported, run again",
                             SourceLocation(str(self.path))) from None
        try:
            # Another process may have imported the same file while we waited for the lock.
            if self.known_input(sha256, collector, version):
                db.execute("ROLLBACK")
                return ImportResult(source, collector, 0, 0, True)
            before = db.total_changes
            count = 0
            batch = []
            for row in rows:
                batch.append(row)
                count += 1
                if len(batch) >= 5000:
                    db.executemany("INSERT OR IGNORE INTO observations VALUES (?,?,?,?)", batch)
                    batch.clear()
            if batch:
                db.executemany("INSERT OR IGNORE INTO observations VALUES (?,?,?,?)", batch)
            new = db.total_changes - before
            db.execute("INSERT INTO inputs VALUES (?,?,?,?,?,?)",
                       (sha256, collector, version, source, size, count))
            _test_pause_before_commit()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return ImportResult(source, collector, count, new, False)

    def put_document(self, name: str, body: str) -> bool:
        """Keep a small declared document (``estate.yml``); True if it changed."""
        sha = hashlib.sha256(body.encode("utf-8")).hexdigest()
        row = self._db.execute("SELECT sha256 FROM documents WHERE name=?", (name,)).fetchone()
        if row and row[0] == sha:
            return False
        self._db.execute("INSERT OR REPLACE INTO documents VALUES (?,?,?)", (name, sha, body))
        return True

    # -- reading --------------------------------------------------------------------
    def document(self, name: str) -> str | None:
        row = self._db.execute("SELECT body FROM documents WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def observations(self, kinds: Iterable[str] | None = None) -> Iterator[Observation]:
        """Every stored observation, sorted by id (deterministic), optionally by kind."""
        if kinds is None:
            cur = self._db.execute("SELECT id, kind, data, evidence FROM observations ORDER BY id")
        else:
            kinds = sorted(set(kinds))
            marks = ",".join("?" * len(kinds))
            cur = self._db.execute(
                f"SELECT id, kind, data, evidence FROM observations WHERE kind IN ({marks}) "
                "ORDER BY id", kinds)
        loads = json.loads
        for oid, kind, data, evidence in cur:
            obs = Observation.from_dict({"kind": kind, "data": loads(data),
                                         "evidence": loads(evidence)})
            obs.__dict__["id"] = oid    # the stored key is this content hash: not recomputed
            yield obs

    # The store only grows: a new observation gets the next rowid, so "what was there when
    # the graph was built" is a rowid bound (scanner/graph/incremental.py).
    def last_rowid(self) -> int:
        return self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM observations").fetchone()[0]

    def prefix_digest(self, upto: int) -> tuple[int, str]:
        """(count, sha256 over the ids in insertion order) of the observations up to rowid ``upto``."""
        h, n = hashlib.sha256(), 0
        for (oid,) in self._db.execute("SELECT id FROM observations WHERE rowid <= ? ORDER BY rowid",
                                       (upto,)):
            h.update(oid.encode())
            n += 1
        return n, h.hexdigest()

    def observations_in(self, after: int = 0, upto: int | None = None,
                        ids: Iterable[str] | None = None) -> Iterator[Observation]:
        """Observations with ``after`` < rowid <= ``upto`` (or of the given ``ids``), sorted by id."""
        if ids is not None:
            wanted = sorted(set(ids))
            rows = []
            for i in range(0, len(wanted), 900):
                chunk = wanted[i:i + 900]
                rows += self._db.execute("SELECT id, kind, data, evidence FROM observations WHERE "
                                         f"id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            rows.sort()
        else:
            rows = self._db.execute("SELECT id, kind, data, evidence FROM observations WHERE "
                                    "rowid > ? AND rowid <= ? ORDER BY id",
                                    (after, self.last_rowid() if upto is None else upto))
        loads = json.loads
        for oid, kind, data, evidence in rows:
            obs = Observation.from_dict({"kind": kind, "data": loads(data),
                                         "evidence": loads(evidence)})
            obs.__dict__["id"] = oid
            yield obs

    def kinds_of(self, ids: Iterable[str]) -> dict[str, str]:
        """id → kind of the given observations (those stored)."""
        wanted, out = sorted(set(ids)), {}
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            out.update(self._db.execute(f"SELECT id, kind FROM observations WHERE id IN "
                                        f"({','.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def inputs(self) -> list[dict]:
        cur = self._db.execute("SELECT source, collector, collector_version, sha256, size, "
                               "observations FROM inputs ORDER BY source, collector")
        cols = ["source", "collector", "collector_version", "sha256", "size", "observations"]
        return [dict(zip(cols, row)) for row in cur]

    def counts(self) -> dict[str, int]:
        cur = self._db.execute("SELECT kind, COUNT(*) FROM observations GROUP BY kind ORDER BY kind")
        return dict(cur.fetchall())

    def fingerprint(self) -> str:
        """A hash of everything stored: equal fingerprints ⇒ equal stores."""
        h = hashlib.sha256()
        for (oid,) in self._db.execute("SELECT id FROM observations ORDER BY id"):
            h.update(oid.encode())
        for (name, sha) in self._db.execute("SELECT name, sha256 FROM documents ORDER BY name"):
            h.update(f"{name}={sha}".encode())
        return h.hexdigest()

