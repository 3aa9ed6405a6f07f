"""Sales channels as configuration (SIDECAR_CHANNELS): which warehouses feed each one and its safety buffer.

`{"shop-eu": {"warehouses": ["WH"], "buffer_units": 2, "buffer_percent": 10}, "pos-store-12": {...}}`, as a JSON
file's path or inline. The channel's name is also the `source` its SKU cross-references are kept under.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sidecar.json_setting import json_object

NAME_PATTERN_HINT = "1 to 64 characters"


@dataclass(frozen=True)
class Channel:
    """Warehouses (by code) whose free stock a channel may promise, less its buffer."""

    name: str
    warehouses: tuple[str, ...]
    buffer_units: float = 0.0
    buffer_percent: float = 0.0

    def buffer(self, free: float) -> float:
        """What is held back from `free`: the units plus the percent of it, rounded up to a whole unit."""
        if free <= 0:
            return 0.0
        return float(self.buffer_units + math.ceil(round(free * self.buffer_percent / 100.0, 6)))

    def promise(self, free: float) -> float:
        """Available to promise: free stock less the buffer, never below zero."""
        return max(0.0, round(free - self.buffer(free), 6))


def _number(value, where: str, problems: list[str], maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or \
            (maximum is not None and value > maximum):
        problems.append(f"{where}: must be a number from 0{f' to {maximum:g}' if maximum is not None else ''}")
        return 0.0
    return float(value)


def parse_channels(raw: str, problems: list[str], variable: str = "SIDECAR_CHANNELS") -> dict[str, Channel]:
    """The channels of `raw` (inline JSON, or the path of a JSON file); every problem is appended."""
    data = json_object(raw, problems, variable, "channel name -> settings")
    channels = {}
    for name, settings in data.items():
        where = f"{variable}: channel '{name[:64]}'"
        if not 1 <= len(name) <= 64:
            problems.append(f"{where}: the name must be {NAME_PATTERN_HINT}")
            continue
        if not isinstance(settings, dict) or set(settings) - {"warehouses", "buffer_units", "buffer_percent"}:
            problems.append(f"{where}: must be an object of warehouses, buffer_units, buffer_percent")
            continue
        warehouses = settings.get("warehouses")
        if not isinstance(warehouses, list) or not warehouses or \
                not all(isinstance(code, str) and code for code in warehouses):
            problems.append(f"{where}: warehouses must be a non-empty list of warehouse codes")
            continue
        channels[name] = Channel(name, tuple(dict.fromkeys(warehouses)),
                                 _number(settings.get("buffer_units", 0), f"{where} buffer_units", problems),
                                 _number(settings.get("buffer_percent", 0), f"{where} buffer_percent", problems, 100))
    return channels
