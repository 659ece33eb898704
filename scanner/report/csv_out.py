"""Owns the CSV exports: one file per table (systems, flows, findings, waves, firewall matrix).

Written for Excel and LibreOffice as users open them: UTF-8 with a byte-order mark (so
accents survive a double-click in Excel), ``;`` between fields in French and ``,`` in
English (the list separator of each locale), CRLF line ends and RFC 4180 quoting.  A cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``
so a name seen in traffic can never run as a spreadsheet formula.  Headers come from the
report catalogues; rows are the report's view rows (``model``), so both always agree.
"""

from __future__ import annotations

import csv
import io

from ..plan.messages import localize_plan
from . import model
from .i18n import catalogue

BOM = "\ufeff"
SEPARATOR = {"fr": ";", "en": ","}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# file name → [(catalogue key of the header, row field)]
COLUMNS = {
    "systems.csv": [("id", "id"), ("host", "name"), ("site", "site"), ("addresses", "addresses"),
                    ("roles", "roles"), ("data_class", "data_class"), ("care_tier", "care_tier"),
                    ("hosting", "hosting"), ("exposure", "exposure"), ("group", "group"),
                    ("wave", "wave"), ("stays_reason", "stays")],
    "flows.csv": [("source", "source"), ("destination", "destination"), ("target_host", "target_host"),
                  ("port", "port"), ("transport", "transport"), ("protocol", "protocol"),
                  ("connections", "connections"), ("bytes", "bytes"), ("packets", "packets"),
                  ("first_seen", "first_seen"), ("last_seen", "last_seen"), ("collectors", "sources")],
    "findings.csv": [("severity", "severity"), ("entity", "entity"), ("finding", "title"),
                     ("because", "because"), ("rule", "rule"), ("id", "id")],
    "waves.csv": [("number", "number"), ("name", "name"), ("groups", "groups"), ("hosts", "hosts"),
                  ("data_bytes", "data_bytes"), ("window", "window"), ("reasons", "reasons"),
                  ("transfer_seconds", "transfer_seconds"), ("fit", "fit"), ("preseed_bytes", "preseed_bytes"),
                  ("wave_sites", "sites")],      # servers per site (multi-site plans), last
    "firewall-matrix.csv": [("source", "source"), ("destination", "destination"), ("port", "port"),
                            ("transport", "transport"), ("protocol", "protocol"), ("kind", "kind_label"),
                            ("from_wave", "from_wave"), ("until_wave", "until_wave"),
                            ("connections", "connections"), ("bytes", "bytes"), ("avg_mbps", "avg_mbps"),
                            ("flows_count", "flows"), ("evidence", "evidence"), ("reason", "reason")],
}


def safe_cell(value) -> str:
    """The text of one cell: lists joined, ``None`` empty, formula starts neutralised."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def _number(value, lang: str):
    """A float as plain decimal text (no exponent), with a decimal comma in French so
    Excel and LibreOffice in a French locale read it as a number; anything else unchanged."""
    if isinstance(value, float):
        text = f"{value:.12f}".rstrip("0").rstrip(".") or "0"
        return text.replace(".", ",") if lang == "fr" else text
    return value


def to_csv(header: list[str], rows: list[list], lang: str) -> str:
    """One table as CSV text (BOM, locale separator, CRLF, RFC 4180 quoting)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=SEPARATOR[lang], quotechar='"', quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(_number(v, lang)) for v in row])
    return BOM + buf.getvalue()


def flow_rows(g) -> list[dict]:
    """One row per ``flow`` edge of the graph: client host → service or endpoint."""
    rows = []
    for u, v, key, attrs in g.edges(keys=True, data=True):
        if attrs.get("kind", key) != "flow":
            continue
        rows.append({"source": u, "destination": v, "target_host": model.owner(g, v) or "",
                     "port": attrs.get("port"), "transport": attrs.get("transport"),
                     "protocol": attrs.get("protocol"), "connections": attrs.get("connections"),
                     "bytes": attrs.get("bytes"), "packets": attrs.get("packets"),
                     "first_seen": attrs.get("first_seen"), "last_seen": attrs.get("last_seen"),
                     "sources": sorted(str(s) for s in attrs.get("sources") or [])})
    return sorted(rows, key=lambda r: (r["source"], r["destination"], str(r["protocol"])))


def _wave_table(plan: dict, lang: str) -> list[dict]:
    """Wave rows with raw numbers (bytes, seconds) for a spreadsheet; ``fit`` in words and
    the pre-seed amount in bytes (the column ``hdscan plan check`` reads back)."""
    words = catalogue(lang)
    rows = model.wave_rows(plan, lang)
    raw = model.waves(plan)
    for row, wave in zip(rows, raw):
        row["data_bytes"] = wave.get("data_bytes")
        row["fit"] = {True: words["yes"], False: words["no"]}.get(row["fits"], "")
    return rows


def _firewall_table(plan: dict, lang: str) -> list[dict]:
    """The firewall matrix (``plan["firewall"]``, else the hybrid flows), kinds in words."""
    words = catalogue(lang)
    return [r | {"kind_label": words.get("fw_" + r["kind"], r["kind"])} for r in model.firewall_rows(plan)]


def tables(g, tags: dict, plan: dict, lang: str) -> dict[str, list[dict]]:
    """file name → row dicts (fields as in ``COLUMNS``); the planner's sentences in ``lang``."""
    plan = localize_plan(plan, lang)
    return {
        "systems.csv": model.systems(g, tags, plan, lang),
        "flows.csv": flow_rows(g),
        "findings.csv": model.findings(tags, lang),
        "waves.csv": _wave_table(plan, lang),
        "firewall-matrix.csv": _firewall_table(plan, lang),
    }


def render_csvs(g, tags: dict, plan: dict, lang: str) -> dict[str, str]:
    """file name → CSV text, for every table."""
    text = catalogue(lang)
    out = {}
    for name, rows in tables(g, tags, plan, lang).items():
        columns = COLUMNS[name]
        out[name] = to_csv([text[k] for k, _ in columns], [[r.get(f) for _, f in columns] for r in rows], lang)
    return out
