"""Owns ``hdscan explain``: an entity's tags walked back to rules, evidence and source files.

Answers "why is this server HDS?" from the derived files and the store only; nothing is
recomputed.  For a host, the tags of its services and databases are shown too, since
they roll up to it.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ScannerError, SourceLocation
from ..model import ids
from ..store import Store


def _load(path: Path, stage: str) -> dict:
    if not path.is_file():
        raise ScannerError(f"missing; run 'hdscan {stage}' first", SourceLocation(str(path)))
    return json.loads(path.read_text(encoding="utf-8"))


def _evidence_index(store: Store, wanted: set[str]) -> dict[str, dict]:
    found = {}
    if not wanted:
        return found
    for obs in store.observations():
        if obs.id in wanted:
            found[obs.id] = obs.evidence.to_dict() | {"kind": obs.kind}
    return found


def explain(out: Path, entity: str) -> str:
    """The explanation text for ``entity`` (an id such as ``host:pacs01``)."""
    out = Path(out)
    tags = _load(out / "tags.json", "classify")
    plan = _load(out / "plan.json", "plan") if (out / "plan.json").is_file() else {}
    resolved = tags.get("resolved", {})
    if entity not in resolved and not entity.startswith(("host:", "svc:", "db:", "ext:")):
        entity = ids.host_id(entity)
    if entity not in resolved:
        near = sorted(e for e in resolved if entity.split(":", 1)[-1] in e)[:5]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise ScannerError(f"no entity '{entity}' in tags.json{hint}",
                           SourceLocation(str(out / "tags.json")))
    related = {entity}
    if entity.startswith("host:"):
        related |= {e for e in resolved
                    if e.startswith(("svc:", "db:")) and ids.host_of(e) == entity}
    own = [t for t in tags.get("tags", []) if t["entity"] in related]
    wanted = {ev for t in own for ev in t.get("evidence", [])}
    with Store(out / "store.sqlite", create=False) as store:
        evidence = _evidence_index(store, wanted)

    lines = [f"{entity}"]
    for dim, value in sorted(resolved[entity].items()):
        lines.append(f"  {dim}: {value if not isinstance(value, list) else ', '.join(map(str, value))}")
    lines.append("")
    lines.append("because:")
    for t in sorted(own, key=lambda t: (t["dimension"], t["entity"], t.get("rule", ""))):
        who = t.get("rule", "?")
        if who == "manual":
            who = f"manual assertion by {t.get('author', '?')}: {t.get('reason', '')}"
        on = "" if t["entity"] == entity else f" (on {t['entity']})"
        lines.append(f"  {t['dimension']} = {t['value']}{on}  [{who}, confidence "
                     f"{t.get('confidence', '?')}]")
        if t.get("because"):
            lines.append(f"    {t['because']}")
        if t.get("via"):
            lines.append(f"    via {' → '.join(t['via'])}")
        for ev in t.get("evidence", [])[:8]:
            e = evidence.get(ev)
            if e:
                place = f"{e['source']}" + (f": {e['location']}" if e.get("location") else "")
                lines.append(f"    evidence {ev} ({e['kind']} from {e['collector']}): {place}")
        more = len(t.get("evidence", [])) - 8
        if more > 0:
            lines.append(f"    … and {more} more observations")
    for wave in plan.get("waves", []):
        if entity in wave.get("hosts", []):
            lines.append("")
            lines.append(f"planned in wave {wave['number']} ({wave.get('name', '')}):")
            for r in wave.get("reasons", []):
                lines.append(f"  - {r.get('text', r)}")
    for stay in plan.get("stays", []):
        if stay.get("host") == entity:
            lines.append("")
            lines.append(f"stays on site: {stay.get('reason', '')}")
    return "\n".join(lines)
