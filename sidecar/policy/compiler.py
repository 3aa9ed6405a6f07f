"""Compile a validated policy once into closures per site layer: rules that answer their result."""
from __future__ import annotations

import operator
import threading
from functools import partial
from typing import Any, Callable

from sidecar.policy.conditions import (
    NO_VALUE_OPS, Operand, compile_condition, comparison, count_matching, fast_check, operand, split_path, subject,
    walk,
)
from sidecar.policy.formats import EPSILON
from sidecar.policy.runner import Compared, Conditioned, Counted, generate_runner
from sidecar.policy.templates import compile_template, parse, placeholders

ENTERPRISE = "enterprise"
SITE_CACHE_LIMIT = 4096  # distinct (company, warehouse) pairs remembered; compiled layers are shared
DEFAULT_LABELS = {"release": "Released", "approve": "Approval needed", "reject": "Rejected"}


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}").replace("[", "[[").replace("]", "]]")


def rule_parameters(rule: dict) -> list[str]:
    """Names of the parameters a rule uses, in order of first use (conditions, tolerance, messages)."""
    names: list[str] = []
    for _, node in walk({k: v for k, v in rule.items() if k not in ("message", "passed_message",
                                                                     "tolerated_message", "summary",
                                                                     "tolerated_summary")}, ""):
        if isinstance(node, dict) and isinstance(node.get("param"), str) and node["param"] not in names:
            names.append(node["param"])
    for key in ("message", "passed_message", "tolerated_message", "summary", "tolerated_summary"):
        if key in rule:
            try:
                found = [name[7:] for name, _, _ in placeholders(parse(rule[key])) if name.startswith("params.")]
            except ValueError:
                continue
            names += [name for name in found if name not in names]
    return names


def site_layers(data: dict, company_id: Any, warehouse_id: Any) -> tuple[str, ...]:
    """Site layers of the policy that apply to a document, weakest first (company, then warehouse)."""
    sites = data.get("sites") or {}
    layers = []
    if company_id is not None and f"company:{company_id}" in sites:
        layers.append(f"company:{company_id}")
    if warehouse_id is not None and f"warehouse:{warehouse_id}" in sites:
        layers.append(f"warehouse:{warehouse_id}")
    return tuple(layers)


def resolve_parameters(data: dict, layers: tuple[str, ...]) -> dict[str, tuple[Any, str]]:
    """Each parameter's (value, layer that set it): warehouse beats company beats enterprise."""
    declared = data.get("parameters") or {}
    values = {name: (spec["value"], ENTERPRISE) for name, spec in declared.items()}
    for layer in layers:
        for name, value in ((data["sites"][layer] or {}).get("parameters") or {}).items():
            if name in declared and declared[name].get("overridable"):
                values[name] = (value, layer)
    return values


class CompiledRule:
    """One rule at one site: `run(facts)` gives its result; `brief` its summary phrase."""

    __slots__ = ("id", "check", "effect", "route", "code", "passed_code", "tolerated_code", "run", "brief",
                 "tolerance", "inline")

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)


def _reader(op: Operand) -> Callable[[Any], Any]:
    if op.fixed:
        const = op.const
        return lambda facts: const
    return op.read


def _renderer(text: str, values: dict, subject_path: str | None, references: tuple):
    """(facts, observed, threshold, tolerance) -> str, from a template (constant ones pre-rendered)."""
    compiled = compile_template(text, values, subject_path, references)
    if isinstance(compiled, str):
        return lambda facts, observed, threshold, tolerance: compiled
    return compiled


def _constant_text(text: str, values: dict, subject_path: str | None, references: tuple,
                   threshold: Operand) -> str | None:
    """A template with no placeholders, or only constant ones (a fixed threshold, parameters; no money,
    whose currency is in the facts), rendered once at compile time; None otherwise."""
    try:
        found = list(placeholders(parse(text)))
    except ValueError:
        return None
    if not found:
        return _renderer(text, values, subject_path, references)({}, None, None, None)
    if not threshold.fixed:
        return None
    if any(fmt == "money" or not (name == "threshold" or name.startswith("params.")) for name, fmt, _ in found):
        return None
    return _renderer(text, values, subject_path, references)({}, None, threshold.const, None)


def compile_rule(rule: dict, resolved: dict[str, tuple[Any, str]], references: tuple) -> CompiledRule:
    """Compile one rule with its parameters resolved for a site."""
    values = {name: value for name, (value, _) in resolved.items()}
    used = rule_parameters(rule)
    parameters = {name: {"value": resolved[name][0], "layer": resolved[name][1]} for name in used}
    when, rule_id, effect = rule["when"], rule["id"], rule["effect"]
    is_comparison = "op" in when
    is_quantifier = "some" in when or "every" in when
    subject_path = when.get("fact") if is_comparison else when.get("some") or when.get("every")
    if "observed" in rule:
        observed = operand(rule["observed"], values)
        if isinstance(rule["observed"], dict) and "fact" in rule["observed"]:
            subject_path = rule["observed"]["fact"]
    elif is_comparison:
        observed = subject(when, values)
    elif is_quantifier:
        observed = Operand(read=count_matching(when, values))
    else:
        observed = Operand(None)
    if "threshold" in rule:
        threshold = operand(rule["threshold"], values)
    elif is_comparison and when["op"] not in NO_VALUE_OPS:
        threshold = operand(when.get("value"), values)
    else:
        threshold = Operand(None)
    read_observed, read_threshold = _reader(observed), _reader(threshold)
    direct = is_comparison and "observed" not in rule and "threshold" not in rule
    if direct:
        left, right, pred = comparison(when, values)
        read_left, read_right = _reader(left), _reader(right)
    test = compile_condition(when, values)

    inline = None  # set below when the rule can be written into its site's generated runner
    fired_effect = "none" if effect in ("pass", "route") else effect
    base = {"rule": rule_id}
    if rule.get("check"):
        base["check"] = rule["check"]
    code = rule.get("code", rule_id)
    passed_code = rule.get("passed_code", f"{rule_id}_ok")
    tolerated_code = rule.get("tolerated_code", f"{rule_id}_within_tolerance")
    description = rule.get("description") or f"Rule {rule_id}"
    fired_text = rule.get("message", description)
    passed_text = rule.get("passed_message", description)
    refs = references + tuple(v for v in (threshold.const,) if threshold.fixed and isinstance(v, (int, float)))

    def proto(code_: str, passed: bool, result_effect: str) -> dict:
        out = dict(base, code=code_, passed=passed, effect=result_effect, message=None, observed=None,
                   threshold=None, parameters=parameters)
        if rule.get("route") and not passed or (effect == "route" and result_effect == "route"):
            out["route"] = rule.get("route")
        return out
    fired_proto = proto(code, effect in ("pass", "route"), "route" if effect == "route" else fired_effect)
    passed_proto = proto(passed_code, True, "none")
    render_fired = _renderer(fired_text, values, subject_path, refs)
    constant_passed = _constant_text(passed_text, values, subject_path, refs, threshold)
    render_passed = (lambda facts, observed, limit, tolerance: constant_passed) if constant_passed is not None \
        else _renderer(passed_text, values, subject_path, refs)
    render_brief = _renderer(rule.get("summary", fired_text), values, subject_path, refs)

    tolerance = rule.get("tolerance")
    tol_value = _reader(operand(tolerance["value"], values)) if tolerance else None
    if tolerance:
        percent = tolerance.get("unit") == "percent"
        tol_when = compile_condition(tolerance["when"], values) if "when" in tolerance else (lambda facts: True)
        upward = when["op"] in ("gt", "gte")  # a breach above the threshold
        because = tolerance.get("because")
        tol_text = rule.get("tolerated_message") or (
            f"{fired_text.rstrip('.')}, within tolerance of {{tolerance|num}}{' %' if percent else ''}"
            + (f" because {_escape(because)}" if because else "") + ".")
        render_tolerated = _renderer(tol_text, values, subject_path, refs)
        render_tol_brief = _renderer(rule.get("tolerated_summary", tol_text), values, subject_path, refs)
        tolerated_proto = proto(tolerated_code, True, "none")

        def tolerated(facts, seen, limit):
            if not (isinstance(seen, (int, float)) and isinstance(limit, (int, float))):
                return None
            allowed = tol_value(facts)
            if allowed is None:
                return None
            if percent:
                allowed = abs(limit) * allowed / 100
            inside = seen <= limit + allowed + EPSILON if upward else seen >= limit - allowed - EPSILON
            if not inside or not tol_when(facts):
                return None
            result = tolerated_proto.copy()
            result["observed"], result["threshold"] = seen, limit
            result["message"] = render_tolerated(facts, seen, limit, tol_value(facts))
            return result
    else:
        tolerated = None

    def fired(facts, seen, limit):
        if tolerated is not None:
            result = tolerated(facts, seen, limit)
            if result is not None:
                return result
        result = fired_proto.copy()
        result["observed"], result["threshold"] = seen, limit
        result["message"] = render_fired(facts, seen, limit, tol_value(facts) if tol_value else None)
        return result

    if direct and right.fixed:
        limit_const, read_left_ = right.const, read_left
        passed_proto["threshold"] = threshold.const
        passed_compiled = _constant_text(passed_text, values, subject_path, refs, threshold) or \
            compile_template(passed_text, values, subject_path, refs)
        passed_message = None if isinstance(passed_compiled, str) else passed_compiled
        if passed_message is None:
            passed_proto["message"] = passed_compiled
        shown_limit = threshold.const

        check = {"missing": partial(operator.is_, None), "exists": partial(operator.is_not, None),
                 "ne": (lambda value: value is not None and value != limit_const)
                 if isinstance(limit_const, str) else None}.get(when["op"]) or fast_check(when["op"], limit_const)
        if check is None:
            def check(value, pred=pred, limit=limit_const):
                return pred(value, limit)
        keys = split_path(when["fact"]) if "fact" in when else ()

        def passed(facts, seen):
            result = passed_proto.copy()
            result["observed"] = seen
            if passed_message is not None:
                result["message"] = passed_message(facts, seen, shown_limit, None)
            return result

        if len(keys) == 2 and passed_message is None:  # the common case, inlined: one call per rule
            key_a, key_b = keys
            copy_passed = passed_proto.copy
            inline = Compared(keys, when["op"], limit_const, check, fired, shown_limit, copy_passed)

            def run(facts):
                try:
                    seen = facts[key_a][key_b]
                except (KeyError, IndexError, TypeError):
                    seen = None
                try:
                    hit = check(seen)
                except TypeError:
                    hit = False
                if hit:
                    return fired(facts, seen, shown_limit)
                result = copy_passed()
                result["observed"] = seen
                return result
        else:
            def run(facts):
                seen = read_left_(facts)
                try:
                    hit = check(seen)
                except TypeError:
                    hit = False
                if hit:
                    return fired(facts, seen, shown_limit)
                return passed(facts, seen)
    elif direct:
        def run(facts):
            seen, limit = read_left(facts), read_right(facts)
            if pred(seen, limit):
                return fired(facts, seen, read_threshold(facts))
            result = passed_proto.copy()
            shown = read_threshold(facts)
            result["observed"], result["threshold"] = seen, shown
            result["message"] = render_passed(facts, seen, shown, None)
            return result
    elif is_quantifier and "some" in when and "observed" not in rule:
        if threshold.fixed and constant_passed is not None:
            counted_proto = dict(passed_proto, threshold=threshold.const, message=constant_passed)
            inline = Counted(when, values, fired, threshold.const, counted_proto.copy)

        def run(facts):  # one pass: the matching count is both the observation and the test
            seen, limit = read_observed(facts), read_threshold(facts)
            if seen:
                return fired(facts, seen, limit)
            result = passed_proto.copy()
            result["observed"], result["threshold"] = seen, limit
            result["message"] = render_passed(facts, seen, limit, None)
            return result
    else:
        if observed.fixed and threshold.fixed and constant_passed is not None:
            whole_passed = dict(passed_proto, observed=observed.const, threshold=threshold.const,
                                message=constant_passed)
            inline = Conditioned(when, values, fired, observed.const, threshold.const, whole_passed.copy)

        def run(facts):
            seen, limit = read_observed(facts), read_threshold(facts)
            if test(facts):
                return fired(facts, seen, limit)
            result = passed_proto.copy()
            result["observed"], result["threshold"] = seen, limit
            result["message"] = render_passed(facts, seen, limit, None)
            return result

    own_summary, own_tolerated_summary = "summary" in rule, "tolerated_summary" in rule

    def brief(facts, result: dict) -> str:
        tolerated_result = tolerance and result["code"] == tolerated_code
        if not (own_tolerated_summary if tolerated_result else own_summary):
            return result["message"]  # the summary is the message, already rendered
        render = render_tol_brief if tolerated_result else render_brief
        return render(facts, result["observed"], result["threshold"], tol_value(facts) if tol_value else None)

    return CompiledRule(id=rule_id, check=rule.get("check"), effect=effect, route=rule.get("route"), code=code,
                        passed_code=passed_code, tolerated_code=tolerated_code if tolerance else None, run=run,
                        brief=brief, tolerance=tolerance, inline=inline)


def _group(rules: list[CompiledRule]) -> Callable[[Any], dict]:
    """One reason for rules sharing a check: the first that fires (or is tolerated), else the last pass."""
    *leading, last = rules
    leading_runs = tuple((rule.run, rule.passed_code) for rule in leading)
    last_run = last.run

    def run(facts):
        for run_rule, passed_code in leading_runs:
            result = run_rule(facts)
            if result["passed"] is False or result["code"] != passed_code:
                return result
        return last_run(facts)
    return run


class CompiledSite:
    """A policy compiled for one combination of site layers."""

    def __init__(self, data: dict, layers: tuple[str, ...]):
        self.layers = (ENTERPRISE, *layers)
        self.parameters = resolve_parameters(data, layers)
        rules = [rule for rule in data.get("rules", []) if rule.get("enabled", True)]
        group_refs: dict[str, tuple] = {}
        for rule in rules:
            key = rule.get("check") or f"#{rule['id']}"
            numbers = [self.parameters[name][0] for name in rule_parameters(rule)
                       if isinstance(self.parameters[name][0], (int, float))
                       and not isinstance(self.parameters[name][0], bool)]
            group_refs[key] = group_refs.get(key, ()) + tuple(numbers)
        for rule in rules:  # a threshold minus its tolerance is a reference too (margin 14.5 vs 15 - 0.5)
            key = rule.get("check") or f"#{rule['id']}"
            refs = group_refs[key]
            tol = rule.get("tolerance")
            if tol and (tol.get("unit", "absolute") == "absolute"):
                spec = tol["value"]
                amount = self.parameters[spec["param"]][0] if isinstance(spec, dict) and "param" in spec else spec
                limit = rule["when"].get("value")
                limit = self.parameters[limit["param"]][0] if isinstance(limit, dict) and "param" in limit else limit
                if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (amount, limit)):
                    group_refs[key] = refs + (limit - amount, limit + amount)
        self.rules = [compile_rule(rule, self.parameters, group_refs[rule.get("check") or f"#{rule['id']}"])
                      for rule in rules]
        self.by_id = {rule.id: rule for rule in self.rules}
        self.route_rules = [rule for rule in self.rules if rule.effect == "route"]
        self.units: list[Callable[[Any], dict]] = []
        groups: dict[str, list[CompiledRule]] = {}
        order: list = []
        for rule in self.rules:
            if rule.effect == "route":
                continue
            if rule.check:
                if rule.check not in groups:
                    groups[rule.check] = []
                    order.append(rule.check)
                groups[rule.check].append(rule)
            else:
                order.append(rule)
        inlined: list = []  # per unit, (its inline form or None, the unit to call)
        for item in order:
            if isinstance(item, str):
                members = groups[item]
                rule = members[0] if len(members) == 1 else None
                self.units.append(rule.run if rule else _group(members))
            else:
                rule = item
                self.units.append(item.run)
            inlined.append((rule.inline if rule is not None else None, self.units[-1]))
        self.run = generate_runner(inlined)  # facts -> (reasons, failing): the same results as the units'
        self.tolerated_codes = frozenset(rule.tolerated_code for rule in self.rules if rule.tolerated_code)
        self.layer_list = list(self.layers)


class CompiledPolicy:
    """A policy compiled once at load; per-site layers compiled on first use and kept."""

    def __init__(self, data: dict):
        self.data = data
        decision = data.get("decision") or {}
        self.pass_outcome = decision.get("pass_outcome", "release")
        self.labels = {**DEFAULT_LABELS, **(decision.get("labels") or {})}
        self.labels.setdefault(self.pass_outcome, "Passed")
        self.all_passed = decision.get("all_passed", "all checks passed")
        self.nothing_checked = decision.get("nothing_checked", "no checks enabled")
        self._by_layers: dict[tuple, CompiledSite] = {(): CompiledSite(data, ())}
        self._by_site: dict[tuple, CompiledSite] = {}
        self._lock = threading.Lock()
        self.enterprise = self._by_layers[()]
        self.has_sites = bool(data.get("sites"))

    def for_layers(self, layers: tuple[str, ...]) -> CompiledSite:
        """The compiled policy for these site layers (compiled once)."""
        site = self._by_layers.get(layers)
        if site is None:
            with self._lock:
                site = self._by_layers.get(layers) or CompiledSite(self.data, layers)
                self._by_layers[layers] = site
        return site

    def for_facts(self, facts: dict) -> CompiledSite:
        """The compiled policy for the site the facts name (facts["site"]: company_id, warehouse_id)."""
        if not self.has_sites:
            return self.enterprise
        where = facts.get("site") or {}
        key = (where.get("company_id"), where.get("warehouse_id"))
        site = self._by_site.get(key)
        if site is None:
            site = self.for_layers(site_layers(self.data, *key))
            if len(self._by_site) < SITE_CACHE_LIMIT:
                self._by_site[key] = site
        return site
