"""Owns data transfer per wave: volume, estimated transfer time, window fit, pre-seed amount.

The data of a wave (``data_bytes``: disk used, else database sizes, of its hosts) travels
over the link of the plan configuration's ``transfer`` (``bandwidth_mbps`` × ``efficiency``
bytes per second).  A cut-over may spend ``window_share`` of its window on data (the rest
is for tests and the go/no-go decision).  When the data does not fit, the excess must be
pre-seeded or replicated beforehand (DOMAIN-SOURCES.md §G.2: seed, then sync the delta).
Windows of unknown length (free-text names) and waves of unknown size give ``fits: null``.
"""

from __future__ import annotations

import math

from .messages import message, text

GB = 10 ** 9


def rate_bytes_per_second(config) -> float:
    """Useful throughput of the migration link."""
    return config.bandwidth_mbps * 1e6 / 8 * config.efficiency


def assess(data_bytes: int | None, tier: int | None, config) -> dict:
    """The transfer facts of ``data_bytes`` cut over in the window of care tier ``tier``."""
    window = config.window_spec(tier)
    rate = rate_bytes_per_second(config)
    seconds = math.ceil(data_bytes / rate) if data_bytes else (0 if data_bytes == 0 else None)
    budget = round(window.hours * 3600 * config.window_share) if window.hours else None
    in_window = int(rate * budget) if budget is not None else None
    out = {"data_bytes": data_bytes, "seconds": seconds, "window": window.to_dict(),
           "window_seconds": budget, "window_bytes": in_window, "fits": None,
           "preseed_bytes": None}
    if seconds is None:
        out.update(text("transfer.unknown"))
        return out
    took = message("transfer.took", bytes=data_bytes, seconds=seconds,
                   mbps=config.bandwidth_mbps, efficiency=config.efficiency)
    if budget is None:
        out.update(text("transfer.no-length", took=took, window=window.label))
        return out
    out["fits"] = seconds <= budget
    out["preseed_bytes"] = max(0, data_bytes - in_window)
    if out["fits"]:
        out.update(text("transfer.fits", took=took, budget=budget, window=window.label))
    else:
        out.update(text("transfer.preseed", took=took, budget=budget, window=window.label,
                        preseed=out["preseed_bytes"]))
    return out


def wave_transfers(waves: list, config) -> dict:
    """{wave number: transfer facts} for every wave of the plan."""
    return {w["number"]: assess(w.get("data_bytes"), w.get("care_tier"), config) for w in waves}
