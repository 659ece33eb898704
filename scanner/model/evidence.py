"""Owns ``Evidence``: who saw a fact, in which file and place, on which host, and when."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """Provenance carried by every observation.

    Attributes
    ----------
    collector : str
        Collector name, e.g. ``pcap``, ``sql-dump``, ``agent-inventory``.
    collector_version : str
        Version of that collector (bumped when what it emits changes).
    source : str
        Path of the input, relative to the estate's ``inputs/`` folder where possible.
    location : str | None
        Place in the source a reader can follow: ``frame 12``, ``line 40``,
        ``key spring.datasource.url``, ``host[3]/port[2]``.
    host : str | None
        The host that observed the fact (an agent's host), when there is one.
    observed_from, observed_to : str | None
        ISO-8601 UTC times (``2026-03-02T08:00:00Z``) taken from the input itself,
        never the import time, so that re-importing gives identical evidence.
    """

    collector: str
    collector_version: str
    source: str
    location: str | None = None
    host: str | None = None
    observed_from: str | None = None
    observed_to: str | None = None

    def to_dict(self) -> dict:
        # every field is text or None: no need for asdict's deep copy (it dominated the
        # capture collector's profile)
        return {f: v for f in self.__dataclass_fields__ if (v := getattr(self, f)) is not None}

    @classmethod
    def from_dict(cls, d: dict) -> "Evidence":
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__})
