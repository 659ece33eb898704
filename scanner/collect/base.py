"""Owns the collector contract: what every input reader provides.

A collector is a module (or object) with:

``NAME``     short name recorded in evidence (``pcap``, ``sql-dump`` ...)
``VERSION``  bumped whenever what it emits changes
``accepts(path: Path, head: bytes) -> bool``
             True if this collector reads the file (``head`` is its first 4 KiB)
``collect(path: Path, source: str) -> Iterator[Observation]``
             every observation built through ``scanner.privacy.observation`` with an
             ``Evidence`` whose ``source`` is the given ``source`` string; raises
             ``scanner.errors.InputError`` with a ``SourceLocation(source, place)``
             on input it cannot read (one line, naming the place).

Collectors never write anything: the store decides what to keep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Protocol

from ..model.observations import Observation


class Collector(Protocol):
    NAME: str
    VERSION: str

    def accepts(self, path: Path, head: bytes) -> bool: ...

    def collect(self, path: Path, source: str) -> Iterator[Observation]: ...
