"""The store: idempotent imports, one transaction per input, located errors."""

from __future__ import annotations

import sqlite3

import pytest

from scanner.errors import InputError, SourceLocation, StoreError
from scanner.store import Store
from tests.conftest import obs


def _observations(n: int):
    return [obs("dns", place=f"frame {i}", name=f"h{i}.ch.local", address=f"10.0.0.{i}")
            for i in range(n)]


def test_same_input_twice_changes_nothing(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        first = store.import_observations("a.pcap", "sha-a", 10, "pcap", "1", _observations(5))
        fp = store.fingerprint()
        second = store.import_observations("a.pcap", "sha-a", 10, "pcap", "1", _observations(5))
        assert (first.new, first.skipped) == (5, False)
        assert (second.new, second.skipped) == (0, True)
        assert store.fingerprint() == fp
        assert len(store.inputs()) == 1


def test_same_facts_from_two_files_are_kept_with_each_evidence(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.import_observations("a", "sha-a", 1, "t", "1", _observations(3))
        store.import_observations("b", "sha-b", 1, "t", "1",
                                  [obs("dns", source="b", place="frame 0",
                                       name="h0.ch.local", address="10.0.0.0")])
        assert store.counts() == {"dns": 4}


def test_failing_collector_leaves_store_as_it_was(tmp_path):
    def broken():
        yield from _observations(3)
        raise InputError("truncated record", SourceLocation("bad.pcap", "frame 4 (byte 96)"))

    with Store(tmp_path / "s.sqlite") as store:
        store.import_observations("ok", "sha-ok", 1, "t", "1", _observations(2))
        before = store.fingerprint()
        with pytest.raises(InputError, match=r"^bad.pcap: frame 4 \(byte 96\): truncated record$"):
            store.import_observations("bad.pcap", "sha-bad", 1, "t", "1", broken())
        assert store.fingerprint() == before
        assert [i["source"] for i in store.inputs()] == ["ok"]


def test_killed_import_leaves_nothing(tmp_path):
    """A process that dies mid-import (simulated by an uncommitted transaction) keeps nothing."""
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.import_observations("ok", "sha-ok", 1, "t", "1", _observations(1))
        before = store.fingerprint()

    class Killed(BaseException):
        pass

    def dies():
        yield from _observations(7000)   # more than one batch reaches SQLite
        raise Killed()

    with Store(path) as store:
        with pytest.raises(Killed):
            store.import_observations("big", "sha-big", 1, "t", "1", dies())
    with Store(path) as store:
        assert store.fingerprint() == before


def test_order_of_imports_does_not_matter(tmp_path):
    a, b = _observations(3), [obs("dns", source="b", name="x.ch.local", address="10.0.1.1")]
    with Store(tmp_path / "1.sqlite") as s1, Store(tmp_path / "2.sqlite") as s2:
        s1.import_observations("a", "sha-a", 1, "t", "1", a)
        s1.import_observations("b", "sha-b", 1, "t", "1", b)
        s2.import_observations("b", "sha-b", 1, "t", "1", b)
        s2.import_observations("a", "sha-a", 1, "t", "1", a)
        assert s1.fingerprint() == s2.fingerprint()
        assert [o.id for o in s1.observations()] == [o.id for o in s2.observations()]


def test_not_a_store(tmp_path):
    bad = tmp_path / "store.sqlite"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match=r"store.sqlite: not a readable hdscan store"):
        Store(bad)


def test_future_store_version_refused(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="store schema version 99, this hdscan reads version 1"):
        Store(path)


def test_missing_store_is_named(tmp_path):
    with pytest.raises(StoreError, match="no estate store here"):
        Store(tmp_path / "nope.sqlite", create=False)
