"""Owns the incremental graph stage: a new graph.json from the previous build's merged state
plus only the observations imported since, whenever that is provably the graph a full
rebuild of the same store would write (byte for byte), and a full rebuild otherwise.

``OUT/graph.state`` keeps what graph.json loses (written after graph.json, atomically):

* the builder's merged nodes and edges *before* finishing (``graph.build._Builder``: sets,
  counters, protocol candidates, per-table row counts), so the finishing step can run again;
* the identity tables (per address the best name claim and every name claimed; host names,
  FQDNs, DNS names, CNAMEs, TLS SNI) and every address and name the merge resolved;
* where the store stood: the last observation rowid, the count and a digest of the ids up
  to it (the store is append-only, so a grown store keeps that prefix).

A JSON header line (schema, Python version, digests of the payload and of the graph.json it
belongs to) precedes a ``marshal`` payload (plain data only: it cannot run code). A state
whose header, digests, hdscan code digest or ``estate.yml`` do not match is ignored, and
the reason is said.

Incremental merging is only right where merging is order-independent. The builder's merge
unions sets, sums counters and takes min/max times, but a few values go to the first (or
last) observation in processing order (a host's OS, a service's process, a flow's port, the
observation that created a service or database). So the new observations are merged twice:
into an empty builder (E) and into the previous state (S), and the build falls back to a
full rebuild when

* the store is not the previous one grown (ids up to the recorded rowid differ: re-created,
  replaced, vacuumed), estate.yml or hdscan's code changed, or there is no usable state;
* the new observations change how an address or name that the previous merge resolved is
  resolved now (a new hostname ↔ address binding, a DNS name renaming an address, a new
  host name making a configured name internal…);
* a node or edge gets, from E, a value that differs from S's for an attribute that is not
  known to merge commutatively (counters, times, row counts, sets, the agent flag);
* the observation that created a ``runs``/``hosts`` edge cannot be told (an edge created
  without evidence on one side); when both sides name one, the one a full build meets first
  is kept: the smaller id for two observations of one kind, else found by merging just
  those two again.

Anything else the builder keeps besides ``nodes`` and ``edges`` (a field added later) makes
the incremental path fall back too, so a builder change cannot make it silently wrong.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from ..fileio import write_atomic
from ..ingest.estate_file import EstateConfig
from ..ingest.identity import Identity
from .build import _Builder

FILE = "graph.state"
SCHEMA = "hdscan-graph-state/1"
# Attributes whose merge is commutative (sums, min/max, max per key, logical or), for
# every kind of node and edge, and for one kind only ("kind:attribute").
COMMUTATIVE = frozenset({"evidence", "bytes", "packets", "connections", "first_seen",
                         "last_seen", "rows", "table_rows", "agent",
                         "volume:used_bytes", "volume:total_bytes"})
_BUILDER_FIELDS = frozenset({"config", "obs", "identity", "g", "nodes", "edges"})
_IDENTITY_FIELDS = frozenset({"config", "_addr_names", "known_hosts", "fqdns", "dns_names",
                              "cname_of", "sni", "conflicts", "_ip_name"})
_DD = "__defaultdict_set__"
_STATE_KEYS = frozenset({"code", "config", "rowid", "count", "digest", "identity", "refs",
                         "nodes", "edges"})


class FullRebuild(Exception):
    """Why the incremental path cannot be proved equal to a full rebuild."""


class _RecordingIdentity(Identity):
    """Identity that remembers every address and name the merge asked it to resolve."""

    def __init__(self, config: EstateConfig, observations):
        self.refs_addr: set[str] = set()
        self.refs_name: set[str] = set()
        self.refs_ext: set[str] = set()     # addresses whose endpoint names were asked
        super().__init__(config, observations)

    def host_name(self, address):
        self.refs_addr.add(address)
        return super().host_name(address)

    def node_for_address(self, address):
        self.refs_addr.add(address)
        return super().node_for_address(address)

    def endpoint_name(self, address):
        self.refs_ext.add(address)
        return super().endpoint_name(address)

    def endpoint_names(self, address):
        self.refs_ext.add(address)
        return super().endpoint_names(address)

    def node_for_name(self, name):
        self.refs_name.add(name)
        return super().node_for_name(name)

    def is_internal_name(self, name):
        self.refs_name.add(name)
        return super().is_internal_name(name)


class _Merger(_Builder):
    """The graph builder with its merge and finishing steps apart."""

    def __init__(self, config: EstateConfig, identity: Identity,
                 nodes: dict | None = None, edges: dict | None = None):
        super().__init__(config, [])
        self.unknown = sorted(set(vars(self)) - _BUILDER_FIELDS)   # state not in nodes/edges
        self.identity = identity
        if nodes is not None:
            self.nodes = nodes
        if edges is not None:
            self.edges = edges

    def merge(self, observations: list) -> None:
        self.obs = observations
        self.build()

    def _finish(self):             # build() = merge only; finish() renders
        return None

    def finish(self) -> nx.MultiDiGraph:
        return _Builder._finish(self)


# -- identity tables -------------------------------------------------------------------
def _identity_tables(ident: Identity) -> dict:
    return {"claims": {a: (tuple(min(c)), {x[1] for x in c})
                       for a, c in ident._addr_names.items() if c},
            "known_hosts": set(ident.known_hosts), "fqdns": dict(ident.fqdns),
            "dns_names": {k: set(v) for k, v in ident.dns_names.items() if v},
            "cname_of": {k: set(v) for k, v in ident.cname_of.items() if v},
            "sni": {k: set(v) for k, v in ident.sni.items() if v}}


def _merge_tables(old: dict, new: dict) -> dict:
    out = {"claims": dict(old["claims"]), "known_hosts": old["known_hosts"] | new["known_hosts"],
           "fqdns": dict(old["fqdns"])}
    for address, (best, names) in new["claims"].items():
        prev = out["claims"].get(address)
        out["claims"][address] = (best, names) if prev is None else (min(prev[0], best),
                                                                     prev[1] | names)
    for fqdn, name in new["fqdns"].items():
        out["fqdns"][fqdn] = name     # another name than before: _incremental falls back
    for key in ("dns_names", "cname_of", "sni"):
        merged = {k: set(v) for k, v in old[key].items()}
        for k, v in new[key].items():
            merged.setdefault(k, set()).update(v)
        out[key] = merged
    return out


def _identity_from(config: EstateConfig, t: dict) -> _RecordingIdentity:
    """The Identity that ``Identity(config, observations)`` builds, from its tables."""
    ident = _RecordingIdentity(config, [])
    if set(vars(ident)) - {"refs_addr", "refs_name", "refs_ext"} != _IDENTITY_FIELDS:
        raise FullRebuild("the identity resolver keeps tables this stage does not know")
    ident.known_hosts = set(t["known_hosts"])
    ident.fqdns = dict(t["fqdns"])
    for key in ("dns_names", "cname_of", "sni"):
        setattr(ident, key, defaultdict(set, {k: set(v) for k, v in t[key].items()}))
    ident._addr_names = defaultdict(list, {a: [tuple(best)] for a, (best, _n) in t["claims"].items()})
    ident._ip_name = {}
    ident.conflicts = []
    for address in sorted(t["claims"]):
        best, names = t["claims"][address]
        ident._ip_name[address] = best[1]
        others = sorted(set(names) - {best[1]})
        if others:
            ident.conflicts.append({"address": address, "kept": best[1], "also_claimed_by": others})
    return ident


def _resolution_changes(old: Identity, new: Identity, refs_addr, refs_name, refs_ext) -> str | None:
    """The first previously resolved address or name that the new identity resolves otherwise."""
    same_tables = (old._ip_name == new._ip_name and old.known_hosts == new.known_hosts
                   and old.fqdns == new.fqdns and dict(old.dns_names) == dict(new.dns_names)
                   and dict(old.cname_of) == dict(new.cname_of) and dict(old.sni) == dict(new.sni))
    if same_tables:
        return None
    for a in sorted(refs_addr):
        was, now = Identity.node_for_address(old, a), Identity.node_for_address(new, a)
        if was != now:
            return f"address {a} now resolves to {now} (was {was})"
    for a in sorted(refs_ext):
        if (Identity.endpoint_names(old, a) != Identity.endpoint_names(new, a)
                or Identity.endpoint_name(old, a) != Identity.endpoint_name(new, a)):
            return f"external address {a} has new DNS or TLS names"
    for n in sorted(refs_name):
        if (Identity.node_for_name(old, n) != Identity.node_for_name(new, n)
                or Identity.is_internal_name(old, n) != Identity.is_internal_name(new, n)):
            return f"name {n} now resolves to {Identity.node_for_name(new, n)}"
    return None


# -- conflicts between the new observations and the previous state ------------------------
def _label(key) -> str:
    if isinstance(key, tuple):
        return f"{key[2]} edge {key[0]} -> {key[1]}"
    return key


def _conflict(new, old) -> bool:
    """True if merging ``new`` into ``old`` could depend on the order (see module docstring)."""
    if new is None or old is None:
        return False
    if isinstance(new, (set, frozenset)) and isinstance(old, (set, frozenset)):
        return False
    if isinstance(new, dict) and isinstance(old, dict):
        return any(_conflict(v, old[k]) for k, v in new.items() if k in old)
    return new != old


def _check_values(e: dict, s: dict) -> None:
    for key, item in e.items():
        prev = s.get(key)
        if prev is None:
            continue
        kind = item.get("kind")
        for attr, value in item.items():
            if attr not in COMMUTATIVE and f"{kind}:{attr}" not in COMMUTATIVE and \
                    _conflict(value, prev.get(attr)):
                raise FullRebuild(f"new observations give {_label(key)} another '{attr}', and "
                                  "which one a graph keeps depends on observation order")


# -- the state file ----------------------------------------------------------------------
def _pack_items(items: dict) -> dict:
    out = {}
    for key, item in items.items():
        if any(type(v) is defaultdict for v in item.values()):
            conv = {}
            for k, v in item.items():
                if type(v) is defaultdict:
                    if v.default_factory is not set:
                        raise FullRebuild(f"{_label(key)} '{k}' cannot be kept")
                    v = (_DD, dict(v))
                conv[k] = v
            item = conv
        out[key] = item
    return out


def _unpack_items(items: dict) -> dict:
    for item in items.values():
        for k, v in item.items():
            if type(v) is tuple and len(v) == 2 and v[0] == _DD:
                item[k] = defaultdict(set, v[1])
    return items


@dataclass
class Built:
    """One graph build: the finished graph, which path was taken and why, and the state to keep."""
    graph: nx.MultiDiGraph
    path: str                    # "incremental" | "full"
    reason: str
    new_observations: int
    payload: bytes | None = field(default=None, repr=False)

    @property
    def note(self) -> str:
        if self.path == "incremental":
            return f"incremental, {self.new_observations:,} new observations"
        return f"full rebuild: {self.reason}"

    def save(self, out: Path, graph_sha256: str) -> None:
        """Write OUT/graph.state for the graph.json whose sha256 is given (after writing it)."""
        path = Path(out) / FILE
        if self.payload is None:
            path.unlink(missing_ok=True)
            return
        header = {"schema": SCHEMA, "python": list(sys.version_info[:2]),
                  "graph_sha256": graph_sha256,
                  "payload_sha256": hashlib.sha256(self.payload).hexdigest()}
        write_atomic(path, json.dumps(header, sort_keys=True).encode() + b"\n" + self.payload)


def _read_state(out: Path, graph_sha256: str | None) -> tuple[dict | None, str]:
    path = Path(out) / FILE
    if not path.is_file():
        return None, "no previous graph state"
    try:
        blob = path.read_bytes()
        head, _, payload = blob.partition(b"\n")
        header = json.loads(head)
        if header.get("schema") != SCHEMA or header.get("python") != list(sys.version_info[:2]):
            return None, "the previous graph state is of another version; ignored"
        if header.get("graph_sha256") != graph_sha256:
            return None, "graph.json is not the one the previous graph state belongs to; ignored"
        if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
            return None, "the previous graph state is damaged; ignored"
        state = marshal.loads(payload)
        if not isinstance(state, dict) or not _STATE_KEYS <= set(state):
            return None, "the previous graph state is unreadable; ignored"
        return state, ""
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        return None, "the previous graph state is unreadable; ignored"


def _pack_state(m: _Merger, ident: _RecordingIdentity, meta: dict) -> bytes | None:
    if m.unknown:
        return None          # state this stage cannot keep: the next build is a full one
    try:
        return marshal.dumps({**meta, "identity": _identity_tables_of(ident),
                              "refs": (ident.refs_addr, ident.refs_name, ident.refs_ext),
                              "nodes": _pack_items(m.nodes), "edges": _pack_items(m.edges)}, 4)
    except (FullRebuild, ValueError):
        return None          # not keepable: the next build is a full one


def _identity_tables_of(ident: Identity) -> dict:
    t = getattr(ident, "_tables", None)
    return t if t is not None else _identity_tables(ident)


# -- the build ---------------------------------------------------------------------------
def build(out: Path, store, config: EstateConfig, config_text: str | None,
          graph_sha256: str | None, code_digest: str) -> Built:
    """The graph of ``store``: incrementally from OUT/graph.state when provably equal."""
    upto = store.last_rowid()
    meta = {"code": code_digest,
            "config": hashlib.sha256((config_text or "").encode()).hexdigest(), "rowid": upto}
    state, reason = _read_state(out, graph_sha256)
    if state is not None:
        try:
            return _incremental(store, config, state, meta)
        except FullRebuild as exc:
            reason = str(exc)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            # a state of the right schema and digest but not of this shape
            reason = "the previous graph state is unreadable; ignored"
    return _full(store, config, meta, reason)


def _full(store, config, meta, reason) -> Built:
    observations = list(store.observations_in(0, meta["rowid"]))
    ident = _RecordingIdentity(config, observations)
    m = _Merger(config, ident)
    m.merge(observations)
    meta["count"], meta["digest"] = store.prefix_digest(meta["rowid"])
    payload = _pack_state(m, ident, meta)
    return Built(m.finish(), "full", reason, len(observations), payload)


def _incremental(store, config, state: dict, meta: dict) -> Built:
    if state.get("code") != meta["code"]:
        raise FullRebuild("hdscan's code changed since the previous graph")
    if state.get("config") != meta["config"]:
        raise FullRebuild("estate.yml changed")
    if meta["rowid"] < state["rowid"] or \
            store.prefix_digest(state["rowid"]) != (state["count"], state["digest"]):
        raise FullRebuild("the store is not the previous one grown (re-created, replaced or "
                          "an observation removed)")
    new = list(store.observations_in(state["rowid"], meta["rowid"]))
    meta["count"] = state["count"] + len(new)
    meta["digest"] = (state["digest"] if not new else store.prefix_digest(meta["rowid"])[1])

    # Identity: the previous tables plus the new observations' claims and names.
    old_tables = state["identity"]
    merged_tables = _merge_tables(old_tables, _identity_tables(Identity(config, new)))
    old_ident = _identity_from(config, old_tables)
    ident = _identity_from(config, merged_tables)
    if any(old_tables["fqdns"].get(k, v) != v for k, v in merged_tables["fqdns"].items()):
        raise FullRebuild("a new observation gives an FQDN to another host")
    refs_addr, refs_name, refs_ext = state["refs"]
    why = _resolution_changes(old_ident, ident, refs_addr, refs_name, refs_ext)
    if why:
        raise FullRebuild(why)
    ident.refs_addr, ident.refs_name, ident.refs_ext = set(refs_addr), set(refs_name), set(refs_ext)
    ident._tables = merged_tables

    nodes, edges = _unpack_items(state["nodes"]), _unpack_items(state["edges"])
    # E: the new observations alone, to see what they touch and which values they bring.
    e = _Merger(config, ident)
    if e.unknown:
        raise FullRebuild(f"the graph builder keeps state this stage does not know "
                          f"({', '.join(e.unknown)})")
    e.merge(new)
    _check_values(e.nodes, nodes)
    _check_values(e.edges, edges)
    before = {k: frozenset(edges[k]["evidence"]) for k in e.edges if k in edges}
    # S: the new observations merged into the previous state.
    s = _Merger(config, ident, nodes, edges)
    s.merge(new)
    _settle_creations(store, config, ident, e, s, before, new)
    payload = _pack_state(s, ident, meta)
    return Built(s.finish(), "incremental", "", len(new), payload)


def _settle_creations(store, config, ident, e: _Merger, s: _Merger, before: dict, new: list) -> None:
    """Edges made only when a node is created keep the evidence of its first observation
    (or none, when it was created without one): between the previous creator and the new
    observations, keep what a full build meets first, by merging just those again."""
    pending: dict = {}
    replay_all = False
    for key, item in e.nodes.items():
        if not item["evidence"] <= s.nodes[key]["evidence"]:
            raise FullRebuild(f"which observation created {key} first cannot be told")
    for key, item in e.edges.items():
        ev, old = item["evidence"], before.get(key)
        if old is None:
            continue
        if ev <= s.edges[key]["evidence"]:
            if not ev and old:          # a new observation may have created it, without evidence
                if len(old) != 1:
                    raise FullRebuild(f"which observation created {_label(key)} first cannot be told")
                pending[key] = old
                replay_all = True
            continue
        if len(old) != 1 or len(ev) != 1:
            raise FullRebuild(f"which observation created {_label(key)} first cannot be told")
        pending[key] = old | ev
    if not pending:
        return
    # Within one kind, a full build merges in id order: the smaller id came first.
    kinds = store.kinds_of(k for ids in pending.values() for k in ids)
    for key in list(pending):
        ids = pending[key]
        phase = {kinds.get(k) for k in ids}
        if len(ids) == 2 and len(phase) == 1 and None not in phase:
            s.edges[key]["evidence"] = {min(ids)}
            del pending[key]
    if not pending:
        return
    old_ids = {k for ids in pending.values() for k in ids} - {o.id for o in new}
    replay = {o.id: o for o in store.observations_in(ids=old_ids)}
    wanted = {k for ids in pending.values() for k in ids}
    replay.update((o.id, o) for o in new if replay_all or o.id in wanted)
    r = _Merger(config, ident)
    r.merge([replay[k] for k in sorted(replay)])
    for key, ids in pending.items():
        first = r.edges.get(key, {}).get("evidence")
        if first is None or len(first) > 1 or not first <= ids:
            raise FullRebuild(f"which observation created {_label(key)} first cannot be told")
        s.edges[key]["evidence"] = set(first)
