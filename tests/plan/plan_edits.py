"""Hand edits of a plan, as an architect would make them, for the `plan check` tests."""

from __future__ import annotations

import json
from pathlib import Path


def moved_to_pilot(out: Path, folder: Path, host: str = "host:dpi-db01") -> tuple[Path, int]:
    """``out``/plan.json with ``host`` moved from its wave into the pilot wave, written to
    ``folder``/edited.json; returns that path and the pilot wave's index in ``waves``."""
    plan = json.loads((Path(out) / "plan.json").read_text(encoding="utf-8"))
    i = next(k for k, w in enumerate(plan["waves"]) if host in w["hosts"])
    pilot = next(k for k, w in enumerate(plan["waves"]) if w["name"] == "pilot")
    plan["waves"][i]["hosts"].remove(host)
    plan["waves"][pilot]["hosts"].append(host)
    edited = Path(folder) / "edited.json"
    edited.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    return edited, pilot
