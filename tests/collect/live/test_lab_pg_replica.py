"""A real PostgreSQL streaming standby and a real logical subscription, scanned live.

Three throw-away clusters made with ``initdb`` (run as the ``postgres`` OS user) on free
127.0.0.1 ports: a primary with ``wal_level=logical``, a standby cloned from it with
``pg_basebackup -R`` and streaming, and a subscriber whose subscription really copies the
primary's publication. ``hdscan db scan`` of the primary must show both walsenders
(``pg_stat_replication`` → flow + protocol → graph edge), of the standby its upstream
(``pg_stat_wal_receiver`` → config_ref), of the subscriber its subscription (db_link).
Every wait polls with a deadline; teardown stops the clusters (``pg_ctl stop -m immediate``)
and deletes their folder. In CI (``CI=true``) a missing ``initdb`` fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.collect.live.introspect import introspect
from scanner.privacy import find_canaries

pytestmark = pytest.mark.lab
DB = "hdscan_lab_repl_dpi"
SUB = "hdscan_lab_repl_sub"
CANARIES = ["ROUSSEL-CANARY Berthe", "Sub-CANARY-hH2-3305"]


def _bin(name: str) -> str | None:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                                                   reverse=True)), None)
    return str(found) if found else None


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _as_postgres(*args: str) -> None:
    done = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr[-1500:]}"


def _sql(port: int, sql: str, dbname: str = "postgres") -> list[tuple]:
    import psycopg
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname,
                         autocommit=True, connect_timeout=5) as c:
        cur = c.execute(sql)
        return cur.fetchall() if cur.description else []


def _until(what: str, check, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


@pytest.fixture(scope="module")
def clusters():
    tools = {n: _bin(n) for n in ("initdb", "pg_ctl", "pg_basebackup")}
    missing = [n for n, p in tools.items() if p is None] + \
        ([] if shutil.which("runuser") else ["runuser"])
    if missing:
        why = f"PostgreSQL server programs missing: {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    # the postgres user must reach its folder: not under root's 0700 pytest tmp
    root = Path(tempfile.mkdtemp(prefix="hdscan-lab-pgrepl-hH2-"))
    shutil.chown(root, "postgres", "postgres")
    primary, standby, subscriber = ports = _free_ports(3)
    started: list[Path] = []

    def start(data: Path, port: int) -> None:
        with open(data / "postgresql.conf", "a") as f:
            f.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{root}'\n")
        started.append(data)
        _as_postgres(tools["pg_ctl"], "-D", str(data), "-l", str(root / f"{data.name}.log"),
                     "-w", "-t", "60", "start")

    try:
        for name in ("primary", "subscriber"):
            _as_postgres(tools["initdb"], "-D", str(root / name), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--no-sync")
        with open(root / "primary" / "postgresql.conf", "a") as f:
            f.write("\nwal_level = logical\n")
        start(root / "primary", primary)
        _sql(primary, f"CREATE DATABASE {DB}")
        _sql(primary, "CREATE TABLE patient (ipp text PRIMARY KEY, nom_naissance text)", DB)
        _sql(primary, "INSERT INTO patient VALUES ('P7', 'ROUSSEL-CANARY Berthe')", DB)
        _sql(primary, "CREATE PUBLICATION pub_patient FOR TABLE patient", DB)
        _as_postgres(tools["pg_basebackup"], "-h", "127.0.0.1", "-p", str(primary), "-U", "postgres",
                     "-D", str(root / "standby"), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        start(root / "standby", standby)
        start(root / "subscriber", subscriber)
        _sql(subscriber, f"CREATE DATABASE {DB}")
        _sql(subscriber, "CREATE TABLE patient (ipp text PRIMARY KEY, nom_naissance text)", DB)
        _sql(subscriber, f"CREATE SUBSCRIPTION {SUB} CONNECTION 'host=127.0.0.1 port={primary} "
                         f"dbname={DB} user=postgres password=Sub-CANARY-hH2-3305' "
                         "PUBLICATION pub_patient", DB)
        _until("the standby to stream", lambda: _sql(
            standby, "SELECT status FROM pg_stat_wal_receiver") == [("streaming",)])
        _until("the subscription to copy the table",
               lambda: _sql(subscriber, "SELECT count(*) FROM patient", DB) == [(1,)])
        _until("both walsenders to show", lambda: len(_sql(
            primary, "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'")) == 2)
        yield dict(zip(("primary", "standby", "subscriber"), ports))
    finally:
        for data in reversed(started):
            subprocess.run(["runuser", "-u", "postgres", "--", tools["pg_ctl"], "-D", str(data),
                            "-m", "immediate", "-w", "-t", "30", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_primary_shows_its_standby_and_its_subscriber(clusters):
    got = introspect(f"postgresql://postgres@127.0.0.1:{clusters['primary']}/{DB}", as_host="dpi-db01")
    protos = sorted((o.data["client_ip"], o.data["server_ip"], o.data["server_port"],
                     o.data["facts"].get("application_name"))
                    for o in got.observations
                    if o.kind == "protocol" and o.evidence.location == "pg_stat_replication")
    assert protos == [("127.0.0.1", "127.0.0.1", clusters["primary"], SUB),
                      ("127.0.0.1", "127.0.0.1", clusters["primary"], "walreceiver")]
    assert [o for o in got.observations if o.kind == "flow"
            and o.evidence.location == "pg_stat_replication" and o.data["client_ip"] == "127.0.0.1"]


def test_standby_shows_its_upstream(clusters):
    got = introspect(f"postgresql://postgres@127.0.0.1:{clusters['standby']}/{DB}", as_host="dpi-db02")
    ups = [(o.data["host"], o.data["target_host"], o.data["target_port"], o.data["scheme"],
            o.evidence.location) for o in got.observations if o.kind == "config_ref"]
    assert ups == [("dpi-db02", "127.0.0.1", clusters["primary"], "postgresql", "pg_stat_wal_receiver")]
    (schema,) = [o.data for o in got.observations if o.kind == "db_schema"]
    assert [t["name"] for t in schema["tables"]] == ["patient"]      # the replicated catalogue


def test_subscription_is_a_link_and_everything_is_a_graph_edge(clusters, tmp_path):
    from scanner import pipeline

    runner = CliRunner()
    for role in ("primary", "standby", "subscriber"):
        url = f"postgresql://postgres@127.0.0.1:{clusters[role]}/{DB}"
        result = runner.invoke(main, ["db", "scan", url, "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
    got = introspect(f"postgresql://postgres@127.0.0.1:{clusters['subscriber']}/{DB}")
    (sub,) = [o.data for o in got.observations if o.kind == "db_link"]
    assert (sub["mechanism"], sub["object"], sub["source_port"], sub["target_host"],
            sub["target_port"], sub["target_database"]) == \
        ("logical-replication", SUB, clusters["subscriber"], "127.0.0.1", clusters["primary"], DB)
    g = pipeline.stage_graph(tmp_path)
    links = [(u, v) for u, v, d in g.edges(data=True)
             if d["kind"] == "db_link" and "logical-replication" in d["mechanisms"]]
    assert len(links) == 1
    (u, v), = links      # node ids name engine, host, port and database
    assert g.nodes[u]["name"] == g.nodes[v]["name"] == DB
    assert u.endswith(f":{clusters['subscriber']}/{DB}") and v.endswith(f":{clusters['primary']}/{DB}")
    flows = [d for u, v, d in g.edges(data=True) if d["kind"] == "flow"
             and d.get("port") == clusters["primary"]]
    assert flows and any(d.get("protocol") == "postgresql" for d in flows)
    refs = [d for u, v, d in g.edges(data=True) if d["kind"] == "config_ref"]
    assert refs
    assert find_canaries(tmp_path, CANARIES) == []


def test_upstream_over_a_unix_socket_is_no_edge():
    """A standby on the primary's host may stream over its socket: no network dependency."""
    from scanner.collect.live.peers import Peers, observations

    peers = Peers(server_ip="10.20.1.11", upstreams=[("/var/run/postgresql", 5432),
                                                     ("dpi-db01.ch-example.local", None)])
    obs = observations(peers, host="dpi-db02", port=5432, engine="postgresql", collector="pg-live",
                       version="1", source="postgresql://dpi-db02:5432/", ok=lambda v: bool(v))
    assert [(o.kind, o.data["host"], o.data["target_host"], o.data["target_port"])
            for o in obs] == [("config_ref", "dpi-db02", "dpi-db01.ch-example.local", 5432)]
