"""Owns ``OUT/stages.json``: what each derived stage was last built from, to skip it when unchanged.

``hdscan run`` re-runs graph, classify, plan, report and export only when their inputs
changed. Each stage has a *key*: a sha256 over everything its output depends on (the
store's fingerprint or the previous stage's file, the rule packs, the settings, and the
code of hdscan itself, so an upgraded or edited hdscan rebuilds everything). After a
stage runs, its key and the sha256 of its outputs are recorded; a later run skips the
stage only if the key is equal AND the outputs are still on disk with the recorded
digests (a deleted or hand-edited output is rebuilt).

The file is written atomically and a record is written only after its outputs, so a
crash leaves at worst a stage that runs again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .fileio import write_atomic

FILE = "stages.json"
SCHEMA = "hdscan-stages/1"

_CODE_DIGEST: str | None = None


def file_digest(path: Path) -> str | None:
    """sha256 of a file's bytes, or None if it does not exist."""
    path = Path(path)
    if not path.is_file():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_digest(folder: Path, pattern: str = "*") -> str | None:
    """sha256 over the relative paths and bytes of every file under ``folder`` (None if absent)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    h = hashlib.sha256()
    for p in sorted(folder.rglob(pattern)):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(folder).as_posix().encode() + b"\0")
            h.update((file_digest(p) or "").encode() + b"\n")
    return h.hexdigest()


def input_digest(path: Path) -> str | None:
    """sha256 of a collection given as a file (an export) or an output folder (its
    ``graph.json``, ``tags.json``, ``plan.json`` and ``export/hdscan.json``; the graph
    carries the store's fingerprint), with the path as given: what ``--compare`` reads."""
    path = Path(path)
    names = [path] if not path.is_dir() else [path / n for n in ("graph.json", "tags.json", "plan.json",
                                                                 "export/hdscan.json")]
    return hashlib.sha256(json.dumps([str(path)] + [file_digest(p) for p in names]).encode()).hexdigest()


def code_digest() -> str:
    """sha256 of hdscan's own code and report templates (computed once per process)."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        from . import __version__
        from .resources import data_dir

        package = Path(__file__).resolve().parent
        parts = [__version__, tree_digest(package, "*.py") or ""]
        try:
            parts.append(tree_digest(data_dir("reports")) or "")
        except Exception:      # no templates installed: the report stage will say so
            parts.append("")
        _CODE_DIGEST = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return _CODE_DIGEST


def make_key(*parts) -> str:
    """The key of a stage from its inputs' digests and settings (JSON-serialisable parts)."""
    blob = json.dumps([code_digest(), *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _load(out: Path) -> dict:
    try:
        data = json.loads((Path(out) / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return {}
    stages = data.get("stages")
    return stages if isinstance(stages, dict) else {}


def _output_digest(path: Path) -> str | None:
    return tree_digest(path) if Path(path).is_dir() else file_digest(path)


def is_fresh(out: Path, stage: str, key: str, outputs: list[Path]) -> bool:
    """True if ``stage`` was last built with ``key`` and its outputs are intact on disk."""
    rec = _load(out).get(stage)
    if not isinstance(rec, dict) or rec.get("key") != key:
        return False
    recorded = rec.get("outputs") or {}
    if set(recorded) != {Path(p).name for p in outputs}:
        return False
    return all(_output_digest(p) is not None and _output_digest(p) == recorded[Path(p).name]
               for p in outputs)


def record(out: Path, stage: str, key: str, outputs: list[Path], note: str | None = None) -> None:
    """Remember that ``stage`` built ``outputs`` from ``key`` (after the outputs are written);
    ``note`` says how (the graph: "incremental, N new observations" or "full rebuild: why")."""
    stages = _load(out)
    stages[stage] = {"key": key, "outputs": {Path(p).name: _output_digest(p) for p in outputs}}
    if note:
        stages[stage]["note"] = note
    write_atomic(Path(out) / FILE, json.dumps({"schema": SCHEMA, "stages": stages},
                                              indent=1, sort_keys=True) + "\n")

