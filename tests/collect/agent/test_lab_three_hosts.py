"""The agent on three real hosts (issue #3 item 7): network namespaces ``hg2-db``,
``hg2-app`` and ``hg2-client`` on one bridge (10.250.43.0/24, nothing else reachable).

- hg2-db runs a real PostgreSQL: a throw-away cluster (``initdb`` as the postgres user in
  a temporary folder) listening on the namespace's own address — the machine's
  PostgreSQL listens on 127.0.0.1 of the root namespace, which no namespace can reach;
- hg2-app runs an HTTP application (``http.server``, HTTP/1.1 keep-alive) that queries the
  database through one psycopg connection on every request;
- hg2-client calls the application over one keep-alive connection until the test stops
  it (at most 600 requests).

An agent (``python -m scanner agent --duration 3s --interval 1s``) samples each host while
the traffic runs; the three bundles are imported with ``hdscan import`` and the graph built
with ``hdscan graph``. The graph must hold exactly the two true dependencies —
hg2-client → hg2-app:8080 and hg2-app → hg2-db:5432, each with the process on both ends —
and no other flow. The application and client run as interpreters under their own names
(``labapp``, ``labclient``: a symlink's name is the process name), so "the right process"
is a real check. A canary patient name stored in the database appears in no bundle and
nowhere in the output folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import labnet
from scanner.graph.io import graph_from_dict
from scanner.privacy import find_canaries

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[3]
DB, APP, CLIENT = "hg2-db", "hg2-app", "hg2-client"
APP_PORT = 8080
CANARY = "DUPONT-CANARY-HG2"

APP_CODE = r'''
import http.server, json, sys, threading
import psycopg
db_ip, app_ip, port, canary = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
db = psycopg.connect(host=db_ip, port=5432, user="postgres", dbname="postgres", autocommit=True,
                     connect_timeout=10)
db.execute("create table if not exists visits (patient text, ward text)")
db.execute("insert into visits values (%s, 'cardio')", (canary,))
lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        with lock:
            n = db.execute("select count(*) from visits where ward = 'cardio'").fetchone()[0]
        body = json.dumps({"visits": n}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

srv = http.server.ThreadingHTTPServer((app_ip, port), Handler)
print("ready", flush=True)
srv.serve_forever()
'''

CLIENT_CODE = r'''
import http.client, json, select, sys
app_ip, port = sys.argv[1], int(sys.argv[2])
conn = http.client.HTTPConnection(app_ip, port, timeout=10)
n = 0
while n < 600:
    conn.request("GET", "/visits")
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(resp.read())["visits"] >= 1
    n += 1
    if n == 1:
        print("ready", flush=True)
    # the test closes stdin when the agents are done: stop then (else after 600 requests)
    if select.select([sys.stdin], [], [], 0.05)[0]:
        break
print(n, flush=True)
'''


def _ready(proc: subprocess.Popen, what: str, err: Path) -> None:
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"{what} did not start: {line!r} {err.read_text()[-2000:]!r}"


def _pg_bin(name: str) -> str:
    """A PostgreSQL server program: on PATH, else Debian's /usr/lib/postgresql/<v>/bin."""
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                                                   reverse=True)), None)
    return str(found or name)


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory):
    initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
    labnet.require("ip", "unshare", "runuser", initdb, postgres)
    tmp = tmp_path_factory.mktemp("hg2lab")
    # PostgreSQL runs as the postgres user: its folder must not be under root's 0700 tmp
    pgdir = Path(tempfile.mkdtemp(prefix="hg2-pg-"))
    shutil.chown(pgdir, "postgres", "postgres")
    bindir = tmp / "bin"
    bindir.mkdir()
    for name in ("labapp", "labclient"):
        (bindir / name).symlink_to(os.path.realpath(sys.executable))
    (tmp / "app.py").write_text(APP_CODE)
    (tmp / "client.py").write_text(CLIENT_CODE)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        with labnet.Lab("lab", "10.250.43", [DB, APP, CLIENT], tmp / "hosts") as lab:
            db_ip, app_ip = lab.ip(DB), lab.ip(APP)
            subprocess.run(["runuser", "-u", "postgres", "--", initdb, "-D", str(pgdir / "data"),
                            "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
                           cwd=pgdir, check=True, capture_output=True, timeout=120)
            with open(pgdir / "data" / "pg_hba.conf", "a") as f:
                f.write("host all postgres 10.250.43.0/24 trust\n")
            lab.spawn(DB, ["runuser", "-u", "postgres", "--", postgres, "-D", str(pgdir / "data"),
                           "-c", f"listen_addresses={db_ip}", "-c", "port=5432",
                           "-c", f"unix_socket_directories={pgdir}", "-c", "fsync=off",
                           "-c", "max_connections=10", "-c", "shared_buffers=16MB"],
                      cwd=pgdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            lab.wait_port(APP, db_ip, 5432, timeout=60)
            app = lab.spawn(APP, [str(bindir / "labapp"), str(tmp / "app.py"), db_ip, app_ip,
                                  str(APP_PORT), CANARY],
                            stdout=subprocess.PIPE, stderr=(tmp / "app.err").open("w"), text=True,
                            env=env)
            _ready(app, "the application", tmp / "app.err")
            client = lab.spawn(CLIENT, [str(bindir / "labclient"), str(tmp / "client.py"), app_ip,
                                        str(APP_PORT)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=(tmp / "client.err").open("w"), text=True)
            _ready(client, "the client", tmp / "client.err")
            agents = {h: lab.spawn(h, [sys.executable, "-m", "scanner", "agent", "--duration", "3s",
                                       "--interval", "1s", "--flush", "1s",
                                       "-o", str(tmp / f"{h}.hdscan.tar")],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                      for h in (DB, APP, CLIENT)}
            results = {h: (a.wait(timeout=120), a.stderr.read()) for h, a in agents.items()}
            client.stdin.close()
            requests = int(client.stdout.read().strip() or 0)
            assert client.wait(timeout=30) == 0, (tmp / "client.err").read_text()[-2000:]
            bundles = [str(tmp / f"{h}.hdscan.tar") for h in (DB, APP, CLIENT)]
            imp = subprocess.run([sys.executable, "-m", "scanner", "import", *bundles, "-o", str(tmp / "out")],
                                 capture_output=True, text=True, timeout=120, env=env)
            graph = subprocess.run([sys.executable, "-m", "scanner", "graph", "-o", str(tmp / "out")],
                                   capture_output=True, text=True, timeout=120, env=env)
            yield {"tmp": tmp, "agents": results, "requests": requests, "import": imp,
                   "graph": graph, "lab": lab}
    finally:
        shutil.rmtree(pgdir, ignore_errors=True)


def _graph(lab_run):
    assert lab_run["graph"].returncode == 0, lab_run["graph"].stderr
    return graph_from_dict(json.loads((lab_run["tmp"] / "out" / "graph.json").read_text()))


def test_agents_and_import_succeed(lab_run):
    for host, (rc, err) in lab_run["agents"].items():
        assert rc == 0, f"{host}: {err[-2000:]}"
    assert lab_run["requests"] >= 2   # the client called the application during the run
    imp = lab_run["import"]
    assert imp.returncode == 0, imp.stderr
    assert "3 files read" in imp.stdout + imp.stderr and "0 refused" in imp.stdout + imp.stderr


def test_graph_holds_exactly_the_true_dependencies_with_their_processes(lab_run):
    g = _graph(lab_run)
    lab = lab_run["lab"]
    hosts = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "host")
    assert hosts == sorted(f"host:{h}" for h in (DB, APP, CLIENT))
    for h in (DB, APP, CLIENT):
        assert lab.ip(h) in g.nodes[f"host:{h}"]["addresses"]
    flows = {(u, v): d for u, v, d in g.edges(data=True) if d.get("kind") == "flow"}
    app_svc, db_svc = f"svc:{APP}:tcp/{APP_PORT}", f"svc:{DB}:tcp/5432"
    assert set(flows) == {(f"host:{CLIENT}", app_svc), (f"host:{APP}", db_svc)}
    assert flows[(f"host:{CLIENT}", app_svc)]["client_processes"] == ["labclient"]
    assert flows[(f"host:{APP}", db_svc)]["client_processes"] == ["labapp"]
    assert g.nodes[app_svc]["process"] == "labapp"
    assert g.nodes[db_svc]["process"] == "postgres"
    for (_, _), d in flows.items():
        assert d["sources"] == ["agent-inventory"] and d["first_seen"] and d["last_seen"]
    # and nothing else: no other service, no unknown endpoint, no edge but those flows and
    # each host running its service
    services = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "service")
    assert services == sorted([app_svc, db_svc])
    assert sorted(g.nodes) == sorted(hosts + services)
    assert sorted((u, v, d["kind"]) for u, v, d in g.edges(data=True)) == sorted([
        (f"host:{APP}", app_svc, "runs"), (f"host:{DB}", db_svc, "runs"),
        (f"host:{CLIENT}", app_svc, "flow"), (f"host:{APP}", db_svc, "flow")])


def test_no_patient_data_in_bundles_or_output(lab_run):
    tmp = lab_run["tmp"]
    assert find_canaries(tmp / "out", [CANARY]) == []
    for h in (DB, APP, CLIENT):
        assert CANARY.encode() not in (tmp / f"{h}.hdscan.tar").read_bytes()
