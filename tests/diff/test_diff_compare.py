"""The comparison rules on small hand-built snapshots: partial waves, the target site,
which hybrid flows count as unclosed, folding of inherited classification changes."""

from __future__ import annotations

from scanner.diff.compare import compare
from scanner.diff.load import Snapshot


def _snap(sites: dict, flows: list[tuple], roles: dict | None = None, waves=None, hybrid=None) -> Snapshot:
    s = Snapshot("x", "export")
    for h, site in sites.items():
        s.nodes[f"host:{h}"] = {"kind": "host", "site": site}
        s.nodes[f"svc:{h}:tcp/22"] = {"kind": "service", "host": f"host:{h}"}
    for src, dst in flows:
        s.edges[(f"host:{src}", f"svc:{dst}:tcp/22", "flow")] = {"port": 22, "protocol": "ssh"}
    for entity, role in (roles or {}).items():
        s.resolved[entity] = {"role": role}
    s.waves = waves or []
    s.hybrid_flows = hybrid or []
    return s


WAVES = [{"number": 0, "name": "foundation", "action": "replicate", "hosts": ["host:dc"]},
         {"number": 1, "name": "pilot", "action": "move", "hosts": ["host:a", "host:b"]},
         {"number": 2, "name": "next", "action": "move", "hosts": ["host:c", "host:d"]}]
HYBRID = [{"source": "host:a", "destination": "svc:c:tcp/22", "port": 22, "protocol": "ssh",
           "from_wave": 1, "until_wave": 2},
          {"source": "host:b", "destination": "svc:c:tcp/22", "port": 22, "protocol": "ssh",
           "from_wave": 1, "until_wave": 2},
          {"source": "host:e", "destination": "svc:a:tcp/22", "port": 22, "protocol": "ssh",
           "from_wave": 1, "until_wave": None}]
FLOWS = [("a", "c"), ("b", "c"), ("e", "a")]


def test_partial_wave_and_unclosed_flows():
    a = _snap({"a": "main", "b": "main", "c": "main", "d": "main", "e": "main", "dc": "main"}, FLOWS,
              waves=WAVES, hybrid=HYBRID)
    # wave 2 fully at the target, wave 1 only half: a moved, b did not
    b = _snap({"a": "cloud", "b": "main", "c": "cloud", "d": "cloud", "e": "main", "dc": "main"}, FLOWS)
    doc = compare(a, b)
    assert [(m["host"], m["wave"]) for m in doc["site_moves"]] == [("host:a", 1), ("host:c", 2), ("host:d", 2)]
    assert [(w["number"], w["status"], w["moved"], w["hosts"], w["not_moved"]) for w in doc["waves"]] == \
        [(1, "partial", 1, 2, ["host:b"]), (2, "migrated", 2, 2, [])]
    # wave 2 passed: b → c still crosses sites; a → c is now inside the target; e → a is permanent
    assert [(f["source"], f["destination"], f["source_site"], f["destination_site"])
            for f in doc["unclosed_flows"]] == [("host:b", "svc:c:tcp/22", "main", "cloud")]
    assert doc["differences"] == 3 + 2 + 1


def test_no_wave_migrated_means_no_unclosed_flow_and_target_site_filters():
    a = _snap({"a": "main", "b": "main", "c": "main", "d": "main", "e": "main"}, FLOWS, waves=WAVES, hybrid=HYBRID)
    b = _snap({"a": "main", "b": "main", "c": "other", "d": "main", "e": "main"}, FLOWS)
    doc = compare(a, b)
    assert [w["status"] for w in doc["waves"]] == ["partial"] and doc["unclosed_flows"] == []
    assert compare(a, b, target_site="cloud")["site_moves"] == []


def test_inherited_changes_fold_under_the_host_but_own_changes_stay():
    a = _snap({"a": "main"}, [], roles={"host:a": ["DPI"], "svc:a:tcp/22": ["DPI"]})
    b = _snap({"a": "main"}, [], roles={"host:a": ["DPI", "EAI"], "svc:a:tcp/22": ["DPI", "EAI"]})
    (c,) = compare(a, b)["classifications"]
    assert (c["entity"], c["inherited"]) == ("host:a", ["svc:a:tcp/22"])
    b.resolved["svc:a:tcp/22"] = {"role": ["DPI", "PACS"]}        # a different change: its own line
    assert [c["entity"] for c in compare(a, b)["classifications"]] == ["host:a", "svc:a:tcp/22"]


def test_identical_snapshots_are_empty():
    a = _snap({"a": "main", "c": "main"}, [("a", "c")], waves=WAVES, hybrid=HYBRID)
    doc = compare(a, a)
    assert doc["differences"] == 0
