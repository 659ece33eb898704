"""Owns hdscan's error tree and source locations.

Library code raises a ``ScannerError`` subclass; only ``cli.py`` turns one into a
message and an exit code.  ``str(error)`` is always a single line that names the
file and the place (``inputs/lab.pcap: frame 12 (byte 402): truncated TCP header``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLocation:
    """Where in an input something was found: a path and an optional place.

    ``place`` is free text that a reader can follow: ``line 12``, ``line 12 col 4``,
    ``frame 1893 (byte 402112)``, ``key spring.datasource.url``.
    """

    path: str
    place: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.place}" if self.place else self.path


class ScannerError(Exception):
    """Base of every error hdscan reports to a user."""

    def __init__(self, message: str, location: SourceLocation | None = None):
        self.message = " ".join(str(message).split())
        self.location = location
        super().__init__(str(self))

    def __str__(self) -> str:  # one line, always
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message

    def __reduce__(self):
        # Errors cross process boundaries (parallel import, scanner/parse_pool.py): rebuild
        # them from (message, location) whatever a subclass's own arguments, then restore
        # its attributes (``RuleError.errors``).
        return self.__class__, (self.message, self.location), self.__dict__


class InputError(ScannerError):
    """An input file cannot be read as the format it claims to be."""


class PrivacyError(ScannerError):
    """A collector tried to emit a field that is not on the privacy allow-list."""


class StoreError(ScannerError):
    """The estate store is missing, locked, from another version, or damaged."""


class RuleError(ScannerError):
    """A rule pack is malformed; ``errors`` holds every fault found."""

    def __init__(self, message: str, location: SourceLocation | None = None,
                 errors: list[str] | None = None):
        super().__init__(message, location)
        self.errors = list(errors or [])


class PlanError(ScannerError):
    """A plan configuration is malformed or its constraints cannot all hold."""
