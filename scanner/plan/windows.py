"""Owns maintenance windows: when a care tier may be cut over, and for how long.

A window is either a structured mapping in the plan configuration
(``{days: [sat], start: "22:00", hours: 8, label: saturday-night}``) or, for backward
compatibility, a free-text name.  The three names the planner has always used are
presets with a known calendar (docs/planner.md, DOMAIN-SOURCES.md §F.3: never Monday,
avoid weekdays 07:00–20:00, prefer Saturday 22:00 → Sunday 06:00); any other name is
kept as a label whose length is unknown, so the transfer fit of its waves is unknown.
``parse_window(reader, node, path)`` validates one configuration value with located
errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Window:
    """One cut-over window: a label, the days it may start, its start time and length."""
    label: str
    days: tuple[str, ...] = ()
    start: str | None = None
    hours: float | None = None

    def to_dict(self) -> dict:
        return {"label": self.label, "days": list(self.days), "start": self.start,
                "hours": self.hours}

    def describe(self) -> str:
        if self.hours is None:
            return f"{self.label} (length not configured)"
        days = ", ".join(self.days) if self.days else "any day"
        return f"{self.label} ({days} from {self.start or '?'}, {self.hours:g} h)"


PRESETS = {
    "weekend-night": Window("weekend-night", ("sat",), "22:00", 8.0),
    "weeknight": Window("weeknight", ("tue", "wed", "thu"), "22:00", 7.0),
    "business-hours": Window("business-hours", ("tue", "wed", "thu", "fri"), "09:00", 8.0),
}


def from_text(label: str) -> Window:
    """A preset when the name is one, else a label of unknown length."""
    return PRESETS.get(label, Window(label))


def parse_window(r, node, path: str) -> Window:
    """One ``windows.<tier>`` value: a name, or {days, start, hours[, label]}.

    ``r`` is the configuration reader (``scanner.plan.config._Reader``); every fault
    raises its located ``InputError``.
    """
    if isinstance(node, yaml.ScalarNode):
        return from_text(r.text(node, path))
    m = r.mapping(node, path, ("label", "days", "start", "hours"))
    if "hours" not in m:
        r.fail(node, f"{path}: a structured window needs hours (and usually days and start)")
    hours = r.scalar(m["hours"][1], f"{path}.hours")
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 168:
        r.fail(m["hours"][1], f"{path}.hours: expected a number of hours in (0, 168], got {hours!r}")
    days: tuple[str, ...] = ()
    if "days" in m:
        seq = r.sequence(m["days"][1], f"{path}.days")
        out = []
        for i, d in enumerate(seq):
            day = str(r.scalar(d, f"{path}.days[{i}]")).strip().lower()[:3]
            if day not in DAYS:
                r.fail(d, f"{path}.days[{i}]: expected one of {', '.join(DAYS)}, "
                          f"got {r.scalar(d, path)!r}")
            out.append(day)
        days = tuple(sorted(set(out), key=DAYS.index))
    start = None
    if "start" in m:
        raw = r.scalar(m["start"][1], f"{path}.start")
        if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 1440:
            raw = f"{raw // 60:02d}:{raw % 60:02d}"   # YAML 1.1 reads 22:00 as sexagesimal
        if not isinstance(raw, str) or not _TIME.match(raw.strip()):
            r.fail(m["start"][1], f"{path}.start: expected a time HH:MM, got {m['start'][1].value!r}")
        start = raw.strip()
    if "label" in m:
        label = r.text(m["label"][1], f"{path}.label")
    else:
        label = f"{'/'.join(days) or 'any day'} {start or ''} {float(hours):g}h".replace("  ", " ")
    return Window(label, days, start, float(hours))
