"""The engine on a policy of its own (not the release one): tolerance with a condition, quantifiers,
membership, ranges, site layers, templates and the decision's shape for any flow."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from sidecar.errors import ConfigError
from sidecar.policy import build_policy, evaluate
from sidecar.policy.templates import compile_template

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
POLICY = {
    "name": "procurement-exception", "version": "1", "flow": "procurement-exception",
    "decision": {"pass_outcome": "clear", "labels": {"clear": "Cleared"}},
    "parameters": {
        "price_tolerance_percent": {"value": 2, "overridable": True},
        "max_deviation_percent": {"value": 5, "overridable": True},
        "blocked_categories": {"value": ["hazmat"], "overridable": False},
        "review_band": {"value": [1000, 5000]},
    },
    "rules": [
        {"id": "price_deviation", "when": {"fact": "deviation.price_percent", "op": "gt", "value": 0},
         "effect": "approve", "route": "buyer",
         "tolerance": {"value": {"param": "price_tolerance_percent"}, "unit": "absolute",
                       "when": {"fact": "vendor.approved", "op": "eq", "value": True},
                       "because": "the vendor is approved"},
         "message": "Price {observed|num}% above the agreement."},
        {"id": "lines_far_off", "when": {"some": "lines", "where": {"fact": "deviation_percent", "op": "gt",
                                                                   "value": {"param": "max_deviation_percent"}}},
         "effect": "approve", "route": "manager", "threshold": {"param": "max_deviation_percent"},
         "message": "{observed} line(s) deviate by more than {threshold|pct}.",
         "passed_message": "No line deviates by more than {threshold|pct}."},
        {"id": "blocked_category", "when": {"fact": "order.category", "op": "in", "value": {"param": "blocked_categories"}},
         "effect": "reject", "message": "Category {observed} is blocked[ for {vendor.name}]."},
        {"id": "review_band", "when": {"fact": "order.amount", "op": "between", "value": {"param": "review_band"}},
         "effect": "pass", "message": "Amount {observed|money} is in the review band."},
    ],
    "routing": {"default_route": "buyer", "default_sla_hours": 24, "unknown_requester_route": "manager",
                "routes": [{"role": "buyer", "approvers": ["b1"]}, {"role": "manager", "approvers": ["m1"]}]},
    "sites": {"company:1": {"parameters": {"max_deviation_percent": 10}},
              "warehouse:4": {"parameters": {"max_deviation_percent": 3, "price_tolerance_percent": 0}}},
}


def facts(*, price=1.5, approved=True, deviations=(1, 4, 6), category="office", amount=800.0, site=None,
          vendor_name="Wood Corner"):
    return {"deviation": {"price_percent": price}, "vendor": {"approved": approved, "name": vendor_name},
            "lines": [{"deviation_percent": d} for d in deviations],
            "order": {"category": category, "amount": amount, "currency": "EUR", "currency_decimals": 2},
            "site": site or {"company_id": 2, "warehouse_id": 9}, "requested_by": {"login": "req"}}


def decide(the_facts, data=None):
    return evaluate(the_facts, build_policy(data or POLICY), NOW)


def reason(decision, rule):
    return next(r for r in decision["reasons"] if r["rule"] == rule)


def test_a_deviation_inside_tolerance_clears_when_the_vendor_is_approved_and_says_why():
    got = reason(decide(facts(price=1.5, deviations=())), "price_deviation")
    assert (got["code"], got["passed"], got["effect"]) == ("price_deviation_within_tolerance", True, "none")
    assert got["message"] == "Price 1.5% above the agreement, within tolerance of 2 because the vendor is approved."


@pytest.mark.parametrize("price, approved, code", [(1.5, False, "price_deviation"), (2.5, True, "price_deviation"),
                                                   (0.0, True, "price_deviation_ok")])
def test_outside_tolerance_or_unapproved_vendor_needs_approval(price, approved, code):
    got = reason(decide(facts(price=price, approved=approved, deviations=())), "price_deviation")
    assert got["code"] == code and got["passed"] is (code == "price_deviation_ok")


def test_a_quantifier_reports_how_many_items_matched():
    decision = decide(facts(price=0.0, deviations=(1, 6, 7)))
    got = reason(decision, "lines_far_off")
    assert (got["observed"], got["threshold"], got["message"]) == (2, 5, "2 line(s) deviate by more than 5.0%.")
    assert decision["outcome"] == "approve" and decision["route"]["role"] == "manager"
    assert reason(decide(facts(price=0.0, deviations=(1, 2))), "lines_far_off")["message"] == \
        "No line deviates by more than 5.0%."


def test_membership_rejects_and_optional_segments_show_only_with_values():
    decision = decide(facts(category="hazmat"))
    assert decision["outcome"] == "reject"
    assert reason(decision, "blocked_category")["message"] == "Category hazmat is blocked for Wood Corner."
    assert reason(decide(facts(category="hazmat", vendor_name=None)), "blocked_category")["message"] == \
        "Category hazmat is blocked."


def test_a_range_is_inclusive_and_a_pass_rule_never_changes_the_outcome():
    decision = decide(facts(price=0.0, deviations=(), amount=5000.0))
    assert reason(decision, "review_band")["code"] == "review_band" and decision["outcome"] == "clear"
    assert decision["summary"] == "Cleared: all checks passed"
    assert reason(decision, "review_band")["message"] == "Amount 5,000.00 EUR is in the review band."


def test_warehouse_beats_company_beats_enterprise_and_each_value_names_its_layer():
    at_company = decide(facts(price=0.0, deviations=(6,), site={"company_id": 1, "warehouse_id": 9}))
    got = reason(at_company, "lines_far_off")
    assert got["passed"] and got["parameters"] == {"max_deviation_percent": {"value": 10, "layer": "company:1"}}
    at_warehouse = decide(facts(price=1.0, deviations=(4,), site={"company_id": 1, "warehouse_id": 4}))
    assert at_warehouse["policy"]["layers"] == ["enterprise", "company:1", "warehouse:4"]
    got = reason(at_warehouse, "lines_far_off")
    assert not got["passed"] and got["parameters"]["max_deviation_percent"] == {"value": 3, "layer": "warehouse:4"}
    price = reason(at_warehouse, "price_deviation")  # tolerance 0 at warehouse 4: 1 % is a breach there
    assert price["code"] == "price_deviation"
    assert price["parameters"]["price_tolerance_percent"] == {"value": 0, "layer": "warehouse:4"}


def test_an_override_of_a_value_the_enterprise_keeps_never_loads():
    data = copy.deepcopy(POLICY)
    data["sites"]["company:1"]["parameters"]["blocked_categories"] = []
    with pytest.raises(ConfigError) as caught:
        build_policy(data, "p.json")
    assert caught.value.problems == [
        "p.json: /sites/company:1/parameters/blocked_categories: parameter 'blocked_categories' is not overridable "
        "by a site"]


def test_a_missing_fact_never_matches_a_comparison():
    the_facts = facts(price=0.0, deviations=())
    del the_facts["order"]["category"]
    assert reason(decide(the_facts), "blocked_category")["passed"] is True


@pytest.mark.parametrize("template, expected", [
    ("{observed|pct}", "14.996%"), ("{{literal}} [[x]]", "{literal} [x]"), ("[{threshold|num} points]", ""),
    ("{params.limit|num}", "15"),
])
def test_templates(template, expected):
    render = compile_template(template, {"limit": 15}, None, (15,))
    text = render if isinstance(render, str) else render({}, 14.996, None, None)
    assert text == expected
