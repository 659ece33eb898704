"""Owns the observation kinds and their closed field lists.

``KINDS`` is the privacy allow-list: a collector can only emit the fields named here
(enforced by ``scanner.privacy.observation``).  Payload contents, SQL values,
command-line secrets and patient data have no field to go into.

Field types: ``str``, ``int``, ``float``, ``bool``, ``[str]`` (list of strings),
``[table]`` (list of table summaries, see ``TABLE_FIELDS``) and ``facts``
(a dict whose keys are allowed per protocol in ``PROTOCOL_FACTS``).
Times are ISO-8601 UTC strings.  Addresses are textual IPv4/IPv6.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field

from .evidence import Evidence

KINDS: dict[str, dict[str, str]] = {
    # A host's own facts (agent inventory, nmap host record, estate file).
    "host": {
        "hostname": "str", "fqdn": "str", "os": "str", "os_version": "str",
        "addresses": "[str]", "macs": "[str]", "cpu_count": "int", "memory_bytes": "int",
        "disk_total_bytes": "int", "disk_used_bytes": "int",
        "device_class": "str",   # server | workstation | medical_device | network | unknown
        "agent_version": "str", "packages": "[str]",
        "network_mounts_collected": "bool",   # the agent listed its network mounts (absent: not collected)
    },
    # A network volume a host mounts (NFS, SMB/CIFS, GlusterFS, CephFS…) or an iSCSI
    # session (fstype iscsi, export the target IQN): never the mount options.
    "mount": {
        "hostname": "str", "fstype": "str", "server": "str", "export": "str", "mount": "str",
        "port": "int", "used_bytes": "int", "total_bytes": "int",
    },
    # A process seen running on a host (command lines are never kept).
    "process": {"hostname": "str", "name": "str", "exe": "str", "user": "str"},
    # A listening socket on a host.
    "listen": {"hostname": "str", "ip": "str", "port": "int", "transport": "str", "process": "str"},
    # A connection seen by an agent on its own host, with direction decided.
    "connection": {
        "hostname": "str", "client_ip": "str", "server_ip": "str", "server_port": "int",
        "transport": "str", "process": "str", "local_role": "str",  # client | server
        "times_seen": "int", "first_seen": "str", "last_seen": "str", "confidence": "str",
    },
    # A service-level flow from traffic (pcap, live capture, flow logs).
    "flow": {
        "client_ip": "str", "server_ip": "str", "server_port": "int", "transport": "str",
        "packets_to_server": "int", "packets_to_client": "int",
        "bytes_to_server": "int", "bytes_to_client": "int", "connections": "int",
        "first_seen": "str", "last_seen": "str",
        "direction_source": "str",  # handshake | listener | port | flow-log
        "confidence": "str",        # high | medium | low
    },
    # Protocol facts identified from content on a server port (one per distinct fact set).
    "protocol": {
        "client_ip": "str", "server_ip": "str", "server_port": "int", "transport": "str",
        "protocol": "str", "facts": "facts",
    },
    # Passive or active DNS: a name resolved to an address.
    "dns": {"name": "str", "address": "str", "record_type": "str"},
    # A service seen by a scanner (nmap -sV) or declared.
    "service": {
        "ip": "str", "hostname": "str", "port": "int", "transport": "str", "state": "str",
        "name": "str", "product": "str", "version": "str",
    },
    # An OS guess for an address (nmap).
    "os_guess": {"ip": "str", "name": "str", "accuracy": "int", "device_type": "str"},
    # Schema metadata of one database: names and counts only, never values.
    "db_schema": {
        "host": "str", "port": "int", "engine": "str", "database": "str",
        "tables": "[table]", "bytes": "int",
    },
    # A link from one database to another (FDW, dblink, DB link, linked server, FEDERATED).
    "db_link": {
        "source_host": "str", "source_port": "int", "source_engine": "str", "source_database": "str",
        "target_host": "str", "target_port": "int", "target_engine": "str", "target_database": "str",
        "mechanism": "str", "object": "str",
    },
    # A dependency read from an application's configuration (connection string, endpoint).
    "config_ref": {
        "host": "str", "application": "str", "target_host": "str", "target_port": "int",
        "scheme": "str",  # postgresql | mysql | oracle | sqlserver | mllp | dicom | http | https | ldap | ldaps | smb | mongodb | tcp
        "target_database": "str", "key": "str",
    },
}

# Fields a table summary may carry (inside db_schema.tables).
TABLE_FIELDS: dict[str, str] = {
    "schema": "str", "name": "str", "columns": "[str]", "rows": "int", "bytes": "int",
    # opt-in value sampling: "column:validator:matched/sampled", ids and counts, never a value
    "samples": "[str]",
}

# Facts each protocol may keep.  Never message contents, bodies, query text or ids.
PROTOCOL_FACTS: dict[str, dict[str, str]] = {
    "hl7v2-mllp": {"message_type": "str", "version": "str", "sending_application": "str",
                   "sending_facility": "str", "receiving_application": "str",
                   "receiving_facility": "str"},
    "hprim": {"version": "str", "message_kind": "str"},
    "astm": {"sender": "str"},
    "dicom": {"calling_ae": "str", "called_ae": "str", "abstract_syntaxes": "[str]",
              "result": "str"},
    "http": {"method": "str", "host": "str", "content_type": "str"},
    "fhir": {"method": "str", "host": "str", "content_type": "str", "resource_type": "str"},
    "dicomweb": {"method": "str", "host": "str", "content_type": "str"},
    "tls": {"sni": "str", "alpn": "[str]", "version": "str"},
    "postgresql": {"database": "str", "user": "str", "application_name": "str", "ssl": "bool"},
    "mysql": {"server_version": "str", "engine": "str", "database": "str"},
    "tds": {"instance": "str"},
    "oracle-tns": {"service_name": "str", "sid": "str", "program": "str"},
    "ldap": {"operation": "str"},
    "kerberos": {"realm": "str"},
    "smb": {"dialect": "str"},
    "rdp": {},
    "smtp": {"banner_product": "str"},
    "dns": {},
    "ica": {},
}

DEVICE_CLASSES = ("server", "workstation", "medical_device", "network", "unknown")


def canonical_json(value) -> str:
    """The one serialisation used for hashing and golden files: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Observation:
    """One fact from one collector, with its evidence.

    Build observations through ``scanner.privacy.observation`` so the allow-list is
    applied; this class only carries and hashes them.
    """

    kind: str
    data: dict = field(hash=False, compare=True)
    evidence: Evidence = field(hash=False, compare=True)

    @functools.cached_property
    def id(self) -> str:
        """Content hash: the same fact from the same place always has the same id (computed once)."""
        payload = canonical_json({"kind": self.kind, "data": self.data,
                                  "evidence": self.evidence.to_dict()})
        return "obs:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "data": self.data,
                "evidence": self.evidence.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> "Observation":
        return cls(kind=d["kind"], data=d["data"], evidence=Evidence.from_dict(d["evidence"]))
