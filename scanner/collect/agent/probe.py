"""Owns the agent's one-shot look at its own host: identity, hardware, disks, interfaces, processes.

``host_facts()`` returns the ``host`` object of ``hdscan-agent-inventory/1`` (plus
``host_id``, a hash of the OS's machine id, so the raw id never leaves the host);
``processes()`` the ``processes`` list (pid, name, exe, user, start time, command line
scrubbed of secrets — the importer never keeps it anyway). Both return the
limitations met (what could not be seen, e.g. other users' executables when running
unprivileged) beside the data, as sentences for the inventory's ``limitations`` list.

Linux is the tested path. The Windows branches (``MachineGuid`` and the product name
from the registry, drive letters as mounts) follow psutil's documented behaviour and
are untested in CI.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import platform
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path

import psutil


# Filesystems that hold no data of their own (kernel views, memory, images of packages).
PSEUDO_FS = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
    "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "proc", "pstore",
    "ramfs", "rpc_pipefs", "securityfs", "squashfs", "sysfs", "tmpfs", "tracefs", "iso9660",
})
ID_SALT = b"hdscan-host-id/1:"


def iso(t: datetime | float) -> str:
    """A UTC ISO-8601 time to the second (``2026-03-02T08:00:00Z``) from a datetime or epoch."""
    if not isinstance(t, datetime):
        t = datetime.fromtimestamp(t, timezone.utc)
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_ip(text: str) -> str:
    """``::ffff:10.0.0.1`` → ``10.0.0.1``; ``fe80::1%eth0`` → ``fe80::1``."""
    addr = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)


def _machine_id() -> str | None:
    if sys.platform == "win32":  # untested in CI
        import winreg
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography",
                                0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY) as key:
                return str(winreg.QueryValueEx(key, "MachineGuid")[0])
        except OSError:
            return None
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text:
            return text
    return None


def host_id() -> tuple[str | None, list[str]]:
    """A stable id for this host: sha256 of its machine id (hex, 32 characters)."""
    raw = _machine_id()
    if raw is None:
        return None, ["host_id: no machine id (/etc/machine-id, MachineGuid) readable"]
    return hashlib.sha256(ID_SALT + raw.encode()).hexdigest()[:32], []


def parse_os_release(text: str) -> tuple[str | None, str | None]:
    """(NAME, VERSION_ID) of an ``/etc/os-release`` text.

    >>> parse_os_release('NAME="Ubuntu"\\nVERSION_ID="22.04"\\n')
    ('Ubuntu', '22.04')
    """
    values = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            values[key] = value.strip().strip("\"'")
    return values.get("NAME") or None, values.get("VERSION_ID") or None


def _os() -> tuple[str | None, str | None]:
    if sys.platform == "win32":  # untested in CI
        import winreg
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,
                                r"SOFTWARE\Microsoft\Windows NT\CurrentVersion") as key:
                return str(winreg.QueryValueEx(key, "ProductName")[0]), platform.version()
        except OSError:
            return "Windows", platform.version()
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            return parse_os_release(Path(path).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return platform.system() or None, platform.release() or None


def _disks() -> list[dict]:
    disks, seen = [], set()
    for part in psutil.disk_partitions(all=False):
        if part.fstype.lower() in PSEUDO_FS or not part.fstype or "cdrom" in part.opts:
            continue
        if part.device in seen:       # bind mounts show one device several times
            continue
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
        seen.add(part.device)
        mount = part.mountpoint.rstrip("\\") if sys.platform == "win32" else part.mountpoint
        disks.append({"mount": mount, "fstype": part.fstype,
                      "total_bytes": int(usage.total), "used_bytes": int(usage.used)})
    return sorted(disks, key=lambda d: d["mount"])


def _interfaces() -> list[dict]:
    out = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        mac, addresses = None, set()
        for a in addrs:
            if a.family == psutil.AF_LINK:
                mac = a.address
            elif a.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    addresses.add(plain_ip(a.address))
                except ValueError:
                    continue
        out.append({"name": name, "mac": mac, "addresses": sorted(addresses)})
    return out


def host_facts() -> tuple[dict, list[str]]:
    """The ``host`` object of the inventory and the limitations met reading it."""
    hid, limits = host_id()
    os_name, os_version = _os()
    hostname = socket.gethostname()
    fqdn = socket.getfqdn(hostname)
    host = {"hostname": hostname, "fqdn": fqdn if "." in fqdn else None, "host_id": hid,
            "os": os_name, "os_version": os_version,
            "cpu_count": psutil.cpu_count(logical=True),
            "memory_bytes": int(psutil.virtual_memory().total),
            "disks": _disks(), "interfaces": _interfaces()}
    return {k: v for k, v in host.items() if v is not None}, limits


def processes() -> tuple[list[dict], list[str]]:
    """Every process this user can see, sorted by pid, and the limitations met."""
    out, denied = [], 0
    # Command lines are never read: beyond secrets, they carry patient names and ids
    # (a script started on one patient's file) that no scrubbing can recognise.
    attrs = ["pid", "name", "exe", "username", "create_time"]
    for p in psutil.process_iter(attrs, ad_value=None):
        info = p.info
        if info.get("name") is None:
            continue              # vanished while listed
        if info.get("exe") is None:   # AccessDenied (kernel threads give "")
            denied += 1
        row = {"pid": info["pid"], "name": info["name"], "exe": info.get("exe") or None,
               "user": info.get("username"),
               "started": iso(info["create_time"]) if info.get("create_time") else None}
        out.append({k: v for k, v in row.items() if v is not None})
    limits = []
    if denied:
        who = ("other users' processes; run as root/Administrator to see them"
               if unprivileged() else "access denied even to an administrator")
        limits.append(f"processes: the executable of {denied} process(es) is not readable ({who})")
    return sorted(out, key=lambda r: r["pid"]), limits


def unprivileged() -> bool:
    """True when the agent cannot see other users' sockets and processes in full."""
    if sys.platform == "win32":  # untested in CI
        import ctypes
        try:
            return not ctypes.windll.shell32.IsUserAnAdmin()
        except (AttributeError, OSError):
            return True
    return os.geteuid() != 0
