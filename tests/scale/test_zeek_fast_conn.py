"""The Zeek conn fast path reads every line exactly as the general reader does.

``zeek._FastConn`` reads TSV conn lines by field position (issue #9: millions of flow
records); a line it is unsure of goes through ``zeek._conn``. These tests compare the
observations of both on lines covering every branch, and check that bad lines still
raise the general reader's located error.
"""

from __future__ import annotations

import random

import pytest

from scanner.collect.importers import zeek
from scanner.collect.importers.flowlog import FlowLogTable
from scanner.errors import InputError, SourceLocation
from scanner.model.observations import canonical_json

FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
          "duration", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"]
HEADER = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
          "#path\tconn\n#fields\t" + "\t".join(FIELDS) + "\n")


def _slow(path, source):
    """The general reader alone: every record through zeek._conn (no fast path)."""
    table = FlowLogTable(zeek.NAME, zeek.VERSION, source)
    for n, kind, record in zeek._records(path, source):
        zeek._READERS[kind](table, n, record, SourceLocation(source, f"line {n}"))
    return table.observations()


def _dump(observations):
    return [(o.kind, canonical_json(o.data), canonical_json(o.evidence.to_dict()))
            for o in observations]


def _random_lines(rng: random.Random, count: int) -> list[str]:
    hosts = ["10.20.1.5", "10.20.1.6", "10.21.3.7", "FD00:0020:0001::0021", "203.0.113.40"]
    out = []
    for i in range(count):
        ts = f"{1772438400 + rng.random() * 600000:.6f}" if i % 13 else "2026-03-02T08:00:01Z"
        row = [ts, f"C{i}", rng.choice(hosts), str(rng.randint(1024, 65535)), rng.choice(hosts),
               rng.choice(["443", "5432", "2575", "53"]),
               rng.choice(["tcp", "tcp", "udp", "icmp", "TCP", "-"]),
               rng.choice(["ssl", "-", "(empty)", "http,ssl", "-ssl", "postgresql", "dns"]),
               rng.choice(["1.25", "-", "0", "(empty)", "-3.5"]),
               rng.choice(["ShADadFf", "Dd", "^hADad", "-", "S", "(empty)"]),
               rng.choice(["3", "-", "0", "(empty)"]), str(rng.randint(0, 9999)),
               rng.choice(["2", "-"]), str(rng.randint(0, 9999))]
        out.append("\t".join(row))
    return out


def test_fast_path_equals_general_reader_on_every_branch(tmp_path):
    log = tmp_path / "conn.log"
    log.write_text(HEADER + "\n".join(_random_lines(random.Random(9), 3000)) + "\n",
                   encoding="utf-8")
    fast = zeek.read(log, "conn.log")
    slow = _slow(log, "conn.log")
    assert len(fast) > 20
    assert _dump(fast) == _dump(slow)


def test_fast_path_is_taken_for_ordinary_lines(tmp_path, monkeypatch):
    log = tmp_path / "conn.log"
    lines = [f"1772438400.5\tC{i}\t10.20.1.5\t50000\t10.20.1.6\t443\ttcp\tssl\t1.0\tShADadFf"
             f"\t3\t300\t2\t200" for i in range(50)]
    log.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    calls = []
    monkeypatch.setitem(zeek._READERS, "conn", lambda *a: calls.append(a))
    obs = zeek.read(log, "conn.log")
    assert calls == []                              # no line needed the general reader
    flow = [o for o in obs if o.kind == "flow"]
    assert len(flow) == 1 and flow[0].data["connections"] == 50
    assert flow[0].data["bytes_to_server"] == 50 * 300
    assert {o.data["protocol"] for o in obs if o.kind == "protocol"} == {"tls"}


@pytest.mark.parametrize("bad, message", [
    ("1772438400.5\tC1\t10.20.1.5\t5\tnot-an-ip\t443\ttcp\t-\t1\tS\t1\t1\t1\t1", "not an IP"),
    ("1772438400.5\tC1\t10.20.1.5\t5\t10.20.1.6\t70000\ttcp\t-\t1\tS\t1\t1\t1\t1", "not a port"),
    ("1772438400.5\tC1\t10.20.1.5\t5\t10.20.1.6\t443\ttcp\t-\t1\tS\t-4\t1\t1\t1", "negative"),
    ("99999999999999\tC1\t10.20.1.5\t5\t10.20.1.6\t443\ttcp\t-\t1\tS\t1\t1\t1\t1", "not a date"),
    ("1772438400.5\tC1\t10.20.1.5\t5\t10.20.1.6\t-\ttcp\t-\t1\tS\t1\t1\t1\t1", "missing"),
])
def test_bad_lines_still_raise_the_located_error(tmp_path, bad, message):
    good = "1772438400.5\tC0\t10.20.1.5\t5\t10.20.1.6\t443\ttcp\t-\t1\tS\t1\t1\t1\t1"
    log = tmp_path / "conn.log"
    log.write_text(HEADER + good + "\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        zeek.read(log, "conn.log")
    assert message in str(err.value)
    assert "conn.log: line 8" in str(err.value)
