"""Compile conditions and operands of a policy into closures over facts (paths split once)."""
from __future__ import annotations

import operator
from datetime import timedelta
from functools import partial
from typing import Any, Callable

from sidecar.policy.formats import EPSILON, iso_z
from sidecar.values import utc_moment

Getter = Callable[[Any], Any]
Test = Callable[[Any], bool]
NUMERIC_OPS = ("lt", "lte", "gt", "gte")
NO_VALUE_OPS = ("exists", "missing")


def split_path(path: str) -> tuple:
    """A dotted fact path as keys (list indexes as ints)."""
    return tuple(int(key) if key.isdigit() else key for key in path.split("."))


def getter(path: str) -> Getter:
    """A function reading a dotted path from facts; None when any step is absent."""
    keys = split_path(path)
    if len(keys) == 1:
        (a,) = keys

        def get(facts):
            try:
                return facts[a]
            except (KeyError, IndexError, TypeError):
                return None
    elif len(keys) == 2:
        a, b = keys

        def get(facts):
            try:
                return facts[a][b]
            except (KeyError, IndexError, TypeError):
                return None
    elif len(keys) == 3:
        a, b, c = keys

        def get(facts):
            try:
                return facts[a][b][c]
            except (KeyError, IndexError, TypeError):
                return None
    else:
        def get(facts):
            try:
                for key in keys:
                    facts = facts[key]
                return facts
            except (KeyError, IndexError, TypeError):
                return None
    return get


class Operand:
    """A value known at compile time (`const`) or read from facts (`read`)."""

    __slots__ = ("const", "read", "fixed")

    def __init__(self, const: Any = None, read: Getter | None = None):
        self.const, self.read, self.fixed = const, read, read is None

    def __call__(self, facts) -> Any:
        return self.const if self.fixed else self.read(facts)


def shift_days(moment: Any, days: Any) -> str | None:
    """An ISO 8601 moment moved by a number of days, as ISO 8601 UTC; None when either is missing."""
    if moment is None or days is None:
        return None
    return iso_z(utc_moment(moment) + timedelta(days=days))


def operand(spec: Any, params: dict[str, Any]) -> Operand:
    """Compile a literal, {"param"}, {"fact"} (with optional plus_days) or a list of them."""
    if isinstance(spec, dict):
        base = Operand(params[spec["param"]]) if "param" in spec else Operand(read=getter(spec["fact"]))
        if "plus_days" not in spec:
            return base
        days = operand(spec["plus_days"], params)
        if base.fixed and days.fixed:
            return Operand(shift_days(base.const, days.const))
        return Operand(read=lambda facts: shift_days(base(facts), days(facts)))
    if isinstance(spec, list):
        parts = [operand(item, params) for item in spec]
        if all(part.fixed for part in parts):
            return Operand([part.const for part in parts])
        return Operand(read=lambda facts: [part(facts) for part in parts])
    return Operand(spec)


# -- predicates: (observed, value) -> bool; a missing side is never a match --------------------------

def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _gt(a, b):
    if a is None or b is None:
        return False
    if _number(a) and _number(b):
        return a > b + EPSILON
    try:
        return a > b
    except TypeError:
        return False


def _gte(a, b):
    if a is None or b is None:
        return False
    if _number(a) and _number(b):
        return a >= b - EPSILON
    try:
        return a >= b
    except TypeError:
        return False


def _lt(a, b):
    if a is None or b is None:
        return False
    if _number(a) and _number(b):
        return a < b - EPSILON
    try:
        return a < b
    except TypeError:
        return False


def _lte(a, b):
    if a is None or b is None:
        return False
    if _number(a) and _number(b):
        return a <= b + EPSILON
    try:
        return a <= b
    except TypeError:
        return False


def _eq(a, b):
    if a is None or b is None:
        return False
    if _number(a) and _number(b):
        return abs(a - b) <= EPSILON
    return a == b


def _ne(a, b):
    if a is None or b is None:
        return False
    return not _eq(a, b)


def _in(a, b):
    if a is None or b is None:
        return False
    try:
        return a in b
    except TypeError:
        return False


def _not_in(a, b):
    if a is None or b is None:
        return False
    try:
        return a not in b
    except TypeError:
        return False


def _between(a, b):
    if a is None or not b or len(b) != 2 or b[0] is None or b[1] is None:
        return False
    return _gte(a, b[0]) and _lte(a, b[1])


def _contains(a, b):
    if a is None or b is None:
        return False
    try:
        return b in a
    except TypeError:
        return False


PREDICATES: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _eq, "ne": _ne, "lt": _lt, "lte": _lte, "gt": _gt, "gte": _gte, "in": _in, "not_in": _not_in,
    "between": _between, "contains": _contains,
    "exists": lambda a, _b: a is not None, "missing": lambda a, _b: a is None,
}


def _set_if_hashable(values):
    """A frozenset for fast membership when every member is hashable (floats and ints compare alike)."""
    try:
        return frozenset(values)
    except TypeError:
        return values


def subject(spec: dict, params: dict[str, Any]) -> Operand:
    """The left side of a comparison: a fact, or a parameter."""
    return Operand(params[spec["param"]]) if "param" in spec else Operand(read=getter(spec["fact"]))


def comparison(spec: dict, params: dict[str, Any]) -> tuple[Operand, Operand, Callable[[Any, Any], bool]]:
    """Left side, right side and predicate of a comparison."""
    left, op = subject(spec, params), spec["op"]
    right = operand(spec.get("value"), params)
    if op in ("in", "not_in") and right.fixed and isinstance(right.const, list):
        right = Operand(_set_if_hashable(right.const))
    return left, right, PREDICATES[op]


def fast_check(op: str, const: Any) -> Callable[[Any], bool] | None:
    """A one-argument check of a value against a constant, mostly C-level; raises TypeError (read as
    false) on a missing or mistyped value. None when the operator needs the general path."""
    if _number(const):
        if op == "gt":
            return partial(operator.lt, const + EPSILON)
        if op == "gte":
            return partial(operator.le, const - EPSILON)
        if op == "lt":
            return partial(operator.gt, const - EPSILON)
        if op == "lte":
            return partial(operator.ge, const + EPSILON)
        if op == "eq":
            low, high = const - EPSILON, const + EPSILON
            return lambda value: low <= value <= high
    elif isinstance(const, str):
        if op in ("gt", "gte", "lt", "lte"):
            return partial({"gt": operator.lt, "gte": operator.le, "lt": operator.gt, "lte": operator.ge}[op], const)
        if op == "eq":
            return partial(operator.eq, const)
    elif isinstance(const, bool) and op == "eq":
        return partial(operator.is_, const)
    if op == "in" and isinstance(const, frozenset):
        return const.__contains__
    if op == "between" and isinstance(const, list) and len(const) == 2 and all(_number(v) for v in const):
        low, high = const[0] - EPSILON, const[1] + EPSILON
        return lambda value: low <= value <= high
    return None


def _bind(path: str, check: Callable[[Any], bool]) -> Test:
    """check(facts at path), false when the path is absent or the value of another type."""
    keys = split_path(path)
    if len(keys) == 1:
        (a,) = keys

        def test(facts):
            try:
                return check(facts[a])
            except (KeyError, IndexError, TypeError):
                return False
    elif len(keys) == 2:
        a, b = keys

        def test(facts):
            try:
                return check(facts[a][b])
            except (KeyError, IndexError, TypeError):
                return False
    else:
        read = getter(path)

        def test(facts):
            try:
                return check(read(facts))
            except TypeError:
                return False
    return test


def _comparison_test(spec: dict, params: dict[str, Any]) -> Test:
    left, right, pred = comparison(spec, params)
    if "fact" in spec and right.fixed:
        check = fast_check(spec["op"], right.const)
        if check is not None:
            return _bind(spec["fact"], check)
    if left.fixed and right.fixed:
        result = pred(left.const, right.const)
        return lambda facts: result
    if right.fixed:
        read, value = left.read, right.const
        return lambda facts: pred(read(facts), value)
    return lambda facts: pred(left(facts), right(facts))


def count_matching(spec: dict, params: dict[str, Any]) -> Callable[[Any], int | None]:
    """How many items of a quantifier's list satisfy its `where`; None when the list is missing."""
    items, where = getter(spec.get("some") or spec.get("every")), compile_condition(spec["where"], params)

    def count(facts):
        found = items(facts)
        if found is None:
            return None
        return sum(map(where, found))  # C-level loop over the items
    return count


def _fused_all(items: list, params: dict[str, Any]) -> Test | None:
    """`all` of one-key comparisons with constants (an item's fields, in a quantifier) as one loop."""
    pairs = []
    for item in items:
        if not (isinstance(item, dict) and "op" in item and isinstance(item.get("fact"), str)
                and "." not in item["fact"]):
            return None
        left, right, _ = comparison(item, params)
        check = fast_check(item["op"], right.const) if right.fixed else None
        if check is None:
            return None
        pairs.append((item["fact"], check))
    pairs = tuple(pairs)
    if len(pairs) == 2:  # the usual item test (category and deviation), unrolled
        (key_a, check_a), (key_b, check_b) = pairs

        def both(facts):
            try:
                return check_a(facts[key_a]) and check_b(facts[key_b])
            except (KeyError, IndexError, TypeError):
                return False
        return both

    def all_of(facts):
        try:
            for key, check in pairs:
                if not check(facts[key]):
                    return False
            return True
        except (KeyError, IndexError, TypeError):
            return False
    return all_of


def compile_condition(spec: dict, params: dict[str, Any]) -> Test:
    """A condition (all/any/not/some/every/comparison) as a function of facts -> bool."""
    if "all" in spec:
        fused = _fused_all(spec["all"], params)
        if fused is not None:
            return fused
        tests = tuple(compile_condition(item, params) for item in spec["all"])
        if len(tests) == 1:
            return tests[0]
        if len(tests) == 2:
            first, second = tests
            return lambda facts: first(facts) and second(facts)

        def all_of(facts):
            for test in tests:
                if not test(facts):
                    return False
            return True
        return all_of
    if "any" in spec:
        tests = tuple(compile_condition(item, params) for item in spec["any"])
        if len(tests) == 1:
            return tests[0]

        def any_of(facts):
            for test in tests:
                if test(facts):
                    return True
            return False
        return any_of
    if "not" in spec:
        inner = compile_condition(spec["not"], params)
        return lambda facts: not inner(facts)
    if "some" in spec or "every" in spec:
        items, where = getter(spec.get("some") or spec.get("every")), compile_condition(spec["where"], params)
        if "some" in spec:
            def some(facts):
                found = items(facts)
                if not found:
                    return False
                for item in found:
                    if where(item):
                        return True
                return False
            return some

        def every(facts):  # missing list: false; empty list: true
            found = items(facts)
            if found is None:
                return False
            for item in found:
                if not where(item):
                    return False
            return True
        return every
    return _comparison_test(spec, params)


def walk(spec: Any, pointer: str):
    """Every (pointer, object) inside a condition or operand, depth first, to check references."""
    yield pointer, spec
    if isinstance(spec, dict):
        for key, value in spec.items():
            if isinstance(value, (dict, list)):
                yield from walk(value, f"{pointer}/{key}")
    elif isinstance(spec, list):
        for index, value in enumerate(spec):
            yield from walk(value, f"{pointer}/{index}")
