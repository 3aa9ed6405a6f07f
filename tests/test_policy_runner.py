"""The generated per-site runner gives exactly what the compiled rules give one by one, whatever the facts:
absent facts, nulls, values of the wrong type, lists for numbers, items missing fields."""
from __future__ import annotations

import random

import pytest

from sidecar.policy import build_policy

NUMERIC_OPS = ["gt", "gte", "lt", "lte", "eq", "ne"]
FIELDS = ["amount", "margin", "tier", "flag", "category", "date", "qty"]
VALUES = [0, 1, 9.5, 10, 10.0000000001, 250, -3, "gold", "silver", "", None, True, False, [1, 2], {"a": 1}, "10"]


def _leaf(rnd: random.Random, params: dict, item: bool = False) -> dict:
    fact = rnd.choice(["category", "qty", "deviation", "absent"]) if item else \
        f"{rnd.choice(['order', 'site', 'nothing'])}.{rnd.choice(FIELDS)}"
    op = rnd.choice(NUMERIC_OPS + ["in", "not_in", "between", "missing", "exists"])
    if op in ("missing", "exists"):
        return {"fact": fact, "op": op}
    if op in ("in", "not_in"):
        value = rnd.sample(["gold", "silver", "bronze", 10, None, True], rnd.randint(1, 3))
    elif op == "between":
        low = rnd.choice([0, 5, 9.5])
        value = [low, low + rnd.choice([1, 10, 100])]
    else:
        value = rnd.choice([10, 9.5, 0, "gold", "10", True, False])
    if rnd.random() < 0.3 and op not in ("between",):
        name = f"p{len(params)}"
        params[name] = {"value": value, "overridable": True}
        value = {"param": name}
    return {"fact": fact, "op": op, "value": value}


def _condition(rnd: random.Random, params: dict, depth: int = 0, item: bool = False) -> dict:
    kind = rnd.random()
    if depth < 2 and kind < 0.15:
        return {"all": [_condition(rnd, params, depth + 1, item) for _ in range(rnd.randint(1, 3))]}
    if depth < 2 and kind < 0.25:
        return {"any": [_condition(rnd, params, depth + 1, item) for _ in range(rnd.randint(1, 3))]}
    if depth < 2 and kind < 0.3:
        return {"not": _condition(rnd, params, depth + 1, item)}
    if not item and depth < 1 and kind < 0.4:
        return {rnd.choice(["some", "every"]): rnd.choice(["lines", "order.lines", "order.amount"]),
                "where": _condition(rnd, params, depth + 1, item=True)}
    return _leaf(rnd, params, item)


def _rule(rnd: random.Random, index: int, params: dict) -> dict:
    when = _condition(rnd, params)
    effect = rnd.choice(["pass", "approve", "reject", "approve"])
    rule = {"id": f"r{index}", "when": when, "effect": effect,
            "message": rnd.choice(["Fired {observed}.", "Fired at {threshold}.", "Fired.", "Seen {observed|num}."]),
            "passed_message": rnd.choice(["Fine.", "Fine at {threshold}.", "Fine with {observed}."])}
    if effect == "approve":
        rule["route"] = "manager"
    if rnd.random() < 0.2:
        rule["threshold"] = rnd.choice([5, {"param": next(iter(params))}] if params else [5])
    if rnd.random() < 0.1:
        rule["observed"] = {"fact": f"order.{rnd.choice(FIELDS)}"}
    if rnd.random() < 0.3:
        rule["check"] = rnd.choice(["a", "b"])
    if "op" in when and when["op"] in ("gt", "gte", "lt", "lte") and rnd.random() < 0.3:
        rule["tolerance"] = {"value": rnd.choice([0.5, 2]), "unit": rnd.choice(["absolute", "percent"]),
                             "when": {"fact": "order.flag", "op": "eq", "value": True}}
    return rule


def _facts(rnd: random.Random) -> dict:
    def record():
        return {field: rnd.choice(VALUES) for field in FIELDS if rnd.random() < 0.8}
    lines = [{key: rnd.choice(VALUES) for key in ("category", "qty", "deviation") if rnd.random() < 0.8}
             for _ in range(rnd.randint(0, 4))]
    facts = {"order": {**record(), "lines": rnd.choice([lines, None, 5])}, "site": rnd.choice([record(), None, "x"]),
             "requested_by": {"login": "someone"}}
    if rnd.random() < 0.8:
        facts["lines"] = rnd.choice([lines, lines, None, "abc"])
    if rnd.random() < 0.1:
        del facts["order"]
    return facts


def _policy(rnd: random.Random):
    params: dict = {}
    rules = [_rule(rnd, i, params) for i in range(rnd.randint(1, 12))]
    data = {"name": "runner", "version": "1", "flow": "runner", "parameters": params, "rules": rules,
            "routing": {"default_route": "manager", "default_sla_hours": 8, "unknown_requester_route": "manager",
                        "routes": [{"role": "manager", "approvers": ["a"]}]}}
    return build_policy(data, "runner")


def _outcome(call, facts):
    try:
        return call(facts)
    except Exception as err:  # both ways must fail alike (e.g. a quantifier over a number)
        return type(err)


@pytest.mark.parametrize("seed", range(60))
def test_the_generated_runner_gives_the_rules_own_results(seed):
    rnd = random.Random(seed)
    site = _policy(rnd).compiled.enterprise
    for _ in range(40):
        facts = _facts(rnd)
        expected = _outcome(lambda f: [unit(f) for unit in site.units], facts)
        got = _outcome(site.run, facts)
        if isinstance(expected, type):
            assert got is expected
            continue
        reasons, failing = got
        assert reasons == expected
        assert failing == [r for r in expected if not r["passed"]]


def test_the_random_policies_exercise_every_inline_form():
    forms = {type(rule.inline).__name__ for seed in range(60) for rule in _policy(random.Random(seed)).compiled.enterprise.rules}
    assert {"Compared", "Conditioned", "Counted", "NoneType"} <= forms
