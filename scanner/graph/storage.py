"""Owns shared storage in the dependency graph: network volumes, who serves and who mounts them.

``add_storage(builder, hosts, mounts)`` is called by ``build._Builder.build`` with the
``host`` and ``mount`` observations (agent inventories' ``host.network_mounts``). For each
mount:

- the **server** as written in the mount source is resolved through the builder's own
  identity (``Identity.node_for_name``: an address, a short name or an FQDN becomes the
  ``host:`` it belongs to, or an ``ext:`` endpoint outside the estate);
- a ``volume`` node ``volume:<server>:<export>`` (``ids.volume_id``; SMB share names are
  case-insensitive and lower-cased) with ``host`` (the serving node), ``server`` (as
  written), ``export``, ``fstypes``, ``used_bytes``/``total_bytes`` (largest seen), and a
  ``serves`` edge from the serving node;
- a ``mounts`` edge host → volume with ``fstypes``, ``mount_points`` and ``sources``;
- on a serving host, the storage protocol's service (NFS ``tcp/2049``, SMB ``tcp/445``,
  iSCSI the portal port or ``tcp/3260``, GlusterFS ``tcp/24007``, Ceph ``tcp/6789``) with
  that protocol implied when traffic identified none: the mount proves the server listens.

A host whose inventory listed its network mounts (even none) gets
``network_mounts_collected: true``; without it nothing is known about its mounts.
"""

from __future__ import annotations

from ..ingest.identity import is_ip
from ..model import ids
from ..model.observations import Observation

# fstype → (protocol, transport, default port) of the serving side.
FSTYPE_SERVICE = {
    "nfs": ("nfs", "tcp", 2049), "nfs4": ("nfs", "tcp", 2049),
    "cifs": ("smb", "tcp", 445), "smb3": ("smb", "tcp", 445), "smbfs": ("smb", "tcp", 445),
    "iscsi": ("iscsi", "tcp", 3260),
    "glusterfs": ("glusterfs", "tcp", 24007), "fuse.glusterfs": ("glusterfs", "tcp", 24007),
    "ceph": ("ceph", "tcp", 6789), "fuse.ceph": ("ceph", "tcp", 6789),
    "fuse.ceph-fuse": ("ceph", "tcp", 6789),
}
CASE_INSENSITIVE_FS = ("cifs", "smb3", "smbfs")


def add_storage(b, hosts: list[Observation], mounts: list[Observation]) -> None:
    """Add volumes, ``serves`` and ``mounts`` edges to builder ``b`` (module docstring)."""
    for o in hosts:
        if o.data.get("network_mounts_collected") and o.data.get("hostname"):
            n = b.node(ids.host_id(b.identity._short(o.data["hostname"])), o.id)
            n["network_mounts_collected"] = True
    for o in mounts:
        _mount(b, o)


def _mount(b, o: Observation) -> None:
    d = o.data
    mounter = ids.host_id(b.identity._short(d["hostname"]))
    b.node(mounter, o.id)
    server_text = d["server"].strip().lower().rstrip(".")
    try:
        serving = b.identity.node_for_name(server_text)
        sn = b.node(serving, o.id)
    except ValueError:       # a server written in a form no id can carry: nothing to link
        return
    if serving == mounter:
        return               # a loopback mount of the host's own export
    if sn["kind"] in ("host", "endpoint") and is_ip(server_text):
        sn["addresses"].add(server_text)
    elif sn["kind"] == "endpoint":
        sn["names"].add(server_text)
    fstype = d["fstype"].lower()
    export = d["export"].lower() if fstype in CASE_INSENSITIVE_FS else d["export"]
    vol = ids.volume_id(serving.split(":", 1)[1], export)
    v = b.node(vol, o.id)
    if "fstypes" not in v:
        v.update(host=serving, server=server_text, export=export, fstypes=set(),
                 used_bytes=None, total_bytes=None)
    v["fstypes"].add(fstype)
    for key in ("used_bytes", "total_bytes"):
        if d.get(key) is not None:
            v[key] = max(v[key] or 0, d[key])
    b.edge(serving, vol, "serves", o.id)
    e = b.edge(mounter, vol, "mounts", o.id)
    e.setdefault("fstypes", set()).add(fstype)
    e.setdefault("mount_points", set())
    e.setdefault("sources", set()).add(o.evidence.collector)
    if d.get("mount"):
        e["mount_points"].add(d["mount"])
    service = FSTYPE_SERVICE.get(fstype)
    if service and sn["kind"] == "host":
        protocol, transport, port = service
        svc = b.node(ids.service_id(serving.split(":", 1)[1], transport, d.get("port") or port),
                     o.id)
        svc["implied_protocol"] = svc.get("implied_protocol") or protocol
