"""The default pack's principles (docs/rules-principles.md) on hand-built estates.

Backup role from backup *server* evidence only; backup servers and repositories hold the
data class of what they back up; care tier travels along database sessions and queries,
not along HL7 pushes or infrastructure plumbing; applications lend their role to their
database server; traffic-only workstations; infrastructure that holds no patient data.
"""

from __future__ import annotations

import pytest

from classify_helpers import G, write_pack
from scanner.classify.engine import classify
from scanner.classify.loader import collect, default_pack_path, load_packs

CORE = load_packs([default_pack_path()])
PATIENT_DB = dict(tables=["dpi.patient", "dpi.sejour", "dpi.prescription"],
                  columns=["ipp", "nom_naissance", "diagnostic"])


def hospital() -> G:
    g = G()
    # a DPI on PostgreSQL, protected by Veeam like every server
    g.host("dpi", agent=True, processes=["MCrosswaySrv.exe", "VeeamDeploymentSvc.exe"],
           packages=["M-Crossway Server 8.4", "Veeam Installer Service 12.1"])
    g.service("dpi", 6160, process="VeeamDeploymentSvc.exe")
    g.service("dpi", 8443, "tls")
    g.host("dpidb", agent=True, processes=["postgres", "veeamtransport"])
    g.service("dpidb", 5432, "postgresql")
    g.service("dpidb", 22)
    g.database("dpidb", 5432, "dpi", **PATIENT_DB)
    g.flow("dpi", "svc:dpidb:tcp/5432", "postgresql", 5432)
    # its idle streaming replica
    g.host("dpidb2", agent=True, processes=["postgres"])
    g.service("dpidb2", 5432, "postgresql")
    g.flow("dpidb2", "svc:dpidb:tcp/5432", "postgresql", 5432)
    # the interface engine pushes ADT to the finance application
    g.host("eai", agent=True, processes=["irisdb"])
    g.service("eai", 6661, "hl7v2-mllp")
    g.host("gef", agent=True, processes=["Cpage.Gef.Server.exe"], packages=["Cpage GEF 2025"])
    g.service("gef", 2575, "hl7v2-mllp", facts={"hl7.message_types": ["ADT^A01"]})
    g.flow("eai", "svc:gef:tcp/2575", "hl7v2-mllp", 2575, {"hl7.message_types": ["ADT^A01"]})
    # the GAM and its SQL Server (TDS shows no database name)
    g.host("gam", agent=True, processes=["PastelGam.Server.exe"])
    g.service("gam", 8080, "http")
    g.host("gamdb", agent=True, processes=["sqlservr.exe"])
    g.service("gamdb", 1433, "tds")
    g.flow("gam", "svc:eai:tcp/6661", "hl7v2-mllp", 6661,
           {"hl7.message_types": ["ADT^A01", "ADT^A08"]})
    g.flow("gam", "svc:gamdb:tcp/1433", "tds", 1433)
    # NTP used by the DPI
    g.host("ntp", agent=True, processes=["chronyd"])
    g.service("ntp", 123, "unknown", transport="udp")
    g.flow("dpi", "svc:ntp:udp/123", "unknown", 123)
    # Veeam server and repository
    g.host("bkp", agent=True, processes=["Veeam.Backup.Service.exe", "VeeamDeploymentSvc.exe"])
    g.service("bkp", 9392)
    g.host("repo", agent=True, processes=["veeamtransport"])
    g.service("repo", 2500)
    g.flow("bkp", "svc:dpidb:tcp/22", "unknown", 22)
    g.flow("bkp", "svc:dpi:tcp/6160", "unknown", 6160)
    g.flow("bkp", "svc:repo:tcp/2500", "unknown", 2500)
    # supervision polls the DPI database host: it copies no data
    g.host("mon", agent=True, processes=["zabbix_server"])
    g.flow("mon", "svc:dpidb:tcp/22", "unknown", 22)
    # a workstation seen only in traffic
    g.host("10.0.20.5", device_class="unknown")
    g.flow("10.0.20.5", "svc:dpi:tcp/8443", "tls", 8443)
    return g


@pytest.fixture(scope="module")
def res():
    return classify(hospital().g, CORE)["resolved"]


def test_backup_role_from_server_evidence_not_from_agents(res):
    assert res["host:bkp"]["role"] == ["backup"]
    assert res["host:repo"]["role"] == ["backup"]           # data mover written by the server
    assert "backup" not in res["host:dpi"]["role"]          # Veeam Installer Service on 6160
    assert "backup" not in res["host:dpidb"]["role"]        # veeamtransport


def test_backup_servers_hold_the_data_class_of_what_they_back_up(res):
    assert res["host:bkp"]["data_class"] == "health"
    assert res["host:repo"]["data_class"] == "health"
    assert res["host:bkp"]["hosting"] == "secnumcloud"
    assert res["host:mon"]["data_class"] == "none"          # same flow, but not a backup server


def test_care_tier_follows_database_sessions_not_pushes_or_plumbing(res):
    assert res["host:dpi"]["care_tier"] == 1
    assert res["host:dpidb"]["care_tier"] == 1
    assert res["host:gef"]["care_tier"] == 4                # receives ADT from a tier-1 EAI
    assert res["host:ntp"]["care_tier"] == 2                # its own rule, not the DPI's tier
    assert res["host:gamdb"]["care_tier"] == 3              # the GAM's database session


def test_application_lends_its_role_to_its_database_server(res):
    assert res["host:gamdb"]["role"] == ["GAM"]
    assert res["host:gamdb"]["data_class"] == "health"


def test_streaming_replica_is_part_of_the_dpi_database(res):
    assert res["host:dpidb2"]["role"] == ["DPI-DB"]
    assert res["host:dpidb2"]["care_tier"] == 1


def test_traffic_only_workstation_and_the_data_it_shows(res):
    assert res["host:10.0.20.5"]["role"] == ["workstation"]
    assert res["host:10.0.20.5"]["data_class"] == "health"
    assert res["host:10.0.20.5"]["care_tier"] is None       # its ward's tier is not in traffic


def test_unknown_infrastructure_stays_unknown():
    g = G()
    g.host("web", agent=True, processes=["nginx"])
    g.service("web", 443, "tls")
    assert classify(g.g, CORE)["resolved"]["host:web"]["data_class"] is None


def test_database_origin_reaches_its_clients():
    # a warehouse database that holds health data only through its db link
    g = G()
    g.host("dpidb", agent=True)
    g.service("dpidb", 5432, "postgresql")
    g.database("dpidb", 5432, "dpi", **PATIENT_DB)
    g.host("eds", agent=True)
    g.service("eds", 5432, "postgresql")
    g.database("eds", 5432, "eds", tables=["public.fait_sejour", "public.dim_temps"],
               columns=["id", "annee"])
    g.db_link("db:postgresql://eds:5432/eds", "db:postgresql://dpidb:5432/dpi")
    g.host("bi", agent=True)
    g.flow("bi", "svc:eds:tcp/5432", "postgresql", 5432)
    out = classify(g.g, CORE)
    assert out["resolved"]["host:bi"]["data_class"] == "health"
    assert out["resolved"]["host:bi"]["role"] == ["warehouse"]
    (tag,) = [t for t in out["tags"] if t["entity"] == "host:bi" and t["dimension"] == "data_class"]
    assert tag["rule"] == "core.propagate.health-to-database-clients"
    assert tag["via"][0] == "db:postgresql://eds:5432/eds" and tag["via"][-1] == "host:bi"


def test_target_roles_must_name_declared_roles(tmp_path):
    root = write_pack(tmp_path / "p", {}, extra="""\
        propagation:
          - id: t.copy
            dimension: data_class
            values: [health]
            flow: to_client
            target_roles: [backups]
        """)
    _, faults = collect([root])
    assert any("unknown role 'backups'" in str(f) for f in faults)
