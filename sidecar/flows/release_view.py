"""GET /v1/releases/{id}: one decision as the API shows it (pipeline.view), read in one statement and
answered as JSON text with the stored decision spliced in as it is, not decoded and encoded again."""
from __future__ import annotations

import json

from sidecar.errors import NotFound
from sidecar.flows.pipeline import view
from sidecar.services import Services
from sidecar.store import releases


def release_json(services: Services, release_id: str) -> str:
    """The answer of GET /v1/releases/{id} as compact JSON text; NotFound when there is no such release."""
    found = releases.release_answer(services.db, release_id)
    if found is None:
        raise NotFound(f"no release {release_id}")
    release, release_jobs = found
    return with_raw(view(release, release["approval_id"], release_jobs), "decision", release["decision"])


def with_raw(answer: dict, key: str, raw: str) -> str:
    """`answer` as compact JSON with `raw`, JSON text already, as the value of `key`, in its place."""
    keys = list(answer)
    at = keys.index(key)
    parts = [_members({k: answer[k] for k in keys[:at]}), f"{json.dumps(key)}:{raw}",
             _members({k: answer[k] for k in keys[at + 1:]})]
    return "{" + ",".join(part for part in parts if part) + "}"


def _members(part: dict) -> str:
    """The members of a JSON object, without its braces ('' for none)."""
    return json.dumps(part, separators=(",", ":"))[1:-1]
