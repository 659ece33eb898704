"""Owns loading rule packs: pack.yml manifests and one YAML file per rule.

Every fault found in every loaded pack is collected (``path:line:col: message``)
before one ``RuleError`` is raised, so a consultant fixes a pack in one pass.  Checks:
schema version, required and known keys, the closed field vocabulary (with a
did-you-mean), the closed modifier set, dimension values declared in pack.yml,
conditions that name defined selections, ``because:`` citing only vocabulary fields,
``requires:`` between packs, duplicate rule ids (a later pack may replace a rule only
with ``overrides: true``) and cycles between rules that read tags others set.  Each
fault belongs to a validator of ``validators.py`` (id, severity), and ``load_packs``
also runs every rule's own test cases: a pack with a failing case does not load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from ..errors import RuleError, SourceLocation
from . import fields as F
from .conditions import GRAPH_MODIFIERS, MODIFIERS, ConditionSyntaxError, parse_condition, referenced
from .rules import Dimension, Loc, Matcher, Pack, Packs, Propagation, Rule, RuleTest, Selection
from .validators import validator_for
from .views import flatten_given
from .yamlio import MDict, MList, YamlFault, load_marked

SCHEMA = "hdscan-rules/1"
LIST_SCHEMA = "hdscan-list/1"
APPLIES_TO = ("host", "service", "database", "endpoint", "application", "flow")
PROP_ORIGINS = ("host", "service", "database", "endpoint", "flow")
PROP_TARGETS = ("host", "service", "database", "endpoint")
STATUSES = ("experimental", "test", "stable", "deprecated")
CONFIDENCES = ("low", "medium", "high")
EXPECTS = ("match", "no_match", "todo_match", "todo_no_match")
RULE_REQUIRED = ("id", "version", "title", "status", "applies_to", "match", "set",
                 "confidence", "because")
RULE_OPTIONAL = ("description", "author", "date", "modified", "references", "related",
                 "false_positives", "condition", "boost_if", "frameworks", "overrides", "tests")
PACK_REQUIRED = ("schema", "pack", "version", "dimensions")
PACK_OPTIONAL = ("description", "requires", "frameworks", "lists", "lists_from", "settings",
                 "propagation", "lint")
PROP_KEYS = ("id", "dimension", "values", "flow", "db_link", "protocols", "transitive",
             "targets", "origins", "target_roles", "confidence", "because", "finding")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Fault:
    """One problem in a pack: where, what, and which validator (``validators.py``) found it."""

    loc: Loc
    message: str
    validator: str = "load"     # a validator name, or "load": then found by the wording

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}"

    @property
    def check(self):
        """The :class:`validators.Validator` of this fault."""
        return validator_for(self.message, self.validator)

    @property
    def severity(self) -> str:
        return self.check.severity

    def lint_line(self) -> str:
        """``path:line:col: [severity] ID message``."""
        v = self.check
        return f"{self.loc}: [{v.severity}] {v.id} {self.message}"


class _Faults(list):
    def add(self, path, mark, message, validator="load"):
        line, col = mark if mark else (1, 1)
        self.append(Fault(Loc(str(path), line, col), message, validator))


def _did_you_mean(name, candidates) -> str:
    import difflib
    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _version_tuple(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in str(text).split("."))


def default_pack_path() -> Path:
    """The shipped ``rules/core`` pack: installed package data first, else the checkout's.

    Raises
    ------
    RuleError
        Neither location holds a ``pack.yml``.
    """
    import scanner
    pkg = Path(scanner.__file__).resolve().parent
    for candidate in (pkg / "_data" / "rules" / "core", pkg.parent / "rules" / "core"):
        if (candidate / "pack.yml").is_file():
            return candidate
    raise RuleError("the default rule pack is missing (no rules/core/pack.yml)",
                    SourceLocation(str(pkg / "_data" / "rules" / "core")))


# -- the pack manifest ----------------------------------------------------------------------

def _check_keys(data: MDict, path, required, optional, what, faults) -> None:
    for key in required:
        if key not in data:
            faults.add(path, data.mark, f"{what} lacks required key '{key}'")
    for key in data:
        if key not in required and key not in optional:
            faults.add(path, data.where(key), f"unknown key '{key}' in {what}"
                       + _did_you_mean(key, list(required) + list(optional)))


def _read_yaml(path: Path, faults) -> object:
    try:
        return load_marked(path)
    except YamlFault as exc:
        faults.add(path, exc.mark, exc.message)
    except OSError as exc:
        faults.add(path, (1, 1), f"cannot read: {exc.strerror or exc}")
    except UnicodeDecodeError:
        faults.add(path, (1, 1), "not UTF-8 text")
    return None


def _check_schema(data: MDict, path, expected, faults) -> bool:
    got = data.get("schema")
    if got != expected:
        faults.add(path, data.where("schema"),
                   f"unsupported schema '{got}'; this hdscan reads '{expected}'"
                   if got is not None else f"missing 'schema: {expected}'")
        return False
    return True


def _dimensions(data, path, faults, inherited: dict) -> dict:
    dims = dict(inherited)
    raw = data.get("dimensions") or MDict()
    if not isinstance(raw, dict):
        faults.add(path, data.where("dimensions"), "dimensions must be a mapping")
        return dims
    for name in raw:
        spec = raw[name]
        if not isinstance(spec, dict) or not isinstance(spec.get("values"), list):
            faults.add(path, raw.where(name), f"dimension '{name}' needs a 'values' list")
            continue
        resolve = spec.get("resolve", "max")
        if resolve not in ("max", "union"):
            faults.add(path, spec.where("resolve"),
                       f"dimension '{name}': resolve must be 'max' or 'union', not '{resolve}'")
        values = tuple(spec["values"])
        if name in dims:     # a site pack extends a dimension
            values = dims[name].values + tuple(v for v in values if v not in dims[name].values)
            resolve = dims[name].resolve
        dims[name] = Dimension(name, values, resolve, spec.get("default",
                               [] if resolve == "union" else None))
    return dims


def _lists(data, path, faults, inherited: dict) -> dict:
    lists = dict(inherited)
    raw = data.get("lists") or {}
    for name in raw:
        if not isinstance(raw[name], list):
            faults.add(path, raw.where(name), f"list '{name}' must be a sequence")
            continue
        lists[name] = tuple(raw[name])
    for i, rel in enumerate(data.get("lists_from") or []):
        lpath = Path(path).parent / str(rel)
        ldata = _read_yaml(lpath, faults)
        if ldata is None:
            continue
        if not isinstance(ldata, dict):
            faults.add(lpath, (1, 1), "a list file must be a mapping")
            continue
        if not _check_schema(ldata, lpath, LIST_SCHEMA, faults):
            continue
        for key in ("source", "retrieved"):
            if key not in ldata:
                faults.add(lpath, ldata.mark, f"list file lacks '{key}' (snapshots must be dated and sourced)")
        for name, values in (ldata.get("lists") or {}).items():
            lists[name] = tuple(values or ())
        lists.update(_list_files(ldata, lpath, faults))
    return lists


def _list_files(ldata, lpath, faults) -> dict:
    """Lists a list file keeps in text files beside it (``list_files: {name: {file, sha256}}``,
    one ``prefix provider`` a line: the hyperscaler snapshot, see ranges.py)."""
    from ..errors import InputError
    from .ranges import read_prefix_file

    out = {}
    raw = ldata.get("list_files") or {}
    if not isinstance(raw, dict):
        faults.add(lpath, ldata.where("list_files"), "list_files must be a mapping")
        return out
    for name, spec in raw.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("file"), str) \
                or "/" in spec["file"] or "\\" in spec["file"]:
            faults.add(lpath, raw.where(name), f"list_files.{name} needs 'file': a file name "
                       "beside the list file")
            continue
        try:
            entries = read_prefix_file(Path(lpath).parent / spec["file"], spec.get("sha256"))
        except InputError as exc:
            m = re.match(r"line (\d+)", exc.location.place or "")
            faults.add(exc.location.path, (int(m[1]), 1) if m else (1, 1), exc.message)
            continue
        out[str(name)] = tuple(p for p, _ in entries)
    return out


def _propagation(data, path, faults, dims) -> tuple:
    out = []
    for i, item in enumerate(data.get("propagation") or []):
        where = data["propagation"].where(i)
        if not isinstance(item, dict):
            faults.add(path, where, "a propagation entry must be a mapping")
            continue
        for key in item:
            if key not in PROP_KEYS:
                faults.add(path, item.where(key), f"unknown key '{key}' in propagation"
                           + _did_you_mean(key, PROP_KEYS))
        dim = item.get("dimension")
        if dim not in dims:
            faults.add(path, item.where("dimension"), f"propagation names undeclared dimension '{dim}'")
            continue
        values = tuple(item.get("values") or ())
        for v in values:
            if str(v) not in {str(x) for x in dims[dim].values}:
                faults.add(path, item.where("values"), f"unknown value '{v}' for dimension '{dim}'")
        if "role" in dims:
            for r in item.get("target_roles") or ():
                if str(r) not in {str(x) for x in dims["role"].values}:
                    faults.add(path, item.where("target_roles"), f"unknown role '{r}' in target_roles")
        for key, allowed in (("origins", PROP_ORIGINS), ("targets", PROP_TARGETS)):
            for k in item.get(key) or ():
                if k not in allowed:
                    faults.add(path, item.where(key), f"{key} must be among {', '.join(allowed)}, "
                               f"not '{k}'" + _did_you_mean(k, allowed))
        flow, link = item.get("flow"), item.get("db_link")
        if flow not in (None, "to_server", "to_client"):
            faults.add(path, item.where("flow"), f"flow must be to_server or to_client, not '{flow}'")
        if link not in (None, "to_reader", "to_linked"):
            faults.add(path, item.where("db_link"), f"db_link must be to_reader or to_linked, not '{link}'")
        out.append(Propagation(
            id=str(item.get("id", f"propagation-{i}")), dimension=dim, values=values,
            flow=flow, db_link=link, protocols=tuple(item.get("protocols") or ()),
            transitive=bool(item.get("transitive", True)),
            targets=tuple(item.get("targets") or ("host", "service", "database")),
            origins=tuple(item.get("origins") or ("host", "service", "database", "endpoint")),
            confidence=str(item.get("confidence", "medium")),
            because=str(item.get("because", "")), finding=item.get("finding"),
            loc=Loc(str(path), *where),
            target_roles=tuple(str(r) for r in item.get("target_roles") or ())))
    return tuple(out)


# -- rules -------------------------------------------------------------------------------

# The kind of the neighbours of a relation, when it is one kind: a nested selection
# over them is checked against that kind (R015).
_NEIGHBOUR_KIND = {"members": "host", "client": "host", "site": "host", "clients": "host",
                   "db_links": "database", "db_readers": "database", "host": "host",
                   "services": "service", "databases": "database"}


class _RuleParser:
    def __init__(self, path, faults, dims, lists):
        self.path, self.faults, self.dims, self.lists = path, faults, dims, lists
        self.tag_reads: set = set()

    def fault(self, mark, message):
        self.faults.add(self.path, mark, message)

    def selection(self, name, body, mark, applies_to=None) -> Selection:
        matchers = []
        if not isinstance(body, dict) or not body:
            self.fault(mark, f"selection '{name}' must be a non-empty mapping of field: value")
            return Selection(name, (), Loc(str(self.path), *mark))
        for key in body:
            m = self.matcher(name, key, body[key], body.where(key), body.where_value(key), applies_to)
            if m is not None:
                matchers.append(m)
        return Selection(name, tuple(matchers), Loc(str(self.path), *mark))

    def matcher(self, sel, key, value, mark, vmark, applies_to):
        parts = str(key).split("|")
        field, mods = parts[0], tuple(parts[1:])
        loc = Loc(str(self.path), *mark)
        if field.startswith(F.GRAPH_PREFIX):
            rel = field[len(F.GRAPH_PREFIX):]
            if rel not in F.RELATIONS:
                self.fault(mark, f"unknown graph relation '{field}'"
                           + _did_you_mean(field, [F.GRAPH_PREFIX + r for r in F.RELATIONS]))
                return None
            if applies_to and applies_to not in F.RELATION_KINDS[rel]:
                self.fault(mark, f"relation '{field}' has no value on {applies_to} rules "
                                 f"(it exists on: {', '.join(F.RELATION_KINDS[rel])})")
            for mod in mods:
                if mod not in GRAPH_MODIFIERS:
                    self.fault(mark, f"unknown modifier '{mod}' on '{field}'"
                               + _did_you_mean(mod, sorted(GRAPH_MODIFIERS)))
                    return None
            if "count" in mods:
                where = None
                bound = value
                if isinstance(value, dict):
                    bound = value.get("value")
                    if "where" in value:
                        where = self.selection(f"{sel}.{rel}", value["where"], value.where("where"),
                                               _NEIGHBOUR_KIND.get(rel))
                if not isinstance(bound, int) or isinstance(bound, bool):
                    self.fault(vmark, f"'{key}' needs an integer count")
                    return None
                return Matcher(field, mods, bound, loc, rel, where)
            if not isinstance(value, dict):
                self.fault(vmark, f"'{key}' needs a nested selection (a mapping)")
                return None
            return Matcher(field, mods, None, loc, rel,
                           self.selection(f"{sel}.{rel}", value, vmark, _NEIGHBOUR_KIND.get(rel)))
        if not F.is_field(field, self.dims):
            hint = F.suggest(field, self.dims)
            self.fault(mark, f"unknown field '{field}'" + (f"; did you mean '{hint}'?" if hint else ""))
            return None
        if applies_to and applies_to not in F.kinds_of(field):
            self.fault(mark, f"field '{field}' has no value on {applies_to} rules "
                             f"(it exists on: {', '.join(F.kinds_of(field))})")
        for mod in mods:
            if mod not in MODIFIERS:
                self.fault(mark, f"unknown modifier '{mod}'" + _did_you_mean(mod, sorted(MODIFIERS)))
                return None
        values = value if isinstance(value, list) else [value]
        if "in_list" in mods:
            for v in values:
                if str(v) not in self.lists:
                    self.fault(vmark, f"unknown list '{v}'" + _did_you_mean(v, sorted(self.lists)))
        elif "count" in mods or "gte" in mods or "lte" in mods:
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                self.fault(vmark, f"'{key}' needs a number")
        elif "cidr" in mods:
            import ipaddress
            for v in values:
                try:
                    ipaddress.ip_network(str(v), strict=False)
                except ValueError:
                    self.fault(vmark, f"'{v}' is not a network prefix")
        elif "re" in mods:
            for v in values:
                try:
                    re.compile(str(v))
                except re.error as exc:
                    self.fault(vmark, f"bad regular expression '{v}': {exc}")
        if field.startswith(F.TAG_PREFIX):
            dim = field[len(F.TAG_PREFIX):]
            plain = not (set(mods) - {"any", "all", "in_list"})
            if plain:
                wanted = values if "in_list" not in mods else \
                    [x for v in values for x in self.lists.get(str(v), ())]
                known = {str(x) for x in self.dims[dim].values}
                for v in wanted:
                    if str(v) not in known:
                        self.fault(vmark, f"unknown value '{v}' for dimension '{dim}'"
                                   + _did_you_mean(v, self.dims[dim].values))
                    self.tag_reads.add((dim, str(v)))
            else:
                self.tag_reads.add((dim, None))
        return Matcher(field, mods, value, loc)

    def walk_tag_reads(self, sel: Selection):
        for m in sel.matchers:
            if m.nested is not None:
                self.walk_tag_reads(m.nested)

    def rule(self, data: MDict, pack_ref: str) -> Rule | None:
        path = self.path
        if not isinstance(data, dict):
            self.fault((1, 1), "a rule file must be a mapping")
            return None
        _check_keys(data, path, RULE_REQUIRED, RULE_OPTIONAL, "rule", self.faults)
        rid = str(data.get("id", ""))
        if rid and not _ID.match(rid):
            self.fault(data.where_value("id"), f"rule id '{rid}' must be dotted lower-case (pack.dimension.name)")
        version = data.get("version")
        if "version" in data and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            self.fault(data.where_value("version"), "version must be a positive integer")
        for key, allowed in (("status", STATUSES), ("applies_to", APPLIES_TO),
                             ("confidence", CONFIDENCES)):
            if key in data and data[key] not in allowed:
                self.fault(data.where_value(key), f"{key} must be one of {', '.join(allowed)}, "
                           f"not '{data[key]}'" + _did_you_mean(data[key], allowed))
        applies_to = data.get("applies_to") if data.get("applies_to") in APPLIES_TO else None
        selections = {}
        match = data.get("match")
        if "match" in data and (not isinstance(match, dict) or not match):
            self.fault(data.where("match"), "match must be a mapping of named selections")
            match = MDict()
        for name in (match or {}):
            selections[str(name)] = self.selection(str(name), match[name], match.where(name), applies_to)
        cond_text = data.get("condition")
        if cond_text is None:
            if len(selections) == 1:
                cond_text = next(iter(selections))
            elif selections:
                self.fault(data.where("match"), "several selections need a 'condition'")
                cond_text = "all of them"
        condition = None
        if cond_text is not None:
            condition = self._condition(str(cond_text), data, "condition", selections)
        boost = None
        if data.get("boost_if") is not None:
            boost = self._condition(str(data["boost_if"]), data, "boost_if", selections)
        sets = {}
        raw_set = data.get("set")
        if "set" in data and (not isinstance(raw_set, dict) or not raw_set):
            self.fault(data.where("set"), "set must map dimensions to values")
            raw_set = MDict()
        for dim in (raw_set or {}):
            if dim not in self.dims:
                self.fault(raw_set.where(dim), f"unknown dimension '{dim}'" + _did_you_mean(dim, self.dims))
                continue
            value = raw_set[dim]
            if str(value) not in {str(x) for x in self.dims[dim].values}:
                self.fault(raw_set.where_value(dim), f"unknown value '{value}' for dimension "
                           f"'{dim}'" + _did_you_mean(value, self.dims[dim].values))
                continue
            sets[dim] = next(x for x in self.dims[dim].values if str(x) == str(value))
            if dim == "role" and applies_to == "application":
                self.fault(raw_set.where(dim), "an application rule cannot set 'role': the "
                           "role is what defines the application (app:<role>)")
        because = str(data.get("because", "")).strip()
        for ph in _PLACEHOLDER.findall(because):
            name = ph.split("|")[0].strip()
            mods = [m.strip() for m in ph.split("|")[1:]]
            ok = (F.is_field(name, self.dims) or
                  (name.startswith(F.GRAPH_PREFIX) and name[len(F.GRAPH_PREFIX):] in F.RELATIONS
                   and mods == ["count"])) and set(mods) <= {"count"}
            if not ok:
                self.fault(data.where_value("because"), f"because cites '{{{ph}}}', which is not a "
                           "field of the vocabulary" + _did_you_mean(name, list(F.FIELDS)))
        tests = self._tests(data)
        if any(f.loc.path == str(path) for f in self.faults) or condition is None:
            return None
        for sel in selections.values():
            self.walk_tag_reads(sel)
        meta = {k: data.get(k) for k in ("description", "author", "date", "modified", "false_positives")
                if k in data}
        return Rule(
            id=rid, version=version, title=str(data["title"]), status=data["status"],
            applies_to=data["applies_to"], selections=selections, condition=condition,
            condition_text=str(cond_text), set=sets, confidence=data["confidence"],
            because=because, boost_if=boost,
            references=tuple(str(r) for r in (data.get("references") or ())),
            frameworks=tuple(dict(f) for f in (data.get("frameworks") or ())),
            related=tuple(dict(r) for r in (data.get("related") or ()) if isinstance(r, dict)),
            tests=tests, pack=pack_ref, loc=Loc(str(path), *data.mark),
            overrides=bool(data.get("overrides", False)),
            meta={**meta, "tag_reads": tuple(sorted(self.tag_reads, key=str))})

    def _condition(self, text, data, key, selections):
        try:
            ast = parse_condition(text)
        except ConditionSyntaxError as exc:
            self.fault(data.where_value(key), f"{key} '{text}': {exc}")
            return None
        _, missing = referenced(ast, selections)
        for name in missing:
            self.fault(data.where_value(key), f"{key} names undefined selection '{name}'"
                       + _did_you_mean(name, selections))
        return ast

    def _tests(self, data) -> tuple:
        out = []
        raw = data.get("tests") or []
        if not isinstance(raw, list):
            self.fault(data.where("tests"), "tests must be a list")
            return ()
        for i, t in enumerate(raw):
            mark = raw.where(i)
            if not isinstance(t, dict):
                self.fault(mark, "a test must be a mapping")
                continue
            for key in t:
                if key not in ("name", "given", "expect", "expect_set"):
                    self.fault(t.where(key), f"unknown key '{key}' in test"
                               + _did_you_mean(key, ["name", "given", "expect", "expect_set"]))
            name = str(t.get("name", f"#{i + 1}"))
            expect = t.get("expect")
            if expect not in EXPECTS:
                self.fault(t.where_value("expect") if "expect" in t else mark,
                           f"test '{name}': expect must be one of {', '.join(EXPECTS)}")
            given = t.get("given") or MDict()
            if not isinstance(given, dict):
                self.fault(t.where("given"), f"test '{name}': given must be a mapping")
                continue
            self._check_given(given, name, t.where("given"))
            out.append(RuleTest(name, given, expect, t.get("expect_set"), Loc(str(self.path), *mark)))
        return tuple(out)

    def _check_given(self, given, name, mark, neighbour=False):
        flat = flatten_given({k: v for k, v in given.items() if k not in ("graph", "id")})
        for key in flat:
            if key.endswith(".id") or F.is_field(key, self.dims):
                continue
            hint = F.suggest(key, self.dims)
            self.fault(mark, f"test '{name}': unknown field '{key}' in given"
                       + (f"; did you mean '{hint}'?" if hint else ""))
        graph = given.get("graph") or {}
        for rel in graph if isinstance(graph, dict) else []:
            if rel not in F.RELATIONS:
                self.fault(mark, f"test '{name}': unknown graph relation '{rel}'"
                           + _did_you_mean(rel, F.RELATIONS))
                continue
            items = graph[rel] if isinstance(graph[rel], list) else [graph[rel]]
            for item in items:
                if isinstance(item, dict):
                    self._check_given(item, name, mark, True)


def _rule_files(pack_dir: Path) -> list[Path]:
    out = []
    for p in sorted(pack_dir.rglob("*")):
        rel = p.relative_to(pack_dir)
        if not p.is_file() or p.suffix not in (".yml", ".yaml") or len(rel.parts) < 2:
            continue
        if rel.parts[0] == "lists" or any(part.endswith(".cases") for part in rel.parts):
            continue
        out.append(p)
    return out


def _load_pack(pack_dir: Path, faults, dims, lists, loaded: list) -> Pack | None:
    manifest = pack_dir / "pack.yml" if pack_dir.is_dir() else pack_dir
    pack_dir = manifest.parent
    data = _read_yaml(manifest, faults)
    if data is None:
        if manifest.exists() or not faults:
            return None
        return None
    if not isinstance(data, dict):
        faults.add(manifest, (1, 1), "pack.yml must be a mapping")
        return None
    if not _check_schema(data, manifest, SCHEMA, faults):
        return None
    _check_keys(data, manifest, PACK_REQUIRED, PACK_OPTIONAL, "pack.yml", faults)
    name, version = str(data.get("pack", "")), str(data.raw.get("version", data.get("version", "")))
    for i, req in enumerate(data.get("requires") or []):
        m = re.match(r"^\s*([\w.-]+)\s*(?:>=\s*([\w.]+))?\s*$", str(req))
        if not m:
            faults.add(manifest, data["requires"].where(i), f"cannot read requirement '{req}'")
            continue
        have = [p for p in loaded if p.name == m.group(1)]
        if not have:
            faults.add(manifest, data["requires"].where(i),
                       f"requires pack '{m.group(1)}', which is not loaded before it")
        elif m.group(2) and _version_tuple(have[0].version) < _version_tuple(m.group(2)):
            faults.add(manifest, data["requires"].where(i),
                       f"requires {m.group(1)} >= {m.group(2)}, loaded {have[0].version}")
    dims = _dimensions(data, manifest, faults, dims)
    lists = _lists(data, manifest, faults, lists)
    settings = dict(data.get("settings") or {})
    propagation = _propagation(data, manifest, faults, dims)
    exclusions = []
    for i, ex in enumerate(((data.get("lint") or {}).get("exclusions")) or []):
        if not isinstance(ex, dict) or not ex.get("reason"):
            faults.add(manifest, data["lint"]["exclusions"].where(i),
                       "a lint exclusion needs rule, validator and reason")
            continue
        exclusions.append((str(ex.get("rule")), str(ex.get("validator"))))
    ref = f"{name}@{version}"
    rules = []
    for path in _rule_files(pack_dir):
        rdata = _read_yaml(path, faults)
        if rdata is None:
            continue
        rule = _RuleParser(path, faults, dims, lists).rule(rdata, ref)
        if rule is not None:
            rules.append(rule)
    return Pack(name=name, version=version, path=str(pack_dir),
                description=str(data.get("description", "")),
                requires=tuple(str(r) for r in data.get("requires") or ()),
                dimensions=dims, frameworks=dict(data.get("frameworks") or {}), lists=lists,
                settings=settings, propagation=propagation, lint_exclusions=tuple(exclusions),
                rules=tuple(sorted(rules, key=lambda r: r.id)))


def dependency_generations(rules, faults) -> tuple:
    """Rule ids in topological generations (each sorted); cycles become faults."""
    g = nx.DiGraph()
    g.add_nodes_from(r.id for r in rules)
    for reader in rules:
        for dim, value in reader.meta.get("tag_reads", ()):
            for writer in rules:
                if dim not in writer.set:
                    continue
                if value is not None and str(writer.set[dim]) != value:
                    continue
                if writer.id == reader.id:
                    faults.add(reader.loc.path, (reader.loc.line, reader.loc.col),
                               f"rule '{reader.id}' reads tags.{dim} and sets it too",
                               "dependency-cycle")
                    continue
                g.add_edge(writer.id, reader.id)
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    if cycles:
        by_id = {r.id: r for r in rules}
        for cycle in sorted(cycles):
            first = by_id[cycle[0]]
            faults.add(first.loc.path, (first.loc.line, first.loc.col),
                       f"rules depend on each other's tags in a cycle: {', '.join(cycle)}",
                       "dependency-cycle")
        return ()
    return tuple(tuple(sorted(gen)) for gen in nx.topological_generations(g))


def collect(paths) -> tuple[Packs | None, list[Fault]]:
    """Load packs in order, returning every fault instead of raising (for lint)."""
    faults = _Faults()
    packs, dims, lists = [], {}, {}
    for p in paths:
        p = Path(p)
        if not (p / "pack.yml").is_file() and not (p.is_file() and p.name == "pack.yml"):
            faults.add(p, (1, 1), "not a rule pack (no pack.yml)")
            continue
        pack = _load_pack(p, faults, dims, lists, packs)
        if pack is not None:
            packs.append(pack)
            dims, lists = pack.dimensions, pack.lists
    rules: dict[str, Rule] = {}
    for pack in packs:
        seen_here: dict[str, Rule] = {}
        for rule in pack.rules:
            mark = (rule.loc.line, rule.loc.col)
            if rule.id in seen_here:
                faults.add(rule.loc.path, mark, f"duplicate rule id '{rule.id}' (also "
                           f"{seen_here[rule.id].loc})", "duplicate-id")
                continue
            seen_here[rule.id] = rule
            if rule.id in rules and not rule.overrides:
                faults.add(rule.loc.path, mark, f"duplicate rule id '{rule.id}' (also "
                           f"{rules[rule.id].loc}); add 'overrides: true' to replace it",
                           "duplicate-id")
                continue
            if rule.overrides and rule.id not in rules:
                faults.add(rule.loc.path, mark, f"rule '{rule.id}' overrides nothing", "duplicate-id")
            rules[rule.id] = rule
    ordered = tuple(rules[k] for k in sorted(rules))
    generations = dependency_generations(ordered, faults)
    settings, propagation = {}, []
    for pack in packs:
        settings.update(pack.settings)
        propagation += [pr for pr in pack.propagation if pr.id not in {x.id for x in propagation}]
    if not packs:
        return None, list(faults)
    return Packs(packs=tuple(packs), rules=ordered, dimensions=dims, lists=lists,
                 settings=settings, propagation=tuple(propagation),
                 generations=generations), list(faults)


def load_packs(paths, selftest: bool = True) -> Packs:
    """Load rule packs (directories holding a pack.yml), later packs extending earlier ones.

    A pack whose own test cases fail does not load (each failing case is a fault,
    validator ``failing-test``), so a broken site rule stops ``classify`` and CI alike.

    Parameters
    ----------
    paths : list of Path
        Pack directories in order: ``[default_pack_path(), site_pack]``.
    selftest : bool
        Run every rule's test cases (default); ``hdscan rules test`` turns it off to list
        the failures itself.

    Returns
    -------
    Packs

    Raises
    ------
    RuleError
        Any fault in any pack; ``errors`` lists every one as ``path:line:col: message``.
    """
    packs, faults = collect(paths)
    if packs is not None and not faults and selftest:
        from .selftest import run_tests
        for failure in run_tests(packs):
            path, line, col = failure.location.rsplit(":", 2)
            faults.append(Fault(Loc(path, int(line), int(col)),
                                f"test '{failure.test}': {failure.message}", "failing-test"))
    errors = [f for f in faults if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise RuleError(f"[error] {first.check.id} {first.message}{more}",
                        SourceLocation(first.loc.path, f"line {first.loc.line} col {first.loc.col}"),
                        errors=[f.lint_line() for f in errors])
    return packs
