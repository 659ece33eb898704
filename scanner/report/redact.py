"""Owns ``--redact``: consistent pseudonyms for every name that identifies the estate.

Host names, IP addresses, DNS names and TLS SNI, application names (HL7 sending and
receiving applications, PostgreSQL application names, configuration references), database
names, DICOM AE titles and network volumes' paths (NFS exports, SMB shares, iSCSI targets,
mount points: they often carry an application's name) are replaced before anything is rendered, so every output (HTML,
SVG, DOT, every export) is drawn from already-redacted data.  Roles, data classes, tiers,
rule ids, protocols and ports stay readable.

A pseudonym is an HMAC-SHA256 of the original under a per-estate salt kept in
``OUT/redaction.salt`` (created on first use, never copied into any output): the same name
gives the same pseudonym within a run and across successive runs on the same ``OUT``; the
salt makes them impossible to reverse by guessing names.  Shapes:

=============  ===========================  =================================
category       example                      note
=============  ===========================  =================================
host           ``host-3fa9c1``
address        ``240.17.3.201``             IPv4 into 240.0.0.0/4 (reserved);
                                            IPv6 into ``fdff::/16``
dns            ``name-3fa9c1.invalid``      ``.invalid`` is reserved (RFC 2606)
app            ``app-3fa9c1``                HL7 apps and facilities too
database       ``db-3fa9c1``
ae             ``AE-3FA9C1``                AE titles stay upper-case
user           ``user-3fa9c1``              database user names
path           ``/path-3fa9c1``             volume exports and mount points
=============  ===========================  =================================

Two names whose pseudonyms collide are told apart deterministically (the later one in
sorted order is hashed again with a counter).  Free text (reasons, ``because``, titles,
input paths) has its entity ids replaced whole, as in the graph, then is scrubbed token by
token: any token that is a known name, or starts with one followed by a dot, is replaced.  Words of the classification vocabulary (a role called
``PACS`` and an AE title ``PACS``) and names shorter than three characters are left in free
text, where they cannot identify anything; structured fields are always replaced.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import ipaddress
import re
import secrets
from pathlib import Path

import networkx as nx

from ..errors import ScannerError, SourceLocation
from ..fileio import write_atomic
from ..model import ids

SALT_FILE = "redaction.salt"
CATEGORIES = ("host", "address", "dns", "app", "database", "ae", "user", "path")

# fact name → category of its values
FACT_CATEGORY = {
    "hl7.sending_applications": "app", "hl7.receiving_applications": "app",
    "hl7.sending_facilitys": "app", "hl7.receiving_facilitys": "app",
    "postgresql.application_names": "app", "oracle.programs": "app", "astm.senders": "app",
    "dicom.called_aes": "ae", "dicom.calling_aes": "ae",
    "tls.snis": "dns", "http.hosts": "dns", "kerberos.realms": "dns",
    "postgresql.databases": "database", "mysql.databases": "database",
    "oracle.service_names": "database", "oracle.sids": "database", "tds.instances": "database",
    "postgresql.users": "user",
}
# attributes whose values are vocabulary or technical, never names: left as they are
KEEP = frozenset({
    "kind", "dimension", "value", "rule", "rules", "confidence", "severity", "schema", "packs", "pack",
    "evidence", "role", "data_class", "care_tier", "hosting", "exposure", "frameworks",
    "framework", "requirement", "transport", "protocol", "port", "os", "os_version",
    "device_class", "engine", "sources", "site", "version", "nmap_name", "nmap_os", "mechanisms",
    "scheme", "columns", "first_seen", "last_seen", "store_fingerprint", "hdscan_version",
    "estate", "collector", "target_hosting", "roles", "action", "from_wave", "until_wave",
    "number", "observations", "agent", "shared_infrastructure",
    "msg",  # a planner message id (scanner/plan/messages.py); its params are redacted
})
# graph attributes whose values are vocabulary: never scrubbed out of free text
VOCABULARY_KEYS = ("kind", "protocol", "transport", "scheme", "mechanisms", "engine", "device_class",
                   "os", "sources")
_CASE_BLIND = ("host", "address", "dns")
_TOKEN = re.compile(r"[\w.\-]+")
_ENTITY = re.compile(r"\b(?:host|svc|db|ext|volume):[\w.:/\-\[\]%]+")


def load_salt(out: Path) -> bytes:
    """The estate's salt from ``OUT/redaction.salt``, created (random, 32 bytes) if missing."""
    path = Path(out) / SALT_FILE
    if path.is_file():
        text = path.read_text(encoding="utf-8").strip()
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise ScannerError("not a redaction salt (64 hex digits expected)", SourceLocation(str(path), "line 1"))
        return bytes.fromhex(text)
    salt = secrets.token_bytes(32)
    write_atomic(path, salt.hex() + "\n")
    return salt


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class Pseudonyms:
    """Registers names by category, then gives each its pseudonym (``freeze`` in between)."""

    def __init__(self, salt: bytes):
        self._salt = salt
        self._seen: dict[str, set[str]] = {c: set() for c in CATEGORIES}
        self._maps: dict[str, dict[str, str]] = {}
        self._text: dict[str, str] = {}
        self._text_ci: dict[str, str] = {}
        self._paths: re.Pattern | None = None

    def add(self, category: str, value) -> None:
        if isinstance(value, str) and value:
            self._seen[category].add(value.lower() if category in _CASE_BLIND else value)

    def add_name(self, value) -> None:
        """A name that may be an address or a DNS name (``host:port`` allowed)."""
        if isinstance(value, str) and value:
            base = _strip_port(value)
            self.add("address" if _is_address(base) else "dns", base)

    def _digest(self, category: str, value: str, attempt: int) -> bytes:
        msg = f"{category}\0{value}\0{attempt}".encode("utf-8")
        return hmac.new(self._salt, msg, hashlib.sha256).digest()

    def _shape(self, category: str, value: str, d: bytes) -> str:
        if category == "address":
            if ipaddress.ip_address(value).version == 4:
                return f"{240 + (d[0] & 15)}.{d[1]}.{d[2]}.{d[3]}"
            return "fdff:" + ":".join(d[i:i + 2].hex() for i in range(0, 14, 2))
        h = d[:3].hex()
        return {"host": f"host-{h}", "dns": f"name-{h}.invalid", "app": f"app-{h}",
                "database": f"db-{h}", "ae": f"AE-{h.upper()}", "user": f"user-{h}",
                "path": f"/path-{h}"}[category]

    def freeze(self, vocabulary: set[str]) -> None:
        """Give every registered name its pseudonym; build the free-text lookups."""
        for category, values in self._seen.items():
            mapping, used = {}, set()
            for value in sorted(values):
                attempt = 0
                while True:
                    fake = self._shape(category, value, self._digest(category, value, attempt))
                    if fake not in used:
                        break
                    attempt += 1
                used.add(fake)
                mapping[value] = fake
            self._maps[category] = mapping
        vocab_ci = {w.lower() for w in vocabulary}
        # paths hold "/" and spaces, which tokens do not: replaced whole, longest first
        paths = sorted((v for v in self._maps["path"] if len(v) >= 3), key=lambda v: (-len(v), v))
        self._paths = re.compile("|".join(re.escape(v) for v in paths)) if paths else None
        # free text: addresses win over host names that are addresses
        for category in ("user", "app", "database", "ae", "dns", "host", "address"):
            for value, fake in self._maps[category].items():
                if len(value) < 3 or value in vocabulary or (category in _CASE_BLIND and value in vocab_ci):
                    continue
                if category in _CASE_BLIND:
                    self._text_ci[value] = fake
                else:
                    self._text[value] = fake

    def get(self, category: str, value: str) -> str:
        key = value.lower() if category in _CASE_BLIND else value
        return self._maps[category][key]

    def name(self, value: str) -> str:
        base = _strip_port(value)
        fake = self.get("address" if _is_address(base) else "dns", base)
        return fake + value[len(base):]

    def _token(self, token: str) -> str | None:
        found = self._text_ci.get(token.lower()) or self._text.get(token)
        if found:
            return found
        parts = token.split(".")
        for i in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:i])
            found = self._text_ci.get(head.lower()) or self._text.get(head)
            if found:
                return found + "." + ".".join(parts[i:])
        return None

    def scrub(self, text: str) -> str:
        """Free text with every known name replaced."""
        if self._paths is not None:
            text = self._paths.sub(lambda m: self._maps["path"][m.group(0)], text)

        def one(m):
            token = m.group(0)
            core = token.rstrip(".")
            fake = self._token(core)
            return token if fake is None else fake + token[len(core):]
        return _TOKEN.sub(one, text)


def _strip_port(value: str) -> str:
    m = re.fullmatch(r"(.+?):(\d+)", value)
    if m and not _is_address(value):
        return m.group(1)
    return value


def _collect(g, p: Pseudonyms) -> None:
    for node, data in g.nodes(data=True):
        kind = data.get("kind")
        _collect_id(node, p)
        if kind == "host":
            p.add("host", data.get("name"))
            p.add("dns", data.get("fqdn"))
            for a in data.get("addresses") or []:
                p.add("address", a)
        elif kind == "endpoint":
            p.add_name(data.get("name"))
            for n in (data.get("names") or []) + (data.get("addresses") or []):
                p.add_name(n)
        elif kind == "database":
            p.add("database", data.get("name"))
        elif kind == "volume":
            p.add("path", data.get("export"))
            p.add_name(data.get("server"))
        _collect_facts(data.get("facts"), p)
    for _, _, data in g.edges(data=True):
        _collect_facts(data.get("facts"), p)
        for mount_point in data.get("mount_points") or []:
            p.add("path", mount_point)
        for a in data.get("applications") or []:
            p.add("app", a)


def _kind(node: str) -> str | None:
    try:
        return ids.kind_of(node)
    except ValueError:
        return None


def _collect_id(node: str, p: Pseudonyms) -> None:
    kind = _kind(node)
    if kind == "host":
        p.add("host", node.split(":", 1)[1])
    elif kind == "service":
        p.add("host", ids.parse_service(node)[0])
    elif kind == "database":
        _, host, _, name = ids.parse_database(node)
        p.add("host", host)
        p.add("database", name)
    elif kind == "endpoint":
        p.add_name(node.split(":", 1)[1])


def _collect_facts(facts, p: Pseudonyms) -> None:
    for key, values in (facts or {}).items():
        category = FACT_CATEGORY.get(key)
        for v in values or []:
            if category == "dns":
                p.add_name(v)
            elif category:
                p.add(category, v)


def _new_id(node: str, p: Pseudonyms, data: dict | None = None) -> str:
    kind = _kind(node)
    if kind == "host":
        return ids.host_id(p.get("host", node.split(":", 1)[1]))
    if kind == "service":
        host, transport, port = ids.parse_service(node)
        return ids.service_id(p.get("host", host), transport, port)
    if kind == "database":
        engine, host, port, name = ids.parse_database(node)
        return ids.database_id(engine, p.get("host", host), port, p.get("database", name))
    if kind == "endpoint":
        return ids.endpoint_id(p.name(node.split(":", 1)[1]))
    if kind == "volume" and data and data.get("host") and data.get("export"):
        serving = _new_id(data["host"], p).split(":", 1)[1]
        return ids.volume_id(serving, p.get("path", data["export"]))
    return p.scrub(node)


class Redactor:
    """Applies one estate's pseudonyms to the graph, tags, plan and meta."""

    def __init__(self, g, tags: dict, salt: bytes):
        self.names = Pseudonyms(salt)
        _collect(g, self.names)
        self.names.freeze(vocabulary(g, tags))
        self.id_map = {n: _new_id(n, self.names, g.nodes[n]) for n in g.nodes}

    def value(self, key: str | None, value):
        """A copy of ``value`` (found under ``key``) with every name replaced."""
        if isinstance(value, dict):
            if key == "facts":
                return {k: sorted(self._fact(k, v) for v in vs) for k, vs in value.items()}
            return {self.id_map.get(k, k): self.value(k, v) for k, v in value.items()}
        if isinstance(value, list):
            out = [self.value(key, v) for v in value]
            return sorted(out) if key in ("addresses", "names", "applications") else out
        if not isinstance(value, str):
            return value
        if value in self.id_map:
            return self.id_map[value]
        if key in KEEP:
            return value
        return self._named(key, value)

    def text(self, value: str) -> str:
        """Free text: entity ids replaced whole (as in the graph), then every known name."""
        def one(m):
            found = m.group(0)
            core = found.rstrip(".:")
            if core not in self.id_map and core.endswith("-") and core[:-1] in self.id_map:
                core = core[:-1]        # the "->" of a flow id (flow:host:a->svc:b)
            new = self.id_map.get(core)
            return found if new is None else new + found[len(core):]
        return self.names.scrub(_ENTITY.sub(one, value))

    def _named(self, key, value: str) -> str:
        p = self.names
        try:
            if key in ("fqdn",):
                return p.get("dns", value)
            if key in ("addresses",):
                return p.get("address", value)
            if key in ("names",):
                return p.name(value)
            if key == "applications":
                return p.get("app", value)
            if key in ("export", "mount_points"):
                return p.get("path", value)
            if key == "server":
                return p.name(value)
        except KeyError:
            pass
        return self.text(value)

    def _fact(self, key: str, value: str) -> str:
        category = FACT_CATEGORY.get(key)
        if category == "dns":
            return self.names.name(value)
        if category:
            return self.names.get(category, value)
        return self.text(value)

    def node_attrs(self, node: str, data: dict) -> dict:
        out = {}
        for k, v in data.items():
            if k == "name" and data.get("kind") == "host":
                out[k] = self.names.get("host", v) if isinstance(v, str) else v
            elif k == "name" and data.get("kind") == "endpoint":
                out[k] = self.names.name(v) if isinstance(v, str) else v
            elif k == "name" and data.get("kind") == "database":
                out[k] = self.names.get("database", v) if isinstance(v, str) else v
            else:
                out[k] = self.value(k, v)
        return out

    def graph(self, g):
        h = nx.MultiDiGraph()
        h.graph.update(copy.deepcopy(g.graph))
        for node in sorted(g.nodes):
            h.add_node(self.id_map[node], **self.node_attrs(node, g.nodes[node]))
        for u, v, key, data in g.edges(keys=True, data=True):
            h.add_edge(self.id_map[u], self.id_map[v], key=key, **{k: self.value(k, x) for k, x in data.items()})
        return h


def vocabulary(g, tags: dict) -> set[str]:
    """Words that name no one: classification values and technical graph values."""
    words = set()
    for _, data in g.nodes(data=True):
        _vocab_of(data, words)
    for _, _, data in g.edges(data=True):
        _vocab_of(data, words)
    for t in tags.get("tags", []) or []:
        for k in ("dimension", "value"):
            if isinstance(t.get(k), str):
                words.add(t[k])
    for entry in (tags.get("resolved", {}) or {}).values():
        for dim, v in (entry or {}).items():
            words.add(dim)
            for x in (v if isinstance(v, list) else [v]):
                if isinstance(x, str):
                    words.add(x)
    return words


def _vocab_of(data: dict, words: set[str]) -> None:
    for key in VOCABULARY_KEYS:
        value = data.get(key)
        for x in (value if isinstance(value, list) else [value]):
            if isinstance(x, str):
                words.add(x)


def redact(out: Path, g, tags: dict, plan: dict, meta: dict):
    """``(g, tags, plan, meta)`` with every name replaced, using ``OUT``'s salt."""
    r = Redactor(g, tags, load_salt(out))
    return r.graph(g), r.value(None, tags), r.value(None, plan), r.value(None, meta)
