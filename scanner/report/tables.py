"""Owns the data of the report's long tables (systems, waves, firewall
matrix, input files), which the page
draws from embedded JSON a page of rows at a time (``reports/tables.js``).

A 5,000-server estate gives a 5,000-row systems table and thousands of firewall rules:
written out as HTML rows, Chromium spent most of its 20 s load laying them out.  Here each
table becomes ``{"id", "columns", "rows", "strings"}``: ``columns`` say how a cell is drawn
(``text``, ``code``, ``host`` = [name, id], ``items`` = a list joined with commas,
``list`` = a bulleted list, ``fit`` = [key, text], ``checklist`` = [[label, text], …],
``rules`` = [[what, rule, on, because], …] as indexes into ``strings``), each row is ``[css class, cell, …]``.
Repeated texts of the rules column (rule ids, ``because`` sentences) are stored once.  The
rows are the view rows of ``model``, so the exports and the page always agree; nothing is
decided here.  The JSON is embedded with ``mapdata.script_json`` (no ``</script>`` can end
it early) and every text is inserted by the script with ``textContent``.
"""

from __future__ import annotations

PAGE_ROWS = 100  # rows drawn per page; the script pages through the rest

SYSTEM_COLUMNS = ["host", "items", "items", "text", "text", "text", "text", "text", "text", "rules"]
FIREWALL_COLUMNS = ["code", "code", "text", "text", "text", "text", "text", "text", "text", "items", "text"]
INPUT_COLUMNS = ["code", "text", "text"]
WAVE_COLUMNS = ["text", "text", "items", "items", "text", "text", "text", "fit", "list", "checklist"]


class _Strings:
    """Texts stored once, referred to by index."""

    def __init__(self):
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.items)
            self.items.append(text)
        return self._index[text]


def systems_table(rows: list[dict], words: dict) -> dict:
    """The systems table (``model.systems`` rows): host, addresses, roles, data class, tier,
    hosting, exposure, move group, wave (or "stays on site"), and the rules behind the row."""
    strings = _Strings()
    out = []
    for r in rows:
        wave = r["wave"] or (words["stays_cluster"] if r["stays"] is not None else "")
        rules = [[strings(f"{x['dimension']} = {x['value']}"), strings(x["rule"]), strings(x["on"]),
                  strings(x["because"])] for x in r["rules"]]
        out.append([f"dc-{r['data_class_key']}", [r["name"], r["id"]], r["addresses"], r["roles"],
                    r["data_class"], r["care_tier"], r["hosting"], r["exposure"], r["group"], wave, rules])
    return {"id": "systems-table", "columns": SYSTEM_COLUMNS, "rows": out, "strings": strings.items,
            "page": PAGE_ROWS}


def firewall_table(rows: list[dict]) -> dict:
    """The firewall matrix (``model.firewall_view`` rows)."""
    out = [[f"fw-{r['kind']}", r["source"], r["destination"], r["port"], r["protocol"], r["kind_label"],
            r["from_wave"], r["until"], r["volume"], str(r["flows"] if r["flows"] is not None else ""),
            r["evidence"], r["reason"]] for r in rows]
    return {"id": "firewall-table", "columns": FIREWALL_COLUMNS, "rows": out, "strings": [],
            "page": PAGE_ROWS}


def inputs_table(rows: list[dict]) -> dict:
    """The input files (``model.provenance`` inputs): one per agent inventory, so thousands."""
    out = [["", r["source"], r["collector"], str(r["observations"])] for r in rows]
    return {"id": "inputs-table", "columns": INPUT_COLUMNS, "rows": out, "strings": [], "page": PAGE_ROWS}


def waves_table(rows: list[dict]) -> dict:
    """The waves (``model.wave_rows``): number, name, groups, hosts, window, data volume,
    transfer time (over the window's data budget), fit or pre-seed, reasons, go/no-go."""
    out = []
    for w in rows:
        t = w["transfer"]
        time = t["transfer_time"] + (f" / {t['budget']}" if t["budget"] else "")
        out.append([f"wave-{w['number']}", w["number"], w["name"], w["groups"], w["hosts"],
                    t["window"] or w["window"], w["data_volume"], time, [t["fits"], t["fit_text"]],
                    w["reasons"], [[c["label"], c["text"]] for c in w["checklist"]]])
    columns = WAVE_COLUMNS
    if any("sites" in w for w in rows):   # multi-site plans: a sites column after the hosts
        columns = WAVE_COLUMNS[:4] + ["text"] + WAVE_COLUMNS[4:]
        out = [r[:5] + [w.get("sites", "")] + r[5:] for r, w in zip(out, rows)]
    return {"id": "waves-table", "columns": columns, "rows": out, "strings": [], "page": PAGE_ROWS}
