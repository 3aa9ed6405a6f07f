"""Generate one function per compiled site that runs all its rules: reasons and failing results.

A site's rules are mostly comparisons of facts with constants; calling a closure per rule, and
reading the same fact again in each, costs more than the comparisons themselves. The generated
function reads each fact path once, writes those rules' tests inline (their constants, checks and
result prototypes bound as its globals) and calls the compiled closure of every other rule. It
only reads facts and copies prototypes, and gives exactly the closures' results (a test holds it
to them).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from sidecar.policy.conditions import _number, comparison, fast_check, split_path
from sidecar.policy.formats import EPSILON

# op -> (how the constant is shifted, the comparison written with the constant first): the same
# comparisons, in the same operand order, as conditions.fast_check's partials.
_NUMERIC = {"gt": (EPSILON, "<"), "gte": (-EPSILON, "<="), "lt": (-EPSILON, ">"), "lte": (EPSILON, ">=")}
_LOOKUP_ERRORS = "(KeyError, IndexError, TypeError)"

Runner = Callable[[Any], tuple[list, list]]


@dataclass(frozen=True)
class Compared:
    """A rule `fact op constant` (direct comparison): its result is its passed prototype plus what was seen."""

    keys: tuple            # the fact path
    op: str
    limit: Any             # the constant compared with
    check: Callable        # check(value) -> hit; TypeError reads as no hit
    fired: Callable        # fired(facts, seen, threshold) -> the rule's result when it fires
    threshold: Any         # the threshold its results show
    copy_passed: Callable  # a fresh copy of its passed result, observed still to be set


@dataclass(frozen=True)
class Conditioned:
    """A rule with an all/any/not condition whose passed result is constant (fixed observed and threshold)."""

    when: dict
    values: dict           # the site's parameter values
    fired: Callable
    observed: Any
    threshold: Any
    copy_passed: Callable  # a fresh copy of its whole passed result


@dataclass(frozen=True)
class Counted:
    """A `some` rule whose observation is how many items match; passed result constant but for that count."""

    when: dict
    values: dict
    fired: Callable
    threshold: Any
    copy_passed: Callable  # a fresh copy of its passed result, observed still to be set


def test_expression(op: str, limit: Any, value: str) -> str | None:
    """An expression true when `value` passes `op limit` as conditions.fast_check's check does; None when
    there is no such expression. Constants are bound under the names the returned text uses ({c})."""
    if _number(limit) and op in _NUMERIC:
        return f"{{c}} {_NUMERIC[op][1]} {value}"
    if _number(limit) and op == "eq" or op == "between" and _pair_of_numbers(limit):
        return f"{{lo}} <= {value} <= {{hi}}"
    if isinstance(limit, str) and op == "eq":
        return f"{{c}} == {value}"
    if isinstance(limit, str) and op in _NUMERIC:
        return f"{{c}} {_NUMERIC[op][1]} {value}"
    if isinstance(limit, bool) and op == "eq":
        return f"{{c}} is {value}"
    if op == "in" and isinstance(limit, frozenset):
        return f"{value} in {{c}}"
    return None


def _pair_of_numbers(limit: Any) -> bool:
    return isinstance(limit, list) and len(limit) == 2 and all(map(_number, limit))


def _constants(op: str, limit: Any) -> dict:
    """The constants test_expression's text names, shifted as fast_check shifts them."""
    if _number(limit) and op in _NUMERIC:
        return {"c": limit + _NUMERIC[op][0]}
    if _number(limit) and op == "eq":
        return {"lo": limit - EPSILON, "hi": limit + EPSILON}
    if op == "between" and _pair_of_numbers(limit):
        return {"lo": limit[0] - EPSILON, "hi": limit[1] + EPSILON}
    return {"c": limit}


class _Writer:
    """Source lines and the globals they use, for one generated runner."""

    def __init__(self):
        self.names: dict[str, Any] = {}
        self.paths: dict[tuple, str] = {}
        self.count = 0

    def bind(self, value: Any, prefix: str) -> str:
        """`value` as a literal when it is a plain number, string, bool or None, else a fresh global holding it."""
        if value is None or type(value) in (bool, int, str) or type(value) is float and math.isfinite(value):
            return repr(value)  # loaded as a constant: cheaper than a global
        self.count += 1
        name = f"{prefix}{self.count}"
        self.names[name] = value
        return name

    def read(self, keys: tuple) -> str | None:
        """The local variable holding facts at `keys` (read once, at the top); None for deeper paths."""
        if len(keys) not in (1, 2):
            return None
        return self.paths.setdefault(keys, f"v{len(self.paths)}")

    def prologue(self) -> list[str]:
        """Read every fact path once: None when a step is absent, as the closures' readers do."""
        lines = []
        for keys, var in self.paths.items():
            key_names = [self.bind(key, "k") for key in keys]
            lookup = "facts" + "".join(f"[{name}]" for name in key_names)
            lines += ["    try:", f"        {var} = {lookup}", f"    except {_LOOKUP_ERRORS}:", f"        {var} = None"]
        return lines

    def test(self, op: str, limit: Any, check: Callable, value: str, indent: str, errors: str = "TypeError"):
        """Lines setting a fresh local to whether `value` passes (a raised TypeError reads as no), and its name."""
        self.count += 1
        flag = f"t{self.count}"
        text = test_expression(op, limit, value)
        if text is None:
            expression = f"{self.bind(check, 'check')}({value})"
        else:
            expression = text.format(**{key: self.bind(constant, key) for key, constant in _constants(op, limit).items()})
        return [f"{indent}try:", f"{indent}    {flag} = {expression}", f"{indent}except {errors}:",
                f"{indent}    {flag} = False"], flag

    def condition(self, spec: dict, values: dict, indent: str, item: str | None = None):
        """(lines, expression) of an all/any/not condition of comparisons with constants; None when another kind.

        Over facts (`item` None) each fact is read once at the top; over a quantifier's item, each
        comparison reads the item's own one-key field.
        """
        for joiner in ("all", "any"):
            if joiner in spec:
                parts = [self.condition(part, values, indent, item) for part in spec[joiner]]
                if not parts or None in parts:
                    return None
                lines = [line for part_lines, _ in parts for line in part_lines]
                return lines, "(" + f" {'and' if joiner == 'all' else 'or'} ".join(text for _, text in parts) + ")"
        if "not" in spec:
            inner = self.condition(spec["not"], values, indent, item)
            return None if inner is None else (inner[0], f"(not {inner[1]})")
        if not isinstance(spec.get("fact"), str) or "op" not in spec:
            return None
        _, right, _ = comparison(spec, values)
        check = fast_check(spec["op"], right.const) if right.fixed else None
        if check is None or spec["op"] == "in" and None in right.const:
            return None  # (an absent fact is no match, though null is in the set: the closure says so)
        keys = split_path(spec["fact"])
        if item is None:
            value = self.read(keys)
            if value is None:
                return None
            return self.test(spec["op"], right.const, check, value, indent)
        expression = self.item_test(spec, right.const, check, item)
        if expression is None:
            return None
        self.count += 1
        flag = f"t{self.count}"
        return [f"{indent}try:", f"{indent}    {flag} = {expression}", f"{indent}except {_LOOKUP_ERRORS}:",
                f"{indent}    {flag} = False"], flag

    def item_test(self, spec: dict, limit: Any, check: Callable, item: str) -> str | None:
        """The expression comparing an item's one-key field (it raises when the field is absent); None otherwise."""
        keys = split_path(spec["fact"])
        if len(keys) != 1:
            return None
        key = self.bind(keys[0], "k")
        text = test_expression(spec["op"], limit, f"{item}[{key}]")
        if text is None:
            return f"{self.bind(check, 'check')}({item}[{key}])"
        return text.format(**{name: self.bind(value, name) for name, value in _constants(spec["op"], limit).items()})

    def item_all(self, spec: dict, values: dict, indent: str, item: str):
        """An `all` of an item's one-key comparisons in one guarded, short-circuit expression (as the closures'
        fused test: any absent field is no match); None when the condition is of another shape."""
        parts = spec.get("all") if isinstance(spec, dict) else None
        if not isinstance(parts, list) or len(parts) < 2:
            return None
        tests = []
        for part in parts:
            if not (isinstance(part, dict) and isinstance(part.get("fact"), str) and "op" in part):
                return None
            _, right, _ = comparison(part, values)
            check = fast_check(part["op"], right.const) if right.fixed else None
            test = self.item_test(part, right.const, check, item) if check is not None else None
            if test is None:
                return None
            tests.append(test)
        self.count += 1
        flag = f"t{self.count}"
        return [f"{indent}try:", f"{indent}    {flag} = " + " and ".join(tests), f"{indent}except {_LOOKUP_ERRORS}:",
                f"{indent}    {flag} = False"], flag


def _called(writer: _Writer, unit: Callable) -> list[str]:
    name = writer.bind(unit, "unit")
    return [f"    r = {name}(facts)", "    append(r)", "    if r['passed'] is False:", "        fail(r)"]


def _fires(fired: str, seen: str, threshold: str) -> list[str]:
    return [f"        r = {fired}(facts, {seen}, {threshold})", "        append(r)",
            "        if r['passed'] is False:", "            fail(r)"]


def _compared(writer: _Writer, rule: Compared) -> list[str] | None:
    value = writer.read(rule.keys)
    if value is None:
        return None
    lines, flag = writer.test(rule.op, rule.limit, rule.check, value, "    ")
    fired, limit, copy = (writer.bind(rule.fired, "fired"), writer.bind(rule.threshold, "limit"),
                          writer.bind(rule.copy_passed, "copy"))
    return lines + [f"    if {flag}:", *_fires(fired, value, limit),
                    "    else:", f"        r = {copy}()", f"        r['observed'] = {value}", "        append(r)"]


def _conditioned(writer: _Writer, rule: Conditioned) -> list[str] | None:
    written = writer.condition(rule.when, rule.values, "    ")
    if written is None:
        return None
    lines, expression = written
    fired, seen, limit, copy = (writer.bind(rule.fired, "fired"), writer.bind(rule.observed, "seen"),
                                writer.bind(rule.threshold, "limit"), writer.bind(rule.copy_passed, "copy"))
    return lines + [f"    if {expression}:", *_fires(fired, seen, limit),
                    "    else:", f"        append({copy}())"]


def _counted(writer: _Writer, rule: Counted) -> list[str] | None:
    items = writer.read(split_path(rule.when["some"]))
    written = writer.item_all(rule.when["where"], rule.values, "            ", "item") or \
        writer.condition(rule.when["where"], rule.values, "            ", item="item")
    if items is None or written is None:
        return None
    lines, expression = written
    fired, limit, copy = (writer.bind(rule.fired, "fired"), writer.bind(rule.threshold, "limit"),
                          writer.bind(rule.copy_passed, "copy"))
    return ["    if " + items + " is None:", "        seen = None", "    else:", "        seen = 0",
            f"        for item in {items}:", *lines, f"            if {expression}:", "                seen += 1",
            "    if seen:", *_fires(fired, "seen", limit),
            "    else:", f"        r = {copy}()", "        r['observed'] = seen", "        append(r)"]


_WRITERS = {Compared: _compared, Conditioned: _conditioned, Counted: _counted}


def generate_runner(units: list) -> Runner:
    """runner(facts) -> (every unit's result in order, those that failed).

    A unit is a Compared, Conditioned or Counted rule (written inline when its condition allows)
    or a callable (called), each with the callable it stands for: (inline form or None, callable).
    """
    writer = _Writer()
    body: list[str] = []
    for inline, unit in units:
        written = _WRITERS[type(inline)](writer, inline) if inline is not None else None
        body += written if written is not None else _called(writer, unit)
    source = "\n".join(["def runner(facts):", "    reasons, failing = [], []",
                        "    append, fail = reasons.append, failing.append", *writer.prologue(), *body,
                        "    return reasons, failing", ""])
    namespace = dict(writer.names)
    exec(compile(source, "<policy site runner>", "exec"), namespace)  # noqa: S102 - the policy's own compiled parts
    return namespace["runner"]
