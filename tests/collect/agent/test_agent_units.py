"""The agent's pieces on given inputs: durations, os-release, package listings, command-line
scrubbing, aggregation of sampled tables (direction, once per sample, bounded memory),
and resuming a previous flush."""

from __future__ import annotations

import json

import psutil
import pytest

from scanner.collect.agent import inventory, loop, packages, probe, sampler, writer
from scanner.errors import InputError


def test_durations():
    assert [loop.parse_duration(t) for t in ("30s", "5m", "2h", "7d", "0", " 12 ")] == \
        [30, 300, 7200, 604800, 0, 12]
    for bad in ("", "5 minutes", "-1s", "1.5h", "3w", "400d"):
        with pytest.raises(ValueError):
            loop.parse_duration(bad)
    with pytest.raises(ValueError, match="minimum of 1 s"):
        loop.parse_duration("0s", minimum=1)


def test_os_release():
    text = '# comment\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\nNAME="Rocky Linux"\nVERSION_ID="9.3"\n'
    assert probe.parse_os_release(text) == ("Rocky Linux", "9.3")
    assert probe.parse_os_release("ID=alpine\n") == (None, None)


def test_dpkg_and_rpm_listings():
    dpkg = ("ii \tpostgresql-14\t14.11-0ubuntu0.22.04.1\n"
            "ii \tlibc6:amd64\t2.35-0ubuntu3.6\n"
            "rc \tmysql-server-8.0\t8.0.36\n"          # removed, config left: not installed
            "ii \tlibc6:i386\t2.35-0ubuntu3.6\n")
    assert packages.parse_dpkg(dpkg) == [("libc6", "2.35-0ubuntu3.6"),
                                         ("postgresql-14", "14.11-0ubuntu0.22.04.1")]
    rpm = "httpd\t2.4.57-5.el9\ngpg-pubkey\t8483c65d-5ccc5b19\nbroken line\n"
    assert packages.parse_rpm(rpm) == [("httpd", "2.4.57-5.el9")]


def test_this_host_packages_are_listed_with_versions():
    pkgs, limits = packages.installed()
    if limits:
        pytest.skip(limits[0])
    assert pkgs == sorted(pkgs) and all(name and version for name, version in pkgs)
    names = {n for n, _ in pkgs}
    assert "dpkg" in names or "rpm" in names      # the package manager lists itself


def test_addresses_are_plain():
    assert probe.plain_ip("::ffff:10.20.1.11") == "10.20.1.11"
    assert probe.plain_ip("fe80::1%eth0") == "fe80::1"


def _table(listening=(), connections=()):
    return sampler.Table([sampler.Listener(*x) for x in listening],
                         [sampler.Conn(*x) for x in connections])


DB_LISTEN = ("0.0.0.0", 5432, "tcp", 900, "postgres")


def test_direction_from_the_listening_table_and_one_count_per_sample():
    agg = sampler.Aggregator()
    conns = [("10.0.0.2", 5432, "10.0.0.1", 51000, "tcp", 901, "postgres"),
             ("10.0.0.2", 5432, "10.0.0.1", 51002, "tcp", 902, "postgres"),   # same dependency
             ("10.0.0.2", 43000, "10.0.0.9", 8443, "tcp", 77, "java")]
    agg.observe(_table([DB_LISTEN], conns), "2026-03-02T08:00:00Z")
    agg.observe(_table([DB_LISTEN], conns[:1]), "2026-03-02T08:00:05Z")
    rows = {(r["local_role"], r["process"]): r for r in agg.connection_rows()}
    assert set(rows) == {("server", "postgres"), ("client", "java")}
    db = rows[("server", "postgres")]
    assert (db["times_seen"], db["first_seen"], db["last_seen"], db["confidence"]) == \
        (2, "2026-03-02T08:00:00Z", "2026-03-02T08:00:05Z", "high")
    assert (db["local_ip"], db["local_port"], db["remote_ip"]) == ("10.0.0.2", 5432, "10.0.0.1")
    java = rows[("client", "java")]
    assert (java["times_seen"], java["remote_port"], java["confidence"]) == (1, 8443, "medium")
    assert agg.listening_rows() == [{"ip": "0.0.0.0", "port": 5432, "transport": "tcp",
                                     "pid": 900, "process": "postgres"}]


def test_loopback_seen_from_both_ends_gives_two_records():
    agg = sampler.Aggregator()
    agg.observe(_table([("127.0.0.1", 3306, "tcp", 5, "mariadbd")],
                       [("127.0.0.1", 3306, "127.0.0.1", 40000, "tcp", None, None),
                        ("127.0.0.1", 40000, "127.0.0.1", 3306, "tcp", None, None)]), "2026-03-02T08:00:00Z")
    rows = agg.connection_rows()
    assert sorted((r["local_role"], r["local_port"]) for r in rows) == [("client", 40000), ("server", 3306)]


def test_memory_is_bounded_by_distinct_dependencies():
    agg = sampler.Aggregator()
    for i in range(2000):   # the same two dependencies, a new client port every sample
        agg.observe(_table([DB_LISTEN], [("10.0.0.2", 5432, "10.0.0.1", 30000 + i, "tcp", 901, "postgres"),
                                         ("10.0.0.2", 30000 + i, "10.0.0.3", 443, "tcp", 5, "curl")]),
                    f"2026-03-02T08:{i // 60 % 60:02d}:{i % 60:02d}Z")
    assert len(agg.records) == 2 and agg.samples == 2000
    assert {r["times_seen"] for r in agg.connection_rows()} == {2000}


def _snap():
    return writer.Snapshot({"hostname": "h1", "host_id": "abc"}, [("bash", "5.2")],
                           [{"pid": 1, "name": "init"}], ["unprivileged: test"])


def test_written_document_is_read_by_the_importer_with_its_extra_keys(tmp_path):
    agg = sampler.Aggregator()
    agg.observe(_table([DB_LISTEN], [("10.0.0.2", 5432, "10.0.0.1", 51000, "tcp", 901, "postgres")]),
                "2026-03-02T08:00:00Z")
    path = writer.write(tmp_path / "h1.json",
                        writer.document(_snap(), agg, "2026-03-02T08:00:00Z", "2026-03-02T08:00:00Z", 5))
    doc = json.loads(path.read_text())
    assert doc["limitations"] == ["unprivileged: test"] and doc["packages"] == ["bash"]
    obs = list(inventory.collect(path, "agents/h1.json"))
    assert [o.kind for o in obs] == ["host", "process", "listen", "connection"]
    c = obs[-1].data
    assert (c["client_ip"], c["server_ip"], c["server_port"], c["local_role"], c["confidence"]) == \
        ("10.0.0.1", "10.0.0.2", 5432, "server", "high")


def test_resume_keeps_counting_and_refuses_other_hosts_and_bad_files(tmp_path):
    agg = sampler.Aggregator()
    conn = [("10.0.0.2", 5432, "10.0.0.1", 51000, "tcp", 901, "postgres")]
    agg.observe(_table([DB_LISTEN], conn), "2026-03-02T08:00:00Z")
    agg.observe(_table([DB_LISTEN], conn), "2026-03-02T08:00:05Z")
    path = writer.write(tmp_path / "h1.json",
                        writer.document(_snap(), agg, "2026-03-02T08:00:00Z", "2026-03-02T08:00:05Z", 5))
    prev = writer.resume(path, "abc")
    assert prev.collected_from == "2026-03-02T08:00:00Z" and prev.aggregator.samples == 2
    prev.aggregator.observe(_table([DB_LISTEN], conn), "2026-03-03T09:00:00Z")
    (row,) = prev.aggregator.connection_rows()
    assert (row["times_seen"], row["first_seen"], row["last_seen"]) == \
        (3, "2026-03-02T08:00:00Z", "2026-03-03T09:00:00Z")
    assert writer.resume(tmp_path / "absent.json", "abc") is None
    with pytest.raises(InputError, match="another host") as exc:
        writer.resume(path, "other")
    assert str(exc.value).startswith(f"{path}: host.host_id:")
    path.write_text(path.read_text()[:200])      # truncated
    with pytest.raises(InputError, match="invalid JSON"):
        writer.resume(path, "abc")


def test_unreadable_socket_table_degrades_and_says_so(monkeypatch):
    def denied(kind):
        raise psutil.AccessDenied()
    monkeypatch.setattr(psutil, "net_connections", denied)
    table = sampler.connection_table("psutil")     # the fallback reader
    assert table.listening == [] and table.connections == []
    agg = sampler.Aggregator()
    agg.observe(table, "2026-03-02T08:00:00Z")
    assert any("not readable" in x for x in agg.limitations)


def test_talking_to_its_own_listener_makes_the_host_the_client():
    agg = sampler.Aggregator()
    # both ports ephemeral, the listener's above the client's: port rules alone would say server
    agg.observe(_table([("10.0.0.2", 55000, "tcp", 7, "app")],
                       [("10.0.0.2", 40000, "10.0.0.2", 55000, "tcp", 8, "cli"),
                        ("10.0.0.2", 55000, "10.0.0.2", 40000, "tcp", 7, "app")]), "2026-03-02T08:00:00Z")
    got = sorted((r["process"], r["local_role"], r["confidence"]) for r in agg.connection_rows())
    assert got == [("app", "server", "high"), ("cli", "client", "high")]


def test_unprivileged_snapshot_says_so(monkeypatch):
    monkeypatch.setattr(probe, "unprivileged", lambda: True)
    snap = loop.take_snapshot()
    assert any(x.startswith("unprivileged:") and "owning process" in x for x in snap.limitations)


def test_the_importer_agrees_on_a_host_calling_its_own_listener(tmp_path):
    doc = {"schema": inventory.SCHEMA, "collected_from": "2026-03-02T08:00:00Z",
           "collected_to": "2026-03-02T08:00:00Z", "limitations": ["unprivileged: x"],
           "host": {"hostname": "h1", "interfaces": [{"name": "eth0", "addresses": ["10.0.0.2"]}]},
           "listening": [{"ip": "0.0.0.0", "port": 55000, "transport": "tcp"}],
           "connections": [{"local_ip": "10.0.0.2", "local_port": 40000, "remote_ip": "10.0.0.2",
                            "remote_port": 55000, "transport": "tcp", "process": "cli"}]}
    path = tmp_path / "h1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    (conn,) = [o.data for o in inventory.collect(path, "agents/h1.json") if o.kind == "connection"]
    assert (conn["local_role"], conn["confidence"], conn["server_port"]) == ("client", "high", 55000)


def test_the_socket_table_falls_back_to_psutil_without_netlink(monkeypatch):
    from scanner.collect.agent import sockdiag

    monkeypatch.setattr(sampler, "_DIAG", [])
    monkeypatch.setattr(sockdiag, "available", lambda: False)       # not Linux, netlink refused
    assert sampler.connection_table().reader == "psutil"
    with pytest.raises(OSError):
        sampler.connection_table("sock_diag")

    class Broken(sockdiag.Reader):
        def raw(self):
            raise PermissionError(1, "netlink refused mid-run")
    monkeypatch.setattr(sampler, "_DIAG", [Broken()])
    assert sampler.connection_table().reader == "psutil"           # and psutil from now on
    assert sampler._DIAG == [None]
