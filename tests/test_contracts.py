import json

import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator

from sidecar import contracts
from sidecar.errors import InvalidPayload
from sidecar.flows import registry

GOOD = {"id": "odoo:sale.order:3:2026-11-23 19:00:21", "type": "sale_order.release_requested",
        "source": "odoo", "data": {"_model": "sale.order", "_id": 3, "write_uid": 2, "partner_id": 12}}


def test_good_event_passes():
    assert contracts.validate_event(GOOD) == "sale_order.release_requested.v1"


@pytest.mark.parametrize("event, pointer, code", [
    ({**GOOD, "id": ""}, "/id", "invalid_payload"),
    ({k: v for k, v in GOOD.items() if k != "data"}, "", "invalid_payload"),
    ({**GOOD, "extra": 1}, "", "invalid_payload"),
    ({**GOOD, "type": "sale_order.exploded"}, "/type", "unknown_event_type"),
    ({**GOOD, "data": {"_model": "res.partner", "_id": 3}}, "/data/_model", "invalid_payload"),
    ({**GOOD, "data": {"_model": "sale.order", "_id": "3"}}, "/data/_id", "invalid_payload"),
    ({**GOOD, "data": {"_model": "sale.order", "_id": 3, "write_uid": "admin"}}, "/data/write_uid", "invalid_payload"),
])
def test_problems_name_their_pointer(event, pointer, code):
    with pytest.raises(InvalidPayload) as caught:
        contracts.validate_event(event)
    assert caught.value.code == code
    assert pointer in [d["pointer"] for d in caught.value.details]


@pytest.mark.parametrize("name, payload, ok", [
    ("approval_decision.v1", {"decision": "approve", "token": "eyJh.abc-_"}, True),
    ("approval_decision.v1", {"decision": "approve", "token": "eyJh.abc", "approver": "demo"}, False),
    ("approval_decision.v1", {"decision": "maybe", "token": "eyJh.abc"}, False),
    ("approval_decision.v1", {"decision": "approve"}, False),
    ("approval_decision.v1", {"decision": "approve", "token": "not a token"}, False),
    ("approval_reroute.v1", {"role": "finance-director", "reason": "away"}, True),
    ("approval_reroute.v1", {"assignee": "demo", "reason": "away"}, True),
    ("approval_reroute.v1", {"reason": "away"}, False),
    ("approval_reroute.v1", {"role": "finance-director"}, False),
    ("approval_cancel.v1", {"reason": "customer withdrew"}, True),
    ("approval_cancel.v1", {"reason": ""}, False),
    ("replay_request.v1", {}, False),
    ("replay_request.v1", {"ids": ["dl_1"]}, True),
    ("reconcile_request.v1", {}, True),
    ("reconcile_request.v1", {"limit": 0}, False),
    ("failure_report.v1", {"execution": {"id": "12"}, "workflow": {"name": "x"}}, True),
    ("failure_report.v1", {"execution": {}, "workflow": {"name": "x"}}, False),
])
def test_other_contracts(name, payload, ok):
    assert (contracts.problems(name, payload) == []) is ok


# -- the compiled screen (jsonschema-rs) in front of jsonschema on the event path ------------------------

EVENT_PATH = ["event.v1", *sorted({flow.contract for flow in registry.flows()})]
# Strings the event contracts' patterns match under Python; each pattern must match one of them.
SEEDS = ["2026-11-25 02:17:01.140520", "2026-11-25 02:17:01", "a note on one line"]


def _patterns(schema: dict) -> set[str]:
    found = set()

    def keep(node: dict) -> dict:
        if isinstance(node.get("pattern"), str):
            found.add(node["pattern"])
        return node
    json.loads(json.dumps(schema), object_hook=keep)
    return found


def _variants(seed: str) -> list[str]:
    """The seed with what Python's and ECMA-262's regular expressions may read differently."""
    arabic, fullwidth = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"), str.maketrans("0123456789", "０１２３４５６７８９")
    return [seed, "", seed + "\n", seed + "\r\n", "\n" + seed, seed + "\x1c", "\x1f", "\ufeff" + seed, seed + "\u2028",
            seed + "\x85", seed.translate(arabic), seed.translate(fullwidth), seed.replace(" ", "\u00a0"),
            seed.replace(" ", "\t"), seed.replace(" ", "T"), seed.upper(), seed + "0", seed[:-1]]


@pytest.mark.parametrize("pattern", sorted({p for name in EVENT_PATH for p in _patterns(contracts.schema(name))}))
def test_the_compiled_screen_accepts_no_string_jsonschema_refuses(pattern):
    node = {"type": "string", "pattern": pattern}
    compiled, reference = jsonschema_rs.validator_for(node), Draft202012Validator(node)
    seeds = [seed for seed in SEEDS if reference.is_valid(seed)]
    assert seeds, f"add a string matching {pattern} to SEEDS"
    looser = [text for seed in seeds for text in _variants(seed) if compiled.is_valid(text) and not reference.is_valid(text)]
    assert looser == []


@pytest.mark.parametrize("occurred_at, ok", [
    ("2026-11-25T02:17:01Z", True), ("2026-11-25t02:17:01.5+01:00", True), ("2026-11-25 02:17:01Z", False),
    ("2026-02-30T00:00:00Z", False), ("2026-11-25", False), ("yesterday", False),
])
def test_the_screen_checks_formats_as_jsonschema_does(occurred_at, ok):
    event = {**GOOD, "occurred_at": occurred_at}
    assert contracts._compiled("event.v1").is_valid(event) is ok
    assert (contracts.problems("event.v1", event) == []) is ok


def test_a_payload_the_screen_cannot_read_is_judged_by_jsonschema():
    contracts.validate_event({**GOOD, "id": "odoo:\ud800"})  # a lone surrogate is a string all the same
    with pytest.raises(InvalidPayload) as caught:
        contracts.validate_event({**GOOD, "data": {"_model": "sale.order\ud800", "_id": 3}})
    assert [d["pointer"] for d in caught.value.details] == ["/data/_model"]


# Whitespace to Python's `re` or to ECMA-262 (the regex dialect of JSON Schema), but not to both.
BLANK_IN_ONE_DIALECT = ["\x1c", "\x1f", "\x85", "\ufeff"]
CONTRACT_NAMES = sorted(path.name.removesuffix(".json") for path in contracts.CONTRACTS_DIR.glob("*.json"))
NOT_BLANK = sorted({p for name in CONTRACT_NAMES for p in _patterns(contracts.schema(name)) if "\\S" in p or "[^\\s" in p})


@pytest.mark.parametrize("pattern", NOT_BLANK)
def test_a_not_blank_pattern_refuses_whitespace_of_either_dialect(pattern):
    """A server in Python and a client or fuzzer reading the document as ECMA-262 agree on what is blank."""
    node = {"type": "string", "pattern": pattern}
    for validator in (jsonschema_rs.validator_for(node), Draft202012Validator(node)):
        assert validator.is_valid("x")
        assert not [blank for blank in BLANK_IN_ONE_DIALECT + [" \t"] if validator.is_valid(blank)]
