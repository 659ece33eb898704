"""Evolves a generated estate into a later collection of the same hospital, and says how.

``python3 -m sample_estates.gen.evolve SRC DEST --run OUT_A [--seed N]`` copies the
estate folder SRC to DEST, applies a seeded list of changes and writes them to
``DEST/changes.yml`` (schema ``hdscan-evolve/1``), so a test can check that
``hdscan diff OUT_A OUT_B`` reports exactly those changes.  OUT_A is the output folder
of ``hdscan run SRC``: its plan gives the wave to migrate, its graph and tags let evolve
pick changes whose effects are only the listed ones.

``add_flow``      an agent host opens a new TCP connection to a service another agent
                  host listens on (one connection added to the client's inventory); both
                  are hosts whose classification owes nothing to flows;
``remove_host``   a server is decommissioned: its agent inventory, nmap entry, capture
                  frames, flow-log lines and the other agents' connections to it go; only
                  a host no other entity's tag leans on is chosen;
``migrate_wave``  the hosts of one ``move`` wave of A's plan now answer from the target
                  site: a site ``hds-cible`` holding their addresses is declared first in
                  ``estate.yml``;
``add_rule``      the hospital adds a site rule pack (``DEST/site-pack``, to pass with
                  ``--rules``) that gives one host the extra role ``warehouse``.

Targets are drawn with ``random.Random(seed)``; hosts named in configuration files, SQL
dumps or assertions are never touched (removing them would leave traces the change
list could not name).  Same SRC, OUT_A and seed ⇒ same DEST.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import struct
import sys
from pathlib import Path

import yaml

from scanner.model.ids import host_id, service_id

SCHEMA = "hdscan-evolve/1"
AGENT_SCHEMA = "hdscan-agent-inventory/1"
TARGET_SITE = "hds-cible"
PACK = "site-pack"
EXTRA_ROLE = "warehouse"


class EvolveError(Exception):
    """A request evolve cannot honour (one line for the user)."""


def _agents(inputs: Path) -> dict[str, dict]:
    """host name -> {path, doc, ips} for every agent inventory under ``inputs``."""
    found: dict[str, dict] = {}
    for path in sorted(inputs.rglob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(doc, dict) or doc.get("schema") != AGENT_SCHEMA:
            continue
        name = str(doc["host"]["hostname"]).lower()
        ips = sorted({a for i in doc["host"].get("interfaces") or [] for a in i.get("addresses") or []})
        found.setdefault(name, {"paths": [], "docs": [], "ips": ips})
        found[name]["paths"].append(path)
        found[name]["docs"].append(doc)
    return found


def _mentioned(dest: Path) -> set[str]:
    """Words (and first DNS labels) of every file that names hosts in a way evolve cannot
    edit: ``estate.yml`` (assertions), configuration files, SQL dumps and their paths."""
    words: set[str] = set()

    def add(text: str) -> None:
        for token in re.findall(r"[\w.-]+", text.lower()):
            words.add(token)
            words.add(token.split(".", 1)[0])

    add((dest / "estate.yml").read_text(encoding="utf-8"))
    for sub in ("configs", "sql"):
        folder = dest / "inputs" / sub
        for p in sorted(folder.rglob("*")) if folder.is_dir() else []:
            add(p.relative_to(dest).as_posix())
            if p.is_file():
                with open(p, encoding="utf-8", errors="replace") as f:
                    for line in f:
                        add(line)
    return words


def _named_in(words: set[str], name: str, ips: list[str]) -> bool:
    return name in words or any(ip in words for ip in ips)


def _write_json(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _filter_pcap(path: Path, ips: set[str]) -> int:
    """Drop the frames of a classic Ethernet pcap whose IPv4 source or destination is in ``ips``."""
    raw = path.read_bytes()
    if len(raw) < 24 or raw[:4] != b"\xd4\xc3\xb2\xa1":
        raise EvolveError(f"{path}: only little-endian classic pcap files can be edited")
    if struct.unpack("<I", raw[20:24])[0] != 1:
        raise EvolveError(f"{path}: only Ethernet captures can be edited")
    drop = {bytes(int(x) for x in ip.split(".")) for ip in ips if ip.count(".") == 3}
    out, pos, dropped = [raw[:24]], 24, 0
    while pos + 16 <= len(raw):
        incl = struct.unpack("<I", raw[pos + 8:pos + 12])[0]
        frame = raw[pos + 16:pos + 16 + incl]
        off = 14
        ethertype = frame[12:14]
        if ethertype == b"\x81\x00":
            off, ethertype = 18, frame[16:18]
        if ethertype == b"\x08\x00" and (frame[off + 12:off + 16] in drop or frame[off + 16:off + 20] in drop):
            dropped += 1
        else:
            out.append(raw[pos:pos + 16 + incl])
        pos += 16 + incl
    path.write_bytes(b"".join(out))
    return dropped


def _remove_host(dest: Path, agents: dict, name: str) -> dict:
    ips = agents[name]["ips"]
    touched: set[str] = set()
    for p in agents[name]["paths"]:
        p.unlink()
        touched.add(p.relative_to(dest).as_posix())
    ip_re = re.compile(r"(?<![\d.])(" + "|".join(re.escape(ip) for ip in ips) + r")(?![\d.])")
    for other, info in agents.items():
        if other == name:
            continue
        for p, doc in zip(info["paths"], info["docs"]):
            kept = [c for c in doc.get("connections") or [] if c.get("remote_ip") not in ips]
            if len(kept) != len(doc.get("connections") or []):
                doc["connections"] = kept
                _write_json(p, doc)
                touched.add(p.relative_to(dest).as_posix())
    for p in sorted((dest / "inputs").rglob("*")):
        if not p.is_file() or p.suffix == ".json":
            continue
        rel = p.relative_to(dest).as_posix()
        if p.suffix in (".pcap", ".cap"):
            if _filter_pcap(p, set(ips)):
                touched.add(rel)
        elif p.suffix == ".xml":
            text = p.read_text(encoding="utf-8")
            new = re.sub(r"<host\b.*?</host>\n?",
                         lambda m: "" if any(f'addr="{ip}"' in m.group(0) for ip in ips) else m.group(0),
                         text, flags=re.S)
            if new != text:
                p.write_text(new, encoding="utf-8")
                touched.add(rel)
        elif p.suffix in (".log", ".csv", ".tsv", ".txt", ".jsonl"):
            lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [ln for ln in lines if ln.startswith("#") or not ip_re.search(ln)]
            if len(kept) != len(lines):
                p.write_text("".join(kept), encoding="utf-8")
                touched.add(rel)
    return {"kind": "remove_host", "host": host_id(name), "addresses": ips, "files": sorted(touched)}


def _listening(doc: dict) -> list[int]:
    return sorted({int(s["port"]) for s in doc.get("listening") or []
                   if s.get("transport") == "tcp" and not str(s.get("ip", "")).startswith("127.")})


def _add_flow(dest: Path, agents: dict, rng: random.Random, client: str, server: str) -> tuple[dict, set]:
    ports = _listening(agents[server]["docs"][0])
    port = 22 if 22 in ports else rng.choice(ports)
    path, doc = agents[client]["paths"][0], agents[client]["docs"][0]
    busy = {int(s["port"]) for s in doc.get("listening") or []}
    local = rng.choice([p for p in range(49152, 49352) if p not in busy])
    proc = (doc.get("processes") or [{"pid": 1, "name": "unknown"}])[0]
    doc.setdefault("connections", []).append({
        "local_ip": agents[client]["ips"][0], "local_port": local,
        "remote_ip": agents[server]["ips"][0], "remote_port": port, "transport": "tcp",
        "pid": proc.get("pid", 1), "process": proc.get("name", "unknown"), "times_seen": 3,
        "first_seen": doc.get("collected_from"), "last_seen": doc.get("collected_to")})
    _write_json(path, doc)
    return ({"kind": "add_flow", "client": host_id(client), "server": service_id(server, "tcp", port),
             "port": port, "files": [path.relative_to(dest).as_posix()]}, {client, server})


def _migrate_wave(dest: Path, plan: dict, nodes: dict, rng: random.Random, banned: set[str]) -> dict:
    waves = [w for w in plan.get("waves") or [] if w.get("action") == "move" and len(w.get("hosts") or []) >= 2
             and not any(h in banned for h in w["hosts"])]
    if not waves:
        raise EvolveError("plan.json: no move wave left to migrate")
    wave = rng.choice(waves)
    subnets = sorted({f"{a}/32" for h in wave["hosts"] for a in nodes[h].get("addresses") or []
                      if a.count(".") == 3})
    estate = dest / "estate.yml"
    doc = yaml.safe_load(estate.read_text(encoding="utf-8"))
    target = {"id": TARGET_SITE, "name": "Hébergeur HDS (cible)", "subnets": subnets}
    doc["sites"] = [target] + list(doc.get("sites") or [])
    estate.write_text("# Evolved by sample_estates.gen.evolve: see changes.yml.\n"
                      + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return {"kind": "migrate_wave", "wave": wave["number"], "name": wave.get("name"),
            "site": TARGET_SITE, "hosts": sorted(wave["hosts"]), "files": ["estate.yml"]}


def _add_rule(dest: Path, name: str) -> dict:
    slug = re.sub(r"[^a-z0-9]+", "-", name)
    rid = f"site.role.evolve-{slug}"
    pack = dest / PACK
    (pack / "roles").mkdir(parents=True, exist_ok=True)
    (pack / "pack.yml").write_text(
        "schema: hdscan-rules/1\npack: site-evolve\nversion: 2026.1\n"
        "description: Site pack added by sample_estates.gen.evolve.\nrequires: [hdscan-core]\ndimensions: {}\n",
        encoding="utf-8")
    (pack / "roles" / f"evolve-{slug}.yml").write_text(yaml.safe_dump({
        "id": rid, "version": 1, "title": f"{name} feeds the data warehouse", "status": "stable",
        "description": "The hospital's own knowledge, added between two collections.",
        "author": "sample_estates.gen.evolve", "date": "2026-03-10", "references": ["changes.yml"],
        "applies_to": "host", "match": {"name": {"host.name": name}},
        "set": {"role": EXTRA_ROLE}, "confidence": "high", "because": "declared by the site",
    }, sort_keys=False), encoding="utf-8")
    return {"kind": "add_rule", "rule": f"{rid}@1", "entity": host_id(name), "dimension": "role",
            "value": EXTRA_ROLE, "pack": PACK, "files": [f"{PACK}/pack.yml", f"{PACK}/roles/evolve-{slug}.yml"]}


class _RunA:
    """What the ``hdscan run`` output of the source says: used to pick changes whose
    effects are exactly the ones listed (no classification elsewhere leans on them)."""

    def __init__(self, run: Path):
        self.plan = json.loads((run / "plan.json").read_text(encoding="utf-8"))
        graph = json.loads((run / "graph.json").read_text(encoding="utf-8"))
        tags = json.loads((run / "tags.json").read_text(encoding="utf-8"))
        self.nodes = {n["id"]: n for n in graph["nodes"]}
        self.resolved = tags.get("resolved") or {}
        self.children: dict[str, set] = {}
        for n, d in self.nodes.items():
            if d.get("host"):
                self.children.setdefault(d["host"], set()).add(n)
        self.tags: dict[str, list] = {}
        self.obs_users: dict[str, set] = {}      # observation id -> entities whose tags cite it
        self.via_users: dict[str, set] = {}      # node -> entities whose tags travelled through it
        for t in tags.get("tags") or []:
            self.tags.setdefault(t["entity"], []).append(t)
            for o in t.get("evidence") or []:
                self.obs_users.setdefault(o, set()).add(t["entity"])
            for n in t.get("via") or []:
                self.via_users.setdefault(n, set()).add(t["entity"])
        self.edges: dict[str, list] = {}         # host -> dependency edges touching its family
        self.neighbours: dict[str, set] = {}     # host -> hosts (or endpoints) it shares an edge with
        self.flow_evidence: set[str] = set()
        for e in graph["edges"]:
            if e.get("key") not in ("flow", "config_ref", "db_link"):
                continue
            self.flow_evidence.update(e.get("evidence") or [])
            ends = [self.host_of(e["source"]), self.host_of(e["target"])]
            for x, y in (ends, ends[::-1]):
                self.edges.setdefault(x, []).append(e)
                self.neighbours.setdefault(x, set()).add(y)

    def host_of(self, entity: str) -> str:
        return self.nodes.get(entity, {}).get("host") or entity

    def family(self, host: str) -> set[str]:
        return {host} | self.children.get(host, set())

    def self_made(self, host: str) -> bool:
        """No tag of the host, its services or databases comes from a flow or a propagation."""
        return all(not (set(t.get("evidence") or []) & self.flow_evidence) and not t.get("via")
                   for e in self.family(host) for t in self.tags.get(e, []))

    def removable(self, host: str) -> bool:
        """Removing the host changes nothing outside it but its own dependencies."""
        fam = self.family(host)
        mine = self.edges.get(host, [])
        evidence = {o for e in mine for o in e.get("evidence") or []}
        if any(self.obs_users.get(o, set()) - fam for o in evidence):
            return False
        if any(self.via_users.get(n, set()) - fam for n in fam):
            return False
        for e in mine:
            other = e["target"] if e["source"] in fam else e["source"]
            if not set(self.nodes[other].get("evidence") or []) - evidence:
                return False          # the other end would vanish with it
        return True

    def linked(self, a: str, b: str) -> bool:
        return b in self.neighbours.get(a, set())

    def roles(self, host: str) -> list[str]:
        return list((self.resolved.get(host) or {}).get("role") or [])


def evolve(src: Path, dest: Path, seed: int, run: Path) -> dict:
    """Copy ``src`` to ``dest``, apply the seeded changes, write ``dest/changes.yml``; return it.

    ``run`` is the output folder of ``hdscan run src``: its plan gives the wave to migrate,
    its graph and tags let evolve pick changes that touch nothing else.
    """
    src, dest, run = Path(src), Path(dest), Path(run)
    if not (src / "estate.yml").is_file():
        raise EvolveError(f"{src}: not an estate folder (no estate.yml)")
    for name in ("plan.json", "graph.json", "tags.json"):
        if not (run / name).is_file():
            raise EvolveError(f"{run}: no {name} (give the output folder of 'hdscan run {src}')")
    if dest.exists() and any(dest.iterdir()):
        raise EvolveError(f"{dest}: exists and is not empty; refusing to write there")
    a = _RunA(run)
    shutil.copytree(src, dest, dirs_exist_ok=True)
    rng = random.Random(seed)
    agents = _agents(dest / "inputs")
    mentioned = _mentioned(dest)
    free = sorted(n for n, info in agents.items()
                  if host_id(n) in a.nodes and not _named_in(mentioned, n, info["ips"]))
    changes = []
    clean = [n for n in free if a.self_made(host_id(n)) and "backup" not in a.roles(host_id(n))]
    pairs = [(c, s) for c in clean for s in clean if c != s and _listening(agents[s]["docs"][0])
             and not a.linked(host_id(c), host_id(s))]
    if not pairs:
        raise EvolveError(f"{src}: no two unconnected agent hosts to link")
    flow, used = _add_flow(dest, agents, rng, *rng.choice(pairs))
    changes.append(flow)
    victims = [n for n in free if n not in used and a.removable(host_id(n))]
    if not victims:
        raise EvolveError(f"{src}: no host can be removed without side effects")
    victim = rng.choice(victims)
    changes.append(_remove_host(dest, _agents(dest / "inputs"), victim))
    used.add(victim)
    changes.append(_migrate_wave(dest, a.plan, a.nodes, rng, {host_id(n) for n in used}))
    moved = set(changes[-1]["hosts"])
    ruled = [n for n in free if n not in used and host_id(n) not in moved
             and (a.resolved.get(host_id(n)) or {}).get("care_tier") is not None
             and a.roles(host_id(n)) and not {"unknown", EXTRA_ROLE} & set(a.roles(host_id(n)))]
    if not ruled:
        raise EvolveError(f"{src}: no host left to give a site rule")
    changes.append(_add_rule(dest, rng.choice(ruled)))
    doc = {"schema": SCHEMA, "source": src.name, "seed": seed, "rules": PACK, "changes": changes}
    head = "# What sample_estates.gen.evolve changed; hdscan diff must report exactly this.\n"
    (dest / "changes.yml").write_text(head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                                      encoding="utf-8")
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m sample_estates.gen.evolve", description=__doc__.split("\n")[0])
    parser.add_argument("src", type=Path, help="a generated estate folder")
    parser.add_argument("dest", type=Path, help="where to write the evolved estate (new or empty)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--run", type=Path, required=True,
                        help="output folder of 'hdscan run SRC' (its plan, graph and tags)")
    args = parser.parse_args(argv)
    try:
        doc = evolve(args.src, args.dest, args.seed, args.run)
    except EvolveError as exc:
        print(f"evolve: error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(doc['changes'])} changes → {args.dest / 'changes.yml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
