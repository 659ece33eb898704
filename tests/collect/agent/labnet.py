"""Owns the network-namespace "hosts" of the agent's fleet and lab tests.

``Lab`` makes N hosts on one machine: a network namespace each (``ip netns``), joined by a
Linux bridge through veth pairs, with addresses ``<prefix>.1`` … ``<prefix>.N`` in a /24
(``<prefix>.254`` on the bridge when the root namespace must reach them, e.g. as the
Ansible control node). Traffic stays on that /24: no route, no NAT.

The hosts share the machine's filesystem and process table, so a host's *identity* is
given per process tree: ``Lab.wrap`` runs a command through ``ip netns exec`` (which
already gives it a private mount namespace) and ``unshare --uts``, then sets the host
name (``hostname``, the name the agent reports and the store keys hosts by) and
bind-mounts a per-host ``/etc/machine-id`` (the agent's ``host_id`` hashes it) before
``exec``-ing the command. Everything started from that tree — an sshd and the sessions it
forks, a server, an agent — sees the same host name and machine id; the root namespace
sees neither.

Names contain the helper tag ``hg2`` so that teardown (and a cleanup of a previous run
killed before its teardown) deletes exactly what these tests made: the processes they
started (by pid, and whatever is left inside their namespaces, by pid), the namespaces,
the bridge. Every wait is bounded in time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

TAG = "hg2"


def require(*commands: str) -> None:
    """Skip (fail under CI=true) unless root and every command is on PATH."""
    missing = [c for c in commands if shutil.which(c) is None and not Path(c).exists()]
    reason = None
    if os.geteuid() != 0:
        reason = "needs root (network namespaces)"
    elif missing:
        reason = f"missing prerequisite(s): {', '.join(missing)} (see .ci/setup)"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20, check=check)


class Lab:
    """N namespace hosts on a bridge. Use as a context manager (teardown on exit)."""

    def __init__(self, name: str, prefix: str, hostnames: list[str], workdir: Path,
                 root_address: bool = False):
        assert len(name) <= 6 and prefix.count(".") == 2
        self.bridge = f"{TAG}br{name}"
        self.prefix = prefix
        self.workdir = workdir
        self.root_address = root_address
        self.hosts = {h: {"ns": f"{TAG}-{name}-{i + 1}", "veth": f"{TAG}{name}{i + 1}",
                          "ip": f"{prefix}.{i + 1}"} for i, h in enumerate(hostnames)}
        self.procs: list[subprocess.Popen] = []

    # -- setup / teardown ------------------------------------------------------------------
    def __enter__(self) -> "Lab":
        self.cleanup()
        taken = _ip("-4", "-o", "addr", "show").stdout
        if f" {self.prefix}." in taken:
            pytest.fail(f"{self.prefix}.0/24 is already in use on this machine")
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("link", "set", self.bridge, "up")
        if self.root_address:
            _ip("addr", "add", f"{self.prefix}.254/24", "dev", self.bridge)
        for host, h in self.hosts.items():
            ns, veth = h["ns"], h["veth"]
            _ip("netns", "add", ns)
            _ip("link", "add", veth, "type", "veth", "peer", "name", veth + "p", "netns", ns)
            _ip("link", "set", veth, "master", self.bridge, "up")
            _ip("-n", ns, "addr", "add", f"{h['ip']}/24", "dev", veth + "p")
            _ip("-n", ns, "link", "set", veth + "p", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            d = self.workdir / host
            d.mkdir(parents=True, exist_ok=True)
            # a distinct, stable machine id per host (32 hex digits, as systemd writes it)
            (d / "machine-id").write_text(hashlib.md5(f"{TAG}:{host}".encode()).hexdigest() + "\n")
            h["dir"] = d
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Stop what this lab started, then delete its namespaces and bridge (by name)."""
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        self.procs.clear()
        present = set(_ip("netns", "list", check=False).stdout.split())
        for h in self.hosts.values():
            if h["ns"] not in present:
                continue
            for sig in (signal.SIGTERM, signal.SIGKILL):
                pids = [int(x) for x in _ip("netns", "pids", h["ns"], check=False).stdout.split()]
                for pid in pids:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                deadline = time.monotonic() + 5
                while pids and time.monotonic() < deadline and \
                        _ip("netns", "pids", h["ns"], check=False).stdout.strip():
                    time.sleep(0.1)
            _ip("netns", "del", h["ns"], check=False)
        for h in self.hosts.values():
            _ip("link", "del", h["veth"], check=False)
        _ip("link", "del", self.bridge, check=False)

    # -- running things on a host -----------------------------------------------------------
    def ip(self, host: str) -> str:
        return self.hosts[host]["ip"]

    def wrap(self, host: str, argv: list[str]) -> list[str]:
        """``argv`` run as on ``host``: its network namespace, host name and machine id."""
        h = self.hosts[host]
        script = 'hostname "$0" && mount --bind "$1" /etc/machine-id && shift && exec "$@"'
        return ["ip", "netns", "exec", h["ns"], "unshare", "--uts", "--", "sh", "-c", script,
                host, str(h["dir"] / "machine-id"), *argv]

    def spawn(self, host: str, argv: list[str], **kw) -> subprocess.Popen:
        """Start ``argv`` on ``host`` in the background; stopped at teardown."""
        p = subprocess.Popen(self.wrap(host, argv), **kw)
        self.procs.append(p)
        return p

    def run(self, host: str, argv: list[str], timeout: float = 60, **kw) -> subprocess.CompletedProcess:
        """Run ``argv`` on ``host`` to completion (bounded by ``timeout``)."""
        return subprocess.run(self.wrap(host, argv), timeout=timeout, **kw)

    def wait_port(self, host: str, ip: str, port: int, timeout: float = 20) -> None:
        """Wait until ``ip``:``port`` accepts a TCP connection, tried from ``host``."""
        probe = ("import socket,sys,time\nd=time.monotonic()+%r\n"
                 "while True:\n"
                 " try: socket.create_connection((%r,%d),timeout=1).close(); break\n"
                 " except OSError:\n"
                 "  if time.monotonic()>d: sys.exit(1)\n"
                 "  time.sleep(0.1)\n") % (timeout, ip, port)
        import sys
        r = subprocess.run(["ip", "netns", "exec", self.hosts[host]["ns"], sys.executable, "-c", probe],
                           timeout=timeout + 10)
        assert r.returncode == 0, f"{ip}:{port} did not answer on {host} within {timeout}s"


def wait_port_from_root(ip: str, port: int, timeout: float = 20) -> None:
    """Wait until ``ip``:``port`` accepts a TCP connection from the root namespace."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((ip, port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"{ip}:{port} did not answer within {timeout}s"
            time.sleep(0.1)
