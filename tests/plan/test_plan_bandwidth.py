"""The bandwidth a cross-site path needs: its observed volume's average rate over the
collection period (scanner.plan.firewall)."""

from __future__ import annotations

import networkx as nx

from scanner.plan.firewall import average_mbps, collection_period, firewall_matrix
from scanner.report.csv_out import to_csv
from scanner.report.model import human_rate


def _graph(first: str, last: str) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("host:ct01", kind="host")
    g.add_node("host:pacs01", kind="host")
    g.add_node("svc:pacs01:tcp/104", kind="service", host="host:pacs01")
    g.add_edge("host:pacs01", "svc:pacs01:tcp/104", key="runs", kind="runs")
    g.add_edge("host:ct01", "svc:pacs01:tcp/104", key="flow", kind="flow", first_seen=first,
               last_seen=last, bytes=10**9)
    return g


def _flow(nbytes):
    return {"source": "host:ct01", "destination": "svc:pacs01:tcp/104", "port": 104,
            "transport": "tcp", "protocol": "dicom", "from_wave": 3, "until_wave": None,
            "kind": "permanent", "connections": 12, "bytes": nbytes, "evidence": ["obs:1"],
            "reason": "pacs01 moves in wave 3; ct01, which stays on site: a permanent cross-site flow"}


def test_a_day_of_images_gives_its_average_rate():
    g = _graph("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    assert collection_period(g) == 86400
    (row,) = firewall_matrix(g, [_flow(10**9), _flow(8 * 10**9)])
    assert row["bytes"] == 9 * 10**9
    assert row["avg_mbps"] == 0.833                        # 9 GB a day: 0.833 Mbit/s


def test_no_rate_without_bytes_or_with_a_too_short_period():
    assert firewall_matrix(_graph("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"),
                           [_flow(None)])[0]["avg_mbps"] is None
    assert firewall_matrix(_graph("2026-03-02T08:05:14Z", "2026-03-02T08:05:40Z"),
                           [_flow(10**6)])[0]["avg_mbps"] is None
    assert collection_period(nx.MultiDiGraph()) is None
    assert average_mbps(10**6, None) is None


def test_rates_are_numbers_in_french_and_english_csv():
    fr = to_csv(["a", "b"], [[0.8333, 12]], "fr")
    en = to_csv(["a", "b"], [[0.8333, 12]], "en")
    assert fr.splitlines()[1] == "0,8333;12"
    assert en.splitlines()[1] == "0.8333,12"
    assert to_csv(["a"], [[1.17e-05]], "en").splitlines()[1] == "0.0000117"


def test_the_page_says_rates_in_the_unit_that_reads_best():
    assert human_rate(0.833, "en") == "833 kbit/s"
    assert human_rate(0.833, "fr") == "833 kbit/s"
    assert human_rate(12.5, "fr") == "12,5 Mbit/s"
    assert human_rate(2500.0, "en") == "2.5 Gbit/s"
    assert human_rate(1.17e-05, "en") == "11.7 bit/s"
    assert human_rate(1e-08, "fr") == "moins de 1 bit/s"
