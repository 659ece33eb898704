"""Shared storage (issue #7) from observations through the real graph, rule pack and planner:
two application servers mounting one NFS export move with each other and its file server
(reason ``shared-storage`` naming the volume and the hosts); a gatherer's mounts glue
nothing; an NFS flow no agent explained still joins, with the weaker reason; a volume on a
NAS that stays glues nothing and its mount is listed as a cross-site storage path."""

from __future__ import annotations

import json

import pytest

from scanner.classify.engine import classify
from scanner.classify.loader import default_pack_path, load_packs
from scanner.graph import io
from scanner.graph.build import build_graph
from scanner.plan import build_plan
from scanner.plan.reasons import KINDS
from scanner.report import json_out
from tests.conftest import ROOT, obs
from tests.plan import hospital as h

EXTRA_IP = {"doc-app01": "10.20.1.70", "doc-app02": "10.20.1.71", "fs01": "10.20.6.30",
            "nas01": "10.20.6.40", "arch-app01": "10.20.1.80", "ris01": "10.20.1.90",
            "fs02": "10.20.6.31", "scan-app01": "10.20.1.95"}
GB = 1024 ** 3


def _mount(host, server, export, mount, fstype="nfs4"):
    return obs("mount", collector="agent-inventory", source=f"agents/{host}.json",
               place="host.network_mounts[0]", ev_host=host, hostname=host, fstype=fstype,
               server=server, export=export, mount=mount, used_bytes=3 * GB, total_bytes=10 * GB)


def _agent(host, processes, collected=True):
    o = obs("host", collector="agent-inventory", source=f"agents/{host}.json", place="host",
            hostname=host, addresses=[h.IP[host]], os="Linux", disk_used_bytes=20 * GB,
            **({"network_mounts_collected": True} if collected else {}))
    return [o] + [obs("process", collector="agent-inventory", hostname=host, name=p)
                  for p in processes]


def _storage_estate():
    o = []
    for name in ("doc-app01", "doc-app02"):
        o += _agent(name, ["tomcat"])
        o += [h._listen(name, 8443, "tomcat")]
    o += _agent("fs01", ["nfsd", "smbd"])
    o += [h._listen("fs01", 2049, "nfsd")]
    # the NAS appliance: known from nmap only, network equipment (stays on site)
    o += [obs("host", collector="nmap", hostname="nas01", addresses=[h.IP["nas01"]],
              device_class="network")]
    o += _agent("arch-app01", ["archiver"])
    o += [h._listen("arch-app01", 8080, "archiver")]
    o += _agent("scan-app01", ["scanner-svc"])
    o += [h._listen("scan-app01", 8081, "scanner-svc")]
    # ris01 has an agent of an older version (no network_mounts), fs02 no agent at all
    o += _agent("ris01", ["xplore"], collected=False)
    o += [h._listen("ris01", 104, "xplore")]
    o += [obs("host", collector="nmap", hostname="fs02", addresses=[h.IP["fs02"]]),
          obs("service", collector="nmap", ip=h.IP["fs02"], port=2049, transport="tcp",
              state="open", name="nfs")]
    o += [
        # the two document servers share one export of fs01 (named two ways: FQDN and address)
        _mount("doc-app01", "fs01.ch.local", "/srv/docs", "/mnt/docs"),
        _mount("doc-app02", h.IP["fs01"], "/srv/docs", "/data/docs"),
        # the backup server mounts that export too (and is a gatherer: role backup only)
        _mount("backup01", "fs01", "/srv/docs", "/mnt/bkp-docs"),
        # the archive server mounts a share of the NAS that stays, with no flow seen
        _mount("arch-app01", "nas01", "Archives", "/mnt/archives", "cifs"),
        # the scan server mounts the NAS too, and a flow to its SMB port was captured
        _mount("scan-app01", "nas01", "Scans", "/mnt/scans", "cifs"),
        h._flow("scan-app01", "nas01", 445, 12),
        # the RIS talks NFS to fs02: seen in traffic only
        h._flow("ris01", "fs02", 2049, 4),
    ]
    return o


def _plan(extra=_storage_estate):
    with pytest.MonkeyPatch.context() as mp:
        for name, ip in EXTRA_IP.items():
            mp.setitem(h.IP, name, ip)
        g = build_graph(h.observations() + extra(), h.CONFIG)
    tags = classify(g, load_packs([default_pack_path()]))
    return g, tags, build_plan(g, tags)


@pytest.fixture(scope="module")
def planned():
    """(graph, tags, plan) of the test hospital with the storage estate added."""
    return _plan()


def _group(plan, host):
    return next(g for g in plan["groups"] if f"host:{host}" in g["hosts"])


def _storage_reasons(group):
    return [r for r in group["reasons"] if r["kind"] == "shared-storage"]


def test_volumes_in_the_graph(planned):
    g, _, _ = planned
    vol = "volume:fs01:/srv/docs"
    assert g.nodes[vol]["kind"] == "volume" and g.nodes[vol]["host"] == "host:fs01"
    assert g.nodes[vol]["fstypes"] == ["nfs4"] and g.nodes[vol]["used_bytes"] == 3 * GB
    mounters = sorted(u for u, _, k in g.in_edges(vol, keys=True) if k == "mounts")
    assert mounters == ["host:backup01", "host:doc-app01", "host:doc-app02"]
    assert g.has_edge("host:fs01", vol, key="serves")
    assert g.edges["host:doc-app02", vol, "mounts"]["mount_points"] == ["/data/docs"]
    # SMB share names are case-insensitive; the NAS gets the SMB service its mount proves
    assert "volume:nas01:archives" in g and g.nodes["svc:nas01:tcp/445"]["protocol"] == "smb"
    assert g.nodes["svc:fs02:tcp/2049"]["protocol"] == "unknown"   # nmap's "nfs" is no protocol
    assert g.nodes["host:doc-app01"]["network_mounts_collected"] is True
    assert "network_mounts_collected" not in g.nodes["host:ris01"]      # older agent: unknown
    # graph.json round-trips the new kinds
    again = io.graph_from_dict(json.loads(json.dumps(io.graph_to_dict(g))))
    assert io.graph_to_dict(again) == io.graph_to_dict(g)


def test_two_app_servers_sharing_an_export_move_with_its_server(planned):
    _, _, plan = planned
    assert "shared-storage" in KINDS
    grp = _group(plan, "doc-app01")
    assert {"host:doc-app01", "host:doc-app02", "host:fs01"} <= set(grp["hosts"])
    texts = [r["text"] for r in _storage_reasons(grp)]
    assert ("doc-app01, doc-app02 all mount fs01:/srv/docs (nfs4) served by fs01: hosts "
            "sharing one volume move together") in texts
    assert any(t.startswith("doc-app02 mounts fs01:/srv/docs (nfs4) served by fs01") for t in texts)
    assert all(r.get("evidence") for r in _storage_reasons(grp))


def test_a_gatherer_mounting_the_export_is_not_glued(planned):
    _, _, plan = planned
    assert "host:backup01" not in _group(plan, "fs01")["hosts"]
    assert any(r["kind"] == "gatherer" for r in _group(plan, "backup01")["reasons"])


def test_nfs_flow_without_agent_mounts_joins_with_the_weaker_reason(planned):
    _, _, plan = planned
    grp = _group(plan, "ris01")
    assert "host:fs02" in grp["hosts"]
    assert [r["text"] for r in _storage_reasons(grp)] == [
        "ris01 talks to fs02 on the NFS port (2049/tcp) and no agent listed that mount: storage "
        "use inferred from the port alone (lower confidence); moved together"]


def test_a_volume_on_a_staying_nas_glues_nothing_and_is_listed(planned):
    _, _, plan = planned
    assert any(s["host"] == "host:nas01" for s in plan["stays"])
    arch, scan = _group(plan, "arch-app01"), _group(plan, "scan-app01")
    assert arch["id"] != scan["id"] and arch["hosts"] == ["host:arch-app01"]
    # no flow: the path is in the group's reasons
    assert [r["text"] for r in _storage_reasons(arch)] == [
        "arch-app01 mounts nas01:archives (cifs) from nas01, which stays on site: not glued to "
        "it; a cross-site storage path from arch-app01's wave on (no flow was seen, so it is "
        "not among the hybrid flows: open it at the target)"]
    # a flow: the path is a permanent hybrid flow instead
    assert not _storage_reasons(scan)
    flows = [f for f in plan["hybrid_flows"] if f["source"] == "host:scan-app01"
             and f["destination"] == "svc:nas01:tcp/445"]
    assert len(flows) == 1 and flows[0]["kind"] == "permanent"


def test_a_host_mounting_three_servers_is_a_gatherer():
    def extra():
        o = _storage_estate()
        o += _agent("fs02", ["nfsd"])
        o += [_mount("arch-app01", "fs01", "/srv/docs", "/mnt/a"),
              _mount("arch-app01", "fs02", "/srv/b", "/mnt/b")]
        return o
    _, _, plan = _plan(extra)
    grp = _group(plan, "arch-app01")
    assert grp["hosts"] == ["host:arch-app01"]
    assert any(r["kind"] == "gatherer" and r["text"].startswith(
        "arch-app01 mounts volumes of 3 servers (fs01, fs02, nas01)") for r in grp["reasons"])


def test_without_storage_the_plan_is_unchanged():
    """No mount and no storage flow: no shared-storage reason anywhere."""
    _, _, plan = _plan(lambda: [])
    assert not [r for g in plan["groups"] for r in g["reasons"] if r["kind"] == "shared-storage"]


def test_the_json_export_lists_volumes_and_mounts_and_validates(planned):
    from tests.report.minischema import validate
    g, tags, plan = planned
    meta = {"estate": "CH plan test", "hdscan_version": "0.1.0", "store_fingerprint": "sha256:0",
            "inputs": [], "observations": {"mount": 5}}
    doc = json_out.export(g, tags, plan, meta)
    schema = json.loads((ROOT / "reports" / "hdscan-export.schema.json").read_text(encoding="utf-8"))
    assert validate(doc, schema) == []
    vols = [n for n in doc["nodes"] if n["kind"] == "volume"]
    assert [n["id"] for n in vols] == ["volume:fs01:/srv/docs", "volume:nas01:archives",
                                       "volume:nas01:scans"]
    assert {e["kind"] for e in doc["edges"]} >= {"mounts", "serves"}


def test_a_cross_site_nfs_path_is_flagged_as_latency_sensitive():
    """An NFS flow from a moved host to a NAS that stays is a permanent hybrid flow whose
    reason says storage tolerates little latency, as for databases and SMB shares."""
    import networkx as nx

    from scanner.plan.hybrid import hybrid_flows

    g = nx.MultiDiGraph()
    g.add_node("host:app01", kind="host")
    g.add_node("host:nas01", kind="host")
    for proto, port in (("nfs", 2049), ("http", 8080)):
        svc = f"svc:nas01:tcp/{port}"
        g.add_node(svc, kind="service", host="host:nas01", port=port, transport="tcp", protocol=proto)
        g.add_edge("host:app01", svc, key="flow", kind="flow", port=port, transport="tcp",
                   protocol=proto, connections=3, evidence=[f"o{port}"])
    flows = {f["port"]: f for f in hybrid_flows(g, {"host:app01": 2}, set())}
    assert flows[2049]["kind"] == flows[8080]["kind"] == "permanent"
    assert flows[2049]["reason"].endswith("(nfs tolerates little latency)")
    assert "latency" not in flows[8080]["reason"]
