"""Owns the go/no-go checklist of each wave, derived from the graph and the plan.

Every item is a condition to confirm before the cut-over starts (``go``) and names the
hosts it concerns:

- ``backup``: a verified, restorable backup of each host holding data; the backup hosts
  observed talking to them are named, and a host no backup host was seen talking to is
  called out (the backup path must be confirmed another way);
- ``transfer``: the data fits the window, or the amount to pre-seed beforehand;
- ``firewall``: the cross-site rules to open before the wave and to close after it;
- ``rollback``: the on-site instances kept intact until go-live is confirmed, and the
  cross-site rules to re-open if the wave is rolled back;
- ``degraded-mode``: for each tier-1 service affected — moving in this wave, or whose
  clinical-interface, database or file-share flows start or stop crossing sites with it — its degraded-mode procedure briefed and
  the on-call staff of its department warned (DOMAIN.md: windows; CaRE D2);
- ``replica`` (replicated foundation): the target replica in service before any move.
"""

from __future__ import annotations

from collections import defaultdict

from ..graph import queries as q
from .messages import message, text


def _names(hosts) -> dict:
    """The first eight hosts (sorted), and how many more: a sentence fragment."""
    hosts = sorted(hosts)
    if len(hosts) > 8:
        return message("names.more", hosts=hosts[:8], more=len(hosts) - 8)
    return message("names.list", hosts=hosts)


def _item(kind: str, concerned, msg: str, /, **params) -> dict:
    """A checklist item: ``{kind, msg, params, text, hosts}`` (``hosts``: ``concerned``)."""
    return {"kind": kind, **text(msg, **params), "hosts": list(concerned)}


# Remote administration, RPC, web console and monitoring-agent ports: a session to a
# backup server there is not a backup.
ADMIN_PORTS = frozenset({22, 23, 135, 161, 443, 3389, 5985, 5986, 9100, 9182, 10050, 10051})
# Name, time, directory and mail services a backup server uses like any server: its
# sessions there are not backups either.
SERVICE_PORTS = frozenset({25, 53, 88, 123, 389, 464, 587, 636, 3268, 3269})
SERVICE_PROTOCOLS = frozenset({"dns", "kerberos", "ldap", "ldaps", "ntp", "smtp"})
# Every Windows server reads a domain controller's SYSVOL and RPC: not a backup of it.
DOMAIN_PORTS = frozenset({135, 139, 445})
# Flows whose crossing sites affects care: clinical interfaces, databases, file shares.
CARE_PROTOCOLS = frozenset({"hl7v2-mllp", "hprim", "astm", "dicom", "dicomweb", "fhir",
                            "postgresql", "mysql", "tds", "oracle-tns", "smb"})


def _backed_up_by(graph, backups: set, shared: set) -> dict:
    """host → backup hosts seen reading it (backup host as client) or receiving from it
    (not on a remote administration port); directory, name, time and mail sessions, and
    SMB/RPC to a domain controller, never count."""
    out = defaultdict(set)
    for u, v, k, d in graph.edges(keys=True, data=True):
        if (d.get("kind") or k) != "flow" or q.kind(graph, u) != "host":
            continue
        h = q.host(graph, v)
        if not h or h == u or d.get("port") in SERVICE_PORTS \
                or d.get("protocol") in SERVICE_PROTOCOLS \
                or (h in shared and d.get("port") in DOMAIN_PORTS):
            continue
        if u in backups and d.get("port") not in (10050, 10051, 9100, 9182, 161):
            out[h].add(u)
        if h in backups and d.get("port") not in ADMIN_PORTS:
            out[u].add(h)
    return out


def build_checklists(graph, facts: dict, groups: list, waves: list, transfers: dict,
                     matrix: list) -> dict:
    """{wave number: [{kind, msg, params, text, hosts}]} (items in a fixed order)."""
    backups = {h for h, f in facts.items() if "backup" in f.roles}
    talks = _backed_up_by(graph, backups, {h for h, f in facts.items() if f.shared})
    group_of = {h: g for g in groups for h in g["hosts"]}
    opens, closes = defaultdict(list), defaultdict(list)
    for r in matrix:
        opens[r["from_wave"]].append(r)
        if r["until_wave"] is not None:
            closes[r["until_wave"]].append(r)
    out = {}
    for w in waves:
        n, hosts, items = w["number"], w["hosts"], []
        if w["action"] == "replicate":
            items.append(_item("replica", hosts, "check.replica", hosts=_names(hosts)))
        data = [h for h in hosts if facts[h].data_bytes]
        covered = defaultdict(list)
        for h in data:
            for b in sorted(talks.get(h, set()) & backups - {h}):
                covered[b].append(h)
        for b, hs in sorted(covered.items()):
            items.append(_item("backup", sorted(hs), "check.backup", hosts=_names(hs), backup=b))
        bare = sorted(h for h in data if not any(h in hs for hs in covered.values()))
        if bare:
            items.append(_item("backup", bare, "check.no-backup", hosts=_names(bare)))
        t = transfers.get(n) or {}
        if t.get("msg"):
            items.append(_item("transfer", data, t["msg"], **t.get("params", {})))
        else:
            items.append(_item("transfer", data, "transfer.unknown"))
        opened, closed = opens.get(n, []), closes.get(n, [])
        if opened or closed:
            items.append(_item("firewall", sorted({r["source"] for r in opened}), "check.firewall",
                               opened=len(opened), closed=len(closed)))
        if w["action"] == "move":
            reopen = closed
            items.append(_item("rollback", hosts, "check.rollback", hosts=_names(hosts),
                               reopen=message("check.rollback-reopen", count=len(reopen))
                               if reopen else None))
        affected = {}
        for h in hosts:
            g = group_of.get(h)
            if g and g["care_tier"] == 1:
                affected.setdefault(g["id"], (g, message("check.why-replicated")
                                              if w["action"] == "replicate"
                                              else message("check.why-moves")))
        for what, rules in (("check.why-starts", opened), ("check.why-stops", closed)):
            for r in rules:
                if r["protocol"] not in CARE_PROTOCOLS:
                    continue
                for h, other in ((r["source"], r["destination"]), (r["destination"], r["source"])):
                    g = group_of.get(h)
                    if g and g["care_tier"] == 1 and g["id"] not in affected:
                        affected[g["id"]] = (g, message(what, protocol=r["protocol"],
                                                        other=other))
        for gid, (g, why) in sorted(affected.items()):
            roles = [x for x in g["roles"] if x != "unknown"] or [g["hosts"][0]]
            items.append(_item("degraded-mode", g["hosts"], "check.degraded-mode", roles=roles,
                               group=gid, why=why))
        out[n] = items
    return out
