"""Chatty flows join move groups: a server opening connections to another server at a high
rate (joins.CHATTY_PER_HOUR over the observed period, CHATTY_MIN_CONNECTIONS in all) moves
with it; clinical interfaces, management ports, slow or short flows do not glue."""

from __future__ import annotations

import pytest

from scanner.model import ids
from scanner.plan import build_plan
from scanner.plan.joins import CHATTY_MIN_CONNECTIONS, CHATTY_PER_HOUR, chatty_rate
from tests.plan.synthetic import _host, estate


def _call(g, client, server, port, protocol, connections, first, last):
    svc = ids.service_id(server, "tcp", port)
    if svc not in g:
        g.add_node(svc, kind="service", host=ids.host_id(server), port=port, transport="tcp",
                   protocol=protocol, facts={}, evidence=[])
        g.add_edge(ids.host_id(server), svc, key="runs", kind="runs", evidence=[])
    g.add_edge(ids.host_id(client), svc, key="flow", kind="flow", port=port, transport="tcp",
               protocol=protocol, connections=connections, first_seen=first, last_seen=last,
               evidence=[f"obs:{client}-{server}-{port}"])


@pytest.fixture(scope="module")
def planned():
    # four independent one-server applications, then calls between them
    g, tags = estate([("front", 1, 2), ("api", 1, 2), ("slow", 1, 3), ("hl7", 1, 2),
                      ("mon", 1, 3), ("burst", 1, 3)])
    day = ("2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z")
    _call(g, "front-app", "api-app", 8080, "http", 200_000, *day)       # 8,333/h: chatty
    _call(g, "front-app", "slow-app", 8080, "http", 20_000, *day)       # 833/h: not
    _call(g, "front-app", "hl7-app", 6661, "hl7v2-mllp", 500_000, *day)  # interface: not
    _call(g, "front-app", "mon-app", 10050, "unknown", 500_000, *day)   # management port
    _call(g, "front-app", "burst-app", 8443, "http", 999,                # too few in all
          "2026-03-02T08:00:00Z", "2026-03-02T08:00:30Z")
    return build_plan(g, tags, None)


def _group_of(plan, host):
    return next(gr for gr in plan["groups"] if ids.host_id(host) in gr["hosts"])


def test_a_chatty_call_joins_the_two_servers_with_its_reason(planned):
    group = _group_of(planned, "front-app")
    assert group["hosts"] == ["host:api-app", "host:front-app"]
    [r] = [r for r in group["reasons"] if r["kind"] == "chatty"]
    assert r["msg"] == "join.chatty" and r["evidence"] == ["obs:front-app-api-app-8080"]
    assert r["text"].startswith("front-app opens 8,333 connections per hour on average to "
                                "api-app (http, port 8080; 200,000 seen)")


@pytest.mark.parametrize("host", ["slow-app", "hl7-app", "mon-app", "burst-app"])
def test_slow_interface_management_and_short_flows_do_not_glue(planned, host):
    assert _group_of(planned, host)["hosts"] == [ids.host_id(host)]


def test_rate_is_measured_over_the_observed_period_at_least_a_minute():
    d = {"connections": CHATTY_MIN_CONNECTIONS, "protocol": "http",
         "first_seen": "2026-03-02T08:00:00Z", "last_seen": "2026-03-02T08:00:05Z"}
    assert chatty_rate(d, 8080) == CHATTY_MIN_CONNECTIONS * 60      # 5 s counts as 60 s
    d["last_seen"] = "2026-03-02T09:00:00Z"
    assert chatty_rate(d, 8080) is None                              # 1,000/h < threshold
    d["connections"] = CHATTY_PER_HOUR
    assert chatty_rate(d, 8080) == CHATTY_PER_HOUR
    assert chatty_rate(d, 443) == CHATTY_PER_HOUR                    # https calls count
    assert chatty_rate(d | {"first_seen": None}, 8080) is None       # no period, no rate


def test_a_workstation_calling_fast_does_not_glue():
    g, tags = estate([("api", 1, 2)])
    _host(g, tags, "pc01", 3, "workstation")
    g.nodes["host:pc01"]["device_class"] = "workstation"
    _call(g, "pc01", "api-app", 8080, "http", 200_000, "2026-03-02T08:00:00Z",
          "2026-03-03T08:00:00Z")
    plan = build_plan(g, tags, None)
    assert not any(r["kind"] == "chatty" for gr in plan["groups"] for r in gr["reasons"])
