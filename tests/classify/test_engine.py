"""The engine on a hand-built estate: roles, propagation with via, resolution,
assertions, unknowns, exposure findings, determinism."""

from __future__ import annotations

import json

import pytest

from classify_helpers import G, rule_text, write_pack
from scanner.classify.engine import classify
from scanner.classify.loader import default_pack_path, load_packs
from scanner.errors import InputError

CT = "1.2.840.10008.5.1.4.1.1.2"
MWL = "1.2.840.10008.5.1.4.31"
CORE = load_packs([default_pack_path()])


def estate(reverse: bool = False) -> G:
    g = G()
    steps = []
    steps.append(lambda: g.host("ct01", device_class="medical_device"))
    steps.append(lambda: g.host("pacs01", agent=True, processes=["java"]))
    steps.append(lambda: g.service("pacs01", 104, "dicom", facts={"dicom.abstract_syntaxes": [CT]}))
    steps.append(lambda: g.host("ris01"))
    steps.append(lambda: g.service("ris01", 104, "dicom", facts={"dicom.abstract_syntaxes": [MWL]}))
    steps.append(lambda: g.host("dpi01", agent=True, processes=["dxcare-server"]))
    steps.append(lambda: g.service("dpi01", 443, "tls"))
    steps.append(lambda: g.host("dpidb", agent=True, processes=["oracle"]))
    steps.append(lambda: g.service("dpidb", 1521, "oracle-tns"))
    steps.append(lambda: g.database("dpidb", 1521, "dpi", engine="oracle", tables=["dpi.patients"],
                                    columns=["ipp", "nom_naissance", "diagnostic"]))
    steps.append(lambda: g.host("bi01", agent=True))
    steps.append(lambda: g.service("bi01", 5432, "postgresql"))
    steps.append(lambda: g.database("bi01", 5432, "eds", tables=["public.fait_sejour", "public.dim_temps"],
                                    columns=["id", "annee"]))
    steps.append(lambda: g.host("dc01", agent=True))
    steps.append(lambda: g.service("dc01", 88, "kerberos"))
    steps.append(lambda: g.service("dc01", 389, "ldap"))
    steps.append(lambda: g.host("mystery"))
    steps.append(lambda: g.service("mystery", 9999, "unknown"))
    steps.append(lambda: g.host("ws01", device_class="workstation"))
    steps.append(lambda: g.endpoint("hdsarchive.blob.core.windows.net",
                                    names=["hdsarchive.blob.core.windows.net"], addresses=["20.150.1.1"]))
    steps.append(lambda: g.flow("ct01", "svc:pacs01:tcp/104", "dicom", 104,
                                {"dicom.abstract_syntaxes": [CT]}))
    steps.append(lambda: g.flow("ct01", "svc:ris01:tcp/104", "dicom", 104,
                                {"dicom.abstract_syntaxes": [MWL]}))
    steps.append(lambda: g.flow("dpi01", "svc:dpidb:tcp/1521", "oracle-tns", 1521))
    steps.append(lambda: g.flow("dpi01", "svc:dc01:tcp/88", "kerberos", 88))
    steps.append(lambda: g.flow("ws01", "svc:dpi01:tcp/443", "tls", 443))
    steps.append(lambda: g.flow("pacs01", "ext:hdsarchive.blob.core.windows.net", "tls", 443,
                                ev="obs:flow-to-azure"))
    steps.append(lambda: g.db_link("db:postgresql://bi01:5432/eds", "db:oracle://dpidb:1521/dpi"))
    for step in (reversed(steps) if reverse else steps):
        try:
            step()
        except KeyError:
            pass
    return g


@pytest.fixture(scope="module")
def out():
    return classify(estate().g, CORE)


def tags_of(out, entity, dim):
    return [t for t in out["tags"] if t["entity"] == entity and t["dimension"] == dim]


def test_shape(out):
    assert list(out) == ["schema", "packs", "tags", "resolved", "findings"]
    assert out["schema"] == "hdscan-tags/1" and out["packs"] == ["hdscan-core@2026.1"]
    assert set(out["resolved"]) == {n for n in estate().g.nodes
                                    if n.split(":")[0] in ("host", "svc", "db", "ext")}


def test_roles_from_protocol_facts(out):
    r = out["resolved"]
    assert r["svc:pacs01:tcp/104"]["role"] == ["PACS"]
    assert r["host:pacs01"]["role"] == ["PACS"]                     # roll-up
    assert r["host:ct01"]["role"] == ["modality"]
    assert r["svc:ris01:tcp/104"]["role"] == ["RIS"]
    assert r["host:dpi01"]["role"] == ["DPI"]
    assert r["svc:dpidb:tcp/1521"]["role"] == ["DPI-DB"]            # used by a DPI
    assert r["db:oracle://dpidb:1521/dpi"]["role"] == ["DPI-DB"]    # inherits its service
    assert r["host:dc01"]["role"] == ["directory"]
    assert r["host:ws01"]["role"] == ["workstation"]


def test_tag_carries_rule_version_evidence_and_because(out):
    (tag,) = tags_of(out, "svc:pacs01:tcp/104", "role")
    assert tag["rule"] == "core.role.pacs-dicom-store-scp@1"
    assert tag["confidence"] == "high" and tag["via"] is None
    assert "obs:pacs01-104" in tag["evidence"]
    assert tag["because"] == "accepts DICOM image storage (1 SOP classes) on port 104 from 1 clients"


def test_dependency_order_role_then_dependent_rule(out):
    (tag,) = tags_of(out, "svc:dpidb:tcp/1521", "role")
    assert tag["rule"] == "core.role.dpi-db-used-by-dpi@1"
    assert tag["evidence"] == ["obs:dpi01", "obs:dpidb-1521", "obs:flow-dpi01-svc:dpidb:tcp/1521"]


def test_health_propagates_through_db_link_with_via(out):
    r = out["resolved"]
    assert r["db:oracle://dpidb:1521/dpi"]["data_class"] == "health"
    prop = [t for t in tags_of(out, "db:postgresql://bi01:5432/eds", "data_class")
            if t["rule"] == "core.propagate.health-through-db-links"]
    assert prop and prop[0]["via"] == ["db:oracle://dpidb:1521/dpi", "db:postgresql://bi01:5432/eds"]
    assert prop[0]["evidence"] == ["obs:link-db:postgresql://bi01:5432/eds"]
    # the warehouse rule reads the propagated tag, so it runs in a later round
    assert r["db:postgresql://bi01:5432/eds"]["role"] == ["warehouse"]
    assert r["host:bi01"]["care_tier"] == 4


def test_care_tier_flows_to_dependencies(out):
    r = out["resolved"]
    assert r["host:dpi01"]["care_tier"] == 1
    (tag,) = [t for t in tags_of(out, "svc:dpidb:tcp/1521", "care_tier")
              if t["rule"] == "core.propagate.care-tier-to-dependencies"] or [None]
    # DPI-DB is tier 1 by its own role, so nothing needs to propagate there
    assert tag is None
    assert r["svc:dpidb:tcp/1521"]["care_tier"] == 1
    assert r["svc:dc01:tcp/88"]["care_tier"] == 1


def test_health_travels_with_dicom(out):
    (tag,) = [t for t in tags_of(out, "svc:ris01:tcp/104", "data_class") if t["rule"].startswith("core.data")]
    assert tag["value"] == "health"
    assert out["resolved"]["host:ct01"]["data_class"] == "health"


def test_unknown_host_has_reason(out):
    (tag,) = tags_of(out, "host:mystery", "role")
    assert tag["value"] == "unknown" and tag["rule"] == "engine.unknown-role"
    assert tag["because"] == ("no rule identified it: no agent inventory; no identifying protocol on "
                              "its 1 service(s) (unknown); no outgoing flow seen; no process names")
    assert out["resolved"]["host:mystery"]["role"] == ["unknown"]
    assert out["resolved"]["host:mystery"]["data_class"] is None


def test_exposure_and_finding(out):
    r = out["resolved"]
    assert r["ext:hdsarchive.blob.core.windows.net"]["exposure"] == "extraterritorial_cloud"
    assert r["host:pacs01"]["exposure"] == "extraterritorial_cloud"
    assert r["host:ct01"]["exposure"] == "none"
    (f,) = out["findings"]
    assert f["entity"] == "host:pacs01" and f["severity"] == "high"
    assert f["evidence"] == ["obs:flow-to-azure"]
    assert f["via"] == ["ext:hdsarchive.blob.core.windows.net", "host:pacs01"]


def test_hosting_by_establishment(out):
    assert out["resolved"]["host:pacs01"]["hosting"] == "secnumcloud"
    private = classify(estate().g, CORE, settings={"establishment": "private"})
    assert private["resolved"]["host:pacs01"]["hosting"] == "hds"
    assert private["resolved"]["host:dc01"]["hosting"] == "any"


def test_assertions_win():
    a = [{"entity": "host:mystery", "set": {"role": "PACS", "care_tier": 2},
          "author": "DSI", "reason": "vendor-managed PACS"},
         {"entity": "host:ws01", "set": {"data_class": "none"}, "author": "DSI", "reason": "kiosk"}]
    out = classify(estate().g, CORE, assertions=a)
    r = out["resolved"]
    assert r["host:mystery"]["role"] == ["PACS"] and r["host:mystery"]["care_tier"] == 2
    (tag,) = [t for t in tags_of(out, "host:mystery", "role")]
    assert tag["rule"] == "manual" and tag["author"] == "DSI" and tag["reason"] == "vendor-managed PACS"
    assert r["host:ws01"]["data_class"] == "none"


def test_bad_assertion_is_input_error():
    with pytest.raises(InputError) as exc:
        classify(estate().g, CORE, assertions=[{"entity": "host:ws01", "set": {"role": "Pacs"},
                                                "author": "a", "reason": "r"}])
    assert str(exc.value) == "estate.yml: assertions[0]: assertion sets unknown value 'Pacs' for 'role'"


def test_deterministic_whatever_the_insertion_order(out):
    again = classify(estate(reverse=True).g, CORE)
    assert json.dumps(again, sort_keys=False) == json.dumps(out, sort_keys=False)
    assert out["tags"] == sorted(out["tags"], key=lambda t: (t["entity"], t["dimension"],
                                                             str(t["value"]), t["rule"]))


def test_union_and_max_resolution(tmp_path):
    rules = {
        "roles/a.yml": rule_text("t.role.a", "host", "s:\n  host.agent: true", "{role: DPI}"),
        "roles/b.yml": rule_text("t.role.b", "host", "s:\n  host.agent: true", "{role: EAI}"),
        "data_class/c.yml": rule_text("t.data_class.c", "host", "s:\n  host.agent: true",
                                      "{data_class: personal}"),
        "data_class/d.yml": rule_text("t.data_class.d", "host", "s:\n  tags.role: EAI",
                                      "{data_class: health}"),
    }
    packs = load_packs([write_pack(tmp_path / "p", rules)])
    g = G()
    g.host("h1", agent=True)
    out = classify(g.g, packs)
    assert out["resolved"]["host:h1"]["role"] == ["DPI", "EAI"]      # declared order
    assert out["resolved"]["host:h1"]["data_class"] == "health"
