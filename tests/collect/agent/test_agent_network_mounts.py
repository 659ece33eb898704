"""The agent's network mounts (issue #7): NFS, SMB/CIFS, GlusterFS, CephFS and sshfs read from
real-format /proc/self/mountinfo lines, iSCSI sessions from a sysfs tree laid out as the
kernel lays it, sizes from a bounded statfs, and the importer's ``mount`` observations —
never the mount options (a password planted there never reaches an observation). Also the
probe run for real against this machine's own mountinfo."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import psutil
import pytest

from scanner.collect.agent import bundle, inventory, probe
from scanner.errors import InputError
from scanner.model.observations import canonical_json

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "agent"
MOUNTINFO = FIX / "mountinfo-network.txt"
SECRETS = ("S3cr3t-Canary", "svc_scan", "credentials", ".smb-compta", "secret=", "name=admin",
           "password", "username", "backup@")


def test_mountinfo_network_mounts_and_nothing_local():
    mounts = probe.parse_mountinfo(MOUNTINFO.read_text(encoding="utf-8"))
    assert mounts == [
        {"fstype": "nfs4", "server": "fs01.ch-saint-aurelien.local", "export": "/srv/dpi",
         "mount": "/mnt/dpi-docs"},
        {"fstype": "nfs", "server": "10.20.3.31", "export": "/export/archives",
         "mount": "/mnt/archives"},
        {"fstype": "nfs4", "server": "fd00:20:3::32", "export": "/export/v6", "mount": "/mnt/v6"},
        {"fstype": "cifs", "server": "nas01.ch-saint-aurelien.local", "export": "Scans",
         "mount": "/mnt/partage commun"},
        {"fstype": "smb3", "server": "fs01", "export": "Compta", "mount": "/mnt/compta"},
        {"fstype": "fuse.glusterfs", "server": "gluster01", "export": "pacsvol",
         "mount": "/mnt/gluster"},
        {"fstype": "ceph", "server": "10.20.3.51", "export": "/volumes/pacs",
         "mount": "/mnt/cephfs"},
        {"fstype": "fuse.sshfs", "server": "bkp01", "export": "/srv/export", "mount": "/mnt/sshfs"},
    ]
    text = json.dumps(mounts)
    for secret in SECRETS:
        assert secret not in text


def test_sources_of_every_form():
    assert probe.parse_source("nfs", "[fd00::5]:/export") == ("fd00::5", "/export")
    assert probe.parse_source("cifs", "\\\\FS01\\Partage") == ("FS01", "Partage")
    assert probe.parse_source("cifs", "//fs01") is None               # no share: not a volume
    assert probe.parse_source("glusterfs", "gl01:vol0") == ("gl01", "vol0")
    assert probe.parse_source("ceph", "admin@b3acfc0d-575f.cephfs=/") == ("b3acfc0d-575f.cephfs", "/")
    assert probe.parse_source("ocfs2", "/dev/sdb1") is None
    assert probe.parse_source("davfs", "https://user:pw@ged01.ch.local:8443/dav/docs") == \
        ("ged01.ch.local", "/dav/docs")
    assert probe.parse_source("nfs", "no-colon") is None
    # a garbled line is skipped, not a crash
    assert probe.parse_mountinfo("garbage\n1 2 3\n\n") == []


def _sysfs_iscsi(root: Path, session: int, host: int, target: str, address: str, port: int):
    """The layout the kernel's iscsi transport class creates (class entries are symlinks)."""
    dev = root / "devices" / "platform" / f"host{host}" / f"session{session}"
    sdir = dev / "iscsi_session" / f"session{session}"
    cdir = dev / f"connection{session}:0" / "iscsi_connection" / f"connection{session}:0"
    sdir.mkdir(parents=True)
    cdir.mkdir(parents=True)
    (sdir / "targetname").write_text(target + "\n")
    (sdir / "state").write_text("LOGGED_IN\n")
    (sdir / "username").write_text("chap-user-CANARY\n")      # CHAP user: never read
    (sdir / "password").write_text("chap-secret-CANARY\n")
    (cdir / "persistent_address").write_text(address + "\n")
    (cdir / "persistent_port").write_text(f"{port}\n")
    (cdir / "address").write_text("10.99.99.99\n")            # after a redirect: not the portal
    (cdir / "port").write_text("3260\n")
    for cls, link, target_dir in (("iscsi_session", f"session{session}", sdir),
                                  ("iscsi_connection", f"connection{session}:0", cdir)):
        (root / "class" / cls).mkdir(parents=True, exist_ok=True)
        (root / "class" / cls / link).symlink_to(target_dir)


def test_iscsi_sessions_from_a_sysfs_tree(tmp_path):
    _sysfs_iscsi(tmp_path, 1, 3, "iqn.2005-10.org.freenas.ctl:pacs-lun0", "10.20.3.60", 3260)
    _sysfs_iscsi(tmp_path, 2, 4, "iqn.1992-08.com.netapp:sn.4082367740", "10.20.3.61", 3261)
    sessions = probe.iscsi_sessions(tmp_path)
    assert sessions == [
        {"fstype": "iscsi", "server": "10.20.3.60", "export": "iqn.2005-10.org.freenas.ctl:pacs-lun0",
         "port": 3260},
        {"fstype": "iscsi", "server": "10.20.3.61", "export": "iqn.1992-08.com.netapp:sn.4082367740",
         "port": 3261}]
    assert "CANARY" not in json.dumps(sessions)
    assert probe.iscsi_sessions(tmp_path / "absent") == []


def test_sizes_from_statfs_and_a_hung_server_is_skipped(tmp_path, monkeypatch):
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTINFO.read_text() +
                    f"600 28 0:70 / {tmp_path} rw,relatime - nfs4 fs02:/srv/x rw,vers=4.2\n")
    _sysfs_iscsi(tmp_path / "sys", 1, 3, "iqn.2005-10.org.freenas.ctl:pacs-lun0", "10.20.3.60", 3260)
    mounts, limits = probe.network_mounts(info, tmp_path / "sys")
    here = next(m for m in mounts if m.get("mount") == str(tmp_path))
    assert here["total_bytes"] > 0 and 0 <= here["used_bytes"] <= here["total_bytes"]
    assert all("used_bytes" not in m for m in mounts if m.get("mount") != str(tmp_path))
    assert limits == []                      # absent mount points fail fast: no limitation
    assert [m["fstype"] for m in mounts].count("iscsi") == 1

    # a statfs that never answers (a dead NFS server) leaves the agent after the timeout
    release = threading.Event()
    real = probe.os.statvfs

    def hung(path):
        if path == str(tmp_path):
            release.wait()
        return real(path)

    monkeypatch.setattr(probe.os, "statvfs", hung)
    try:
        mounts, limits = probe.network_mounts(info, tmp_path / "sys", timeout_s=0.2)
    finally:
        release.set()
    here = next(m for m in mounts if m.get("mount") == str(tmp_path))
    assert "used_bytes" not in here and "total_bytes" not in here
    assert limits == ["network_mounts: the size of 1 network mount(s) is unknown (statfs did "
                      "not answer within 0.2 s: server down or slow)"]


def test_the_probe_on_this_machine():
    """The real /proc/self/mountinfo: no crash, and no local disk counted as a network mount."""
    mounts, limits = probe.network_mounts()
    local = {p.mountpoint for p in psutil.disk_partitions(all=False)
             if p.fstype.lower() not in probe.NETWORK_FS}
    assert all(m["fstype"] in probe.NETWORK_FS | {"iscsi"} for m in mounts)
    assert not {m.get("mount") for m in mounts} & local
    real = Path("/proc/self/mountinfo").read_text()
    lines = [ln for ln in real.splitlines() if " - " in ln]
    assert lines, "mountinfo has mount lines"
    local_types = {ln.split(" - ", 1)[1].split(" ", 1)[0] for ln in lines} - probe.NETWORK_FS
    assert local_types                       # this machine has local filesystems, none listed
    host, _ = probe.host_facts()
    assert host["network_mounts"] == mounts
    assert all(limit.startswith("network_mounts: ") for limit in limits)


def _inventory(mounts) -> dict:
    doc = json.loads((FIX / "dpi-db01.json").read_text(encoding="utf-8"))
    if mounts is not None:
        doc["host"]["network_mounts"] = mounts
    return doc


def _observations(doc: dict, tmp_path: Path):
    p = tmp_path / "inv.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return list(inventory.collect(p, "agents/inv.json"))


def test_inventory_mount_observations_without_options(tmp_path):
    mounts = probe.parse_mountinfo(MOUNTINFO.read_text(encoding="utf-8"))
    mounts[0].update(used_bytes=10, total_bytes=100)
    # another tool's inventory that kept the options and a user in the server: both dropped
    mounts[3]["options"] = "username=svc_scan,password=S3cr3t-Canary!,domain=CHSA"
    mounts[7]["server"] = "backup@bkp01"
    obs = _observations(_inventory(mounts), tmp_path)
    assert obs[0].kind == "host" and obs[0].data["network_mounts_collected"] is True
    got = [o for o in obs if o.kind == "mount"]
    assert [o.evidence.location for o in got] == [f"host.network_mounts[{i}]" for i in range(8)]
    assert got[0].data == {"hostname": "dpi-db01", "fstype": "nfs4",
                           "server": "fs01.ch-saint-aurelien.local", "export": "/srv/dpi",
                           "mount": "/mnt/dpi-docs", "used_bytes": 10, "total_bytes": 100}
    assert got[7].data["server"] == "bkp01"
    text = canonical_json([o.to_dict() for o in obs])
    for secret in SECRETS:
        assert secret not in text


def test_older_inventory_means_not_collected_and_empty_means_none(tmp_path):
    old = _observations(_inventory(None), tmp_path)
    assert "network_mounts_collected" not in old[0].data
    assert not [o for o in old if o.kind == "mount"]
    none = _observations(_inventory([]), tmp_path)
    assert none[0].data["network_mounts_collected"] is True
    assert not [o for o in none if o.kind == "mount"]


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.pop("server"), r"host\.network_mounts\[0\]\.server: missing"),
    (lambda m: m.update(port=70000), r"host\.network_mounts\[0\]\.port: expected a port"),
    (lambda m: m.update(used_bytes=-1), r"host\.network_mounts\[0\]\.used_bytes: expected a non"),
    (lambda m: m.update(server="user@"), r"host\.network_mounts\[0\]\.server: empty server"),
])
def test_bad_mount_entries_name_their_place(tmp_path, edit, message):
    m = {"fstype": "nfs4", "server": "fs01", "export": "/srv/dpi", "mount": "/mnt/dpi"}
    edit(m)
    with pytest.raises(InputError, match=rf"^agents/inv.json: {message}"):
        _observations(_inventory([m]), tmp_path)


def test_a_bundle_carries_the_mounts(tmp_path):
    mounts = probe.parse_mountinfo(MOUNTINFO.read_text(encoding="utf-8"))
    p = tmp_path / "dpi-db01.hdscan.tar"
    bundle.write(p, _inventory(mounts))
    got = [o for o in bundle.collect(p, "agents/dpi-db01.hdscan.tar") if o.kind == "mount"]
    assert [(o.data["server"], o.data["export"]) for o in got][:2] == [
        ("fs01.ch-saint-aurelien.local", "/srv/dpi"), ("10.20.3.31", "/export/archives")]
