"""summary.md: key figures, findings, waves with hosts and windows, hybrid flows; table cells
cannot be broken by names from traffic."""

from __future__ import annotations

import re

from report_helpers import estate, meta, plan
from scanner.report import markdown_out


def test_summary_lists_figures_waves_and_flows():
    g, tags = estate()
    text = markdown_out.render_markdown(g, tags, plan(), meta(), "fr")
    assert text.startswith("# Synthèse hdscan pour demande de changement — CH de test\n")
    hosts = sum(1 for _, d in g.nodes(data=True) if d.get("kind") == "host")
    assert f"| Serveurs et postes identifiés | {hosts} |" in text
    assert f"| Constats | {len(tags['findings'])} |" in text
    wave1 = text.index("### Vague 1 — Imagerie")
    wave2 = text.index("### Vague 2 — DPI")
    assert wave1 < wave2
    assert "- **Fenêtre** : nuit" in text[wave1:wave2]
    assert "  - `host:dpi-app01`\n  - `host:dpi-db01`" in text[wave2:]
    assert ("| host:10.20.3.7 | host:pacs01 | 4242 | dicom |  | 1 | fin de la migration | "
            "la modalité reste sur site |") in text
    for f in tags["findings"]:
        assert f["rule"] in text
    # every table row has as many cells as its header
    for block in re.findall(r"((?:^\|.*\|\n)+)", text, re.M):
        rows = block.strip("\n").split("\n")
        widths = {len(re.split(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, block


def test_english_and_escaping():
    g, tags = estate()
    p = plan()
    p["hybrid_flows"][0]["reason"] = "a | b\nc"
    text = markdown_out.render_markdown(g, tags, p, meta(), "en")
    assert "## Migration waves" in text and "- **Window**: nuit" in text
    assert "| a \\| b c |" in text
    assert "Vague" not in text and "Fenêtre" not in text


def test_empty_plan_says_none():
    g, tags = estate()
    text = markdown_out.render_markdown(g, tags, {}, {}, "fr")
    assert "Établissement sans nom" in text
    assert text.count("Aucun.") >= 2


def test_summary_names_preseed_waves_and_the_checklist():
    g, tags = estate()
    p = plan()
    p["summary"] |= {"preseed_waves": 1, "firewall_rules": 1, "cost": 42}
    p["waves"][1]["transfer"] = {"data_bytes": 123456789, "seconds": 90000, "fits": False,
                                 "preseed_bytes": 60_000_000, "window_seconds": 14400, "text": "planner"}
    p["waves"][1]["checklist"] = [{"kind": "backup", "text": "a restore of pacs01 from bkp01 tested",
                                   "hosts": ["host:pacs01"]}]
    fr = markdown_out.render_markdown(g, tags, p, meta(), "fr")
    assert "| Vagues à pré-charger | 1 |" in fr and "| Coût hybride | 42 |" in fr
    assert "(pré-chargement) : 1" in fr
    wave1 = fr[fr.index("### Vague 1 — Imagerie"):fr.index("### Vague 2 — DPI")]
    assert "- **Durée du transfert** : 25,0 h — ne tient pas dans la fenêtre : pré-charger ou répliquer 60,0 Mo" in wave1
    assert "  - [ ] **Sauvegarde** : a restore of pacs01 from bkp01 tested" in wave1
    en = markdown_out.render_markdown(g, tags, p, meta(), "en")
    assert "| Waves to pre-seed | 1 |" in en and "pre-seed or replicate 60.0 MB beforehand" in en
