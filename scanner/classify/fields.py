"""Owns the closed vocabulary of fields a rule may read, and ``rules/FIELDS.md``.

One table, ``FIELDS``, names every field, the entity kinds on which it has a value,
its type and what it means.  The loader refuses any other field (with a did-you-mean
suggestion), ``because:`` sentences may cite only these fields, and ``rules/FIELDS.md``
is generated from the same table (a test fails when it is stale).

Every field value is a list: a scalar attribute is a one-element list, a missing one
an empty list.  Field names are all taken from the graph contract of
docs/architecture.md, so nothing outside the privacy allow-list can be read.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

HOST, SERVICE, DATABASE, ENDPOINT = "host", "service", "database", "endpoint"
APPLICATION, FLOW = "application", "flow"
ALL = (HOST, SERVICE, DATABASE, ENDPOINT, APPLICATION, FLOW)


@dataclass(frozen=True)
class Field:
    """One readable field: its dotted name, the entity kinds that have it, its type, its doc."""

    name: str
    kinds: tuple
    type: str
    doc: str


# Service facts (docs/architecture.md "Service facts keys") with their meaning.
FACTS: dict[str, str] = {
    "hl7.message_types": "HL7 v2 MSH-9 message types seen (`ADT^A01`, `ORU^R01`…).",
    "hl7.versions": "HL7 v2 MSH-12 versions seen.",
    "hl7.sending_applications": "HL7 v2 MSH-3 sending application names.",
    "hl7.receiving_applications": "HL7 v2 MSH-5 receiving application names.",
    "dicom.called_aes": "DICOM called AE titles (the server's AE).",
    "dicom.calling_aes": "DICOM calling AE titles (the clients' AEs).",
    "dicom.abstract_syntaxes": "DICOM abstract syntax UIDs proposed (SOP classes).",
    "dicom.results": "DICOM association results (accepted, rejected).",
    "http.methods": "HTTP request methods.",
    "http.hosts": "HTTP Host headers.",
    "http.content_types": "HTTP content types.",
    "fhir.resource_types": "FHIR resource types in request paths (`Patient`, `Observation`…).",
    "tls.snis": "TLS ClientHello server names (SNI).",
    "tls.alpn": "TLS ALPN protocol ids.",
    "tls.versions": "TLS versions.",
    "postgresql.databases": "PostgreSQL database names from startup messages.",
    "postgresql.application_names": "PostgreSQL application_name values.",
    "mysql.server_versions": "MySQL/MariaDB server version strings.",
    "mysql.databases": "MySQL/MariaDB database names from the client handshake.",
    "tds.instances": "SQL Server instance names from PRELOGIN.",
    "oracle.service_names": "Oracle TNS SERVICE_NAME values.",
    "oracle.programs": "Oracle TNS client PROGRAM names.",
    "smb.dialects": "SMB dialects negotiated.",
    "kerberos.realms": "Kerberos realms.",
    "ldap.operations": "LDAP operation kinds (bind, search…).",
    "astm.senders": "ASTM E1394 header sender names (analysers).",
    "hprim.versions": "HPRIM Santé versions.",
    "hprim.message_kinds": "HPRIM Santé message kinds (ORU, ADM…).",
}

_BASE: list[Field] = [
    Field("host.name", (HOST, SERVICE, DATABASE), "str", "Host name (the host's own, or the host a service/database runs on)."),
    Field("host.fqdn", (HOST, SERVICE, DATABASE), "str", "Fully qualified host name."),
    Field("host.addresses", (HOST, SERVICE, DATABASE), "[str]", "Host IP addresses (use `|cidr`)."),
    Field("host.os", (HOST, SERVICE, DATABASE), "str", "Operating system from the agent inventory."),
    Field("host.os_version", (HOST, SERVICE, DATABASE), "str", "Operating system version."),
    Field("host.device_class", (HOST, SERVICE, DATABASE), "str", "server, workstation, medical_device, network or unknown."),
    Field("host.agent", (HOST, SERVICE, DATABASE), "bool", "True when an agent inventory exists for the host."),
    Field("host.processes", (HOST, SERVICE, DATABASE), "[str]", "Names of processes seen running (never command lines)."),
    Field("host.packages", (HOST, SERVICE, DATABASE), "[str]", "Installed package names."),
    Field("host.nmap_os", (HOST, SERVICE, DATABASE), "str", "nmap OS guess."),
    Field("host.site", (HOST, SERVICE, DATABASE), "str", "Site id from estate.yml."),
    Field("host.memory_bytes", (HOST, SERVICE, DATABASE), "int", "Memory size in bytes."),
    Field("service.port", (HOST, SERVICE, DATABASE), "int", "Server port. On a host: every port it serves."),
    Field("service.transport", (HOST, SERVICE, DATABASE), "str", "tcp or udp. On a host: across its services."),
    Field("service.protocol", (HOST, SERVICE, DATABASE), "str", "Protocol identified from content (`dicom`, `hl7v2-mllp`, `ldap`…). On a host: across its services."),
    Field("service.product", (HOST, SERVICE, DATABASE), "str", "Product name from nmap -sV. On a host: across its services."),
    Field("service.version", (HOST, SERVICE, DATABASE), "str", "Product version from nmap -sV."),
    Field("service.nmap_name", (HOST, SERVICE, DATABASE), "str", "nmap service name. On a host: across its services."),
    Field("service.process", (HOST, SERVICE, DATABASE), "str", "Name of the listening process. On a host: across its services."),
    Field("db.engine", (HOST, SERVICE, DATABASE), "str", "Database engine (postgresql, mysql, sqlserver, oracle). On a host or service: across its databases."),
    Field("db.name", (HOST, SERVICE, DATABASE), "str", "Database name. On a host or service: across its databases."),
    Field("db.tables", (HOST, SERVICE, DATABASE), "[str]", "Table names as `schema.table`, lower-case (metadata only)."),
    Field("db.table_names", (HOST, SERVICE, DATABASE), "[str]", "Table names without the schema, lower-case."),
    Field("db.schemas", (HOST, SERVICE, DATABASE), "[str]", "Schema names, lower-case."),
    Field("db.columns", (HOST, SERVICE, DATABASE), "[str]", "Column names, lower-case (metadata only, never values)."),
    Field("db.value_kinds", (HOST, SERVICE, DATABASE), "[str]", "Validators (nir, ins, rpps, finess, cim10, ccam, email, phone_fr) that at least half the values sampled from some column passed (`hdscan db scan --sample N`, opt-in; counts only, never values); suffixed `.by_type` (`nir.by_type`) when the column was sampled for its type, not its name."),
    Field("db.rows", (HOST, SERVICE, DATABASE), "int", "Sum of row counts or estimates."),
    Field("db.bytes", (HOST, SERVICE, DATABASE), "int", "Database size in bytes."),
    Field("db.link_mechanisms", (HOST, SERVICE, DATABASE), "[str]", "Mechanisms of the db_links this database holds (postgres_fdw, dblink…)."),
    Field("endpoint.name", (ENDPOINT,), "str", "The endpoint's name (fqdn or address)."),
    Field("endpoint.names", (ENDPOINT,), "[str]", "DNS names and TLS SNI seen for the endpoint."),
    Field("endpoint.addresses", (ENDPOINT,), "[str]", "Addresses of the endpoint (use `|cidr`)."),
    Field("client.protocols", (HOST,), "[str]", "Protocols of the flows the host opens as a client."),
    Field("client.ports", (HOST,), "[int]", "Server ports the host connects to as a client."),
    Field("client.peers", (HOST,), "[str]", "Ids of the services and endpoints the host connects to (use `|count`)."),
    Field("client.processes", (HOST, FLOW), "[str]", "Names of the processes that open the host's outgoing connections (on a flow: that flow's)."),
    Field("application.name", (APPLICATION,), "str", "The role that names the application (`app:<role>`: the hosts carrying that role)."),
    Field("application.hosts", (APPLICATION,), "[str]", "Names of the application's hosts."),
    Field("application.size", (APPLICATION,), "int", "Number of hosts of the application."),
    Field("application.sites", (APPLICATION,), "[str]", "Sites (estate.yml) of the application's hosts."),
    Field("application.device_classes", (APPLICATION,), "[str]", "Device classes of the application's hosts."),
    Field("application.processes", (APPLICATION,), "[str]", "Process names seen on the application's hosts."),
    Field("application.protocols", (APPLICATION,), "[str]", "Protocols the application's hosts serve."),
    Field("application.client_protocols", (APPLICATION,), "[str]", "Protocols of the flows the application's hosts open."),
    Field("flow.protocol", (FLOW,), "str", "Protocol of the flow identified from content (`hl7v2-mllp`, `dicom`…), else `unknown`."),
    Field("flow.port", (FLOW,), "int", "Server port of the flow."),
    Field("flow.transport", (FLOW,), "str", "tcp or udp."),
    Field("flow.connections", (FLOW,), "int", "Connections counted on the flow."),
    Field("flow.bytes", (FLOW,), "int", "Bytes both ways on the flow."),
    Field("flow.inter_site", (FLOW,), "bool", "True when the two ends are hosts on two different declared sites."),
    Field("flow.sources", (FLOW,), "[str]", "Collectors that saw the flow (capture, agent, netflow…)."),
    Field("client.name", (FLOW,), "str", "Name of the flow's client host."),
    Field("client.site", (FLOW,), "str", "Site of the flow's client host."),
    Field("client.device_class", (FLOW,), "str", "Device class of the flow's client host."),
    Field("server.name", (FLOW,), "str", "Name of the flow's server: its host's name, or the endpoint's name."),
    Field("server.kind", (FLOW,), "str", "`service` (inside the estate) or `endpoint` (outside it)."),
    Field("server.site", (FLOW,), "str", "Site of the flow's server host (none for an endpoint)."),
    Field("server.device_class", (FLOW,), "str", "Device class of the flow's server host."),
    Field("server.process", (FLOW,), "str", "Name of the process listening on the flow's service."),
    Field("server.product", (FLOW,), "str", "Product (nmap -sV) of the flow's service."),
    Field("settings.establishment", ALL, "str", "`public` or `private`: the operator status of the establishment (pack setting, overridable per run)."),
]


def _build() -> dict[str, Field]:
    table = {f.name: f for f in _BASE}
    for name, doc in FACTS.items():
        table[name] = Field(name, (HOST, SERVICE, DATABASE, FLOW), "[str]",
                            doc + " Server side; on a host: across its services; on a flow: "
                            "that flow's own.")
        table["client." + name] = Field("client." + name, (HOST,), "[str]",
                                        doc + " Sent by the host as a client (its outgoing flows).")
    return dict(sorted(table.items()))


FIELDS: dict[str, Field] = _build()

# Relations a graph predicate may follow (graph.<relation>|any/all/count).
RELATIONS: dict[str, str] = {
    "clients": "Hosts with a flow to the entity (to any of a host's services; config references count for databases).",
    "servers": "Services and endpoints the entity's host opens flows to.",
    "db_links": "Databases this database (or any database of the host/service) reads through a db_link.",
    "db_readers": "Databases that read this database through a db_link.",
    "host": "The host the entity runs on (a host's own entry for a host).",
    "services": "Services of the host (a database's own service).",
    "databases": "Databases of the host or service.",
    "site": "The other hosts on the same site as the entity's host (estate.yml sites).",
    "members": "The hosts of an application (application rules only).",
    "client": "The client host of a flow (flow rules only).",
    "server": "The service or endpoint a flow goes to (flow rules only).",
}

_GRAPH_KINDS = (HOST, SERVICE, DATABASE, ENDPOINT)
# Entity kinds on which each relation has neighbours (R015 for any other kind).
RELATION_KINDS: dict[str, tuple] = {
    **{r: _GRAPH_KINDS for r in ("clients", "servers", "db_links", "db_readers", "host",
                                  "services", "databases", "site")},
    "members": (APPLICATION,), "client": (FLOW,), "server": (FLOW,),
}

TAG_PREFIX = "tags."
GRAPH_PREFIX = "graph."


def is_field(name: str, dimensions=()) -> bool:
    """True when ``name`` is a vocabulary field or ``tags.<declared dimension>``."""
    if name.startswith(TAG_PREFIX):
        return name[len(TAG_PREFIX):] in dimensions
    return name in FIELDS


def kinds_of(name: str) -> tuple:
    """Entity kinds on which ``name`` has a value."""
    if name.startswith(TAG_PREFIX):
        return ALL
    return FIELDS[name].kinds


def suggest(name: str, dimensions=()) -> str | None:
    """The nearest known field (or graph relation) to ``name``, for did-you-mean."""
    candidates = list(FIELDS) + [TAG_PREFIX + d for d in dimensions] + \
        [GRAPH_PREFIX + r for r in RELATIONS]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def vocabulary_markdown() -> str:
    """The field and graph-relation tables (rules/FIELDS.md and docs/rules.md carry them)."""
    lines = ["| field | on | type | meaning |", "|---|---|---|---|"]
    for f in FIELDS.values():
        lines.append(f"| `{f.name}` | {', '.join(f.kinds)} | {f.type} | {f.doc} |")
    lines.append("| `tags.<dimension>` | " + ", ".join(ALL) + " | [str] | "
                 "Values already tagged for a dimension declared in pack.yml (an application "
                 "also sees its hosts'). |")
    lines += ["", "## Graph relations", "",
              "`graph.<relation>|any: {selection}`, `|all: {selection}`, "
              "`|count|gte: N` or `|count|gte: {value: N, where: {selection}}`.", "",
              "| relation | on | meaning |", "|---|---|---|"]
    for name, doc in RELATIONS.items():
        lines.append(f"| `graph.{name}` | {', '.join(RELATION_KINDS[name])} | {doc} |")
    return "\n".join(lines)


def fields_markdown() -> str:
    """The text of ``rules/FIELDS.md``, generated from ``FIELDS`` and ``RELATIONS``."""
    lines = [
        "# Fields a rule may read",
        "",
        "Generated from `scanner/classify/fields.py`; do not edit by hand",
        "(`scanner.classify.fields.write_fields_md(path)`).",
        "",
        "Every value is a list; a list field matches when any element matches. On a host,",
        "`service.*` and protocol facts read across all its services (server side),",
        "`db.*` across its databases, and `client.*` across the flows it opens. Services and",
        "databases also read their host's `host.*` fields. `tags.<dimension>` reads the tags",
        "already set (a host sees its services' and databases' tags; a service or database",
        "sees its host's). A flow (`flow:<client>-><server>`) reads its own edge and facts",
        "and both ends; an application (`app:<role>`, the hosts carrying that role) reads",
        "`application.*` and, through `graph.members`, its hosts (docs/rules.md §2.1).",
        "",
        vocabulary_markdown(),
    ]
    lines += ["", "## Modifiers", "",
              "`contains`, `startswith`, `endswith`, `re`, `cidr`, `in_list` (the value names a "
              "list in pack.yml), `any` (default), `all` (every listed value must be present), "
              "`count`, `gte`, `lte`. Strings compare case-insensitively; a list value means OR.",
              ""]
    return "\n".join(lines)


def write_fields_md(path) -> None:
    """Write :func:`fields_markdown` to ``path`` (``rules/FIELDS.md``)."""
    from pathlib import Path
    Path(path).write_text(fields_markdown(), encoding="utf-8")
