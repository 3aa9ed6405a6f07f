"""GET /v1/releases/{id}: one decision as the API shows it (pipeline.view), read in one statement and
answered as JSON text with the stored decision spliced in as it is, not decoded and encoded again."""
from __future__ import annotations

import json

from sidecar.errors import NotFound
from sidecar.flows.pipeline import view
from sidecar.services import Services
from sidecar.store import releases

_COMPACT = json.JSONEncoder(separators=(",", ":"))  # built once: json.dumps with options builds one per call


def release_json(services: Services, release_id: str) -> str:
    """The answer of GET /v1/releases/{id} as compact JSON text; NotFound when there is no such release."""
    found = releases.release_answer(services.db, release_id)
    if found is None:
        raise NotFound(f"no release {release_id}")
    release, release_jobs = found
    return with_raw(view(release, release["approval_id"], release_jobs), "decision", release["decision"])


def with_raw(answer: dict, key: str, raw: str) -> str:
    """`answer` as compact JSON with `raw`, JSON text already, as the value of `key`, in its place.

    Encoded once with a placeholder value, which is then swapped for `raw`. The member is found with the
    `{` or `,` before it: inside an encoded string every `"` is escaped, so that text occurs nowhere else."""
    before = "{" if next(iter(answer)) == key else ","
    member = f"{before}{_COMPACT.encode(key)}:"
    text = _COMPACT.encode({**answer, key: _PLACEHOLDER})
    return text.replace(member + _PLACEHOLDER_JSON, member + raw, 1)


_PLACEHOLDER = "raw"
_PLACEHOLDER_JSON = _COMPACT.encode(_PLACEHOLDER)
