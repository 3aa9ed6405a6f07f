"""Versioned JSON Schema contracts; validation errors name the JSON pointer of each problem."""
from __future__ import annotations

import json
from functools import lru_cache, partial
from pathlib import Path

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

from sidecar.errors import InvalidPayload
from sidecar.values import json_pointer

CONTRACTS_DIR = Path(__file__).parent
# Event type -> the contract of its `data`.
EVENT_TYPES = {"sale_order.release_requested": "sale_order.release_requested.v1"}
FORMATS = FormatChecker()


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """The contract `name` (e.g. `event.v1`), read once."""
    return json.loads((CONTRACTS_DIR / f"{name}.json").read_text())


@lru_cache(maxsize=None)
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name), format_checker=FORMATS)


@lru_cache(maxsize=None)
def _compiled(name: str) -> jsonschema_rs.Validator:
    """Contract `name` compiled by jsonschema-rs, its formats checked by the same functions as jsonschema's."""
    formats = {fmt: partial(FORMATS.conforms, format=fmt) for fmt in FORMATS.checkers}
    return jsonschema_rs.validator_for(schema(name), validate_formats=True, formats=formats)


def problems(name: str, payload, prefix: str = "") -> list[dict]:
    """Every violation of contract `name`, as `{pointer, message}`, in document order."""
    errors = sorted(_validator(name).iter_errors(payload), key=lambda e: [str(p) for p in e.absolute_path])
    return [{"pointer": prefix + json_pointer(e.absolute_path), "message": e.message} for e in errors]


def validate(name: str, payload, prefix: str = "") -> None:
    """Raise InvalidPayload listing every problem when `payload` breaks contract `name`."""
    found = problems(name, payload, prefix)
    if found:
        raise InvalidPayload(f"payload does not match contract {name}", details=found)


def validate_parsed(name: str, payload, prefix: str = "") -> None:
    """`validate` for a payload parsed from JSON, in microseconds rather than jsonschema's hundreds when it conforms.

    The compiled contract only screens: when it accepts, so does jsonschema (its regular expressions are
    ECMA-262's, never looser than Python's on these contracts: tests/test_contracts.py); when it refuses,
    or cannot read the payload, jsonschema judges and words every problem as before.
    """
    try:
        if _compiled(name).is_valid(payload):
            return
    except (ValueError, TypeError, OverflowError):
        pass  # not plain JSON data (a lone surrogate, a key that is not a string): jsonschema alone judges it
    validate(name, payload, prefix)


def event_problems(envelope) -> list[dict]:
    """Every problem of an event envelope and of its typed data; [] when it can be submitted."""
    found = problems("event.v1", envelope)
    if found:
        return found
    if envelope["type"] not in EVENT_TYPES:
        return [{"pointer": "/type", "message": f"unknown event type; expected one of {sorted(EVENT_TYPES)}"}]
    return problems(EVENT_TYPES[envelope["type"]], envelope["data"], prefix="/data")


def validate_event(envelope) -> str:
    """Validate an event envelope (parsed from JSON) and its typed data; return the data's contract name."""
    validate_parsed("event.v1", envelope)
    contract = EVENT_TYPES.get(envelope["type"])
    if contract is None:
        raise InvalidPayload(
            f"unknown event type '{envelope['type']}'",
            details=[{"pointer": "/type", "message": f"expected one of {sorted(EVENT_TYPES)}"}],
            code="unknown_event_type",
        )
    validate_parsed(contract, envelope["data"], prefix="/data")
    return contract
