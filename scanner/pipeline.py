"""Owns the wiring of the rooms: inputs → store → graph → tags → plan → reports.

Each stage reads the previous stage's file in the output folder and writes its own,
so any stage can be re-run alone:

``store.sqlite``  observations (``import``)
``graph.json``    the dependency graph (``graph``)
``tags.json``     classification (``classify``)
``plan.json``     move groups and waves (``plan``)
``report/``       offline HTML report and SVG maps (``report``)
``export/``       JSON, CSV, GraphML, GEXF, DOT and Markdown exports (``export``)

Nothing here prints: progress goes through an optional callback, errors are raised.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__, parse_pool
from .collect import registry
from .errors import InputError, ScannerError, SourceLocation
from .fileio import dumps_records, write_atomic
from .graph import io as graph_io
from .ingest.estate_file import EstateConfig, parse_estate_config
from .store import ImportResult, Store, sha256_file

STORE = "store.sqlite"
GRAPH = "graph.json"
TAGS = "tags.json"
PLAN = "plan.json"

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class ImportSummary:
    results: list[ImportResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (source, reason)
    warnings: list[str] = field(default_factory=list)   # kept, but incomplete (truncated capture)
    errors: list[ScannerError] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def observations(self) -> int:
        return sum(r.observations for r in self.results)


def _input_files(target: Path) -> tuple[Path, list[Path]]:
    """The base folder sources are named from, and the files to offer to collectors."""
    if target.is_file():
        return target.parent, [target]
    if not target.is_dir():
        raise InputError("no such file or folder", SourceLocation(str(target)))
    root = target / "inputs" if (target / "inputs").is_dir() else target
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    return target, files


def _listed(targets: list[Path]) -> list[tuple[Path, Path, list[Path], InputError | None]]:
    """(target, base, files, None) of each target; a missing one ends the list with its error,
    raised when the import reaches it (the targets before it are imported)."""
    listed = []
    for target in map(Path, targets):
        try:
            listed.append((target, *_input_files(target), None))
        except InputError as exc:
            listed.append((target, target, [], exc))
            break
    return listed


def _keep_estate_yml(store: Store, target: Path) -> None:
    """Validate and keep an estate folder's ``estate.yml`` (a broken one is refused now)."""
    estate_yml = target / "estate.yml"
    if target.is_dir() and estate_yml.is_file():
        text = estate_yml.read_text(encoding="utf-8")
        parse_estate_config(text, str(estate_yml))
        store.put_document("estate.yml", text)


def _offers(store: Store, base: Path, files: list[Path], keep_truncated: bool):
    """Each file as ``((i, source, collector, sha256, size), job)``; the job that parses it is
    None for a file no collector reads (collector None) or one already imported (hashed here,
    never parsed)."""
    for i, path in enumerate(files, 1):
        source = path.relative_to(base).as_posix() if base in path.parents else path.name
        collector = registry.collector_for(path)
        if collector is None:
            yield (i, source, None, "", 0), None
            continue
        sha = sha256_file(path)
        job = None if store.known_input(sha, collector.NAME, collector.VERSION) else \
            parse_pool.Job(path, source, collector.__name__, keep_truncated)
        yield (i, source, collector, sha, path.stat().st_size), job


def import_inputs(targets: list[Path], out: Path, progress: Progress = _quiet,
                  keep_truncated: bool = False) -> ImportSummary:
    """Import estate folders or single files into ``out/store.sqlite``.

    Each file is one transaction; a file that fails is reported and leaves nothing
    behind, while files imported before it stay imported.  A file cut short (a capture
    whose last packet is incomplete) is refused too, unless ``keep_truncated``: then
    what precedes the cut is kept and a warning says so.  An estate folder's
    ``estate.yml`` is validated and kept in the store.  A file already imported is
    skipped by its hash, unread.  A large import parses its files in worker processes
    (``scanner/parse_pool.py``); this process stores them in the same order, with the
    same result.
    """
    summary = ImportSummary()
    listed = _listed(targets)
    every = [path for _, _, files, _ in listed for path in files]
    workers = parse_pool.workers_for(len(every), sum(p.stat().st_size for p in every))
    with Store(Path(out) / STORE) as store, parse_pool.Parser(workers) as parser:
        for target, base, files, missing in listed:
            if missing is not None:
                raise missing
            _keep_estate_yml(store, target)
            offers = _offers(store, base, files, keep_truncated)
            for (i, source, collector, sha, size), parsed in parser.parse(offers):
                if collector is None:
                    summary.skipped.append((source, "no collector reads this format"))
                    continue
                progress(f"import [{i}/{len(files)}] {source} ({collector.NAME})")
                try:
                    result = store.import_rows(source, sha, size, collector.NAME,
                                               collector.VERSION,
                                               () if parsed is None else parsed.rows)
                except ScannerError as exc:
                    summary.errors.append(exc)
                    continue
                summary.results.append(result)
                summary.warnings.extend([] if parsed is None else parsed.warnings)
    return summary


def import_live(urls: list[str], out: Path, password: str | None = None,
                as_host: str | None = None, progress: Progress = _quiet,
                sample: int | None = None) -> list[str]:
    """Introspect live database servers (metadata only) into ``out/store.sqlite``;
    ``sample`` opts in to value validation (counts only, see collect/live/sampling.py).

    One transaction per server; re-introspecting an unchanged server stores nothing.
    Returns the warnings (databases that could not be read).
    """
    from .collect.live.introspect import introspect

    warnings: list[str] = []
    with Store(Path(out) / STORE) as store:
        for url in urls:
            got = introspect(url, password, as_host, sample)
            warnings.extend(got.warnings)
            result = store.import_observations(got.source, got.digest, 0, got.collector,
                                               got.version, got.observations)
            progress(f"{got.source}: " + ("unchanged since the last introspection"
                                          if result.skipped else
                                          f"{result.observations} observations ({result.new} new)"))
    return warnings


def load_config(store: Store) -> EstateConfig:
    text = store.document("estate.yml")
    return parse_estate_config(text, "estate.yml") if text else EstateConfig()


def _write_json(path: Path, data) -> Path:
    if isinstance(data, dict):
        return write_atomic(path, dumps_records(data))
    return write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n")


def _read_json(path: Path, stage: str):
    if not path.is_file():
        raise ScannerError(f"missing; run 'hdscan {stage}' first", SourceLocation(str(path)))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScannerError(f"not valid JSON ({exc.msg})",
                           SourceLocation(str(path), f"line {exc.lineno}")) from None


def stage_graph(out: Path, how: dict | None = None):
    """Store → graph.json: incrementally (from OUT/graph.state plus the observations imported
    since) when that is provably the full rebuild's graph, else in full
    (``scanner/graph/incremental.py``); ``how`` receives the path taken (``note``)."""
    from .graph import incremental
    from .stagecache import code_digest, file_digest

    with Store(Path(out) / STORE, create=False) as store:
        text = store.document("estate.yml")
        config = load_config(store)
        built = incremental.build(Path(out), store, config, text,
                                  file_digest(Path(out) / GRAPH), code_digest())
        g = built.graph
        g.graph["estate"] = config.name
        g.graph["store"] = store.fingerprint()
    write_atomic(Path(out) / GRAPH, graph_io.dumps(g))
    built.save(out, file_digest(Path(out) / GRAPH))
    if how is not None:
        how.update(path=built.path, reason=built.reason, new_observations=built.new_observations,
                   note=built.note)
    return g


def load_graph(out: Path):
    return graph_io.graph_from_dict(_read_json(Path(out) / GRAPH, "graph"))


def stage_classify(out: Path, rule_paths: list[Path] | None = None, settings: dict | None = None):
    """graph.json + rule packs → tags.json."""
    from .classify.engine import classify
    from .classify.loader import default_pack_path, load_packs

    g = load_graph(out)
    paths = [default_pack_path()] + [Path(p) for p in (rule_paths or [])]
    packs = load_packs(paths)
    with Store(Path(out) / STORE, create=False) as store:
        config = load_config(store)
    tags = classify(g, packs, assertions=config.assertions, settings=settings)
    _write_json(Path(out) / TAGS, tags)
    return tags


def stage_plan(out: Path, config_path: Path | None = None, solver: str = "auto"):
    """graph.json + tags.json (+ plan configuration) → plan.json (``solver``: see
    ``scanner.plan.build_plan``)."""
    from .plan import build_plan
    from .plan.config import load_plan_config

    g = load_graph(out)
    tags = _read_json(Path(out) / TAGS, "classify")
    config = load_plan_config(config_path) if config_path else None
    plan = build_plan(g, tags, config, solver=solver)
    _write_json(Path(out) / PLAN, plan)
    return plan


def plan_constraints(out: Path, config_path: Path | None = None):
    """The hard constraints of any plan of this estate (``scanner.plan.check.Constraints``)."""
    from .plan.check import Constraints
    from .plan.config import PlanConfig, load_plan_config

    config = load_plan_config(config_path) if config_path else PlanConfig()
    return Constraints(load_graph(out), _read_json(Path(out) / TAGS, "classify"), config)


def report_meta(out: Path, g) -> dict:
    with Store(Path(out) / STORE, create=False) as store:
        inputs = store.inputs()
        counts = store.counts()
        name = load_config(store).name
    return {"estate": name, "hdscan_version": __version__,
            "store_fingerprint": g.graph.get("store"),
            "inputs": [{"source": i["source"], "collector": i["collector"],
                        "observations": i["observations"]} for i in inputs],
            "observations": counts}


def _report_inputs(out: Path, redact: bool, evidence: bool = False):
    """(g, tags, plan, meta) for the report and the exports, pseudonymised if ``redact``;
    ``evidence`` adds the map's evidence index (``meta["evidence"]``), redacted too."""
    g = load_graph(out)
    tags = _read_json(Path(out) / TAGS, "classify")
    plan = _read_json(Path(out) / PLAN, "plan")
    meta = report_meta(out, g)
    if evidence:
        from .report.evidence import evidence_index

        meta["evidence"] = evidence_index(Path(out) / STORE, tags)
    if redact:
        from .report.redact import redact as pseudonymise

        return pseudonymise(Path(out), g, tags, plan, meta)
    return g, tags, plan, meta


def _output_root(out: Path, redact: bool) -> Path:
    """Redacted outputs go to ``OUT/redacted/`` so they never mix with the named ones."""
    return Path(out) / "redacted" if redact else Path(out)


def compare_with(previous: Path, out: Path) -> dict:
    """The ``hdscan-diff/1`` document from a previous collection (an output folder or an
    export, as ``hdscan diff`` reads them) to ``out``: the report's "changes" section."""
    from .diff import compare, load

    return compare.compare(load.load(Path(previous)), load.load(Path(out)))


def stage_report(out: Path, lang: str = "fr", redact: bool = False,
                 previous: Path | None = None) -> Path:
    """graph.json + tags.json + plan.json → report/index.html (+ SVG maps);
    ``redacted/report/`` with ``redact``; ``previous`` (a previous collection: output
    folder or export) adds the section of changes since it."""
    from .report.html import write_report

    if previous is not None and redact:
        raise InputError("--compare cannot be combined with --redact (the changes name hosts)",
                         SourceLocation(str(previous)))
    changes = compare_with(previous, out) if previous is not None else None
    g, tags, plan, meta = _report_inputs(out, redact, evidence=True)
    return write_report(_output_root(out, redact), g, tags, plan, meta, lang, changes)


def stage_export(out: Path, formats: list[str] | None = None, lang: str = "fr",
                 redact: bool = False) -> Path:
    """graph.json + tags.json + plan.json → export/ (hdscan.json, CSV, GraphML, GEXF, DOT,
    summary.md; all formats unless ``formats`` names some); ``redacted/export/`` with
    ``redact``. Returns the export folder."""
    from .report.exports import FORMATS, write_exports

    g, tags, plan, meta = _report_inputs(out, redact)
    folder = _output_root(out, redact) / "export"
    write_exports(folder, g, tags, plan, meta, formats or FORMATS, lang)
    return folder


@dataclass
class RunResult:
    """What ``run_stages`` produced, and which stages it kept because their inputs did not change."""
    graph: object
    tags: dict
    plan: dict
    report: Path
    export: Path
    kept: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)   # stage → how it was built


def _inputs_digest(store: Store) -> str:
    return hashlib.sha256(json.dumps(store.inputs(), sort_keys=True).encode()).hexdigest()


def run_stages(out: Path, rule_paths: list[Path] | None = None, plan_config: Path | None = None,
               force: bool = False, on_stage: Callable[[str, bool], None] | None = None,
               previous: Path | None = None) -> RunResult:
    """graph → classify → plan → report → export, each skipped if its inputs did not change.

    A stage's inputs are fingerprinted (``stagecache``: the store, the previous stage's
    file, rule packs, plan configuration, hdscan's own code); when the fingerprint equals
    the one recorded in ``OUT/stages.json`` and the stage's outputs are intact, the
    stage is not run and its output is read back. ``force`` runs every stage.
    ``on_stage(name, kept)`` is called before each stage. ``previous`` (``--compare``)
    adds the changes since that collection to the report; its digest is in the report's key.
    """
    from . import stagecache as sc
    from .classify.loader import default_pack_path

    out = Path(out)
    notify = on_stage or (lambda _n, _k: None)
    kept: list[str] = []
    notes: dict[str, str] = {}   # "graph": "incremental, N new observations" | "full rebuild: why"

    def step(name: str, key: str, outputs: list[Path], build, load):
        fresh = not force and sc.is_fresh(out, name, key, outputs)
        notify(name, fresh)
        if fresh:
            kept.append(name)
            return load()
        value = build()
        sc.record(out, name, key, outputs, note=notes.get(name))
        return value

    def graph_noted():
        how: dict = {}
        value = stage_graph(out, how)
        notes["graph"] = how["note"]
        return value

    with Store(out / STORE, create=False) as store:
        fingerprint, inputs = store.fingerprint(), _inputs_digest(store)
    g = step("graph", sc.make_key("graph", fingerprint), [out / GRAPH],
             graph_noted, lambda: load_graph(out))
    graph_sha = sc.file_digest(out / GRAPH)
    packs = [default_pack_path()] + [Path(p) for p in (rule_paths or [])]
    tags = step("classify", sc.make_key("classify", graph_sha, [sc.tree_digest(p) for p in packs]),
                [out / TAGS], lambda: stage_classify(out, rule_paths),
                lambda: _read_json(out / TAGS, "classify"))
    tags_sha = sc.file_digest(out / TAGS)
    plan = step("plan", sc.make_key("plan", graph_sha, tags_sha,
                                    sc.file_digest(plan_config) if plan_config else None),
                [out / PLAN], lambda: stage_plan(out, plan_config),
                lambda: _read_json(out / PLAN, "plan"))
    derived = (graph_sha, tags_sha, sc.file_digest(out / PLAN), inputs)
    compared = sc.input_digest(previous) if previous is not None else None
    report = step("report", sc.make_key("report", *derived, compared), [out / "report"],
                  lambda: stage_report(out, previous=previous), lambda: out / "report" / "index.html")
    export = step("export", sc.make_key("export", *derived), [out / "export"],
                  lambda: stage_export(out), lambda: out / "export")
    return RunResult(g, tags, plan, report, export, kept, notes)


def site_summary(g, tags: dict) -> dict:
    """Per site (``estate.yml`` sites; ``null`` hosts under "no site"): hosts, servers,
    hosts holding health data, and flows leaving the site for another site."""
    resolved = tags.get("resolved", {})
    sites: dict[str, dict] = {}
    site_of: dict[str, str] = {}
    for n, d in g.nodes(data=True):
        if d.get("kind") != "host":
            continue
        site = d.get("site") or "no site"
        site_of[n] = site
        row = sites.setdefault(site, {"hosts": 0, "servers": 0, "health_data": 0,
                                      "inter_site_flows_out": 0})
        row["hosts"] += 1
        row["servers"] += d.get("device_class") == "server"
        row["health_data"] += (resolved.get(n, {}).get("data_class") == "health")
    for u, _v, d in g.edges(data=True):
        if d.get("kind") == "flow" and d.get("inter_site") and u in site_of:
            sites[site_of[u]]["inter_site_flows_out"] += 1
    return dict(sorted(sites.items(), key=lambda kv: (kv[0] == "no site", kv[0])))


def summarize(g, tags: dict, plan: dict) -> dict:
    """The figures ``hdscan run`` ends with: hosts by data class and tier, per site, findings, waves."""
    by_class: dict[str, int] = {}
    by_tier: dict[str, int] = {}
    hosts = sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "host")
    for h in hosts:
        r = tags.get("resolved", {}).get(h, {})
        klass = r.get("data_class") or "undetermined"
        tier = r.get("care_tier")
        tier = f"tier {tier}" if tier is not None else "no tier"
        by_class[klass] = by_class.get(klass, 0) + 1
        by_tier[tier] = by_tier.get(tier, 0) + 1
    last = ("undetermined", "no tier")
    return {"hosts": len(hosts),
            "sites": site_summary(g, tags),
            "data_class": dict(sorted(by_class.items(), key=lambda kv: (kv[0] in last, kv[0]))),
            "care_tier": dict(sorted(by_tier.items(), key=lambda kv: (kv[0] in last, kv[0]))),
            "findings": len(tags.get("findings", [])),
            "exposure_findings": sum(1 for f in tags.get("findings", [])
                                     if f.get("dimension") == "exposure"),
            "waves": len(plan.get("waves", [])),
            "hybrid_flows": len(plan.get("hybrid_flows", []))}
