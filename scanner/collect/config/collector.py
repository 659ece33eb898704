"""Owns the ``config`` collector: application configuration files → ``config_ref``.

Accepts any text file under ``…/configs/<host>/``.  The file is read by its family's
parser into entries (``entries.Entry``); each entry's value is searched for connection
strings (``connection_strings``), and host/port keys are paired (``endpoints``).  Every
target is normalised (``targets``) and becomes one ``config_ref`` observation with
host, application, target_host, target_port, scheme, target_database and the key path,
evidence ``line N``.  Nothing else of the file is kept: no user, password, path, query
string or value of any other key.  Output is de-duplicated and sorted.
"""

from __future__ import annotations

from pathlib import Path

from ...model.evidence import Evidence
from ...model.observations import Observation, canonical_json
from ...privacy import observation
from . import endpoints
from .connection_strings import find_targets
from .entries import Entry
from .ini import ini_entries
from .json_file import json_entries
from .lines import line_entries
from .paths import family, owner
from .php import php_entries
from .properties import env_entries, properties_entries
from .targets import Target, normalise
from .textfile import is_text, read_text
from .tnsnames import tnsnames_entries
from .xml_file import xml_entries
from .yaml_file import yaml_entries

NAME = "config"
VERSION = "1"

_PARSERS = {
    "properties": lambda text, source: properties_entries(text),
    "env": lambda text, source: env_entries(text),
    "ini": lambda text, source: ini_entries(text),
    "tnsnames": tnsnames_entries,
    "yaml": yaml_entries,
    "xml": xml_entries,
    "json": json_entries,
    "php": lambda text, source: php_entries(text),
    "lines": lambda text, source: line_entries(text),
}


def accepts(path: Path, head: bytes) -> bool:
    """True for a text file under a ``configs/<host>/`` folder."""
    return owner(path) is not None and is_text(head)


def references(entries: list[Entry], own_host: str,
               file_hint: str | None = None) -> list[tuple[Entry, Target]]:
    """Every (entry, normalised target) the entries name."""
    found: list[tuple[Entry, Target]] = []
    for e in entries:
        for t in find_targets(e.value, e.hint):
            found.append((e, t))
    found += endpoints.pair(entries, file_hint)
    out = []
    for e, t in found:
        n = normalise(t, own_host)
        if n is not None:
            out.append((e, n))
    return out


def collect(path: Path, source: str) -> list[Observation]:
    """Every ``config_ref`` of one configuration file, sorted.

    Raises
    ------
    InputError
        Undecodable bytes, malformed XML/YAML/JSON (with the line), DOCTYPE/ENTITY in
        XML, a broken tnsnames.ora entry.
    """
    host, application = owner(path) or ("", "")
    text = read_text(path, source)
    fam, hint = family(path, text)
    entries = _PARSERS[fam](text, source)
    seen: dict[str, Observation] = {}
    for e, t in references(entries, host, hint):
        obs = observation(
            "config_ref", Evidence(NAME, VERSION, source, f"line {e.line}"),
            host=host, application=application, target_host=t.host, target_port=t.port,
            scheme=t.scheme, target_database=t.database, key=e.key)
        seen.setdefault(obs.id, obs)
    return sorted(seen.values(), key=lambda o: (int(o.evidence.location.split()[1]),
                                                canonical_json(o.data)))
