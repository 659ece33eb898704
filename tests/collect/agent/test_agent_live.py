"""The agent on this very machine: a one-shot inventory that the importer reads, with a
listener and a connection the test opened; secrets of a running process scrubbed; a
sampler killed with -9 and resumed."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from scanner.collect.agent import inventory, loop
from scanner.model.observations import canonical_json

ROOT = Path(__file__).resolve().parents[3]
ME = psutil.Process()


@contextmanager
def open_pair(ip: str):
    """A TCP listener on ``ip``:<free port> and one accepted connection to it."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind((ip, 0))
    srv.listen(4)
    cli = socket.create_connection(srv.getsockname(), timeout=5)
    acc, _ = srv.accept()
    try:
        yield srv.getsockname()[1], cli.getsockname()[1]
    finally:
        for s in (acc, cli, srv):
            s.close()


def _routable_ipv4() -> str | None:
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family == socket.AF_INET and not a.address.startswith("127."):
                return a.address
    return None


def _records(doc: dict, port: int) -> dict[str, dict]:
    """This test's own connection records for the listener on ``port``, by local role."""
    out = {}
    for r in doc["connections"]:
        if r.get("pid") == ME.pid and port in (r["local_port"], r["remote_port"]):
            out[r["local_role"]] = r
    return out


def test_one_shot_inventory_of_this_host_is_imported(tmp_path):
    out = tmp_path / "agent.json"
    with open_pair("127.0.0.1") as (port, client_port):
        result = loop.run(out, 0, 1, 1)
    assert result.samples == 1 and not result.resumed
    doc = json.loads(out.read_text())
    assert doc["host"]["hostname"] == socket.gethostname()
    assert doc["host"]["cpu_count"] == psutil.cpu_count()
    assert doc["host"]["memory_bytes"] == psutil.virtual_memory().total
    assert doc["host"]["disks"] and all(d["total_bytes"] >= d["used_bytes"] > 0 for d in doc["host"]["disks"])
    raw_id = Path("/etc/machine-id").read_text().strip() if Path("/etc/machine-id").exists() else None
    if raw_id:
        assert raw_id not in out.read_text() and len(doc["host"]["host_id"]) == 32
    listen = [x for x in doc["listening"] if (x["ip"], x["port"]) == ("127.0.0.1", port)]
    assert listen == [{"ip": "127.0.0.1", "port": port, "transport": "tcp", "pid": ME.pid,
                       "process": ME.name()}]
    recs = _records(doc, port)
    assert set(recs) == {"client", "server"}
    assert (recs["server"]["local_port"], recs["server"]["remote_port"], recs["server"]["confidence"]) == \
        (port, client_port, "high")
    assert (recs["client"]["local_port"], recs["client"]["remote_port"]) == (client_port, port)
    assert recs["server"]["times_seen"] == 1 and recs["server"]["process"] == ME.name()
    mine = [p for p in doc["processes"] if p["pid"] == ME.pid]
    assert mine and mine[0]["exe"] == ME.exe() and mine[0]["user"] == ME.username()

    obs = list(inventory.collect(out, "agents/this.json"))
    kinds = {o.kind for o in obs}
    assert {"host", "process", "listen"} <= kinds
    assert obs[0].data["hostname"] == socket.gethostname()
    assert any(o.kind == "listen" and o.data["port"] == port and o.data.get("process") == ME.name()
               for o in obs)
    assert any(o.kind == "process" and o.data.get("exe") == ME.exe() for o in obs)
    # loopback connections are the host talking to itself: the importer drops them
    assert not any(o.kind == "connection" and port == o.data["server_port"] for o in obs)


def test_routable_connection_becomes_a_connection_observation(tmp_path):
    ip = _routable_ipv4()
    if ip is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    out = tmp_path / "agent.json"
    with open_pair(ip) as (port, _client_port):
        loop.run(out, 0, 1, 1)
    conns = [o.data for o in inventory.collect(out, "agents/this.json")
             if o.kind == "connection" and o.data["server_port"] == port]
    roles = sorted((c["local_role"], c["confidence"], c["client_ip"], c["server_ip"]) for c in conns)
    assert roles[1] == ("server", "high", ip, ip)
    assert roles[0][0] == "client" and roles[0][2:] == (ip, ip)
    assert {c["process"] for c in conns} == {ME.name()}


def test_command_lines_of_running_processes_are_never_written(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                              "--password=S3cr3t-CANARY", "DUPONT-CANARY",
                              "--token", "T0ken-CANARY"])
    try:
        deadline = time.monotonic() + 10
        while "DUPONT-CANARY" not in " ".join(psutil.Process(child.pid).cmdline()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        out = tmp_path / "agent.json"
        loop.run(out, 0, 1, 1)
    finally:
        child.kill()
        child.wait(10)
    text = out.read_text()
    (row,) = [p for p in json.loads(text)["processes"] if p["pid"] == child.pid]
    assert row["name"] and "cmdline" not in row
    assert not any(c in text for c in ("S3cr3t-CANARY", "DUPONT-CANARY", "T0ken-CANARY"))
    stored = "\n".join(canonical_json(o.data) for o in inventory.collect(out, "agents/this.json"))
    assert stored and not any(c in stored for c in ("S3cr3t-CANARY", "DUPONT-CANARY", "T0ken-CANARY",
                                                    "--password"))


def _agent(out: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scanner", "agent", "-q", "-o", str(out), *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_loses_at_most_a_flush_and_a_restart_resumes(tmp_path):
    out = tmp_path / "agent.json"
    with open_pair("127.0.0.1") as (port, _):
        proc = _agent(out, "--interval", "1s", "--flush", "1s", "--duration", "60s")
        try:
            versions, deadline = set(), time.monotonic() + 30
            while len(versions) < 2:
                assert time.monotonic() < deadline, "the agent did not flush twice in 30 s"
                assert proc.poll() is None, proc.stderr.read()
                if out.exists():
                    versions.add(hashlib.sha256(out.read_bytes()).hexdigest())
                time.sleep(0.1)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        killed = json.loads(out.read_text())
        before = _records(killed, port)["server"]
        assert killed["samples"] >= 2 and before["times_seen"] >= 1
        list(inventory.collect(out, "agents/killed.json"))          # the importer takes it whole

        again = _agent(out, "--interval", "1s", "--flush", "1s", "--duration", "2s")
        stdout, stderr = again.communicate(timeout=60)
    assert again.returncode == 0, stderr
    assert not list(tmp_path.glob(".agent.json.*.tmp"))          # a write cut by -9 is cleaned up
    assert "(resumed)" in stdout
    resumed = json.loads(out.read_text())
    after = _records(resumed, port)["server"]
    assert after["times_seen"] > before["times_seen"]
    assert after["first_seen"] == before["first_seen"]
    assert resumed["samples"] > killed["samples"]
    assert resumed["collected_from"] == killed["collected_from"]


def test_sigterm_flushes_before_leaving(tmp_path):
    out = tmp_path / "agent.json"
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "agent", "-o", str(out), "--interval", "1s",
                             "--flush", "1h", "--duration", "1h"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stderr], [], [], 60)   # SIGTERM handler in place
        assert ready and proc.stderr.readline().strip().startswith("sampling every 1 s")
        time.sleep(1.5)
        assert not out.exists()                  # nothing flushed yet: the flush is hourly
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert json.loads(out.read_text())["samples"] >= 2


def _reachable_by_others(path: Path) -> bool:
    """Every folder above ``path`` can be entered, and ``path`` read, by any user."""
    real = Path(os.path.realpath(path))
    return all(d.stat().st_mode & 0o001 for d in real.parents) and bool(real.stat().st_mode & 0o004)


def _interpreter_for_others(folder: Path) -> tuple[str, dict]:
    """A Python and environment another user can run hdscan's agent with.

    This interpreter when others can reach it; else the system's ``/usr/bin/python3`` of
    the same version, with hdscan and the third-party packages the agent imports copied
    into ``folder`` (pyenv keeps its interpreters under /root, mode 700).
    """
    if _reachable_by_others(Path(sys.executable)):
        return sys.executable, dict(os.environ)
    system = Path("/usr/bin/python3")
    probe = subprocess.run([str(system), "-c", "import sys; print(sys.version_info[:2])"],
                           capture_output=True, text=True) if system.exists() else None
    if probe is None or probe.stdout.strip() != str(tuple(sys.version_info[:2])):
        pytest.skip("no Python of this version that an unprivileged user can run")
    code = ("import sys, scanner.cli, scanner.collect.agent.loop; print(' '.join(sorted("
            "{m.split('.')[0] for m, v in sys.modules.items() "
            "if 'site-packages' in (getattr(v, '__file__', None) or '')})))")
    names = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    lib = folder / "lib"
    shutil.copytree(ROOT / "scanner", lib / "scanner",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in names:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            shutil.copytree(origin.parent, lib / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, lib / origin.name)
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYENV", "PYTHON"))}
    env["PYTHONPATH"] = str(lib)
    return str(system), env


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_unprivileged_run_says_what_it_could_not_see():
    nobody = 65534
    folder = Path(os.path.realpath("/tmp")) / f"hdscan-agent-unpriv-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o755)
    try:
        python, env = _interpreter_for_others(folder)
        work = folder / "out"
        work.mkdir()
        os.chown(work, nobody, nobody)
        out = work / "agent.json"
        done = subprocess.run([python, "-m", "scanner", "agent", "-q", "-o", str(out)],
                              cwd=folder, env=env, capture_output=True, text=True, timeout=120,
                              user=nobody, group=nobody, extra_groups=[])
        assert done.returncode == 0, done.stderr
        doc = json.loads(out.read_text())
        assert any(x.startswith("unprivileged:") for x in doc["limitations"])
        assert any(x.startswith("processes:") for x in doc["limitations"])
        # it still saw this host's listening sockets and connections of its own kind
        assert doc["host"]["hostname"] == socket.gethostname()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
