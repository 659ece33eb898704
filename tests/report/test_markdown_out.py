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
    assert ("| host:10.20.3.7 | host:pacs01 | 4242 | dicom | 1 | fin de la migration | "
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
