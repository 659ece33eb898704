"""Owns the agent's one-shot look at its own host: identity, hardware, disks, interfaces, processes.

``host_facts()`` returns the ``host`` object of ``hdscan-agent-inventory/1`` (plus
``host_id``, a hash of the OS's machine id, so the raw id never leaves the host);
``processes()`` the ``processes`` list (pid, name, exe, user, start time, command line
scrubbed of secrets — the importer never keeps it anyway). Both return the
limitations met (what could not be seen, e.g. other users' executables when running
unprivileged) beside the data, as sentences for the inventory's ``limitations`` list.

``network_mounts()`` returns the host's network storage (the inventory's
``host.network_mounts``): every NFS, SMB/CIFS, GlusterFS, CephFS… mount read from the text
of ``/proc/self/mountinfo`` (never through a call that could hang on a dead server), with
``fstype``, ``server`` (as written in the mount source, any ``user@`` dropped), ``export``
(export path, share name or volume), ``mount`` (local mount point) and, where ``statvfs``
answers within ``STATFS_TIMEOUT_S`` (in a daemon thread), ``used_bytes``/``total_bytes``;
plus every iSCSI session of ``/sys/class/iscsi_session`` (fstype ``iscsi``, ``server``/
``port`` the portal, ``export`` the target IQN). Mount options are never kept: they carry
``username=``, ``password=`` and ``credentials=``. ``parse_mountinfo(text)`` and
``iscsi_sessions(sys_root)`` take their input as arguments so tests use real-format files.

Linux is the tested path. The Windows branches (``MachineGuid`` and the product name
from the registry, drive letters as mounts, remote drives resolved to their UNC path)
follow psutil's and Win32's documented behaviour and are untested in CI.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import platform
import re
import socket
import sys
import threading
import time
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


# Network filesystems, as the kernel names them in mountinfo (FUSE ones as fuse.<helper>).
NETWORK_FS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "glusterfs", "fuse.glusterfs", "ceph",
    "fuse.ceph-fuse", "fuse.ceph", "fuse.sshfs", "9p", "afs", "lustre", "ocfs2", "gfs2",
    "beegfs", "davfs", "fuse.davfs2",
})
# Cluster filesystems whose source names a local block device, not a server: skipped.
_NO_SERVER_FS = frozenset({"ocfs2", "gfs2", "9p"})
STATFS_TIMEOUT_S = 2.0
_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as ``\\040`` etc."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def _strip_user(server: str) -> str:
    """``user@host`` / ``user:secret@host`` → ``host`` (a user name is not kept)."""
    return server.rsplit("@", 1)[-1]


def parse_source(fstype: str, source: str) -> tuple[str, str] | None:
    """(server, export) of a network mount's source as mountinfo writes it, or None.

    >>> parse_source("nfs4", "fs01.ch.local:/srv/dpi")
    ('fs01.ch.local', '/srv/dpi')
    >>> parse_source("cifs", "//fs01/Partage/docs")
    ('fs01', 'Partage')
    >>> parse_source("nfs", "[fd00::5]:/export")
    ('fd00::5', '/export')
    >>> parse_source("ceph", "10.0.0.1:6789,10.0.0.2:6789:/vol")
    ('10.0.0.1', '/vol')
    """
    fs = fstype.lower()
    if fs in _NO_SERVER_FS:
        return None
    if "://" in source:                                          # davfs: https://host/path
        from urllib.parse import urlsplit
        try:
            url = urlsplit(source)
            host = url.hostname
        except ValueError:
            return None
        return (host, url.path or "/") if host else None
    if fs in ("cifs", "smb3", "smbfs") or source.startswith(("//", "\\\\")):
        parts = [x for x in source.replace("\\", "/").split("/") if x]
        if len(parts) < 2:
            return None
        return _strip_user(parts[0]), parts[1]
    if fs.startswith("ceph") or fs == "fuse.ceph-fuse":
        if "=" in source and "@" in source.split("=", 1)[0]:      # user@fsid.name=/path
            cluster, _, path = source.partition("=")
            return _strip_user(cluster), path or "/"
        monitors, sep, path = source.rpartition(":/")
        if not sep:
            return None
        first = monitors.split(",", 1)[0]
        host = first[1:].split("]", 1)[0] if first.startswith("[") else first.split(":", 1)[0]
        return _strip_user(host), "/" + path
    if source.startswith("["):                                   # [v6]:/export
        host, sep, rest = source[1:].partition("]:")
        return (_strip_user(host), rest) if sep else None
    host, sep, export = source.partition(":")
    if not sep or not host:
        return None
    if fs in ("glusterfs", "fuse.glusterfs"):
        export = export.lstrip("/")
    return _strip_user(host), export


def parse_mountinfo(text: str) -> list[dict]:
    """The network mounts of a ``/proc/<pid>/mountinfo`` text, in mount order, without sizes.

    Each: ``{"fstype", "server", "export", "mount"}``. Options (per-mount and
    superblock) are read past and never returned; a line that is not mountinfo is skipped.
    """
    out = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
            mount, fstype, source = fields[4], fields[sep + 1], fields[sep + 2]
        except (ValueError, IndexError):
            continue
        fstype = fstype.lower()
        if fstype not in NETWORK_FS:
            continue
        parsed = parse_source(fstype, _unescape(source))
        if parsed is None or not parsed[0]:
            continue
        server, export = parsed
        out.append({"fstype": fstype, "server": server.lower(), "export": export,
                    "mount": _unescape(mount)})
    return out


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def iscsi_sessions(sys_root: str | Path = "/sys") -> list[dict]:
    """The iSCSI sessions of a sysfs tree: target IQN and portal of each.

    ``<sys_root>/class/iscsi_session/sessionN/targetname`` names the target; its
    connections ``<sys_root>/class/iscsi_connection/connectionN:M`` the portal
    (``persistent_address``/``persistent_port``: the address the initiator logged in to,
    kept across redirects; else ``address``/``port``).
    """
    root = Path(sys_root)
    sessions = root / "class" / "iscsi_session"
    conns = root / "class" / "iscsi_connection"
    out = []
    try:
        names = sorted(p.name for p in sessions.iterdir() if p.name.startswith("session"))
    except OSError:
        return []
    for name in names:
        target = _read(sessions / name / "targetname")
        if not target:
            continue
        number = name[len("session"):]
        try:
            links = sorted(p for p in conns.iterdir()
                           if p.name.startswith(f"connection{number}:"))
        except OSError:
            links = []
        address = port = None
        for c in links:
            address = _read(c / "persistent_address") or _read(c / "address")
            port_text = _read(c / "persistent_port") or _read(c / "port")
            port = int(port_text) if port_text and port_text.isdigit() else None
            if address:
                break
        if not address:
            continue
        row = {"fstype": "iscsi", "server": plain_ip(address) if _is_ip(address) else
               address.lower(), "export": target}
        if port is not None and 0 <= port <= 65535:
            row["port"] = port
        out.append(row)
    return out


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
        return True
    except ValueError:
        return False


def statfs_bounded(paths: list[str], timeout_s: float = STATFS_TIMEOUT_S
                   ) -> dict[str, tuple[int, int] | None]:
    """``{path: (used_bytes, total_bytes)}`` for the paths whose ``statvfs`` answered in
    time, ``{path: None}`` for those where it failed; a path that did not answer is absent.

    Each call runs in a daemon thread; all share one deadline, so a dead NFS server
    costs at most ``timeout_s`` and its thread is left blocked, never the agent.
    """
    results: dict[str, tuple[int, int] | None] = {}

    def one(path: str) -> None:
        try:
            st = os.statvfs(path)
        except OSError:
            results[path] = None
            return
        total = st.f_blocks * st.f_frsize
        results[path] = (max(0, total - st.f_bfree * st.f_frsize), total)

    threads = [threading.Thread(target=one, args=(p,), daemon=True, name="hdscan-statfs")
               for p in paths]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout_s
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return dict(results)


def _windows_remote_drives() -> list[dict]:  # untested in CI
    import ctypes
    out = []
    for part in psutil.disk_partitions(all=True):
        if "remote" not in part.opts.split(","):
            continue
        drive = part.device.rstrip("\\")
        buf = ctypes.create_unicode_buffer(1024)
        size = ctypes.c_ulong(len(buf))
        try:
            rc = ctypes.windll.mpr.WNetGetConnectionW(drive, buf, ctypes.byref(size))
        except (AttributeError, OSError):
            continue
        if rc != 0:
            continue
        parsed = parse_source("smb3", buf.value)
        if parsed:
            out.append({"fstype": "smb3", "server": parsed[0].lower(), "export": parsed[1],
                        "mount": drive})
    return out


def network_mounts(mountinfo: str | Path = "/proc/self/mountinfo", sys_root: str | Path = "/sys",
                   timeout_s: float = STATFS_TIMEOUT_S) -> tuple[list[dict], list[str]]:
    """The host's network mounts and iSCSI sessions (module docstring), and the limitations met."""
    limits: list[str] = []
    if sys.platform == "win32":  # untested in CI
        mounts = _windows_remote_drives()
    else:
        try:
            text = Path(mountinfo).read_text(encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            return [], [f"network_mounts: {mountinfo} not readable ({exc.strerror})"]
        mounts = parse_mountinfo(text)
    sizes = statfs_bounded(sorted({m["mount"] for m in mounts}), timeout_s) if mounts else {}
    slow = sorted({m["mount"] for m in mounts} - set(sizes))
    for m in mounts:
        if sizes.get(m["mount"]) is not None:
            m["used_bytes"], m["total_bytes"] = sizes[m["mount"]]
    if slow:
        limits.append(f"network_mounts: the size of {len(slow)} network mount(s) is unknown "
                      f"(statfs did not answer within {timeout_s:g} s: server down or slow)")
    if sys.platform != "win32":
        mounts += iscsi_sessions(sys_root)
    seen, out = set(), []
    for m in mounts:
        key = (m["fstype"], m["server"], m["export"], m.get("mount"))
        if key not in seen:
            seen.add(key)
            out.append(m)
    return sorted(out, key=lambda m: (m.get("mount") or "", m["server"], m["export"])), limits


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
    mounts, mount_limits = network_mounts()
    limits = limits + mount_limits
    os_name, os_version = _os()
    hostname = socket.gethostname()
    fqdn = socket.getfqdn(hostname)
    host = {"hostname": hostname, "fqdn": fqdn if "." in fqdn else None, "host_id": hid,
            "os": os_name, "os_version": os_version,
            "cpu_count": psutil.cpu_count(logical=True),
            "memory_bytes": int(psutil.virtual_memory().total),
            "disks": _disks(), "interfaces": _interfaces(), "network_mounts": mounts}
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
