"""Owns the plan configuration (``hdscan-plan/1`` YAML): its defaults and its validation.

``load_plan_config(path)`` reads a file, ``parse_plan_config(text, source)`` a string;
both return a frozen ``PlanConfig``.  The YAML is composed into nodes so that every
fault (unknown key, wrong type, bad value) is one line naming the file and the line:
``plan.yml: line 7: wave_capacity.servers: expected a positive integer, got 'ten'``.
``PlanConfig()`` is the configuration used when no file is given.  See
docs/plan-config.example.yml for a documented example.  Windows may be names or
structured calendars (``scanner.plan.windows``); ``transfer`` describes the link the data
travels over (``scanner.plan.transfer``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InputError, SourceLocation
from ..model import ids
from .windows import Window, from_text, parse_window

SCHEMA = "hdscan-plan/1"
STRATEGIES = ("replicate-first", "move-first")
HOSTING = ("any", "hds", "secnumcloud")
DATA_CLASSES = ("none", "personal", "health")
TIER_KEYS = ("1", "2", "3", "4", "unknown")
DEFAULT_WINDOWS = {"1": "weekend-night", "2": "weeknight", "3": "business-hours",
                   "4": "business-hours", "unknown": "weeknight"}
DEFAULT_TARGET = {"health": "hds", "personal": "any", "none": "any"}


@dataclass(frozen=True)
class Pin:
    """Hosts the configuration forces into one move group."""
    hosts: tuple[str, ...]
    reason: str
    line: int | None = None


@dataclass(frozen=True)
class Ordering:
    """``before`` must move in an earlier wave than ``after``: hosts in ``orderings``, sites
    in ``sites.orderings`` (every group of one site before every group of the other)."""
    before: str
    after: str
    reason: str
    line: int | None = None


@dataclass(frozen=True)
class PlanConfig:
    """Everything the planner may be told; the defaults are the documented ones."""
    source: str = "(defaults)"
    wave_servers: int = 10
    wave_data_bytes: int | None = None
    windows: dict = field(default_factory=lambda: dict(DEFAULT_WINDOWS))
    max_tier1_groups_per_wave: int = 1
    pilot_enabled: bool = True
    pilot_max_servers: int = 5
    shared_infrastructure: str = "replicate-first"
    pins: tuple[Pin, ...] = ()
    exclusions: tuple[str, ...] = ()
    exclusion_lines: dict = field(default_factory=dict)
    orderings: tuple[Ordering, ...] = ()
    target_hosting: dict = field(default_factory=lambda: dict(DEFAULT_TARGET))
    window_specs: dict = field(default_factory=dict)
    bandwidth_mbps: float = 1000.0
    efficiency: float = 0.7
    window_share: float = 0.5
    sites: object = None          # scanner.plan.sites.SitesConfig, or None (no site constraints)

    def window(self, tier: int | None) -> str:
        return self.windows[str(tier) if tier in (1, 2, 3, 4) else "unknown"]

    def window_spec(self, tier: int | None) -> Window:
        """The structured window of a tier (a preset or a label of unknown length)."""
        key = str(tier) if tier in (1, 2, 3, 4) else "unknown"
        return self.window_specs.get(key) or from_text(self.windows[key])

    def where(self, line: int | None) -> SourceLocation:
        return SourceLocation(self.source, f"line {line}" if line else None)


def _line(node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Typed accessors over composed YAML nodes; each raises a located InputError."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, node, message: str):
        raise InputError(message, SourceLocation(self.source, f"line {_line(node)}"))

    def mapping(self, node, path: str, allowed: tuple[str, ...]) -> dict:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{path or 'the configuration'}: expected a mapping")
        out: dict = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            if key not in allowed:
                self.fail(k, f"{path + '.' if path else ''}{key}: unknown key "
                             f"(allowed: {', '.join(allowed)})")
            if key in out:
                self.fail(k, f"{path + '.' if path else ''}{key}: duplicate key")
            out[key] = (k, v)
        return out

    def scalar(self, node, path: str):
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{path}: expected a single value")
        return yaml.safe_load(yaml.serialize(node))

    def text(self, node, path: str) -> str:
        value = self.scalar(node, path)
        if not isinstance(value, str) or not value.strip():
            self.fail(node, f"{path}: expected text, got {value!r}")
        return value.strip()

    def positive_int(self, node, path: str, allow_null: bool = False) -> int | None:
        value = self.scalar(node, path)
        if value is None and allow_null:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(node, f"{path}: expected a positive integer, got {value!r}")
        return value

    def number(self, node, path: str, low: float, high: float | None) -> float:
        """A number in (low, high] (no upper bound when ``high`` is None)."""
        value = self.scalar(node, path)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= low \
                or (high is not None and value > high):
            bound = f"({low:g}, {high:g}]" if high is not None else f"greater than {low:g}"
            self.fail(node, f"{path}: expected a number {bound}, got {value!r}")
        return float(value)

    def boolean(self, node, path: str) -> bool:
        value = self.scalar(node, path)
        if not isinstance(value, bool):
            self.fail(node, f"{path}: expected true or false, got {value!r}")
        return value

    def choice(self, node, path: str, choices: tuple[str, ...]) -> str:
        value = self.scalar(node, path)
        if value not in choices:
            self.fail(node, f"{path}: expected one of {', '.join(choices)}, got {value!r}")
        return value

    def sequence(self, node, path: str) -> list:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{path}: expected a list")
        return list(node.value)

    def host(self, node, path: str) -> str:
        name = self.text(node, path)
        name = name[len("host:"):] if name.lower().startswith("host:") else name
        try:
            return ids.host_id(name)
        except ValueError:
            self.fail(node, f"{path}: not a usable host name: {name!r}")

    def orderings(self, node, path: str, read_end, noun: str) -> tuple[Ordering, ...]:
        """A list of ``{before, after, reason}``; ``read_end(node, path)`` reads each end
        (a host, a site) and ``noun`` names what they are."""
        out = []
        for i, item in enumerate(self.sequence(node, path)):
            at = f"{path}[{i}]"
            m = self.mapping(item, at, ("before", "after", "reason"))
            if not {"before", "after", "reason"} <= set(m):
                self.fail(item, f"{at}: needs before, after and reason")
            before = read_end(m["before"][1], f"{at}.before")
            after = read_end(m["after"][1], f"{at}.after")
            if before == after:
                self.fail(item, f"{at}: before and after are the same {noun}")
            out.append(Ordering(before, after, self.text(m["reason"][1], f"{at}.reason"),
                                _line(item)))
        return tuple(out)


def parse_plan_config(text: str, source: str = "plan.yml") -> PlanConfig:
    """Validate a plan configuration; raises ``InputError`` naming the line of any fault."""
    r = _Reader(source)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML ({getattr(exc, 'problem', None) or exc})",
                         SourceLocation(source, f"line {mark.line + 1}" if mark else None)) from None
    if root is None:
        raise InputError("empty plan configuration", SourceLocation(source, "line 1"))
    top = r.mapping(root, "", ("schema", "wave_capacity", "windows", "max_tier1_groups_per_wave",
                               "pilot", "shared_infrastructure", "pins", "exclusions",
                               "orderings", "target_hosting", "transfer", "sites"))
    if "schema" not in top:
        r.fail(root, f"schema: missing (expected {SCHEMA})")
    schema = r.scalar(top["schema"][1], "schema")
    if schema != SCHEMA:
        r.fail(top["schema"][1], f"schema: expected {SCHEMA}, got {schema!r}")
    kw: dict = {"source": source}
    from_window = None
    if "wave_capacity" in top:
        cap = r.mapping(top["wave_capacity"][1], "wave_capacity", ("servers", "data_bytes"))
        if "servers" in cap:
            kw["wave_servers"] = r.positive_int(cap["servers"][1], "wave_capacity.servers")
        if "data_bytes" in cap:
            node = cap["data_bytes"][1]
            if isinstance(node, yaml.ScalarNode) and node.value == "from-window":
                from_window = node        # computed once windows and transfer are read
            else:
                kw["wave_data_bytes"] = r.positive_int(node, "wave_capacity.data_bytes",
                                                       allow_null=True)
    if "windows" in top:
        windows, specs = dict(DEFAULT_WINDOWS), {}
        for key, (k, v) in r.mapping(top["windows"][1], "windows", TIER_KEYS).items():
            specs[key] = parse_window(r, v, f"windows.{key}")
            windows[key] = specs[key].label
        kw["windows"] = windows
        kw["window_specs"] = specs
    if "transfer" in top:
        t = r.mapping(top["transfer"][1], "transfer",
                      ("bandwidth_mbps", "efficiency", "window_share"))
        if "bandwidth_mbps" in t:
            kw["bandwidth_mbps"] = r.number(t["bandwidth_mbps"][1], "transfer.bandwidth_mbps",
                                            0, None)
        for key in ("efficiency", "window_share"):
            if key in t:
                kw[key] = r.number(t[key][1], f"transfer.{key}", 0, 1)
    if "max_tier1_groups_per_wave" in top:
        kw["max_tier1_groups_per_wave"] = r.positive_int(top["max_tier1_groups_per_wave"][1],
                                                         "max_tier1_groups_per_wave")
    if "pilot" in top:
        pilot = r.mapping(top["pilot"][1], "pilot", ("enabled", "max_servers"))
        if "enabled" in pilot:
            kw["pilot_enabled"] = r.boolean(pilot["enabled"][1], "pilot.enabled")
        if "max_servers" in pilot:
            kw["pilot_max_servers"] = r.positive_int(pilot["max_servers"][1], "pilot.max_servers")
    if "shared_infrastructure" in top:
        kw["shared_infrastructure"] = r.choice(top["shared_infrastructure"][1],
                                               "shared_infrastructure", STRATEGIES)
    if "pins" in top:
        pins = []
        for i, item in enumerate(r.sequence(top["pins"][1], "pins")):
            path = f"pins[{i}]"
            m = r.mapping(item, path, ("hosts", "reason"))
            if "hosts" not in m or "reason" not in m:
                r.fail(item, f"{path}: needs hosts and reason")
            hosts = [r.host(h, f"{path}.hosts[{j}]")
                     for j, h in enumerate(r.sequence(m["hosts"][1], f"{path}.hosts"))]
            if len(set(hosts)) < 2:
                r.fail(m["hosts"][1], f"{path}.hosts: a pin needs at least two different hosts")
            pins.append(Pin(tuple(sorted(set(hosts))), r.text(m["reason"][1], f"{path}.reason"),
                            _line(item)))
        kw["pins"] = tuple(pins)
    if "exclusions" in top:
        excl, lines = [], {}
        for i, item in enumerate(r.sequence(top["exclusions"][1], "exclusions")):
            h = r.host(item, f"exclusions[{i}]")
            excl.append(h)
            lines.setdefault(h, _line(item))
        kw["exclusions"] = tuple(sorted(set(excl)))
        kw["exclusion_lines"] = lines
    if "orderings" in top:
        kw["orderings"] = r.orderings(top["orderings"][1], "orderings", r.host, "host")
    if "target_hosting" in top:
        target = dict(DEFAULT_TARGET)
        for key, (k, v) in r.mapping(top["target_hosting"][1], "target_hosting",
                                     DATA_CLASSES).items():
            target[key] = r.choice(v, f"target_hosting.{key}", HOSTING)
        kw["target_hosting"] = target
    if "sites" in top:
        from .sites import parse_sites
        kw["sites"] = parse_sites(r, top["sites"][1])
    if from_window is not None:
        # what the link moves in the shortest window of known length (the strictest tier)
        probe = PlanConfig(**kw)
        hours = [probe.window_spec(t).hours for t in (1, 2, 3, 4, None)]
        hours = [h for h in hours if h]
        if not hours:
            r.fail(from_window, "wave_capacity.data_bytes: from-window needs at least one window "
                                "with a known length (hours)")
        kw["wave_data_bytes"] = int(probe.bandwidth_mbps * 1e6 / 8 * probe.efficiency
                                    * probe.window_share * min(hours) * 3600)
    return PlanConfig(**kw)


def read_text(path: Path, what: str, encoding: str = "utf-8") -> str:
    """The text of ``path``; a missing file ("no such ``what``") or one that is not UTF-8
    is an ``InputError`` naming it."""
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"no such {what}", SourceLocation(str(path))) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})",
                         SourceLocation(str(path))) from None


def load_plan_config(path) -> PlanConfig:
    """Read and validate a plan configuration file (see ``parse_plan_config``)."""
    p = Path(path)
    return parse_plan_config(read_text(p, "plan configuration"), str(p))
