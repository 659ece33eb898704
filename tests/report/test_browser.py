"""The sample estate's report in a real headless Chromium (Debian's ``chromium``), driven over
the DevTools protocol: it loads offline with no console error and no network request, the
interactive map's filters and search change what is drawn, a click on a node opens its
panel with the tags, rules and evidence behind them, and a screenshot is taken.

Skipped only when chromium is absent outside CI; with ``CI=true`` a missing browser fails.
"""

from __future__ import annotations

import base64
import json
import os
import re

import pytest

from cdp_client import Browser, find_browser

from scanner.plan.messages import localized

EXE = find_browser()
if EXE is None and os.environ.get("CI", "").lower() != "true":
    pytest.skip("chromium is not installed (apt-get install chromium); required in CI", allow_module_level=True)


def _map_document(page: str) -> dict:
    [raw] = re.findall(r'<script type="application/json" id="imap-data">(.*?)</script>', page, re.S)
    return json.loads(raw)


@pytest.fixture(scope="module")
def session(sample_out, tmp_path_factory):
    assert EXE is not None, "chromium is required in CI (.ci/setup installs it)"
    index = sample_out / "report" / "index.html"
    browser = Browser(EXE, tmp_path_factory.mktemp("hD-chromium-profile"), deadline_s=90)
    try:
        browser.call("Network.enable")
        browser.call("Runtime.enable")
        browser.call("Log.enable")
        browser.call("Page.enable")
        browser.call("Network.setBlockedURLs", urls=["http://*", "https://*", "ws://*", "wss://*", "ftp://*"])
        browser.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1,
                     mobile=False)
        browser.call("Page.navigate", url=index.as_uri())
        browser.wait_event("Page.loadEventFired")
        # two animation frames: the map has painted once
        browser.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        yield browser, _map_document(index.read_text(encoding="utf-8")), index
    finally:
        browser.close()


def test_loads_with_no_console_error_and_no_network_request(session):
    browser, _, index = session
    errors = [e for e in browser.events
              if e["method"] == "Runtime.exceptionThrown"
              or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
              or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert errors == []
    requested = [e["params"]["request"]["url"] for e in browser.events if e["method"] == "Network.requestWillBeSent"]
    assert requested == [index.as_uri()]  # the page itself, nothing else
    assert browser.evaluate("typeof window.hdscanMap") == "object"


def _count(browser) -> int:
    return int(browser.evaluate("document.getElementById('imap-count').dataset.count"))


def _set(browser, control: str, value: str) -> int:
    browser.evaluate(f"(function () {{ var s = document.getElementById({json.dumps(control)}); "
                     f"s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()")
    return _count(browser)


def test_filters_and_search_change_the_visible_nodes(session):
    browser, doc, _ = session
    nodes = doc["nodes"]
    assert _count(browser) == len(nodes) == browser.evaluate("hdscanMap.total")
    health = sum(1 for n in nodes if n["cls"] == "health")
    assert 0 < health < len(nodes)
    assert _set(browser, "imap-cls", "health") == health
    tier1_health = sum(1 for n in nodes if n["cls"] == "health" and n["tier"] == "1")
    assert _set(browser, "imap-tier", "1") == tier1_health
    _set(browser, "imap-cls", "*")
    _set(browser, "imap-tier", "*")
    wave1 = sum(1 for n in nodes if n["wave"] == "1")
    assert 0 < wave1 and _set(browser, "imap-wave", "1") == wave1
    _set(browser, "imap-wave", "*")
    pacs = sum(1 for n in nodes if "PACS" in n["roles"])
    assert 0 < pacs and _set(browser, "imap-role", "PACS") == pacs
    _set(browser, "imap-role", "*")
    browser.evaluate("(function () { var q = document.getElementById('imap-search'); q.value = 'pacs01';"
                     " q.dispatchEvent(new Event('input')); })()")
    found = [n for n in nodes if "pacs01" in " ".join([n["name"], n["id"]] + n["addresses"] + n["roles"]).lower()
             or "pacs01" in doc["strings"][n["app"]].lower()]
    assert _count(browser) == len(found) >= 1
    browser.evaluate("(function () { var q = document.getElementById('imap-search'); q.value = '';"
                     " q.dispatchEvent(new Event('input')); })()")
    assert _count(browser) == len(nodes)


def test_clicking_a_node_shows_its_tags_and_evidence(session, tmp_path):
    browser, doc, _ = session
    node = next(n for n in doc["nodes"] if n["id"] == "host:pacs01")
    browser.evaluate("document.getElementById('imap').scrollIntoView()")
    # a search zooms onto its results; the panel is then opened by a real mouse click
    browser.evaluate("(function () { var q = document.getElementById('imap-search'); q.value = 'pacs01';"
                     " q.dispatchEvent(new Event('input')); })()")
    browser.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    point = browser.evaluate("hdscanMap.point('host:pacs01')")
    inside = browser.evaluate(f"(function () {{ var c = document.getElementById('imap').getBoundingClientRect();"
                              f" return {point['x']} > c.left && {point['x']} < c.right && {point['y']} > c.top"
                              f" && {point['y']} < c.bottom; }})()")
    assert inside, point
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", type=kind, x=point["x"], y=point["y"], button="left",
                     clickCount=1)
    assert browser.evaluate("hdscanMap.selected()") == "host:pacs01"
    panel = browser.evaluate("document.getElementById('imap-panel').innerText")
    assert "pacs01" in panel
    strings = doc["strings"]
    assert node["tags"], "the sample's PACS server carries tags"
    for tag in node["tags"]:
        assert strings[tag[2]] in panel  # rule id
        for ev in tag[5]:
            assert strings[ev[0]] in panel  # observation id
            if strings[ev[1]]:
                assert strings[ev[1]] in panel  # source file
    shot = browser.call("Page.captureScreenshot", format="png")
    png = base64.b64decode(shot["data"])
    path = tmp_path / "report-map.png"
    path.write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def _open(browser, selector: str) -> None:
    """Open the first ``<details>`` matching ``selector``; resolves once its toggle handlers ran."""
    browser.evaluate("new Promise(function (done) { var d = document.querySelector(" + json.dumps(selector) + ");"
                     " d.addEventListener('toggle', function () { setTimeout(done, 0); }, {once: true});"
                     " d.open = true; })")


def test_focused_maps_open_on_demand(session):
    browser, _, _ = session
    assert browser.evaluate("document.querySelectorAll('#app-maps details .map svg').length") == 0
    _open(browser, "#app-maps details")
    assert browser.evaluate("document.querySelectorAll('#app-maps details .map svg').length") == 1
    _open(browser, "#wave-maps details")
    assert browser.evaluate("document.querySelectorAll('#wave-maps details .map svg').length") == 2


def _table_data(page: str, table: str) -> dict:
    for raw in re.findall(r'<script type="application/json" class="table-data">(.*?)</script>', page, re.S):
        doc = json.loads(raw)
        if doc["id"] == table:
            return doc
    raise AssertionError(f"no data for {table}")


def _search(browser, table: str, text: str) -> None:
    browser.evaluate(f"(function () {{ var q = document.querySelector('input.table-search[data-table={table}]');"
                     f" q.value = {json.dumps(text)}; q.dispatchEvent(new Event('input')); }})()")


def _table_state(browser, table: str) -> dict:
    return browser.evaluate(
        f"(function () {{ var c = document.querySelector('.table-count[data-table={table}]');"
        f" var rows = Array.from(document.querySelectorAll('#{table} tbody tr'));"
        f" return {{count: +c.dataset.count, shown: rows.length, text: c.textContent,"
        f" first: rows.length ? rows[0].cells[0].innerText : '',"
        f" hidden: document.getElementById('{table}').hidden,"
        f" cells: rows.map(function (r) {{ return r.innerText; }}).join('\\n')}}; }})()", )


def test_long_tables_are_drawn_from_their_data_and_searchable(session):
    """The systems table and the firewall matrix are drawn by reports/tables.js from the
    embedded JSON: every row is counted, a page is drawn, the search narrows to exactly the
    matching rows, and a row shows the host, its rules and their reasons."""
    browser, _, index = session
    page = index.read_text(encoding="utf-8")
    systems = _table_data(page, "systems-table")
    state = _table_state(browser, "systems-table")
    assert not state["hidden"]
    assert state["count"] == len(systems["rows"]) == browser.evaluate("hdscanTables['systems-table'].total")
    assert state["shown"] == min(len(systems["rows"]), systems["page"]) > 0
    _search(browser, "systems-table", "pacs01")
    state = _table_state(browser, "systems-table")
    expected = [r for r in systems["rows"] if "pacs01" in json.dumps(r[1:2] + r[2:10]).lower()
                or any("pacs01" in systems["strings"][i].lower() for rule in r[10] for i in rule)]
    assert state["count"] == state["shown"] == len(expected) >= 1
    assert "pacs01" in state["first"]
    row = next(r for r in systems["rows"] if r[1][0] == "pacs01")
    for rule in row[10]:
        assert systems["strings"][rule[1]] in state["cells"]  # the rule id is shown
    _search(browser, "systems-table", "")
    assert _table_state(browser, "systems-table")["count"] == len(systems["rows"])
    firewall = _table_data(page, "firewall-table")
    state = _table_state(browser, "firewall-table")
    assert state["count"] == len(firewall["rows"]) > 0 and state["shown"] == min(len(firewall["rows"]), 100)
    plan = json.loads((index.parent.parent / "plan.json").read_text(encoding="utf-8"))
    assert len(firewall["rows"]) == len(plan["firewall"])
    # the waves: window, transfer fit and the go/no-go checklist of each
    state = _table_state(browser, "waves-table")
    assert state["count"] == state["shown"] == len(plan["waves"])
    lang = re.search(r'<html lang="(\w+)"', page).group(1)
    for wave in plan["waves"]:
        for item in wave["checklist"]:      # in the page's language, from the catalogue
            assert localized(item, "text", lang) in state["cells"]
    preseed = browser.evaluate("document.querySelectorAll('#waves-table td.fit-preseed').length")
    assert preseed == plan["summary"]["preseed_waves"] > 0


def test_paging_through_a_long_table(session):
    """Past one page, next/previous move through the rows; the counter says where."""
    browser, _, _ = session
    browser.evaluate("hdscanTables['systems-table'].pageSize(10)")
    state = _table_state(browser, "systems-table")
    assert state["shown"] == 10
    browser.evaluate("document.querySelector('button.table-next[data-table=systems-table]').click()")
    after = _table_state(browser, "systems-table")
    assert after["shown"] == 10 and after["first"] != state["first"] and after["text"].startswith("11")
    browser.evaluate("document.querySelector('button.table-prev[data-table=systems-table]').click()")
    assert _table_state(browser, "systems-table")["first"] == state["first"]
    browser.evaluate("hdscanTables['systems-table'].pageSize(100)")
