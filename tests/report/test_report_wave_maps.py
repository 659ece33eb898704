"""Every wave gets its before/after maps, however many waves the plan has (issue #8): past
the inline budget they are files under report/maps/ linked from the page, and only those
are files."""

from __future__ import annotations

import re

from report_helpers import estate, meta, plan
from scanner.report import html, model

N_WAVES = 75   # more than the 60 the report used to draw


def _many_waves(hosts: list[str]) -> dict:
    p = plan()
    p["waves"] = [{"number": i, "id": f"wave:{i}", "name": f"lot {i}", "groups": [],
                   "hosts": [hosts[i % len(hosts)]], "data_bytes": 0, "reasons": []}
                  for i in range(1, N_WAVES + 1)]
    p["hybrid_flows"] = []
    return p


def test_a_many_wave_plan_gets_a_map_for_every_wave(tmp_path, monkeypatch):
    g, tags = estate()
    p = _many_waves(model.host_ids(g))
    monkeypatch.setattr(html, "INLINE_BUDGET", 150_000)   # some maps inlined, the rest as files
    index = html.write_report(tmp_path, g, tags, p, meta())
    page = index.read_text(encoding="utf-8")
    section = page[page.index('<section id="wave-maps">'):]
    section = section[:section.index("</section>")]
    blocks = re.findall(r'<details class="focus"><summary>Vague (\d+) — [^<]*</summary>(.*?)</details>',
                        section, re.S)
    assert [int(n) for n, _ in blocks] == list(range(1, N_WAVES + 1))
    inlined = linked = 0
    for n, body in blocks:
        for stage in ("before", "after"):
            name = f"maps/wave-{int(n):03d}-{stage}.svg"
            if f'<a href="{name}">' in body:
                assert (tmp_path / "report" / name).read_text(encoding="utf-8").startswith("<svg")
                linked += 1
            else:
                assert not (tmp_path / "report" / name).exists()
                inlined += 1
        assert body.count("<template>") + body.count('<a href="maps/wave-') == 2
    assert inlined > 0 and linked > 0 and inlined + linked == 2 * N_WAVES
    assert "wave_maps_limit" not in html.report_model(g, tags, p, meta())
