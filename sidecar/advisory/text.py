"""Words for people: an approver's summary of an exception, a message drafted from a template."""
from __future__ import annotations

import string

MAX_REASONS = 5


def _money(amount, currency) -> str:
    return f"{float(amount):,.2f} {currency or ''}".strip()


def summarise(context: dict) -> dict:
    """What an approver needs first: the document, who, how much, why it stopped, and by when."""
    document = context.get("document") or "this document"
    lines = [document + (f" for {context['partner']}" if context.get("partner") else "")
             + (f": {_money(context['amount'], context.get('currency'))}" if context.get("amount") is not None else "")]
    reasons = [r.get("message") or r.get("code") or str(r) if isinstance(r, dict) else str(r)
               for r in context.get("reasons") or []]
    if reasons:
        lines.append("Stopped because: " + "; ".join(reasons[:MAX_REASONS])
                     + (f" (+{len(reasons) - MAX_REASONS} more)" if len(reasons) > MAX_REASONS else ""))
    if context.get("requested_by"):
        lines.append(f"Requested by {context['requested_by']}")
    if context.get("due_at"):
        lines.append(f"Decision due by {context['due_at']}")
    if context.get("history"):
        lines.append(f"Earlier on this document: {'; '.join(map(str, context['history'][-3:]))}")
    return {"summary": "\n".join(lines), "lines": len(lines), "reasons_shown": min(len(reasons), MAX_REASONS)}


def draft(template: str, case: dict) -> dict:
    """The template with $fields from the case; fields the case lacks stay visible as $field to fill in."""
    text = string.Template(template)
    missing = sorted({name for name in text.get_identifiers() if name not in case})
    return {"draft": text.safe_substitute({k: v for k, v in case.items() if isinstance(k, str)}),
            "missing_fields": missing, "needs_review": True}
