"""Owns the agent's run: one-shot inventory, then sampling every interval, flushing periodically.

``run(out, duration_s, interval_s, flush_s)`` takes the one-shot inventory, resumes
``out`` if an earlier run left it there, samples the socket table every interval until
the duration is over (or SIGTERM/SIGINT, or ``stop`` is set), and writes the whole
inventory atomically every flush interval and at the end. A ``kill -9`` loses at most
one flush interval. Duration 0 is the one-shot form: one sample, one write. With
``use_conntrack`` each sample also folds in the kernel's tracked flows (``conntrack.py``).
"""

from __future__ import annotations

import re
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import psutil

from . import conntrack, packages, probe, sampler, writer

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_S = 366 * 86400
MIN_INTERVAL_S = 1


def parse_duration(text: str, minimum: int = 0) -> int:
    """Seconds of ``30s``, ``5m``, ``2h``, ``7d`` (a bare number is seconds).

    >>> parse_duration("7d"), parse_duration("5m"), parse_duration("30")
    (604800, 300, 30)

    Raises
    ------
    ValueError
        Not a duration, below ``minimum`` seconds, or above a year.
    """
    m = re.fullmatch(r"\s*(\d{1,9})\s*([smhd]?)\s*", str(text).lower())
    if not m:
        raise ValueError(f"'{text}' is not a duration (examples: 30s, 5m, 2h, 7d)")
    seconds = int(m.group(1)) * UNITS[m.group(2) or "s"]
    if seconds < minimum:
        raise ValueError(f"'{text}' is below the minimum of {minimum} s")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"'{text}' is more than a year")
    return seconds


@dataclass
class Result:
    path: Path
    samples: int
    connections: int
    listening: int
    resumed: bool
    limitations: list[str]


def take_snapshot() -> writer.Snapshot:
    """The one-shot part: host facts, packages, processes, and what limited them."""
    host, limits = probe.host_facts()
    procs, proc_limits = probe.processes()
    pkgs, pkg_limits = packages.installed()
    limits = limits + proc_limits + pkg_limits
    if probe.unprivileged():
        limits.append("unprivileged: sockets of other users' processes are recorded without "
                      "their owning process; run as root/Administrator to see them")
    return writer.Snapshot(host, pkgs, procs, limits)


def _now() -> str:
    return probe.iso(datetime.now(timezone.utc))


def _own_addresses(table: sampler.Table) -> set[str]:
    """The host's addresses: its interfaces' and those its sockets use."""
    own = {c.local_ip for c in table.connections} | {s.ip for s in table.listening}
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family in (socket.AF_INET, socket.AF_INET6):
                own.add(a.address.split("%", 1)[0])
    return own


def run(out: Path, duration_s: int, interval_s: int, flush_s: int,
        stop: threading.Event | None = None,
        progress: Callable[[str], None] = lambda _msg: None,
        use_conntrack: bool = False, sign_key: bytes | None = None) -> Result:
    """Inventory and sample into ``out`` (see the module docstring); the final counts.

    ``use_conntrack``: each sample also reads the kernel's connection-tracking table
    (``conntrack.py``) and records the flows of this host no socket showed (opened and
    closed between samples); where it cannot, a limitation says why. ``sign_key``: the
    bundle carries ``manifest.sig`` (``bundle.py``).

    Raises
    ------
    InputError
        ``out`` holds something that is not this host's inventory (refused, not overwritten).
    ValueError
        An interval below 1 s, or a flush interval below the sampling interval.
    """
    if interval_s < MIN_INTERVAL_S:
        raise ValueError(f"interval must be at least {MIN_INTERVAL_S} s")
    if flush_s < interval_s:
        raise ValueError("flush interval must be at least the sampling interval")
    if sign_key is not None and writer.legacy(out):
        raise ValueError("a .json (version-1) output cannot be signed; name a .tar bundle")
    stop = stop or threading.Event()
    snap = take_snapshot()
    previous = writer.resume(out, snap.host.get("host_id"))
    agg = previous.aggregator if previous else sampler.Aggregator()
    started = previous.collected_from if previous else None
    if previous:
        progress(f"resuming {out}: {agg.samples} samples, {len(agg.records)} dependencies")

    ct_state = {"on": use_conntrack, "flows": 0}
    restore = _on_terminate(stop)
    progress(f"sampling every {interval_s} s for {duration_s} s, writing {out} every "
             f"{flush_s} s and at the end")
    last = None
    try:
        begin = time.monotonic()
        next_flush = begin + flush_s
        k = 0
        while True:
            last = _now()
            started = started or last
            table = sampler.connection_table()
            if use_conntrack and ct_state["on"]:
                try:
                    flows = conntrack.read()
                except conntrack.Unavailable as exc:
                    ct_state["on"] = False
                    agg.limitations.add(str(exc))
                else:
                    ct_state["flows"] += len(flows)
                    sampler.add_conntrack(table, flows, _own_addresses(table))
            agg.observe(table, last)
            k += 1
            now = time.monotonic()
            if now >= next_flush:
                writer.write(out, writer.document(snap, agg, started, last, interval_s),
                             sign_key)
                next_flush = now + flush_s
            if stop.is_set() or now - begin + interval_s > duration_s:
                break
            if stop.wait(max(0.0, begin + k * interval_s - time.monotonic())):
                break
    except KeyboardInterrupt:
        pass
    finally:
        restore()
        if ct_state["on"] and ct_state["flows"] == 0:
            agg.limitations.add("conntrack: the table stayed empty: connection tracking is not "
                                "in use in this network namespace (no firewall rule matches on "
                                "connection state); short-lived connections were not caught")
        if last is not None:
            writer.write(out, writer.document(snap, agg, started, last, interval_s),
                             sign_key)
    return Result(Path(out), agg.samples, len(agg.records), len(agg.listening),
                  previous is not None, sorted(set(snap.limitations) | agg.limitations))


def _on_terminate(stop: threading.Event) -> Callable[[], None]:
    """Make SIGTERM set ``stop`` (main thread only); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = signal.signal(signal.SIGTERM, lambda _sig, _frame: stop.set())
    return lambda: signal.signal(signal.SIGTERM, old)
