"""Message templates: `{name|format:arg}` placeholders, `[...]` shown only when all inside have values."""
from __future__ import annotations

import re
from typing import Any, Callable

from sidecar.policy import formats
from sidecar.policy.conditions import getter

FORMATS = ("money", "pct", "num", "date")
PLACEHOLDER = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(\|(?P<fmt>[a-z]+)(:(?P<arg>[A-Za-z0-9_.]+))?)?$")
FACT_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$")
CONTEXT_NAMES = ("observed", "threshold", "tolerance")
# (facts, observed, threshold, tolerance) -> value
Value = Callable[[Any, Any, Any, Any], Any]


class TemplateError(ValueError):
    """A template that cannot be compiled; the message says why."""


def parse(text: str) -> list:
    """Parts of a template: str, ("ph", name, fmt, arg) or ("opt", [parts])."""
    stack: list[list] = [[]]
    literal: list[str] = []
    i = 0

    def flush():
        if literal:
            stack[-1].append("".join(literal))
            literal.clear()
    while i < len(text):
        char, pair = text[i], text[i:i + 2]
        if pair in ("{{", "}}", "[[", "]]"):
            literal.append(char)
            i += 2
        elif char == "{":
            end = text.find("}", i)
            if end < 0:
                raise TemplateError(f"unclosed '{{' at {i}")
            match = PLACEHOLDER.match(text[i + 1:end])
            if not match:
                raise TemplateError(f"bad placeholder '{text[i:end + 1]}'")
            flush()
            stack[-1].append(("ph", match["name"], match["fmt"], match["arg"]))
            i = end + 1
        elif char == "[":
            flush()
            stack.append([])
            i += 1
        elif char == "]":
            if len(stack) == 1:
                raise TemplateError(f"']' without '[' at {i}")
            flush()
            inner = stack.pop()
            stack[-1].append(("opt", inner))
            i += 1
        elif char == "}":
            raise TemplateError(f"'}}' without '{{' at {i}")
        else:
            literal.append(char)
            i += 1
    if len(stack) > 1:
        raise TemplateError("unclosed '['")
    flush()
    return stack[0]


def placeholders(parts: list):
    """Every (name, fmt, arg) of parsed parts."""
    for part in parts:
        if isinstance(part, tuple) and part[0] == "ph":
            yield part[1:]
        elif isinstance(part, tuple):
            yield from placeholders(part[1])


def problems(text: str, params: dict) -> list[str]:
    """Why a template cannot be compiled against the policy's parameters; empty when it can."""
    try:
        parts = parse(text)
    except TemplateError as err:
        return [str(err)]
    found = []
    for name, fmt, arg in placeholders(parts):
        if name.startswith("params."):
            if name[7:] not in params:
                found.append(f"unknown parameter '{name[7:]}' in {{{name}}}")
        elif name not in CONTEXT_NAMES and not FACT_PATH.match(name):
            found.append(f"bad fact path '{name}'")
        if fmt and fmt not in FORMATS:
            found.append(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
        if arg and fmt != "money":
            found.append(f"format '{fmt}' takes no argument")
        if arg and not FACT_PATH.match(arg):
            found.append(f"bad fact path '{arg}'")
    return found


def _parent(path: str | None) -> str | None:
    return path.rsplit(".", 1)[0] if path and "." in path else None


def _money_formatter(holder_path: str | None) -> Callable[[Any, Any], str]:
    """Money in the currency of the object at holder_path (else the facts' own currency)."""
    holder = getter(holder_path) if holder_path else (lambda facts: facts)

    def fmt(value, facts):
        where = holder(facts)
        if not isinstance(where, dict) or "currency" not in where:
            where = facts if isinstance(facts, dict) else {}
        decimals = where.get("currency_decimals", 2)
        return formats.money(value, where.get("currency"), decimals if isinstance(decimals, int) else 2)
    return fmt


def _formatter(fmt: str | None, arg: str | None, holder: str | None, references: tuple) -> Callable[[Any, Any], str]:
    if fmt == "money":
        return _money_formatter(arg or holder)
    if fmt == "pct":
        return lambda value, facts: formats.pct(value, *references)
    if fmt == "date":
        return lambda value, facts: formats.when(value)
    return lambda value, facts: (formats.num(value) if isinstance(value, (int, float))
                                 and not isinstance(value, bool) else str(value))


def _value(name: str, params: dict) -> Value:
    if name == "observed":
        return lambda facts, observed, threshold, tolerance: observed
    if name == "threshold":
        return lambda facts, observed, threshold, tolerance: threshold
    if name == "tolerance":
        return lambda facts, observed, threshold, tolerance: tolerance
    if name.startswith("params."):
        const = params[name[7:]]
        return lambda facts, observed, threshold, tolerance: const
    read = getter(name)
    return lambda facts, observed, threshold, tolerance: read(facts)


class _Missing(Exception):
    """A placeholder without a value inside an optional segment."""


def compile_template(text: str, params: dict, subject_path: str | None, references: tuple):
    """A renderer (facts, observed, threshold, tolerance) -> str, or the string itself when constant.

    `subject_path` is the rule's fact: money placeholders of observed/threshold/tolerance/params use
    the currency of the object holding it; a fact placeholder uses the object holding that fact.
    """
    parts = parse(text)
    if all(isinstance(part, str) for part in parts):
        return "".join(parts)

    def build(items: list, optional: bool):
        steps = []
        for part in items:
            if isinstance(part, str):
                steps.append(part)
            elif part[0] == "opt":
                steps.append(build(part[1], True))
            else:
                _, name, fmt, arg = part
                holder = _parent(name) if name not in CONTEXT_NAMES and not name.startswith("params.") \
                    else _parent(subject_path)
                steps.append((_value(name, params), _formatter(fmt, arg, holder, references)))

        def render(facts, observed, threshold, tolerance):
            out = []
            for step in steps:
                if step.__class__ is str:
                    out.append(step)
                elif step.__class__ is tuple:
                    value = step[0](facts, observed, threshold, tolerance)
                    if value is None:
                        if optional:
                            raise _Missing
                        continue
                    out.append(step[1](value, facts))
                else:
                    try:
                        out.append(step(facts, observed, threshold, tolerance))
                    except _Missing:
                        pass
            return "".join(out)
        return render
    return build(parts, False)
