"""Owns the ``hdscan`` command line: thin commands over ``pipeline``.

This is the only module that prints to the user and chooses exit codes:
0 success, 1 bad input or a failed check (one line per problem, naming the file and
place), 2 usage errors (click's own).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, pipeline
from .errors import RuleError, ScannerError

OUT_OPTION = click.option("-o", "--out", "out", type=click.Path(file_okay=False, path_type=Path),
                          default=Path("out"), show_default=True,
                          help="Output folder: holds the store and every derived file.")
RULES_OPTION = click.option("--rules", "rules", multiple=True,
                            type=click.Path(exists=True, file_okay=False, path_type=Path),
                            help="An extra rule pack folder (site pack), after the default "
                                 "pack. Repeatable.")
PLAN_CONFIG_OPTION = click.option("--plan-config", "plan_config",
                                  type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                  help="Plan configuration YAML (see docs/planner.md).")


def _progress(quiet: bool):
    if quiet:
        return lambda _msg: None
    return lambda msg: click.echo(f"  {msg}", err=True)


def _fail(exc: ScannerError) -> None:
    click.echo(f"hdscan: error: {exc}", err=True)
    for line in getattr(exc, "errors", [])[:200]:
        click.echo(f"  {line}", err=True)
    sys.exit(1)


def _stage(n: int, total: int, name: str, quiet: bool) -> None:
    if not quiet:
        click.echo(f"[{n}/{total}] {name}", err=True)


KEEP_TRUNCATED_OPTION = click.option(
    "--keep-truncated", is_flag=True,
    help="Keep the complete records of a capture cut short (tcpdump killed) instead of "
         "refusing the file; a warning names the cut.")


def _import(targets, out, quiet, keep_truncated=False) -> pipeline.ImportSummary:
    summary = pipeline.import_inputs(list(targets), out, _progress(quiet), keep_truncated)
    for source, reason in summary.skipped:
        click.echo(f"  skipped {source}: {reason}", err=True)
    for warning in summary.warnings:
        click.echo(f"hdscan: warning: {warning}", err=True)
    for err in summary.errors:
        click.echo(f"hdscan: error: {err}", err=True)
    if not quiet:
        click.echo(f"  {len(summary.results)} files read, {summary.observations} observations "
                   f"({summary.new} new), {len(summary.skipped)} skipped, "
                   f"{len(summary.errors)} refused", err=True)
    return summary


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hdscan")
def main() -> None:
    """hdscan: audit a hospital IT estate and plan its move to HDS / SecNumCloud hosting.

    The pipeline is collect (import) → graph → classify → plan → report. `hdscan run`
    does all of it; each stage also has its own command that re-reads the previous
    stage's file in the output folder, so one stage can be re-run alone.
    """


@main.command("run")
@click.argument("estate", type=click.Path(exists=True, path_type=Path))
@OUT_OPTION
@RULES_OPTION
@PLAN_CONFIG_OPTION
@KEEP_TRUNCATED_OPTION
@click.option("--force", is_flag=True,
              help="Re-run every stage even if its inputs did not change.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@click.option("--compare", "previous", type=click.Path(path_type=Path), metavar="PREVIOUS",
              help="Add to the report the changes since PREVIOUS, an earlier output folder or "
                   "export (what `hdscan diff` reads; docs/diff.md).")
def run_cmd(estate: Path, out: Path, rules, plan_config, keep_truncated: bool, force: bool,
            quiet: bool, previous) -> None:
    """Run every stage on an ESTATE folder (estate.yml + inputs/) and write the report.

    Files already imported are skipped, and a stage whose inputs did not change since
    the last run (OUT/stages.json) is kept, not re-run.

    Example: hdscan run sample_estates/ch-saint-aurelien -o out/
    """
    try:
        _stage(1, 6, f"import {estate}", quiet)
        summary = _import([estate], out, quiet, keep_truncated)
        if summary.errors:
            click.echo(f"hdscan: {len(summary.errors)} input file(s) refused; fix them or "
                       "remove them, then run again (what was imported is kept)", err=True)
            sys.exit(1)
        numbers = {"graph": 2, "classify": 3, "plan": 4, "report": 5, "export": 6}

        def on_stage(name: str, kept: bool) -> None:
            _stage(numbers[name], 6, f"{name}: inputs unchanged, kept" if kept else name, quiet)

        result = pipeline.run_stages(out, list(rules), plan_config, force, on_stage, previous)
    except ScannerError as exc:
        _fail(exc)
    g, tags, plan, report, export = result.graph, result.tags, result.plan, result.report, result.export
    if len(result.kept) == 5:
        click.echo("nothing new to import and no input changed: every stage kept "
                   "(--force re-runs them)")
    elif result.kept:
        click.echo(f"kept unchanged: {', '.join(result.kept)}")
    if result.notes.get("graph") and not quiet:
        click.echo(f"graph: {result.notes['graph']}")
    s = pipeline.summarize(g, tags, plan)
    click.echo(f"{s['hosts']} hosts by data class: "
               + ", ".join(f"{k} {v}" for k, v in s["data_class"].items()))
    click.echo("by care tier (1 = vital): "
               + ", ".join(f"{k}: {v}" for k, v in s["care_tier"].items()))
    if len(s["sites"]) > 1:
        click.echo(f"{len(s['sites'])} sites: " + "; ".join(
            f"{site} {v['hosts']} hosts ({v['servers']} servers, {v['health_data']} with health "
            f"data, {v['inter_site_flows_out']} inter-site flows out)"
            for site, v in s["sites"].items()))
    click.echo(f"{s['exposure_findings']} extraterritorial exposure finding(s), "
               f"{s['findings']} finding(s) in all")
    click.echo(f"{s['waves']} migration waves, {s['hybrid_flows']} cross-site flows to open "
               "during the hybrid period")
    click.echo(f"report: {report}")
    click.echo(f"export: {export}")


@main.command("import")
@click.argument("targets", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@OUT_OPTION
@KEEP_TRUNCATED_OPTION
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def import_cmd(targets, out: Path, keep_truncated: bool, quiet: bool) -> None:
    """Import estate folders or single input files into OUT/store.sqlite.

    Importing the same file again changes nothing; a file that cannot be read is
    refused whole (one line naming the file and place) and the exit code is 1.
    An import of 512 files or 32 MB or more reads its files in one worker process per
    CPU (HDSCAN_IMPORT_WORKERS=N sets N; 0 or 1 reads them in this process).
    """
    try:
        summary = _import(targets, out, quiet, keep_truncated)
    except ScannerError as exc:
        _fail(exc)
    if summary.errors:
        sys.exit(1)


@main.command("graph")
@OUT_OPTION
def graph_cmd(out: Path) -> None:
    """Build OUT/graph.json (the dependency graph) from the store."""
    how: dict = {}
    try:
        g = pipeline.stage_graph(out, how)
    except ScannerError as exc:
        _fail(exc)
    click.echo(f"graph: {how['note']}")
    kinds: dict[str, int] = {}
    for _, d in g.nodes(data=True):
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    click.echo(", ".join(f"{v} {k}s" for k, v in sorted(kinds.items()))
               + f", {g.number_of_edges()} edges → {out / pipeline.GRAPH}")


@main.command("classify")
@OUT_OPTION
@RULES_OPTION
def classify_cmd(out: Path, rules) -> None:
    """Tag every system from OUT/graph.json with the rule packs → OUT/tags.json."""
    try:
        tags = pipeline.stage_classify(out, list(rules))
    except ScannerError as exc:
        _fail(exc)
    click.echo(f"{len(tags['tags'])} tags, {len(tags['findings'])} findings → {out / pipeline.TAGS}")


@main.group("plan", invoke_without_command=True)
@OUT_OPTION
@PLAN_CONFIG_OPTION
@click.option("--explain", "explain", metavar="HOST",
              help="Also print why HOST is in its wave and not in an earlier one.")
@click.option("--solver", type=click.Choice(["auto", "exact", "heuristic"]), default="auto",
              show_default=True, help="Wave solver: exact (needs the 'exact' extra, SciPy), the "
              "heuristic, or auto (exact on small estates; see docs/planner.md).")
@click.option("--lang", "lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the --explain lines (plan.json keeps both).")
@click.pass_context
def plan_cmd(ctx, out: Path, plan_config, explain, solver: str, lang: str) -> None:
    """Plan move groups and migration waves → OUT/plan.json.

    `hdscan plan check PLAN` validates a plan file instead (see below).
    """
    if ctx.invoked_subcommand is not None:
        return
    try:
        plan = pipeline.stage_plan(out, plan_config, solver=solver)
        lines = None
        if explain:
            from .plan.explain import explain as explain_host, render
            lines = render(explain_host(plan, pipeline.plan_constraints(out, plan_config), explain),
                           lang)
    except ScannerError as exc:
        _fail(exc)
    click.echo(f"{len(plan['groups'])} move groups, {len(plan['waves'])} waves, "
               f"{len(plan['hybrid_flows'])} hybrid flows → {out / pipeline.PLAN}")
    s = plan["summary"]["solver"]
    click.echo(f"hybrid cost {s['cost']} ({s['name']} solver"
               + (", proven optimal" if s["status"] == "optimal" else "")
               + (f"; {s['exact']}" if s.get("exact") else "") + ")")
    if plan["summary"].get("preseed_waves"):
        click.echo(f"{plan['summary']['preseed_waves']} wave(s) need data pre-seeded before their "
                   f"window; {plan['summary'].get('firewall_rules', 0)} firewall rule(s) for the "
                   "hybrid period")
    for line in lines or []:
        click.echo(line)


@plan_cmd.command("check")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@OUT_OPTION
@PLAN_CONFIG_OPTION
@click.option("--lang", "lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the violation and warning texts.")
def plan_check_cmd(plan_file: Path, out: Path, plan_config, lang: str) -> None:
    """Check PLAN_FILE (plan.json, waves.csv or a host,wave table, maybe hand-edited)
    against every hard constraint of the estate in OUT; exit 1 on any violation."""
    from .plan.check import check, read_plan_file
    try:
        violations, warnings = check(read_plan_file(plan_file),
                                     pipeline.plan_constraints(out, plan_config))
    except ScannerError as exc:
        _fail(exc)
    for w in warnings:
        click.echo(f"hdscan: warning: {w.render(lang)}", err=True)
    for v in violations:
        click.echo(f"hdscan: violation: {v.render(lang)}", err=True)
    if violations:
        click.echo(f"{plan_file}: {len(violations)} violation(s), {len(warnings)} warning(s)")
        sys.exit(1)
    click.echo(f"{plan_file}: no violation ({len(warnings)} warning(s))")


LANG_OPTION = click.option("--lang", "lang", type=click.Choice(["fr", "en"]), default="fr",
                           show_default=True, help="Language of the report texts and CSV headers.")
REDACT_OPTION = click.option("--redact", is_flag=True,
                             help="Replace host names, addresses, DNS names, application and "
                                  "database names and AE titles with pseudonyms (salt kept in "
                                  "OUT/redaction.salt); writes under OUT/redacted/.")


@main.command("report")
@OUT_OPTION
@LANG_OPTION
@REDACT_OPTION
@click.option("--compare", "previous", type=click.Path(path_type=Path), metavar="PREVIOUS",
              help="Add the changes since PREVIOUS, an earlier output folder or export "
                   "(what `hdscan diff` reads; docs/diff.md).")
def report_cmd(out: Path, lang: str, redact: bool, previous) -> None:
    """Write the offline HTML report (with SVG maps) → OUT/report/index.html."""
    try:
        path = pipeline.stage_report(out, lang=lang, redact=redact, previous=previous)
    except ScannerError as exc:
        _fail(exc)
    click.echo(f"report: {path}")


@main.command("export")
@OUT_OPTION
@click.option("--format", "formats", default="", metavar="LIST",
              help="Comma-separated formats among json,csv,graphml,gexf,dot,md (default: all).")
@LANG_OPTION
@REDACT_OPTION
def export_cmd(out: Path, formats: str, lang: str, redact: bool) -> None:
    """Write the exports (JSON, CSV, GraphML, GEXF, DOT, Markdown; docs/exports.md) → OUT/export/."""
    from .report.exports import parse_formats

    try:
        path = pipeline.stage_export(out, formats=parse_formats(formats), lang=lang, redact=redact)
    except ScannerError as exc:
        _fail(exc)
    click.echo(f"export: {path}")


@main.command("explain")
@click.argument("entity")
@OUT_OPTION
def explain_cmd(entity: str, out: Path) -> None:
    """Why ENTITY carries its tags: rules, evidence, source files.

    ENTITY is a host, service, database, endpoint, application or flow id, e.g.
    host:pacs01, app:finance, 'flow:host:a->svc:b:tcp/104'."""
    from .report.explain import explain

    try:
        text = explain(out, entity)
    except ScannerError as exc:
        _fail(exc)
    click.echo(text)


@main.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the differences as JSON (hdscan-diff/1, docs/diff.md) to FILE.")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write OUT/diff.html, a self-contained page.")
@click.option("--target-site", "target_site", metavar="SITE",
              help="Count only hosts that moved TO this site as migrated.")
@LANG_OPTION
def diff_cmd(a: Path, b: Path, json_path, out, target_site, lang: str) -> None:
    """What changed from collection A to collection B (docs/diff.md).

    A and B are output folders of `hdscan run` or JSON exports (export/hdscan.json).
    Exit code: 0 no differences, 1 differences found, 2 error.
    """
    from .diff import compare, load, render

    try:
        doc = compare.compare(load.load(a), load.load(b), target_site)
        if json_path:
            render.write_json(json_path, doc)
        if out:
            render.write_html(out, doc, lang)
    except (ScannerError, OSError) as exc:
        click.echo(f"hdscan: error: {exc}", err=True)
        sys.exit(2)
    click.echo(render.text(doc, lang), nl=False)
    sys.exit(1 if doc["differences"] else 0)


def _duration(minimum: int):
    def convert(_ctx, param, value):
        from .collect.agent.loop import parse_duration

        try:
            return parse_duration(value, minimum)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param=param) from None
    return convert


@main.command("agent")
@click.option("-o", "--out", "out", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Bundle to write (tar: manifest + inventory, e.g. HOST.hdscan.tar; a .json "
                   "name writes the version-1 inventory alone); resumed if it exists.")
@click.option("--duration", default="0s", show_default=True, callback=_duration(0),
              help="How long to sample (30s, 5m, 2h, 7d); 0s takes one sample (one-shot).")
@click.option("--interval", default="5s", show_default=True, callback=_duration(1),
              help="Time between two reads of the socket table (at least 1s).")
@click.option("--flush", default="60s", show_default=True, callback=_duration(1),
              help="Time between two atomic writes of the file (what kill -9 can lose).")
@click.option("--conntrack", "use_conntrack", is_flag=True,
              help="Also read the kernel's connection tracking each sample (root; Linux with "
                   "a stateful firewall) to catch connections opened and closed between samples.")
@click.option("--sign-key", "sign_key", type=click.Path(dir_okay=False, path_type=Path),
              help="Key file (32+ bytes) to sign the bundle with (manifest.sig); imports "
                   "check it when HDSCAN_BUNDLE_KEY_FILE names the same key.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def agent_cmd(out: Path, duration: int, interval: int, flush: int, use_conntrack: bool,
              sign_key: Path | None, quiet: bool) -> None:
    """Inventory this host and sample its connections into OUT (see docs/agent.md).

    Example: hdscan agent --duration 7d --interval 5s --flush 60s -o /var/tmp/$(hostname).hdscan.tar
    """
    from .collect.agent.loop import run

    if flush < interval:
        raise click.BadParameter("must be at least --interval", param_hint="--flush")
    if sign_key is not None and out.suffix.lower() == ".json":
        raise click.BadParameter("a .json (version-1) output cannot be signed; name a .tar "
                                 "bundle", param_hint="--sign-key")
    try:
        from .collect.agent.bundle import load_key

        key = load_key(sign_key) if sign_key is not None else None
        result = run(out, duration, interval, flush, progress=_progress(quiet),
                     use_conntrack=use_conntrack, sign_key=key)
    except ScannerError as exc:
        _fail(exc)
    for line in result.limitations:
        click.echo(f"hdscan: limitation: {line}", err=True)
    click.echo(f"{result.samples} samples, {result.connections} dependencies, "
               f"{result.listening} listening sockets → {result.path}"
               + (" (resumed)" if result.resumed else ""))


@main.command("capture")
@click.option("--iface", required=True, help="Interface to capture on (a SPAN/mirror port).")
@click.option("--bpf", default=None, metavar="EXPR", help="BPF filter, e.g. 'tcp or udp'.")
@click.option("--duration", default="10m", show_default=True, callback=_duration(1),
              help="How long to capture (30s, 10m, 2h, 7d).")
@click.option("--rotate", default=None, callback=lambda c, p, v: None if v is None
              else _duration(1)(c, p, v), help="Write a segment file every so long (1m).")
@click.option("--rotate-packets", type=click.IntRange(min=1), default=None, metavar="N",
              help="Write a segment file every N packets.")
@click.option("--max-conversations", type=click.IntRange(min=1), default=200_000,
              show_default=True, help="Conversations tracked per segment; packets of more "
                                      "are dropped and counted (memory bound).")
@click.option("--count", "max_packets", type=click.IntRange(min=1), default=None, metavar="N",
              help="Stop after N packets.")
@click.option("-o", "--out", "out", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the segment files (hdscan import reads them).")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def capture_cmd(iface: str, bpf, duration: int, rotate, rotate_packets, max_conversations: int,
                max_packets, out: Path, quiet: bool) -> None:
    """Capture live traffic into flow, protocol and DNS records (never packets) under OUT.

    One segment file per rotation, written atomically: an interrupted capture keeps
    every completed segment. See docs/collectors-capture.md.

    Example: hdscan capture --iface eth1 --bpf 'tcp or udp' --duration 1h --rotate 5m -o caps/
    """
    from .collect.capture.live import capture

    try:
        result = capture(iface, out, duration, rotate, rotate_packets, bpf, max_conversations,
                         max_packets, _progress(quiet))
    except ScannerError as exc:
        _fail(exc)
    if result.dropped_packets:
        click.echo(f"hdscan: warning: {result.dropped_packets} packets of conversations over "
                   f"--max-conversations were not counted", err=True)
    if result.kernel_drops:
        click.echo(f"hdscan: warning: the kernel dropped {result.kernel_drops} packets",
                   err=True)
    click.echo(f"{result.packets} packets, {result.observations} observations in "
               f"{len(result.segments)} segment(s) → {out}"
               + (" (interrupted)" if result.interrupted else ""))


@main.command("introspect")
@click.argument("urls", nargs=-1, required=True)
@OUT_OPTION
@click.option("--password-env", "password_env", metavar="VAR",
              help="Environment variable holding the password (never stored or printed). "
                   "Without it: PGPASSWORD / ~/.pgpass for PostgreSQL, MYSQL_PWD for MariaDB.")
@click.option("--as-host", "as_host", metavar="NAME",
              help="Name of the server as the estate knows it (e.g. when connecting "
                   "through 127.0.0.1 or a tunnel). One URL only.")
@click.option("--sample", "sample", type=click.IntRange(1, 10_000), metavar="N",
              help="Opt-in: read at most N rows of each table (columns chosen by name and by "
                   "type: text, wide integers) and keep only validator counts (NIR, INS, RPPS, "
                   "FINESS, CIM-10, CCAM, e-mail, phone), never a value. Needs SELECT on the tables.")
@click.option("--sample-columns", "sample_columns", type=click.IntRange(1, 500), default=50,
              show_default=True, metavar="C", help="With --sample: at most C columns per table.")
@click.option("--sample-tables", "sample_tables", type=click.IntRange(1, 1_000_000),
              default=1000, show_default=True, metavar="T",
              help="With --sample: at most T tables per URL.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def introspect_cmd(urls, out: Path, password_env: str | None, as_host: str | None,
                   sample: int | None, sample_columns: int, sample_tables: int,
                   quiet: bool) -> None:
    """Read live PostgreSQL / MariaDB catalogues (metadata only) into OUT/store.sqlite.

    URL: postgresql://user@host:port/[db] or mysql://user@host:port/[db]; with no
    database every one is read. See docs/collectors-live.md.
    """
    import os

    password = None
    if password_env:
        if password_env not in os.environ:
            raise click.BadParameter(f"environment variable {password_env} is not set",
                                     param_hint="--password-env")
        password = os.environ[password_env]
    if as_host and len(urls) > 1:
        raise click.BadParameter("names one server: give a single URL", param_hint="--as-host")
    try:
        from .collect.live.sampling import Limits

        limits = Limits(sample, sample_columns, sample_tables) if sample else None
        warnings = pipeline.import_live(list(urls), out, password, as_host, _progress(quiet),
                                        sample=limits)
    except ScannerError as exc:
        _fail(exc)
    for warning in warnings:
        click.echo(f"hdscan: warning: {warning}", err=True)


@main.group("db")
def db_group() -> None:
    """Live databases: `hdscan db scan URL…` is `hdscan introspect URL…` (docs/collectors-live.md)."""


db_group.add_command(introspect_cmd, name="scan")


@main.group("rules")
def rules_group() -> None:
    """Rule packs: lint them, run their own test cases, refresh the cloud range snapshot."""


@rules_group.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def rules_lint(paths) -> None:
    """Report every fault of the shipped pack and the site packs in PATHS, one per line:
    path:line:col: [severity] ID message (docs/rules.md). Exit 1 on any error."""
    from .classify.lint import has_errors, lint, lint_paths

    try:
        issues = lint(lint_paths([Path(p) for p in paths]))
    except RuleError as exc:
        _fail(exc)
    for line in issues:
        click.echo(line)
    if has_errors(issues):
        sys.exit(1)
    click.echo("no errors" if issues else "no issues")


@rules_group.command("refresh-ranges")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="List file to write (default: the shipped pack's "
                   "lists/hyperscaler_ranges.yml; a site pack's lists/ folder also works).")
@click.option("--date", "date", metavar="YYYY-MM-DD",
              help="Date the files were downloaded (default: today, UTC).")
@click.option("--note", "note", help="A sentence kept in the snapshot (e.g. where the files came from).")
def rules_refresh_ranges(files, output, date, note) -> None:
    """Rebuild the hyperscaler range snapshot from FILES the user downloaded elsewhere
    (AWS ip-ranges.json, Azure ServiceTags_Public_*.json, Google cloud.json, Oracle
    public_ip_ranges.json, or the cloudip-db cloudip.msgpack.gz merging them). Writes the
    list file and its .prefixes.txt beside it. Never goes to the network."""
    from .classify.loader import default_pack_path
    from .classify.ranges import refresh

    try:
        target = output or default_pack_path() / "lists" / "hyperscaler_ranges.yml"
        got = refresh(list(files), target, date, note)
    except ScannerError as exc:
        _fail(exc)
    click.echo(f"{got['prefixes']} prefixes from {', '.join(got['providers'])} → {got['output']}")
    if got["missing"]:
        click.echo(f"hdscan: warning: no file for {', '.join(got['missing'])}: the snapshot "
                   "no longer holds their ranges", err=True)
    if got.get("left_out"):
        click.echo("hdscan: note: left out (not US hyperscalers): " + ", ".join(
            f"{k} ({v} ranges)" for k, v in sorted(got["left_out"].items())), err=True)


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def rules_test(paths) -> None:
    """Run every rule's own test cases in PATHS (default: the shipped pack)."""
    from .classify.loader import default_pack_path, load_packs
    from .classify.selftest import run_tests

    try:
        packs = load_packs([default_pack_path()] + [Path(p) for p in paths], selftest=False)
        failures = run_tests(packs)
    except RuleError as exc:
        _fail(exc)
    for f in failures:
        click.echo(str(f))
    if failures:
        sys.exit(1)
    click.echo("all rule tests pass")
