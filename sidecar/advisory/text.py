"""Words for people: an approver's summary of an exception, a message drafted from a template."""
from __future__ import annotations

import string

MAX_REASONS = 5


def _money(amount, currency) -> str:
    return f"{float(amount):,.2f} {currency or ''}".strip()


def _reason(reason) -> str:
    """A stopping reason in words, naming the rule that gave it when known."""
    if not isinstance(reason, dict):
        return str(reason)
    said = reason.get("message") or reason.get("code") or str(reason)
    return f"{said} [{reason['rule']}]" if reason.get("rule") else said


def _moment(value: str) -> str:
    """An ISO UTC moment as people read it: 2026-12-07T10:00:00Z -> 2026-12-07 10:00 UTC."""
    if isinstance(value, str) and len(value) >= 16 and value[10:11] == "T" and value.endswith("Z"):
        return f"{value[:10]} {value[11:16]} UTC"
    return str(value)


def _who(context: dict) -> str | None:
    """Who asked and who decides: "Requested by ann; to decide: bob (sales-manager), then finance"."""
    deciders = [f"{t.get('assignee') or 'nobody eligible'}" + (f" ({t['role']})" if t.get("role") else "")
                for t in context.get("approvers") or [] if isinstance(t, dict)]
    parts = ([f"Requested by {context['requested_by']}"] if context.get("requested_by") else []) + \
        ([f"to decide: {', then '.join(deciders)}"] if deciders else [])
    return "; ".join(parts) or None


def summarise(context: dict) -> dict:
    """What an approver needs first: the document, who, how much, why it stopped, what passed, who decides,
    and by when; the same context always gives the same words."""
    document = context.get("document") or "this document"
    lines = [document + (f" for {context['partner']}" if context.get("partner") else "")
             + (f": {_money(context['amount'], context.get('currency'))}" if context.get("amount") is not None else "")
             + (f" ({context['items']} line{'s' if context['items'] != 1 else ''})"
                if isinstance(context.get("items"), int) and context["items"] else "")]
    reasons = [_reason(r) for r in context.get("reasons") or []]
    if reasons:
        lines.append("Stopped because: " + "; ".join(reasons[:MAX_REASONS])
                     + (f" (+{len(reasons) - MAX_REASONS} more)" if len(reasons) > MAX_REASONS else ""))
    if context.get("passed"):
        lines.append("Passed: " + ", ".join(map(str, context["passed"])))
    lines += [str(note) for note in context.get("notes") or []]
    if _who(context):
        lines.append(_who(context))
    if context.get("due_at"):
        sla = f" (SLA {context['sla_hours']:g} h)" if isinstance(context.get("sla_hours"), (int, float)) else ""
        lines.append(f"Decision due by {_moment(context['due_at'])}{sla}")
    if context.get("history"):
        lines.append(f"Earlier on this document: {'; '.join(map(str, context['history'][-3:]))}")
    return {"summary": "\n".join(lines), "lines": len(lines), "reasons_shown": min(len(reasons), MAX_REASONS)}


def draft(template: str, case: dict) -> dict:
    """The template with $fields from the case; fields the case lacks stay visible as $field to fill in."""
    text = string.Template(template)
    missing = sorted({name for name in text.get_identifiers() if name not in case})
    return {"draft": text.safe_substitute({k: v for k, v in case.items() if isinstance(k, str)}),
            "missing_fields": missing, "needs_review": True}
