"""Runs the CLI stages import → graph → classify on the bundled sample estate (no report,
so no Graphviz needed) for the classification tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_estates" / "ch-saint-aurelien"


def cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    """``python -m scanner ARGS`` with output captured (bounded in time)."""
    return subprocess.run([sys.executable, "-m", "scanner", *map(str, args)],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


def classify_sample(out: Path, rules=()) -> dict:
    """Import, graph and classify the sample into ``out``; the tags.json it wrote."""
    for args in (("import", SAMPLE, "-o", out, "--quiet"), ("graph", "-o", out)):
        proc = cli(*args)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return reclassify(out, rules)


def reclassify(out: Path, rules=()) -> dict:
    """Classify ``out`` again (with the extra rule packs ``rules``)."""
    extra = [x for r in rules for x in ("--rules", r)]
    proc = cli("classify", "-o", out, *extra)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((out / "tags.json").read_text(encoding="utf-8"))
