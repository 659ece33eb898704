"""Owns ``export/summary.md``: a Markdown summary to paste into a change ticket.

Key figures (with the waves that need a pre-seed), hosts by data class and care tier,
findings, waves (hosts, window, transfer time and fit, go/no-go checklist) and the
firewall matrix of the hybrid period, in the catalogue's language.  Built from the
report's view rows (``model``); table cells have ``|`` and line breaks escaped so a name
from traffic cannot break the table.
"""

from __future__ import annotations

from ..plan.messages import localize_plan
from . import model
from .i18n import catalogue


def cell(value) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def _table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(cell(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out + [""]


def render_markdown(g, tags: dict, plan: dict, meta: dict, lang: str) -> str:
    """The summary as Markdown text."""
    t = catalogue(lang)
    plan = localize_plan(plan, lang)        # the planner's sentences in the report's language
    s = model.summary(g, tags, plan, lang)
    estate = meta.get("estate") or t["unnamed_estate"]
    lines = [f"# {cell(t['md_title'])} — {cell(estate)}", "", f"## {t['md_counts']}", ""]
    lines += _table([t["md_figure"], t["md_count"]], [
        [t["hosts_total"], s["hosts"]], [t["findings_count"], s["findings"]],
        [t["exposure_findings"], len(s["exposure_findings"])], [t["waves_count"], s["waves"]],
        [t["hybrid_count"], s["hybrid_flows"]]]
        + ([[t["firewall_rules_count"], s["firewall_rules"]]] if s["firewall_rules"] is not None else [])
        + ([[t["preseed_waves_count"], s["preseed_waves"]]] if s["preseed_waves"] is not None else [])
        + ([[t["hybrid_cost"], s["cost"]]] if s["cost"] is not None else []))
    if s["preseed_list"]:
        lines += [t["preseed_waves_list"].replace("{list}", ", ".join(s["preseed_list"])), ""]
    lines += [f"### {t['by_class_tier']}", ""]
    lines += _table([f"{t['data_class']} \\ {t['care_tier']}"] + s["tiers"] + [t["total"]],
                    [[r["label"]] + r["cells"] + [r["total"]] for r in s["class_rows"]])
    lines += [f"### {t['hosting_required']}", ""]
    lines += _table([t["hosting"], t["hosts_count"]], [[h["label"], h["count"]] for h in s["hosting"]])
    findings = model.findings(tags, lang)
    lines += [f"## {t['s_findings']}", ""]
    if findings:
        lines += _table([t["severity"], t["entity"], t["finding"], t["rule"]],
                        [[f["severity"], f["entity"], f["title"], f["rule"]] for f in findings])
    else:
        lines += [t["none_found"], ""]
    waves = model.wave_rows(plan, lang)
    lines += [f"## {t['s_waves']}", ""]
    if waves:
        for w in waves:
            lines += [f"### {t['wave']} {cell(w['number'])} — {cell(w['name'])}", "",
                      f"- **{t['window']}**{t['colon']} {cell(w['window'])}",
                      f"- **{t['data_volume']}**{t['colon']} {w['data_volume']}",
                      *([f"- **{t['transfer_time']}**{t['colon']} {w['transfer']['transfer_time']}"
                         f" — {cell(w['transfer']['fit_text'])}"] if w["transfer"]["transfer_time"] else []),
                      f"- **{t['hosts']}** ({len(w['hosts'])}){t['colon']}"]
            lines += [f"  - `{cell(h)}`" for h in w["hosts"]]
            if w["checklist"]:
                lines.append(f"- **{t['checklist']}**{t['colon']}")
                lines += [f"  - [ ] **{cell(c['label'])}**{t['colon']} {cell(c['text'])}" for c in w["checklist"]]
            lines.append("")
    else:
        lines += [t["none_found"], ""]
    hybrid = model.firewall_view(plan, lang)
    lines += [f"## {t['s_hybrid']}", ""]
    if hybrid:
        lines += _table([t["source"], t["destination"], t["port"], t["protocol"], t["kind"], t["from_wave"],
                         t["until_wave"], t["reason"]],
                        [[f["source"], f["destination"], f["port"], f["protocol"], f["kind_label"], f["from_wave"],
                          f["until"], f["reason"]] for f in hybrid])
    else:
        lines += [t["none_found"], ""]
    return "\n".join(lines).rstrip("\n") + "\n"
