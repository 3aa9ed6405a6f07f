"""Settings given as inline JSON or as the path of a JSON file (channels, authority, console users)."""
from __future__ import annotations

import json
from pathlib import Path


def json_object(raw: str, problems: list[str], variable: str, what: str) -> dict:
    """The JSON object `raw` holds or names; {} when blank, or with a problem appended naming `variable`.

    `what` says what the object maps, for the message when it is not an object. Messages quote neither
    the file's content nor the JSON text: they may hold secrets (password hashes).
    """
    raw = (raw or "").strip()
    if not raw:
        return {}
    if not raw.startswith(("{", "[")):
        path = Path(raw)
        if not path.is_file():
            problems.append(f"{variable}: no file at {raw}, cannot read it (give inline JSON or a JSON file's path)")
            return {}
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{variable}: cannot read {path}: {getattr(err, 'strerror', None) or err}")
            return {}
    try:
        data = json.loads(raw)
    except ValueError as err:
        problems.append(f"{variable}: not valid JSON ({getattr(err, 'msg', err)} at line {getattr(err, 'lineno', '?')})")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{variable}: must be a JSON object of {what}")
        return {}
    return data
