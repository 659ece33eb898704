"""Owns what a file's place says: its host, its application and its format family.

``…/configs/<host>/…`` (any depth): the folder right under a folder named ``configs``
is the host (``inputs/configs`` preferred when a path has several).  The application
is the first folder under ``<host>/``, else the file's stem.  The family is chosen
from the file name; ``lines`` (the pattern scan) is the fallback.
"""

from __future__ import annotations

from pathlib import Path

# (test on the lower-case file name, family, scheme hint for host/port pairs)
_FAMILIES: tuple[tuple, ...] = (
    (lambda n: n == "tnsnames.ora", "tnsnames", "oracle"),
    (lambda n: n in ("pg_service.conf", ".pg_service.conf"), "ini", "postgresql"),
    (lambda n: n in ("my.cnf", ".my.cnf") or n.endswith(".cnf"), "ini", "mysql"),
    (lambda n: n.endswith(".properties"), "properties", None),
    (lambda n: n == ".env" or n.startswith(".env.") or n.endswith(".env"), "env", None),
    (lambda n: n.endswith((".yml", ".yaml")), "yaml", None),
    (lambda n: n.endswith((".xml", ".config")), "xml", None),
    (lambda n: n.endswith(".json"), "json", None),
    (lambda n: n.endswith((".php", ".inc.php")), "php", None),
    (lambda n: n.endswith((".ini", ".cfg", ".conf", ".toml")), "ini", None),
)


def owner(path: Path) -> tuple[str, str] | None:
    """(host, application) of a file under ``configs/<host>/``, or None."""
    parts = Path(path).parts
    spots = [i for i, p in enumerate(parts[:-2]) if p.lower() == "configs"]
    if not spots:
        return None
    inputs = [i for i in spots if i > 0 and parts[i - 1].lower() == "inputs"]
    i = inputs[-1] if inputs else spots[0]
    host = parts[i + 1]
    rest = parts[i + 2:]
    application = rest[0] if len(rest) > 1 else Path(rest[-1]).stem
    return host, application


def family(path: Path, head: str = "") -> tuple[str, str | None]:
    """(family, scheme hint) of a configuration file."""
    name = Path(path).name.lower()
    for test, fam, hint in _FAMILIES:
        if test(name):
            return fam, hint
    if "<?php" in head[:200]:
        return "php", None
    return "lines", None
