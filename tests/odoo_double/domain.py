"""Odoo domains: validation with Odoo's error texts, and evaluation on one record.

Supported: prefix operators ``&``, ``|``, ``!`` (implicit ``&`` between
terms), the boolean leaves ``(1, '=', 1)`` / ``(0, '=', 1)``, operators
``= != < > <= >= in, not in, like, not like, ilike, not ilike, =like, =ilike,
=?, child_of, parent_of, any, not any``, dotted paths through relational
fields, many2one compared by id (or by name when given a string).  NULL
semantics follow Odoo's SQL: ``!=``, ``not in`` and ``not (i)like`` also match
empty values.
"""
from __future__ import annotations

import re

from . import errors

OPERATORS = ("=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "like", "not like",
             "ilike", "not ilike", "in", "not in", "child_of", "parent_of", "any", "not any")
NEGATIVE = ("!=", "not like", "not ilike", "not in", "not any")
TRUE_LEAF, FALSE_LEAF = (1, "=", 1), (0, "=", 1)
ARITY = {"!": 1, "&": 2, "|": 2}


def normalize(domain) -> list:
    """Prefix form with explicit ``&`` (Odoo's ``normalize_domain``)."""
    if not domain:
        return [TRUE_LEAF]
    result, expected = [], 1
    for token in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(token, (list, tuple)):
            expected -= 1
            token = tuple(token)
        else:
            if token not in ARITY:
                raise errors.value_error(f"Invalid domain term {token!r}")
            expected += ARITY[token] - 1
        result.append(token)
    if expected != 0:
        raise errors.value_error(f"Invalid domain {list(domain)!r}")
    return result


def parse(domain):
    """A tree: ``('leaf', item)``, ``('!', node)``, ``('&'|'|', a, b)``."""
    tokens = normalize(domain)

    def walk(pos):
        token = tokens[pos]
        if token == "!":
            node, nxt = walk(pos + 1)
            return ("!", node), nxt
        if token in ("&", "|"):
            left, nxt = walk(pos + 1)
            right, nxt = walk(nxt)
            return (token, left, right), nxt
        return ("leaf", token), pos + 1

    tree, _end = walk(0)
    return tree


def is_boolean_leaf(item) -> bool:
    return item in (TRUE_LEAF, FALSE_LEAF)


def validate(registry, model: str, domain) -> None:
    """Raise Odoo's ValueError for unknown fields or operators."""
    for token in normalize(domain):
        if isinstance(token, tuple):
            validate_leaf(registry, model, token)


def validate_leaf(registry, model: str, item) -> None:
    if len(item) != 3:
        raise errors.value_error(f"Invalid leaf {item!r}")
    if is_boolean_leaf(item):
        return
    left, operator, right = item
    if not isinstance(left, str):
        raise errors.value_error(f"Invalid leaf {item!r}")
    path = left.split(".", 1)
    fdef = registry.field(model, path[0])
    if fdef is None:
        raise errors.value_error(f"Invalid field {model}.{path[0]} in leaf {item!r}")
    if not isinstance(operator, str) or operator.lower() not in OPERATORS:
        raise errors.value_error(f"Invalid operator {operator!r} in leaf {item!r}")
    if len(path) > 1 and fdef.relational and fdef.relation in registry:
        validate_leaf(registry, fdef.relation, (path[1], operator, right))
    elif operator in ("any", "not any") and fdef.relation in registry:
        validate(registry, fdef.relation, right)


def matches(env, model: str, rid: int, tree) -> bool:
    kind = tree[0]
    if kind == "leaf":
        return match_leaf(env, model, rid, tree[1])
    if kind == "!":
        return not matches(env, model, rid, tree[1])
    if kind == "&":
        return matches(env, model, rid, tree[1]) and matches(env, model, rid, tree[2])
    return matches(env, model, rid, tree[1]) or matches(env, model, rid, tree[2])


def match_leaf(env, model: str, rid: int, item) -> bool:
    if is_boolean_leaf(item):
        return item == TRUE_LEAF
    left, operator, right = item
    operator = operator.lower()
    fname, _dot, rest = left.partition(".")
    fdef = env.registry.field(model, fname)
    value = env.get(model, rid, fname)
    if rest and fdef.relational:
        targets = _as_ids(value)
        if fdef.relation not in env.registry:
            return False
        return any(match_leaf(env, fdef.relation, target, (rest, operator, right)) for target in targets)
    if operator in ("any", "not any"):
        found = bool(set(_as_ids(value)) & set(env.search(fdef.relation, right, active_test=False)))
        return found if operator == "any" else not found
    if operator == "=?":
        if right is None or right is False:
            return True
        operator = "="
    if fdef.type == "many2one":
        return _match_relational(env, fdef, _as_ids(value), operator, right)
    if fdef.type in ("one2many", "many2many"):
        return _match_relational(env, fdef, _as_ids(value), operator, right)
    if operator in ("child_of", "parent_of"):
        return _match_relational(env, fdef, [rid], operator, right, model=model)
    return compare(value, operator, right, fdef.type)


def _as_ids(value) -> list:
    if not value:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _match_relational(env, fdef, ids, operator, right, model=None) -> bool:
    comodel = model or fdef.relation
    if operator in ("child_of", "parent_of"):
        wanted = set(_target_ids(env, comodel, right))
        spec = env.registry[comodel]
        for rid in ids:
            family = _ancestors(env, spec, rid) if operator == "child_of" else _descendants(env, spec, rid)
            if family & wanted:
                return True
        return False
    if isinstance(right, str) or (isinstance(right, (list, tuple)) and any(isinstance(x, str) for x in right)):
        names = [env.display_name(comodel, rid) for rid in ids]
        if operator in ("in", "not in"):
            found = any(name in right for name in names)
            return found if operator == "in" else not found
        if operator in NEGATIVE:
            positive = operator.replace("not ", "").replace("!=", "=")
            return not any(compare(name, positive, right, "char") for name in names)
        return any(compare(name, operator, right, "char") for name in names)
    if right is False or right is None or right == []:
        if operator in ("=", "in"):
            return not ids
        if operator in ("!=", "not in"):
            return bool(ids)
    rights = set(right) if isinstance(right, (list, tuple)) else {right}
    if operator in ("=", "in"):
        return bool(set(ids) & rights)
    if operator in ("!=", "not in"):
        return not (set(ids) & rights)
    return any(compare(rid, operator, right, "integer") for rid in ids)


def _target_ids(env, comodel, right) -> list:
    if isinstance(right, str):
        return [rid for rid, _name in env.name_search(comodel, right)]
    return _as_ids(right)


def _ancestors(env, spec, rid) -> set:
    seen = set()
    while rid and rid not in seen:
        seen.add(rid)
        rid = env.get(spec.name, rid, spec.parent_field) if spec.parent_field else False
    return seen


def _descendants(env, spec, rid) -> set:
    seen, todo = set(), [rid]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if spec.parent_field:
            todo.extend(env.search(spec.name, [(spec.parent_field, "=", current)], active_test=False))
    return seen


def _like(pattern: str, value: str, insensitive: bool, wrap: bool) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    if wrap:
        regex = f".*{regex}.*"
    return re.fullmatch(regex, value, re.S | (re.I if insensitive else 0)) is not None


def compare(value, operator, right, kind) -> bool:
    empty = value is None or (value is False and kind != "boolean")
    if operator == "=":
        if right is False or right is None:
            return empty or (kind == "boolean" and value is False)
        if kind == "boolean":
            return bool(value) == bool(right)
        return not empty and _eq(value, right)
    if operator == "!=":
        if right is False or right is None:
            return not empty and not (kind == "boolean" and value is False)
        if kind == "boolean":
            return bool(value) != bool(right)
        return empty or not _eq(value, right)
    if operator in ("in", "not in"):
        rights = list(right) if isinstance(right, (list, tuple, set)) else [right]
        null_ok = False in rights or None in rights
        if kind == "boolean":
            found = bool(value) in [bool(r) for r in rights if r is not None]
        else:
            found = (empty and null_ok) or (not empty and any(_eq(value, r) for r in rights))
        return found if operator == "in" else not found
    if operator in ("like", "ilike", "=like", "=ilike", "not like", "not ilike"):
        if empty:
            return operator.startswith("not")
        pattern = "" if right is None or right is False else str(right)
        hit = _like(pattern, str(value), "ilike" in operator, not operator.startswith("="))
        return not hit if operator.startswith("not") else hit
    if empty or right is None or right is False:
        return False
    try:
        if operator == "<":
            return value < right
        if operator == ">":
            return value > right
        if operator == "<=":
            return value <= right
        if operator == ">=":
            return value >= right
    except TypeError:
        return False
    return False


def _eq(value, right) -> bool:
    if isinstance(value, float) or isinstance(right, float):
        try:
            return abs(float(value) - float(right)) < 1e-9
        except (TypeError, ValueError):
            return False
    return value == right
