"""Generates a sample estate folder (``python3 -m sample_estates.generate --out DIR``).

Owns the command line and the order of the writers: the model (``gen.estate``), then one
writer per input format (capture, agents, SQL dumps, configs, nmap) and the descriptive
files (estate.yml, truth.yml, canaries.txt, README.md). Output depends only on the
arguments: the same arguments give byte-identical trees.

Without ``--out`` it regenerates ``sample_estates/ch-saint-aurelien/``. ``--servers N``
pads every site with generic application servers and their databases up to N servers in
total; ``--sites S`` repeats the hospital on S sites (one capture per site).

Options for scale and incremental runs (issue #9; the defaults write neither):

``--flow-records N``  N connection records in all, as one Zeek TSV log per site in
                      ``inputs/flows/conn-<site>.log`` (records spread evenly over sites;
                      each record is one connection of a model flow; sites after the first
                      also reach the first site's namesake servers: inter-site flows).
``--days D``          D days of agent bundles: day 1 is ``inputs/agents/`` (the week the
                      capture covers), day k >= 2 is ``inputs/agents-day<k>/`` (one more day,
                      same hosts and flows, new times). Re-generating the same folder with a
                      larger D leaves every earlier file byte-identical, so an import only
                      finds the new day's bundles new.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .gen.agents import write_agents
from .gen.capture import write_capture
from .gen.configs import write_configs
from .gen.databases import write_dumps
from .gen.documents import write_documents
from .gen.estate import BASE_SERVERS, build_estate
from .gen.flowlogs import write_conn_log
from .gen.nmapxml import write_nmap
from .gen.readme import readme

DEFAULT_OUT = Path(__file__).resolve().parent / "ch-saint-aurelien"
DEFAULT_SEED = 2026
GENERATED = ("estate.yml", "truth.yml", "canaries.txt", "README.md")


class GenerateError(Exception):
    """A request the generator cannot honour (one line for the user)."""


def _prepare(out: Path) -> None:
    """Make ``out`` ready: create it, or clear what a previous generation wrote there."""
    if out.exists():
        if not out.is_dir():
            raise GenerateError(f"{out}: exists and is not a folder")
        entries = {p.name for p in out.iterdir()}
        if entries and "estate.yml" not in entries:
            raise GenerateError(f"{out}: not empty and not a generated estate (no estate.yml); refusing to write there")
        if (out / "inputs").exists():
            shutil.rmtree(out / "inputs")
        for name in GENERATED:
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def generate(out: Path, servers: int | None = None, sites: int = 1, seed: int = DEFAULT_SEED,
             flow_records: int = 0, days: int = 1) -> dict:
    """Write the estate into ``out``; returns counts (servers, agents, frames, dumps, configs,
    flow_records).

    Raises
    ------
    GenerateError
        ``sites`` < 1, ``servers`` below the base hospital's size, or ``out`` is a folder
        that a previous generation did not write; ``flow_records`` < 0 or ``days`` < 1.
    """
    if flow_records < 0:
        raise GenerateError(f"--flow-records {flow_records}: cannot be negative")
    if days < 1:
        raise GenerateError(f"--days {days}: at least one day is needed")
    if sites < 1:
        raise GenerateError(f"--sites {sites}: at least one site is needed")
    if servers is not None and servers < BASE_SERVERS * sites:
        raise GenerateError(f"--servers {servers}: the base hospital has {BASE_SERVERS} servers per site, "
                            f"so {sites} site(s) need at least {BASE_SERVERS * sites}")
    model = build_estate(servers, sites, seed)
    _prepare(out)
    inputs = out / "inputs"
    counts = {"servers": sum(1 for s in model for h in s.hosts if h.device_class == "server"),
              "agents": 0, "frames": 0, "dumps": 0, "configs": 0, "flow_records": 0}
    (inputs / "captures").mkdir(parents=True)
    for site in model:
        name = "core-switch.pcap" if sites == 1 else f"core-switch-{site.id}.pcap"
        counts["frames"] += write_capture(site, inputs / "captures" / name, seed)
        counts["agents"] += write_agents(site, inputs / "agents", seed)
        counts["dumps"] += len(write_dumps(site, inputs / "sql", seed))
        counts["configs"] += len(write_configs(site, inputs / "configs"))
        for day in range(2, days + 1):
            counts["agents"] += write_agents(site, inputs / f"agents-day{day}", seed, day)
    for k, site in enumerate(model):
        share = flow_records // len(model) + (1 if k < flow_records % len(model) else 0)
        if share:
            counts["flow_records"] += write_conn_log(site, model[0], inputs / "flows" / f"conn-{site.id}.log",
                                                     share, seed)
    write_nmap(model, inputs / "nmap" / "servers.xml")
    write_documents(model, out)
    (out / "README.md").write_text(readme(model, seed), encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m sample_estates.generate",
                                     description="Generate the sample hospital estate (deterministic).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"estate folder (default: {DEFAULT_OUT})")
    parser.add_argument("--servers", type=int, default=None,
                        help=f"total servers across all sites (default: {BASE_SERVERS} per site)")
    parser.add_argument("--sites", type=int, default=1, help="number of hospital sites (default: 1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    parser.add_argument("--flow-records", type=int, default=0,
                        help="connection records in Zeek conn logs, one log per site (default: 0, none)")
    parser.add_argument("--days", type=int, default=1,
                        help="days of agent bundles: day k >= 2 goes to inputs/agents-day<k>/ (default: 1)")
    args = parser.parse_args(argv)
    try:
        counts = generate(args.out, args.servers, args.sites, args.seed, args.flow_records, args.days)
    except GenerateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {counts['servers']} servers on {args.sites} site(s), {counts['agents']} agent inventories, "
          f"{counts['frames']} captured frames, {counts['dumps']} SQL dumps, {counts['configs']} config files"
          + (f", {counts['flow_records']} flow records" if counts["flow_records"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
